//! The Koopman part of the command-line contract: `fit --model hankel-dmd|edmd|resdmd`
//! report `eigenvalues`, `residuals` and `continuous_eigenvalues`; ResDMD writes its
//! pseudospectrum on request; bad options fail with advice and no panic.

use crate::common::{chaoslab, fails_with, json, tmp};
use serde_json::Value;

fn pairs(v: &Value, key: &str) -> Vec<[f64; 2]> {
    serde_json::from_value(v[key].clone()).unwrap_or_else(|e| panic!("{key}: {e}"))
}

#[test]
fn edmd_on_lorenz_finds_the_constant_eigenfunction_verified() {
    let v = json(&[
        "fit", "--model", "edmd", "--system", "Lorenz", "--degree", "2", "--json",
    ]);
    assert_eq!(v["model"], "edmd");
    // Monomials of degree ≤ 2 in 3 variables: C(5, 2) = 10 functions.
    assert_eq!(v["dictionary_size"], 10);
    let lambdas = pairs(&v, "eigenvalues");
    let omega = pairs(&v, "continuous_eigenvalues");
    let res: Vec<f64> = serde_json::from_value(v["residuals"].clone()).expect("numbers");
    assert_eq!((lambdas.len(), omega.len(), res.len()), (10, 10, 10));
    // The constant is in the dictionary and is an exact eigenfunction with λ = 1, so
    // its eigenvalue and held-out residual are exact up to rounding.
    let k = lambdas
        .iter()
        .position(|l| (l[0] - 1.0).abs() < 1e-9 && l[1].abs() < 1e-9)
        .expect("λ = 1 is found");
    assert!(res[k] < 1e-9, "residual of λ = 1: {}", res[k]);
    assert!(omega[k][0].abs() < 1e-6 && omega[k][1].abs() < 1e-6);
    // Lorenz is mixing: nothing else is an eigenvalue, so every other pair has a
    // residual well above rounding.
    assert!(res.iter().filter(|r| **r > 1e-3).count() == 9, "{res:?}");
    assert!(v["verified_eigenvalues"].as_u64().expect("count") >= 1);
    assert!(v["fit_seconds"].is_number());
}

#[test]
fn edmd_with_a_large_rbf_dictionary_stays_full_rank() {
    // 296 Gaussians + constant + state = 300 functions on 6000 fit pairs: the width rule
    // must keep Ψ_X full rank (the fit refuses rank-deficient dictionaries).
    let v = json(&[
        "fit",
        "--model",
        "edmd",
        "--system",
        "Lorenz",
        "--dictionary",
        "rbf",
        "--centers",
        "296",
        "--json",
    ]);
    assert_eq!(v["dictionary_size"], 300);
    let res: Vec<f64> = serde_json::from_value(v["residuals"].clone()).expect("numbers");
    assert_eq!(res.len(), 300);
    // Only the constant is an exact eigenfunction: exactly one residual at rounding level.
    assert_eq!(
        res.iter().filter(|r| **r < 1e-9).count(),
        1,
        "{:?}",
        &res[..5]
    );
}

#[test]
fn hankel_dmd_with_the_optimal_hard_threshold() {
    let v = json(&[
        "fit",
        "--model",
        "hankel-dmd",
        "--system",
        "Lorenz",
        "--delays",
        "6",
        "--rank",
        "svht",
        "--json",
    ]);
    assert_eq!(v["model"], "hankel-dmd");
    assert_eq!(v["delays"], 6);
    let rank = v["rank"].as_u64().expect("rank") as usize;
    // 6 delays of 3 states: 18 delay coordinates; the threshold keeps between 1 and 18.
    assert!((1..=18).contains(&rank), "{rank}");
    assert_eq!(pairs(&v, "eigenvalues").len(), rank);
    assert_eq!(pairs(&v, "continuous_eigenvalues").len(), rank);
    assert_eq!(v["singular_values"].as_array().expect("array").len(), 18);
}

#[test]
fn resdmd_writes_its_pseudospectrum_and_the_model_round_trips() {
    let csv = tmp("ps.csv");
    let model = tmp("resdmd.json");
    let run = tmp("koopman-run.csv");
    let v = json(&[
        "fit",
        "--model",
        "resdmd",
        "--system",
        "Lorenz",
        "--degree",
        "2",
        "--grid",
        "11",
        "--grid-radius",
        "1.2",
        "--pseudospectrum-out",
        csv.to_str().expect("utf-8"),
        "--save",
        model.to_str().expect("utf-8"),
        "--json",
    ]);
    assert_eq!(v["model"], "resdmd");
    assert_eq!(v["pseudospectrum"]["nx"], 11);
    let text = std::fs::read_to_string(&csv).expect("written");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "re,im,log10_tau");
    assert_eq!(lines.len(), 1 + 121);
    let first: Vec<f64> = lines[1]
        .split(',')
        .map(|s| s.parse().expect("number"))
        .collect();
    // First grid point is the lower-left corner; τ ≥ 0 so log10 τ is a real number.
    assert_eq!(&first[..2], &[-1.2, -1.2]);
    assert!(first[2].is_finite());
    let out = chaoslab()
        .args([
            "generate",
            "--model",
            model.to_str().expect("utf-8"),
            "--steps",
            "20",
            "--out",
            run.to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = std::fs::read_to_string(&run)
        .expect("written")
        .lines()
        .count();
    assert_eq!(rows, 1 + 21, "header plus 21 states");
}

#[test]
fn bad_koopman_options_fail_with_advice() {
    fails_with(
        &[
            "fit", "--model", "edmd", "--system", "Lorenz", "--degree", "40",
        ],
        "lower --degree",
    );
    fails_with(
        &[
            "fit", "--model", "dmd", "--system", "Lorenz", "--rank", "banana",
        ],
        "unknown rank rule",
    );
    fails_with(
        &[
            "fit",
            "--model",
            "hankel-dmd",
            "--system",
            "Lorenz",
            "--delays",
            "0",
        ],
        "at least 1",
    );
    fails_with(
        &[
            "fit", "--model", "resdmd", "--system", "Lorenz", "--grid", "1",
        ],
        "at least 2 points",
    );
    fails_with(
        &[
            "fit",
            "--model",
            "edmd",
            "--system",
            "Lorenz",
            "--pseudospectrum-out",
            tmp("x.csv").to_str().expect("utf-8"),
        ],
        "needs --model resdmd",
    );
}

#[test]
fn kernel_edmd_on_van_der_pol_finds_the_limit_cycle_frequency() {
    // Van der Pol (μ = 1): on the limit cycle the Koopman eigenvalues are i k Ω with
    // Ω = 2π/T = 0.94296 (T = 6.6633, spec §4.2).
    let v = json(&[
        "fit",
        "--model",
        "kernel-edmd",
        "--system",
        "VanDerPol",
        "--kernel",
        "gaussian",
        "--json",
    ]);
    assert_eq!(v["model"], "kernel-edmd");
    assert_eq!(v["dictionary"]["kind"], "kernel");
    let omega = pairs(&v, "continuous_eigenvalues");
    let res: Vec<f64> = serde_json::from_value(v["residuals"].clone()).expect("numbers");
    assert_eq!(
        omega.len(),
        v["dictionary_size"].as_u64().expect("size") as usize
    );
    for k in [1.0, 2.0] {
        let target = k * 0.94296;
        let (j, err) = omega
            .iter()
            .enumerate()
            .map(|(j, w)| (j, w[0].hypot(w[1] - target)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("eigenvalues");
        assert!(err < 1e-3 * target, "k = {k}: {:?} off by {err}", omega[j]);
        assert!(res[j] < 1e-2, "k = {k}: residual {}", res[j]);
    }
    assert!(v["fit_seconds"].is_number());
}

#[test]
fn concatenated_dictionary_under_delays_has_the_expected_size() {
    // Delay vectors of 3 Lorenz samples: 9 coordinates. monomials+rbf: the constant and
    // the 9 coordinates once, the 45 monomials of degree 2, and 20 Gaussians = 75.
    let v = json(&[
        "fit",
        "--model",
        "edmd",
        "--system",
        "Lorenz",
        "--dictionary",
        "monomials+rbf",
        "--degree",
        "2",
        "--centers",
        "20",
        "--delays",
        "3",
        "--json",
    ]);
    assert_eq!(v["dictionary"]["kind"], "delay");
    assert_eq!(v["delays"], 3);
    assert_eq!(v["dictionary_size"], 75);
    let lambdas = pairs(&v, "eigenvalues");
    let res: Vec<f64> = serde_json::from_value(v["residuals"].clone()).expect("numbers");
    // The constant is in the dictionary: λ = 1 with a rounding-level residual.
    let k = lambdas
        .iter()
        .position(|l| (l[0] - 1.0).abs() < 1e-9 && l[1].abs() < 1e-9)
        .expect("λ = 1");
    assert!(res[k] < 1e-8, "{}", res[k]);
}

#[test]
fn fourier_dictionary_on_a_circle_rotation_file_is_exact() {
    // θ_{k+1} = θ_k + α mod 2π: with Fourier modes |k| ≤ 3 EDMD returns e^{ikα} exactly.
    let alpha = 0.7f64;
    let mut csv = String::from("t,theta\n");
    for k in 0..400 {
        let theta = (0.1 + k as f64 * alpha).rem_euclid(std::f64::consts::TAU);
        csv.push_str(&format!("{k},{theta:.17e}\n"));
    }
    let path = tmp("rotation.csv");
    std::fs::write(&path, csv).expect("writes");
    let v = json(&[
        "fit",
        "--model",
        "edmd",
        "--data",
        path.to_str().expect("utf-8"),
        "--dictionary",
        "fourier",
        "--degree",
        "3",
        "--json",
    ]);
    assert_eq!(v["dictionary_size"], 7);
    let lambdas = pairs(&v, "eigenvalues");
    let res: Vec<f64> = serde_json::from_value(v["residuals"].clone()).expect("numbers");
    for k in -3i32..=3 {
        let (re, im) = ((f64::from(k) * alpha).cos(), (f64::from(k) * alpha).sin());
        let j = (0..7)
            .min_by(|&a, &b| {
                let d = |j: usize| (lambdas[j][0] - re).hypot(lambdas[j][1] - im);
                d(a).total_cmp(&d(b))
            })
            .expect("seven");
        let err = (lambdas[j][0] - re).hypot(lambdas[j][1] - im);
        // The CSV keeps 17 digits; the 7 × 7 fit is well conditioned.
        assert!(err < 1e-10, "k = {k}: {:?}", lambdas[j]);
        assert!(res[j] < 1e-10, "k = {k}: residual {}", res[j]);
    }
}

#[test]
fn measure_preserving_lorenz_residuals_follow_the_isometry_curve() {
    let v = json(&[
        "fit",
        "--model",
        "edmd",
        "--system",
        "Lorenz",
        "--delays",
        "5",
        "--degree",
        "1",
        "--measure-preserving",
        "--residual-holdout",
        "0",
        "--json",
    ]);
    let lambdas = pairs(&v, "eigenvalues");
    let res: Vec<f64> = serde_json::from_value(v["residuals"].clone()).expect("numbers");
    assert_eq!(lambdas.len(), 16);
    for (l, r) in lambdas.iter().zip(&res) {
        let curve = (1.0 - l[0] * l[0] - l[1] * l[1]).max(0.0).sqrt();
        assert!((r - curve).abs() < 1e-8, "{l:?}: {r} vs {curve}");
    }
}

#[test]
fn bad_dictionary_options_fail_with_advice() {
    fails_with(
        &[
            "fit",
            "--model",
            "kernel-edmd",
            "--system",
            "Lorenz",
            "--kernel",
            "cosine",
        ],
        "use gaussian or laplacian",
    );
    fails_with(
        &[
            "fit",
            "--model",
            "kernel-edmd",
            "--system",
            "Lorenz",
            "--dictionary",
            "rbf",
        ],
        "drop --dictionary",
    );
    fails_with(
        &[
            "fit",
            "--model",
            "edmd",
            "--system",
            "Lorenz",
            "--dictionary",
            "rbf+rbf",
        ],
        "list each once",
    );
    fails_with(
        &[
            "fit", "--model", "edmd", "--system", "Lorenz", "--delays", "0",
        ],
        "at least 1",
    );
    fails_with(
        &[
            "fit",
            "--model",
            "edmd",
            "--system",
            "Lorenz",
            "--epsilon=-1",
        ],
        "--epsilon must be",
    );
    fails_with(
        &[
            "fit",
            "--model",
            "edmd",
            "--system",
            "Lorenz",
            "--dictionary",
            "rff",
            "--features",
            "0",
        ],
        "random Fourier features need between 1",
    );
    fails_with(
        &[
            "fit",
            "--model",
            "kernel-edmd",
            "--system",
            "Lorenz",
            "--kernel-points",
            "1",
        ],
        "lower --kernel-points",
    );
}
