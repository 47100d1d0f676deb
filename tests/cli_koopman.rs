//! The Koopman part of the command-line contract: `fit --model hankel-dmd|edmd|resdmd`
//! report `eigenvalues`, `residuals` and `continuous_eigenvalues`; ResDMD writes its
//! pseudospectrum on request; bad options fail with advice and no panic.

mod common;

use common::{chaoslab, fails_with, json, tmp};
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
    let run = tmp("run.csv");
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
