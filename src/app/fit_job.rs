//! The "Fit DMD" job the window runs in the background: integrate training data from
//! the live state, estimate the largest Lyapunov exponent, fit, forecast the held-out
//! part, score it. No egui here: the model card only starts it and reads its state.

use std::time::Instant;

use crate::data::Trajectory;
use crate::eval::forecast::DEFAULT_VPT_THRESHOLD;
use crate::eval::{HeldOutForecast, LyapunovOptions, forecast_held_out, lyapunov_spectrum};
use crate::integrate::{Simulation, solve};
use crate::jobs::{Job, Waker};
use crate::models::dmd::{Dmd, Rank};
use crate::models::{FittedModel, Model};
use crate::systems::{Kind, System};

/// Settings of a fit from the window.
#[derive(Clone, Debug, PartialEq)]
pub struct FitSettings {
    /// DMD rank (0 = full).
    pub rank: usize,
    /// Training-plus-test span in dominant periods.
    pub periods: f64,
    /// Share of the samples used for training.
    pub train_fraction: f64,
}

impl Default for FitSettings {
    fn default() -> Self {
        Self {
            rank: 0,
            periods: 60.0,
            train_fraction: 0.8,
        }
    }
}

/// Everything the window shows about a finished fit.
pub struct FitOutcome {
    /// The fitted model.
    pub model: Box<dyn FittedModel>,
    /// The held-out truth.
    pub test: Trajectory,
    /// The forecast from the first held-out state and its score.
    pub held_out: HeldOutForecast,
    /// Largest Lyapunov exponent of the system (QR method) used for the time axis.
    pub lyapunov: f64,
    /// Seconds the fit itself took.
    pub fit_seconds: f64,
    /// Training samples.
    pub train_samples: usize,
}

/// Starts a DMD fit of `system` from state `x0` on a background thread.
pub fn spawn_dmd_fit(
    system: System,
    x0: Vec<f64>,
    settings: FitSettings,
    waker: Option<Waker>,
) -> Job<FitOutcome> {
    Job::spawn("Fit DMD", waker, move |job| {
        let mut sim = Simulation::for_system(&system, settings.periods);
        sim.initial_condition = x0.clone();
        job.report(0.0, "integrating training data");
        let (data, _) = solve(&system, &sim, job).map_err(|e| e.to_string())?;
        job.report(0.3, "largest Lyapunov exponent");
        let lyap_opts = LyapunovOptions {
            count: Some(1),
            periods: if system.kind() == Kind::Map {
                20_000.0
            } else {
                200.0
            },
            transient_periods: 5.0,
            initial_condition: Some(x0),
            ..LyapunovOptions::default()
        };
        let lyapunov = lyapunov_spectrum(&system, &lyap_opts, job)
            .map_err(|e| e.to_string())?
            .exponents[0];
        job.report(0.6, "fitting DMD");
        let (train, test) = data.split(settings.train_fraction);
        let model = Dmd {
            rank: if settings.rank == 0 {
                Rank::Full
            } else {
                Rank::Fixed(settings.rank)
            },
            ..Dmd::default()
        };
        let started = Instant::now();
        let fitted = model.fit(&train, job).map_err(|e| e.to_string())?;
        let fit_seconds = started.elapsed().as_secs_f64();
        job.check().map_err(|e| e.to_string())?;
        job.report(0.9, "forecasting the held-out part");
        let held_out = forecast_held_out(
            fitted.as_ref(),
            &train,
            &test,
            lyapunov,
            DEFAULT_VPT_THRESHOLD,
        )
        .map_err(|e| e.to_string())?;
        job.report(1.0, "done");
        Ok(FitOutcome {
            model: fitted,
            test,
            held_out,
            lyapunov,
            fit_seconds,
            train_samples: train.len(),
        })
    })
}
