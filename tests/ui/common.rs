//! Helpers shared by the window's test modules: the headless app in a harness, stepping
//! until a condition holds, and typing over a text field.

use std::time::{Duration, Instant};

use chaoslab::app::ChaosApp;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The app in a 1400 × 900-point window.
pub fn harness() -> Harness<'static, ChaosApp> {
    harness_of_height(900.0)
}

/// The app in a 1400-point-wide window of `height` points (tall enough to show every
/// card at 3000; clicks outside the visible part of a scroll area do nothing).
pub fn harness_of_height(height: f32) -> Harness<'static, ChaosApp> {
    let app = ChaosApp::headless(None).expect("default app");
    Harness::builder()
        .with_size(egui::vec2(1400.0, height))
        .with_step_dt(1.0 / 60.0)
        .build_ui_state(|ui, app: &mut ChaosApp| app.frame(ui), app)
}

/// Steps the UI until `done` holds or `timeout` passes.
pub fn step_until(
    h: &mut Harness<'_, ChaosApp>,
    timeout: Duration,
    done: impl Fn(&ChaosApp) -> bool,
) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(start.elapsed() < timeout, "timed out");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Selects everything in the text field labelled `label` and types `text` over it.
pub fn replace_text(h: &mut Harness<'_, ChaosApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
}
