//! The `auto` method: Dormand–Prince 5(4) while the problem is non-stiff, Radau IIA once
//! it turns stiff.
//!
//! # Method
//! The explicit stepper runs Hairer's stiffness test (`h·ρ > 3.25` on 15 accepted steps,
//! [`Dopri5::stiffness_detected`]; *Solving ODEs II*, §IV.2). When it fires, or when the
//! explicit step size collapses, the run continues from the current time and state with
//! [`Radau`] and its exact Jacobian; it never switches back (a stiff catalog system
//! stays stiff along its orbit). The counters add up across the switch, and
//! [`Stepper::method_label`] says where it happened: `auto(dopri5→radau at t=…)`.

use super::dopri5::Dopri5;
use super::radau::Radau;
use super::{SolverStats, StepError, Stepper};

/// Dopri5 that hands over to Radau IIA when stiffness shows.
pub struct AutoSwitch<F, J> {
    explicit: Dopri5<F>,
    /// The Radau stepper, once switched.
    implicit: Option<Radau<F, J>>,
    /// The vector field and Jacobian kept for the switch.
    f: F,
    jac: J,
    rtol: f64,
    atol: f64,
    h_max: f64,
}

impl<F, J> AutoSwitch<F, J>
where
    F: FnMut(&[f64], &mut [f64]) + Send + Clone,
    J: FnMut(&[f64], &mut [f64]) + Send + Clone,
{
    /// Starts with Dopri5 at `(t0, x0)`; `jac(x, out)` writes `∂f_i/∂x_j` row-major.
    pub fn new(f: F, jac: J, t0: f64, x0: &[f64], rtol: f64, atol: f64, h_max: f64) -> Self {
        Self {
            explicit: Dopri5::new(f.clone(), t0, x0, rtol, atol, h_max),
            implicit: None,
            f,
            jac,
            rtol,
            atol,
            h_max,
        }
    }

    /// The time of the switch to Radau, if it happened.
    pub fn switched_at(&self) -> Option<f64> {
        self.implicit.as_ref().map(|_| self.explicit.t())
    }

    fn active(&self) -> &dyn Stepper {
        match &self.implicit {
            Some(r) => r,
            None => &self.explicit,
        }
    }
}

impl<F, J> Stepper for AutoSwitch<F, J>
where
    F: FnMut(&[f64], &mut [f64]) + Send + Clone,
    J: FnMut(&[f64], &mut [f64]) + Send + Clone,
{
    fn t(&self) -> f64 {
        self.active().t()
    }

    fn state(&self) -> &[f64] {
        self.active().state()
    }

    fn step(&mut self) -> Result<(), StepError> {
        if self.implicit.is_none() {
            if !self.explicit.stiffness_detected() {
                match self.explicit.step() {
                    Ok(()) => return Ok(()),
                    Err(StepError::StepCollapse { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            // Continue from the explicit stepper's time and state with Radau.
            let d = &self.explicit;
            self.implicit = Some(Radau::new(
                self.f.clone(),
                self.jac.clone(),
                d.t(),
                d.state(),
                self.rtol,
                self.atol,
                self.h_max,
            ));
        }
        match &mut self.implicit {
            Some(r) => r.step(),
            None => Err(StepError::NonFinite {
                t: self.explicit.t(),
            }),
        }
    }

    fn interpolate(&self, t: f64, out: &mut [f64]) {
        self.active().interpolate(t, out);
    }

    fn set_state(&mut self, x: &[f64]) {
        match &mut self.implicit {
            Some(r) => r.set_state(x),
            None => self.explicit.set_state(x),
        }
    }

    /// The explicit stepper's counters (frozen at the switch) plus Radau's.
    fn stats(&self) -> SolverStats {
        let explicit = self.explicit.stats();
        match &self.implicit {
            Some(r) => explicit + r.stats(),
            None => explicit,
        }
    }

    fn method_label(&self) -> Option<String> {
        Some(match self.switched_at() {
            Some(t) => format!("auto(dopri5→radau at t={t:.6})"),
            None => "auto(dopri5)".into(),
        })
    }
}
