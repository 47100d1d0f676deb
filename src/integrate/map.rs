//! Iteration of a discrete-time map `x_{n+1} = f(x_n)`, as a [`Stepper`] whose time is
//! the iteration count.

use super::{SolverStats, StepError, Stepper};

/// Iterates `f(x, out)` one application per step.
pub struct MapIteration<F> {
    f: F,
    t: f64,
    x: Vec<f64>,
    next: Vec<f64>,
    stats: SolverStats,
}

impl<F: FnMut(&[f64], &mut [f64]) + Send> MapIteration<F> {
    /// Starts at iteration `t0` from `x0`.
    pub fn new(f: F, t0: f64, x0: &[f64]) -> Self {
        Self {
            f,
            t: t0,
            x: x0.to_vec(),
            next: vec![0.0; x0.len()],
            stats: SolverStats::default(),
        }
    }
}

impl<F: FnMut(&[f64], &mut [f64]) + Send> Stepper for MapIteration<F> {
    fn t(&self) -> f64 {
        self.t
    }

    fn state(&self) -> &[f64] {
        &self.x
    }

    fn step(&mut self) -> Result<(), StepError> {
        (self.f)(&self.x, &mut self.next);
        self.stats.evaluations += 1;
        if self.next.iter().any(|v| !v.is_finite()) {
            return Err(StepError::NonFinite { t: self.t });
        }
        std::mem::swap(&mut self.x, &mut self.next);
        self.t += 1.0;
        self.stats.steps += 1;
        Ok(())
    }

    /// A map has no states between iterations: returns the current iterate.
    fn interpolate(&self, _t: f64, out: &mut [f64]) {
        out.copy_from_slice(&self.x);
    }

    fn set_state(&mut self, x: &[f64]) {
        self.x.copy_from_slice(x);
    }

    fn stats(&self) -> SolverStats {
        self.stats
    }
}
