//! `chaoslab lyapunov` also reports the correlation dimension of the attractor, beside
//! dysts' published values, without dropping any key of the PRODUCT.md contract.

use crate::common::{chaoslab, fails_with, json};

#[test]
fn henon_correlation_dimension_matches_grassberger_procaccia() {
    let v = json(&["lyapunov", "--system", "Henon", "--json"]);
    // Grassberger & Procaccia (1983): D2 = 1.21 ± 0.01 for a = 1.4, b = 0.3.
    let d = v["correlation_dimension"].as_f64().expect("a number");
    assert!((d - 1.21).abs() < 0.05, "D2 = {d}");
    let range: Vec<f64> =
        serde_json::from_value(v["correlation_dimension_range"].clone()).expect("[lo, hi]");
    // At least the one decade the scaling-region search asks for.
    assert!(range[1] / range[0] >= 10.0 * 0.999, "{range:?}");
    // The contract's keys are all still there.
    for key in ["kaplan_yorke", "sum", "mean_divergence", "elapsed_s"] {
        assert!(v[key].is_number(), "{key}");
    }
    let ex: Vec<f64> = serde_json::from_value(v["exponents"].clone()).expect("array");
    assert!((ex[0] - 0.41922).abs() < 0.01, "{ex:?}");
}

#[test]
fn the_dimension_can_be_skipped() {
    let v = json(&[
        "lyapunov",
        "--system",
        "Henon",
        "--no-dimension",
        "--periods",
        "1000",
        "--json",
    ]);
    assert!(v.get("correlation_dimension").is_none(), "{v}");
    assert!(v["exponents"].is_array());
}

#[test]
fn the_text_output_shows_the_published_values_beside_ours() {
    let out = chaoslab()
        .args(["lyapunov", "--system", "Lorenz", "--periods", "100"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    // dysts' catalog: Lorenz's correlation dimension 1.9939, Kaplan–Yorke 2.0752.
    assert!(text.contains("correlation dimension 2."), "{text}");
    assert!(text.contains("(published 1.9939)"), "{text}");
    assert!(text.contains("(published 2.0752)"), "{text}");
}

#[test]
fn too_few_dimension_points_is_a_clear_error() {
    fails_with(
        &["lyapunov", "--system", "Henon", "--dimension-points", "0"],
        "--dimension-points",
    );
}
