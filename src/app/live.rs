//! The live simulation behind the window: the chosen system integrated a little each
//! frame, a bounded trail of recent states for the 3-D view, play/pause/reset and speed.
//! Parameter changes take effect at the current state without restarting the orbit.

use std::sync::Arc;

use crate::integrate::{Method, Stepper, solve_defaults, stepper_for};
use crate::systems::{Kind, System};

/// How many recent states the trail keeps.
pub const TRAIL_CAPACITY: usize = 20_000;

/// A system integrating in real time.
pub struct LiveSimulation {
    /// The system with its current parameters.
    pub system: System,
    /// The initial condition `reset` returns to.
    pub initial_condition: Vec<f64>,
    /// Running or paused.
    pub playing: bool,
    /// Simulated dominant periods per second of wall time.
    pub periods_per_second: f64,
    /// Sampling interval of the trail.
    pub dt: f64,
    stepper: Box<dyn Stepper>,
    trail: Vec<[f32; 3]>,
    shared: Arc<Vec<[f32; 3]>>,
    /// Bumped whenever the trail changes (the renderer re-uploads then).
    pub generation: u64,
    t_next_sample: f64,
    carry: f64,
    /// The last divergence message, shown in the side panel.
    pub error: Option<String>,
}

impl LiveSimulation {
    /// Starts `system` from its catalog initial condition.
    pub fn new(system: System) -> Self {
        let ic = system.info().initial_conditions.clone();
        let dt = match system.kind() {
            Kind::Flow => system.info().period / 100.0,
            Kind::Map => 1.0,
        };
        let stepper = make_stepper(&system, dt, 0.0, &ic);
        let mut s = Self {
            system,
            initial_condition: ic,
            playing: true,
            periods_per_second: 1.0,
            dt,
            stepper,
            trail: Vec::new(),
            shared: Arc::new(Vec::new()),
            generation: 0,
            t_next_sample: 0.0,
            carry: 0.0,
            error: None,
        };
        s.reset();
        s
    }

    /// Back to the initial condition with an empty trail.
    pub fn reset(&mut self) {
        self.stepper = make_stepper(&self.system, self.dt, 0.0, &self.initial_condition);
        self.trail.clear();
        self.t_next_sample = 0.0;
        self.error = None;
        self.push_sample(&self.initial_condition.clone());
        self.publish();
    }

    /// Replaces the system (a new pick) and resets.
    pub fn set_system(&mut self, system: System) {
        *self = LiveSimulation {
            playing: self.playing,
            periods_per_second: self.periods_per_second,
            ..LiveSimulation::new(system)
        };
    }

    /// Applies changed parameters from the current state on.
    pub fn parameters_changed(&mut self) {
        let t = self.stepper.t();
        let x = self.stepper.state().to_vec();
        self.stepper = make_stepper(&self.system, self.dt, t, &x);
        self.error = None;
    }

    /// The current state.
    pub fn state(&self) -> &[f64] {
        self.stepper.state()
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.stepper.t()
    }

    /// The trail, shared with the renderer.
    pub fn trail(&self) -> Arc<Vec<[f32; 3]>> {
        self.shared.clone()
    }

    /// Advances by `wall_seconds × speed` (at most `max_samples` new samples); returns
    /// true when the trail changed.
    pub fn advance(&mut self, wall_seconds: f64, max_samples: usize) -> bool {
        if !self.playing || self.error.is_some() {
            return false;
        }
        self.carry += wall_seconds * self.periods_per_second * self.system.info().period;
        let target = (self.t_next_sample + self.carry)
            .min(self.t_next_sample + max_samples as f64 * self.dt);
        self.carry = 0.0_f64.max(self.carry - (target - self.t_next_sample));
        self.integrate_until(target)
    }

    /// Integrates, without the wall clock, until `periods` more periods are in the trail.
    pub fn fast_forward(&mut self, periods: f64) {
        let target = self.t_next_sample + periods * self.system.info().period;
        self.integrate_until(target);
    }

    fn integrate_until(&mut self, target: f64) -> bool {
        let n = self.system.dim();
        let mut row = vec![0.0; n];
        let mut changed = false;
        while self.t_next_sample <= target {
            if self.stepper.t() >= self.t_next_sample - 1e-12 {
                self.stepper.interpolate(self.t_next_sample, &mut row);
                self.push_sample(&row);
                self.t_next_sample += self.dt;
                changed = true;
                continue;
            }
            if let Err(e) = self.stepper.step() {
                let (t, reason) = e.describe();
                self.error = Some(format!(
                    "The orbit blew up at t = {t:.3} ({reason}). Move the parameters back into range and press Reset."
                ));
                break;
            }
        }
        if changed {
            self.publish();
        }
        changed
    }

    fn push_sample(&mut self, x: &[f64]) {
        let &[p] = &super::fit_job::points_3d(x, x.len())[..] else {
            return;
        };
        if self.trail.len() >= TRAIL_CAPACITY {
            self.trail.drain(..TRAIL_CAPACITY / 10);
        }
        self.trail.push(p);
    }

    fn publish(&mut self) {
        self.shared = Arc::new(self.trail.clone());
        self.generation += 1;
    }
}

fn make_stepper(system: &System, dt: f64, t0: f64, x0: &[f64]) -> Box<dyn Stepper> {
    stepper_for(
        system,
        Method::Dopri5,
        solve_defaults::RTOL,
        solve_defaults::ATOL,
        dt,
        t0,
        x0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::Catalog;

    #[test]
    fn advance_fills_the_trail_and_survives_parameter_changes() {
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let mut live = LiveSimulation::new(sys);
        assert!(live.advance(0.5, 10_000));
        let n = live.trail().len();
        assert!(n > 40, "{n}");
        live.system.set_param("rho", 10.0).expect("rho");
        live.parameters_changed();
        live.fast_forward(20.0);
        // Below rho = 24.74 the orbit settles on a fixed point: z → rho − 1 = 9.
        assert!((live.state()[2] - 9.0).abs() < 0.5, "{:?}", live.state());
    }

    #[test]
    fn blow_up_is_reported_not_panicked() {
        let mut sys = Catalog::builtin().system("Henon").expect("Henon");
        sys.set_param("a", 1.5).expect("a");
        let mut live = LiveSimulation::new(sys);
        live.fast_forward(10_000.0);
        assert!(live.error.as_deref().is_some_and(|e| e.contains("blew up")));
    }
}
