//! `--system-file`: a user-typed system (presets/user/lorenz.json, Lorenz typed in as
//! equations) runs wherever a catalog system does, and agrees with the compiled Lorenz.

use crate::common::{chaoslab, fails_with, json, tmp};

const LORENZ_FILE: &str = "presets/user/lorenz.json";

/// The numbers of a CSV trajectory written by `simulate --out`, row by row.
fn samples(path: &std::path::Path) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).expect("csv written");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("t,x,y,z"));
    lines
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect()
}

#[test]
fn typed_lorenz_follows_the_builtin_trajectory_over_ten_time_units() {
    let (a, b) = (tmp("builtin.csv"), tmp("typed.csv"));
    for (flag, value, out) in [
        ("--system", "Lorenz", &a),
        ("--system-file", LORENZ_FILE, &b),
    ] {
        let out = out.to_str().expect("utf8");
        json(&[
            "simulate", flag, value, "--t-end", "10", "--out", out, "--json",
        ]);
    }
    let (a, b) = (samples(&a), samples(&b));
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 600, "{} samples", a.len());
    let worst = a
        .iter()
        .zip(&b)
        .flat_map(|(r, s)| r.iter().zip(s).map(|(u, v)| (u - v).abs()))
        .fold(0.0f64, f64::max);
    // The bar is 1e-12; the typed equations round exactly like the compiled ones.
    assert!(worst <= 1e-12, "largest difference {worst}");
    // Over 10 time units the orbit has crossed between the wings (it is not at rest).
    assert!(a.iter().any(|r| r[1] > 5.0) && a.iter().any(|r| r[1] < -5.0));
}

#[test]
fn rhs_of_the_typed_system_is_the_vector_field() {
    let v = json(&[
        "rhs",
        "--system-file",
        LORENZ_FILE,
        "--state",
        "1,2,3",
        "--param",
        "rho=20",
        "--json",
    ]);
    let f: Vec<f64> = serde_json::from_value(v["rhs"].clone()).expect("array");
    // σ(y − x), x(ρ − z) − y, xy − βz at (1, 2, 3), σ = 10, ρ = 20, β = 2.667.
    assert_eq!(f, vec![10.0, 15.0, 2.0 - 3.0 * 2.667]);
    assert_eq!(v["system"], "Typed Lorenz");
}

#[test]
fn lyapunov_of_the_typed_lorenz_matches_the_literature() {
    let v = json(&[
        "lyapunov",
        "--system-file",
        LORENZ_FILE,
        "--periods",
        "500",
        "--json",
    ]);
    let ex: Vec<f64> = serde_json::from_value(v["exponents"].clone()).expect("array");
    // Sprott (2003), Table A.3: 0.9056 for σ = 10, ρ = 28, β = 8/3.
    assert!((ex[0] - 0.906).abs() < 0.02, "{ex:?}");
    // The exponents sum to the divergence −(σ + 1 + β).
    let exact = -(10.0 + 1.0 + 2.667);
    assert!((v["sum"].as_f64().expect("sum") / exact - 1.0).abs() < 0.01);
}

#[test]
fn fit_takes_a_system_file() {
    let v = json(&[
        "fit",
        "--model",
        "dmd",
        "--system-file",
        LORENZ_FILE,
        "--json",
    ]);
    assert_eq!(v["eigenvalues"].as_array().expect("array").len(), 3);
    let lyap = v["true_max_lyapunov"].as_f64().expect("computed");
    assert!((lyap - 0.906).abs() < 0.1, "{lyap}");
}

/// Writes the shipped Lorenz file with its first equation replaced.
fn broken(name: &str, first_equation: &str) -> String {
    let text = std::fs::read_to_string(LORENZ_FILE).expect("shipped file");
    let path = tmp(name);
    std::fs::write(
        &path,
        text.replacen("dx/dt = (y - x)*sigma", first_equation, 1),
    )
    .expect("write");
    path.to_str().expect("utf8").to_string()
}

#[test]
fn a_typo_names_its_position() {
    let file = broken("unclosed.json", "dx/dt = sigma*(y - x");
    for cmd in ["simulate", "rhs", "lyapunov", "compare"] {
        let mut args = vec![cmd, "--system-file", file.as_str()];
        if cmd == "rhs" {
            args.extend(["--state", "1,2,3"]);
        }
        if cmd == "compare" {
            args.extend(["--models", "dmd"]);
        }
        fails_with(
            &args,
            "equation 1 (dx/dt = sigma*(y - x), column 15 at '(': '(' is never closed",
        );
    }
}

#[test]
fn an_unknown_symbol_is_named_with_a_suggestion() {
    let file = broken("sgma.json", "dx/dt = sgma*(y - x)");
    fails_with(
        &["simulate", "--system-file", &file],
        "column 9: unknown symbol 'sgma' (did you mean sigma?)",
    );
}

#[test]
fn system_and_system_file_exclude_each_other_and_bad_files_are_explained() {
    fails_with(
        &[
            "simulate",
            "--system",
            "Lorenz",
            "--system-file",
            LORENZ_FILE,
        ],
        "cannot be used with",
    );
    fails_with(
        &["simulate", "--system-file", "/nonexistent/system.json"],
        "could not read the system file '/nonexistent/system.json'",
    );
    let text = std::fs::read_to_string(LORENZ_FILE).expect("shipped file");
    let path = tmp("misspelt.json");
    std::fs::write(&path, text.replacen("\"period\"", "\"perod\"", 1)).expect("write");
    fails_with(
        &["simulate", "--system-file", path.to_str().expect("utf8")],
        "unknown field `perod`",
    );
    let out = chaoslab()
        .args([
            "simulate",
            "--system-file",
            LORENZ_FILE,
            "--param",
            "sigmaa=3",
        ])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("beta, rho, sigma"), "{err}");
}
