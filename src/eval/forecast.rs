//! Forecast quality against the truth: the normalised error curve, the valid prediction
//! time (VPT) in Lyapunov times, and sMAPE.
//!
//! # Definitions (chaoslab PRODUCT.md; Gilpin 2023; Vlachas et al. 2020)
//! With the truth's per-variable standard deviations `s_j`, the error at step `k` is
//! `e_k = sqrt( (1/n) Σ_j ((x̂_kj − x_kj)/s_j)² )` — the distance in z-scored coordinates
//! divided by the attractor's RMS size there (`sqrt(n)`). VPT is the first time `e > ε`
//! (default ε = 0.4), times the largest Lyapunov exponent. sMAPE is
//! `(200/K) Σ_k mean_j |x̂_kj − x_kj| / (|x̂_kj| + |x_kj|)`.

use serde::{Deserialize, Serialize};

/// Default VPT threshold on the normalised error.
pub const DEFAULT_VPT_THRESHOLD: f64 = 0.4;

/// A forecast scored against the truth.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ForecastScore {
    /// Normalised error at each step (the first is the start, usually 0).
    pub error: Vec<f64>,
    /// Valid prediction time in Lyapunov times (time units when `lyapunov ≤ 0`);
    /// the whole horizon when the error never crosses the threshold.
    pub vpt: f64,
    /// True when the error crossed the threshold inside the horizon.
    pub vpt_reached: bool,
    /// sMAPE over the horizon (0–200).
    pub smape: f64,
    /// Time per step in the plotted unit (Lyapunov times or time units).
    pub step_in_units: f64,
}

/// Scores `forecast` against `truth` (row-major, same shape), with step `dt`, the
/// truth's standard deviations `std` and the largest Lyapunov exponent `lyapunov`.
pub fn score_forecast(
    truth: &[f64],
    forecast: &[f64],
    dim: usize,
    dt: f64,
    std: &[f64],
    lyapunov: f64,
    threshold: f64,
) -> ForecastScore {
    let steps = truth.len().min(forecast.len()) / dim;
    let unit = if lyapunov > 0.0 { dt * lyapunov } else { dt };
    let mut error = Vec::with_capacity(steps);
    let mut smape = 0.0;
    for k in 0..steps {
        let (t, f) = (
            &truth[k * dim..(k + 1) * dim],
            &forecast[k * dim..(k + 1) * dim],
        );
        let mut e2 = 0.0;
        let mut sm = 0.0;
        for j in 0..dim {
            let s = if std[j] > 0.0 { std[j] } else { 1.0 };
            e2 += ((f[j] - t[j]) / s).powi(2);
            let denom = f[j].abs() + t[j].abs();
            if denom > 0.0 {
                sm += (f[j] - t[j]).abs() / denom;
            }
        }
        error.push((e2 / dim as f64).sqrt());
        smape += sm / dim as f64;
    }
    let crossing = error.iter().position(|&e| e > threshold);
    ForecastScore {
        vpt: crossing.unwrap_or(steps.saturating_sub(1)) as f64 * unit,
        vpt_reached: crossing.is_some(),
        smape: if steps > 0 {
            200.0 * smape / steps as f64
        } else {
            0.0
        },
        error,
        step_in_units: unit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpt_is_the_first_crossing_in_lyapunov_times() {
        // Error grows like 0.01·e^{λt} per coordinate: it crosses 0.4 at t = ln(40)/λ.
        let (lambda, dt, n) = (0.9, 0.01, 1000);
        let truth = vec![0.0; n * 2];
        let forecast: Vec<f64> = (0..n)
            .flat_map(|k| {
                let e = 0.01 * (lambda * k as f64 * dt).exp();
                [e, e]
            })
            .collect();
        let s = score_forecast(&truth, &forecast, 2, dt, &[1.0, 1.0], lambda, 0.4);
        assert!(s.vpt_reached);
        let expected = 40f64.ln(); // in Lyapunov times: λ · ln(40)/λ
        assert!(
            (s.vpt - expected).abs() < lambda * dt + 1e-12,
            "{} vs {expected}",
            s.vpt
        );
        assert_eq!(s.error[0], 0.01);
    }

    #[test]
    fn smape_of_a_perfect_forecast_is_zero_and_of_a_sign_flip_is_200() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let s = score_forecast(&t, &t, 2, 1.0, &[1.0, 1.0], 1.0, 0.4);
        assert_eq!(s.smape, 0.0);
        assert!(!s.vpt_reached);
        let flipped: Vec<f64> = t.iter().map(|v| -v).collect();
        let s = score_forecast(&t, &flipped, 2, 1.0, &[1.0, 1.0], 1.0, 0.4);
        assert!((s.smape - 200.0).abs() < 1e-12);
    }
}
