//! The DMD fit: snapshot matrices, thin SVD, rank rule, reduced operator (per variant),
//! eigenpairs.

use crate::models::check_finite;
use faer::Mat;

use crate::models::koopman::KoopmanModes;

use super::rank::choose_rank;
use super::residual::residuals;
use super::{Dmd, DmdModel, Rank};
use crate::data::Trajectory;
use crate::jobs::JobContext;
use crate::models::{FitError, Spectrum};

/// Fits DMD (exact: Tu et al. 2014, Algorithm 2; or a de-biased variant) to `data`,
/// holding out the last `options.residual_holdout` of the snapshot pairs for the
/// residuals.
pub fn fit_dmd(options: &Dmd, data: &Trajectory, job: &JobContext) -> Result<DmdModel, FitError> {
    let n = data.dim();
    check_finite(data)?;
    if !(0.0..0.9).contains(&options.residual_holdout) {
        return Err(FitError::Options(format!(
            "residual_holdout must be in [0, 0.9), got {}",
            options.residual_holdout
        )));
    }
    let pairs = data.len().saturating_sub(1);
    let n_res = (pairs as f64 * options.residual_holdout).round() as usize;
    let n_fit = pairs - n_res;
    if n_fit < n + 1 {
        return Err(FitError::Data(format!(
            "DMD needs more snapshot pairs than states: {n_fit} pairs for {n} states; use a longer trajectory"
        )));
    }
    if let Rank::Fixed(0) = options.rank {
        return Err(FitError::Options("the DMD rank must be at least 1".into()));
    }
    job.report(0.05, "SVD of the snapshot matrix");
    // Columns are snapshots.
    let x = Mat::from_fn(n, n_fit, |i, k| data.row(k)[i]);
    let y = Mat::from_fn(n, n_fit, |i, k| data.row(k + 1)[i]);
    let svd = x
        .thin_svd()
        .map_err(|e| FitError::Numerical(format!("SVD did not converge: {e:?}")))?;
    job.check()?;
    let sigma: Vec<f64> = (0..svd.S().dim()).map(|i| svd.S()[i]).collect();
    let r = choose_rank(&sigma, (n, n_fit), options.rank);
    if r == 0 {
        return Err(FitError::Data(
            "the snapshot matrix is zero: every sample is the origin".into(),
        ));
    }
    let u_r = svd.U().subcols(0, r);
    let v_r = svd.V().subcols(0, r);
    job.report(0.4, "reduced operator");
    let a_tilde = super::variants::reduced_operator(options.variant, u_r, &sigma, v_r, y.as_ref())?;
    job.check()?;
    job.report(0.6, "eigenvalues");
    // Eigenvectors of K = Ãᵀ are the coefficient vectors of the Koopman eigenfunctions
    // in the POD dictionary ψ(x) = U_r* x (left eigenvectors of Ã).
    let k_mat = a_tilde.transpose().to_owned();
    let eig = k_mat
        .eigen()
        .map_err(|e| FitError::Numerical(format!("eigen-decomposition failed: {e:?}")))?;
    let lambdas: Vec<faer::c64> = (0..r).map(|j| eig.S()[j]).collect();
    let basis: Vec<f64> = (0..n)
        .flat_map(|i| (0..r).map(move |j| (i, j)))
        .map(|(i, j)| u_r[(i, j)])
        .collect();
    let operator: Vec<f64> = (0..r)
        .flat_map(|i| (0..r).map(move |j| (i, j)))
        .map(|(i, j)| a_tilde[(i, j)])
        .collect();

    // Modes V = Ξ⁻¹ B with the read-out B = U_rᵀ (x = U_r z), amplitudes over the fit
    // snapshots ψ(x_k) = U_r* x_k.
    let xi = eig.U();
    let read_out = u_r.transpose().to_owned();
    let psi = x.transpose() * u_r;
    let modes = KoopmanModes::new(xi, read_out.as_ref(), psi.as_ref(), n_fit as f64).ok();
    let eigenvectors: Vec<[f64; 2]> = (0..r)
        .flat_map(|i| (0..r).map(move |j| (i, j)))
        .map(|(i, j)| [xi[(i, j)].re, xi[(i, j)].im])
        .collect();

    job.report(0.8, "residuals on held-out pairs");
    let res = if n_res >= 1 {
        let held = data.slice(n_fit..data.len());
        residuals(&held, &basis, r, &lambdas, eig.U())
    } else {
        vec![f64::NAN; r]
    };
    job.report(1.0, "done");
    Ok(DmdModel {
        names: data.names().to_vec(),
        dt: data.dt(),
        rank: r,
        basis,
        operator,
        singular_values: sigma,
        spectrum: Spectrum {
            eigenvalues: lambdas.iter().map(|z| [z.re, z.im]).collect(),
            residuals: res,
            dt: data.dt(),
        },
        options: options.clone(),
        pairs: (n_fit, n_res),
        last_state: data.row(data.len() - 1).to_vec(),
        eigenvectors,
        modes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Provenance;
    use crate::models::Model;
    use faer::c64;

    /// Samples `x_{k+1} = A x_k` for a rotation with decay in the (x, y) plane and a pure
    /// decay in z: eigenvalues `ρ e^{±iθ}` and `μ`.
    fn linear_data(steps: usize) -> (Trajectory, [[f64; 2]; 3]) {
        let (rho, theta, mu) = (0.97f64, 0.3f64, 0.9f64);
        let a = [
            [rho * theta.cos(), -rho * theta.sin(), 0.0],
            [rho * theta.sin(), rho * theta.cos(), 0.0],
            [0.0, 0.0, mu],
        ];
        let mut x = [1.0, 0.5, 2.0];
        let mut samples = Vec::new();
        for _ in 0..steps {
            samples.extend_from_slice(&x);
            let next = [
                a[0][0] * x[0] + a[0][1] * x[1],
                a[1][0] * x[0] + a[1][1] * x[1],
                a[2][2] * x[2],
            ];
            x = next;
        }
        let traj = Trajectory::new(
            vec!["x".into(), "y".into(), "z".into()],
            0.0,
            0.1,
            samples,
            Provenance::file("synthetic"),
        );
        let exact = [
            [rho * theta.cos(), rho * theta.sin()],
            [rho * theta.cos(), -rho * theta.sin()],
            [mu, 0.0],
        ];
        (traj, exact)
    }

    #[test]
    fn modes_are_eigenvectors_of_the_map_and_eigenfunctions_are_linear_and_exact() {
        let (data, _) = linear_data(60);
        let model = Dmd::default()
            .fit(&data, &JobContext::detached())
            .expect("fits");
        let spec = model.spectrum().expect("spectrum");
        let modes = model.modes().expect("DMD keeps its modes");
        let (rho, theta, mu) = (0.97f64, 0.3f64, 0.9f64);
        let a = |v: [c64; 3]| {
            [
                v[0] * rho * theta.cos() - v[1] * rho * theta.sin(),
                v[0] * rho * theta.sin() + v[1] * rho * theta.cos(),
                v[2] * mu,
            ]
        };
        for (j, v) in modes.vectors.iter().enumerate() {
            // A v_j = λ_j v_j: the Koopman modes of a linear map are its eigenvectors.
            let v: [c64; 3] = std::array::from_fn(|i| c64::new(v[i][0], v[i][1]));
            let l = c64::new(spec.eigenvalues[j][0], spec.eigenvalues[j][1]);
            let av = a(v);
            for i in 0..3 {
                assert!((av[i] - l * v[i]).norm() < 1e-9, "mode {j}: {av:?} vs λ v");
            }
            // φ_j(A x) = λ_j φ_j(x) at a state off the training orbit.
            let x = [0.3, -1.2, 0.7];
            let ax = a(x.map(|v| c64::new(v, 0.0))).map(|c| c.re);
            let (p, q) = (
                model.eigenfunction(j, &x).expect("φ"),
                model.eigenfunction(j, &ax).expect("φ"),
            );
            let (p, q) = (c64::new(p[0], p[1]), c64::new(q[0], q[1]));
            assert!((q - l * p).norm() < 1e-9 * (1.0 + p.norm()), "φ_{j}");
        }
        // All three eigenpairs forecast exactly as the model does; the complex pair alone
        // forecasts x and y and leaves z = 0.
        let x0 = [0.4, -0.3, 1.5];
        let full = model.forecast(&x0, 40).expect("finite");
        let modal = model
            .modal_forecast(&x0, 40, &[0, 1, 2])
            .expect("has modes")
            .expect("finite");
        for (a, b) in full.iter().zip(&modal) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        let pair: Vec<usize> = (0..3)
            .filter(|&j| spec.eigenvalues[j][1].abs() > 1e-6)
            .collect();
        assert_eq!(pair.len(), 2);
        let rot = model
            .modal_forecast(&x0, 40, &pair)
            .expect("has modes")
            .expect("finite");
        for k in 0..=40 {
            assert!((rot[3 * k] - full[3 * k]).abs() < 1e-9);
            assert!((rot[3 * k + 1] - full[3 * k + 1]).abs() < 1e-9);
            assert!(rot[3 * k + 2].abs() < 1e-9);
        }
        // The saved form keeps modes and eigenvectors, so a reloaded model forecasts by modes.
        let json = serde_json::to_string(&model.to_saved()).expect("serialises");
        let back: crate::models::saved::SavedModel = serde_json::from_str(&json).expect("parses");
        let back = back.into_fitted();
        let again = back
            .modal_forecast(&x0, 40, &pair)
            .expect("has modes")
            .expect("finite");
        assert_eq!(again, rot);
    }

    #[test]
    fn recovers_eigenvalues_of_a_linear_map_to_1e10() {
        let (data, exact) = linear_data(60);
        let model = Dmd::default()
            .fit(&data, &JobContext::detached())
            .expect("fits");
        let spec = model.spectrum().expect("DMD has a spectrum");
        assert_eq!(spec.eigenvalues.len(), 3);
        for e in exact {
            let best = spec
                .eigenvalues
                .iter()
                .map(|l| (l[0] - e[0]).hypot(l[1] - e[1]))
                .fold(f64::INFINITY, f64::min);
            assert!(best < 1e-10, "eigenvalue {e:?} missed by {best}");
        }
        // The dictionary is invariant, so every eigenpair is exact: residuals ≈ 0.
        for r in &spec.residuals {
            assert!(*r < 1e-9, "residual {r}");
        }
        // Continuous time: log(λ)/dt gives back the rotation rate θ/dt = 3.
        let omega = spec.continuous();
        assert!(omega.iter().any(|w| (w[1] - 3.0).abs() < 1e-8));
    }

    #[test]
    fn forecast_reproduces_the_linear_map() {
        let (data, _) = linear_data(60);
        let model = Dmd::default()
            .fit(&data, &JobContext::detached())
            .expect("fits");
        let f = model.forecast(data.row(0), 40).expect("finite");
        for k in 0..=40 {
            for j in 0..3 {
                assert!((f[k * 3 + j] - data.row(k)[j]).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn exact_dmd_matches_pydmd_on_the_committed_fixture() {
        // tests/fixtures/koopman: a 6-channel signal (three damped oscillations mixed,
        // plus 1e-3 noise) and PyDMD's `DMD(svd_rank=r, exact=True)` eigenvalues on all
        // 399 pairs (tools/pydmd_fixture.py), an independent implementation.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/koopman");
        let data = crate::io::read_trajectory(&dir.join("dmd_signal.csv"), &Default::default())
            .expect("reads");
        assert_eq!((data.len(), data.dim()), (400, 6));
        assert!((data.dt() - 0.1).abs() < 1e-12);
        let text = std::fs::read_to_string(dir.join("dmd_pydmd.json")).expect("reads");
        let expected: serde_json::Value = serde_json::from_str(&text).expect("parses");
        for rank in [2usize, 4, 6] {
            let options = Dmd {
                rank: Rank::Fixed(rank),
                residual_holdout: 0.0,
                ..Dmd::default()
            };
            let model = options.fit(&data, &JobContext::detached()).expect("fits");
            let ours = &model.spectrum().expect("spectral").eigenvalues;
            let theirs = expected["ranks"][rank.to_string()]
                .as_array()
                .expect("listed");
            assert_eq!(ours.len(), theirs.len(), "rank {rank}");
            for t in theirs {
                let t = [t[0].as_f64().expect("re"), t[1].as_f64().expect("im")];
                let best = ours
                    .iter()
                    .map(|l| (l[0] - t[0]).hypot(l[1] - t[1]))
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    best < 1e-8,
                    "rank {rank}: PyDMD's {t:?} missed by {best:.1e}"
                );
            }
        }
    }

    #[test]
    fn too_little_data_is_a_clear_error() {
        let (data, _) = linear_data(3);
        let err = Dmd::default()
            .fit(&data, &JobContext::detached())
            .err()
            .expect("fails");
        assert!(
            err.to_string().contains("more snapshot pairs than states"),
            "{err}"
        );
    }
}
