//! The PLRNN card: latent size M, hidden width L, the read-out (identity or affine,
//! Hess et al. 2023 §1.4 of `specs/plrnn.md`), clipped or plain, epochs, sequence
//! length, batch size, learning rate, seed, the teacher-forcing strength α (fixed or
//! adaptive) and how often the free run is scored. While it trains the card streams the
//! loss curve and, every k epochs, the free run's D_stsp and D_H (the free run itself
//! is drawn over the attractor); the result shows the loss curve, the metric history,
//! the model's Lyapunov exponent, its fixed points on request, and offers to continue
//! training.

use std::sync::Arc;

use egui_plot::{Legend, Line, PlotPoints};

use super::{ModelCard, labelled_f64, labelled_usize};
use crate::app::fit_job::points_3d;
use crate::jobs::Progress;
use crate::models::plrnn::fixed_points::FixedPoint;
use crate::models::plrnn::gtf::{AlphaRule, DEFAULT_ALPHA};
use crate::models::plrnn::model::Nonlinearity;
use crate::models::plrnn::train::{MetricPoint, TrainingSnapshot};
use crate::models::plrnn::{
    DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_EVAL_EVERY, DEFAULT_HIDDEN, DEFAULT_LR_START,
    DEFAULT_SEQ_LEN, Plrnn, PlrnnContinuation, PlrnnModel, Readout,
};
use crate::models::saved::SavedModel;
use crate::models::{FittedModel, Model};

/// PLRNN card settings (the GTF paper's recipe, with a desktop epoch budget).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlrnnCard {
    /// 0 means "the data's dimension".
    latent: usize,
    hidden: usize,
    epochs: usize,
    seq_len: usize,
    batch: usize,
    lr: f64,
    seed: usize,
    adaptive: bool,
    alpha: f64,
    /// The plain shPLRNN instead of the clipped one.
    unclipped: bool,
    /// Free-run scores every this many epochs (0: never).
    eval_every: usize,
    /// The observation model.
    readout: Readout,
}

impl Default for PlrnnCard {
    fn default() -> Self {
        Self {
            latent: 0,
            hidden: DEFAULT_HIDDEN,
            epochs: DEFAULT_EPOCHS,
            seq_len: DEFAULT_SEQ_LEN,
            batch: DEFAULT_BATCH_SIZE,
            lr: DEFAULT_LR_START,
            seed: 0,
            adaptive: true,
            alpha: DEFAULT_ALPHA,
            unclipped: false,
            eval_every: DEFAULT_EVAL_EVERY,
            readout: Readout::Identity,
        }
    }
}

impl PlrnnCard {
    fn options(&self) -> Plrnn {
        Plrnn {
            latent: (self.latent > 0).then_some(self.latent),
            hidden: self.hidden,
            nonlinearity: if self.unclipped {
                Nonlinearity::Plain
            } else {
                Nonlinearity::Clipped
            },
            epochs: self.epochs,
            seq_len: self.seq_len,
            batch_size: self.batch,
            lr_start: self.lr,
            seed: self.seed as u64,
            alpha: if self.adaptive {
                AlphaRule::adaptive()
            } else {
                AlphaRule::Fixed { alpha: self.alpha }
            },
            eval_every: self.eval_every,
            readout: self.readout,
            ..Plrnn::default()
        }
    }
}

/// The PLRNN inside a fitted model, if it is one.
fn as_plrnn(model: &dyn FittedModel) -> Option<PlrnnModel> {
    match model.to_saved() {
        SavedModel::Plrnn(m) => Some(m),
        _ => None,
    }
}

/// The training snapshot a running PLRNN fit published last, if any.
fn snapshot(progress: &Progress) -> Option<&TrainingSnapshot> {
    progress
        .partial
        .as_ref()?
        .downcast_ref::<TrainingSnapshot>()
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.3}"))
}

/// D_stsp and D_H against epochs.
fn metric_plot(ui: &mut egui::Ui, id: &str, history: &[MetricPoint]) {
    let line = |f: fn(&MetricPoint) -> Option<f64>| -> PlotPoints {
        history
            .iter()
            .filter_map(|p| f(p).map(|v| [p.epoch as f64, v]))
            .collect()
    };
    crate::app::theme::plot(id)
        .height(90.0)
        .legend(Legend::default())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(Line::new("D_stsp", line(|p| p.d_stsp)));
            plot.line(Line::new("D_H", line(|p| p.d_h)));
        });
}

impl ModelCard for PlrnnCard {
    fn title(&self) -> &'static str {
        "PLRNN"
    }

    fn blurb(&self) -> &'static str {
        "Clipped shallow PLRNN trained with generalized teacher forcing (Hess et al., ICML 2023): reproduces the attractor's statistics rather than the exact path."
    }

    fn color(&self) -> [u8; 3] {
        [220, 120, 220]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        labelled_usize(ui, "latent M (0 = data dim)", &mut self.latent, 0..=64);
        labelled_usize(ui, "hidden L", &mut self.hidden, 1..=1024);
        ui.horizontal(|ui| {
            ui.label("read-out");
            ui.selectable_value(&mut self.readout, Readout::Identity, "identity")
                .on_hover_text("the first N latents are the observations (M ≥ N)");
            ui.selectable_value(&mut self.readout, Readout::Affine, "affine")
                .on_hover_text("x̂ = B z with a trained N × M matrix B (allows M < N)");
        });
        ui.checkbox(&mut self.unclipped, "unclipped (plain shPLRNN)");
        labelled_usize(ui, "epochs (×50 steps)", &mut self.epochs, 1..=5000);
        labelled_usize(ui, "sequence length", &mut self.seq_len, 2..=1000);
        labelled_usize(ui, "batch size", &mut self.batch, 1..=256);
        labelled_f64(ui, "learning rate", &mut self.lr, 1e-6..=1e-1);
        labelled_usize(ui, "seed", &mut self.seed, 0..=1_000_000);
        ui.checkbox(&mut self.adaptive, "adaptive α (aGTF)");
        if !self.adaptive {
            labelled_f64(ui, "forcing α", &mut self.alpha, 0.0..=1.0);
        }
        labelled_usize(ui, "score every k epochs", &mut self.eval_every, 0..=5000);
    }

    fn model(&self) -> Box<dyn Model> {
        Box::new(self.options())
    }

    fn can_continue(&self) -> bool {
        true
    }

    fn continue_model(&self, fitted: &dyn FittedModel) -> Option<Box<dyn Model>> {
        let start = as_plrnn(fitted)?;
        Some(Box::new(PlrnnContinuation {
            start,
            options: self.options(),
        }))
    }

    fn progress_ui(&self, ui: &mut egui::Ui, progress: &Progress) {
        if let Some(s) = snapshot(progress)
            && let Some(last) = s.history.last()
        {
            ui.label(format!(
                "epoch {}: free run D_stsp = {}, D_H = {}",
                last.epoch,
                fmt_opt(last.d_stsp),
                fmt_opt(last.d_h)
            ));
            metric_plot(ui, "plrnn_live_metrics", &s.history);
        }
    }

    fn live_orbit(&self, progress: &Progress) -> Option<(u64, Arc<Vec<[f32; 3]>>)> {
        let s = snapshot(progress)?;
        Some((s.epoch as u64, Arc::new(points_3d(&s.free_run, s.dim))))
    }

    fn result_ui(&self, ui: &mut egui::Ui, model: &dyn FittedModel) {
        let Some(m) = as_plrnn(model) else {
            return;
        };
        let t = &m.training;
        ui.label(format!(
            "M = {}, L = {}, {} read-out, {} parameters",
            m.net.latent,
            m.net.hidden,
            m.net.readout.name(),
            m.net.theta.len()
        ));
        ui.label(format!(
            "{} epochs, {} gradient steps in {:.1} s ({:.0} steps/s), final α = {:.3}",
            t.epochs, t.gradient_steps, t.train_seconds, t.steps_per_second, t.final_alpha
        ));
        ui.label(format!(
            "model λ_max = {} per time unit",
            fmt_opt(m.max_lyapunov)
        ));
        ui.label(format!(
            "free run vs training data: D_stsp = {}, D_H = {}",
            fmt_opt(m.train_scores.d_stsp),
            fmt_opt(m.train_scores.d_h)
        ));
        if t.loss_curve.len() > 1 {
            let pts: PlotPoints = t
                .loss_curve
                .iter()
                .enumerate()
                .map(|(k, v)| [k as f64 + 1.0, v.max(1e-300).log10()])
                .collect();
            ui.label("log10 loss per epoch");
            crate::app::theme::plot("plrnn_loss")
                .height(80.0)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .show(ui, |plot| plot.line(Line::new("log10 loss", pts)));
        }
        if t.metric_history.len() > 1 {
            metric_plot(ui, "plrnn_metrics", &t.metric_history);
        }
        // Fixed points on request, kept per model (keyed by its parameters).
        let key = m
            .net
            .theta
            .iter()
            .fold(0u64, |h, v| h.rotate_left(5) ^ v.to_bits());
        let id = egui::Id::unique("plrnn_fixed_points").with(key);
        let found: Option<Arc<Vec<FixedPoint>>> = ui.data(|d| d.get_temp(id));
        match found {
            None => {
                if ui.button("Find fixed points").clicked() {
                    let fps = Arc::new(m.fixed_points());
                    ui.data_mut(|d| d.insert_temp(id, fps));
                }
            }
            Some(fps) => {
                ui.label(format!("{} fixed point(s) found", fps.len()));
                for fp in fps.iter() {
                    let state: Vec<String> = fp.state.iter().map(|v| format!("{v:.3}")).collect();
                    ui.monospace(format!(
                        "({})  ρ(J) = {:.3} {}",
                        state.join(", "),
                        fp.spectral_radius,
                        if fp.spectral_radius < 1.0 {
                            "attracting"
                        } else {
                            "unstable"
                        }
                    ));
                }
            }
        }
    }
}
