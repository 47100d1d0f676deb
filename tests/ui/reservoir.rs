//! The reservoir-computer cards in the window (egui_kittest, no GPU): the ESN card's
//! hyperparameters reach the fit, the background job finishes and the card shows the
//! read-out's training error; the NVAR card fits with its delays.

use std::time::Duration;

use chaoslab::app::ChaosApp;
use chaoslab::app::bench::FitStatus;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use crate::common::{harness_of_height, replace_text, step_until};

/// A window tall enough that the reservoir cards, last in the scrolled list, are on
/// screen.
const TALL: f32 = 3200.0;

fn card_index(app: &ChaosApp, title: &str) -> usize {
    app.bench
        .cards
        .iter()
        .position(|c| c.spec.title() == title)
        .expect("card listed")
}

fn fit_and_wait(h: &mut Harness<'_, ChaosApp>, title: &str) -> usize {
    let k = card_index(h.state(), title);
    h.get_by_label(&format!("Fit {title}")).click();
    h.step();
    assert!(matches!(
        h.state().bench.cards[k].status,
        FitStatus::Running(_)
    ));
    step_until(h, Duration::from_secs(120), |a| {
        !matches!(a.bench.cards[k].status, FitStatus::Running(_))
    });
    k
}

#[test]
fn esn_card_settings_reach_the_fit_and_the_result_shows() {
    let mut h = harness_of_height(TALL);
    h.run_steps(2);
    replace_text(&mut h, "reservoir N", "120");
    replace_text(&mut h, "reservoir seed", "4");
    h.run_steps(2);
    let k = fit_and_wait(&mut h, "ESN");
    let FitStatus::Done(out) = &h.state().bench.cards[k].status else {
        panic!("fit did not succeed")
    };
    assert_eq!(out.model.family(), "esn");
    let report = out.model.report();
    assert_eq!(report["hyperparameters"]["reservoir"], 120);
    assert_eq!(report["hyperparameters"]["seed"], 4);
    assert!(out.comparison.vpt > 1.0, "VPT {}", out.comparison.vpt);
    h.run_steps(3);
    let shown = h
        .query_all_by_label_contains("read-out training RMSE")
        .count();
    assert_eq!(shown, 1, "the card shows the read-out's training error");
}

#[test]
fn nvar_card_fits_with_its_delays() {
    let mut h = harness_of_height(TALL);
    h.run_steps(2);
    replace_text(&mut h, "delays k", "2");
    h.run_steps(2);
    let k = fit_and_wait(&mut h, "NVAR");
    let FitStatus::Done(out) = &h.state().bench.cards[k].status else {
        panic!("fit did not succeed")
    };
    assert_eq!(out.model.report()["hyperparameters"]["delays"], 2);
    assert!(out.comparison.vpt > 1.0, "VPT {}", out.comparison.vpt);
}
