//! `chaoslab fit --model esn|nvar` and `compare --models esn,nvar`: the JSON report,
//! the saved model generating again, and bad hyperparameters as clear errors.

use crate::common::{chaoslab, fails_with, json, tmp};

#[test]
fn fit_esn_reports_its_hyperparameters_and_forecasts() {
    let model = tmp("esn.json");
    let model_arg = model.to_str().expect("utf-8 temp path");
    let v = json(&[
        "fit",
        "--model",
        "esn",
        "--system",
        "Lorenz",
        "--periods",
        "40",
        "--reservoir",
        "150",
        "--spectral-radius",
        "0.8",
        "--leak",
        "0.9",
        "--seed",
        "3",
        "--save",
        model_arg,
        "--json",
    ]);
    assert_eq!(v["model"], "esn");
    let h = &v["hyperparameters"];
    assert_eq!(h["reservoir"], 150);
    assert_eq!(h["spectral_radius"], 0.8);
    assert_eq!(h["leak"], 0.9);
    assert_eq!(h["seed"], 3);
    assert_eq!(h["ridge"], 1e-7);
    assert_eq!(v["readout_features"], 1 + 3 + 150);
    for key in [
        "fit_seconds",
        "training_rmse",
        "max_lyapunov",
        "vpt_lyapunov_times",
    ] {
        assert!(
            v[key].as_f64().is_some_and(|x| x > 0.0 && x.is_finite()),
            "{key}: {}",
            v[key]
        );
    }
    // A synchronised forecast of Lorenz lasts more than a Lyapunov time even with a small
    // reservoir and 3 200 training samples.
    assert!(
        v["vpt_lyapunov_times"].as_f64().is_some_and(|x| x > 1.0),
        "{}",
        v["vpt_lyapunov_times"]
    );
    // The saved file generates a bounded free run.
    let csv = tmp("esn-run.csv");
    let out = chaoslab()
        .args(["generate", "--model", model_arg, "--steps", "300", "--out"])
        .arg(&csv)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).expect("written");
    assert_eq!(text.lines().count(), 302);
}

#[test]
fn fit_nvar_uses_delays_skip_and_ridge() {
    let v = json(&[
        "fit",
        "--model",
        "nvar",
        "--system",
        "Lorenz",
        "--periods",
        "40",
        "--delays",
        "2",
        "--skip",
        "2",
        "--ridge",
        "1e-4",
        "--json",
    ]);
    assert_eq!(v["model"], "nvar");
    assert_eq!(v["hyperparameters"]["delays"], 2);
    assert_eq!(v["hyperparameters"]["skip"], 2);
    assert_eq!(v["hyperparameters"]["ridge"], 1e-4);
    // 1 + 6 linear + 21 quadratic features.
    assert_eq!(v["readout_features"], 28);
}

#[test]
fn bad_reservoir_hyperparameters_are_clear_errors() {
    let base = ["fit", "--system", "Lorenz", "--periods", "10", "--model"];
    let cases: [(&[&str], &str); 6] = [
        (
            &["esn", "--spectral-radius", "-1"],
            "--spectral-radius must be in (0, ∞), got -1",
        ),
        (
            &["esn", "--leak", "1.5"],
            "--leak must be in (0, 1], got 1.5",
        ),
        (&["esn", "--leak", "0"], "--leak must be in (0, 1]"),
        (&["esn", "--density", "0"], "--density must be in (0, 1]"),
        (&["esn", "--ridge", "-0.001"], "--ridge must be in [0, ∞)"),
        (&["nvar", "--skip", "0"], "--skip must be at least 1"),
    ];
    for (extra, needle) in cases {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        fails_with(&args, needle);
    }
}

#[test]
fn compare_scores_both_reservoir_computers() {
    let v = json(&[
        "compare",
        "--system",
        "Lorenz",
        "--periods",
        "60",
        "--models",
        "esn,nvar",
        "--starts",
        "5",
        "--json",
    ]);
    let models = v["models"].as_array().expect("array");
    assert_eq!(models.len(), 2);
    for (m, name) in models.iter().zip(["esn", "nvar"]) {
        assert_eq!(m["model"], name);
        assert!(m["error"].is_null(), "{m}");
        assert!(
            m["vpt_lyapunov_times"].as_f64().is_some_and(|x| x > 1.0),
            "{m}"
        );
        assert!(m["d_stsp"].as_f64().is_some(), "{m}");
    }
}
