//! Pixel snapshots of the whole window on Mesa's software Vulkan (lavapipe), behind the
//! `snapshots` feature: `cargo test --release --features snapshots --test snapshots`.
//! `UPDATE_SNAPSHOTS=1` accepts new images into `tests/snapshots/`.
#![cfg(feature = "snapshots")]

use std::time::{Duration, Instant};

use chaoslab::app::ChaosApp;
use chaoslab::app::bench::FitStatus;
use chaoslab::app::preset::Preset;
use egui_kittest::Harness;

#[test]
fn lorenz_with_a_dmd_fit() {
    let preset_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/lorenz-dmd.json");
    let preset = Preset::load(&preset_path).expect("preset");
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_step_dt(1.0 / 60.0)
        .wgpu()
        .build_eframe(move |cc| {
            let mut app = ChaosApp::new(cc, Some(preset)).expect("app");
            app.live.playing = false; // a still attractor, so the image is reproducible
            app
        });
    let start = Instant::now();
    h.step();
    while h.state().busy() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "fit did not finish"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    // The card prints the wall-clock fit time, which differs on every run: pin it so the
    // image compares equal (every other number on screen is deterministic).
    match &mut h.state_mut().bench.cards[0].status {
        FitStatus::Done(out) => out.fit_seconds = 0.01,
        _ => panic!("the preset's DMD fit did not succeed"),
    }
    h.run_steps(3);
    let image = h.render().expect("renders on lavapipe");
    // The 3-D view is drawn: the centre of the window is not the plain background.
    let centre = image.get_pixel(700, 300);
    assert!(
        image.pixels().filter(|p| p[2] > 150 && p[0] < 150).count() > 500,
        "no attractor pixels; centre {centre:?}"
    );
    h.snapshot("lorenz_dmd");
}
