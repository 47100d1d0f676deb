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
use super::pairs::SnapshotPairs;
use super::pseudospectrum::QuadratureForm;
use super::residual::residuals;
use super::{Edmd, EdmdModel};
use crate::data::Trajectory;
use crate::jobs::JobContext;
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
    let pairs = SnapshotPairs::from_trajectory(data);
    let mut model = fit_edmd_pairs(options, &pairs, job)?;
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
    let k = lstsq(psi_x.as_ref(), psi_y.as_ref())?;
    let sw: Vec<f64> = fit.weights().iter().map(|w| w.sqrt()).collect();
    let xs = Mat::from_fn(fit.len(), n, |m, j| sw[m] * fit.xs()[m * n + j]);
    let b = lstsq(psi_x.as_ref(), xs.as_ref())?;
    job.check()?;
    job.report(0.5, "eigenvalues");
    let eig = k
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
    let vecs = Mat::from_fn(big_n, big_n, |r, c| eig.U()[(r, order[c])]);
    job.check()?;
    job.report(0.7, "residuals on held-out pairs");
    let (res, form) = if quad.is_empty() {
        // No held-out pairs: residuals on the fit pairs would be biased low, so none.
        (vec![f64::NAN; big_n], None)
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
        eigenvectors: Some(vecs),
        quadrature: form,
    })
}
