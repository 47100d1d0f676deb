//! Running a preset without a window (`chaoslab preset run`): the same [`ChaosApp`]
//! the window shows, built headless, the preset applied (system, fast-forward,
//! perturbation), its fits and its characterisation run to completion on the same
//! background jobs, and a summary of what each produced. Nothing here draws.
//!
//! `quick` divides every card's training epochs by [`QUICK_EPOCH_DIVISOR`] and the
//! characterisation's averaging span by [`QUICK_SPAN_DIVISOR`], so CI can run every
//! shipped preset in seconds; the summary says so.

use std::time::{Duration, Instant};

use super::ChaosApp;
use super::bench::FitStatus;
use super::characterise_panel::CharacteriseStatus;
use super::preset::Preset;

/// `--quick`: training epochs are divided by this (at least 1 epoch remains).
pub const QUICK_EPOCH_DIVISOR: u64 = 20;
/// `--quick`: the Lyapunov averaging span is divided by this.
pub const QUICK_SPAN_DIVISOR: f64 = 10.0;

/// What one model card produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelSummary {
    /// The card's title.
    pub model: String,
    /// `done` or `failed`.
    pub status: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Median valid prediction time over the held-out starts.
    pub vpt: Option<f64>,
    /// The unit of `vpt`: `lyapunov_times` or `time_units`.
    pub vpt_unit: Option<&'static str>,
    /// sMAPE of the held-out forecasts (0–200).
    pub smape: Option<f64>,
    /// Seconds the fit took.
    pub fit_seconds: Option<f64>,
    /// Training epochs the card was set to (families that train by epochs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epochs: Option<u64>,
}

/// The Characterise panel's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CharacteriseSummary {
    /// The Lyapunov spectrum, largest first.
    pub exponents: Vec<f64>,
    /// The Kaplan–Yorke dimension.
    pub kaplan_yorke: f64,
    /// The correlation dimension, when computed.
    pub correlation_dimension: Option<f64>,
}

/// What a headless preset run produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PresetSummary {
    /// The preset's title.
    pub title: String,
    /// The system's name.
    pub system: String,
    /// Whether `quick` scaled the work down.
    pub quick: bool,
    /// Time the live orbit was integrated to.
    pub live_time: f64,
    /// The live orbit's blow-up message, if it blew up.
    pub live_error: Option<String>,
    /// Size of the perturbation ensemble's last separation record (0: none started).
    pub separation_samples: usize,
    /// One entry per fitted card, in the preset's order.
    pub models: Vec<ModelSummary>,
    /// The characterisation, when the preset asks for one.
    pub characterise: Option<CharacteriseSummary>,
    /// Wall-clock seconds of the whole run.
    pub elapsed_s: f64,
}

/// Divides a card's `epochs` setting by [`QUICK_EPOCH_DIVISOR`], if it has one; returns
/// the epochs it is left with.
fn quicken(card: &mut dyn super::cards::ModelCard) -> Option<u64> {
    let mut settings = card.settings();
    let epochs = settings.get("epochs")?.as_u64()?;
    let quick = (epochs / QUICK_EPOCH_DIVISOR).max(1);
    settings["epochs"] = quick.into();
    card.set_settings(&settings).ok()?;
    Some(quick)
}

impl ChaosApp {
    /// Starts the queued fits and characterisation and waits until every job is done.
    pub fn run_jobs_to_completion(&mut self) {
        for i in std::mem::take(&mut self.pending_fits) {
            self.start_fit(i);
        }
        if self.characterise.take_run_request() {
            let (system, x0) = (self.live.system.clone(), self.live.state().to_vec());
            self.characterise.start(&system, &x0, None);
        }
        while self.bench.busy() || self.characterise.busy() {
            self.bench.poll();
            self.characterise.poll();
            std::thread::sleep(Duration::from_millis(5));
        }
        self.bench.poll();
    }
}

/// Applies `preset` to a headless app, runs its jobs to completion and summarises them.
pub fn run_preset(preset: &Preset, quick: bool) -> anyhow::Result<PresetSummary> {
    let started = Instant::now();
    let mut app = ChaosApp::headless(None)?;
    app.apply_preset(preset)?;
    let mut epochs = vec![None; app.bench.cards.len()];
    if quick {
        for (card, e) in app.bench.cards.iter_mut().zip(&mut epochs) {
            *e = quicken(card.spec.as_mut());
        }
        app.characterise.flow_periods /= QUICK_SPAN_DIVISOR;
        app.characterise.map_iterations /= QUICK_SPAN_DIVISOR;
    }
    let fitted: Vec<usize> = app.pending_fits.clone();
    app.run_jobs_to_completion();
    let models = fitted
        .into_iter()
        .filter_map(|i| app.bench.cards.get(i).map(|c| (i, c)))
        .map(|(i, card)| {
            let model = card.spec.title().to_string();
            let epochs = epochs[i].or_else(|| card.spec.settings().get("epochs")?.as_u64());
            match &card.status {
                FitStatus::Done(out) => ModelSummary {
                    model,
                    status: "done".into(),
                    error: None,
                    vpt: Some(out.comparison.vpt),
                    vpt_unit: Some(if out.lyapunov > 0.0 {
                        "lyapunov_times"
                    } else {
                        "time_units"
                    }),
                    smape: Some(out.comparison.smape),
                    fit_seconds: Some(out.fit_seconds),
                    epochs,
                },
                other => ModelSummary {
                    model,
                    status: "failed".into(),
                    error: Some(match other {
                        FitStatus::Failed(e) => e.clone(),
                        _ => "the fit did not finish".into(),
                    }),
                    vpt: None,
                    vpt_unit: None,
                    smape: None,
                    fit_seconds: None,
                    epochs,
                },
            }
        })
        .collect();
    let characterise = match &app.characterise.status {
        CharacteriseStatus::Done(c) => Some(CharacteriseSummary {
            exponents: c.spectrum.exponents.clone(),
            kaplan_yorke: c.spectrum.kaplan_yorke,
            correlation_dimension: c
                .dimension
                .as_ref()
                .and_then(|d| d.as_ref().ok())
                .map(|d| d.dimension),
        }),
        CharacteriseStatus::Failed(e) => anyhow::bail!("the characterisation failed: {e}"),
        _ => None,
    };
    Ok(PresetSummary {
        title: preset.title.clone(),
        system: app.live.system.name().to_string(),
        quick,
        live_time: app.live.time(),
        live_error: app.live.error.clone(),
        separation_samples: app.live.separation.len(),
        models,
        characterise,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}
