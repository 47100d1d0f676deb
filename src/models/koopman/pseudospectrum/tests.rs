//! Tests of the pseudospectrum: the fast path against exact distances and the dense
//! SVD, and the grid sweep's rows, symmetry, publishing and cancellation.

use std::sync::Mutex;

use faer::{Mat, c64};
use rand::{Rng, SeedableRng};

use super::*;
use crate::jobs::{Job, JobContext, JobState};

/// A random real orthogonal `n × n` matrix (Q of a Gaussian-ish matrix).
fn orthogonal(n: usize, seed: u64) -> Mat<f64> {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let a = Mat::<f64>::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
    a.qr().compute_thin_Q()
}

/// A quadrature form whose `D ≠ 0` (no invariant subspace), `N = n`, `M = 4n`.
fn generic_form(n: usize, seed: u64) -> QuadratureForm {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let m = 4 * n;
    let px = Mat::<f64>::from_fn(m, n, |_, _| rng.random_range(-1.0..1.0));
    let a = Mat::<f64>::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0) / (n as f64).sqrt());
    let noise = Mat::<f64>::from_fn(m, n, |_, _| 0.05 * rng.random_range(-1.0..1.0));
    let py = &px * &a + noise;
    QuadratureForm::new(px.as_ref(), py.as_ref()).expect("full rank")
}

#[test]
fn normal_operator_gives_the_distance_to_its_eigenvalues() {
    // Â orthogonal (a unitary Koopman matrix in an orthonormal dictionary, so
    // G = L = I) and D = 0: Â − zI is normal, so σ_min(Â − zI) = min_j |λ_j − z|
    // exactly, and |λ_j| = 1 gives the spec's bound τ(z) ≥ |1 − |z|| (§4.1.6).
    let n = 64;
    let q = orthogonal(n, 3);
    let lambdas = q.eigenvalues().expect("converges");
    let form = QuadratureForm::from_parts(q, Mat::zeros(n, n));
    let mut ws = TauWorkspace::new(n);
    for (k, z) in [
        c64::new(0.0, 0.0),
        c64::new(0.3, 0.2),
        c64::new(-0.9, 0.5),
        c64::new(1.4, -0.1),
        c64::new(0.2, 1.05),
    ]
    .into_iter()
    .enumerate()
    {
        let dist = lambdas
            .iter()
            .map(|l| (*l - z).norm())
            .fold(f64::INFINITY, f64::min);
        let t = form.tau_with(z, &mut ws);
        // The fast path's value is ‖Ky‖ for its Ritz vector y: an upper bound, with an
        // error quadratic in the vector error.
        assert!(
            (t - dist).abs() <= 1e-6 * dist + 1e-13,
            "point {k}: τ = {t}, distance {dist}"
        );
        assert!(t >= (1.0 - z.norm()).abs() - 1e-12);
        assert!((form.tau_svd(z) - dist).abs() <= 1e-12);
    }
    // At an eigenvalue itself τ vanishes to rounding (the shifted Cholesky still
    // factorises, and the value comes from the QR form, not from H).
    let t = form.tau(lambdas[5]);
    assert!(t < 1e-12, "τ(λ) = {t}");
}

#[test]
fn fast_path_matches_the_dense_svd() {
    let form = generic_form(90, 5);
    let mut ws = TauWorkspace::new(form.len());
    let mut worst = 0.0f64;
    // A row walked left to right, as the grid does (warm starts), then cold points.
    for k in 0..30 {
        let z = c64::new(-1.2 + 2.4 * k as f64 / 29.0, 0.35);
        let (fast, svd) = (form.tau_with(z, &mut ws), form.tau_svd(z));
        assert!(
            fast >= svd * (1.0 - 1e-12),
            "an upper bound: {fast} < {svd}"
        );
        worst = worst.max((fast - svd) / svd);
    }
    for z in [
        c64::new(0.05, 0.0),
        c64::new(-0.4, -0.7),
        c64::new(2.0, 2.0),
    ] {
        let (fast, svd) = (form.tau(z), form.tau_svd(z));
        worst = worst.max((fast - svd).abs() / svd);
    }
    // Lanczos stops when its Ritz value moves by < 1e-7 relative; the value is then
    // re-evaluated in the QR form, so agreement is ~1e-7 or better.
    assert!(worst < 1e-6, "worst relative difference {worst}");
}

#[test]
fn rows_arrive_once_each_mirrored_and_equal_to_the_result() {
    let form = generic_form(50, 7);
    let grid = PseudospectrumGrid {
        re: (-1.0, 1.0),
        im: (-0.9, 0.9),
        nx: 21,
        ny: 10,
    };
    let seen = Mutex::new(vec![0usize; grid.ny]);
    let rows = Mutex::new(vec![Vec::new(); grid.ny]);
    let ps = pseudospectrum_rows(
        &form,
        &grid,
        Symmetry::RealData,
        &JobContext::detached(),
        &|j, r| {
            seen.lock().expect("lock")[j] += 1;
            rows.lock().expect("lock")[j] = r.to_vec();
        },
    )
    .expect("runs");
    assert_eq!(seen.into_inner().expect("lock"), vec![1; grid.ny]);
    let rows = rows.into_inner().expect("lock");
    for j in 0..grid.ny {
        assert_eq!(rows[j], ps.log10_tau[j * grid.nx..(j + 1) * grid.nx]);
        // Real data: row j and its mirror ny − 1 − j are the same computation.
        assert_eq!(rows[j], rows[grid.ny - 1 - j]);
        assert!(rows[j].iter().all(|v| v.is_finite()));
    }
    // Fixed segments and seeds: a second run is bit for bit the same.
    let again =
        pseudospectrum(&form, &grid, Symmetry::RealData, &JobContext::detached()).expect("runs");
    assert_eq!(again, ps);
    // And it matches the dense reference point by point.
    for (j, i) in [(0, 0), (3, 10), (7, 20)] {
        let z = c64::new(grid.x(i), grid.y(j));
        let reference = form.tau_svd(z).log10();
        assert!((ps.log10_tau[j * grid.nx + i] - reference).abs() < 1e-6);
    }
}

#[test]
fn published_partial_results_fill_in_and_cancel_stops_promptly() {
    let form = std::sync::Arc::new(generic_form(120, 9));
    let grid = PseudospectrumGrid::square(1.5, 200);
    let (tx, rx) = std::sync::mpsc::channel();
    let f = form.clone();
    let mut job = Job::spawn("pseudospectrum", None, move |ctx| {
        let started = std::time::Instant::now();
        let out = pseudospectrum_published(&f, &grid, Symmetry::RealData, ctx);
        let _ = tx.send((out.is_err(), started.elapsed()));
        Ok(())
    });
    // Wait for the first published rows, then cancel.
    let t0 = std::time::Instant::now();
    let partial = loop {
        if let JobState::Running(p) = job.poll()
            && let Some(ps) = p
                .partial
                .as_ref()
                .and_then(|p| p.downcast_ref::<Pseudospectrum>())
        {
            break ps.clone();
        }
        assert!(t0.elapsed().as_secs() < 60, "no rows were published");
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    job.cancel();
    let filled = partial.log10_tau.iter().filter(|v| v.is_finite()).count();
    assert!(
        filled > 0 && filled % grid.nx == 0,
        "whole rows only: {filled}"
    );
    assert!(filled < grid.nx * grid.ny, "published before the end");
    let (cancelled, took) = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the worker ends");
    assert!(cancelled, "a cancelled run returns Cancelled");
    // 200 × 100 points at N = 120 take far longer than this to finish.
    assert!(took.as_secs_f64() < 20.0, "{took:?}");
}
