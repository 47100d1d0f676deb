//! Opening the window: `chaoslab gui`, and its unattended runs — `--screenshot` (wait
//! for the jobs, capture the window or one plot, save, close) and `--frame-times`
//! (record frame intervals while the jobs run, print them, close).

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use image::ImageEncoder;

use super::{ChaosApp, QUIET_REPAINT, frame_times, png_export, render_bench};
use crate::app::preset::Preset;
use crate::cli::GuiArgs;

/// The window chaoslab opens (and `--bench-render` times): 1400 × 900 points, drawn by
/// wgpu, titled `title`.
pub(super) fn window_options(title: &str) -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1400.0, 900.0])
            .with_title(title),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    }
}

/// `--screenshot`: wait for jobs and a filled attractor, capture, save, close.
pub(super) struct Screenshot {
    path: PathBuf,
    /// Crop to this plot (by name, as the Export menu lists it).
    plot: Option<String>,
    /// Draw the plot offscreen at this multiple of the window's pixels (1: crop the frame).
    scale: u32,
    frames: u32,
    rx: Option<Receiver<Arc<egui::ColorImage>>>,
    result: Arc<Mutex<Option<anyhow::Result<()>>>>,
}

impl ChaosApp {
    /// Drives `--screenshot`: after jobs finish and a few frames, capture and exit.
    pub(super) fn screenshot_step(&mut self, ctx: &egui::Context) {
        if self.screenshot.is_none() {
            return;
        }
        let busy = self.busy();
        let provenance = self.provenance();
        let Some(shot) = &mut self.screenshot else {
            return;
        };
        shot.frames += 1;
        // While jobs run, repaint as a user's window would (see `QUIET_REPAINT`), so a
        // screenshot run takes as long as the fits do in normal use.
        if busy {
            ctx.request_repaint_after(QUIET_REPAINT);
        } else {
            ctx.request_repaint();
        }
        let ready = shot.rx.is_none() && !busy && shot.frames > 20;
        if ready && shot.scale > 1 {
            let (path, scale, result) = (shot.path.clone(), shot.scale, shot.result.clone());
            let name = shot.plot.clone().unwrap_or_default();
            let saved = self.render_view(ctx, &name, scale).and_then(|image| {
                let (w, h) = (image.width, image.height);
                png_export::write_png_rgba(&path, w, h, &image.into_rgba(), &name, &provenance)
            });
            if let Ok(mut r) = result.lock() {
                *r = Some(saved);
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            // Done: later frames (before the window closes) must not draw it again.
            self.screenshot = None;
            return;
        }
        if ready {
            let (tx, rx) = channel();
            ctx.request_screenshot(move |img| {
                let _ = tx.send(img);
            });
            shot.rx = Some(rx);
        }
        if let Some(rx) = &shot.rx
            && let Ok(img) = rx.try_recv()
        {
            let saved = match &shot.plot {
                None => save_png(&shot.path, &img),
                Some(name) => {
                    png_export::find_plot(&self.plot_rects, name).and_then(|(n, rect)| {
                        png_export::write_png(
                            &shot.path,
                            &png_export::crop(&img, Some(rect), ctx.pixels_per_point()),
                            &n,
                            &provenance,
                        )
                    })
                }
            };
            if let Ok(mut r) = shot.result.lock() {
                *r = Some(saved);
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        if shot.frames > 3_000 {
            if let Ok(mut r) = shot.result.lock() {
                *r = Some(Err(anyhow::anyhow!(
                    "the window did not deliver a screenshot"
                )));
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}

fn save_png(path: &std::path::Path, img: &egui::ColorImage) -> anyhow::Result<()> {
    let [w, h] = img.size;
    let mut bytes = Vec::new();
    let rgba: Vec<u8> = img.pixels.iter().flat_map(|c| c.to_array()).collect();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(&rgba, w as u32, h as u32, image::ExtendedColorType::Rgba8)
        .context("encoding the PNG")?;
    crate::io::write_atomic(path, &bytes)
}

/// Opens the window (and, with `--screenshot`, captures it and exits).
pub fn run(args: GuiArgs) -> anyhow::Result<()> {
    if let Some(points) = args.bench_render {
        return render_bench::run(points, args.json);
    }
    let preset = args.preset.as_deref().map(Preset::load).transpose()?;
    crate::jobs::run_jobs_below_window();
    let result: Arc<Mutex<Option<anyhow::Result<()>>>> = Arc::new(Mutex::new(None));
    let shot = args.screenshot.clone().map(|path| Screenshot {
        path,
        plot: args.plot.clone(),
        scale: args.scale,
        frames: 0,
        rx: None,
        result: result.clone(),
    });
    let options = window_options("chaoslab");
    let mut shot = shot;
    let frame_times: Arc<Mutex<Option<frame_times::FrameTimes>>> = Arc::new(Mutex::new(None));
    let mut recorder = args
        .frame_times
        .then(|| frame_times::FrameRecorder::new(frame_times.clone()));
    eframe::run_native(
        "chaoslab",
        options,
        Box::new(move |cc| {
            let mut app = ChaosApp::new(cc, preset).map_err(|e| e.to_string())?;
            app.screenshot = shot.take();
            app.frame_recorder = recorder.take();
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "could not open the window: {e}. On Linux without a display, run it under xvfb-run"
        )
    })?;
    if args.frame_times {
        let measured = frame_times
            .lock()
            .ok()
            .and_then(|mut r| r.take())
            .context("the window closed before the preset's jobs ran; --frame-times needs a preset that starts jobs (fits, an orbit diagram, characterise)")?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&measured)?);
        } else {
            println!(
                "{} frames while jobs ran ({:.1} s): median {:.1} ms, 95th percentile {:.1} ms, longest {:.1} ms; afterwards, idle: median {:.1} ms{}, {:.1} 3-D views rendered per frame",
                measured.frames,
                measured.busy_seconds,
                measured.median_frame_ms,
                measured.p95_frame_ms,
                measured.max_frame_ms,
                measured.idle_median_frame_ms,
                measured
                    .idle_cpu_ms_per_frame
                    .map(|c| format!(", {c:.1} ms of CPU per frame (all threads)"))
                    .unwrap_or_default(),
                measured.idle_offscreen_passes_per_frame,
            );
        }
        return Ok(());
    }
    let taken = result.lock().ok().and_then(|mut r| r.take());
    match (args.screenshot, taken) {
        (Some(path), None) => anyhow::bail!(
            "the window closed before the screenshot '{}' was taken",
            path.display()
        ),
        (_, Some(r)) => r,
        (None, None) => Ok(()),
    }
}
