//! `chaoslab fit --model sindy` with the suite's flags: `--optimizer`, `--derivative`,
//! `--ensemble`, `--weak`, `--sweep` — the JSON contract (`feature_names`,
//! `coefficients`, `equations`, `fit_seconds`, plus `inclusion_probabilities` and
//! `pareto`) and the recovered Lorenz terms.

use crate::common::{chaoslab, fails_with, json, tmp};
use serde_json::Value;

fn fit(extra: &[&str]) -> Value {
    let mut args = vec!["fit", "--model", "sindy", "--system", "Lorenz", "--json"];
    args.extend_from_slice(extra);
    json(&args)
}

/// The catalog's Lorenz on the degree-2 library (σ = 10, ρ = 28, β = 2.667).
const TRUTH: [(usize, usize, f64); 7] = [
    (0, 1, -10.0),
    (0, 2, 10.0),
    (1, 1, 28.0),
    (1, 2, -1.0),
    (1, 6, -1.0),
    (2, 3, -2.667),
    (2, 5, 1.0),
];

fn coef(v: &Value, i: usize, j: usize) -> f64 {
    v["coefficients"][i][j].as_f64().expect("number")
}

/// Exactly Lorenz's seven terms, each within `tol`; the common JSON fields are there.
fn check_lorenz(v: &Value, tol: f64) {
    assert_eq!(v["model"], "sindy");
    assert!(v["fit_seconds"].as_f64().expect("fit_seconds") > 0.0);
    assert_eq!(v["feature_names"].as_array().expect("names").len(), 10);
    assert_eq!(v["equations"].as_array().expect("equations").len(), 3);
    for i in 0..3 {
        for j in 0..10 {
            let c = coef(v, i, j);
            match TRUTH.iter().find(|(a, b, _)| *a == i && *b == j) {
                Some((_, _, want)) => {
                    assert!(
                        (c - want).abs() < tol,
                        "({i},{j}) {c} vs {want}: {}",
                        v["equations"]
                    )
                }
                None => assert_eq!(c, 0.0, "spurious ({i},{j}): {}", v["equations"]),
            }
        }
    }
}

#[test]
fn sr3_and_sr3_l1_fit_lorenz() {
    // Catalog sampling (dt ≈ 0.015) with order-4 differences: the FD bias is ~1e-3.
    let v = fit(&["--optimizer", "sr3", "--fd-order", "4"]);
    check_lorenz(&v, 0.05);
    assert_eq!(v["optimizer"], "sr3");
    assert!(v["alpha"].is_null(), "no ridge in SR3");
    // L1 shrinks every kept coefficient by about the threshold.
    let v = fit(&["--optimizer", "sr3-l1", "--fd-order", "4"]);
    assert_eq!(v["optimizer"], "sr3-l1");
    let shrink = 28.0 - coef(&v, 1, 1);
    assert!((0.05..0.2).contains(&shrink), "ρ shrunk by {shrink}");
}

#[test]
fn ensemble_reports_inclusion_probabilities() {
    let v = fit(&[
        "--ensemble",
        "10",
        "--ensemble-seed",
        "4",
        "--fd-order",
        "4",
        "--noise",
        "0.01",
        "--seed",
        "1",
    ]);
    assert_eq!(v["ensemble_models"], 10);
    let probs = v["inclusion_probabilities"]
        .as_array()
        .expect("probabilities");
    assert_eq!(probs.len(), 3);
    for (i, j, _) in TRUTH {
        assert_eq!(probs[i][j], 1.0, "true term ({i},{j})");
    }
    assert!(v["coefficient_band_lower"].is_array() && v["coefficient_band_upper"].is_array());
    // Without --ensemble the field is absent.
    let plain = fit(&["--fd-order", "4"]);
    assert!(plain.get("inclusion_probabilities").is_none());
}

#[test]
fn weak_form_fits_lorenz_without_derivatives() {
    let v = fit(&["--weak"]);
    check_lorenz(&v, 0.05);
    assert_eq!(v["weak_form"], true);
    assert!(
        v["differentiation"]
            .as_str()
            .expect("text")
            .contains("weak form"),
        "{}",
        v["differentiation"]
    );
}

#[test]
fn sweep_prints_the_pareto_table_and_chooses_seven_terms() {
    let v = fit(&["--sweep", "--fd-order", "4"]);
    let pareto = v["pareto"].as_array().expect("pareto");
    assert!(pareto.len() >= 10);
    for p in pareto {
        for key in ["threshold", "nonzero", "error", "aicc"] {
            assert!(p.get(key).is_some(), "{key} missing in {p}");
        }
    }
    assert_eq!(v["selection"], "knee");
    assert_eq!(v["nonzero_terms"], 7, "{}", v["equations"]);
    assert_eq!(v["threshold"], v["chosen_threshold"]);
    check_lorenz(&v, 0.05);
    // The text form prints the table with the chosen row starred.
    let out = chaoslab()
        .args([
            "fit",
            "--model",
            "sindy",
            "--system",
            "Lorenz",
            "--sweep",
            "--fd-order",
            "4",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("threshold sweep"), "{text}");
    assert!(text.lines().any(|l| l.starts_with('*')), "{text}");
    assert!(text.contains("chosen threshold"), "{text}");
}

#[test]
fn derivative_methods_run_and_say_what_they_did() {
    // Exact derivatives: the regression itself is exact to rounding.
    let v = fit(&["--derivative", "exact"]);
    check_lorenz(&v, 1e-8);
    assert!(
        v["differentiation"]
            .as_str()
            .expect("text")
            .contains("exact")
    );
    // Savitzky–Golay and TV on 1 % noise recover the support, at the notebooks' step
    // (dt ≈ 0.002: 750 samples per period of 1.5008). At the catalog's default step
    // (≈ 0.015) an 11-sample window spans 0.165 time units and biases ρ by −0.65.
    for method in ["savgol", "tv"] {
        let v = fit(&[
            "--points-per-period",
            "750",
            "--periods",
            "14",
            "--derivative",
            method,
            "--fd-order",
            "4",
            "--noise",
            "0.01",
            "--seed",
            "2",
            "--threshold",
            "0.5",
        ]);
        check_lorenz(&v, 0.6);
    }
    // Spectral runs (Lorenz is not periodic, so no claim about the model).
    let v = fit(&["--derivative", "spectral"]);
    assert!(
        v["differentiation"]
            .as_str()
            .expect("text")
            .contains("spectral")
    );
}

#[test]
fn exact_derivatives_of_a_file_fail_with_the_reason() {
    let path = tmp("lorenz_suite.csv");
    let out = chaoslab()
        .args([
            "simulate",
            "--system",
            "Lorenz",
            "--periods",
            "20",
            "--out",
            path.to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fails_with(
        &[
            "fit",
            "--model",
            "sindy",
            "--data",
            path.to_str().expect("utf-8"),
            "--derivative",
            "exact",
        ],
        "catalog system",
    );
}

#[test]
fn bad_suite_options_fail_with_a_reason() {
    let base = ["fit", "--model", "sindy", "--system", "Lorenz"];
    let with = |extra: &[&'static str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        a
    };
    fails_with(
        &with(&["--library-drop", "2"]),
        "--library-drop needs --ensemble",
    );
    fails_with(&with(&["--weak", "--derivative", "savgol"]), "--weak");
    fails_with(
        &with(&["--derivative", "savgol", "--savgol-window", "10"]),
        "odd",
    );
    fails_with(&with(&["--optimizer", "sr3", "--nu", "0"]), "nu");
    fails_with(&with(&["--ensemble", "1"]), "at least 2 models");
    fails_with(&with(&["--optimizer", "lasso"]), "lasso");
}

#[test]
fn custom_terms_and_a_tensor_library_from_the_command_line() {
    // The catalog's Thomas, ẋ = −1.85 x + 10 sin y (cyclic), on `identity + custom`
    // with the exact vector field as derivative: the regression is exact to rounding.
    let v = json(&[
        "fit",
        "--model",
        "sindy",
        "--system",
        "Thomas",
        "--json",
        "--library",
        "identity + custom",
        "--terms",
        "sin(x); sin(y); sin(z)",
        "--derivative",
        "exact",
    ]);
    let names: Vec<&str> = v["feature_names"]
        .as_array()
        .expect("names")
        .iter()
        .map(|n| n.as_str().expect("text"))
        .collect();
    assert_eq!(names, ["x", "y", "z", "sin(x)", "sin(y)", "sin(z)"]);
    for i in 0..3 {
        for j in 0..6 {
            let want = if j == i {
                -1.85
            } else if j == 3 + (i + 1) % 3 {
                10.0
            } else {
                0.0
            };
            assert!(
                (coef(&v, i, j) - want).abs() < 1e-8,
                "({i},{j}) {}: {}",
                coef(&v, i, j),
                v["equations"]
            );
        }
    }
    assert_eq!(v["equations"][0], "(x)' = -1.850 x +  10.000 sin(y)");
    // --terms alone means `poly + custom`; a tensor product multiplies the column counts.
    let v = fit(&["--terms", "sin(x)", "--fd-order", "4"]);
    assert_eq!(v["feature_names"].as_array().expect("names").len(), 11);
    let v = fit(&["--library", "identity * fourier(2)", "--threshold", "100"]);
    let names = v["feature_names"].as_array().expect("names");
    assert_eq!(names.len(), 3 * 12);
    assert_eq!(names[0], "x sin(1 x)");
    assert_eq!(names[35], "z cos(2 z)");
}

#[test]
fn bad_libraries_and_terms_point_at_the_column() {
    let base = ["fit", "--model", "sindy", "--system", "Lorenz"];
    let with = |extra: &[&'static str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        a
    };
    fails_with(
        &with(&["--terms", "sin(x); sin(w)"]),
        "custom term 2 ('sin(w)'), column 13: unknown symbol 'w'",
    );
    fails_with(&with(&["--terms", "x*(y"]), "column 3 at '('");
    fails_with(
        &with(&["--library", "poly + fourir"]),
        "library 'poly + fourir', column 8: unknown library 'fourir'",
    );
    fails_with(&with(&["--library", "poly + custom"]), "--terms");
    fails_with(
        &with(&["--library", "fourier", "--terms", "x"]),
        "does not use them",
    );
}
