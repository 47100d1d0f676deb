//! The reservoir-computer cards: the echo-state network (reservoir size, spectral
//! radius, leak, input and bias scaling, density, washout, ridge, seed) and NVAR
//! (delays, skip, ridge). The bench runs the fits as background jobs with progress and
//! cancel like every card; the result shows the read-out's training error and the
//! closed loop's largest Lyapunov exponent.

use super::{ModelCard, labelled_f64, labelled_usize};
use crate::models::reservoir::{Esn, Nvar, esn, nvar};
use crate::models::{FittedModel, Model};

/// ESN card settings (the defaults tuned on Lorenz, see `models::reservoir::esn`).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EsnCard {
    reservoir: usize,
    spectral_radius: f64,
    leak: f64,
    input_scaling: f64,
    bias_scaling: f64,
    density: f64,
    washout: usize,
    /// log10 of the ridge weight (a slider over decades).
    log_ridge: f64,
    seed: usize,
}

impl Default for EsnCard {
    fn default() -> Self {
        Self {
            reservoir: esn::DEFAULT_RESERVOIR,
            spectral_radius: esn::DEFAULT_SPECTRAL_RADIUS,
            leak: esn::DEFAULT_LEAK,
            input_scaling: esn::DEFAULT_INPUT_SCALING,
            bias_scaling: esn::DEFAULT_BIAS_SCALING,
            density: esn::DEFAULT_DENSITY,
            washout: esn::DEFAULT_WASHOUT,
            log_ridge: esn::DEFAULT_RIDGE.log10(),
            seed: 0,
        }
    }
}

impl ModelCard for EsnCard {
    fn title(&self) -> &'static str {
        "ESN"
    }

    fn blurb(&self) -> &'static str {
        "Echo-state network (Jaeger 2001): a fixed random leaky tanh reservoir driven by the data, with a ridge read-out; forecasts closed-loop after synchronising on the history."
    }

    fn color(&self) -> [u8; 3] {
        [90, 200, 200]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        labelled_usize(
            ui,
            "reservoir N",
            &mut self.reservoir,
            10..=esn::MAX_RESERVOIR,
        );
        labelled_f64(
            ui,
            "spectral radius ρ",
            &mut self.spectral_radius,
            0.01..=3.0,
        );
        labelled_f64(ui, "leak rate a", &mut self.leak, 0.01..=1.0);
        labelled_f64(ui, "input scaling", &mut self.input_scaling, 0.01..=5.0);
        labelled_f64(ui, "bias scaling", &mut self.bias_scaling, 0.0..=5.0);
        labelled_f64(ui, "density", &mut self.density, 0.001..=1.0);
        labelled_usize(ui, "washout", &mut self.washout, 0..=10_000);
        labelled_f64(ui, "ESN ridge (log10)", &mut self.log_ridge, -12.0..=2.0);
        labelled_usize(ui, "reservoir seed", &mut self.seed, 0..=1_000_000);
    }

    fn model(&self) -> Box<dyn Model> {
        Box::new(Esn {
            reservoir: self.reservoir,
            spectral_radius: self.spectral_radius,
            leak: self.leak,
            input_scaling: self.input_scaling,
            bias_scaling: self.bias_scaling,
            density: self.density,
            washout: self.washout,
            ridge: 10f64.powf(self.log_ridge),
            seed: self.seed as u64,
        })
    }

    fn result_ui(&self, ui: &mut egui::Ui, model: &dyn FittedModel) {
        fit_summary(ui, model);
    }
}

/// NVAR card settings (the defaults tuned on Lorenz, see `models::reservoir::nvar`).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NvarCard {
    delays: usize,
    skip: usize,
    /// log10 of the ridge weight.
    log_ridge: f64,
}

impl Default for NvarCard {
    fn default() -> Self {
        Self {
            delays: nvar::DEFAULT_DELAYS,
            skip: nvar::DEFAULT_SKIP,
            log_ridge: nvar::DEFAULT_RIDGE.log10(),
        }
    }
}

impl ModelCard for NvarCard {
    fn title(&self) -> &'static str {
        "NVAR"
    }

    fn blurb(&self) -> &'static str {
        "Next-generation reservoir computer (Gauthier et al. 2021): delayed states and their quadratic monomials, a ridge read-out predicting the next increment."
    }

    fn color(&self) -> [u8; 3] {
        [160, 200, 90]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        labelled_usize(ui, "delays k", &mut self.delays, 1..=8);
        labelled_usize(ui, "skip s", &mut self.skip, 1..=50);
        labelled_f64(ui, "NVAR ridge (log10)", &mut self.log_ridge, -12.0..=2.0);
    }

    fn model(&self) -> Box<dyn Model> {
        Box::new(Nvar {
            delays: self.delays,
            skip: self.skip,
            ridge: 10f64.powf(self.log_ridge),
        })
    }

    fn result_ui(&self, ui: &mut egui::Ui, model: &dyn FittedModel) {
        fit_summary(ui, model);
    }
}

/// The read-out's training error and the closed loop's λ_max from the model's report.
fn fit_summary(ui: &mut egui::Ui, model: &dyn FittedModel) {
    let report = model.report();
    let num = |k: &str| report.get(k).and_then(|v| v.as_f64());
    ui.label(format!(
        "read-out training RMSE {} (standardised increments); closed-loop λ_max {}",
        num("training_rmse").map_or("n/a".into(), |v| format!("{v:.2e}")),
        num("max_lyapunov").map_or("diverged".into(), |v| format!("{v:.3}")),
    ));
}
