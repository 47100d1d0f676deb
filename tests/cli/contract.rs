//! The command-line contract (PRODUCT.md): JSON fields, numbers against known values,
//! and clear errors with a non-zero exit for bad input.

use crate::common::{fails_with, json, tmp};

#[test]
fn lyapunov_of_lorenz_matches_the_literature() {
    let v = json(&[
        "lyapunov",
        "--system",
        "Lorenz",
        "--param",
        "beta=2.6666666666666665",
        "--json",
    ]);
    let ex: Vec<f64> = serde_json::from_value(v["exponents"].clone()).expect("array");
    assert_eq!(ex.len(), 3);
    assert!((ex[0] - 0.906).abs() < 0.02, "{ex:?}");
    let exact = -(10.0 + 1.0 + 8.0 / 3.0);
    assert!((v["sum"].as_f64().expect("sum") / exact - 1.0).abs() < 0.01);
    for key in ["kaplan_yorke", "mean_divergence", "elapsed_s"] {
        assert!(v[key].is_number(), "{key}");
    }
}

#[test]
fn fit_dmd_reports_eigenvalues_residuals_and_continuous_eigenvalues() {
    let v = json(&["fit", "--model", "dmd", "--system", "Lorenz", "--json"]);
    assert_eq!(v["model"], "dmd");
    assert!(v["fit_seconds"].as_f64().expect("number") >= 0.0);
    let eig = v["eigenvalues"].as_array().expect("array");
    assert_eq!(eig.len(), 3);
    assert_eq!(eig[0].as_array().expect("[re, im]").len(), 2);
    assert_eq!(v["residuals"].as_array().expect("array").len(), 3);
    assert_eq!(
        v["continuous_eigenvalues"].as_array().expect("array").len(),
        3
    );
    // DMD cannot follow Lorenz for long: well under ten Lyapunov times.
    let vpt = v["vpt_lyapunov_times"].as_f64().expect("number");
    assert!((0.0..10.0).contains(&vpt), "{vpt}");
    assert!((v["true_max_lyapunov"].as_f64().expect("number") - 0.906).abs() < 0.05);
}

#[test]
fn simulate_writes_csv_with_the_contract_header() {
    let path = tmp("lorenz.csv");
    let v = json(&[
        "simulate",
        "--system",
        "Lorenz",
        "--periods",
        "3",
        "--out",
        path.to_str().expect("utf8"),
        "--json",
    ]);
    assert_eq!(v["samples"], 301);
    assert!((v["dt"].as_f64().expect("dt") - 0.015008).abs() < 1e-9);
    assert!(v["elapsed_s"].is_number());
    let text = std::fs::read_to_string(&path).expect("written");
    assert_eq!(text.lines().next(), Some("t,x,y,z"));
    assert_eq!(text.lines().count(), 302);
}

#[test]
fn rhs_matches_the_equations() {
    let v = json(&["rhs", "--system", "Lorenz", "--state", "1,2,3", "--json"]);
    let r: Vec<f64> = serde_json::from_value(v["rhs"].clone()).expect("array");
    // sigma (y − x), x (rho − z) − y, x y − beta z with beta = 2.667.
    assert_eq!(r, vec![10.0, 23.0, 2.0 - 2.667 * 3.0]);
    let v = json(&["rhs", "--system", "Henon", "--state", "0.5,0.1", "--json"]);
    let r: Vec<f64> = serde_json::from_value(v["rhs"].clone()).expect("array");
    assert!((r[0] - (1.0 - 1.4 * 0.25 + 0.1)).abs() < 1e-15 && (r[1] - 0.15).abs() < 1e-15);
}

#[test]
fn list_names_every_system_with_its_kind_and_dimension() {
    let v = json(&["list", "--json"]);
    let systems = v["systems"].as_array().expect("array");
    let lorenz = systems
        .iter()
        .find(|s| s["name"] == "Lorenz")
        .expect("Lorenz listed");
    assert_eq!(lorenz["kind"], "flow");
    assert_eq!(lorenz["dimension"], 3);
    assert!(
        lorenz["citation"]
            .as_str()
            .expect("text")
            .contains("Lorenz")
    );
    let henon = systems
        .iter()
        .find(|s| s["name"] == "Henon")
        .expect("Henon listed");
    assert_eq!(henon["kind"], "map");
}

#[test]
fn a_saved_model_generates_a_free_run() {
    let model = tmp("dmd.json");
    let out = tmp("generate-run.csv");
    json(&[
        "fit",
        "--model",
        "dmd",
        "--system",
        "Rossler",
        "--periods",
        "20",
        "--save",
        model.to_str().expect("utf8"),
        "--json",
    ]);
    let v = json(&[
        "generate",
        "--model",
        model.to_str().expect("utf8"),
        "--steps",
        "100",
        "--out",
        out.to_str().expect("utf8"),
        "--json",
    ]);
    assert_eq!(v["samples"], 101);
    let text = std::fs::read_to_string(&out).expect("written");
    assert_eq!(text.lines().next(), Some("t,x,y,z"));
    assert_eq!(text.lines().count(), 102);
}

#[test]
fn unknown_system_lists_close_matches() {
    fails_with(&["simulate", "--system", "Lorenzz"], "did you mean Lorenz");
}

#[test]
fn wrong_initial_condition_names_the_dimension() {
    fails_with(
        &["simulate", "--system", "Lorenz", "--ic", "1,2"],
        "2 values, Lorenz has 3 states",
    );
}

#[test]
fn blow_up_names_the_time() {
    // A softening cubic spring (alpha < 0) sends the Duffing orbit to infinity in finite time.
    fails_with(
        &[
            "simulate", "--system", "Duffing", "--param", "alpha=-2", "--ic", "2,0,0",
        ],
        "blew up at t =",
    );
    fails_with(
        &["simulate", "--system", "Henon", "--param", "a=3"],
        "blew up at t =",
    );
}

#[test]
fn bad_numbers_and_files_are_explained() {
    fails_with(
        &["simulate", "--system", "Lorenz", "--param", "rho=abc"],
        "'abc' is not a number",
    );
    fails_with(
        &["simulate", "--system", "Lorenz", "--param", "r=3"],
        "beta, rho, sigma",
    );
    fails_with(
        &["fit", "--model", "dmd", "--data", "/nonexistent/data.csv"],
        "could not read",
    );
    fails_with(
        &[
            "generate",
            "--model",
            "/nonexistent/m.json",
            "--steps",
            "3",
            "--out",
            "x.csv",
        ],
        "could not read the model file",
    );
}

#[test]
fn compare_reports_every_model_with_the_contract_fields() {
    let v = json(&[
        "compare",
        "--system",
        "Lorenz",
        "--models",
        "dmd",
        "--periods",
        "60",
        "--starts",
        "5",
        "--json",
    ]);
    let models = v["models"].as_array().expect("array");
    assert_eq!(models.len(), 1);
    let dmd = &models[0];
    assert_eq!(dmd["model"], "dmd");
    assert!(dmd["error"].is_null());
    for key in ["vpt_lyapunov_times", "smape", "fit_seconds"] {
        assert!(dmd[key].is_number(), "{key}: {}", dmd[key]);
    }
    // A linear model of Lorenz fails within one Lyapunov time.
    assert!(dmd["vpt_lyapunov_times"].as_f64().expect("number") < 1.0);
    assert!((v["true_max_lyapunov"].as_f64().expect("number") - 0.906).abs() < 0.05);
    fails_with(
        &["compare", "--system", "Lorenz", "--models", "dmd,nosuch"],
        "unknown model 'nosuch'",
    );
}

#[test]
fn uneven_time_stamps_are_refused_or_resampled_on_request() {
    // Lorenz sampled at dt = 0.01, then every fifth row dropped: the gaps alternate
    // between 0.01 and 0.02. Resampled by the cubic spline, DMD must find the same
    // eigenvalues as on the complete file.
    let full = tmp("lorenz-full.csv");
    json(&[
        "simulate",
        "--system",
        "Lorenz",
        "--periods",
        "40",
        "--dt",
        "0.01",
        "--out",
        full.to_str().expect("utf8"),
        "--json",
    ]);
    let text = std::fs::read_to_string(&full).expect("written");
    let mut lines = text.lines();
    let mut uneven = vec![lines.next().expect("header").to_string()];
    let rows: Vec<&str> = lines.collect();
    for (k, row) in rows.iter().enumerate() {
        if k % 5 != 3 || k + 1 == rows.len() {
            uneven.push(row.to_string());
        }
    }
    let dropped = tmp("lorenz-uneven.csv");
    std::fs::write(&dropped, uneven.join("\n")).expect("write");
    let dropped = dropped.to_str().expect("utf8");
    fails_with(
        &["fit", "--model", "dmd", "--data", dropped],
        "--resample linear|cubic",
    );
    let fit = |path: &str, extra: &[&str]| {
        let mut args = vec!["fit", "--model", "dmd", "--data", path, "--json"];
        args.extend_from_slice(extra);
        let v = json(&args);
        v["eigenvalues"]
            .as_array()
            .expect("eigenvalues")
            .iter()
            .map(|e| [e[0].as_f64().expect("re"), e[1].as_f64().expect("im")])
            .collect::<Vec<_>>()
    };
    let truth = fit(full.to_str().expect("utf8"), &[]);
    let resampled = fit(dropped, &["--resample", "cubic", "--data-dt", "0.01"]);
    assert_eq!(truth.len(), resampled.len());
    for l in &truth {
        let nearest = resampled
            .iter()
            .map(|r| (r[0] - l[0]).hypot(r[1] - l[1]))
            .fold(f64::INFINITY, f64::min);
        assert!(nearest < 1e-4, "{l:?} vs {resampled:?}");
    }
    fails_with(
        &[
            "fit",
            "--model",
            "dmd",
            "--data",
            dropped,
            "--resample",
            "quadratic",
        ],
        "use 'linear' or 'cubic'",
    );
}

#[test]
fn degenerate_and_huge_data_files_are_explained() {
    let one = tmp("one-row.csv");
    std::fs::write(&one, "t,x\n0,1\n").expect("write");
    fails_with(
        &[
            "fit",
            "--model",
            "dmd",
            "--data",
            one.to_str().expect("utf8"),
        ],
        "at least 2 rows",
    );
    let constant = tmp("constant-column.csv");
    let rows: String = (0..2000)
        .map(|k| {
            let t = k as f64 * 0.01;
            format!("{t},{},{},5.0\n", t.sin(), t.cos())
        })
        .collect();
    std::fs::write(&constant, format!("t,x,y,c\n{rows}")).expect("write");
    fails_with(
        &[
            "fit",
            "--model",
            "sindy",
            "--data",
            constant.to_str().expect("utf8"),
        ],
        "state 'c' is constant",
    );
    // 3 GB without using the disk: a sparse file.
    let huge = tmp("huge.csv");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(3_000_000_000))
        .expect("sparse file");
    fails_with(
        &[
            "fit",
            "--model",
            "dmd",
            "--data",
            huge.to_str().expect("utf8"),
        ],
        "3.0 GB",
    );
    std::fs::remove_file(&huge).expect("remove");
}
