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

#[cfg(test)]
mod tests {
    use crate::integrate::{Method, Simulation, solve, stepper_for};
    use crate::jobs::JobContext;
    use crate::systems::Catalog;

    use crate::integrate::SolverStats;

    /// The state at `t_end` (dense output), the method label and the counters.
    fn run_to(
        method: Method,
        sys: &crate::systems::System,
        t_end: f64,
    ) -> (Vec<f64>, Option<String>, SolverStats) {
        let x0 = sys.info().initial_conditions.clone();
        let mut s = stepper_for(sys, method, 1e-6, 1e-6, f64::INFINITY, 0.0, &x0);
        while s.t() < t_end {
            s.step().expect("integrates");
        }
        let mut out = vec![0.0; x0.len()];
        s.interpolate(t_end, &mut out);
        (out, s.method_label(), s.stats())
    }

    #[test]
    fn stiff_van_der_pol_switches_to_radau_and_keeps_the_orbit() {
        let mut sys = Catalog::builtin()
            .system("VanDerPol")
            .expect("in the catalog");
        sys.set_param("mu", 1000.0).expect("mu exists");
        let t_end = 300.0;
        let x0 = sys.info().initial_conditions.clone();
        let mut auto = stepper_for(&sys, Method::Auto, 1e-6, 1e-6, f64::INFINITY, 0.0, &x0);
        while auto.t() < t_end {
            auto.step().expect("integrates");
        }
        let label = auto.method_label().expect("auto labels itself");
        assert!(label.starts_with("auto(dopri5→radau at t="), "{label}");
        let t_switch: f64 = label
            .trim_start_matches("auto(dopri5→radau at t=")
            .trim_end_matches(')')
            .parse()
            .expect("a number");
        // The stiffness shows within the first time units of the slow branch.
        assert!((0.0..10.0).contains(&t_switch), "{t_switch}");
        let mut a = [0.0; 2];
        auto.interpolate(t_end, &mut a);
        // Counters run on across the switch: at least the 15 stiff explicit steps.
        let st = auto.stats();
        assert!(st.steps > 15 && st.jacobians > 0, "{st:?}");
        // Independent check: the explicit method alone (slow, but accurate).
        let (b, _, dopri) = run_to(Method::Dopri5, &sys, t_end);
        assert!((a[0] - b[0]).abs() < 1e-3 * b[0].abs(), "{a:?} vs {b:?}");
        assert!(st.steps * 20 < dopri.steps, "{st:?} vs {dopri:?}");
    }

    #[test]
    fn non_stiff_lorenz_stays_explicit_and_equals_dopri5() {
        let sys = Catalog::builtin().system("Lorenz").expect("in the catalog");
        let (a, la, sa) = run_to(Method::Auto, &sys, 20.0);
        let (b, lb, sb) = run_to(Method::Dopri5, &sys, 20.0);
        assert_eq!(la.as_deref(), Some("auto(dopri5)"));
        assert_eq!(lb, None);
        // Same method, same steps: bit-identical states and the same counts.
        assert_eq!(a, b);
        assert_eq!(sa, sb);
    }

    #[test]
    fn solve_records_the_switch_in_the_provenance() {
        let mut sys = Catalog::builtin()
            .system("VanDerPol")
            .expect("in the catalog");
        sys.set_param("mu", 1000.0).expect("mu exists");
        let mut sim = Simulation::for_system(&sys, 0.05);
        sim.method = Method::Auto;
        sim.rtol = 1e-6;
        sim.atol = 1e-6;
        let (traj, stats) = solve(&sys, &sim, &JobContext::detached()).expect("integrates");
        assert!(
            traj.provenance.method.starts_with("auto(dopri5→radau"),
            "{}",
            traj.provenance.method
        );
        assert!(stats.jacobians > 0);
    }
}
