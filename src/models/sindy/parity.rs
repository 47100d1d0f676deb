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
