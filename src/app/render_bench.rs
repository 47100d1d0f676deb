//! `chaoslab gui --bench-render N [--json]`: how fast the 3-D view draws `N` points.
//!
//! Opens a window holding only the attractor view with a Lorenz trail of `N` samples
//! drawn as the live orbit is: a fading trail that grows by [`APPENDED_PER_FRAME`]
//! samples each frame and drops its oldest tenth when full. It repaints continuously for
//! a fixed number of frames (each redraws every point) and prints the median interval
//! between frames and how many vertices were uploaded per frame (the warm-up frames,
//! with the first full upload, are excluded): with the ring buffer that is the appended
//! samples, not the trail. Under `xvfb-run` this measures Mesa's software Vulkan.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;

use crate::integrate::{Simulation, solve};
use crate::jobs::JobContext;
use crate::render::{AttractorView, Curve, Scene};
use crate::systems::Catalog;

/// Frames measured after the warm-up.
pub const FRAMES: usize = 60;
/// Samples the trail grows by each frame (the live orbit adds a few per frame at the
/// default speed; this is generous).
pub const APPENDED_PER_FRAME: usize = 100;
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
    /// Vertices written to the GPU per measured frame (mean).
    pub uploaded_vertices_per_frame: f64,
}

struct BenchApp {
    view: AttractorView,
    /// The trail as drawn: the newest `points` samples of `source`.
    trail: Arc<Vec<[f32; 3]>>,
    points: usize,
    source: Vec<[f32; 3]>,
    appended: usize,
    stamps: Vec<Instant>,
    /// Vertices uploaded so far when the measured frames began.
    uploaded_at_start: u64,
    out: Arc<Mutex<Option<RenderBench>>>,
}

impl eframe::App for BenchApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if self.out.lock().is_ok_and(|o| o.is_some()) {
            return; // measured; the window is closing
        }
        self.stamps.push(Instant::now());
        if self.stamps.len() == WARM_UP + 1 {
            self.uploaded_at_start = crate::render::uploaded_vertices();
        }
        self.grow();
        let scene = Scene {
            curves: vec![Curve {
                points: self.trail.clone(),
                color: [0.35, 0.75, 1.0, 1.0],
                generation: 1,
                appended: self.appended as u64,
                fade: true,
                dots: false,
                colour_by: crate::render::ColourBy::Solid,
                scalars: None,
            }],
        };
        egui::CentralPanel::default().show(ui, |ui| self.view.ui(ui, &scene));
        let measured = self.stamps.len().saturating_sub(WARM_UP + 1);
        if measured >= FRAMES {
            let uploaded = crate::render::uploaded_vertices() - self.uploaded_at_start;
            let mut ms: Vec<f64> = self.stamps[WARM_UP..]
                .windows(2)
                .map(|w| (w[1] - w[0]).as_secs_f64() * 1e3)
                .collect();
            ms.sort_by(f64::total_cmp);
            if let Ok(mut o) = self.out.lock() {
                *o = Some(RenderBench {
                    points: self.points,
                    frames: ms.len(),
                    median_frame_ms: ms[ms.len() / 2],
                    uploaded_vertices_per_frame: uploaded as f64 / FRAMES as f64,
                });
            }
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        ui.ctx().request_repaint();
    }
}

impl BenchApp {
    /// Appends the next samples as the live orbit does: drop the oldest tenth when full.
    fn grow(&mut self) {
        let trail = Arc::make_mut(&mut self.trail);
        for _ in 0..APPENDED_PER_FRAME {
            let Some(&p) = self.source.get(self.appended) else {
                return;
            };
            if trail.len() >= self.points {
                trail.drain(..(self.points / 10).max(1).min(trail.len()));
            }
            trail.push(p);
            self.appended += 1;
        }
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
    // Enough samples for every frame to append new ones.
    let frames = WARM_UP + FRAMES + 2;
    let source = lorenz_points(points + frames * APPENDED_PER_FRAME)?;
    let trail = Arc::new(source[..points].to_vec());
    let out: Arc<Mutex<Option<RenderBench>>> = Arc::new(Mutex::new(None));
    let app_out = out.clone();
    let options = super::launch::window_options("chaoslab render benchmark");
    eframe::run_native(
        "chaoslab-bench-render",
        options,
        Box::new(move |cc| {
            crate::render::install(cc.wgpu_render_state.as_ref());
            Ok(Box::new(BenchApp {
                view: AttractorView::new(1),
                trail,
                points,
                source,
                appended: points,
                stamps: Vec::new(),
                uploaded_at_start: 0,
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
            "{} points, {} frames: median frame {:.2} ms, {:.0} vertices uploaded per frame",
            result.points,
            result.frames,
            result.median_frame_ms,
            result.uploaded_vertices_per_frame
        );
    }
    Ok(())
}
