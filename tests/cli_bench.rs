//! `chaoslab bench`: JSON fields and their sanity, and clear errors for bad input.

mod common;

use common::{fails_with, json};

#[test]
fn bench_integrate_reports_speed_and_counters() {
    let v = json(&[
        "bench",
        "integrate",
        "--system",
        "Lorenz",
        "--method",
        "rk4",
        "--steps",
        "20000",
        "--json",
    ]);
    assert_eq!(v["system"], "Lorenz");
    assert_eq!(v["method"], "rk4");
    assert_eq!(v["steps"], 20000);
    assert_eq!(v["rejected"], 0);
    // Four evaluations per RK4 step plus the one at the start.
    assert_eq!(v["evaluations"], 4 * 20000 + 1);
    assert!(v["steps_per_second"].as_f64().expect("number") > 0.0);
    assert!(v["elapsed_s"].as_f64().expect("number") > 0.0);
    // The fixed step is the catalog sampling interval period/100 split in two.
    let t_end = v["t_end"].as_f64().expect("number");
    assert!((t_end - 20000.0 * 1.5008 / 200.0).abs() < 1e-6, "{t_end}");
}

#[test]
fn bench_integrate_with_radau_counts_jacobians() {
    let v = json(&[
        "bench",
        "integrate",
        "--system",
        "VanDerPol",
        "--param",
        "mu=1000",
        "--method",
        "radau",
        "--steps",
        "50",
        "--rtol",
        "1e-6",
        "--atol",
        "1e-6",
        "--json",
    ]);
    assert_eq!(v["method"], "radau");
    assert_eq!(v["steps"], 50);
    let jac = v["stats"]["jacobians"].as_u64().expect("number");
    assert!(jac >= 50, "{jac}");
    assert!(v["stats"]["lu_decompositions"].as_u64().expect("number") >= 2 * 50);
}

#[test]
fn bench_catalog_integrates_every_flow_without_failures() {
    let v = json(&[
        "bench",
        "catalog",
        "--periods",
        "2",
        "--points-per-period",
        "20",
        "--json",
    ]);
    let failures = v["failures"].as_array().expect("array");
    assert!(failures.is_empty(), "{failures:?}");
    let n = v["systems"].as_u64().expect("number");
    // Every flow of the catalog (`chaoslab list`: ODEs and delay equations), each with
    // 2·20 + 1 samples.
    let list = json(&["list", "--json"]);
    let flows = list["systems"]
        .as_array()
        .expect("array")
        .iter()
        .filter(|s| s["kind"] != "map")
        .count() as u64;
    assert_eq!(n, flows);
    let results = v["results"].as_array().expect("array");
    assert_eq!(results.len() as u64, n);
    for r in results {
        assert_eq!(r["samples"], 41, "{r}");
        assert!(r["steps"].as_u64().expect("number") > 0, "{r}");
    }
    let wall = v["total_wall_s"].as_f64().expect("number");
    let sum = v["sum_system_s"].as_f64().expect("number");
    assert!(wall > 0.0 && sum > 0.0);
}

#[test]
fn bench_rejects_a_bad_method_and_bad_sizes() {
    fails_with(
        &[
            "bench",
            "integrate",
            "--system",
            "Lorenz",
            "--method",
            "euler",
        ],
        "unknown method 'euler'; choose one of rk4, dopri5, dop853, radau, auto",
    );
    fails_with(
        &["bench", "catalog", "--method", "rk5"],
        "unknown method 'rk5'",
    );
    fails_with(
        &["bench", "catalog", "--points-per-period", "0"],
        "--points-per-period must be at least 1",
    );
    fails_with(
        &["bench", "integrate", "--method", "rk4"],
        "no system given",
    );
}

#[test]
fn simulate_accepts_every_method_and_reports_the_stats() {
    for m in ["rk4", "dopri5", "rk45", "dop853", "radau", "auto"] {
        let v = json(&[
            "simulate",
            "--system",
            "Lorenz",
            "--periods",
            "2",
            "--method",
            m,
            "--json",
        ]);
        let expected = if m == "rk45" { "dopri5" } else { m };
        let method = v["method"].as_str().expect("string");
        assert!(method.starts_with(expected), "{m}: {method}");
        assert!(v["stats"]["steps"].as_u64().expect("number") > 0, "{m}");
        assert!(
            v["stats"]["evaluations"].as_u64().expect("number") > 0,
            "{m}"
        );
    }
}
