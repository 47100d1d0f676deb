//! The orbit-diagram window: a parameter, its range, the number of values and the
//! recorded coordinate; the diagram ([`crate::eval::orbit_diagram`]) runs as a
//! background job and its columns are drawn as they arrive; Cancel stops it.

use std::sync::mpsc::{Receiver, channel};

use egui::Color32;
use egui_plot::{Plot, PlotPoints, Points};

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
                self.points
                    .extend(c.values.iter().map(|&v| [c.parameter, v]));
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
        let shown = egui::Window::new("Orbit diagram")
            .open(&mut open)
            .default_size([560.0, 420.0])
            .default_pos([420.0, 160.0])
            .show(ctx, |ui| {
                if let Some(action) = self.ui(ui, system) {
                    match action {
                        Action::Compute => self.start(system, x0, waker),
                        Action::Cancel => self.cancel(),
                    }
                }
            });
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
        Plot::new("orbit_diagram")
            .x_axis_label(o.parameter.as_str())
            .y_axis_label(names.get(o.coordinate).map_or("", |s| s.as_str()))
            .allow_scroll(false)
            .show(ui, |plot| {
                let pts: PlotPoints = self.points.iter().copied().collect();
                plot.points(
                    Points::new("orbit", pts)
                        .color(Color32::from_rgba_unmultiplied(90, 190, 255, 160))
                        .radius(0.8),
                );
            });
        action
    }
}

enum Action {
    Compute,
    Cancel,
}
