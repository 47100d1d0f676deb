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

/// The (at most) `len` states ending at test row `s`, oldest first (row-major): the
/// context a model with memory synchronises on before forecasting from that row. Rows
/// before the test part come from the end of `train` when the two are contiguous in time
/// (a split of one trajectory), otherwise the window starts within `test`.
pub fn history_window(train: &Trajectory, test: &Trajectory, s: usize, len: usize) -> Vec<f64> {
    let n = test.dim();
    let len = len.max(1);
    let from_test = len.min(s + 1);
    let contiguous = train.dim() == n
        && !train.is_empty()
        && (train.time(train.len()) - test.t0()).abs() <= 1e-9 * test.dt().abs().max(1.0);
    let from_train = if contiguous {
        (len - from_test).min(train.len())
    } else {
        0
    };
    let mut out = Vec::with_capacity((from_train + from_test) * n);
    out.extend_from_slice(&train.samples()[(train.len() - from_train) * n..]);
    out.extend_from_slice(&test.samples()[(s + 1 - from_test) * n..(s + 1) * n]);
    out
}

/// Forecasts `test.len() − 1` steps from `test`'s first state (after the model's
/// context, see [`history_window`]) and scores the result, normalising errors by the
/// training data's standard deviations.
pub fn forecast_held_out(
    model: &dyn FittedModel,
    train: &Trajectory,
    test: &Trajectory,
    lyapunov: f64,
    threshold: f64,
) -> Result<HeldOutForecast, ForecastError> {
    let steps = test.len().saturating_sub(1);
    let history = history_window(train, test, 0, model.context_len());
    let (forecast, diverged_at) = match model.forecast_from_history(&history, steps) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Provenance;

    fn ramp(t0: f64, len: usize) -> Trajectory {
        let samples = (0..len).map(|k| t0 + k as f64).collect();
        Trajectory::new(vec!["x".into()], t0, 1.0, samples, Provenance::file("ramp"))
    }

    #[test]
    fn history_reaches_back_into_the_training_part_only_when_contiguous() {
        let (train, test) = ramp(0.0, 10).split(0.6);
        // Rows 6.. are the test part; the window ending at test row 1 (value 7) of
        // length 4 is 4, 5, 6, 7.
        assert_eq!(
            history_window(&train, &test, 1, 4),
            vec![4.0, 5.0, 6.0, 7.0]
        );
        assert_eq!(history_window(&train, &test, 3, 2), vec![8.0, 9.0]);
        assert_eq!(history_window(&train, &test, 0, 1), vec![6.0]);
        // Longer than all the data: everything up to the start.
        assert_eq!(history_window(&train, &test, 0, 50).len(), 7);
        // A separate test file (not continuing the training data) gives only its rows.
        let other = ramp(100.0, 5);
        assert_eq!(
            history_window(&train, &other, 2, 10),
            vec![100.0, 101.0, 102.0]
        );
    }
}
