//! The RAdam optimiser: Adam with a rectified adaptive learning rate, and the
//! exponential learning-rate schedule of the GTF training recipe.
//!
//! Takes a gradient for the flat parameter vector; updates the parameters in place.
//!
//! # Method
//! `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`, `m̂ = m/(1−β1^t)`,
//! `ρ_∞ = 2/(1−β2) − 1`, `ρ_t = ρ_∞ − 2 t β2^t/(1−β2^t)`. If `ρ_t > 4`:
//! `r_t = √((ρ_t−4)(ρ_t−2)ρ_∞ / ((ρ_∞−4)(ρ_∞−2)ρ_t))` and
//! `θ ← θ − η r_t m̂ / (√(v/(1−β2^t)) + ε)`; otherwise `θ ← θ − η m̂`.
//!
//! # References
//! - L. Liu, H. Jiang, P. He, W. Chen, X. Liu, J. Gao, J. Han, "On the Variance of the
//!   Adaptive Learning Rate and Beyond", ICLR 2020, Algorithm 2.

use serde::{Deserialize, Serialize};

/// `β1` of Liu et al. (2020) and of the GTF recipe.
pub const BETA1: f64 = 0.9;
/// `β2`.
pub const BETA2: f64 = 0.999;
/// `ε`.
pub const EPSILON: f64 = 1e-8;

/// RAdam's moment estimates and step count.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RAdam {
    /// First moments.
    pub m: Vec<f64>,
    /// Second moments.
    pub v: Vec<f64>,
    /// Steps taken.
    pub t: u64,
}

impl RAdam {
    /// A fresh optimiser for `len` parameters.
    pub fn new(len: usize) -> Self {
        Self {
            m: vec![0.0; len],
            v: vec![0.0; len],
            t: 0,
        }
    }

    /// One step with learning rate `lr` (Liu et al. 2020, Algorithm 2).
    pub fn step(&mut self, theta: &mut [f64], grad: &[f64], lr: f64) {
        self.t += 1;
        let t = self.t as f64;
        let b1t = BETA1.powf(t);
        let b2t = BETA2.powf(t);
        let rho_inf = 2.0 / (1.0 - BETA2) - 1.0;
        let rho_t = rho_inf - 2.0 * t * b2t / (1.0 - b2t);
        let rect = if rho_t > 4.0 {
            Some(
                ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                    / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                    .sqrt(),
            )
        } else {
            None
        };
        for i in 0..theta.len() {
            let g = grad[i];
            self.m[i] = BETA1 * self.m[i] + (1.0 - BETA1) * g;
            self.v[i] = BETA2 * self.v[i] + (1.0 - BETA2) * g * g;
            let m_hat = self.m[i] / (1.0 - b1t);
            theta[i] -= match rect {
                Some(r) => lr * r * m_hat / ((self.v[i] / (1.0 - b2t)).sqrt() + EPSILON),
                None => lr * m_hat,
            };
        }
    }
}

/// The per-epoch learning-rate factor `γ = (η_end/η_start)^{1/E}` that takes the rate
/// from `start` to exactly `end` after `epochs` epochs.
pub fn lr_decay(start: f64, end: f64, epochs: usize) -> f64 {
    (end / start).powf(1.0 / epochs.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// While ρ_t ≤ 4 (the first 4 steps for β2 = 0.999: ρ_4 = 3.998, ρ_5 = 4.996) the
    /// update is SGD with bias-corrected momentum: a constant gradient g moves θ by
    /// exactly η g per step.
    #[test]
    fn warm_up_steps_are_momentum_sgd() {
        let mut opt = RAdam::new(1);
        let mut theta = [1.0];
        for k in 1..=4 {
            opt.step(&mut theta, &[2.0], 0.01);
            assert!((theta[0] - (1.0 - 0.02 * k as f64)).abs() < 1e-12, "{k}");
        }
        // Step 5 is rectified: |Δθ| = η r_6 m̂/√v̂ = η r_6 for a constant gradient.
        opt.step(&mut theta, &[2.0], 0.01);
        let rho_inf = 1999.0;
        let b2t = 0.999f64.powi(5);
        let rho = rho_inf - 10.0 * b2t / (1.0 - b2t);
        let r = ((rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho))
            .sqrt();
        assert!((theta[0] - (0.92 - 0.01 * r)).abs() < 1e-9, "{}", theta[0]);
    }

    #[test]
    fn minimises_a_quadratic() {
        // f = Σ c_i θ_i² with very different curvatures: Adam-type steps are scale-free.
        let c = [1.0, 100.0, 0.01];
        let mut theta = [1.0, -1.0, 1.0];
        let mut opt = RAdam::new(3);
        for _ in 0..3000 {
            let g: Vec<f64> = (0..3).map(|i| 2.0 * c[i] * theta[i]).collect();
            opt.step(&mut theta, &g, 0.01);
        }
        assert!(theta.iter().all(|t| t.abs() < 0.05), "{theta:?}");
    }

    #[test]
    fn schedule_reaches_the_end_rate() {
        let g = lr_decay(1e-3, 1e-6, 500);
        assert!((1e-3 * g.powi(500) / 1e-6 - 1.0).abs() < 1e-10);
    }
}
