//! The held-out forecast protocol shared by the CLI and the window: forecast from the
//! first test state over the test span and score it against the test data.

use serde::{Deserialize, Serialize};

use super::{ForecastScore, score_forecast};
use crate::data::Trajectory;
use crate::models::{FittedModel, ForecastError};

/// A model's forecast on held-out data with its score.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HeldOutForecast {
    /// Forecast rows (row-major), starting at the first test state.
    pub forecast: Vec<f64>,
    /// Error curve, VPT and sMAPE.
    pub score: ForecastScore,
    /// The step where the model's orbit diverged, if it did.
    pub diverged_at: Option<usize>,
}

/// Forecasts `test.len() − 1` steps from `test`'s first state and scores the result,
/// normalising errors by the training data's standard deviations.
pub fn forecast_held_out(
    model: &dyn FittedModel,
    train: &Trajectory,
    test: &Trajectory,
    lyapunov: f64,
    threshold: f64,
) -> Result<HeldOutForecast, ForecastError> {
    let steps = test.len().saturating_sub(1);
    let (forecast, diverged_at) = match model.forecast(test.row(0), steps) {
        Ok(f) => (f, None),
        Err(ForecastError::Diverged { step, prefix }) => (prefix, Some(step)),
        Err(e) => return Err(e),
    };
    let (_, std) = train.mean_std();
    let score = score_forecast(
        test.samples(),
        &forecast,
        test.dim(),
        test.dt(),
        &std,
        lyapunov,
        threshold,
    );
    Ok(HeldOutForecast {
        forecast,
        score,
        diverged_at,
    })
}
