//! Window behaviour through egui_kittest: the app opens with Lorenz running, a DMD fit
//! started from the card finishes and its result appears, a running fit can be cancelled.
//! These run without a GPU (no wgpu renderer: the 3-D view shows its text note).

use std::time::{Duration, Instant};

use chaoslab::app::ChaosApp;
use chaoslab::app::bench::FitStatus;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness() -> Harness<'static, ChaosApp> {
    let app = ChaosApp::headless(None).expect("default app");
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_step_dt(1.0 / 60.0)
        .build_ui_state(|ui, app: &mut ChaosApp| app.frame(ui), app)
}

/// Steps the UI until `done` holds or `timeout` passes.
fn step_until(h: &mut Harness<'_, ChaosApp>, timeout: Duration, done: impl Fn(&ChaosApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(start.elapsed() < timeout, "timed out");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn opens_with_lorenz_running() {
    let mut h = harness();
    h.run_steps(30);
    assert_eq!(h.state().live.system.name(), "Lorenz");
    assert!(h.state().live.playing);
    assert!(
        h.state().live.time() > 0.0,
        "the attractor integrates while the window is open"
    );
    h.get_by_label("Fit DMD");
    h.get_by_label("Pause");
}

#[test]
fn fit_dmd_from_the_card_shows_the_result() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Fit DMD").click();
    h.step();
    assert!(matches!(
        h.state().bench.cards[0].status,
        FitStatus::Running(_)
    ));
    step_until(&mut h, Duration::from_secs(60), |a| {
        !matches!(a.bench.cards[0].status, FitStatus::Running(_))
    });
    let FitStatus::Done(out) = &h.state().bench.cards[0].status else {
        panic!("fit did not succeed")
    };
    let spec = out.model.spectrum().expect("DMD has eigenvalues");
    assert_eq!(spec.eigenvalues.len(), 3);
    assert!(
        out.lyapunov > 0.7 && out.lyapunov < 1.1,
        "λ = {}",
        out.lyapunov
    );
    h.run_steps(2);
    // The card shows the valid prediction time.
    let vpt_label = format!("VPT = {:.2} Lyapunov times", out_vpt(&h));
    h.get_by_label(&vpt_label);
}

fn out_vpt(h: &Harness<'_, ChaosApp>) -> f64 {
    match &h.state().bench.cards[0].status {
        FitStatus::Done(o) => o.held_out.score.vpt,
        _ => f64::NAN,
    }
}

#[test]
fn a_running_fit_can_be_cancelled() {
    let mut h = harness();
    // A long fit (many periods) so it is still running when Cancel is pressed.
    h.state_mut().bench.data.periods = 1000.0;
    h.run_steps(2);
    h.get_by_label("Fit DMD").click();
    h.step();
    assert!(matches!(
        h.state().bench.cards[0].status,
        FitStatus::Running(_)
    ));
    h.step(); // the card draws its Cancel button once it knows the fit runs
    h.get_by_label("Cancel DMD").click();
    h.step();
    assert!(matches!(
        h.state().bench.cards[0].status,
        FitStatus::Cancelled
    ));
    h.run_steps(2);
    h.get_by_label("cancelled");
    assert!(!h.state().busy());
}

#[test]
fn a_parameter_slider_changes_the_running_system() {
    let mut h = harness();
    h.run_steps(2);
    h.state_mut()
        .live
        .system
        .set_param("rho", 10.0)
        .expect("rho");
    h.state_mut().live.parameters_changed();
    h.run_steps(5);
    assert_eq!(h.state().live.system.params()[1], 10.0);
}
