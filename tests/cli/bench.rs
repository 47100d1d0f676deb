//! `chaoslab bench`: JSON fields and their sanity, and clear errors for bad input.

use crate::common::{fails_with, json};

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

/// Flags that keep the model benchmark small: 3 systems × 2 seeds × 2 cheap models on
/// short spans.
fn small_bench(out: &str) -> Vec<String> {
    [
        "--systems",
        "Lorenz,Rossler,Thomas",
        "--models",
        "dmd,sindy",
        "--seeds",
        "2",
        "--train-periods",
        "5",
        "--test-periods",
        "10",
        "--pe-starts",
        "50",
        "--out",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The data lines of a results file, parsed as (system, seed, model) plus the record.
fn result_rows(path: &std::path::Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(path).expect("results file");
    reader
        .records()
        .map(|r| r.expect("a whole record"))
        .collect()
}

#[test]
fn bench_models_resumes_after_a_kill_with_every_row_exactly_once() {
    let path = crate::common::tmp("bench-resume.csv");
    let _ = std::fs::remove_file(&path);
    let out = path.display().to_string();
    // A first run stopped after 5 of the 12 rows (as a kill half-way would), in
    // PRODUCT.md's form without a mode.
    let mut first = vec!["bench".to_string()];
    first.extend(small_bench(&out));
    first.extend(["--max-rows".into(), "5".into()]);
    let run = crate::common::chaoslab()
        .args(&first)
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("7 rows missing"), "{text}");
    assert_eq!(result_rows(&path).len(), 5);
    // The kill cut the next row in half: a last line without its newline.
    let mut bytes = std::fs::read(&path).expect("reads");
    let last_line_start = bytes[..bytes.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .expect("header and rows")
        + 1;
    let copy = bytes[last_line_start..].to_vec();
    bytes.extend_from_slice(&copy[..copy.len() / 2]);
    std::fs::write(&path, bytes).expect("writes");

    let mut second = vec!["bench".to_string(), "models".to_string()];
    second.extend(small_bench(&out));
    let run = crate::common::chaoslab()
        .args(&second)
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = String::from_utf8_lossy(&run.stdout);
    assert!(summary.contains("5 already in"), "{summary}");
    assert!(summary.contains("7 new"), "{summary}");
    for needle in [
        "median VPT",
        "median D_stsp",
        "win %",
        "dmd",
        "sindy",
        "ties share the win",
    ] {
        assert!(
            summary.contains(needle),
            "summary lacks {needle:?}: {summary}"
        );
    }
    let rows = result_rows(&path);
    assert_eq!(rows.len(), 12);
    let mut keys: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r[0].to_string(), r[1].to_string(), r[2].to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 12, "every (system, seed, model) exactly once");
    for system in ["Lorenz", "Rossler", "Thomas"] {
        for seed in ["0", "1"] {
            for model in ["dmd", "sindy"] {
                assert!(
                    keys.contains(&(system.into(), seed.into(), model.into())),
                    "{system} {seed} {model} missing"
                );
            }
        }
    }
    // Every row says how it ended; a failed or diverged row says why.
    for r in &rows {
        let status = &r[4];
        assert!(["ok", "diverged", "failed"].contains(&status), "{r:?}");
        if status != "ok" {
            assert!(!r[22].is_empty(), "no reason: {r:?}");
        }
    }
    // SINDy recovers Lorenz and forecasts for several Lyapunov times; DMD does not.
    let vpt = |model: &str| -> f64 {
        rows.iter()
            .find(|r| &r[0] == "Lorenz" && &r[1] == "0" && &r[2] == model)
            .expect("row")[5]
            .parse()
            .expect("a VPT")
    };
    assert!(vpt("sindy") > 3.0, "{}", vpt("sindy"));
    assert!(vpt("dmd") < 1.0, "{}", vpt("dmd"));

    // A third run has nothing left to do and keeps the file as it is.
    let before = std::fs::read(&path).expect("reads");
    let v = json(
        &[&second[..], &["--json".to_string()]]
            .concat()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(v["new_rows"], 0);
    assert_eq!(v["rows"], 12);
    assert_eq!(std::fs::read(&path).expect("reads"), before);
}

#[test]
fn bench_models_rejects_bad_arguments_clearly() {
    let out = crate::common::tmp("bench-bad.csv").display().to_string();
    let base = ["bench", "--out", out.as_str()];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let fails = |args: Vec<String>, needle: &str| {
        fails_with(&args.iter().map(String::as_str).collect::<Vec<_>>(), needle)
    };
    fails(with(&["--models", "dmd,nosuch"]), "unknown model 'nosuch'");
    fails(
        with(&["--models", "dmd", "--systems", "Lorenzz"]),
        "unknown system 'Lorenzz' in --systems (did you mean",
    );
    fails(
        with(&["--models", "dmd", "--systems", "Lorenz", "--seeds", "0"]),
        "--seeds must be at least 1",
    );
    fails(
        with(&["--models", "dmd", "--systems", "Henon"]),
        "Henon is a map",
    );
    fails(with(&["--systems", "Lorenz"]), "bench needs --models");
    fails_with(
        &["bench", "--models", "dmd", "--systems", "Lorenz"],
        "bench needs --out",
    );
    // A file that is not a results file is left alone.
    let other = crate::common::tmp("not-results.csv");
    std::fs::write(&other, "a,b\n1,2\n").expect("writes");
    fails_with(
        &[
            "bench",
            "--models",
            "dmd",
            "--systems",
            "Lorenz",
            "--out",
            &other.display().to_string(),
        ],
        "is not a results file",
    );
    assert_eq!(
        std::fs::read_to_string(&other).expect("reads"),
        "a,b\n1,2\n"
    );
}
