//! The SINDy suite beyond STLSQ on Lorenz (issue #5): SR3, ensembles, weak form,
//! smoothed / TV / exact derivatives and the threshold sweep, on data made as spec §9
//! describes — the catalog's Lorenz (σ = 10, ρ = 28, β = 2.667) from (−8, 8, 27),
//! dt = 0.002, integrated by `crate::integrate::solve` (Dormand–Prince, 1e-10), with
//! seeded Gaussian noise from `Trajectory::add_noise`.
//!
//! Noise convention: `add_noise(level)` adds `level × std` of each state (the app's
//! `--noise`); the PySINDy notebooks use `level × RMS` of the whole array (≈ 16 on this
//! span), about twice as much absolute noise for x and y. The noisy tests below are run
//! at the spec's absolute level: `level = SPEC_1PCT` makes each state's noise at least
//! the notebooks' 0.16.

use super::*;
use crate::integrate::{Method, Simulation, solve};
use crate::systems::Catalog;

/// `add_noise` level giving noise ≥ 1 % of the whole array's RMS on every state (the
/// smallest state std on the 5,000-sample span is ≈ 7.8, the array RMS ≈ 16).
const SPEC_1PCT: f64 = 0.021;

/// `samples` samples of the catalog Lorenz from (−8, 8, 27) at dt = 0.002.
fn lorenz(samples: usize) -> Trajectory {
    let system = Catalog::builtin().system("Lorenz").expect("catalog");
    let sim = Simulation {
        initial_condition: vec![-8.0, 8.0, 27.0],
        t_end: (samples - 1) as f64 * 0.002,
        dt: 0.002,
        transient: 0.0,
        method: Method::Dopri5,
        rtol: 1e-10,
        atol: 1e-10,
    };
    let (data, _) = solve(&system, &sim, &JobContext::detached()).expect("integrates");
    assert_eq!(data.len(), samples);
    data
}

fn noisy(samples: usize, level: f64, seed: u64) -> Trajectory {
    let mut data = lorenz(samples);
    data.add_noise(level, seed);
    data
}

/// (equation, feature, value) of the catalog Lorenz on the degree-2 library.
const TRUTH: [(usize, usize, f64); 7] = [
    (0, 1, -10.0),
    (0, 2, 10.0),
    (1, 1, 28.0),
    (1, 2, -1.0),
    (1, 6, -1.0),
    (2, 3, -2.667),
    (2, 5, 1.0),
];

fn is_true_term(i: usize, j: usize) -> bool {
    TRUTH.iter().any(|(a, b, _)| *a == i && *b == j)
}

fn fit(options: &Sindy, data: &Trajectory) -> SindyModel {
    fit_sindy(options, data, &JobContext::detached()).expect("fits")
}

/// Asserts the support is exactly Lorenz's and every value within `tol`.
fn assert_lorenz(model: &SindyModel, tol: f64) {
    let eqs = model.pretty_equations().join("; ");
    for i in 0..3 {
        for j in 0..model.feature_names.len() {
            let c = model.coefficients[i][j];
            if is_true_term(i, j) {
                let want = TRUTH
                    .iter()
                    .find(|(a, b, _)| *a == i && *b == j)
                    .map(|t| t.2)
                    .expect("true term");
                assert!(
                    (c - want).abs() < tol,
                    "({i}, {}) = {c}, want {want} ± {tol}: {eqs}",
                    model.feature_names[j]
                );
            } else {
                assert_eq!(c, 0.0, "spurious ({i}, {}): {eqs}", model.feature_names[j]);
            }
        }
    }
}

fn savgol() -> Differentiation {
    Differentiation::SavitzkyGolay(SavitzkyGolay::default())
}

#[test]
fn sr3_recovers_lorenz_on_clean_data() {
    // Spec §9.3 (PySINDy SR3 L0, λ = 0.1²/2): −10.005/10.003; 27.991/−0.998/−1.000;
    // −2.666/0.999 at 5,000 samples with order-2 differences. Not unbiased, so the
    // values carry the FD bias and the relaxation's pull: 2e-2 is the bar.
    let data = lorenz(5_000);
    let opts = Sindy {
        optimizer: Sr3::default().into(),
        ..Sindy::default()
    };
    let model = fit(&opts, &data);
    assert_lorenz(&model, 2e-2);
    // With order-4 differences and the unbias refit: four digits.
    let opts = Sindy {
        optimizer: Sr3 {
            unbias: true,
            ..Sr3::default()
        }
        .into(),
        differentiation: Differentiation::FiniteDifference(FiniteDifference {
            order: 4,
            ..FiniteDifference::default()
        }),
        ..Sindy::default()
    };
    assert_lorenz(&fit(&opts, &data), 1e-4);
}

#[test]
fn sr3_l1_shrinks_every_kept_coefficient() {
    // Spec §9.3: SR3-L1 with λ = 0.1 shrinks every coefficient by about 0.1
    // (−9.905/9.903; 27.891/−0.898/−0.900; −2.566/0.899): the magnitude falls, the
    // support stays.
    let data = lorenz(5_000);
    let opts = Sindy {
        optimizer: Sr3 {
            regularizer: Regularizer::L1,
            ..Sr3::default()
        }
        .into(),
        ..Sindy::default()
    };
    let model = fit(&opts, &data);
    for (i, j, want) in TRUTH {
        let c = model.coefficients[i][j];
        let shrink = want.abs() - c.abs();
        assert!(
            (0.08..0.13).contains(&shrink),
            "({i},{j}) {c}: shrink {shrink}"
        );
    }
    assert_eq!(model.nonzero(), 7);
}

#[test]
fn sr3_with_smoothed_derivatives_recovers_the_seven_terms_at_one_percent() {
    // Issue #5: 1 % noise (the notebooks' absolute level), Savitzky–Golay derivatives.
    // SR3 as PySINDy's defaults state it (raw columns, λ = 0.005, ν = 1) keeps spurious
    // constants here — PySINDy 2.1 itself prints 11 terms on its own 1 % data (ẋ
    // −2.636·1 … +0.345 z; measured) — because with ΘᵀΘ ≫ I/ν the relaxed W is the dense
    // least-squares solution, thresholded once, and 1, z, x² are nearly collinear on the
    // attractor. On normalised columns the I/ν term damps that direction: with
    // `normalize_columns` (L2), ν = 1 and the cut at 4 in RMS units (4·√m in L2 units)
    // SR3 gives the seven terms (seeds 1–3, both 1 % conventions, thresholds 3–6: all
    // seven terms exactly, in a survey; PySINDy with the same settings on its own data:
    // −10.014/10.017; 27.919/−0.979/−0.998; −2.668/1.001). The relaxation then needs
    // more than PySINDy's default 30 iterations (after 30 a −0.24 z term is still on its
    // way out), so max_iter is 1000 as in the survey; the tolerance 1e-5 is absolute in
    // the normalised basis, where coefficients are ~1e4, so the run ends at max_iter.
    let data = noisy(5_000, SPEC_1PCT, 1);
    let opts = Sindy {
        optimizer: Sr3 {
            threshold: 4.0 * (data.len() as f64).sqrt(),
            normalize: Normalize::L2,
            max_iter: 1000,
            ..Sr3::default()
        }
        .into(),
        differentiation: savgol(),
        ..Sindy::default()
    };
    let model = fit(&opts, &data);
    assert_lorenz(&model, 0.3);
    // The PySINDy-default statement of SR3 on the same data: spurious terms survive.
    let plain = fit(
        &Sindy {
            optimizer: Sr3::default().into(),
            differentiation: savgol(),
            ..Sindy::default()
        },
        &data,
    );
    assert!(
        plain.nonzero() > 7,
        "{}",
        plain.pretty_equations().join("; ")
    );
}

#[test]
fn ensemble_inclusion_probabilities_separate_true_and_spurious_terms() {
    // Issue #5: 1 % noise, bagging (20 bootstrap models, median): every true term is in
    // every model, every other term in fewer than half. Noise: `add_noise(0.01)`, 1 % of
    // each state's std (what `--noise 0.01` means); Savitzky–Golay derivatives, STLSQ
    // threshold 0.5 (spec §9.4: the 1 % plateau reaches 0.5). Survey over seeds 1–3:
    // true terms 1.00, spurious ≤ 0.20. At the notebooks' doubled absolute noise the
    // best inner optimizers (SR3 normalised, weak form) still lose a true term in 1–2 of
    // 20 bootstrap models (minimum inclusion 0.90–0.95).
    let data = noisy(5_000, 0.01, 2);
    let opts = Sindy {
        differentiation: savgol(),
        optimizer: Stlsq {
            threshold: 0.5,
            ..Stlsq::default()
        }
        .into(),
        ensemble: Some(Ensemble {
            seed: 5,
            ..Ensemble::default()
        }),
        ..Sindy::default()
    };
    let model = fit(&opts, &data);
    let report = model.ensemble.as_ref().expect("ensemble report");
    assert_eq!(report.n_models, 20);
    for i in 0..3 {
        for j in 0..10 {
            let prob = report.inclusion_probabilities[i][j];
            if is_true_term(i, j) {
                assert_eq!(prob, 1.0, "true ({i}, {})", model.feature_names[j]);
            } else {
                assert!(
                    prob < 0.5,
                    "spurious ({i}, {}) {prob}",
                    model.feature_names[j]
                );
            }
        }
    }
    // The median model is Lorenz.
    assert_lorenz(&model, 0.5);
    // The bands bracket the median.
    for (i, j, _) in TRUTH {
        assert!(report.band_lower[i][j] <= model.coefficients[i][j]);
        assert!(report.band_upper[i][j] >= model.coefficients[i][j]);
    }
}

#[test]
fn weak_form_recovers_lorenz_at_one_percent_noise() {
    // Issue #5 / spec §9.2: 5,000 samples, 1 % noise, K = 100 subdomains: exact support
    // (PySINDy: −9.996/9.993; 28.010/−0.999/−1.000; −2.668/1.001).
    let data = noisy(5_000, SPEC_1PCT, 3);
    let opts = Sindy {
        weak: Some(WeakForm::default()),
        ..Sindy::default()
    };
    let model = fit(&opts, &data);
    // ρ varies by ±0.13 over noise seeds (1–3 measured: 28.023, 27.961, 28.126).
    assert_lorenz(&model, 0.2);
    // Clean data: the integrals are exact for the piecewise-linear interpolant, whose
    // error is O(Δt²) — three decimals, as PySINDy's notebook prints.
    let clean = fit(&opts, &lorenz(5_000));
    assert_lorenz(&clean, 2e-3);
}

#[test]
fn threshold_sweep_picks_the_seven_terms_on_clean_data() {
    // Issue #5: noise-free Lorenz; the knee of the Pareto front is the seven-term model.
    let data = lorenz(5_000);
    let opts = Sindy {
        sweep: Some(Sweep::default()),
        ..Sindy::default()
    };
    let model = fit(&opts, &data);
    let sweep = model.sweep.as_ref().expect("sweep report");
    assert_eq!(sweep.points[sweep.chosen].nonzero, 7, "{:?}", sweep.points);
    assert_eq!(model.nonzero(), 7);
    assert_lorenz(&model, 2e-2);
    // The front has the plateau-then-cliff shape of spec §9.4: the dense end fits
    // better than the chosen model, and the next sparser model is far worse.
    let chosen = sweep.points[sweep.chosen];
    let next = sweep.points[sweep.chosen + 1..]
        .iter()
        .find(|p| p.nonzero < 7)
        .expect("sparser models");
    assert!(next.error > 100.0 * chosen.error, "{next:?} vs {chosen:?}");
    assert!(sweep.points[0].nonzero == 30);
}

#[test]
fn exact_derivatives_make_the_regression_exact() {
    // Spec §9.1: with ẋ = f(x) passed in, STLSQ + unbias is exact to rounding (PySINDy
    // 4.9e-14). The catalog's β is 2.667.
    let data = lorenz(5_000);
    let opts = Sindy {
        differentiation: Differentiation::Exact,
        ..Sindy::default()
    };
    assert_lorenz(&fit(&opts, &data), 1e-9);
    // Data from a file have no generating system.
    let mut file = data.clone();
    file.provenance = crate::data::Provenance::file("x.csv");
    let err = fit_sindy(&opts, &file, &JobContext::detached()).expect_err("refused");
    assert!(err.to_string().contains("catalog system"), "{err}");
}

#[test]
fn smoothed_derivatives_beat_plain_ones_at_one_percent() {
    // Spec §9.2 at 50,000 samples: FD and SFD both give the exact support; SFD's values
    // are closer (−9.991/9.993; 27.962/… vs −9.966/9.972; 27.880/…). Checked on ρ.
    let data = noisy(50_000, SPEC_1PCT, 4);
    let fd = fit(&Sindy::default(), &data);
    let sg = fit(
        &Sindy {
            differentiation: savgol(),
            ..Sindy::default()
        },
        &data,
    );
    assert_lorenz(&sg, 0.2);
    let err = |m: &SindyModel| (m.coefficients[1][1] - 28.0).abs();
    assert!(err(&sg) < err(&fd), "SG {} vs FD {}", err(&sg), err(&fd));
}

/// Not a check: prints what each method recovers at 1 % and 10 % noise (for the
/// report). `cargo test --release suite_survey -- --ignored --nocapture`.
#[test]
#[ignore = "survey, prints a table"]
fn suite_survey() {
    let tv = Differentiation::TotalVariation(TotalVariation::default());
    for (samples, level) in [(5_000, SPEC_1PCT), (5_000, 10.0 * SPEC_1PCT)] {
        let data = noisy(samples, level, 3);
        let cases: Vec<(&str, Sindy)> = vec![
            ("stlsq fd", Sindy::default()),
            (
                "stlsq savgol",
                Sindy {
                    differentiation: savgol(),
                    ..Sindy::default()
                },
            ),
            (
                "stlsq tv",
                Sindy {
                    differentiation: tv,
                    ..Sindy::default()
                },
            ),
            (
                "sr3 savgol",
                Sindy {
                    differentiation: savgol(),
                    optimizer: Sr3::default().into(),
                    ..Sindy::default()
                },
            ),
            (
                "weak",
                Sindy {
                    weak: Some(WeakForm::default()),
                    ..Sindy::default()
                },
            ),
            (
                "weak sr3",
                Sindy {
                    weak: Some(WeakForm::default()),
                    optimizer: Sr3::default().into(),
                    ..Sindy::default()
                },
            ),
            (
                "ensemble savgol",
                Sindy {
                    differentiation: savgol(),
                    ensemble: Some(Ensemble::default()),
                    ..Sindy::default()
                },
            ),
            (
                "sweep aicc savgol",
                Sindy {
                    differentiation: savgol(),
                    sweep: Some(Sweep {
                        criterion: Criterion::Aicc,
                        ..Sweep::default()
                    }),
                    ..Sindy::default()
                },
            ),
        ];
        for (name, opts) in cases {
            match fit_sindy(&opts, &data, &JobContext::detached()) {
                Ok(m) => println!(
                    "{samples} level {level:.3} {name}: {} terms: {}",
                    m.nonzero(),
                    m.pretty_equations().join("; ")
                ),
                Err(e) => println!("{samples} level {level:.3} {name}: {e}"),
            }
        }
    }
}
