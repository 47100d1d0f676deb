//! Exact tests of the EDMD pipeline (spec §4.1): invariant dictionaries give exact
//! eigenvalues and zero residuals, the residual identity, continuous-time eigenvalues of
//! a linear ODE, and the pseudospectrum's zeros and reduced form.

use faer::{Mat, c64};
use rand::{Rng, SeedableRng};

use super::*;
use crate::data::Provenance;
use crate::models::Model;

/// `M` random states uniform in `[-1, 1]²` and their images under `f`.
fn random_pairs(m: usize, seed: u64, f: impl Fn([f64; 2]) -> [f64; 2]) -> SnapshotPairs {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..m {
        let p = [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)];
        x.extend_from_slice(&p);
        y.extend_from_slice(&f(p));
    }
    SnapshotPairs::uniform(2, 1.0, x, y)
}

/// pykoopman's `Linear2Ddynamics`: `A = [[0.8, −0.05], [0, 0.7]]`.
fn linear_map(p: [f64; 2]) -> [f64; 2] {
    [0.8 * p[0] - 0.05 * p[1], 0.7 * p[1]]
}

fn cubic_edmd() -> Edmd {
    Edmd {
        dictionary: Dictionary::Monomials { degree: 3 },
        residual_holdout: 0.25,
        ..Edmd::default()
    }
}

#[test]
fn linear_map_with_cubic_monomials_gives_the_exact_lattice_and_zero_residuals() {
    let pairs = random_pairs(400, 1, linear_map);
    let model = fit_edmd_pairs(&cubic_edmd(), &pairs, &JobContext::detached()).expect("fits");
    let spec = &model.spectrum;
    assert_eq!(spec.eigenvalues.len(), 10);
    // The monomials of degree ≤ 3 span an invariant subspace, so EDMD is exact:
    // eigenvalues {0.8^i 0.7^j : i + j ≤ 3}. Errors are rounding (ε ≈ 2e-16) times the
    // eigenvalue condition numbers of a 10 × 10 non-normal K (gaps ≥ 0.022), far
    // below 1e-10.
    let mut exact: Vec<f64> = (0..=3)
        .flat_map(|i| (0..=3 - i).map(move |j| 0.8f64.powi(i) * 0.7f64.powi(j)))
        .collect();
    exact.sort_by(|a, b| b.total_cmp(a));
    for (l, e) in spec.eigenvalues.iter().zip(&exact) {
        assert!(
            (l[0] - e).abs() < 1e-10 && l[1].abs() < 1e-10,
            "{l:?} vs {e}"
        );
    }
    // Residuals on the 100 held-out pairs: Ψ_Y c = λ Ψ_X c holds to rounding, so each
    // residual is ε times the conditioning of Ψ_X (cubic monomials on [-1, 1]², ≲ 1e2).
    for r in &spec.residuals {
        assert!(*r < 1e-12, "residual {r}");
    }
    // The eigenfunction of 0.8 is the left eigenvector (1, −1/2) of A: φ ∝ x − y/2.
    let j = spec
        .eigenvalues
        .iter()
        .position(|l| (l[0] - 0.8).abs() < 1e-9)
        .expect("0.8 is found");
    let phi = |x: [f64; 2]| model.eigenfunction(j, &x).expect("fresh model");
    let (p0, px, py) = (phi([0.0, 0.0]), phi([1.0, 0.0]), phi([0.0, 1.0]));
    assert!(p0.norm() < 1e-10 * px.norm(), "{p0} {px}");
    assert!(
        (py / px - c64::new(-0.5, 0.0)).norm() < 1e-10,
        "{}",
        py / px
    );
}

#[test]
fn residual_identity_holds_for_every_eigenpair_on_the_fit_pairs() {
    // A nonlinear map: the dictionary is not invariant, residuals are far from zero.
    let f = |p: [f64; 2]| [0.9 * p[1], (1.5 * p[0]).sin() - 0.3 * p[0] * p[1]];
    let pairs = random_pairs(300, 2, f);
    let options = Edmd {
        dictionary: Dictionary::Monomials { degree: 2 },
        residual_holdout: 0.2,
        ..Edmd::default()
    };
    let model = fit_edmd_pairs(&options, &pairs, &JobContext::detached()).expect("fits");
    let (fit, _) = pairs.split_holdout(options.residual_holdout);
    let px = model.dictionary.weighted_matrix(fit.xs(), fit.weights());
    let py = model.dictionary.weighted_matrix(fit.ys(), fit.weights());
    let vecs = model.eigenvectors.as_ref().expect("fresh model");
    let lambdas: Vec<c64> = model
        .spectrum
        .eigenvalues
        .iter()
        .map(|l| c64::new(l[0], l[1]))
        .collect();
    let direct = residual::residuals(px.as_ref(), py.as_ref(), &lambdas, vecs.as_ref());
    let (g, _, l) = residual::gram_matrices(px.as_ref(), py.as_ref());
    let (gc, lc) = (
        Mat::from_fn(6, 6, |i, j| c64::new(g[(i, j)], 0.0)),
        Mat::from_fn(6, 6, |i, j| c64::new(l[(i, j)], 0.0)),
    );
    let mut largest = 0.0f64;
    for (k, lam) in lambdas.iter().enumerate() {
        let c = vecs.col(k);
        let quad = |m: &Mat<c64>| (c.adjoint() * m * c).re;
        // An EDMD eigenpair solves A c = λ G c on the fit pairs, so
        // res² = c*Lc / c*Gc − |λ|² (spec §1.9); both sides are O(1) here and agree to
        // rounding amplified by cond(G) ≲ 1e3.
        let identity = quad(&lc) / quad(&gc) - lam.norm_sqr();
        assert!(
            (direct[k].powi(2) - identity).abs() < 1e-10,
            "pair {k}: {} vs {identity}",
            direct[k].powi(2)
        );
        largest = largest.max(direct[k]);
    }
    assert!(
        largest > 1e-3,
        "the map is nonlinear, so some residual is large"
    );
}

#[test]
fn linear_ode_gives_its_continuous_time_eigenvalues() {
    // ẋ = Bx with a decaying rotation (a ± ib) in (x, y) and a decay c in z, sampled
    // exactly through exp(B dt); |b| dt = 0.2 < π, so log λ / dt recovers B's spectrum.
    let (a, b, c, dt) = (-0.1f64, 2.0f64, -0.5f64, 0.1f64);
    let mut x = [1.0, 0.3, 2.0];
    let mut samples = Vec::new();
    let (ea, ec) = ((a * dt).exp(), (c * dt).exp());
    let (cs, sn) = ((b * dt).cos(), (b * dt).sin());
    for _ in 0..200 {
        samples.extend_from_slice(&x);
        x = [
            ea * (cs * x[0] - sn * x[1]),
            ea * (sn * x[0] + cs * x[1]),
            ec * x[2],
        ];
    }
    let names = vec!["x".into(), "y".into(), "z".into()];
    let data = Trajectory::new(names, 0.0, dt, samples, Provenance::file("linear ODE"));
    let options = Edmd {
        dictionary: Dictionary::Monomials { degree: 1 },
        residual_holdout: 0.25,
        ..Edmd::default()
    };
    let model = options.fit(&data, &JobContext::detached()).expect("fits");
    let omega = model.spectrum().expect("spectral").continuous();
    // The constant function gives ω = 0; the linear functions give B's eigenvalues.
    // Tolerance: rounding in a well-conditioned 4 × 4 fit, divided by dt = 0.1.
    for truth in [[0.0, 0.0], [a, b], [a, -b], [c, 0.0]] {
        let best = omega
            .iter()
            .map(|w| (w[0] - truth[0]).hypot(w[1] - truth[1]))
            .fold(f64::INFINITY, f64::min);
        assert!(best < 1e-9, "{truth:?} missed by {best}: {omega:?}");
    }
    // The lifted-linear forecast reproduces the exact solution.
    let f = model.forecast(data.row(0), 100).expect("finite");
    for k in [1, 50, 100] {
        for j in 0..3 {
            assert!((f[k * 3 + j] - data.row(k)[j]).abs() < 1e-9, "step {k}");
        }
    }
}

#[test]
fn pseudospectrum_vanishes_at_exact_eigenvalues_and_is_mirrored() {
    let pairs = random_pairs(400, 3, linear_map);
    let model = fit_edmd_pairs(&cubic_edmd(), &pairs, &JobContext::detached()).expect("fits");
    let form = model
        .quadrature
        .as_ref()
        .expect("100 held-out pairs ≥ 10 functions");
    // Invariant dictionary: the held-out C − zQ is singular at every exact eigenvalue,
    // so τ_N(λ) = 0 up to rounding (σ_min of an O(1) matrix, ε·‖·‖ ≈ 1e-15).
    for l in [1.0, 0.8, 0.7, 0.512, 0.343] {
        let t = form.tau(c64::new(l, 0.0));
        assert!((0.0..1e-12).contains(&t), "τ({l}) = {t}");
    }
    // Away from the spectrum τ is positive: at z = 2 every eigenfunction is off by at
    // least |2 − 1| in the normalised residual sense for this contractive K.
    assert!(form.tau(c64::new(0.0, 1.0)) > 0.1);
    let grid = PseudospectrumGrid::square(1.2, 9);
    let ps = model
        .compute_pseudospectrum(&grid, &JobContext::detached())
        .expect("computes");
    assert_eq!(ps.log10_tau.len(), 81);
    for j in 0..9 {
        for i in 0..9 {
            let (a, b) = (ps.log10_tau[j * 9 + i], ps.log10_tau[(8 - j) * 9 + i]);
            assert!(a.is_finite() && a == b, "row {j} col {i}: {a} vs {b}");
        }
    }
}

#[test]
fn fast_pseudospectrum_vanishes_at_the_exact_lattice_of_a_large_invariant_dictionary() {
    // Monomials of degree ≤ 8 in 2 variables: 45 functions, above the size where the
    // pseudospectrum switches from the dense SVD to Cholesky + inverse Lanczos. The
    // dictionary is invariant under the linear map, so τ_N = 0 at every 0.8^i 0.7^j
    // (spec §4.1.6), and the fast path must find those zeros to rounding.
    let pairs = random_pairs(1200, 8, linear_map);
    let options = Edmd {
        dictionary: Dictionary::Monomials { degree: 8 },
        residual_holdout: 0.25,
        ..Edmd::default()
    };
    let model = fit_edmd_pairs(&options, &pairs, &JobContext::detached()).expect("fits");
    let form = model
        .quadrature
        .as_ref()
        .expect("300 held-out pairs ≥ 45 functions");
    assert_eq!(form.len(), 45);
    for (i, j) in [(0, 0), (1, 0), (0, 1), (2, 1), (1, 3)] {
        let l = 0.8f64.powi(i) * 0.7f64.powi(j);
        let t = form.tau(c64::new(l, 0.0));
        // σ_min of an O(1) matrix that is singular up to rounding; the conditioning of
        // degree-8 monomials on [-1, 1]² adds a few digits.
        assert!(t < 1e-11, "τ({l}) = {t}");
    }
    // Off the lattice τ is the dense SVD's value.
    for z in [
        c64::new(0.3, 0.4),
        c64::new(0.75, 0.02),
        c64::new(-0.5, 0.0),
    ] {
        let (fast, dense) = (form.tau(z), form.tau_svd(z));
        assert!(
            (fast - dense).abs() <= 1e-6 * dense,
            "{z}: {fast} vs {dense}"
        );
    }
}

#[test]
fn reduced_pseudospectrum_matches_the_direct_qr_form() {
    // Non-invariant dictionary: D ≠ 0, so the 2N × N reduction is really exercised.
    let f = |p: [f64; 2]| [0.9 * p[1], (1.5 * p[0]).sin() - 0.3 * p[0] * p[1]];
    let pairs = random_pairs(200, 4, f);
    let dict =
        FittedDictionary::fit(&Dictionary::Monomials { degree: 2 }, pairs.xs(), 2).expect("fits");
    let px = dict.weighted_matrix(pairs.xs(), pairs.weights());
    let py = dict.weighted_matrix(pairs.ys(), pairs.weights());
    let form = QuadratureForm::new(px.as_ref(), py.as_ref()).expect("full rank");
    // Direct: τ(z) = σ_min((Ψ_Y − zΨ_X) R⁻¹) with the M × N matrix (spec §1.9 (b)),
    // via the full-rank QR of Ψ_X computed independently here.
    let r = px.qr().thin_R().to_owned();
    for z in [c64::new(0.3, 0.4), c64::new(-0.9, 0.1), c64::new(1.1, 0.0)] {
        let diff = Mat::from_fn(200, 6, |i, j| {
            c64::new(py[(i, j)], 0.0) - z * c64::new(px[(i, j)], 0.0)
        });
        // Solve X R = diff for X column by column (R upper triangular).
        let mut xs = diff.clone();
        for j in 0..6 {
            for i in 0..200 {
                let mut v = diff[(i, j)];
                for k in 0..j {
                    v -= xs[(i, k)] * r[(k, j)];
                }
                xs[(i, j)] = v / r[(j, j)];
            }
        }
        let direct = xs
            .singular_values()
            .expect("converges")
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        let reduced = form.tau(z);
        // Both are orthogonally equivalent forms of the same σ_min; they agree to
        // rounding relative to σ_max ≈ O(1).
        assert!(
            (direct - reduced).abs() < 1e-12 * (1.0 + direct),
            "z = {z}: {direct} vs {reduced}"
        );
        assert!(reduced > 0.0);
    }
}

#[test]
fn more_functions_than_pairs_is_a_clear_error() {
    let pairs = random_pairs(12, 5, linear_map);
    let err = fit_edmd_pairs(&cubic_edmd(), &pairs, &JobContext::detached())
        .expect_err("9 fit pairs for 10 functions");
    assert!(
        err.to_string().contains("more pairs than functions"),
        "{err}"
    );
}

#[test]
fn rbf_dictionary_fits_a_nonlinear_map_with_the_constant_verified() {
    let f = |p: [f64; 2]| [0.9 * p[1], (1.5 * p[0]).sin() - 0.3 * p[0] * p[1]];
    let pairs = random_pairs(600, 6, f);
    let options = Edmd {
        dictionary: Dictionary::Rbf {
            centers: 20,
            seed: 3,
            state: StateFeatures::Include,
        },
        residual_holdout: 0.25,
        ..Edmd::default()
    };
    let model = fit_edmd_pairs(&options, &pairs, &JobContext::detached()).expect("fits");
    assert_eq!(model.size(), 23);
    // The constant is in the dictionary: λ = 1 is found with residual 0 (to rounding).
    let (k, _) = model
        .spectrum
        .eigenvalues
        .iter()
        .enumerate()
        .find(|(_, l)| (l[0] - 1.0).abs() < 1e-9 && l[1].abs() < 1e-9)
        .expect("λ = 1");
    assert!(
        model.spectrum.residuals[k] < 1e-9,
        "{}",
        model.spectrum.residuals[k]
    );
}

#[test]
fn edmd_resdmd_and_hankel_models_round_trip_through_the_saved_file() {
    use crate::models::dmd::HankelDmd;
    use crate::models::saved::SavedModel;
    // The Hénon map (a = 1.4, b = 0.3): a chaotic orbit, so the held-out states fill a
    // fractal set on which the monomials are independent.
    let f = |p: [f64; 2]| [1.0 - 1.4 * p[0] * p[0] + p[1], 0.3 * p[0]];
    let mut x = [0.1, 0.1];
    let mut samples = Vec::new();
    for _ in 0..300 {
        samples.extend_from_slice(&x);
        x = f(x);
    }
    let data = Trajectory::new(
        vec!["a".into(), "b".into()],
        0.0,
        1.0,
        samples,
        Provenance::file("map"),
    );
    let resdmd = Edmd {
        dictionary: Dictionary::Monomials { degree: 2 },
        pseudospectrum: Some(PseudospectrumGrid::square(1.2, 7)),
        ..Edmd::default()
    };
    let models: Vec<Box<dyn Model>> = vec![
        Box::new(Edmd::default()),
        Box::new(resdmd),
        Box::new(HankelDmd::default()),
    ];
    for model in models {
        let fitted = model.fit(&data, &JobContext::detached()).expect("fits");
        assert_eq!(fitted.family(), model.family());
        let back = SavedModel::from_json(&fitted.to_saved().to_json())
            .expect("parses")
            .into_fitted();
        assert_eq!(back.family(), model.family());
        // Exact float round trip: the reloaded model forecasts bit for bit the same.
        let (a, b) = (
            fitted.forecast(data.row(5), 20),
            back.forecast(data.row(5), 20),
        );
        assert_eq!(a.ok(), b.ok(), "{}", model.family());
        assert_eq!(fitted.spectrum(), back.spectrum());
        if model.family() == "resdmd" {
            assert_eq!(fitted.report()["pseudospectrum"]["nx"], 7);
        }
    }
}

#[test]
fn only_the_linear_eigenfunctions_carry_the_state_and_they_forecast_it_exactly() {
    // x is a combination of the two linear eigenfunctions (λ = 0.8, 0.7), so every other
    // eigenpair's Koopman mode is zero, and those two alone forecast A^k x0 exactly.
    let pairs = random_pairs(400, 3, linear_map);
    let model = fit_edmd_pairs(&cubic_edmd(), &pairs, &JobContext::detached()).expect("fits");
    let spec = &model.spectrum;
    let modes = model.modes.as_ref().expect("modes");
    let linear: Vec<usize> = (0..spec.eigenvalues.len())
        .filter(|&j| {
            let l = spec.eigenvalues[j];
            ((l[0] - 0.8).abs() < 1e-9 || (l[0] - 0.7).abs() < 1e-9) && l[1].abs() < 1e-9
        })
        .collect();
    assert_eq!(linear.len(), 2);
    let largest = modes.amplitudes.iter().copied().fold(0.0, f64::max);
    for (j, a) in modes.amplitudes.iter().enumerate() {
        if linear.contains(&j) {
            assert!(*a > 0.1 * largest, "linear eigenpair {j} amplitude {a}");
        } else {
            assert!(
                *a < 1e-8 * largest,
                "eigenpair {j} (λ = {:?}) amplitude {a}",
                spec.eigenvalues[j]
            );
        }
    }
    let x0 = [0.6, -0.9];
    let modal = model
        .modal_forecast(&x0, 30, &linear)
        .expect("modes")
        .expect("finite");
    let mut x = x0;
    for k in 0..=30 {
        assert!(
            (modal[2 * k] - x[0]).abs() < 1e-9 && (modal[2 * k + 1] - x[1]).abs() < 1e-9,
            "step {k}"
        );
        x = linear_map(x);
    }
    // With every eigenpair the expansion equals iterating K.
    let all: Vec<usize> = (0..spec.eigenvalues.len()).collect();
    let by_modes = model
        .modal_forecast(&x0, 30, &all)
        .expect("modes")
        .expect("finite");
    let by_k = model.forecast(&x0, 30).expect("finite");
    for (a, b) in by_modes.iter().zip(&by_k) {
        assert!((a - b).abs() < 1e-8, "{a} vs {b}");
    }
}
