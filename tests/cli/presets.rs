//! `chaoslab preset run`: every shipped preset runs headless through the CLI (`--quick`:
//! training epochs and averaging spans scaled down, and labelled so), and its summary
//! holds what the preset asked for.

use std::path::Path;

use crate::common::{chaoslab, fails_with, json, tmp};
use serde_json::Value;

fn presets() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("presets folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().is_some_and(|n| n != "systems.json")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_preset_runs_headless() {
    let files = presets();
    assert!(files.len() >= 9, "{files:?}");
    for path in files {
        let shown = path.display().to_string();
        let preset: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        let out = json(&["preset", "run", &shown, "--quick", "--json"]);
        assert_eq!(out["quick"], true, "{shown}");
        assert_eq!(out["title"], preset["title"], "{shown}");
        let asked: Vec<&str> = preset["fit"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let models = out["models"].as_array().expect("models");
        let got: Vec<&str> = models.iter().filter_map(|m| m["model"].as_str()).collect();
        assert_eq!(got, asked, "{shown}: one summary per fitted card");
        for m in models {
            assert_eq!(m["status"], "done", "{shown}: {m}");
            let vpt = m["vpt"].as_f64().expect("vpt");
            assert!(vpt.is_finite() && vpt >= 0.0, "{shown}: {m}");
            assert!(m["fit_seconds"].as_f64().expect("fit time") >= 0.0);
        }
        assert_eq!(
            out["characterise"].is_object(),
            preset["characterise"] == true,
            "{shown}"
        );
        assert_eq!(
            out["separation_samples"].as_u64().expect("count") > 0,
            preset["perturb"] == true,
            "{shown}: the ensemble runs exactly when asked"
        );
    }
}

#[test]
fn the_recording_preset_fits_its_bundled_noisy_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/rossler-recording.json");
    let out = json(&["preset", "run", path.to_str().expect("utf8"), "--json"]);
    assert!(
        out["dataset"]
            .as_str()
            .is_some_and(|d| d.ends_with("rossler-recording.csv")),
        "{out}"
    );
    let sindy = &out["models"][0];
    assert_eq!(sindy["model"], "SINDy");
    // Rössler (a = b = 0.2, c = 5.7): the seven terms, coefficients within 10 %, from
    // uneven, noisy samples resampled by the cubic spline.
    let eq: Vec<&str> = sindy["equations"]
        .as_array()
        .expect("equations")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let truth: [&[(&str, f64)]; 3] = [
        &[("y", -1.0), ("z", -1.0)],
        &[("x", 1.0), ("y", 0.2)],
        &[("1", 0.2), ("z", -5.7), ("x z", 1.0)],
    ];
    for (line, terms) in eq.iter().zip(truth) {
        let rhs = line.split('=').nth(1).expect("an equation");
        let found: Vec<(String, f64)> = rhs
            .split(" + ")
            .map(|t| {
                let t = t.trim();
                let (c, name) = t.split_once(' ').expect("coefficient and term");
                (name.to_string(), c.parse().expect("number"))
            })
            .collect();
        assert_eq!(found.len(), terms.len(), "{line}");
        for (name, c) in terms {
            let got = found
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{line} lacks {name}"));
            assert!((got.1 / c - 1.0).abs() < 0.1, "{line}: {name}");
        }
    }
    // DMD, a linear model, cannot forecast the folded orbit as far as SINDy.
    let dmd = &out["models"][1];
    assert!(dmd["vpt"].as_f64() < sindy["vpt"].as_f64(), "{out}");
}

#[test]
fn preset_results_match_known_values() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    let p = |name: &str| dir.join(name).display().to_string();
    // Lorenz's spectrum (0.906, 0, −14.57) and Kaplan–Yorke dimension 2.06 (Sprott,
    // Chaos and Time-Series Analysis, table 4.1), even from the quick span.
    let out = json(&[
        "preset",
        "run",
        &p("lorenz-characterise.json"),
        "--quick",
        "--json",
    ]);
    let c = &out["characterise"];
    let l: Vec<f64> = serde_json::from_value(c["exponents"].clone()).expect("exponents");
    assert!((l[0] - 0.906).abs() < 0.1, "{l:?}");
    assert!(l[1].abs() < 0.05, "{l:?}");
    assert!((l[2] + 14.57).abs() < 0.3, "{l:?}");
    assert!((c["kaplan_yorke"].as_f64().expect("D_KY") - 2.06).abs() < 0.03);
    // SINDy recovers Lorenz's equations, so its forecast outlives DMD's linear one.
    let out = json(&["preset", "run", &p("lorenz-sindy.json"), "--json"]);
    assert_eq!(out["quick"], false);
    let vpt = |k: usize| out["models"][k]["vpt"].as_f64().expect("vpt");
    assert_eq!(out["models"][0]["model"], "SINDy");
    assert!(vpt(0) > 2.0 && vpt(0) > 10.0 * vpt(1), "{out}");
    assert_eq!(out["models"][0]["vpt_unit"], "lyapunov_times");
}

#[test]
fn quick_runs_say_so_and_scale_epochs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    let plrnn = dir.join("lorenz-plrnn.json").display().to_string();
    let out = chaoslab()
        .args(["preset", "run", &plrnn, "--quick"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("QUICK RUN"), "{text}");
    // The card's default epochs ÷ 20.
    let quick = chaoslab::models::plrnn::DEFAULT_EPOCHS / 20;
    assert!(text.contains(&format!("({quick} epochs)")), "{text}");
    assert!(text.contains("PLRNN") && text.contains("VPT"), "{text}");
}

#[test]
fn bad_preset_files_get_a_message() {
    fails_with(
        &["preset", "run", "no-such-preset.json"],
        "could not read the preset",
    );
    let model = tmp("not-a-preset.json");
    std::fs::write(&model, r#"{"format": "chaoslab-session", "version": 1}"#).expect("write");
    fails_with(
        &["preset", "run", &model.display().to_string()],
        "not a valid preset",
    );
    let bad_fit = tmp("bad-fit.json");
    std::fs::write(
        &bad_fit,
        r#"{"format": "chaoslab-preset", "version": 1, "title": "t", "description": "d",
            "system": "Lorenz", "fit": ["LSTM"]}"#,
    )
    .expect("write");
    fails_with(
        &["preset", "run", &bad_fit.display().to_string()],
        "which has no model card",
    );
}
