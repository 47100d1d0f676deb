//! Driving a stepper over a whole simulation: transient, fixed-interval sampling through
//! dense output, divergence reporting, and the trajectory's provenance.

use serde::{Deserialize, Serialize};

use super::auto_switch::AutoSwitch;
use super::dde::{DelayStepper, History, StepControl};
use super::dop853::Dop853;
use super::dopri5::Dopri5;
use super::map::MapIteration;
use super::radau::Radau;
use super::rk4::Rk4;
use super::{IntegrateError, Method, SolverStats, Stepper};
use crate::data::{Provenance, Source, Trajectory};
use crate::jobs::JobContext;
use crate::systems::{Kind, System};

/// What to integrate: initial condition, span, sampling and solver settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Simulation {
    /// The starting state (defaults to the catalog's initial condition).
    pub initial_condition: Vec<f64>,
    /// Length of the recorded span (time units; iterations for maps).
    pub t_end: f64,
    /// Sampling interval of the output (1 for maps).
    pub dt: f64,
    /// Time integrated and discarded before recording starts.
    pub transient: f64,
    /// The method for flows (maps are iterated).
    pub method: Method,
    /// Relative tolerance (adaptive methods).
    pub rtol: f64,
    /// Absolute tolerance (adaptive methods).
    pub atol: f64,
}

/// Default relative tolerance: tight enough that sampling noise is far below any
/// model's error on the catalog's attractors.
pub const DEFAULT_RTOL: f64 = 1e-9;
/// Default absolute tolerance.
pub const DEFAULT_ATOL: f64 = 1e-12;
/// Default number of samples per dominant period (as dysts' `pts_per_period`).
pub const DEFAULT_POINTS_PER_PERIOD: f64 = 100.0;

impl Simulation {
    /// The catalog defaults for `system`: its initial condition, 100 samples per period,
    /// `periods` periods, Dormand–Prince with tight tolerances.
    pub fn for_system(system: &System, periods: f64) -> Simulation {
        let info = system.info();
        let (dt, method) = match system.kind() {
            Kind::Flow | Kind::Delay => (info.period / DEFAULT_POINTS_PER_PERIOD, Method::Dopri5),
            Kind::Map => (1.0, Method::Dopri5),
        };
        Simulation {
            initial_condition: info.initial_conditions.clone(),
            t_end: periods * info.period,
            dt,
            transient: 0.0,
            method,
            rtol: DEFAULT_RTOL,
            atol: DEFAULT_ATOL,
        }
    }

    /// The number of recorded samples (including t = 0).
    pub fn n_samples(&self) -> usize {
        (self.t_end / self.dt + 1e-9).floor() as usize + 1
    }

    fn validate(&self, system: &System) -> Result<(), IntegrateError> {
        system
            .check_state(&self.initial_condition)
            .map_err(|e| IntegrateError::Invalid(e.to_string()))?;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(self.dt) {
            return Err(IntegrateError::Invalid(format!(
                "the sampling interval dt must be a positive number, got {}",
                self.dt
            )));
        }
        if !(self.t_end.is_finite() && self.t_end >= self.dt) {
            return Err(IntegrateError::Invalid(format!(
                "t_end ({}) must be at least one sampling interval ({})",
                self.t_end, self.dt
            )));
        }
        if !(self.transient.is_finite() && self.transient >= 0.0) {
            return Err(IntegrateError::Invalid("the transient must be ≥ 0".into()));
        }
        if !(positive(self.rtol) && positive(self.atol)) {
            return Err(IntegrateError::Invalid(
                "tolerances must be positive numbers (for example --rtol 1e-9 --atol 1e-12)".into(),
            ));
        }
        if self.n_samples() > 200_000_000 / system.dim().max(1) {
            return Err(IntegrateError::Invalid(format!(
                "{} samples would not fit in memory; shorten t_end or enlarge dt",
                self.n_samples()
            )));
        }
        if system.kind() == Kind::Delay && !system.delay_tau().is_some_and(|tau| tau > 0.0) {
            return Err(IntegrateError::Invalid(format!(
                "{} is a delay equation: its delay tau must be a positive number (got {:?}); set it with --param tau=…",
                system.name(),
                system.delay_tau()
            )));
        }
        if system.kind() == Kind::Map && (self.dt - 1.0).abs() > 1e-12 {
            return Err(IntegrateError::Invalid(format!(
                "{} is a map: its time step is one iteration, so dt must be 1",
                system.name()
            )));
        }
        Ok(())
    }
}

/// Builds the stepper for `system` from state `x0` at time `t0`.
///
/// For RK4 the step is the largest `dt/k` (integer `k`) not above `period/200`, so
/// sample times fall on step boundaries; adaptive steps are capped at the sampling
/// interval so the dense output never spans more than one sample gap. Radau and `auto`
/// take the system's exact (dual-number) Jacobian. Delay systems always use the
/// method-of-steps solver ([`super::dde`]) with their chosen history; the state `x0` is
/// then their delay embedding.
pub fn stepper_for(
    system: &System,
    method: Method,
    rtol: f64,
    atol: f64,
    dt: f64,
    t0: f64,
    x0: &[f64],
) -> Box<dyn Stepper> {
    if system.kind() == Kind::Delay {
        let sys = system.clone();
        let tau = system.delay_tau().unwrap_or(1.0);
        let history = system
            .history_for(x0)
            .unwrap_or_else(|_| History::Constant(x0.first().copied().unwrap_or(0.0)));
        return Box::new(DelayStepper::new(
            move |now, delayed| sys.delay_rhs(now, delayed),
            tau,
            t0,
            history,
            StepControl {
                rtol,
                atol,
                h_max: dt,
            },
            system.dim(),
        ));
    }
    let sys = system.clone();
    let f = move |x: &[f64], out: &mut [f64]| sys.rhs(x, out);
    let sys = system.clone();
    let jac = move |x: &[f64], out: &mut [f64]| out.copy_from_slice(&sys.jacobian(x));
    match (system.kind(), method) {
        (Kind::Map, _) => Box::new(MapIteration::new(f, t0, x0)),
        (Kind::Flow | Kind::Delay, Method::Rk4) => {
            let h_max = system.info().period / 200.0;
            let k = (dt / h_max).ceil().max(1.0);
            Box::new(Rk4::new(f, t0, x0, dt / k))
        }
        (Kind::Flow | Kind::Delay, Method::Dopri5) => {
            Box::new(Dopri5::new(f, t0, x0, rtol, atol, dt))
        }
        (Kind::Flow | Kind::Delay, Method::Dop853) => {
            Box::new(Dop853::new(f, t0, x0, rtol, atol, dt))
        }
        (Kind::Flow | Kind::Delay, Method::Radau) => {
            Box::new(Radau::new(f, jac, t0, x0, rtol, atol, dt))
        }
        (Kind::Flow | Kind::Delay, Method::Auto) => {
            Box::new(AutoSwitch::new(f, jac, t0, x0, rtol, atol, dt))
        }
    }
}

/// Integrates `system` as `sim` says and returns the sampled trajectory.
///
/// Samples are taken at `t = k·dt` after the transient through the stepper's dense
/// output. A non-finite state or a collapsed step ends the run with
/// [`IntegrateError::Diverged`], which names the time and keeps the samples so far.
pub fn solve(
    system: &System,
    sim: &Simulation,
    job: &JobContext,
) -> Result<(Trajectory, SolverStats), IntegrateError> {
    sim.validate(system)?;
    let n = system.dim();
    let n_samples = sim.n_samples();
    let mut stepper = stepper_for(
        system,
        sim.method,
        sim.rtol,
        sim.atol,
        sim.dt,
        -sim.transient,
        &sim.initial_condition,
    );
    let mut samples = Vec::with_capacity(n_samples * n);
    let mut row = vec![0.0; n];
    // dysts records the output map of the state (sin/cos of unbounded angles), not the
    // raw state; so do we, so that a model sees what dysts' users see.
    let mut observed = vec![0.0; system.observed_dim()];
    let provenance = Provenance {
        source: Source::System {
            name: system.name().to_string(),
            params: system.named_params(),
        },
        initial_condition: sim.initial_condition.clone(),
        method: match system.kind() {
            Kind::Map => "map".into(),
            Kind::Delay => format!(
                "dde-bs23 (method of steps, history {})",
                system.delay_history().name()
            ),
            Kind::Flow => sim.method.name().into(),
        },
        rtol: sim.rtol,
        atol: sim.atol,
        transient: sim.transient,
        noise: 0.0,
        seed: None,
        chaoslab_version: env!("CARGO_PKG_VERSION").into(),
    };
    // The method as run: `auto` records whether and where it switched to Radau.
    let make = |samples: Vec<f64>, stepper: &dyn Stepper| {
        let mut provenance = provenance.clone();
        if system.kind() == Kind::Flow
            && let Some(label) = stepper.method_label()
        {
            provenance.method = label;
        }
        Trajectory::new(
            system.observed_names().to_vec(),
            0.0,
            sim.dt,
            samples,
            provenance,
        )
    };
    let mut k = 0usize;
    let mut steps_since_check = 0u32;
    while k < n_samples {
        let tk = k as f64 * sim.dt;
        if stepper.t() >= tk - 1e-12 * sim.dt.max(tk.abs()) {
            stepper.interpolate(tk, &mut row);
            if system.has_output_map() {
                system.observe(&row, &mut observed);
                samples.extend_from_slice(&observed);
            } else {
                samples.extend_from_slice(&row);
            }
            k += 1;
            continue;
        }
        if let Err(e) = stepper.step() {
            let (t, reason) = e.describe();
            return Err(IntegrateError::Diverged {
                t,
                reason,
                prefix: Box::new(make(samples, stepper.as_ref())),
            });
        }
        steps_since_check += 1;
        if steps_since_check >= 4096 {
            steps_since_check = 0;
            job.check()?;
            job.report(k as f32 / n_samples as f32, "integrating");
        }
    }
    let stats = stepper.stats();
    Ok((make(samples, stepper.as_ref()), stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::Catalog;

    #[test]
    fn dense_sampling_does_not_depend_on_the_internal_step() {
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let mut sim = Simulation::for_system(&sys, 2.0);
        let (a, _) = solve(&sys, &sim, &JobContext::detached()).expect("runs");
        sim.rtol = 1e-11;
        sim.atol = 1e-13;
        let (b, sb) = solve(&sys, &sim, &JobContext::detached()).expect("runs");
        assert_eq!(a.len(), b.len());
        let last = a.len() - 1;
        for j in 0..3 {
            assert!((a.row(last)[j] - b.row(last)[j]).abs() < 1e-5);
        }
        assert!(sb.steps > 0);
    }

    #[test]
    fn every_method_parses_and_every_adaptive_method_agrees_on_lorenz() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.name()).expect("own name parses"), m);
        }
        assert_eq!(Method::parse("RK45").expect("alias"), Method::Dopri5);
        let err = Method::parse("euler").expect_err("not a method");
        assert!(
            err.to_string().contains("rk4, dopri5, dop853, radau, auto"),
            "{err}"
        );
        // Two periods of Lorenz, where tight tolerances keep the chaotic divergence far
        // below the comparison bound: every method lands on the same final sample.
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let mut sim = Simulation::for_system(&sys, 2.0);
        let (reference, _) = solve(&sys, &sim, &JobContext::detached()).expect("runs");
        let last = reference.len() - 1;
        for m in [Method::Dop853, Method::Radau, Method::Auto] {
            sim.method = m;
            sim.rtol = if m == Method::Radau { 1e-11 } else { 1e-9 };
            let (t, st) = solve(&sys, &sim, &JobContext::detached()).expect("runs");
            assert_eq!(t.len(), reference.len());
            for j in 0..3 {
                let d = (t.row(last)[j] - reference.row(last)[j]).abs();
                assert!(d < 1e-4, "{m:?}: {d}");
            }
            assert!(st.steps > 0 && st.evaluations > st.steps, "{m:?} {st:?}");
            assert!(
                t.provenance.method.starts_with(m.name()),
                "{}",
                t.provenance.method
            );
        }
    }

    #[test]
    fn blow_up_names_the_time_and_keeps_the_prefix() {
        let mut sys = Catalog::builtin().system("Henon").expect("Henon");
        sys.set_param("a", 3.0).expect("a exists");
        let sim = Simulation::for_system(&sys, 100.0);
        let err = solve(&sys, &sim, &JobContext::detached()).expect_err("escapes");
        let IntegrateError::Diverged { t, prefix, .. } = &err else {
            panic!("expected divergence, got {err}")
        };
        assert!(*t > 0.0 && *t < 100.0);
        assert_eq!(prefix.len() as f64, t + 1.0);
        assert!(err.to_string().contains("blew up at t ="));
    }
}
