//! The EDMD fit: dictionary matrices of the fit pairs, the Koopman matrix `K` by least
//! squares through a column-pivoted QR, its eigenpairs, the state read-out, and ResDMD
//! residuals on the held-out quadrature pairs.
//!
//! # Method
//! `K = argmin ‖W^{1/2}(Ψ_X K − Ψ_Y)‖_F = (W^{1/2}Ψ_X)^† W^{1/2}Ψ_Y` (Williams, Kevrekidis
//! & Rowley 2015, eq. (11) in its least-squares form) solved by QR, never through the
//! Gram inverse `G^{-1}A` (spec §6.3). Eigenpairs `K c_j = λ_j c_j` give eigenfunctions
//! `φ_j = ψ c_j`. The state read-out `B = (W^{1/2}Ψ_X)^† W^{1/2}X` (spec §1.3) is exact when
//! the state is in the dictionary.

use crate::models::check_finite;
use faer::linalg::solvers::SolveLstsq;
use faer::{Mat, MatRef, c64};

use super::dictionary::FittedDictionary;
use super::modes::KoopmanModes;
use super::pairs::SnapshotPairs;
use super::pseudospectrum::QuadratureForm;
use super::residual::{residuals, residuals_measure_preserving};
use super::{Dictionary, Edmd, EdmdModel};
use crate::data::Trajectory;
use crate::jobs::JobContext;
use crate::models::dmd::hankel::delay_embed;
use crate::models::{FitError, Spectrum};

/// `|R_jj|` of the pivoted QR below this fraction of `|R_11|` means the dictionary is
/// linearly dependent on the data (double precision leaves ~4 digits of headroom).
const REL_RANK_TOL: f64 = 1e-12;

/// The least-squares solution `X` of `A X ≈ B` by column-pivoted QR, refusing a
/// numerically rank-deficient `A` with advice.
pub(crate) fn lstsq(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>, FitError> {
    let qr = a.col_piv_qr();
    let r = qr.thin_R();
    let n = r.ncols();
    let r11 = if n > 0 { r[(0, 0)].abs() } else { 0.0 };
    let rank = (0..n)
        .take_while(|&i| r[(i, i)].abs() > REL_RANK_TOL * r11)
        .count();
    if rank < n {
        return Err(FitError::Data(format!(
            "the {n} dictionary functions are linearly dependent on the data (numerical rank {rank}); use a smaller --degree or fewer --centers, or more varied data"
        )));
    }
    Ok(qr.solve_lstsq(b))
}

/// `(K, Â, R)` of [`measure_preserving_koopman`].
type WhitenedKoopman = (Mat<f64>, Mat<f64>, Mat<f64>);

/// EDMD for measure-preserving dynamics: `K = G_s⁻¹A` with `G_s = (G + L)/2`
/// (Colbrook, `Lorenz_attractor_example.m`; spec §1.9). `G_s = RᵀR` comes from a QR of
/// the stacked `[Ψ_X; Ψ_Y]/√2`, so `G_s` is never formed; returns `K = R⁻¹ÂR`, the
/// whitened matrix `Â = R⁻ᵀAR⁻¹ = (Ψ_X R⁻¹)ᵀ(Ψ_Y R⁻¹)` (norm ≤ 1, so its eigenpairs
/// are accurate to rounding whatever the conditioning of `Ψ_X`), and `R`.
fn measure_preserving_koopman(
    psi_x: MatRef<'_, f64>,
    psi_y: MatRef<'_, f64>,
) -> Result<WhitenedKoopman, FitError> {
    let (m, n) = psi_x.shape();
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let stacked = Mat::from_fn(2 * m, n, |i, j| {
        h * if i < m {
            psi_x[(i, j)]
        } else {
            psi_y[(i - m, j)]
        }
    });
    let qr = stacked.col_piv_qr();
    let r_piv = qr.thin_R();
    let r11 = if n > 0 { r_piv[(0, 0)].abs() } else { 0.0 };
    let rank = (0..n)
        .take_while(|&i| r_piv[(i, i)].abs() > REL_RANK_TOL * r11)
        .count();
    if rank < n {
        return Err(FitError::Data(format!(
            "the {n} dictionary functions are linearly dependent on the data (numerical rank {rank}); use a smaller --degree or fewer --centers, or more varied data"
        )));
    }
    // Unpivoted R of the same full-rank matrix (RᵀR = G_s).
    let r = stacked.qr().thin_R().to_owned();
    // Ψ R⁻¹ as (R⁻ᵀ Ψᵀ)ᵀ.
    let whiten = |psi: MatRef<'_, f64>| {
        let mut t = psi.transpose().to_owned();
        r.transpose().solve_lower_triangular_in_place(&mut t);
        t
    };
    let (wx, wy) = (whiten(psi_x), whiten(psi_y));
    let a_hat = &wx * wy.transpose();
    // K = R⁻¹ÂR.
    let mut k = &a_hat * &r;
    r.solve_upper_triangular_in_place(&mut k);
    Ok((k, a_hat, r))
}

/// Fits EDMD to `data`, holding out the last `options.residual_holdout` of the pairs
/// as the quadrature set for residuals and the pseudospectrum.
pub fn fit_edmd(
    options: &Edmd,
    data: &Trajectory,
    job: &JobContext,
) -> Result<EdmdModel, FitError> {
    check_finite(data)?;
    if data.len() < 3 {
        return Err(FitError::Data(format!(
            "EDMD needs at least 3 samples, got {}; use a longer trajectory",
            data.len()
        )));
    }
    let (delays, inner) = options.dictionary.split_delays();
    if !matches!(options.dictionary, Dictionary::Delay { .. }) {
        let pairs = SnapshotPairs::from_trajectory(data);
        let mut model = fit_edmd_pairs(options, &pairs, job)?;
        model.names = data.names().to_vec();
        model.last_state = data.row(data.len() - 1).to_vec();
        return Ok(model);
    }
    // Delay coordinates: EDMD of the delay vectors h_k = [x_k, …, x_{k+d−1}].
    let embedded = delay_embed(data, delays)?;
    if embedded.len() < 3 {
        return Err(FitError::Data(format!(
            "{delays} delays leave {} delay vectors; use fewer --delays or a longer trajectory",
            embedded.len()
        )));
    }
    let inner_options = Edmd {
        dictionary: inner.clone(),
        ..options.clone()
    };
    let pairs = SnapshotPairs::from_trajectory(&embedded);
    let mut model = fit_edmd_pairs(&inner_options, &pairs, job)?;
    // A forecast starts from one state: regress the delay vector on [newest block, 1]
    // over the training rows (as Hankel DMD does for its POD coordinates).
    let (n, nd) = (data.dim(), embedded.dim());
    let rows = embedded.len();
    let a = Mat::from_fn(rows, n + 1, |k, i| {
        if i < n {
            embedded.row(k)[(delays - 1) * n + i]
        } else {
            1.0
        }
    });
    let h = Mat::from_fn(rows, nd, |k, j| embedded.row(k)[j]);
    let lift = lstsq(a.as_ref(), h.as_ref())?;
    model.modes = model
        .modes
        .map(|m| m.restricted((delays - 1) * n..delays * n));
    model.delays = delays;
    model.delay_lift = (0..=n)
        .flat_map(|i| (0..nd).map(move |j| (i, j)))
        .map(|(i, j)| lift[(i, j)])
        .collect();
    model.options = options.clone();
    model.names = data.names().to_vec();
    model.last_state = data.row(data.len() - 1).to_vec();
    Ok(model)
}

/// Fits EDMD to snapshot pairs (several trajectories or imported bursts).
pub fn fit_edmd_pairs(
    options: &Edmd,
    pairs: &SnapshotPairs,
    job: &JobContext,
) -> Result<EdmdModel, FitError> {
    if !(0.0..0.9).contains(&options.residual_holdout) {
        return Err(FitError::Options(format!(
            "residual_holdout must be in [0, 0.9), got {}",
            options.residual_holdout
        )));
    }
    if let Some(g) = &options.pseudospectrum {
        let ok_range = |r: (f64, f64)| r.0.is_finite() && r.1.is_finite() && r.0 < r.1;
        if g.nx < 2 || g.ny < 2 || !ok_range(g.re) || !ok_range(g.im) {
            return Err(FitError::Options(format!(
                "the pseudospectrum grid needs at least 2 points per axis and increasing finite ranges, got {}×{} over {:?}×{:?}",
                g.nx, g.ny, g.re, g.im
            )));
        }
    }
    let n = pairs.dim();
    let (fit, quad) = pairs.split_holdout(options.residual_holdout);
    job.report(0.05, "dictionary");
    let dict = FittedDictionary::fit(&options.dictionary, fit.xs(), n)?;
    let big_n = dict.len();
    if fit.len() <= big_n {
        return Err(FitError::Data(format!(
            "the dictionary has {big_n} functions but only {} fit pairs; EDMD needs more pairs than functions — use more data, a smaller --degree or fewer --centers",
            fit.len()
        )));
    }
    let psi_x = dict.weighted_matrix(fit.xs(), fit.weights());
    let psi_y = dict.weighted_matrix(fit.ys(), fit.weights());
    job.check()?;
    job.report(0.25, "least squares by QR");
    let (k, whitened) = if options.measure_preserving {
        let (k, a_hat, r) = measure_preserving_koopman(psi_x.as_ref(), psi_y.as_ref())?;
        (k, Some((a_hat, r)))
    } else {
        (lstsq(psi_x.as_ref(), psi_y.as_ref())?, None)
    };
    let sw: Vec<f64> = fit.weights().iter().map(|w| w.sqrt()).collect();
    let xs = Mat::from_fn(fit.len(), n, |m, j| sw[m] * fit.xs()[m * n + j]);
    let b = lstsq(psi_x.as_ref(), xs.as_ref())?;
    job.check()?;
    job.report(0.5, "eigenvalues");
    // Measure preserving: eigenpairs (λ, h) of the whitened Â, c = R⁻¹h.
    let eig = whitened
        .as_ref()
        .map_or(&k, |(a_hat, _)| a_hat)
        .eigen()
        .map_err(|e| FitError::Numerical(format!("eigen-decomposition failed: {e:?}")))?;
    // Largest modulus first; conjugates with positive imaginary part first.
    let mut order: Vec<usize> = (0..big_n).collect();
    let s = eig.S();
    order.sort_by(|&i, &j| {
        s[j].norm()
            .total_cmp(&s[i].norm())
            .then(s[j].im.total_cmp(&s[i].im))
    });
    let lambdas: Vec<c64> = order.iter().map(|&i| s[i]).collect();
    let hvecs = Mat::from_fn(big_n, big_n, |r, c| eig.U()[(r, order[c])]);
    let (vecs, fit_residuals) = match &whitened {
        None => (hvecs, None),
        Some((a_hat, r)) => {
            let rc = Mat::from_fn(big_n, big_n, |i, j| c64::new(r[(i, j)], 0.0));
            let mut c = hvecs.clone();
            rc.solve_upper_triangular_in_place(&mut c);
            let ac = Mat::from_fn(big_n, big_n, |i, j| c64::new(a_hat[(i, j)], 0.0));
            // res² = 1 + |λ|² − 2 Re(λ̄ h*Âh)/h*h, the G_s = L = RᵀR residual in the
            // orthonormal basis (exactly 1 − |λ|² for an eigenpair).
            let res = (0..big_n)
                .map(|j| {
                    let h = hvecs.col(j);
                    let (hh, hah) = (h.norm_l2().powi(2), h.adjoint() * &ac * h);
                    let l = lambdas[j];
                    ((1.0 + l.norm_sqr()) - 2.0 * (l.conj() * hah).re / hh)
                        .max(0.0)
                        .sqrt()
                })
                .collect::<Vec<f64>>();
            (c, Some(res))
        }
    };
    let modes = KoopmanModes::new(
        vecs.as_ref(),
        b.as_ref(),
        psi_x.as_ref(),
        fit.weights().iter().sum(),
    )
    .ok();
    job.check()?;
    job.report(0.7, "residuals on held-out pairs");
    let (res, form) = if let (true, Some(res)) = (quad.is_empty(), fit_residuals) {
        // With G = L = (G + L)/2 the fit pairs give the isometry residuals sqrt(1 − |λ|²).
        (res, None)
    } else if quad.is_empty() {
        // No held-out pairs: residuals on the fit pairs would be biased low, so none.
        (vec![f64::NAN; big_n], None)
    } else if options.measure_preserving {
        let qx = dict.weighted_matrix(quad.xs(), quad.weights());
        let qy = dict.weighted_matrix(quad.ys(), quad.weights());
        let res = residuals_measure_preserving(qx.as_ref(), qy.as_ref(), &lambdas, vecs.as_ref());
        (res, QuadratureForm::new(qx.as_ref(), qy.as_ref()).ok())
    } else {
        let qx = dict.weighted_matrix(quad.xs(), quad.weights());
        let qy = dict.weighted_matrix(quad.ys(), quad.weights());
        let res = residuals(qx.as_ref(), qy.as_ref(), &lambdas, vecs.as_ref());
        job.check()?;
        job.report(0.85, "pseudospectrum reduction");
        // The pseudospectrum needs M ≥ N held-out pairs; without them it is unavailable.
        (res, QuadratureForm::new(qx.as_ref(), qy.as_ref()).ok())
    };
    let pseudospectrum = match (&options.pseudospectrum, &form) {
        (None, _) => None,
        (Some(grid), Some(form)) => {
            job.report(0.9, "pseudospectrum");
            Some(super::pseudospectrum::pseudospectrum_published(
                form,
                grid,
                super::Symmetry::RealData,
                job,
            )?)
        }
        (Some(_), None) => {
            return Err(FitError::Data(format!(
                "the pseudospectrum needs at least as many held-out pairs as the {big_n} dictionary functions (and a full-rank dictionary on them); there are {} — use more data, a larger residual hold-out or a smaller dictionary",
                quad.len()
            )));
        }
    };
    job.report(1.0, "done");
    let row_major = |m: &Mat<f64>| -> Vec<f64> {
        (0..m.nrows())
            .flat_map(|i| (0..m.ncols()).map(move |j| (i, j)))
            .map(|(i, j)| m[(i, j)])
            .collect()
    };
    Ok(EdmdModel {
        names: (0..n).map(|j| format!("x{j}")).collect(),
        dt: pairs.dt(),
        koopman: row_major(&k),
        state_map: row_major(&b),
        spectrum: Spectrum {
            eigenvalues: lambdas.iter().map(|z| [z.re, z.im]).collect(),
            residuals: res,
            dt: pairs.dt(),
        },
        dictionary: dict,
        options: options.clone(),
        pairs: (fit.len(), quad.len()),
        last_state: pairs.ys()[(pairs.len().max(1) - 1) * n..].to_vec(),
        pseudospectrum,
        delays: 1,
        delay_lift: Vec::new(),
        modes,
        eigenvectors: Some(vecs),
        quadrature: form,
    })
}
