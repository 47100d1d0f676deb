//! Custom typed terms and tensor-product libraries in whole fits: the catalog's Thomas
//! attractor (`ẋ = −a x + b sin y`, cyclic; a = 1.85, b = 10 as dysts scales it) needs
//! `sin` terms no polynomial library holds; a pendulum with a state-dependent damping
//! `ẏ = −sin x − c·y·cos x` needs the tensor product `identity * fourier`.

use super::tests::sample_flow;
use super::*;
use crate::integrate::{Simulation, solve};
use crate::systems::Catalog;

const THOMAS_A: f64 = 1.85;
const THOMAS_B: f64 = 10.0;

/// The catalog's Thomas over `periods` periods, sampled at dt = 0.005 (a tenth of the
/// window's 100 samples per period).
fn thomas(periods: f64) -> Trajectory {
    let system = Catalog::builtin().system("Thomas").expect("catalog");
    let sim = Simulation {
        dt: 0.005,
        ..Simulation::for_system(&system, periods)
    };
    let (data, _) = solve(&system, &sim, &JobContext::detached()).expect("integrates");
    data
}

fn library(text: &str, custom: &str) -> Library {
    parse_library(text, 2, custom).expect("valid library")
}

/// Checks Thomas' six coefficients on the library `x, y, z, sin(x), sin(y), sin(z),
/// cos(x), cos(y), cos(z)` and zeros elsewhere.
fn assert_thomas(model: &SindyModel, tol: f64) -> f64 {
    assert_eq!(
        model.feature_names,
        [
            "x", "y", "z", "sin(x)", "sin(y)", "sin(z)", "cos(x)", "cos(y)", "cos(z)"
        ]
    );
    let mut truth = [[0.0; 9]; 3];
    for i in 0..3 {
        truth[i][i] = -THOMAS_A;
        // ẋ reads sin y, ẏ sin z, ż sin x.
        truth[i][3 + (i + 1) % 3] = THOMAS_B;
    }
    let eqs = model.pretty_equations().join("; ");
    let mut worst = 0.0f64;
    for i in 0..3 {
        for j in 0..9 {
            let c = model.coefficients[i][j];
            if truth[i][j] == 0.0 {
                assert_eq!(c, 0.0, "spurious {}: {eqs}", model.feature_names[j]);
            } else {
                worst = worst.max((c - truth[i][j]).abs());
            }
        }
    }
    assert!(worst <= tol, "largest error {worst:e} > {tol:e}: {eqs}");
    worst
}

#[test]
fn typed_sine_terms_recover_thomas() {
    let data = thomas(20.0);
    let terms = "sin(x); sin(y); sin(z); cos(x); cos(y); cos(z)";
    // Exact derivatives: the regression itself is exact to rounding.
    let exact = Sindy {
        library: library("identity + custom", terms),
        differentiation: Differentiation::Exact,
        ..Sindy::default()
    };
    let model = fit_sindy(&exact, &data, &JobContext::detached()).expect("fits");
    let err = assert_thomas(&model, 1e-9);
    assert!(err < 1e-9, "{err:e}");
    // Order-4 differences: five digits (measured 1.1e-6; at the window's dt = 0.05 the
    // same fit is off by 1.1e-2, order 8 there gives four digits).
    let fd = Sindy {
        library: library("identity + custom", terms),
        differentiation: Differentiation::FiniteDifference(FiniteDifference {
            order: 4,
            ..FiniteDifference::default()
        }),
        ..Sindy::default()
    };
    let model = fit_sindy(&fd, &data, &JobContext::detached()).expect("fits");
    assert_thomas(&model, 1e-5);
    // The simulator's Jacobian comes from the typed terms' symbolic gradients.
    let x = [0.4, -1.1, 2.3];
    let jac = model.vector_field_jacobian(&x);
    let want = [
        -THOMAS_A,
        THOMAS_B * x[1].cos(),
        0.0,
        0.0,
        -THOMAS_A,
        THOMAS_B * x[2].cos(),
        THOMAS_B * x[0].cos(),
        0.0,
        -THOMAS_A,
    ];
    for (k, (g, w)) in jac.iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-3, "J[{k}] = {g}, want {w}");
    }
    // A saved model loads back with working custom terms.
    let json = serde_json::to_string(&model).expect("saves");
    let back: SindyModel = serde_json::from_str(&json).expect("loads");
    assert_eq!(back.vector_field(&x), model.vector_field(&x));
    // A short forecast follows the data (spec §9.5: short horizons only).
    let steps = 200;
    let start = data.row(1000).to_vec();
    let run = model.forecast(&start, steps).expect("stays bounded");
    let last = &run[steps * 3..];
    let truth = data.row(1000 + steps);
    for k in 0..3 {
        assert!((last[k] - truth[k]).abs() < 1e-2, "{last:?} vs {truth:?}");
    }
}

#[test]
fn a_bad_custom_term_fails_the_fit_with_its_column() {
    let data = thomas(2.0);
    let opts = Sindy {
        library: library("identity + custom", "sin(x); sin(q)"),
        ..Sindy::default()
    };
    let err = fit_sindy(&opts, &data, &JobContext::detached())
        .expect_err("q is no state")
        .to_string();
    assert!(err.contains("custom term 2 ('sin(q)')"), "{err}");
    assert!(err.contains("column 13"), "{err}");
    assert!(err.contains("the states are x, y, z"), "{err}");
}

/// `ẋ = y`, `ẏ = −sin x − c·y·cos x` from (1.2, 0), dt = 0.01, Dormand–Prince at
/// 1e-11 (|x| stays below 1.2 < π/2, where the damping is positive).
const DAMPING: f64 = 0.3;
fn pendulum(samples: usize) -> Trajectory {
    let rhs = |s: &[f64], d: &mut [f64]| {
        d[0] = s[1];
        d[1] = -s[0].sin() - DAMPING * s[1] * s[0].cos();
    };
    sample_flow(rhs, &[1.2, 0.0], 0.01, samples, 1e-11, &["x", "y"])
}

#[test]
fn tensor_product_library_recovers_a_state_dependent_damping() {
    // Library `poly(1) + fourier + identity * fourier`: 3 + 4 + 8 = 15 columns; the truth
    // is ẋ = y, ẏ = −sin(1 x) − 0.3 y cos(1 x).
    let data = pendulum(2000);
    let opts = Sindy {
        library: library("poly(1) + fourier + identity * fourier", ""),
        differentiation: Differentiation::FiniteDifference(FiniteDifference {
            order: 6,
            ..FiniteDifference::default()
        }),
        // A tiny ridge: with PySINDy's α = 0.05 the first ridge pass spreads ẋ's weight
        // over y, sin(1 y) and y cos(1 y), which agree to O(y⁵) on this swing
        // (y ≈ (3 sin y + y cos y)/4), all three pass the threshold and the unbiased
        // refit leaves sin(1 y) at 7e-9 — the right model, with a void extra term.
        optimizer: Stlsq {
            threshold: 0.05,
            alpha: 1e-8,
            ..Stlsq::default()
        }
        .into(),
        ..Sindy::default()
    };
    let model = fit_sindy(&opts, &data, &JobContext::detached()).expect("fits");
    assert_eq!(model.feature_names.len(), 15);
    let col = |name: &str| {
        model
            .feature_names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no column {name}: {:?}", model.feature_names))
    };
    let eqs = model.pretty_equations().join("; ");
    let mut truth = vec![vec![0.0; 15]; 2];
    truth[0][col("y")] = 1.0;
    truth[1][col("sin(1 x)")] = -1.0;
    truth[1][col("y cos(1 x)")] = -DAMPING;
    for i in 0..2 {
        for j in 0..15 {
            let (c, t) = (model.coefficients[i][j], truth[i][j]);
            if t == 0.0 {
                assert_eq!(c, 0.0, "spurious {}: {eqs}", model.feature_names[j]);
            } else {
                assert!(
                    (c - t).abs() < 1e-5,
                    "{} = {c}: {eqs}",
                    model.feature_names[j]
                );
            }
        }
    }
}
