//! The Export menu: every fitted model's report (eigenvalues with residuals, SINDy
//! coefficients and equations, hyperparameters) as JSON, the held-out forecasts beside
//! the truth as CSV, the metrics table as CSV, and the window or any one plot as PNG.
//! Every file gets the provenance of what was compared (system, parameters, solver and
//! tolerances, data settings and seed, chaoslab version): a `#` header line in CSV, a
//! field in JSON, a sidecar for PNG. Dialogs and writes run on helper threads.
//!
//! PNGs come at the window's resolution or, for the plots in [`HIRES_PLOTS`], at 2×–4×
//! its pixels, drawn again offscreen with the same state ([`super::hires_export`]).

use std::sync::mpsc::channel;

use anyhow::Context as _;
use egui::Rect;

use super::bench::Bench;
use super::png_export::{PngTarget, find_plot};
use super::{ChaosApp, ThirdColumn, divergence_plot, hires_export, metrics_table, spectrum_plot};

/// The plots that can be exported above the window's resolution, by the Export menu's
/// names (the whole window exports at 1× only).
pub const HIRES_PLOTS: [&str; 11] = [
    "3-D view",
    "Attractors side by side",
    "Eigenvalue plot",
    "Forecast-error plot",
    "Forecast series plot",
    "Metrics table",
    "Time series",
    "2-D projection",
    "Poincaré section",
    "Power spectrum",
    "Orbit diagram",
];

/// The first of [`HIRES_PLOTS`] that are view windows (drawn as `egui::Window`s).
const FIRST_VIEW_WINDOW: usize = 6;

/// The fitted cards' reports as one JSON document.
pub fn models_json(bench: &Bench, provenance: &str) -> serde_json::Value {
    let models: Vec<serde_json::Value> = bench
        .cards
        .iter()
        .filter_map(|card| {
            let out = card.outcome()?;
            Some(serde_json::json!({
                "card": card.spec.title(),
                "settings": card.spec.settings(),
                "fit_seconds": out.fit_seconds,
                "train_samples": out.train_samples,
                "vpt": out.comparison.vpt,
                "vpt_unit": if out.lyapunov > 0.0 { "lyapunov_times" } else { "time_units" },
                "smape": out.comparison.smape,
                "model": out.model.report(),
            }))
        })
        .collect();
    serde_json::json!({
        "format": "chaoslab-models",
        "provenance": provenance,
        "models": models,
    })
}

/// The held-out truth and every fitted card's forecast from its first state, in long
/// form (`series,t,<state names>`), after a `#` provenance line.
pub fn forecasts_csv(bench: &Bench, provenance: &str) -> String {
    let mut out = format!("# {provenance}\n");
    let mut header_written = false;
    for card in &bench.cards {
        let Some(o) = card.outcome() else {
            continue;
        };
        let (names, dim) = (o.test.names(), o.test.dim());
        if !header_written {
            out.push_str(&format!("series,t,{}\n", names.join(",")));
            header_written = true;
        }
        let mut rows = |series: &str, values: &[f64]| {
            for (k, row) in values.chunks_exact(dim).enumerate() {
                let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                out.push_str(&format!(
                    "{series},{},{}\n",
                    o.test.time(k),
                    cells.join(",")
                ));
            }
        };
        rows(&format!("truth ({})", card.spec.title()), o.test.samples());
        rows(card.spec.title(), &o.held_out.forecast);
    }
    out
}

impl ChaosApp {
    /// The Export menu button and its entries; `plots` are the plots on screen by name.
    pub(super) fn export_menu(&mut self, ui: &mut egui::Ui, plots: &[(String, Rect)]) {
        let fitted = self.bench.cards.iter().any(|c| c.outcome().is_some());
        ui.horizontal(|ui| {
            // Clicks inside keep the menu open (picking a PNG resolution should not
            // close it); every export entry closes it itself.
            let config = egui::containers::menu::MenuConfig::new()
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
            egui::containers::menu::MenuButton::new("Export").config(config).ui(ui, |ui| {
                if ui
                    .add_enabled(fitted, egui::Button::new("Fitted models (JSON)…"))
                    .on_hover_text("Every fitted card: eigenvalues with residuals, equations and coefficients, settings, scores")
                    .clicked()
                {
                    let json = models_json(&self.bench, &self.provenance());
                    let text = serde_json::to_string_pretty(&json).unwrap_or_default();
                    self.save_with_dialog("models.json", "JSON", "json", text.into_bytes());
                    ui.close();
                }
                if ui
                    .add_enabled(fitted, egui::Button::new("Forecasts (CSV)…"))
                    .on_hover_text("The held-out truth and each model's forecast from its first state")
                    .clicked()
                {
                    let csv = forecasts_csv(&self.bench, &self.provenance());
                    self.save_with_dialog("forecasts.csv", "CSV", "csv", csv.into_bytes());
                    ui.close();
                }
                if ui
                    .add_enabled(fitted, egui::Button::new("Metrics table (CSV)…"))
                    .clicked()
                {
                    self.export_metrics();
                    ui.close();
                }
                ui.separator();
                ui.horizontal(|ui| {
                    ui.label("PNG resolution");
                    for k in hires_export::SCALES {
                        ui.selectable_value(&mut self.png.scale, k, format!("{k}×"))
                            .on_hover_text(format!("{k} times the window's pixels in each direction"));
                    }
                });
                let idle = !self.png.busy();
                let scale = self.png.scale;
                let window_label = if scale > 1 { "Window (PNG, 1×)…" } else { "Window (PNG)…" };
                if ui
                    .add_enabled(idle, egui::Button::new(window_label))
                    .clicked()
                {
                    let target = PngTarget {
                        name: "window".into(),
                        rect: None,
                    };
                    self.png
                        .request(ui.ctx(), target, self.provenance(), self.waker.clone());
                    ui.close();
                }
                for (name, rect) in plots {
                    let hires = HIRES_PLOTS.contains(&name.as_str());
                    let label = if scale > 1 && !hires {
                        format!("{name} (PNG, 1×)…")
                    } else {
                        format!("{name} (PNG)…")
                    };
                    let button = ui.add_enabled(idle, egui::Button::new(label));
                    let button = if hires {
                        button
                    } else {
                        button.on_hover_text("The whole window exports at the window's resolution only")
                    };
                    if button.clicked() && scale > 1 && hires {
                        self.hires_pending = Some(name.clone());
                        ui.close();
                    } else if button.clicked() {
                        let target = PngTarget {
                            name: name.clone(),
                            rect: Some(*rect),
                        };
                        self.png
                            .request(ui.ctx(), target, self.provenance(), self.waker.clone());
                        ui.close();
                    }
                }
            });
        });
        for status in [&self.export_status, &self.png.status]
            .into_iter()
            .flatten()
        {
            ui.label(egui::RichText::new(status).small());
        }
    }

    /// Draws the plot picked for a high-resolution export offscreen (GPU work, on this
    /// thread) and hands the pixels to the save dialog's helper thread.
    pub(super) fn hires_step(&mut self, ctx: &egui::Context) {
        let Some(name) = self.hires_pending.take() else {
            return;
        };
        match self.render_view(ctx, &name, self.png.scale) {
            Ok(image) => {
                let provenance = self.provenance();
                self.png
                    .save_rendered(image, name, provenance, self.waker.clone());
            }
            Err(e) => self.png.status = Some(format!("{e:#}")),
        }
    }

    /// Draws the plot the Export menu calls `name` (as on screen last frame, same state
    /// and camera) offscreen at `scale` times the window's pixels and reads it back.
    pub fn render_view(
        &mut self,
        ctx: &egui::Context,
        name: &str,
        scale: u32,
    ) -> anyhow::Result<hires_export::Readback> {
        let (name, rect) = find_plot(&self.plot_rects, name)?;
        if !HIRES_PLOTS.contains(&name.as_str()) {
            anyhow::bail!(
                "'{name}' exports at the window's resolution only (1×); at {scale}× these can be drawn: {}",
                HIRES_PLOTS.join(", ")
            );
        }
        let rs = self.render_state.clone().context(
            "a high-resolution export needs the window's wgpu renderer; export at 1× instead",
        )?;
        let region = if HIRES_PLOTS[FIRST_VIEW_WINDOW..].contains(&name.as_str()) {
            hires_export::Region::Window(rect)
        } else {
            hires_export::Region::Plot(rect)
        };
        hires_export::render(&rs, ctx, region, scale, |ui| self.draw_plot(&name, ui))
    }

    /// Draws plot `name` of [`HIRES_PLOTS`] into `ui` (a view window: into `ui`'s
    /// context) as the window drew it last frame.
    fn draw_plot(&mut self, name: &str, ui: &mut egui::Ui) {
        let column = |k: usize| egui::UiBuilder::new().scope_id(self.column_ids[k]);
        match name {
            "3-D view" => self.view.still_copy().ui(ui, &self.scene),
            "Attractors side by side" => {
                let dots = self.live.system.kind() == crate::systems::Kind::Map
                    && self.source == super::SourceKind::System;
                let mut still = self.views.side_by_side.still_copy();
                still.grid(ui, &self.bench, dots);
            }
            "Eigenvalue plot" => {
                let (mut epsilon, mut continuous) = (self.epsilon, self.continuous);
                ui.scope_builder(column(0), |ui| {
                    spectrum_plot::spectrum_plot(
                        ui,
                        &self.bench,
                        &mut epsilon,
                        &mut continuous,
                        &mut self.eigen_paint,
                        &mut self.modal,
                    )
                });
            }
            "Time series" => {
                self.views.time_series.show(ui.ctx(), &self.live);
            }
            "2-D projection" => self.views.projection.show(ui.ctx(), &self.live),
            "Poincaré section" => self.views.poincare.show(ui.ctx(), &self.live),
            "Power spectrum" => self.views.spectrum.show(ui.ctx(), &self.live),
            "Orbit diagram" => {
                let (system, x0) = (&self.live.system, self.live.state());
                self.views.orbit.show(ui.ctx(), system, x0, None);
            }
            "Forecast-error plot" => {
                ui.scope_builder(column(1), |ui| {
                    divergence_plot::divergence_plot(ui, &self.bench)
                });
            }
            _ => {
                let (mut third, mut sort) = (self.third_column, self.sort);
                ui.scope_builder(column(2), |ui| {
                    ui.horizontal(|ui| {
                        ui.selectable_value(&mut third, ThirdColumn::Metrics, "Metrics");
                        ui.selectable_value(&mut third, ThirdColumn::Series, "Series");
                    });
                    match third {
                        ThirdColumn::Series => divergence_plot::series_plot(ui, &self.bench),
                        ThirdColumn::Metrics => {
                            metrics_table::metrics_table(ui, &self.bench, &mut sort);
                            if let Some(status) = &self.export_status {
                                ui.label(egui::RichText::new(status).small());
                            }
                        }
                    }
                });
            }
        }
    }

    /// Asks for a file name on a helper thread and writes `bytes` there atomically; the
    /// outcome appears under the Export menu.
    pub(super) fn save_with_dialog(
        &mut self,
        file_name: &str,
        filter: &str,
        extension: &str,
        bytes: Vec<u8>,
    ) {
        let (tx, rx) = channel();
        let waker = self.waker.clone();
        let (file_name, filter, extension) = (
            file_name.to_string(),
            filter.to_string(),
            extension.to_string(),
        );
        std::thread::spawn(move || {
            let picked = rfd::FileDialog::new()
                .add_filter(&filter, &[extension.as_str()])
                .set_file_name(&file_name)
                .save_file();
            let result = match picked {
                Some(path) => crate::io::write_atomic(&path, &bytes)
                    .map(|()| format!("saved {}", path.display()))
                    .map_err(|e| format!("{e:#}")),
                None => Err("export cancelled (no file chosen)".into()),
            };
            let _ = tx.send(result);
            if let Some(w) = waker {
                w();
            }
        });
        self.export_rx = Some(rx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fit_job::FitSource;
    use crate::systems::Catalog;

    /// A bench with its DMD card fitted on Lorenz.
    fn fitted_bench() -> Bench {
        let mut bench = Bench::default();
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let x0 = sys.info().initial_conditions.clone();
        let i = bench.index_of("DMD").expect("a DMD card");
        bench.start(i, FitSource::System { system: sys, x0 }, None);
        while bench.busy() {
            bench.poll();
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        bench.poll();
        assert!(bench.cards[i].outcome().is_some(), "DMD fitted");
        bench
    }

    #[test]
    fn models_and_forecasts_export_what_the_cards_show() {
        let bench = fitted_bench();
        let json = models_json(&bench, "system Lorenz");
        assert_eq!(json["provenance"], "system Lorenz");
        let dmd = &json["models"][0];
        assert_eq!(dmd["card"], "DMD");
        // Exact DMD on Lorenz's three coordinates: three eigenvalues, each with a residual.
        assert_eq!(
            dmd["model"]["eigenvalues"].as_array().map(Vec::len),
            Some(3)
        );
        assert_eq!(dmd["model"]["residuals"].as_array().map(Vec::len), Some(3));

        let csv = forecasts_csv(&bench, "system Lorenz");
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("# system Lorenz"));
        assert_eq!(lines.next(), Some("series,t,x,y,z"));
        let out = bench
            .cards
            .iter()
            .find_map(|c| c.outcome())
            .expect("fitted");
        let truth_rows = csv
            .lines()
            .filter(|l| l.starts_with("truth (DMD),"))
            .count();
        let model_rows = csv.lines().filter(|l| l.starts_with("DMD,")).count();
        assert_eq!(truth_rows, out.test.len());
        assert_eq!(model_rows, out.held_out.forecast.len() / 3);
        // The first forecast row is the first held-out state itself.
        let first_model = csv.lines().find(|l| l.starts_with("DMD,")).expect("a row");
        let x: f64 = first_model
            .split(',')
            .nth(2)
            .expect("x")
            .parse()
            .expect("number");
        assert_eq!(x, out.test.row(0)[0]);
    }
}
