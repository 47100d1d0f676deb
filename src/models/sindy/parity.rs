//! Parity with PySINDy 2.1 on the same data: the committed CSV
//! `tests/fixtures/sindy/lorenz_5000.csv` (Lorenz, dt = 0.002, 5,000 samples from
//! (−8, 8, 27)) was fitted once by `benches/peers/sindy_lorenz.py --fixture` with
//! several settings; each must give the same feature names, the same coefficients to
//! 1e-8 and the same printed equations.

use std::path::Path;

use super::*;

fn fixture() -> (Trajectory, serde_json::Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sindy");
    let data = crate::io::read_trajectory(&dir.join("lorenz_5000.csv"), None).expect("fixture");
    let text = std::fs::read_to_string(dir.join("pysindy_lorenz_5000.json")).expect("fixture");
    (data, serde_json::from_str(&text).expect("JSON"))
}

fn options(fit: &serde_json::Value) -> Sindy {
    let num = |k: &str| fit[k].as_f64().expect("number");
    Sindy {
        library: Library::Polynomial(PolynomialLibrary {
            degree: num("degree") as usize,
            ..PolynomialLibrary::default()
        }),
        differentiation: Differentiation::FiniteDifference(FiniteDifference {
            order: num("fd_order") as usize,
            endpoints: if fit["drop_endpoints"].as_bool().expect("bool") {
                Endpoints::Drop
            } else {
                Endpoints::OneSided
            },
        }),
        optimizer: Optimizer::Stlsq(Stlsq {
            threshold: num("threshold"),
            alpha: num("alpha"),
            normalize: if fit["normalize_columns"].as_bool().expect("bool") {
                Normalize::L2
            } else {
                Normalize::None
            },
            ..Stlsq::default()
        }),
        ..Sindy::default()
    }
}

#[test]
fn every_fixture_setting_matches_pysindy_to_1e_8() {
    // Same data, same algorithm: what remains is floating-point order of operations
    // (normal equations + QR here, LAPACK gelsd there). The unbiased refit on a support
    // of well-conditioned columns (cond ≲ 1e4 at degree 2–3) moves coefficients by
    // ~1e-12; 1e-8 is the bar. Supports must be identical (exact zeros).
    let (data, peer) = fixture();
    let fits = peer["fits"].as_object().expect("fits");
    assert!(fits.len() >= 7, "fixture has {} settings", fits.len());
    for (name, fit) in fits {
        let model = fit_sindy(&options(fit), &data, &JobContext::detached())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let names: Vec<String> =
            serde_json::from_value(fit["feature_names"].clone()).expect("names");
        assert_eq!(model.feature_names, names, "{name}");
        let coef: Vec<Vec<f64>> =
            serde_json::from_value(fit["coefficients"].clone()).expect("coefficients");
        for (i, row) in coef.iter().enumerate() {
            for (j, want) in row.iter().enumerate() {
                let got = model.coefficients[i][j];
                if *want == 0.0 {
                    assert_eq!(got, 0.0, "{name}: ({i}, {}) should be cut", names[j]);
                } else {
                    assert!(
                        (got - want).abs() < 1e-8,
                        "{name}: ({i}, {}) {got} vs PySINDy {want}",
                        names[j]
                    );
                }
            }
        }
        let rhs: Vec<String> = serde_json::from_value(fit["equations"].clone()).expect("eqs");
        let ours = equations::pysindy_rhs(&model.coefficients, &model.feature_names, 3);
        assert_eq!(ours, rhs, "{name}");
    }
}

/// The suite fixture's settings by name (`benches/peers/sindy_lorenz.py
/// suite_settings`), in our terms: SR3's `reg_weight_lam` λ becomes the prox threshold
/// (L0 `√(2λν)`, L1 `λν`).
fn suite_options(name: &str) -> Sindy {
    let sg = Differentiation::SavitzkyGolay(SavitzkyGolay::default());
    let fd4 = Differentiation::FiniteDifference(FiniteDifference {
        order: 4,
        ..FiniteDifference::default()
    });
    match name {
        "sr3_l0" => Sindy {
            optimizer: Sr3::default().into(),
            ..Sindy::default()
        },
        "sr3_l0_unbias" => Sindy {
            optimizer: Sr3 {
                unbias: true,
                ..Sr3::default()
            }
            .into(),
            ..Sindy::default()
        },
        "sr3_l1" => Sindy {
            optimizer: Sr3 {
                regularizer: Regularizer::L1,
                ..Sr3::default()
            }
            .into(),
            ..Sindy::default()
        },
        "sr3_l0_nu_0.5_fd4" => Sindy {
            optimizer: Sr3 {
                nu: 0.5,
                ..Sr3::default()
            }
            .into(),
            differentiation: fd4,
            ..Sindy::default()
        },
        "sfd" | "sfd_noisy" => Sindy {
            differentiation: sg,
            ..Sindy::default()
        },
        "sfd_raw_x" => Sindy {
            differentiation: Differentiation::SavitzkyGolay(SavitzkyGolay {
                smoothed_x: false,
                ..SavitzkyGolay::default()
            }),
            ..Sindy::default()
        },
        "sfd_21_5" => Sindy {
            differentiation: Differentiation::SavitzkyGolay(SavitzkyGolay {
                window: 21,
                polyorder: 5,
                ..SavitzkyGolay::default()
            }),
            ..Sindy::default()
        },
        "spectral" => Sindy {
            differentiation: Differentiation::Spectral,
            ..Sindy::default()
        },
        "sr3_l0_l2_noisy" => Sindy {
            optimizer: Sr3 {
                threshold: 4.0 * 5000f64.sqrt(),
                normalize: Normalize::L2,
                max_iter: 1000,
                ..Sr3::default()
            }
            .into(),
            differentiation: sg,
            ..Sindy::default()
        },
        other => panic!("unknown suite setting {other}"),
    }
}

#[test]
fn suite_settings_match_pysindy() {
    // Same CSV (and, for the noisy settings, the same stored noise draw) as PySINDy
    // 2.1: SR3 (L0, L1, unbiased, other ν, normalised), Savitzky–Golay smoothed
    // differences (with and without the smoothed states in the library, other window)
    // and spectral derivatives must give the same supports, coefficients and printed
    // equations.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sindy");
    let data = crate::io::read_trajectory(&dir.join("lorenz_5000.csv"), None).expect("fixture");
    let text =
        std::fs::read_to_string(dir.join("pysindy_suite_lorenz_5000.json")).expect("fixture");
    let peer: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let unit: Vec<Vec<f64>> =
        serde_json::from_value(peer["noise_unit"].clone()).expect("noise array");
    let fits = peer["fits"].as_object().expect("fits");
    assert!(fits.len() >= 10, "fixture has {} settings", fits.len());
    for (name, fit) in fits {
        let level = fit["noise_level"].as_f64().expect("level");
        let mut samples = data.samples().to_vec();
        for (row, noise) in samples.chunks_exact_mut(3).zip(&unit) {
            for (v, e) in row.iter_mut().zip(noise) {
                *v += level * e;
            }
        }
        let noisy = Trajectory::new(
            data.names().to_vec(),
            data.t0(),
            data.dt(),
            samples,
            data.provenance.clone(),
        );
        let model = fit_sindy(&suite_options(name), &noisy, &JobContext::detached())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let coef: Vec<Vec<f64>> =
            serde_json::from_value(fit["coefficients"].clone()).expect("coefficients");
        for (i, row) in coef.iter().enumerate() {
            for (j, want) in row.iter().enumerate() {
                let got = model.coefficients[i][j];
                if *want == 0.0 {
                    assert_eq!(
                        got, 0.0,
                        "{name}: ({i}, {}) should be cut",
                        model.feature_names[j]
                    );
                } else {
                    assert!(
                        (got - want).abs() < 1e-8 * want.abs().max(1.0),
                        "{name}: ({i}, {}) {got} vs PySINDy {want}",
                        model.feature_names[j]
                    );
                }
            }
        }
        let rhs: Vec<String> = serde_json::from_value(fit["equations"].clone()).expect("eqs");
        let ours = equations::pysindy_rhs(&model.coefficients, &model.feature_names, 3);
        assert_eq!(ours, rhs, "{name}");
    }
}
