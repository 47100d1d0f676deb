//! The "Characterise" panel (a column beside the system panel, opened from it): for the
//! selected system at its current parameters, "Compute spectrum" runs the Lyapunov
//! spectrum and the correlation dimension in the background, plots every exponent's
//! running estimate converging, then lists the exponents, the Kaplan–Yorke and the
//! correlation dimension (with its local-slope plot and the chosen scaling region)
//! beside dysts' published values. Changing the system or a parameter marks a finished
//! result as stale.

use std::sync::mpsc::Receiver;

use egui::{Color32, Ui};
use egui_plot::{Legend, Line, LineStyle, PlotPoints, Points, Span};

use super::characterise_job::{Characterisation, CharacteriseSettings, spawn_characterise};
use crate::eval::correlation_dimension::CorrelationDimension;
use crate::eval::lyapunov::{LyapunovCheckpoint, LyapunovOptions};
use crate::jobs::{Job, JobState, Progress, Waker};
use crate::systems::{Kind, System, SystemInfo};

/// Checkpoints drained per frame at most (a burst never stalls a frame).
const DRAIN_PER_FRAME: usize = 2_000;

/// Where the characterisation stands.
#[derive(Default)]
pub enum CharacteriseStatus {
    /// Nothing computed yet.
    #[default]
    Idle,
    /// Running, with the latest progress.
    Running(Progress),
    /// Finished.
    Done(Box<Characterisation>),
    /// Failed with a readable reason.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

/// The panel's state: settings, the running job and the running estimates.
pub struct CharacterisePanel {
    /// Whether the panel is shown.
    pub open: bool,
    /// Averaging span for flows, in dominant periods.
    pub flow_periods: f64,
    /// Averaging span for maps, in iterations.
    pub map_iterations: f64,
    /// Also compute the correlation dimension.
    pub dimension: bool,
    /// Plot only the two largest exponents (the others can dwarf them).
    pub leading_only: bool,
    /// Where the computation stands.
    pub status: CharacteriseStatus,
    /// The running estimates received so far.
    pub running: Vec<LyapunovCheckpoint>,
    job: Option<Job<Characterisation>>,
    rx: Option<Receiver<LyapunovCheckpoint>>,
    run_requested: bool,
}

impl Default for CharacterisePanel {
    /// The CLI's averaging spans: 1500 periods for flows, 100 000 iterations for maps.
    fn default() -> Self {
        Self {
            open: false,
            flow_periods: LyapunovOptions::default().periods,
            map_iterations: 100_000.0,
            dimension: true,
            leading_only: false,
            status: CharacteriseStatus::Idle,
            running: Vec::new(),
            job: None,
            rx: None,
            run_requested: false,
        }
    }
}

impl CharacterisePanel {
    /// True while a computation runs or is about to start.
    pub fn busy(&self) -> bool {
        self.job.is_some() || self.run_requested
    }

    /// Opens the panel and starts a computation on the next frame (presets).
    pub fn request_run(&mut self) {
        self.open = true;
        self.run_requested = true;
    }

    /// Takes a pending [`Self::request_run`]: true once per request.
    pub fn take_run_request(&mut self) -> bool {
        std::mem::take(&mut self.run_requested)
    }

    /// The button that opens and closes the panel (drawn in the system panel).
    pub fn toggle_ui(&mut self, ui: &mut Ui) {
        ui.separator();
        ui.toggle_value(&mut self.open, "Characterise")
            .on_hover_text("Lyapunov spectrum, Kaplan-Yorke and correlation dimension");
    }

    /// Starts a computation for `system` from `x0` (cancelling a running one).
    pub fn start(&mut self, system: &System, x0: &[f64], waker: Option<Waker>) {
        self.cancel();
        let (periods, transient) = match system.kind() {
            Kind::Flow | Kind::Delay => (
                self.flow_periods,
                LyapunovOptions::default().transient_periods,
            ),
            Kind::Map => (self.map_iterations, 1_000.0),
        };
        let settings = CharacteriseSettings {
            periods,
            transient,
            dimension: self.dimension,
        };
        let (job, rx) = spawn_characterise(system.clone(), x0.to_vec(), settings, waker);
        self.job = Some(job);
        self.rx = Some(rx);
        self.running.clear();
        self.status = CharacteriseStatus::Running(Progress::default());
    }

    /// Cancels the running computation; the panel reads "cancelled" at once.
    pub fn cancel(&mut self) {
        if let Some(job) = &mut self.job {
            job.cancel();
            self.status = CharacteriseStatus::Cancelled;
        }
        self.job = None;
        self.rx = None;
    }

    /// Drains the running estimates and polls the job, without blocking.
    pub fn poll(&mut self) {
        if let Some(rx) = &self.rx {
            self.running.extend(rx.try_iter().take(DRAIN_PER_FRAME));
        }
        let Some(job) = &mut self.job else { return };
        match job.poll() {
            JobState::Running(p) => self.status = CharacteriseStatus::Running(p),
            JobState::Done(c) => {
                if let Some(rx) = &self.rx {
                    self.running.extend(rx.try_iter());
                }
                self.status = CharacteriseStatus::Done(Box::new(c));
                self.job = None;
            }
            JobState::Failed(msg) => {
                self.status = CharacteriseStatus::Failed(msg);
                self.job = None;
            }
            JobState::Cancelled | JobState::Taken => self.job = None,
        }
    }

    /// Polls, and when open draws the panel for `system` (the live one) whose orbit is
    /// at `x0` now; a computation starts from `x0`.
    pub fn show(&mut self, root: &mut Ui, system: &System, x0: &[f64], waker: Option<Waker>) {
        if self.take_run_request() {
            self.start(system, x0, waker.clone());
        }
        self.poll();
        if !self.open {
            return;
        }
        egui::Panel::left("characterise")
            .frame(crate::app::theme::side_panel(root.style()))
            .default_size(400.0)
            .resizable(true)
            .show(root, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if let Some(action) = self.ui(ui, system) {
                        match action {
                            Action::Compute => self.start(system, x0, waker.clone()),
                            Action::Cancel => self.cancel(),
                        }
                    }
                });
            });
    }

    fn ui(&mut self, ui: &mut Ui, system: &System) -> Option<Action> {
        let mut action = None;
        ui.heading(format!("Characterise: {}", system.name()));
        let map = system.kind() == Kind::Map;
        ui.horizontal(|ui| {
            let (label, value, range) = if map {
                (
                    "averaging iterations",
                    &mut self.map_iterations,
                    100.0..=1e7,
                )
            } else {
                ("averaging periods", &mut self.flow_periods, 10.0..=1e5)
            };
            let l = ui.label(label);
            ui.add(egui::DragValue::new(value).range(range).speed(10.0))
                .labelled_by(l.id);
        });
        ui.checkbox(&mut self.dimension, "correlation dimension");
        let running = self.job.is_some();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!running, egui::Button::new("Compute spectrum"))
                .clicked()
            {
                action = Some(Action::Compute);
            }
            if running && ui.button("Cancel spectrum").clicked() {
                action = Some(Action::Cancel);
            }
        });
        match &self.status {
            CharacteriseStatus::Idle => {
                ui.weak("not computed");
            }
            CharacteriseStatus::Running(p) => {
                ui.add(egui::ProgressBar::new(p.fraction).show_percentage());
                ui.label(format!("running: {}", p.message));
            }
            CharacteriseStatus::Cancelled => {
                ui.label("spectrum cancelled");
            }
            CharacteriseStatus::Failed(reason) => {
                ui.colored_label(Color32::from_rgb(255, 110, 90), format!("failed: {reason}"));
            }
            CharacteriseStatus::Done(_) => {}
        }
        if !self.running.is_empty() {
            ui.checkbox(
                &mut self.leading_only,
                "plot only the two largest exponents",
            );
            convergence_plot(ui, &self.running, self.leading_only, map);
        }
        if let CharacteriseStatus::Done(c) = &self.status {
            let stale = c.system != system.name() || c.params != system.params();
            if stale {
                ui.colored_label(
                    Color32::from_rgb(255, 190, 90),
                    format!(
                        "stale: computed for {} at other parameters; compute again",
                        c.system
                    ),
                );
            }
            results_ui(ui, c, system.info(), stale);
        }
        action
    }
}

/// What the user asked the panel to do.
enum Action {
    Compute,
    Cancel,
}

/// Every exponent's running estimate against the averaging time, with a zero line.
fn convergence_plot(ui: &mut Ui, running: &[LyapunovCheckpoint], leading_only: bool, map: bool) {
    let k = running[0].exponents.len();
    let shown = if leading_only { k.min(2) } else { k };
    crate::app::theme::plot("lyapunov_convergence")
        .height(230.0)
        .legend(Legend::default())
        .x_axis_label(if map { "iterations" } else { "time" })
        .y_axis_label("running estimate")
        .allow_scroll(false)
        .show(ui, |plot| {
            let end = running.last().map(|c| c.time).unwrap_or(1.0);
            plot.line(
                Line::new("zero", PlotPoints::from(vec![[0.0, 0.0], [end, 0.0]]))
                    .color(Color32::GRAY)
                    .style(LineStyle::dashed_dense()),
            );
            for i in 0..shown {
                let pts: PlotPoints = running.iter().map(|c| [c.time, c.exponents[i]]).collect();
                plot.line(Line::new(format!("λ{}", i + 1), pts).width(2.0));
            }
        });
}

/// The final numbers beside dysts' published ones, and the dimension's slope plot.
fn results_ui(ui: &mut Ui, c: &Characterisation, info: &SystemInfo, stale: bool) {
    let text = |s: String| {
        let t = egui::RichText::new(s).size(15.0);
        if stale { t.weak() } else { t }
    };
    let published = |v: Option<f64>| v.map(|v| format!("   (dysts {v:.4})")).unwrap_or_default();
    let r = &c.spectrum;
    for (i, l) in r.exponents.iter().enumerate() {
        let dysts = info
            .lyapunov_spectrum
            .as_ref()
            .and_then(|p| p.get(i).copied());
        ui.label(text(format!("λ{} = {l:.4}{}", i + 1, published(dysts))));
    }
    if info.kind == crate::systems::Kind::Delay {
        // An infinite-dimensional system: its largest exponent only, from the
        // variational equation.
        ui.label(
            egui::RichText::new(format!(
                "largest exponent of the delay equation (no sum or Kaplan-Yorke dimension); averaged over {:.0}",
                r.time
            ))
            .small(),
        );
    } else {
        ui.label(
            egui::RichText::new(format!(
                "sum {:.4} (contraction rate {:.4}); averaged over {:.0}",
                r.sum, r.mean_divergence, r.time
            ))
            .small(),
        );
        ui.label(text(format!(
            "Kaplan-Yorke dimension = {:.4}{}",
            r.kaplan_yorke,
            published(info.kaplan_yorke_dimension)
        )));
    }
    match &c.dimension {
        Some(Ok(d)) => {
            ui.label(text(format!(
                "correlation dimension = {:.3}{}",
                d.dimension,
                published(info.correlation_dimension)
            )));
            ui.label(
                egui::RichText::new(format!(
                    "Grassberger-Procaccia on {} points; fit over r = {:.3} to {:.3} (std units), R² {:.5}",
                    d.points, d.r_range[0], d.r_range[1], d.r_squared
                ))
                .small(),
            );
            slope_plot(ui, d);
        }
        Some(Err(e)) => {
            ui.colored_label(
                Color32::from_rgb(255, 110, 90),
                format!("correlation dimension: {e}"),
            );
        }
        None => {}
    }
    if let Some(src) = &info.lyapunov_spectrum_source {
        ui.label(egui::RichText::new(format!("dysts values: {src}")).small());
    }
}

/// Local slopes `d log C / d log r` against `log10 r`, the scaling region shaded and the
/// fitted dimension drawn across it.
fn slope_plot(ui: &mut Ui, d: &CorrelationDimension) {
    let slopes: PlotPoints = d
        .local_slopes
        .iter()
        .map(|[r, s]| [r.log10(), *s])
        .collect();
    let [lo, hi] = d.r_range.map(f64::log10);
    crate::app::theme::plot("correlation_slopes")
        .height(180.0)
        .legend(Legend::default())
        .x_axis_label("log10 r")
        .y_axis_label("local slope")
        .include_y(0.0)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.span(
                Span::new("scaling region", lo..=hi)
                    .fill(Color32::from_rgba_unmultiplied(90, 160, 255, 40)),
            );
            plot.line(Line::new("d log C / d log r", slopes).width(1.5));
            plot.points(
                Points::new(
                    "local slopes",
                    d.local_slopes
                        .iter()
                        .map(|[r, s]| [r.log10(), *s])
                        .collect::<Vec<_>>(),
                )
                .radius(2.5),
            );
            plot.line(
                Line::new(
                    format!("D2 = {:.3}", d.dimension),
                    PlotPoints::from(vec![[lo, d.dimension], [hi, d.dimension]]),
                )
                .width(3.0)
                .color(Color32::from_rgb(255, 170, 60)),
            );
        });
}
