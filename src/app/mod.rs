//! The window: panels over the numerical core.
//!
//! Left: the system panel ([`system_panel`]). Centre: the 3-D attractor
//! ([`crate::render`]). Right: the model bench ([`mod@bench`], [`cards`]). Bottom: the eigenvalue
//! plane ([`spectrum_plot`]), forecast divergence and the truth-vs-forecast series
//! ([`divergence_plot`]). Fits run as background [`crate::jobs::Job`]s; panels only
//! send actions, which [`ChaosApp`] carries out.

pub mod bench;
pub mod cards;
pub mod characterise_job;
pub mod characterise_panel;
pub mod contour_lines;
pub mod data_panel;
pub mod divergence_plot;
pub mod eigen_paint;
mod export_menu;
pub mod fit_job;
pub mod frame_times;
pub mod hires_export;
mod launch;
mod legend_row;
pub mod live;
mod main_scene;
pub mod metrics_table;
pub mod modal_forecast;
pub mod png_export;
pub mod preset;
mod preset_apply;
pub mod preset_run;
pub mod render_bench;
pub mod session;
pub mod spectrum_plot;
pub mod spectrum_table;
pub mod stretching_paint;
pub mod system_editor;
pub mod system_panel;
pub mod theme;
pub mod views;

pub use launch::run;

use std::sync::Arc;
use std::sync::mpsc::Receiver;

use crate::render::{AttractorView, ColourBy, Curve, Scene};
use crate::systems::Catalog;
use bench::{Bench, BenchAction};
use data_panel::DataPanel;
use fit_job::FitSource;
use live::LiveSimulation;
use preset::Preset;

/// Colours of perturbation-ensemble trails (warm, to stand out from the blue orbit).
const ENSEMBLE_COLORS: [[f32; 4]; 5] = [
    [1.0, 0.45, 0.45, 1.0],
    [1.0, 0.7, 0.3, 1.0],
    [0.95, 0.9, 0.4, 1.0],
    [0.9, 0.5, 0.9, 1.0],
    [0.6, 0.95, 0.6, 1.0],
];

/// Dominant periods integrated before a newly picked system is first drawn.
const OPENING_PERIODS: f64 = 8.0;
/// Repaint interval while jobs run or the orbit integrates with nothing on screen that
/// moves with it: progress and readouts stay current at 10 Hz, input still repaints at
/// once, and on a software renderer the fits get the CPU a continuous repaint would take.
const QUIET_REPAINT: std::time::Duration = std::time::Duration::from_millis(100);

/// The application state.
pub struct ChaosApp {
    /// The live simulation.
    pub live: LiveSimulation,
    ic_text: String,
    view: AttractorView,
    /// The model cards and their fits.
    pub bench: Bench,
    /// What the models are fitted on.
    pub source: SourceKind,
    /// Imported data.
    pub data: DataPanel,
    /// The system picker's search text.
    picker_query: String,
    /// What the third comparison column shows.
    pub third_column: ThirdColumn,
    sort: metrics_table::SortBy,
    /// The last export's outcome, shown under the table.
    export_status: Option<String>,
    export_rx: Option<Receiver<Result<String, String>>>,
    /// A PNG export of the window or a plot in progress.
    png: png_export::PngExport,
    /// The plots drawn last frame, by name, with their rectangles (for PNG export).
    plot_rects: Vec<(String, egui::Rect)>,
    /// The scope ids of the comparison panel's three columns last frame (so an
    /// offscreen redraw finds the plots' zoom and pan in widget memory).
    column_ids: [egui::Id; 3],
    /// What the 3-D view drew last frame.
    scene: Scene,
    /// A plot to draw offscreen at `png.scale` × and save, at the end of this frame.
    hires_pending: Option<String>,
    /// The window's GPU device, queue and colour format (for offscreen export).
    render_state: Option<eframe::egui_wgpu::RenderState>,
    /// How the main trail (or the loaded dataset) is coloured.
    pub colour_by: ColourBy,
    /// The Koopman eigenfunction painted on the attractor, if one was clicked.
    pub eigen_paint: eigen_paint::EigenPaint,
    /// The live orbit's colours by local stretching (while "stretching" is chosen).
    pub stretching_paint: stretching_paint::StretchingPaint,
    /// Forecasts from the verified eigenpairs only.
    pub modal: modal_forecast::ModalForecasts,
    /// The ResDMD residual threshold ε of the eigenvalue plane.
    pub epsilon: f64,
    /// The eigenvalue plane shows ω = log(λ)/Δt instead of λ.
    pub continuous: bool,
    screenshot: Option<launch::Screenshot>,
    /// `--frame-times`: records frame intervals while jobs run.
    frame_recorder: Option<frame_times::FrameRecorder>,
    waker: Option<crate::jobs::Waker>,
    last_frame: Option<f64>,
    /// Cards to fit on the first frame (from a preset).
    pending_fits: Vec<usize>,
    /// The typed-system editor window.
    pub editor: system_editor::SystemEditor,
    /// Typed systems used in this session (the picker's last group), latest version of
    /// each name.
    pub user_systems: Vec<crate::systems::System>,
    /// The Lyapunov spectrum and dimensions of the live system.
    pub characterise: characterise_panel::CharacterisePanel,
    /// "Save session…" / "Open session…" and their outcome.
    pub session_menu: session::SessionMenu,
    /// Time series, Poincaré section, power spectrum and orbit diagram windows.
    pub views: views::Views,
}

/// Whether the models see the live system or an imported dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// The catalog system in the left panel.
    System,
    /// The dataset loaded in the data panel.
    Dataset,
}

/// The third column of the comparison panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThirdColumn {
    /// The first variable, truth against forecasts.
    Series,
    /// The metrics table.
    Metrics,
}

impl ChaosApp {
    /// Builds the app; `preset` sets the system and the fits to start.
    pub fn new(cc: &eframe::CreationContext<'_>, preset: Option<Preset>) -> anyhow::Result<Self> {
        crate::render::install(cc.wgpu_render_state.as_ref());
        let ctx = cc.egui_ctx.clone();
        // A job's progress shows within `QUIET_REPAINT`: waking at once on every report
        // (a PLRNN reports each epoch) would repaint continuously.
        let waker: crate::jobs::Waker = Arc::new(move || ctx.request_repaint_after(QUIET_REPAINT));
        let mut app = Self::headless(preset)?;
        app.waker = Some(waker);
        app.render_state = cc.wgpu_render_state.clone();
        Ok(app)
    }

    /// The app without a window context (tests drive it through egui_kittest).
    pub fn headless(preset: Option<Preset>) -> anyhow::Result<Self> {
        let system = Catalog::builtin().system("Lorenz")?;
        let mut live = LiveSimulation::new(system);
        live.fast_forward(OPENING_PERIODS);
        let ic_text = format_vector(&live.initial_condition);
        let mut app = Self {
            live,
            ic_text,
            view: AttractorView::new(1),
            bench: Bench::default(),
            source: SourceKind::System,
            data: DataPanel::default(),
            third_column: ThirdColumn::Metrics,
            picker_query: String::new(),
            sort: Default::default(),
            export_status: None,
            export_rx: None,
            png: Default::default(),
            plot_rects: Vec::new(),
            column_ids: [egui::Id::NULL; 3],
            scene: Scene::default(),
            hires_pending: None,
            render_state: None,
            colour_by: ColourBy::Solid,
            eigen_paint: Default::default(),
            stretching_paint: Default::default(),
            modal: Default::default(),
            epsilon: 0.05,
            continuous: false,
            screenshot: None,
            frame_recorder: None,
            waker: None,
            last_frame: None,
            pending_fits: Vec::new(),
            editor: Default::default(),
            user_systems: Vec::new(),
            characterise: Default::default(),
            session_menu: Default::default(),
            views: Default::default(),
        };
        if let Some(p) = preset {
            app.apply_preset(&p)?;
        }
        Ok(app)
    }

    /// Swaps the live simulation to `system` (catalog or typed), as picking it does:
    /// fresh orbit from its initial condition, fits cleared.
    pub fn switch_system(&mut self, system: crate::systems::System) {
        if system.user().is_some() {
            self.remember_user_system(&system);
        }
        self.live.set_system(system);
        self.live.fast_forward(OPENING_PERIODS);
        self.ic_text = format_vector(&self.live.initial_condition);
        self.view.request_frame();
        self.bench.reset();
    }

    /// Lists a typed system in the picker, replacing an older one of the same name.
    fn remember_user_system(&mut self, system: &crate::systems::System) {
        self.user_systems.retain(|s| s.name() != system.name());
        self.user_systems.push(system.clone());
    }

    /// Starts card `i`'s fit on the current source (the live state, or the dataset).
    pub fn start_fit(&mut self, i: usize) {
        if let Some(source) = self.fit_source() {
            self.bench.start(i, source, self.waker.clone());
        }
    }

    /// Trains card `i`'s fitted model further on fresh data from the current source.
    pub fn continue_fit(&mut self, i: usize) {
        if let Some(source) = self.fit_source() {
            self.bench.continue_fit(i, source, self.waker.clone());
        }
    }

    /// What the cards fit on now: the live system from its current state, or the
    /// loaded dataset (`None`, with a message, when none is loaded).
    fn fit_source(&mut self) -> Option<FitSource> {
        Some(match (self.source, &self.data.loaded) {
            (SourceKind::Dataset, Some(d)) => FitSource::Dataset {
                data: d.clone(),
                lyapunov: self.data.lyapunov(),
            },
            (SourceKind::Dataset, None) => {
                self.data.error = Some("load a data file before fitting it".into());
                return None;
            }
            (SourceKind::System, _) => FitSource::System {
                system: self.live.system.clone(),
                x0: self.live.state().to_vec(),
            },
        })
    }

    /// Whether something on screen moves with the live orbit: the 3-D view in the
    /// centre (not replaced by the side-by-side views), a live view window, or the
    /// butterfly ensemble's separation plot.
    fn live_orbit_on_screen(&self) -> bool {
        !self.views.side_by_side.open
            || self.views.follows_the_orbit()
            || !self.live.separation.is_empty()
    }

    /// True while a background job runs or is about to start.
    pub fn busy(&self) -> bool {
        !self.pending_fits.is_empty()
            || self.bench.busy()
            || self.data.busy()
            || self.session_busy()
            || self.characterise.busy()
            || self.views.busy()
    }

    /// One frame of the whole window.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        // Fits queued by a preset wait for its data file (and, with --frame-times, for the
        // window's warm-up frames, so pipeline set-up is not measured).
        if !self.data.busy() && self.frame_recorder.as_ref().is_none_or(|r| r.warmed_up()) {
            for i in std::mem::take(&mut self.pending_fits) {
                self.start_fit(i);
            }
        }
        self.bench.poll();
        if let Some(rx) = &self.export_rx
            && let Ok(result) = rx.try_recv()
        {
            self.export_status = Some(result.unwrap_or_else(|e| e));
            self.export_rx = None;
        }
        self.png.poll(ui.ctx(), self.waker.clone());
        self.poll_session_io();
        let mut plots: Vec<(String, egui::Rect)> = Vec::new();
        if self.data.poll(self.waker.clone()) {
            self.source = SourceKind::Dataset;
            self.bench.reset();
            self.view.request_frame();
        }
        let now = ui.input(|i| i.time);
        let dt = self
            .last_frame
            .map(|t| (now - t).clamp(0.0, 0.1))
            .unwrap_or(0.0);
        self.last_frame = Some(now);
        if self.source == SourceKind::System {
            self.live.advance(dt, 5_000);
        }
        let integrating = self.live.playing && self.live.error.is_none();
        if integrating && self.live_orbit_on_screen() {
            ui.ctx().request_repaint();
        } else if integrating || self.busy() {
            ui.ctx().request_repaint_after(QUIET_REPAINT);
        }

        theme::apply(ui.ctx());
        theme::paint_window_backdrop(ui.ctx());
        let panel_frame = theme::side_panel(ui.style());
        egui::Panel::left("system_panel")
            .frame(panel_frame)
            .default_size(260.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.session_menu(ui);
                    let plots = self.plot_rects.clone();
                    self.export_menu(ui, &plots);
                    egui::ComboBox::from_label("Presets")
                        .selected_text("open a demo…")
                        .width(170.0)
                        .show_ui(ui, |ui| {
                            for p in preset::builtin() {
                                let clicked = ui
                                    .selectable_label(false, &p.title)
                                    .on_hover_text(&p.description)
                                    .clicked();
                                if clicked && let Err(e) = self.apply_preset(&p) {
                                    self.live.error = Some(format!("{e:#}"));
                                }
                            }
                        });
                    ui.horizontal(|ui| {
                        let before = self.source;
                        ui.selectable_value(&mut self.source, SourceKind::System, "System");
                        ui.selectable_value(&mut self.source, SourceKind::Dataset, "Your data");
                        if before != self.source {
                            self.bench.reset();
                            self.view.request_frame();
                        }
                    });
                    ui.horizontal(|ui| {
                        let l = ui.label("colour by");
                        egui::ComboBox::from_id_salt("colour_by")
                            .selected_text(self.colour_by.label())
                            .show_ui(ui, |ui| {
                                for (by, label) in ColourBy::ALL {
                                    ui.selectable_value(&mut self.colour_by, by, label);
                                }
                            })
                            .response
                            .labelled_by(l.id)
                            .on_hover_text("The orbit's colour: one colour, or viridis along time (oldest dark, newest yellow), by speed (slow dark, fast yellow), or by local stretching: how fast nearby orbits separate right there — the growth rate λ = ln(|v(t+Δ)|/|v(t)|)/Δ of a tangent vector v over one sample Δ (a finite-time Lyapunov exponent), mapped linearly from its 2nd percentile along the trail (dark: contracting) to its 98th (yellow: stretching hardest). Its mean along the orbit is the largest Lyapunov exponent. Stretching needs the live system (not loaded data, not delay equations); a clicked eigenfunction paints over it.");
                    });
                    if self.colour_by == ColourBy::Stretching
                        && self.source == SourceKind::System
                    {
                        let unit = if self.live.system.kind() == crate::systems::Kind::Map {
                            "iterate"
                        } else {
                            "time unit"
                        };
                        // The colours are computed after this panel: the range shown is
                        // last frame's.
                        let text = match self.stretching_paint.range() {
                            Some(r) => Some(format!(
                                "stretching per {unit}: {:.2} (dark) … {:.2} (yellow); mean {:.3}",
                                r.low, r.high, r.mean
                            )),
                            None if self.live.stretching().is_empty() => Some(
                                "no local stretching for a delay equation".to_string(),
                            ),
                            None => None,
                        };
                        if let Some(text) = text {
                            ui.label(egui::RichText::new(text).small());
                        }
                    }
                    ui.separator();
                    if self.source == SourceKind::Dataset {
                        self.data.ui(ui, self.waker.clone());
                        return;
                    }
                    let actions = system_panel::system_panel(
                        ui,
                        &mut self.live,
                        &mut self.ic_text,
                        &mut self.picker_query,
                        &self.user_systems,
                    );
                    if let Some(name) = actions.pick
                        && let Ok(sys) = Catalog::builtin().system(&name)
                    {
                        self.switch_system(sys);
                    }
                    if let Some(sys) = actions.pick_user.and_then(|k| self.user_systems.get(k)) {
                        self.switch_system(sys.clone());
                    }
                    match (actions.open_editor, self.live.system.user()) {
                        (Some(true), Some(user)) => self.editor.fill(user.spec()),
                        (Some(false), _) => self
                            .editor
                            .fill(&crate::systems::user::UserSystemSpec::lorenz_example()),
                        _ => {}
                    }
                    if actions.open_editor.is_some() {
                        self.editor.open = true;
                    }
                    self.characterise.toggle_ui(ui);
                    self.views.toggle_ui(ui);
                });
            });
        egui::Panel::right("model_bench")
            .frame(panel_frame)
            .default_size(290.0)
            .show(ui, |ui| match self.bench.ui(ui) {
                Some(BenchAction::Fit(i)) => self.start_fit(i),
                Some(BenchAction::Cancel(i)) => self.bench.cancel(i),
                Some(BenchAction::CancelAll) => self.bench.cancel_running(),
                Some(BenchAction::Continue(i)) => self.continue_fit(i),
                Some(BenchAction::CompareAll) => {
                    self.views.side_by_side.open = true;
                    (0..self.bench.cards.len()).for_each(|i| self.start_fit(i))
                }
                None => {}
            });
        egui::Panel::bottom("comparison")
            .frame(panel_frame)
            .default_size(300.0)
            .resizable(true)
            .show(ui, |ui| {
                let h = ui.available_height();
                ui.columns(3, |cols| {
                    self.column_ids = [cols[0].scope_id(), cols[1].scope_id(), cols[2].scope_id()];
                    cols[0].set_height(h);
                    if let Some(what) = spectrum_plot::spectrum_plot(
                        &mut cols[0],
                        &self.bench,
                        &mut self.epsilon,
                        &mut self.continuous,
                        &mut self.eigen_paint,
                        &mut self.modal,
                    ) {
                        self.export_spectrum(what);
                    }
                    plots.push(("Eigenvalue plot".into(), cols[0].min_rect()));
                    divergence_plot::divergence_plot(&mut cols[1], &self.bench);
                    plots.push(("Forecast-error plot".into(), cols[1].min_rect()));
                    cols[2].horizontal(|ui| {
                        ui.selectable_value(
                            &mut self.third_column,
                            ThirdColumn::Metrics,
                            "Metrics",
                        );
                        ui.selectable_value(&mut self.third_column, ThirdColumn::Series, "Series");
                    });
                    match self.third_column {
                        ThirdColumn::Series => {
                            divergence_plot::series_plot(&mut cols[2], &self.bench);
                            plots.push(("Forecast series plot".into(), cols[2].min_rect()));
                        }
                        ThirdColumn::Metrics => {
                            if metrics_table::metrics_table(
                                &mut cols[2],
                                &self.bench,
                                &mut self.sort,
                            ) {
                                self.export_metrics();
                            }
                            if let Some(status) = &self.export_status {
                                cols[2].label(egui::RichText::new(status).small());
                            }
                            plots.push(("Metrics table".into(), cols[2].min_rect()));
                        }
                    }
                });
            });
        if self.source == SourceKind::System {
            let (system, x0) = (&self.live.system, self.live.state());
            self.characterise.show(ui, system, x0, self.waker.clone());
        }
        let marker = self.views.show(ui.ctx(), &self.live, self.waker.clone());
        let dots = self.live.system.kind() == crate::systems::Kind::Map
            && self.source == SourceKind::System;
        self.modal.update(&self.bench, self.epsilon);
        let central_frame = theme::central_panel(ui.style());
        egui::CentralPanel::default()
            .frame(central_frame)
            .show(ui, |ui| {
                let rect = ui.max_rect();
                if self.views.side_by_side.open {
                    self.views.side_by_side.ui(ui, &self.bench, dots);
                    self.views.overlay(ui, rect);
                    return;
                }
                self.views.side_by_side.rect = None;
                let curves = self.main_scene(marker);
                plots.push(("3-D view".into(), rect));
                self.scene = Scene { curves };
                self.view.ui(ui, &self.scene);
                self.views.overlay(ui, rect);
            });
        if let Some(sys) = self.editor.show(ui.ctx()) {
            self.source = SourceKind::System;
            self.switch_system(sys);
        }
        plots.extend(self.views.plot_rects());
        self.plot_rects = plots;
        self.hires_step(ui.ctx());
        self.screenshot_step(ui.ctx());
        let busy = self.busy();
        if let Some(recorder) = &mut self.frame_recorder {
            ui.ctx().request_repaint();
            if recorder.frame(busy) {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// The plots drawn last frame, by the names the Export menu shows, with their
    /// rectangles in points.
    pub fn plot_rects(&self) -> &[(String, egui::Rect)] {
        &self.plot_rects
    }

    /// Where the compared data came from, for exported files.
    pub fn provenance(&self) -> String {
        let source = match (self.source, &self.data.loaded) {
            (SourceKind::Dataset, Some(d)) => format!("data {:?}", d.provenance.source),
            _ => format!(
                "system {} {:?}, solver dopri5 rtol {} atol {}",
                self.live.system.name(),
                self.live.system.named_params(),
                crate::integrate::solve_defaults::RTOL,
                crate::integrate::solve_defaults::ATOL
            ),
        };
        format!(
            "chaoslab {}; {source}; data {:?}",
            env!("CARGO_PKG_VERSION"),
            self.bench.data
        )
    }

    /// Asks for a file name on a helper thread and writes the metrics table there.
    fn export_metrics(&mut self) {
        let csv = metrics_table::to_csv(&self.bench, &self.provenance());
        self.save_with_dialog("metrics.csv", "CSV", "csv", csv.into_bytes());
    }

    /// Exports the eigenvalues with residuals (every spectral fit) or the first ResDMD
    /// pseudospectrum as CSV; the outcome shows under the metrics table.
    fn export_spectrum(&mut self, what: spectrum_plot::SpectrumExport) {
        let cards = &self.bench.cards;
        let (csv, name) = match what {
            spectrum_plot::SpectrumExport::Eigenvalues => {
                let fits: Vec<(&str, &crate::models::Spectrum)> = cards
                    .iter()
                    .filter_map(|c| {
                        let spec = c.outcome().and_then(|o| o.model.spectrum())?;
                        Some((c.spec.title(), spec))
                    })
                    .collect();
                (spectrum_table::spectra_csv(&fits), "eigenvalues.csv")
            }
            spectrum_plot::SpectrumExport::Pseudospectrum => {
                let Some(ps) = cards
                    .iter()
                    .find_map(|c| c.outcome().and_then(|o| o.model.pseudospectrum()))
                else {
                    return;
                };
                (ps.to_csv(), "pseudospectrum.csv")
            }
        };
        self.third_column = ThirdColumn::Metrics;
        self.save_with_dialog(name, "CSV", "csv", csv.into_bytes());
    }
}

impl eframe::App for ChaosApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    /// The panels' colour (the backdrop painted over it each frame is the same).
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }
}

/// A model's held-out forecast as a curve (dots for a map's iterates).
fn forecast_curve(outcome: &fit_job::FitOutcome, [r, g, b]: [u8; 3], dots: bool) -> Curve {
    Curve {
        points: outcome.forecast_points.clone(),
        color: [r, g, b, 255].map(|c| f32::from(c) / 255.0),
        generation: outcome.id,
        appended: 0,
        fade: false,
        dots,
        colour_by: ColourBy::Solid,
        scalars: None,
    }
}

fn format_vector(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x}"))
        .collect::<Vec<_>>()
        .join(", ")
}
