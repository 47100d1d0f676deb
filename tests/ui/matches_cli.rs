//! "Compare all" in the window and `chaoslab compare` on the same data give the same
//! numbers: every card's defaults are the command line's, and the window scores with
//! the same protocol (K held-out starts, the free run's statistics).

use std::time::Duration;

use chaoslab::app::bench::FitStatus;
use egui_kittest::kittest::Queryable;

use crate::common::{harness, step_until};

/// Periods of data for both (fewer than the window's default 60, to keep the test short;
/// the PLRNN's training time does not depend on it).
const PERIODS: f64 = 40.0;

/// The `compare` families, one per card, as both name them.
const FAMILIES: &str = "dmd,hankel-dmd,edmd,sindy,plrnn,esn,nvar";

/// `a` and `b` agree to 1e-6 relative (the same arithmetic; threads may reorder sums),
/// or are both missing.
fn agree(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-12),
        (None, None) => true,
        _ => false,
    }
}

/// A JSON number, `None` for null or a missing key.
fn number(v: &serde_json::Value, key: &str) -> Option<f64> {
    v.get(key).and_then(serde_json::Value::as_f64)
}

#[test]
fn fit_all_in_the_window_gives_the_numbers_of_chaoslab_compare() {
    let mut h = harness();
    // Paused at its initial condition, the live orbit's state is what the CLI's --ic
    // names exactly.
    {
        let app = h.state_mut();
        app.live.playing = false;
        app.live.reset();
        app.bench.data.periods = PERIODS;
    }
    h.step();
    let x0 = h.state().live.state().to_vec();
    let ic = x0
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(h.state().live.system.name(), "Lorenz");

    h.get_by_label("Compare all").click();
    h.step();
    assert!(
        h.state().views.side_by_side.open,
        "Compare all shows the attractors side by side"
    );
    step_until(&mut h, Duration::from_secs(300), |a| {
        !a.bench
            .cards
            .iter()
            .any(|c| matches!(c.status, FitStatus::Running(_)))
    });

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chaoslab"))
        .args([
            "compare", "--system", "Lorenz", "--models", FAMILIES, "--json",
        ])
        .args(["--ic", &ic, "--periods", &PERIODS.to_string()])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let cli_models = cli["models"].as_array().expect("models");
    assert_eq!(cli_models.len(), 7);

    let cards = &h.state().bench.cards;
    assert_eq!(cards.len(), 7, "one card per family");
    for card in cards {
        let FitStatus::Done(outcome) = &card.status else {
            panic!("{}: the fit did not succeed", card.spec.title());
        };
        let window = &outcome.comparison;
        assert!(
            window.error.is_none() && window.vpt.is_finite() && window.d_stsp.is_some(),
            "{}: {window:?}",
            card.spec.title()
        );
        let family = window.model.replace('_', "-");
        let row = cli_models
            .iter()
            .find(|m| m["model"].as_str().map(|s| s.replace('_', "-")) == Some(family.clone()))
            .unwrap_or_else(|| panic!("compare has no row for {family}"));
        assert_eq!(
            outcome.train_samples,
            cli["train_samples"].as_u64().expect("n") as usize
        );
        let lyap = outcome.lyapunov;
        assert!(
            agree(Some(lyap), number(&cli, "true_max_lyapunov")),
            "λ: window {lyap}, CLI {}",
            cli["true_max_lyapunov"]
        );
        for (name, ours, theirs) in [
            ("VPT", Some(window.vpt), number(row, "vpt_lyapunov_times")),
            ("sMAPE", Some(window.smape), number(row, "smape")),
            ("D_stsp", window.d_stsp, number(row, "d_stsp")),
            ("D_H", window.d_h, number(row, "d_h")),
            ("PE(20)", window.pe20, number(row, "pe20")),
            ("λ_max", window.max_lyapunov, number(row, "max_lyapunov")),
        ] {
            assert!(
                agree(ours, theirs),
                "{family} {name}: window {ours:?}, `chaoslab compare` {theirs:?}"
            );
        }
    }
}
