//! `chaoslab fit --model plrnn` and `chaoslab generate` with a saved PLRNN: the JSON
//! fields of the contract, and a free run from the saved file in original units.

use std::path::Path;

use crate::common::{fails_with, json, tmp};
use serde_json::Value;

/// The path as an argument (test paths are ASCII).
fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// A quick PLRNN fit of Lorenz (3 epochs of 50 steps on short sequences, about a second;
/// it checks the contract, not the quality of the fit) with `extra` options, fixed
/// points, and the model saved to `model`; its JSON report.
fn quick_fit(extra: &[&str], model: &Path) -> Value {
    let quick = [
        "fit",
        "--model",
        "plrnn",
        "--system",
        "Lorenz",
        "--periods",
        "30",
        "--epochs",
        "3",
        "--hidden",
        "16",
        "--seq-len",
        "40",
        "--batch",
        "8",
        "--seed",
        "7",
        "--fixed-points",
        "--json",
        "--save",
    ];
    json(&[&quick[..], &[arg(model)], extra].concat())
}

/// Runs the saved `model` freely for `steps` from (1, 1, 20) into `csv`; its JSON report.
fn generate(model: &Path, steps: &str, csv: &Path) -> Value {
    json(&[
        "generate",
        "--model",
        arg(model),
        "--steps",
        steps,
        "--from",
        "1,1,20",
        "--out",
        arg(csv),
        "--json",
    ])
}

/// The fit's JSON has the contract's fields, and the saved model generates in the data's
/// original units.
#[test]
fn fit_plrnn_reports_the_contract_fields_and_the_saved_model_generates() {
    let model = tmp("plrnn.json");
    let v = quick_fit(&["--gtf-alpha", "0.2"], &model);
    assert_eq!(v["model"], "plrnn");
    assert_eq!(v["epochs"], 3);
    assert_eq!(v["gradient_steps"], 150);
    assert_eq!(v["hidden"], 16);
    assert_eq!(v["latent"], 3);
    // 3 + 2·3·16 + 3 + 16 parameters.
    assert_eq!(v["parameters"], 3 + 2 * 3 * 16 + 3 + 16);
    for key in [
        "steps_per_second",
        "train_seconds",
        "fit_seconds",
        "final_loss",
    ] {
        assert!(
            v[key].as_f64().is_some_and(|x| x > 0.0),
            "{key}: {}",
            v[key]
        );
    }
    // Metrics may be null only if the free run diverged, which the clipped model cannot.
    assert!(
        v["d_stsp"].as_f64().is_some_and(|x| x >= 0.0),
        "{}",
        v["d_stsp"]
    );
    assert!(v["d_h"].as_f64().is_some_and(|x| (0.0..=1.0).contains(&x)));
    assert!(v["max_lyapunov"].as_f64().is_some_and(f64::is_finite));
    assert!(
        v["pe20"].as_f64().is_some_and(|x| x >= 0.0),
        "{}",
        v["pe20"]
    );
    // --gtf-alpha fixes α; the adaptive rule would have moved it.
    assert_eq!(v["alpha"], 0.2);
    // Fixed points in the data's units, each with the spectral radius there.
    let fps = v["fixed_points"].as_array().expect("fixed points listed");
    for fp in fps {
        assert_eq!(fp["state"].as_array().map(Vec::len), Some(3), "{fp}");
        assert!(
            fp["spectral_radius"].as_f64().is_some_and(|r| r >= 0.0),
            "{fp}"
        );
    }

    let csv = tmp("plrnn-run.csv");
    let g = generate(&model, "500", &csv);
    assert_eq!(g["model"], "plrnn");
    assert_eq!(g["samples"], 501);
    let text = std::fs::read_to_string(&csv).expect("written");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|c| c.trim().parse().expect("number"))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 501);
    // The first row is the start state, in the data's original units (t, x, y, z).
    assert_eq!(&rows[0][1..], &[1.0, 1.0, 20.0]);
    // The clipped model stays bounded: the free run keeps within Lorenz's scale.
    assert!(rows.iter().all(|r| r[1..].iter().all(|v| v.abs() < 200.0)));
}

#[test]
fn bad_plrnn_options_are_clear_errors() {
    let lorenz = [
        "fit",
        "--model",
        "plrnn",
        "--system",
        "Lorenz",
        "--periods",
        "10",
    ];
    let two_latents = [&lorenz[..], &["--latent", "2", "--epochs", "1"]].concat();
    fails_with(&two_latents, "at least the data's dimension");
    fails_with(&two_latents, "--readout affine");
    // The same with the identity read-out named explicitly.
    let identity = [&two_latents[..], &["--readout", "identity"]].concat();
    fails_with(&identity, "--readout affine");
}

/// `--readout affine` (x̂ = B z, Hess et al. 2023): the JSON names the read-out, the
/// parameter count includes the 3 × M matrix B, the free-run divergence is finite,
/// fixed points are reported in the data's 3 coordinates, and M = 2 < N = 3 is
/// accepted (dimension reduction) and generates 3-D rows.
#[test]
fn fit_plrnn_with_the_affine_readout() {
    for latent in ["3", "2"] {
        let model = tmp(&format!("plrnn_affine_{latent}.json"));
        let v = quick_fit(&["--readout", "affine", "--latent", latent], &model);
        let m: usize = latent.parse().expect("number");
        assert_eq!(v["readout"], "affine");
        assert_eq!(v["latent"], m);
        // A, W1, W2, h1, h2 and B (3 × M).
        assert_eq!(v["parameters"], m + 2 * m * 16 + m + 16 + 3 * m);
        assert!(
            v["d_stsp"]
                .as_f64()
                .is_some_and(|x| x.is_finite() && x >= 0.0),
            "{}",
            v["d_stsp"]
        );
        // Fixed points are found in latent space and reported as B z* (3 values).
        let fps = v["fixed_points"].as_array().expect("fixed points listed");
        for fp in fps {
            assert_eq!(fp["state"].as_array().map(Vec::len), Some(3), "{fp}");
        }
        let csv = tmp(&format!("plrnn_affine_{latent}.csv"));
        generate(&model, "50", &csv);
        let text = std::fs::read_to_string(&csv).expect("written");
        assert_eq!(text.lines().count(), 52);
        assert!(text.lines().skip(1).all(|l| l.split(',').count() == 4));
    }
}

/// `--fixed-points` belongs to the PLRNN.
#[test]
fn fixed_points_need_the_plrnn() {
    fails_with(
        &[
            "fit",
            "--model",
            "dmd",
            "--system",
            "Lorenz",
            "--periods",
            "5",
            "--fixed-points",
        ],
        "--fixed-points needs --model plrnn",
    );
}

/// `bench plrnn` times gradient steps and writes the batch, parameters and our loss and
/// gradient for the PyTorch peer (`benches/peers/plrnn_torch.py`).
#[test]
fn bench_plrnn_reports_speed_and_writes_the_peer_reference() {
    let reference = tmp("plrnn_reference.json");
    let v = json(&[
        "bench",
        "plrnn",
        "--steps",
        "5",
        "--hidden",
        "10",
        "--json",
        "--out",
        arg(&reference),
    ]);
    assert!(v["steps_per_second"].as_f64().is_some_and(|x| x > 0.0));
    assert_eq!(v["precision"], "f32");
    assert_eq!(v["threads"], 2);
    assert_eq!(v["batch"], 16);
    assert_eq!(v["seq_len"], 200);
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(&reference).expect("written")).expect("JSON");
    let batch = r["batch"].as_array().expect("batch");
    assert_eq!(batch.len(), 16);
    assert_eq!(batch[0].as_array().map(Vec::len), Some(201));
    assert_eq!(r["W1"].as_array().map(Vec::len), Some(30));
    assert_eq!(r["grad"]["W2"].as_array().map(Vec::len), Some(30));
    assert!(r["loss"].as_f64().is_some_and(|x| x > 0.0));
}
