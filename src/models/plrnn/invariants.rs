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
use crate::eval::stsp::{DEFAULT_BINS, state_space_divergence};
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
        d_stsp: state_space_divergence(truth.samples(), generated, dim, DEFAULT_BINS)
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
}
