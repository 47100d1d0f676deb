//! The power-spectrum window: the spectrum of one coordinate of the live orbit's recent
//! samples, on a log scale, with the catalog's dominant frequency marked. The spectrum
//! is [`smoothed_spectrum`] (z-scored, exact DFT bins, lightly smoothed, unit sum).

use egui::Color32;
use egui_plot::{Line, PlotPoints, VLine};

use super::coordinate_names;
use crate::app::live::LiveSimulation;
use crate::eval::power_spectrum::smoothed_spectrum;

/// Smoothing of the displayed spectrum, in frequency bins.
const SMOOTHING_BINS: f64 = 1.0;
/// Samples of the trail the spectrum uses (at most).
const MAX_SAMPLES: usize = 8_192;
/// Recompute at most this often (wall seconds).
const REFRESH_SECONDS: f64 = 0.25;

/// State of the spectrum window.
pub struct SpectrumView {
    /// Window shown.
    pub open: bool,
    /// Where the window was drawn last frame (`None` while closed), for PNG export.
    pub rect: Option<egui::Rect>,
    /// Which drawn coordinate.
    pub coordinate: usize,
    /// `(frequency, log10 power)` of the last computation.
    pub spectrum: Vec<[f64; 2]>,
    computed_at: f64,
}

impl Default for SpectrumView {
    fn default() -> Self {
        SpectrumView {
            open: false,
            rect: None,
            coordinate: 0,
            spectrum: Vec::new(),
            computed_at: f64::NEG_INFINITY,
        }
    }
}

impl SpectrumView {
    /// Recomputes the spectrum from the trail's last samples.
    pub fn compute(&mut self, live: &LiveSimulation) {
        let trail = live.trail();
        let n = trail.len().min(MAX_SAMPLES);
        self.spectrum.clear();
        if n < 16 {
            return;
        }
        let col: Vec<f64> = trail[trail.len() - n..]
            .iter()
            .map(|p| f64::from(p[self.coordinate]))
            .collect();
        let Some(power) = smoothed_spectrum(&col, 1, 0, SMOOTHING_BINS) else {
            return;
        };
        let df = 1.0 / (n as f64 * live.dt);
        // Skip the zero-frequency bin (the z-scored mean is 0; log would be −∞).
        self.spectrum = power
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, p)| **p > 0.0)
            .map(|(k, p)| [k as f64 * df, p.log10()])
            .collect();
    }

    /// Draws the window.
    pub fn show(&mut self, ctx: &egui::Context, live: &LiveSimulation) {
        if !self.open {
            self.rect = None;
            return;
        }
        let now = ctx.input(|i| i.time);
        if now - self.computed_at > REFRESH_SECONDS || self.spectrum.is_empty() {
            self.compute(live);
            self.computed_at = now;
        }
        let mut open = self.open;
        let shown = crate::app::theme::show_window(
            ctx,
            "Power spectrum",
            egui::Window::new("Power spectrum")
                .open(&mut open)
                .default_size([470.0, 200.0])
                .default_pos([275.0, 340.0]),
            |ui| self.ui(ui, live),
        );
        self.rect = shown.map(|r| r.response.rect);
        self.open = open;
    }

    fn ui(&mut self, ui: &mut egui::Ui, live: &LiveSimulation) {
        let names = coordinate_names(live);
        ui.horizontal(|ui| {
            let before = self.coordinate;
            for (j, name) in names.iter().enumerate() {
                ui.selectable_value(&mut self.coordinate, j, name.as_str());
            }
            if before != self.coordinate {
                self.compute(live);
            }
        });
        let f0 = 1.0 / live.system.info().period;
        crate::app::theme::plot("power_spectrum")
            .x_axis_label("frequency (1 / time unit)")
            .y_axis_label("log10 power")
            .allow_scroll(false)
            .show(ui, |plot| {
                let pts: PlotPoints = self.spectrum.iter().copied().collect();
                plot.line(Line::new("power", pts).color(Color32::from_rgb(90, 190, 255)));
                if live.system.kind() != crate::systems::Kind::Map {
                    plot.vline(
                        VLine::new("dominant frequency (catalog)", f0)
                            .color(Color32::from_rgb(255, 170, 80)),
                    );
                }
            });
    }
}
