//! The orbit-diagram window: a parameter, its range, the number of values and the
//! recorded coordinate; the diagram ([`crate::eval::orbit_diagram`]) runs as a
//! background job and its columns are drawn as they arrive; Cancel stops it.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use egui::{Color32, ColorImage};
use egui_plot::{PlotImage, PlotPoint};

use super::orbit_density::{OrbitDensity, PlaneRect, drawn_rect};

use crate::eval::orbit_diagram::{OrbitColumn, OrbitDiagramOptions, orbit_diagram};
use crate::jobs::{Job, JobState, Waker};
use crate::systems::{Kind, System};

/// Columns drained from the worker per frame (a burst never stalls a frame).
const COLUMNS_PER_FRAME: usize = 200;

/// Where the computation stands.
#[derive(Clone, Debug, PartialEq)]
pub enum OrbitStatus {
    /// Nothing computed yet.
    Idle,
    /// Running: fraction done and a message.
    Running(f32, String),
    /// Finished.
    Done,
    /// Cancelled by the user.
    Cancelled,
    /// Failed, with the reason.
    Failed(String),
}

/// State of the orbit-diagram window.
pub struct OrbitDiagramView {
    /// Window shown.
    pub open: bool,
    /// Where the window was drawn last frame (`None` while closed), for PNG export.
    pub rect: Option<egui::Rect>,
    /// The settings (filled from the live system when it changes).
    pub options: Option<OrbitDiagramOptions>,
    /// Where it stands.
    pub status: OrbitStatus,
    /// `(parameter, value)` points received so far.
    pub points: Vec<[f64; 2]>,
    /// Columns received so far.
    pub columns: usize,
    /// Which system the settings are for.
    system: String,
    job: Option<Job<()>>,
    rx: Option<Receiver<OrbitColumn>>,
    run_requested: Option<RunRequest>,
    /// The points' extent, padded so new points rarely force a rebinning.
    extent: Option<PlaneRect>,
    /// The running diagram's parameter range and number of values.
    run_range: [f64; 2],
    run_values: usize,
    density: OrbitDensity,
    /// The density image, rebuilt when its counts change, and its generation.
    image: Option<Arc<ColorImage>>,
    image_generation: u64,
    /// Names the image's texture in our renderer ([`crate::render::image_shape`]).
    image_key: u64,
    /// The egui texture where our image pipeline is unavailable, and the image
    /// generation it holds.
    texture: Option<egui::TextureHandle>,
    texture_generation: u64,
}

/// A run asked for from outside the window (a preset): optionally another parameter
/// and range than the current settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunRequest {
    /// The parameter to vary, by name.
    pub parameter: Option<String>,
    /// Its range.
    pub range: Option<[f64; 2]>,
}

impl Default for OrbitDiagramView {
    fn default() -> Self {
        OrbitDiagramView {
            open: false,
            rect: None,
            options: None,
            status: OrbitStatus::Idle,
            points: Vec::new(),
            columns: 0,
            system: String::new(),
            job: None,
            rx: None,
            run_requested: None,
            extent: None,
            run_range: [0.0, 1.0],
            run_values: 2,
            density: OrbitDensity::default(),
            image: None,
            image_generation: 0,
            image_key: crate::render::new_image_key(),
            texture: None,
            texture_generation: 0,
        }
    }
}

impl OrbitDiagramView {
    /// True while the job runs.
    pub fn busy(&self) -> bool {
        matches!(self.status, OrbitStatus::Running(..)) || self.run_requested.is_some()
    }

    /// Starts a run on the next frame, optionally over another parameter or range.
    pub fn request_run(&mut self, request: RunRequest) {
        self.run_requested = Some(request);
    }

    /// Starts the diagram for `system` from `x0` (cancelling a running one).
    pub fn start(&mut self, system: &System, x0: &[f64], waker: Option<Waker>) {
        self.cancel();
        let Some(options) = self.options.clone() else {
            return;
        };
        let options = OrbitDiagramOptions {
            initial_condition: Some(x0.to_vec()),
            ..options
        };
        self.run_range = [options.range.0, options.range.1];
        self.run_values = options.values;
        let (tx, rx) = channel();
        let system = system.clone();
        self.job = Some(Job::spawn("Orbit diagram", waker, move |job| {
            orbit_diagram(&system, &options, job, &|c| {
                // The window may have dropped the receiver (a new run); nothing to do.
                let _ = tx.send(c.clone());
            })
            .map(|_| ())
            .map_err(|e| e.to_string())
        }));
        self.rx = Some(rx);
        self.points.clear();
        self.extent = None;

        self.columns = 0;
        self.status = OrbitStatus::Running(0.0, "starting".into());
    }

    /// Stops a running diagram (the points so far stay).
    pub fn cancel(&mut self) {
        if let Some(job) = &mut self.job {
            job.cancel();
            self.status = OrbitStatus::Cancelled;
        }
        self.job = None;
        self.rx = None;
    }

    fn poll(&mut self) {
        let mut drained = 0;
        if let Some(rx) = &self.rx {
            for c in rx.try_iter().take(COLUMNS_PER_FRAME) {
                drained += 1;
                for &v in &c.values {
                    self.points.push([c.parameter, v]);
                    self.extent = grow_extent(
                        self.extent,
                        self.run_range,
                        self.run_values,
                        [c.parameter, v],
                    );
                }
                self.columns += 1;
            }
        }
        let Some(job) = &mut self.job else {
            return;
        };
        match job.poll() {
            JobState::Running(p) => self.status = OrbitStatus::Running(p.fraction, p.message),
            JobState::Done(()) | JobState::Taken => {
                // Every column was sent before the result; finish once they are all in.
                if drained == COLUMNS_PER_FRAME {
                    return;
                }
                self.status = OrbitStatus::Done;
                self.job = None;
            }
            JobState::Failed(e) => {
                self.status = OrbitStatus::Failed(e);
                self.job = None;
            }
            JobState::Cancelled => {
                self.status = OrbitStatus::Cancelled;
                self.job = None;
            }
        }
    }

    /// Runs a requested start, drains the worker and draws the window.
    pub fn show(&mut self, ctx: &egui::Context, system: &System, x0: &[f64], waker: Option<Waker>) {
        if self.system != system.name() || self.options.is_none() {
            self.options = Some(OrbitDiagramOptions::for_system(system));
            self.system = system.name().to_string();
        }
        if let Some(request) = self.run_requested.take() {
            if let (Some(o), Some(name)) = (&mut self.options, request.parameter)
                && let Some(p) = system.info().params.iter().find(|p| p.name == name)
            {
                o.range = (p.min, p.max);
                o.parameter = name;
            }
            if let (Some(o), Some([a, b])) = (&mut self.options, request.range) {
                o.range = (a, b);
            }
            self.start(system, x0, waker.clone());
        }
        self.poll();
        if !self.open {
            self.rect = None;
            return;
        }
        let mut open = self.open;
        let shown = crate::app::theme::show_window(
            ctx,
            "Orbit diagram",
            egui::Window::new("Orbit diagram")
                .open(&mut open)
                .default_size([560.0, 420.0])
                .default_pos([420.0, 160.0]),
            |ui| {
                if let Some(action) = self.ui(ui, system) {
                    match action {
                        Action::Compute => self.start(system, x0, waker),
                        Action::Cancel => self.cancel(),
                    }
                }
            },
        );
        self.rect = shown.map(|r| r.response.rect);
        self.open = open;
    }

    fn ui(&mut self, ui: &mut egui::Ui, system: &System) -> Option<Action> {
        let mut action = None;
        let map = system.kind() == Kind::Map;
        let Some(o) = &mut self.options else {
            return None;
        };
        let names = system.info().state_names.clone();
        ui.horizontal(|ui| {
            egui::ComboBox::from_label("parameter")
                .selected_text(o.parameter.as_str())
                .show_ui(ui, |ui| {
                    for p in &system.info().params {
                        if ui
                            .selectable_label(o.parameter == p.name, p.name.as_str())
                            .clicked()
                        {
                            o.parameter = p.name.clone();
                            o.range = (p.min, p.max);
                        }
                    }
                });
            let l = ui.label("from");
            ui.add(
                egui::DragValue::new(&mut o.range.0)
                    .speed(0.01)
                    .max_decimals(4),
            )
            .labelled_by(l.id);
            let l = ui.label("to");
            ui.add(
                egui::DragValue::new(&mut o.range.1)
                    .speed(0.01)
                    .max_decimals(4),
            )
            .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            let l = ui.label("values");
            ui.add(egui::DragValue::new(&mut o.values).range(2..=4_000))
                .labelled_by(l.id);
            egui::ComboBox::from_label(if map { "iterates of" } else { "maxima of" })
                .selected_text(names.get(o.coordinate).map_or("?", |s| s.as_str()))
                .show_ui(ui, |ui| {
                    for (j, name) in names.iter().enumerate() {
                        ui.selectable_value(&mut o.coordinate, j, name.as_str());
                    }
                });
            let l = ui.label(if map {
                "transient iterations"
            } else {
                "transient periods"
            });
            ui.add(egui::DragValue::new(&mut o.transient).range(0.0..=1e6))
                .labelled_by(l.id);
        });
        ui.horizontal(|ui| match &self.status {
            OrbitStatus::Running(f, msg) => {
                if ui.button("Cancel orbit diagram").clicked() {
                    action = Some(Action::Cancel);
                }
                ui.add(
                    egui::ProgressBar::new(*f)
                        .text(msg.as_str())
                        .desired_width(220.0),
                );
            }
            other => {
                if ui.button("Compute orbit diagram").clicked() {
                    action = Some(Action::Compute);
                }
                match other {
                    OrbitStatus::Done => ui.label(format!(
                        "{} values, {} points",
                        self.columns,
                        self.points.len()
                    )),
                    OrbitStatus::Cancelled => {
                        ui.label(format!("cancelled after {} values", self.columns))
                    }
                    OrbitStatus::Failed(e) => ui.colored_label(Color32::LIGHT_RED, e.as_str()),
                    _ => ui.label("runs in the background; columns appear as they finish"),
                };
            }
        });
        let mut plot = crate::app::theme::plot("orbit_diagram")
            .x_axis_label(o.parameter.as_str())
            .y_axis_label(names.get(o.coordinate).map_or("", |s| s.as_str()))
            .allow_scroll(false);
        // The image drawn by our own pipeline is not a plot item, so the plot fits
        // itself to the data's extent explicitly.
        if let Some([x0, x1, y0, y1]) = self.extent {
            plot = plot.include_x(x0).include_x(x1).include_y(y0).include_y(y1);
        }
        let own_pipeline = crate::render::own_images_available();
        let shown = plot.show(ui, |plot| {
            let extent = self.extent?;
            let b = plot.plot_bounds();
            let view = [b.min()[0], b.max()[0], b.min()[1], b.max()[1]];
            // While the plot fits itself to the data, draw all of it (the last frame's
            // bounds may predate it); once the user zooms or drags, the visible part only.
            let auto = plot.auto_bounds();
            let rect = if auto.x && auto.y {
                Some(extent)
            } else {
                drawn_rect(extent, view)
            }?;
            // One image pixel per screen pixel over the part drawn.
            let frame = plot.transform().frame();
            let ppp = f64::from(plot.ctx().pixels_per_point());
            let fraction = |lo: f64, hi: f64, vlo: f64, vhi: f64| {
                if vhi > vlo && (vhi - vlo).is_finite() {
                    ((hi - lo) / (vhi - vlo)).min(1.0)
                } else {
                    1.0
                }
            };
            let size = [
                f64::from(frame.width()) * ppp * fraction(rect[0], rect[1], view[0], view[1]),
                f64::from(frame.height()) * ppp * fraction(rect[2], rect[3], view[2], view[3]),
            ]
            .map(|s| s.round().max(1.0) as usize);
            if self.density.update(&self.points, rect, size) || self.image.is_none() {
                self.image = Some(Arc::new(self.density.image(ORBIT_COLOUR)));
                self.image_generation += 1;
            }
            let image = self.image.clone()?;
            let drawn = self.density.rect();
            if own_pipeline {
                return Some((drawn, image));
            }
            self.show_with_egui(plot, drawn, &image);
            None
        });
        if let Some(([x0, x1, y0, y1], image)) = shown.inner {
            let t = &shown.transform;
            let screen = egui::Rect::from_two_pos(
                t.position_from_point(&PlotPoint::new(x0, y1)),
                t.position_from_point(&PlotPoint::new(x1, y0)),
            );
            let ppp = ui.ctx().pixels_per_point();
            if let Some(shape) = crate::render::image_shape(
                screen,
                ppp,
                &image,
                self.image_key,
                self.image_generation,
            ) {
                ui.painter_at(*t.frame()).add(shape);
            }
        }
        action
    }

    /// Draws the density image as an egui plot image (where our own image pipeline is
    /// not installed: no wgpu).
    fn show_with_egui(
        &mut self,
        plot: &mut egui_plot::PlotUi,
        drawn: PlaneRect,
        image: &Arc<ColorImage>,
    ) {
        let ctx = plot.ctx().clone();
        // A texture belongs to one context: the window's, or the offscreen one a
        // high-resolution export draws this view in (which gets its own).
        let ours = self
            .texture
            .as_ref()
            .is_some_and(|t| ctx.tex_manager().read().meta(t.id()).is_some());
        let options = egui::TextureOptions::NEAREST;
        let foreign;
        let texture = match &mut self.texture {
            Some(t) if ours => {
                if self.texture_generation != self.image_generation {
                    t.set(ColorImage::clone(image), options);
                    self.texture_generation = self.image_generation;
                }
                &*t
            }
            Some(_) => {
                foreign =
                    ctx.load_texture("orbit diagram (export)", ColorImage::clone(image), options);
                &foreign
            }
            None => {
                self.texture_generation = self.image_generation;
                &*self.texture.insert(ctx.load_texture(
                    "orbit diagram",
                    ColorImage::clone(image),
                    options,
                ))
            }
        };
        let [x0, x1, y0, y1] = drawn;
        plot.image(PlotImage::new(
            "orbit",
            texture.id(),
            PlotPoint::new((x0 + x1) / 2.0, (y0 + y1) / 2.0),
            [(x1 - x0) as f32, (y1 - y0) as f32],
        ));
    }
}

/// Colour of the diagram's points.
const ORBIT_COLOUR: Color32 = Color32::from_rgb(90, 190, 255);

/// `extent` grown to hold `p`. The parameter axis spans the run's values (`x_range`,
/// with half a column's width of room, so the first and last columns are whole
/// pixels); the value axis grows with 5 % of room on each side when a point falls
/// outside, so the image is rebinned a few times as a diagram fills rather than on
/// every column.
fn grow_extent(
    extent: Option<PlaneRect>,
    x_range: [f64; 2],
    columns: usize,
    [x, y]: [f64; 2],
) -> Option<PlaneRect> {
    if !(x.is_finite() && y.is_finite()) {
        return extent;
    }
    if let Some([_, _, y0, y1]) = extent
        && y0 <= y
        && y <= y1
    {
        return extent;
    }
    let (lo, hi) = (x_range[0].min(x_range[1]), x_range[0].max(x_range[1]));
    let half_column = if hi > lo {
        0.5 * (hi - lo) / columns.saturating_sub(1).max(1) as f64
    } else {
        0.5 * lo.abs().max(1e-3)
    };
    let (y0, y1) = match extent {
        Some([_, _, y0, y1]) => (y0.min(y), y1.max(y)),
        None => (y, y),
    };
    let room = if y1 > y0 {
        0.05 * (y1 - y0)
    } else {
        0.05 * y0.abs().max(1e-3)
    };
    Some([lo - half_column, hi + half_column, y0 - room, y1 + room])
}

enum Action {
    Compute,
    Cancel,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extent_spans_the_run_and_grows_with_room_in_value() {
        let e = grow_extent(None, [2.8, 4.0], 7, [2.8, 0.5]);
        // Columns 0.2 apart: 0.1 of room on each side; one value: 5 % of it.
        let [x0, x1, y0, y1] = e.expect("extent");
        assert!((x0 - 2.7).abs() < 1e-12 && (x1 - 4.1).abs() < 1e-12);
        assert!((y0 - 0.475).abs() < 1e-12 && (y1 - 0.525).abs() < 1e-12);
        assert_eq!(
            grow_extent(e, [2.8, 4.0], 7, [3.0, 0.5]),
            e,
            "inside: unchanged"
        );
        let [_, _, y0, y1] = grow_extent(e, [2.8, 4.0], 7, [3.0, 1.475]).expect("grown");
        assert!((y0 - 0.425).abs() < 1e-12 && (y1 - 1.525).abs() < 1e-12);
        assert_eq!(grow_extent(e, [2.8, 4.0], 7, [3.0, f64::NAN]), e);
    }
}
