//! `PE(n)`, the n-step prediction error: from true states of a series, run the model
//! `n` steps without forcing and average the squared error against the true state `n`
//! steps later, in standardised units².
//!
//! # Method (`specs/plrnn.md` §3.5; F. Hess et al., "Generalized Teacher Forcing for
//! Learning Chaotic Dynamics", ICML 2023)
//! For starts `t = 0, s, 2s, … < T − n` (stride `s ≥ 1` chosen so at most `max_starts`
//! are used; the paper uses every `t`),
//! `PE(n) = mean_{t, j} ((x̂_{t+n,j} − x_{t+n,j}) / σ_j)²`, `σ_j` the sample standard
//! deviation (1/T) of column `j` of the true series (a constant column is compared
//! unscaled). The paper uses `n = 20`. Models with memory (reservoir computers) get the
//! states before `x_t` as context, as in the forecasts of [`super::compare`].

use super::protocol::history_window;
use crate::data::Trajectory;
use crate::models::FittedModel;

/// The paper's horizon `n = 20`.
pub const PE_STEPS: usize = 20;

/// The start indices: every `stride`-th `t < len − n`, at most `max_starts` of them.
pub fn pe_starts(len: usize, n: usize, max_starts: usize) -> Vec<usize> {
    if len <= n || n == 0 || max_starts == 0 {
        return Vec::new();
    }
    let starts = len - n;
    let stride = starts.div_ceil(max_starts);
    (0..starts).step_by(stride.max(1)).collect()
}

/// `PE(n)` of the `n`-step predictions `predict(t)` (the predicted state at `t + n`,
/// `dim` values) against the row-major series `truth`, over the starts of
/// [`pe_starts`]; `None` when there are no starts or a prediction is missing or not
/// finite.
pub fn prediction_error_of(
    truth: &[f64],
    dim: usize,
    n: usize,
    max_starts: usize,
    mut predict: impl FnMut(usize) -> Option<Vec<f64>>,
) -> Option<f64> {
    if dim == 0 || !truth.len().is_multiple_of(dim) {
        return None;
    }
    let len = truth.len() / dim;
    let starts = pe_starts(len, n, max_starts);
    if starts.is_empty() {
        return None;
    }
    let mut mean = vec![0.0; dim];
    for row in truth.chunks_exact(dim) {
        mean.iter_mut()
            .zip(row)
            .for_each(|(m, v)| *m += v / len as f64);
    }
    let mut var = vec![0.0; dim];
    for row in truth.chunks_exact(dim) {
        for j in 0..dim {
            var[j] += (row[j] - mean[j]).powi(2) / len as f64;
        }
    }
    let scale: Vec<f64> = var
        .iter()
        .zip(&mean)
        .map(|(v, m)| {
            let s = v.sqrt();
            if s > 1e-12 * (1.0 + m.abs()) { s } else { 1.0 }
        })
        .collect();
    let mut sum = 0.0;
    for &t in &starts {
        let p = predict(t)?;
        if p.len() != dim || p.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let target = &truth[(t + n) * dim..(t + n + 1) * dim];
        for j in 0..dim {
            sum += ((p[j] - target[j]) / scale[j]).powi(2);
        }
    }
    Some(sum / (starts.len() * dim) as f64)
}

/// `PE(n)` of `model` on `test` (context from `train` where the model has memory);
/// `None` when a run diverges or the test part is too short.
pub fn prediction_error(
    model: &dyn FittedModel,
    train: &Trajectory,
    test: &Trajectory,
    n: usize,
    max_starts: usize,
) -> Option<f64> {
    let dim = test.dim();
    prediction_error_of(test.samples(), dim, n, max_starts, |t| {
        let history = history_window(train, test, t, model.context_len());
        let run = model.forecast_from_history(&history, n).ok()?;
        run.get(n * dim..(n + 1) * dim).map(<[f64]>::to_vec)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A perfect predictor scores 0; one that is off by one standard deviation in
    /// every coordinate scores 1.
    #[test]
    fn exact_and_offset_predictions() {
        let truth: Vec<f64> = (0..50).flat_map(|k| [k as f64, (k as f64).sin()]).collect();
        let exact = prediction_error_of(&truth, 2, 3, 100, |t| {
            Some(truth[(t + 3) * 2..(t + 4) * 2].to_vec())
        });
        assert_eq!(exact, Some(0.0));
        let std: Vec<f64> = (0..2)
            .map(|j| {
                let col: Vec<f64> = truth.iter().skip(j).step_by(2).copied().collect();
                let m = col.iter().sum::<f64>() / 50.0;
                (col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / 50.0).sqrt()
            })
            .collect();
        let off = prediction_error_of(&truth, 2, 3, 100, |t| {
            Some(vec![
                truth[(t + 3) * 2] + std[0],
                truth[(t + 3) * 2 + 1] - std[1],
            ])
        })
        .expect("finite");
        assert!((off - 1.0).abs() < 1e-12, "{off}");
        assert_eq!(pe_starts(50, 3, 100).len(), 47);
        assert_eq!(pe_starts(50, 3, 10), (0..47).step_by(5).collect::<Vec<_>>());
        assert_eq!(prediction_error_of(&truth, 2, 3, 100, |_| None), None);
    }
}
