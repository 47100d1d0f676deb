//! The forecast and invariant metrics against an independent numpy/scipy reference
//! (tools/metrics_fixture.py) on committed Lorenz series: VPT, sMAPE (0–200 scale),
//! D_stsp (binning), D_H and PE(20).

use chaoslab::eval::power_spectrum::{DEFAULT_SMOOTHING, power_spectrum_distance};
use chaoslab::eval::prediction_error::prediction_error_of;
use chaoslab::eval::score_forecast;
use chaoslab::eval::stsp::{DEFAULT_BINS, state_space_divergence};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/metrics");

/// The three series (truth, forecast, generated), row-major, 3 columns each.
fn series() -> [Vec<f64>; 3] {
    let text = std::fs::read_to_string(format!("{DIR}/series.csv")).expect("fixture");
    let mut out: [Vec<f64>; 3] = Default::default();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line
            .split(',')
            .map(|s| s.parse().expect("number"))
            .collect();
        assert_eq!(v.len(), 9);
        for (k, part) in out.iter_mut().enumerate() {
            part.extend_from_slice(&v[3 * k..3 * k + 3]);
        }
    }
    out
}

fn expected() -> Value {
    let text = std::fs::read_to_string(format!("{DIR}/expected.json")).expect("fixture");
    serde_json::from_str(&text).expect("JSON")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number"))
}

/// Population standard deviation of each of the 3 columns.
fn population_std(x: &[f64]) -> Vec<f64> {
    let rows = (x.len() / 3) as f64;
    (0..3)
        .map(|j| {
            let col: Vec<f64> = x.iter().skip(j).step_by(3).copied().collect();
            let m = col.iter().sum::<f64>() / rows;
            (col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / rows).sqrt()
        })
        .collect()
}

#[test]
fn vpt_and_smape_match_numpy() {
    let [truth, forecast, _] = series();
    let e = expected();
    let std = population_std(&truth);
    let s = score_forecast(
        &truth,
        &forecast,
        3,
        num(&e, "dt"),
        &std,
        num(&e, "lyapunov"),
        num(&e, "threshold"),
    );
    assert!(s.vpt_reached);
    // The error jumps from 0.384 to 0.465 at the crossing, far beyond rounding.
    assert!(
        (s.vpt - num(&e, "vpt")).abs() < 1e-9,
        "{} vs {}",
        s.vpt,
        e["vpt"]
    );
    let rel = (s.smape - num(&e, "smape")).abs() / num(&e, "smape");
    assert!(rel < 1e-12, "sMAPE {} vs {}", s.smape, e["smape"]);
}

#[test]
fn d_stsp_matches_numpy_dense_histograms() {
    let [truth, forecast, generated] = series();
    let e = expected();
    for (other, key) in [
        (&generated, "d_stsp_truth_generated"),
        (&forecast, "d_stsp_truth_forecast"),
    ] {
        let d = state_space_divergence(&truth, other, 3, DEFAULT_BINS).expect("finite");
        // Sums over 27 000 cells in a different order (dense here, occupied cells plus
        // the closed form for the empty ones in Rust).
        assert!(
            (d - num(&e, key)).abs() < 1e-10 * (1.0 + d.abs()),
            "{key}: {d} vs {}",
            e[key]
        );
    }
}

#[test]
fn d_h_matches_scipy_gaussian_filter() {
    let [truth, forecast, generated] = series();
    let e = expected();
    for (other, key) in [
        (&generated, "d_h_truth_generated"),
        (&forecast, "d_h_truth_forecast"),
    ] {
        let d = power_spectrum_distance(&truth, other, 3, DEFAULT_SMOOTHING).expect("finite");
        assert!((d - num(&e, key)).abs() < 1e-10, "{key}: {d} vs {}", e[key]);
    }
}

#[test]
fn pe20_of_a_linear_model_matches_numpy() {
    let [truth, _, _] = series();
    let e = expected();
    let a: Vec<Vec<f64>> = e["linear_model"]
        .as_array()
        .expect("matrix")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|v| v.as_f64().expect("number"))
                .collect()
        })
        .collect();
    let n = e["pe_n"].as_u64().expect("n") as usize;
    let pe = prediction_error_of(&truth, 3, n, usize::MAX, |t| {
        let mut x = truth[t * 3..t * 3 + 3].to_vec();
        for _ in 0..n {
            x = (0..3)
                .map(|i| (0..3).map(|j| a[i][j] * x[j]).sum())
                .collect();
        }
        Some(x)
    })
    .expect("finite");
    let want = num(&e, "pe");
    assert!((pe - want).abs() < 1e-9 * want, "PE {pe} vs {want}");
}

#[test]
fn gaussian_mixture_d_stsp_matches_numpy_with_the_same_draws() {
    use chaoslab::eval::stsp_gmm::gmm_divergence_with;
    let [truth, _, generated] = series();
    let e = expected();
    let rows = e["gmm_rows"].as_u64().expect("rows") as usize;
    // Six columns: two Lorenz orbits side by side, as the reference builds them.
    let six = |a: &[f64], b: &[f64]| -> Vec<f64> {
        (0..rows)
            .flat_map(|k| [&a[k * 3..k * 3 + 3], &b[k * 3..k * 3 + 3]].concat())
            .collect()
    };
    let x = six(&truth[..rows * 3], &generated[..rows * 3]);
    let g = six(
        &generated[200 * 3..(200 + rows) * 3],
        &truth[200 * 3..(200 + rows) * 3],
    );
    let indices: Vec<usize> = e["gmm_indices"]
        .as_array()
        .expect("indices")
        .iter()
        .map(|v| v.as_u64().expect("index") as usize)
        .collect();
    let noise: Vec<f64> = e["gmm_noise"]
        .as_array()
        .expect("noise")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect();
    for (other, key) in [(&g, "d_stsp_gmm"), (&x, "d_stsp_gmm_self")] {
        let d = gmm_divergence_with(&x, other, 6, &indices, &noise).expect("finite");
        let want = num(&e, key);
        assert!(
            (d - want).abs() < 1e-9 * (1.0 + want.abs()),
            "{key}: {d} vs {want}"
        );
    }
}
