//! The fit job the window runs in the background for any model family: integrate the
//! training data from the live state, estimate the largest Lyapunov exponent, fit,
//! forecast the held-out part, score it. No egui here.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::data::Trajectory;
use crate::eval::compare::{CompareOptions, ModelComparison, score_fitted};
use crate::eval::forecast::DEFAULT_VPT_THRESHOLD;
use crate::eval::lyapunov::forecast_time_scale;
use crate::eval::{HeldOutForecast, forecast_held_out};
use crate::integrate::{Simulation, solve};
use crate::jobs::{Job, Waker};
use crate::models::{FittedModel, Model};
use crate::systems::System;

/// The training data every card is fitted on (one dataset, so the comparison is fair).
#[derive(Clone, Debug, PartialEq)]
pub struct DataSettings {
    /// Training-plus-test span in dominant periods.
    pub periods: f64,
    /// Share of the samples used for training.
    pub train_fraction: f64,
    /// Measurement noise (fraction of each variable's standard deviation).
    pub noise: f64,
    /// Seed of the noise.
    pub seed: u64,
}

impl Default for DataSettings {
    fn default() -> Self {
        Self {
            periods: 60.0,
            train_fraction: 0.8,
            noise: 0.0,
            seed: 0,
        }
    }
}

/// Everything the window shows about a finished fit.
pub struct FitOutcome {
    /// Standard deviation of each state over the training part (normalises errors).
    pub train_std: Vec<f64>,
    /// The fitted model.
    pub model: Box<dyn FittedModel>,
    /// The held-out truth.
    pub test: Arc<Trajectory>,
    /// The forecast from the first held-out state and its score.
    pub held_out: HeldOutForecast,
    /// Largest Lyapunov exponent of the system (QR method) used for the time axis.
    pub lyapunov: f64,
    /// Seconds the fit itself took.
    pub fit_seconds: f64,
    /// Training samples.
    pub train_samples: usize,
    /// Forecasts from K held-out starts and the free run's statistics.
    pub comparison: ModelComparison,
    /// A process-unique id (the renderer re-uploads a curve when it changes).
    pub id: u64,
    /// The forecast's first three coordinates, for the 3-D view.
    pub forecast_points: Arc<Vec<[f32; 3]>>,
    /// What the model was fitted on (a saved session records it).
    pub source: FitSource,
    /// The training-data settings it was fitted with.
    pub data: DataSettings,
}

/// What a fit job does once the training data is ready.
pub enum FitWork {
    /// Fit this model.
    Fit(Box<dyn Model>),
    /// Take this already fitted model (from a session file) and only score it, showing
    /// the original fit time.
    Restore {
        /// The fitted model.
        model: Box<dyn FittedModel>,
        /// Seconds the original fit took.
        fit_seconds: f64,
    },
}

static NEXT_OUTCOME_ID: AtomicU64 = AtomicU64::new(1);

/// The first three coordinates of row-major states (2-D states lie in z = 0).
pub fn points_3d(rows: &[f64], dim: usize) -> Vec<[f32; 3]> {
    rows.chunks_exact(dim)
        .map(|x| {
            let at = |j: usize| x.get(j).copied().unwrap_or(0.0) as f32;
            [at(0), at(1), at(2)]
        })
        .collect()
}

/// What the models are fitted on.
#[derive(Clone)]
pub enum FitSource {
    /// A catalog system integrated from a state (the live orbit's).
    System {
        /// The system with its current parameters.
        system: System,
        /// The start state.
        x0: Vec<f64>,
    },
    /// An imported dataset, with the user's largest Lyapunov exponent if known.
    Dataset {
        /// The data.
        data: Arc<Trajectory>,
        /// λ_max for the time axis (None: plot in time units).
        lyapunov: Option<f64>,
    },
}

/// Starts fitting a model to `source` (or scoring a restored one) on a background
/// thread. Restoring repeats every step but the fit, so the scores come out the same
/// as the original fit's, bit for bit.
pub fn spawn_fit(
    label: &str,
    source: FitSource,
    work: FitWork,
    data: DataSettings,
    waker: Option<Waker>,
) -> Job<FitOutcome> {
    Job::spawn(label, waker, move |job| {
        let recorded = source.clone();
        let (traj, lyapunov) = match source {
            FitSource::System { system, x0 } => {
                let mut sim = Simulation::for_system(&system, data.periods);
                sim.initial_condition = x0.clone();
                job.report(0.0, "integrating training data");
                let (mut traj, _) = solve(&system, &sim, job).map_err(|e| e.to_string())?;
                traj.add_noise(data.noise, data.seed);
                job.report(0.1, "largest Lyapunov exponent");
                let lyapunov = forecast_time_scale(&system, x0, job).map_err(|e| e.to_string())?;
                (traj, lyapunov)
            }
            FitSource::Dataset { data: d, lyapunov } => {
                let mut traj = (*d).clone();
                traj.add_noise(data.noise, data.seed);
                (traj, lyapunov.unwrap_or(0.0))
            }
        };
        let (train, test) = traj.split(data.train_fraction);
        if test.len() < 2 {
            return Err(format!(
                "the test part has {} sample(s); use more data or a smaller train fraction",
                test.len()
            ));
        }
        let (fitted, fit_seconds) = match work {
            FitWork::Fit(model) => {
                job.report(0.2, &format!("fitting {}", model.family()));
                let started = Instant::now();
                let fitted = model.fit(&train, job).map_err(|e| e.to_string())?;
                (fitted, started.elapsed().as_secs_f64())
            }
            FitWork::Restore { model, fit_seconds } => (model, fit_seconds),
        };
        job.check().map_err(|e| e.to_string())?;
        job.report(0.95, "forecasting the held-out part");
        let held_out = forecast_held_out(
            fitted.as_ref(),
            &train,
            &test,
            lyapunov,
            DEFAULT_VPT_THRESHOLD,
        )
        .map_err(|e| e.to_string())?;
        job.report(0.97, "forecasting from 20 held-out starts; free run");
        let mut comparison = score_fitted(
            fitted.as_ref(),
            &train,
            &test,
            lyapunov,
            &CompareOptions::default(),
            job,
        );
        comparison.fit_seconds = fit_seconds;
        job.report(1.0, "done");
        let forecast_points = Arc::new(points_3d(&held_out.forecast, test.dim()));
        Ok(FitOutcome {
            train_std: train.mean_std().1,
            id: NEXT_OUTCOME_ID.fetch_add(1, Ordering::Relaxed),
            forecast_points,
            model: fitted,
            test: Arc::new(test),
            held_out,
            lyapunov,
            fit_seconds,
            train_samples: train.len(),
            comparison,
            source: recorded,
            data,
        })
    })
}
