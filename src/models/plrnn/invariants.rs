//! Long-term invariants of a fitted model: its largest Lyapunov exponent from the
//! Jacobian (QR/Benettin method), and the free-run protocol that scores its orbit's
//! state-space occupation (`D_stsp`) and power spectrum (`D_H`) against true data.
//!
//! # Method
//! Lyapunov: from `z_0`, discard `transient` steps; then `q ← J(z_t) q / ‖J(z_t) q‖`,
//! accumulating `ln ‖J(z_t) q‖`, and `z_{t+1} = F(z_t)`; `λ_max` is the mean per step
//! (`specs/plrnn.md` §5). For the clipped shPLRNN the Jacobian is piecewise constant,
//! so each factor is exact. Free run: generate `1.25 T` steps from the first true
//! state, drop the first `0.25 T`, compare the remaining `T` with the `T` true rows
//! (`specs/plrnn.md` §3.1).
//!
//! # References
//! - G. Benettin et al., Meccanica 15 (1980) — the QR method.
//! - F. Hess et al., "Generalized Teacher Forcing for Learning Chaotic Dynamics",
//!   ICML 2023 — the evaluation protocol.

use serde::{Deserialize, Serialize};

use super::model::ShPlrnn;
use crate::data::Trajectory;
use crate::eval::power_spectrum::{DEFAULT_SMOOTHING, power_spectrum_distance};
use crate::eval::stsp::state_space_divergence_auto;
use crate::models::{FittedModel, ForecastError};

/// Steps discarded before the Lyapunov average (spec: ≥ 10⁴).
pub const LYAPUNOV_TRANSIENT: usize = 10_000;
/// Steps of the Lyapunov average (spec: ≈ 10⁵).
pub const LYAPUNOV_STEPS: usize = 100_000;

/// A model's long-term scores; `None` where the free run diverged or a metric is
/// undefined.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvariantScores {
    /// `D_stsp` against the true data (nats).
    pub d_stsp: Option<f64>,
    /// `D_H` against the true data.
    pub d_h: Option<f64>,
}

/// The largest Lyapunov exponent of `net` per step, from latent state `z0`; `None` if
/// the orbit leaves the finite range.
pub fn max_lyapunov(net: &ShPlrnn, z0: &[f64], transient: usize, steps: usize) -> Option<f64> {
    let m = net.latent;
    let mut z = z0.to_vec();
    let mut next = vec![0.0; m];
    let mut hidden = vec![0.0; net.hidden];
    for _ in 0..transient {
        net.step(&z, &mut next, &mut hidden);
        std::mem::swap(&mut z, &mut next);
    }
    let mut q = vec![1.0 / (m as f64).sqrt(); m];
    let mut jq = vec![0.0; m];
    let mut sum = 0.0;
    for _ in 0..steps {
        net.jvp(&z, &q, &mut jq, &mut hidden);
        let r = jq.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(r.is_finite() && r > 0.0) {
            return if r == 0.0 {
                Some(f64::NEG_INFINITY)
            } else {
                None
            };
        }
        sum += r.ln();
        q.iter_mut().zip(&jq).for_each(|(a, b)| *a = b / r);
        net.step(&z, &mut next, &mut hidden);
        std::mem::swap(&mut z, &mut next);
    }
    let lambda = sum / steps.max(1) as f64;
    (lambda.is_finite() && z.iter().all(|v| v.is_finite())).then_some(lambda)
}

/// The paper's horizon of the n-step prediction error.
pub const PE_STEPS: usize = 20;

/// `PE(n)`: from every true state `x_t` (`t + n` inside the data) run the model `n`
/// steps freely and average the squared error against `x_{t+n}` over all starts and
/// dimensions, each dimension scaled by the true data's standard deviation (an MSE in
/// standardised units², `specs/plrnn.md` §3.5). At most `max_starts` evenly spaced
/// starts are used; `None` when a run diverges or the data are too short.
pub fn prediction_error(
    model: &dyn FittedModel,
    truth: &Trajectory,
    n: usize,
    max_starts: usize,
) -> Option<f64> {
    let (len, dim) = (truth.len(), truth.dim());
    if len <= n || n == 0 {
        return None;
    }
    let (mean, std) = truth.mean_std();
    let starts = len - n;
    let stride = starts.div_ceil(max_starts.max(1));
    let mut sum = 0.0;
    let mut count = 0usize;
    for t in (0..starts).step_by(stride) {
        let run = model.forecast(truth.row(t), n).ok()?;
        let target = truth.row(t + n);
        for j in 0..dim {
            // A constant column (std at rounding level) is compared unscaled.
            let s = if std[j] > 1e-12 * (1.0 + mean[j].abs()) {
                std[j]
            } else {
                1.0
            };
            sum += ((run[n * dim + j] - target[j]) / s).powi(2);
        }
        count += dim;
    }
    Some(sum / count as f64)
}

/// Scores `model`'s free run against `truth` with the paper's protocol: `1.25 T`
/// generated steps from `truth`'s first row, the first quarter dropped.
pub fn free_run_scores(model: &dyn FittedModel, truth: &Trajectory) -> InvariantScores {
    let t = truth.len();
    let dim = truth.dim();
    if t < 2 {
        return InvariantScores::default();
    }
    let burn = t / 4;
    let rows = match model.forecast(truth.row(0), burn + t - 1) {
        Ok(r) => r,
        Err(ForecastError::Diverged { .. }) | Err(ForecastError::WrongDimension { .. }) => {
            return InvariantScores::default();
        }
    };
    let generated = &rows[burn * dim..];
    let finite = |v: f64| v.is_finite().then_some(v);
    InvariantScores {
        d_stsp: state_space_divergence_auto(truth.samples(), generated, dim)
            .ok()
            .and_then(finite),
        d_h: power_spectrum_distance(truth.samples(), generated, dim, DEFAULT_SMOOTHING)
            .ok()
            .and_then(finite),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Provenance;
    use crate::models::plrnn::model::Nonlinearity;
    use rand::SeedableRng;

    /// With W1 = 0 the map is linear, `J = diag(A)`, and `Σ_t ln r_t = ln ‖J^T q_0‖`
    /// exactly, which is `T ln 0.9 + ln(1/√3)` for `q_0 = (1,1,1)/√3` up to the
    /// `(0.7/0.9)^{2T}` share of the other axes.
    #[test]
    fn linear_network_exponent_is_log_of_largest_a() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(2);
        let mut net = ShPlrnn::init(3, 5, 3, Nonlinearity::Clipped, &mut rng);
        let lay = net.layout();
        net.theta[lay.w1..lay.w2].iter_mut().for_each(|w| *w = 0.0);
        net.theta[lay.a..lay.w1].copy_from_slice(&[0.5, -0.9, 0.7]);
        let l = max_lyapunov(&net, &[1.0, 1.0, 1.0], 0, 10_000).expect("finite");
        let exact = 0.9f64.ln() + (1.0 / 3f64.sqrt()).ln() / 10_000.0;
        assert!((l - exact).abs() < 1e-12, "{l} vs {exact}");
    }

    /// A network that is exactly `z ↦ 0.5 z` (W1 = 0, h1 = 0, A = 0.5) on data
    /// `x_t = 2^{−t}`: its n-step prediction is exact, so PE = 0; with A = 0.25 the
    /// error at each start is `((0.5³ − 0.25³) x_t / σ)²`.
    #[test]
    fn prediction_error_of_an_exact_and_a_wrong_model() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(2);
        let mut net = ShPlrnn::init(1, 3, 1, Nonlinearity::Clipped, &mut rng);
        let lay = net.layout();
        net.theta.iter_mut().for_each(|w| *w = 0.0);
        net.theta[lay.a] = 0.5;
        let model = crate::models::plrnn::PlrnnModel {
            names: vec!["x".into()],
            dt: 1.0,
            net,
            mean: vec![0.0],
            std: vec![1.0],
            options: Default::default(),
            training: Default::default(),
            train_scores: Default::default(),
            max_lyapunov: None,
            last_state: vec![1.0],
        };
        let halving: Vec<f64> = (0..30).map(|t| 0.5f64.powi(t)).collect();
        let data = Trajectory::new(vec!["x".into()], 0.0, 1.0, halving, Provenance::file("t"));
        let pe = prediction_error(&model, &data, 3, 100).expect("finite");
        assert!(pe < 1e-30, "{pe}");
        // A = 0.25 instead of 0.5: the 3-step prediction is 0.25³ x_t against 0.5³ x_t.
        let mut wrong = model.clone();
        wrong.net.theta[lay.a] = 0.25;
        let (_, std) = data.mean_std();
        let exact = (0..27)
            .map(|t| ((0.125 - 0.015625) * data.row(t)[0] / std[0]).powi(2))
            .sum::<f64>()
            / 27.0;
        let pe = prediction_error(&wrong, &data, 3, 100).expect("finite");
        assert!((pe / exact - 1.0).abs() < 1e-12, "{pe} vs {exact}");
    }
}
