//! Running a recovered SINDy model: takes the terms and the sparse coefficient matrix
//! and produces the vector field `f(x) = Ξ θ(x)`, its exact Jacobian, and forecasts
//! sampled at the data's step by integrating `ẋ = f(x)` with Dormand–Prince 5(4) and its
//! dense output.
//!
//! Only the terms with a non-zero coefficient are evaluated ("compiled" sparse
//! right-hand side, spec §12.6). Divergence — a non-finite state, the step size
//! collapsing, or the orbit leaving a bound — is reported with the step where it
//! happened, never returned as a short or NaN trajectory.
//!
//! # References
//! - J. R. Dormand, P. J. Prince, J. Comput. Appl. Math. 6 (1980) 19–26 (the stepper in
//!   [`crate::integrate::dopri5`]).
//! - E. Hairer, S. P. Nørsett, G. Wanner, *Solving ODEs I*, §I.14 (variational equation
//!   `Φ' = J(x)Φ` for the Jacobian of the flow map).

use serde::{Deserialize, Serialize};

use super::library::Term;
use crate::integrate::Stepper;
use crate::integrate::dopri5::Dopri5;
use crate::models::ForecastError;

/// Relative tolerance of forecasts (PySINDy simulates with LSODA at 1e-12; 1e-10 keeps
/// the integration error far below the model's own error at a fraction of the cost).
pub const FORECAST_RTOL: f64 = 1e-10;
/// Absolute tolerance of forecasts.
pub const FORECAST_ATOL: f64 = 1e-10;

/// The sparse vector field `f_i(x) = Σ_j Ξ_ij θ_j(x)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SparseField {
    /// The terms used by at least one equation.
    pub terms: Vec<Term>,
    /// Per equation: `(index into terms, coefficient)`.
    pub rows: Vec<Vec<(usize, f64)>>,
}

impl SparseField {
    /// Keeps the non-zero entries of `coef` (`n × p`) over the library `terms`.
    pub fn new(all_terms: &[Term], coef: &[Vec<f64>]) -> Self {
        let used: Vec<usize> = (0..all_terms.len())
            .filter(|&j| coef.iter().any(|row| row[j] != 0.0))
            .collect();
        let terms = used.iter().map(|&j| all_terms[j].clone()).collect();
        let rows = coef
            .iter()
            .map(|row| {
                used.iter()
                    .enumerate()
                    .filter(|(_, j)| row[**j] != 0.0)
                    .map(|(k, &j)| (k, row[j]))
                    .collect()
            })
            .collect();
        Self { terms, rows }
    }

    /// The state dimension.
    pub fn dim(&self) -> usize {
        self.rows.len()
    }

    /// `out = f(x)`.
    pub fn eval(&self, x: &[f64], values: &mut Vec<f64>, out: &mut [f64]) {
        values.clear();
        values.extend(self.terms.iter().map(|t| t.eval(x)));
        for (o, row) in out.iter_mut().zip(&self.rows) {
            *o = row.iter().map(|&(k, c)| c * values[k]).sum();
        }
    }

    /// The exact Jacobian `∂f_i/∂x_k` at `x`, row-major `n × n`.
    pub fn jacobian(&self, x: &[f64]) -> Vec<f64> {
        let n = self.dim();
        let mut grads = vec![0.0; self.terms.len() * n];
        for (t, g) in self.terms.iter().zip(grads.chunks_exact_mut(n)) {
            t.gradient(x, g);
        }
        let mut jac = vec![0.0; n * n];
        for (i, row) in self.rows.iter().enumerate() {
            for &(k, c) in row {
                for col in 0..n {
                    jac[i * n + col] += c * grads[k * n + col];
                }
            }
        }
        jac
    }

    /// `steps + 1` samples `dt` apart from `x0` (row-major), integrating with Dopri5 at
    /// [`FORECAST_RTOL`]/[`FORECAST_ATOL`]; a state with a component beyond `bound`
    /// counts as divergence.
    pub fn forecast(
        &self,
        x0: &[f64],
        steps: usize,
        dt: f64,
        bound: f64,
    ) -> Result<Vec<f64>, ForecastError> {
        let n = self.dim();
        if x0.len() != n {
            return Err(ForecastError::WrongDimension {
                expected: n,
                got: x0.len(),
            });
        }
        let mut out = Vec::with_capacity((steps + 1) * n);
        out.extend_from_slice(x0);
        let diverged = |step: usize, prefix: Vec<f64>| ForecastError::Diverged { step, prefix };
        if x0.iter().any(|v| !v.is_finite() || v.abs() > bound) {
            return Err(diverged(0, Vec::new()));
        }
        let mut values = Vec::with_capacity(self.terms.len());
        let rhs = |x: &[f64], dx: &mut [f64]| self.eval(x, &mut values, dx);
        let mut stepper = Dopri5::new(rhs, 0.0, x0, FORECAST_RTOL, FORECAST_ATOL, dt);
        let mut sample = vec![0.0; n];
        let mut k = 1;
        while k <= steps {
            if stepper.step().is_err() {
                return Err(diverged(k, out));
            }
            if stepper
                .state()
                .iter()
                .any(|v| !v.is_finite() || v.abs() > bound)
            {
                return Err(diverged(k, out));
            }
            while k <= steps && k as f64 * dt <= stepper.t() {
                stepper.interpolate(k as f64 * dt, &mut sample);
                out.extend_from_slice(&sample);
                k += 1;
            }
        }
        Ok(out)
    }

    /// The Jacobian of the flow map over `dt` at `x` (row-major), from the variational
    /// equation `Φ' = J(x(t)) Φ`, `Φ(0) = I`, integrated alongside `x` with Dopri5.
    pub fn flow_jacobian(&self, x: &[f64], dt: f64) -> Option<Vec<f64>> {
        let n = self.dim();
        let mut values = Vec::new();
        let rhs = |z: &[f64], dz: &mut [f64]| {
            let (xs, phi) = z.split_at(n);
            self.eval(xs, &mut values, &mut dz[..n]);
            let jac = self.jacobian(xs);
            for i in 0..n {
                for c in 0..n {
                    dz[n + i * n + c] = (0..n).map(|k| jac[i * n + k] * phi[k * n + c]).sum();
                }
            }
        };
        let mut z0 = x.to_vec();
        for i in 0..n {
            for c in 0..n {
                z0.push(if i == c { 1.0 } else { 0.0 });
            }
        }
        let mut stepper = Dopri5::new(rhs, 0.0, &z0, FORECAST_RTOL, FORECAST_ATOL, dt);
        while stepper.t() < dt {
            stepper.step().ok()?;
        }
        let mut z = vec![0.0; z0.len()];
        stepper.interpolate(dt, &mut z);
        let phi = z[n..].to_vec();
        phi.iter().all(|v| v.is_finite()).then_some(phi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ẋ = −x` (and `ẏ = x²`): closed forms `x = x0 e^{−t}`, `∂x(dt)/∂x0 = e^{−dt}`.
    fn decay() -> SparseField {
        let terms = vec![
            Term::Monomial { powers: vec![0, 0] },
            Term::Monomial { powers: vec![1, 0] },
            Term::Monomial { powers: vec![2, 0] },
        ];
        SparseField::new(&terms, &[vec![0.0, -1.0, 0.0], vec![0.0, 0.0, 1.0]])
    }

    #[test]
    fn forecast_follows_the_closed_form() {
        let f = decay();
        assert_eq!(f.terms.len(), 2, "the unused constant is dropped");
        let out = f.forecast(&[2.0, 0.0], 100, 0.05, 1e6).expect("finite");
        // y(t) = ∫ 4e^{−2s} ds = 2(1 − e^{−2t}).
        for k in [1usize, 50, 100] {
            let t = k as f64 * 0.05;
            assert!((out[2 * k] - 2.0 * (-t).exp()).abs() < 1e-9, "x at {t}");
            assert!((out[2 * k + 1] - 2.0 * (1.0 - (-2.0 * t).exp())).abs() < 1e-9);
        }
        let phi = f.flow_jacobian(&[2.0, 0.0], 0.1).expect("finite");
        // ∂x/∂x0 = e^{−dt}; ∂y/∂x0 = x0(1 − e^{−2dt}) with x0 = 2.
        assert!((phi[0] - (-0.1f64).exp()).abs() < 1e-9);
        assert!((phi[2] - 2.0 * (1.0 - (-0.2f64).exp())).abs() < 1e-9);
        assert_eq!(phi[1], 0.0);
    }

    #[test]
    fn blow_up_is_reported_with_its_step() {
        // ẋ = x²: from x0 = 1 the solution 1/(1 − t) leaves every bound before t = 1.
        let terms = vec![Term::Monomial { powers: vec![2] }];
        let f = SparseField::new(&terms, &[vec![1.0]]);
        match f.forecast(&[1.0], 200, 0.01, 1e6) {
            Err(ForecastError::Diverged { step, prefix }) => {
                // 1/(1 − t) > 1e6 at t > 0.999999: the first missing sample is step 100.
                assert_eq!(step, 100, "diverged at step {step}");
                assert_eq!(prefix.len(), 100);
            }
            other => panic!("expected divergence, got {other:?}"),
        }
    }
}
