//! `chaoslab gui --bench-render N [--json]`: how fast the 3-D view draws `N` points.
//!
//! Opens a window holding only the attractor view with one long Lorenz trajectory of `N`
//! samples (a fading trail, as the live orbit is drawn), repaints continuously for a
//! fixed number of frames (each redraws every point), and prints the median interval
//! between frames (the warm-up frames, with the vertex upload, are excluded). Under `xvfb-run` this
//! measures Mesa's software Vulkan.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;

use crate::integrate::{Simulation, solve};
use crate::jobs::JobContext;
use crate::render::{AttractorView, Curve, Scene};
use crate::systems::Catalog;

/// Frames measured after the warm-up.
pub const FRAMES: usize = 60;
/// Frames drawn before measuring (the vertex upload happens in the first).
const WARM_UP: usize = 5;

/// The measurement.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RenderBench {
    /// Points drawn.
    pub points: usize,
    /// Frames measured.
    pub frames: usize,
    /// Median frame interval, milliseconds.
    pub median_frame_ms: f64,
}

struct BenchApp {
    view: AttractorView,
    scene: Scene,
    stamps: Vec<Instant>,
    out: Arc<Mutex<Option<RenderBench>>>,
}

impl eframe::App for BenchApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if self.out.lock().is_ok_and(|o| o.is_some()) {
            return; // measured; the window is closing
        }
        self.stamps.push(Instant::now());
        egui::CentralPanel::default().show(ui, |ui| self.view.ui(ui, &self.scene));
        let measured = self.stamps.len().saturating_sub(WARM_UP + 1);
        if measured >= FRAMES {
            let mut ms: Vec<f64> = self.stamps[WARM_UP..]
                .windows(2)
                .map(|w| (w[1] - w[0]).as_secs_f64() * 1e3)
                .collect();
            ms.sort_by(f64::total_cmp);
            let points = self.scene.curves.first().map_or(0, |c| c.points.len());
            if let Ok(mut o) = self.out.lock() {
                *o = Some(RenderBench {
                    points,
                    frames: ms.len(),
                    median_frame_ms: ms[ms.len() / 2],
                });
            }
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        ui.ctx().request_repaint();
    }
}

/// `N` samples of the Lorenz attractor as points of the 3-D view.
pub fn lorenz_points(n: usize) -> anyhow::Result<Vec<[f32; 3]>> {
    let system = Catalog::builtin().system("Lorenz")?;
    let sim = Simulation::for_system(&system, n.max(2) as f64 / 100.0);
    let (traj, _) = solve(&system, &sim, &JobContext::detached())
        .context("integrating the Lorenz trajectory to draw")?;
    let mut points = super::fit_job::points_3d(traj.samples(), traj.dim());
    points.truncate(n);
    Ok(points)
}

/// Runs the benchmark window and prints the measurement (text, or JSON with `json`).
pub fn run(points: usize, json: bool) -> anyhow::Result<()> {
    if points == 0 {
        anyhow::bail!("--bench-render needs at least one point (try 100000)");
    }
    let curve = Curve {
        points: Arc::new(lorenz_points(points)?),
        color: [0.35, 0.75, 1.0, 1.0],
        generation: 1,
        fade: true,
        dots: false,
        colour_by: crate::render::ColourBy::Solid,
        scalars: None,
    };
    let out: Arc<Mutex<Option<RenderBench>>> = Arc::new(Mutex::new(None));
    let app_out = out.clone();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1400.0, 900.0])
            .with_title("chaoslab render benchmark"),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    eframe::run_native(
        "chaoslab-bench-render",
        options,
        Box::new(move |cc| {
            crate::render::install(cc.wgpu_render_state.as_ref());
            Ok(Box::new(BenchApp {
                view: AttractorView::new(1),
                scene: Scene {
                    curves: vec![curve],
                },
                stamps: Vec::new(),
                out: app_out,
            }))
        }),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "could not open the window: {e}. On Linux without a display, run it under xvfb-run"
        )
    })?;
    let result = out
        .lock()
        .ok()
        .and_then(|mut o| o.take())
        .context("the window closed before the benchmark finished")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "{} points, {} frames: median frame {:.2} ms",
            result.points, result.frames, result.median_frame_ms
        );
    }
    Ok(())
}
