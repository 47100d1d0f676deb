//! Reservoir-computer tests against independent truths: exact linear maps, the
//! eigenvalues of the scaled reservoir, and forecasts of Lorenz measured in Lyapunov
//! times against the integrated truth.

use faer::Mat;

use super::reservoir_matrix::draw_reservoir;
use super::*;
use crate::data::{Provenance, Trajectory};
use crate::eval::compare::{CompareOptions, score_fitted};
use crate::integrate::{Simulation, solve};
use crate::jobs::JobContext;
use crate::models::saved::SavedModel;
use crate::models::{FittedModel, Model};
use crate::systems::{Catalog, System};

/// A 3-D linear map with eigenvalues inside the unit circle (a decaying spiral plus a
/// real mode), and `len` iterates from `x0`.
fn linear_map_data(len: usize, x0: [f64; 3]) -> ([[f64; 3]; 3], Trajectory) {
    let a = [[0.95, -0.25, 0.05], [0.25, 0.93, 0.0], [0.02, 0.08, 0.88]];
    let mut x = x0;
    let mut samples = Vec::new();
    for _ in 0..len {
        samples.extend_from_slice(&x);
        x = std::array::from_fn(|i| (0..3).map(|j| a[i][j] * x[j]).sum());
    }
    let names = vec!["x".into(), "y".into(), "z".into()];
    let traj = Trajectory::new(names, 0.0, 1.0, samples, Provenance::file("linear map"));
    (a, traj)
}

#[test]
fn nvar_recovers_a_linear_map_exactly() {
    let (a, data) = linear_map_data(300, [3.0, -1.0, 2.0]);
    let model = Nvar {
        delays: 1,
        skip: 1,
        ridge: 0.0,
    }
    .fit_model(&data, &JobContext::detached())
    .expect("fits");
    // The read-out's Jacobian is A at every state (its quadratic part vanishes).
    for x in [[0.5, 0.2, -0.3], [-2.0, 1.5, 4.0]] {
        let j = model.jacobian(&x).expect("k = 1 has a state Jacobian");
        for i in 0..3 {
            for k in 0..3 {
                assert!(
                    (j[i * 3 + k] - a[i][k]).abs() < 1e-9,
                    "J[{i}][{k}] = {}",
                    j[i * 3 + k]
                );
            }
        }
    }
    let quad: f64 = model.readout[4 * 3..]
        .iter()
        .map(|v| v.abs())
        .fold(0.0, f64::max);
    assert!(quad < 1e-9, "quadratic weights {quad}");
    // Forecasts from a state off the training orbit follow x_{t+1} = A x_t exactly.
    let mut x = [1.0, 1.0, -1.0];
    let f = model.forecast(&x, 40).expect("finite");
    for k in 0..=40 {
        for i in 0..3 {
            assert!(
                (f[k * 3 + i] - x[i]).abs() < 1e-9 * (1.0 + x[i].abs()),
                "step {k}"
            );
        }
        x = std::array::from_fn(|i| (0..3).map(|j| a[i][j] * x[j]).sum());
    }
    // With two delays the linear part is collinear on a linear map's orbit: without a
    // ridge that is refused with advice.
    let err = Nvar {
        delays: 2,
        skip: 1,
        ridge: 0.0,
    }
    .fit_model(&data, &JobContext::detached())
    .expect_err("collinear delays");
    assert!(err.to_string().contains("--ridge > 0"), "{err}");
}

/// The smallest singular value of `W − λ I` for complex `λ = re + i·im`, from the real
/// 2N × 2N form `[[W − re I, im I], [−im I, W − re I]]` (singular iff λ or λ̄ is an
/// eigenvalue of W).
fn distance_to_eigenvalue(w: &[f64], n: usize, re: f64, im: f64) -> f64 {
    let m = Mat::from_fn(2 * n, 2 * n, |i, j| {
        let (bi, bj) = (i / n, j / n);
        let (ii, jj) = (i % n, j % n);
        let diag = if ii == jj { 1.0 } else { 0.0 };
        match (bi, bj) {
            (0, 0) | (1, 1) => w[ii * n + jj] - re * diag,
            (0, 1) => im * diag,
            _ => -im * diag,
        }
    });
    let s = m.singular_values().expect("SVD converges");
    s.iter().copied().fold(f64::INFINITY, f64::min)
}

#[test]
fn scaled_reservoir_has_the_requested_spectral_radius() {
    let n = 120;
    let wts = draw_reservoir(n, 3, 0.05, 1.25, 0.5, 0.5, 7).expect("draws");
    let dense = wts.w.to_dense();
    let m = Mat::from_fn(n, n, |i, j| dense[i * n + j]);
    let eig: Vec<faer::c64> = m.eigenvalues().expect("converges");
    let top = eig
        .iter()
        .copied()
        .max_by(|a, b| a.norm().total_cmp(&b.norm()))
        .expect("non-empty");
    assert!((top.norm() - 1.25).abs() < 1e-9, "ρ = {}", top.norm());
    // Independent check that 1.25·e^{iφ} is an eigenvalue: W − λI is singular (SVD).
    let gap = distance_to_eigenvalue(&dense, n, top.re, top.im);
    assert!(gap < 1e-9, "σ_min(W − λI) = {gap}");
    // … and that nothing is larger (Gelfand: ‖W^k v‖^{1/k} → ρ, no eigen-solver).
    let mut v = vec![1.0; n];
    let mut out = vec![0.0; n];
    let mut log_growth = 0.0;
    let (burn, steps) = (200, 2000);
    for k in 0..burn + steps {
        wts.w.mul_vec(&v, &mut out);
        let norm = out.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().zip(&out).for_each(|(a, b)| *a = b / norm);
        if k >= burn {
            log_growth += norm.ln();
        }
    }
    let gelfand = (log_growth / steps as f64).exp();
    assert!((gelfand - 1.25).abs() < 0.02, "growth rate {gelfand}");
}

/// Lorenz integrated from the catalog's state after a transient, sampled every `dt`.
fn lorenz(dt: Option<f64>, t_end: f64) -> (System, Trajectory) {
    let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
    let mut sim = Simulation::for_system(&sys, 1.0);
    sim.transient = 20.0;
    sim.t_end = t_end;
    if let Some(dt) = dt {
        sim.dt = dt;
    }
    let (traj, _) = solve(&sys, &sim, &JobContext::detached()).expect("integrates");
    (sys, traj)
}

fn score(
    model: &dyn Model,
    train: &Trajectory,
    test: &Trajectory,
    lyapunov: f64,
    starts: usize,
) -> crate::eval::compare::ModelComparison {
    let fitted = model.fit(train, &JobContext::detached()).expect("fits");
    let opts = CompareOptions {
        starts,
        horizon: 15.0,
        ..CompareOptions::default()
    };
    score_fitted(
        fitted.as_ref(),
        train,
        test,
        lyapunov,
        &opts,
        &JobContext::detached(),
    )
}

#[test]
fn nvar_forecasts_lorenz_in_gauthiers_set_up() {
    // Gauthier et al. 2021: dt = 0.025, k = 2, s = 1, quadratic features, α = 2.5e-6,
    // 10 time units (400 samples) of training data.
    let (sys, data) = lorenz(Some(0.025), 10.0 + 200.0);
    let (train, test) = data.split(401.0 / data.len() as f64);
    assert_eq!(train.len(), 401);
    let lambda = sys.info().max_lyapunov;
    let r = score(&Nvar::default(), &train, &test, lambda, 20);
    eprintln!(
        "NVAR (Gauthier) VPT {} IQR {:?} D_stsp {:?}",
        r.vpt, r.vpt_iqr, r.d_stsp
    );
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(r.vpt > 3.0, "median VPT {} Lyapunov times", r.vpt);
}
