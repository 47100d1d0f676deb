//! The live simulation behind the window: the chosen system integrated a little each
//! frame, a bounded trail of recent states for the 3-D view, play/pause/reset and speed;
//! and the butterfly effect — an ensemble of orbits started in a tiny ball around the
//! current state, integrated in lock step, with the log of their mean separation from
//! the main orbit recorded against time. Parameter changes take effect at the current
//! states without restarting the orbits. The main orbit also carries its local
//! stretching ([`LocalStretching`]), one value per trail point. No egui here.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use crate::eval::local_stretching::LocalStretching;
use crate::integrate::{Method, Stepper, solve_defaults, stepper_for};
use crate::systems::{Kind, System};

/// How many recent states a trail keeps by default.
pub const TRAIL_CAPACITY: usize = 20_000;
/// The range the trail-length control offers.
pub const TRAIL_RANGE: std::ops::RangeInclusive<usize> = 500..=500_000;
/// Default size of a perturbation ensemble.
pub const DEFAULT_ENSEMBLE: usize = 10;
/// Default radius of the perturbation ball, relative to the attractor's size.
pub const DEFAULT_PERTURBATION: f64 = 1e-6;
/// Solver steps one sample interval may take before the live orbit stops with an
/// error: adaptive steps are capped at the interval, so a healthy orbit takes a few.
pub const MAX_STEPS_PER_SAMPLE: u64 = 100_000;
/// Solver steps one [`LiveSimulation::fast_forward`] may take (a second or so).
pub const FAST_FORWARD_STEP_BUDGET: u64 = 5_000_000;

/// Source of stream ids: every orbit's trail is a new stream for the renderer (counted
/// from 2^56, apart from the generations other curves use).
static NEXT_STREAM: AtomicU64 = AtomicU64::new(1 << 56);

/// One integrated orbit with its trail.
struct Orbit {
    stepper: Box<dyn Stepper>,
    /// Shared with the renderer and the views; appended in place when no one else
    /// holds it (the renderer lets go at the end of each frame), so a frame costs the
    /// new samples, not a copy of the trail.
    trail: Arc<Vec<[f32; 3]>>,
    /// Samples ever pushed onto the trail (its newest `trail.len()` are kept).
    appended: u64,
    /// Identifies this orbit's trail for the renderer's ring buffer.
    stream: u64,
    /// The latest sample (full state).
    sample: Vec<f64>,
    /// The tangent riding along (main orbit of a flow or map only).
    stretch: Option<LocalStretching>,
    /// `λ_loc` per trail point, pushed and drained with `trail` (empty without
    /// `stretch`); appended in place like it.
    stretching: Arc<Vec<f32>>,
}

impl Orbit {
    fn new(system: &System, dt: f64, t0: f64, x0: &[f64]) -> Self {
        Orbit {
            stepper: make_stepper(system, dt, t0, x0),
            trail: Arc::new(Vec::new()),
            appended: 0,
            stream: NEXT_STREAM.fetch_add(1, Ordering::Relaxed),
            sample: x0.to_vec(),
            stretch: None,
            stretching: Arc::new(Vec::new()),
        }
    }

    /// Also records the local stretching along this orbit (flows and maps).
    fn with_stretching(mut self, system: &System) -> Self {
        self.stretch = LocalStretching::new(system, self.stepper.t());
        self
    }

    /// Steps until the stepper has passed `t`, then samples it there; returns the steps
    /// taken.
    fn sample_at(&mut self, t: f64, system: &System, capacity: usize) -> Result<u64, String> {
        let mut steps = 0;
        while self.stepper.t() < t - 1e-12 {
            if let Some(s) = &mut self.stretch {
                s.before_step(system, self.stepper.as_ref());
            }
            self.stepper.step().map_err(|e| {
                let (t, reason) = e.describe();
                format!("The orbit blew up at t = {t:.3} ({reason}). Move the parameters back into range and press Reset.")
            })?;
            steps += 1;
            if steps > MAX_STEPS_PER_SAMPLE {
                return Err(format!(
                    "The orbit needs more than {MAX_STEPS_PER_SAMPLE} steps between two samples at t = {:.3}: the system is too stiff at these parameters to draw live. Move the parameters back into range and press Reset.",
                    self.stepper.t()
                ));
            }
        }
        self.stepper.interpolate(t, &mut self.sample);
        let rate = (self.stretch.as_mut()).map(|s| s.sample(system, self.stepper.as_ref(), t));
        // Draw what a trajectory records: dysts' output map (sin/cos of unbounded
        // angles; Torus without its clock), so the view stays bounded.
        let drawn = if system.has_output_map() {
            let mut y = vec![0.0; system.observed_dim()];
            system.observe(&self.sample, &mut y);
            y
        } else {
            self.sample.clone()
        };
        let &[p] = &super::fit_job::points_3d(&drawn, drawn.len())[..] else {
            return Ok(steps);
        };
        // Drop the oldest tenth at once (not one point per sample) when the trail is full.
        let capacity = capacity.max(10);
        let trail = Arc::make_mut(&mut self.trail);
        let mut dropped = 0;
        if trail.len() >= capacity {
            let excess = trail.len() + 1 - capacity;
            dropped = excess.max(capacity / 10).min(trail.len());
            trail.drain(..dropped);
        }
        trail.push(p);
        if let Some(rate) = rate {
            let stretching = Arc::make_mut(&mut self.stretching);
            stretching.drain(..dropped.min(stretching.len()));
            stretching.push(rate as f32);
        }
        self.appended += 1;
        Ok(steps)
    }

    /// The trail as the renderer's stream: points, stream id, samples ever appended.
    fn stream(&self) -> TrailStream {
        TrailStream {
            points: self.trail.clone(),
            stream: self.stream,
            appended: self.appended,
        }
    }
}

/// A trail as the renderer sees it: the newest points of a stream that grows at its
/// end (see `render::Curve::appended`).
#[derive(Clone, Debug)]
pub struct TrailStream {
    /// The kept points, oldest first.
    pub points: Arc<Vec<[f32; 3]>>,
    /// Changes when the orbit restarts (a new stream).
    pub stream: u64,
    /// Points ever appended to the stream.
    pub appended: u64,
}

/// A system integrating in real time, with an optional perturbation ensemble.
pub struct LiveSimulation {
    /// The system with its current parameters.
    pub system: System,
    /// The initial condition `reset` returns to.
    pub initial_condition: Vec<f64>,
    /// Running or paused.
    pub playing: bool,
    /// Simulated dominant periods per second of wall time.
    pub periods_per_second: f64,
    /// How many recent samples each trail keeps (older ones fade out and are dropped).
    pub trail_capacity: usize,
    /// Sampling interval of the trail.
    pub dt: f64,
    main: Orbit,
    ensemble: Vec<Orbit>,
    /// `(t, log10 of the mean distance of the ensemble from the main orbit)`.
    pub separation: Vec<[f64; 2]>,
    /// Bumped whenever a trail changes (the renderer re-uploads then).
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
            Kind::Flow | Kind::Delay => system.info().period / 100.0,
            Kind::Map => 1.0,
        };
        let main = Orbit::new(&system, dt, 0.0, &ic);
        let mut s = Self {
            system,
            initial_condition: ic,
            playing: true,
            periods_per_second: 1.0,
            trail_capacity: TRAIL_CAPACITY,
            dt,
            main,
            ensemble: Vec::new(),
            separation: Vec::new(),
            generation: 0,
            t_next_sample: 0.0,
            carry: 0.0,
            error: None,
        };
        s.reset();
        s
    }

    /// Back to the initial condition with an empty trail and no ensemble.
    pub fn reset(&mut self) {
        self.main = Orbit::new(&self.system, self.dt, 0.0, &self.initial_condition)
            .with_stretching(&self.system);
        self.ensemble.clear();
        self.separation.clear();
        self.t_next_sample = 0.0;
        self.error = None;
        self.sample_all();
        self.t_next_sample = self.dt;
        self.publish();
    }

    /// Replaces the system (a new pick) and resets.
    pub fn set_system(&mut self, system: System) {
        *self = LiveSimulation {
            playing: self.playing,
            periods_per_second: self.periods_per_second,
            trail_capacity: self.trail_capacity,
            ..LiveSimulation::new(system)
        };
    }

    /// Applies changed parameters from the current states on.
    pub fn parameters_changed(&mut self) {
        let t = self.main.stepper.t();
        if let Some(s) = &mut self.main.stretch {
            s.before_restart(&self.system, self.main.stepper.as_ref());
        }
        for orbit in std::iter::once(&mut self.main).chain(self.ensemble.iter_mut()) {
            let x = orbit.stepper.state().to_vec();
            orbit.stepper = make_stepper(&continuing(&self.system), self.dt, t, &x);
        }
        self.error = None;
    }

    /// Adds `count` orbits started uniformly in direction within a ball of radius
    /// `relative_radius × (attractor size)` around the current state (seeded).
    pub fn perturb(&mut self, count: usize, relative_radius: f64, seed: u64) {
        let scale = attractor_scale(&self.main.trail);
        let radius = relative_radius * scale;
        let t = self.main.stepper.t();
        let x = self.main.stepper.state().to_vec();
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        self.ensemble = (0..count)
            .map(|_| {
                let dir: Vec<f64> = x.iter().map(|_| StandardNormal.sample(&mut rng)).collect();
                let norm = dir.iter().map(|d| d * d).sum::<f64>().sqrt().max(1e-300);
                let x0: Vec<f64> = x
                    .iter()
                    .zip(&dir)
                    .map(|(xi, di)| xi + radius * di / norm)
                    .collect();
                Orbit::new(&continuing(&self.system), self.dt, t, &x0)
            })
            .collect();
        self.separation.clear();
    }

    /// Removes the ensemble.
    pub fn clear_ensemble(&mut self) {
        self.ensemble.clear();
        self.separation.clear();
        self.generation += 1;
    }

    /// The current state.
    pub fn state(&self) -> &[f64] {
        self.main.stepper.state()
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.main.stepper.t()
    }

    /// The time of the trail's newest point (the trail's points are `dt` apart).
    pub fn last_sample_time(&self) -> f64 {
        self.t_next_sample - self.dt
    }

    /// The main trail, shared with the renderer.
    pub fn trail(&self) -> Arc<Vec<[f32; 3]>> {
        self.main.trail.clone()
    }

    /// The main trail as a stream for the renderer's ring buffer.
    pub fn trail_stream(&self) -> TrailStream {
        self.main.stream()
    }

    /// The local stretching `λ_loc` (per time unit; per iterate for maps) at every point
    /// of [`Self::trail`], in step with it; NaN where none is known (the first sample);
    /// empty for delay equations.
    pub fn stretching(&self) -> Arc<Vec<f32>> {
        self.main.stretching.clone()
    }

    /// The ensemble's trails as streams.
    pub fn ensemble_trails(&self) -> Vec<TrailStream> {
        self.ensemble.iter().map(Orbit::stream).collect()
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
        self.integrate_until(target, u64::MAX)
    }

    /// Integrates, without the wall clock, until `periods` more periods are in the trail
    /// or [`FAST_FORWARD_STEP_BUDGET`] solver steps are spent (a stiff system stops
    /// early rather than stall the window).
    pub fn fast_forward(&mut self, periods: f64) {
        let target = self.t_next_sample + periods * self.system.info().period;
        self.integrate_until(target, FAST_FORWARD_STEP_BUDGET);
    }

    fn integrate_until(&mut self, target: f64, step_budget: u64) -> bool {
        let mut changed = false;
        let mut spent = 0u64;
        while self.t_next_sample <= target && self.error.is_none() && spent < step_budget {
            spent += self.sample_all();
            self.t_next_sample += self.dt;
            changed = true;
        }
        if changed {
            self.publish();
        }
        changed
    }

    /// Samples every orbit at `t_next_sample` and records the ensemble's separation;
    /// returns the solver steps taken.
    fn sample_all(&mut self) -> u64 {
        let t = self.t_next_sample;
        let result = std::iter::once(&mut self.main)
            .chain(self.ensemble.iter_mut())
            .try_fold(0, |n, o| {
                o.sample_at(t, &self.system, self.trail_capacity)
                    .map(|k| n + k)
            });
        let steps = match result {
            Ok(steps) => steps,
            Err(e) => {
                self.error = Some(e);
                return 0;
            }
        };
        if !self.ensemble.is_empty() {
            let mean = self
                .ensemble
                .iter()
                .map(|o| distance(&o.sample, &self.main.sample))
                .sum::<f64>()
                / self.ensemble.len() as f64;
            if mean > 0.0 {
                self.separation.push([t, mean.log10()]);
            }
        }
        steps
    }

    fn publish(&mut self) {
        self.generation += 1;
    }
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// The diagonal of the trail's bounding box (1 when the trail is too short to say).
fn attractor_scale(trail: &[[f32; 3]]) -> f64 {
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for p in trail {
        for j in 0..3 {
            lo[j] = lo[j].min(p[j]);
            hi[j] = hi[j].max(p[j]);
        }
    }
    let d = (0..3)
        .map(|j| f64::from(hi[j] - lo[j]).powi(2))
        .sum::<f64>()
        .sqrt();
    if d.is_finite() && d > 0.0 { d } else { 1.0 }
}

/// The system to restart an orbit mid-flight from its state: a delay system's state is
/// its delay embedding, so its history must be rebuilt from it (not set constant).
fn continuing(system: &System) -> System {
    let mut s = system.clone();
    if s.kind() == Kind::Delay {
        s.set_delay_history(crate::systems::DelayHistory::Embedding);
    }
    s
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
    fn the_trail_keeps_at_most_the_chosen_number_of_samples() {
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let mut live = LiveSimulation::new(sys);
        live.trail_capacity = 1_000;
        live.fast_forward(30.0);
        let n = live.trail().len();
        assert!((900..=1_000).contains(&n), "{n}");
        // Shrinking drops the oldest samples at the next one; growing keeps them all.
        live.trail_capacity = 300;
        live.fast_forward(0.1);
        let n = live.trail().len();
        assert!((270..=300).contains(&n), "{n}");
        live.trail_capacity = 5_000;
        live.fast_forward(30.0);
        assert!(live.trail().len() > 1_000, "{}", live.trail().len());
    }

    /// A delay system's live orbit continues from its whole delay embedding when a
    /// parameter changes (not from a constant history), and a system with an output map
    /// draws its observed coordinates (Torus: bounded x, y, z, not the growing clock).
    #[test]
    fn delay_orbits_keep_their_history_and_outputs_are_drawn() {
        let sys = Catalog::builtin()
            .system("MackeyGlass")
            .expect("MackeyGlass");
        let mut live = LiveSimulation::new(sys);
        live.fast_forward(5.0);
        let before = live.state().to_vec();
        assert_eq!(before.len(), 10);
        live.parameters_changed();
        for (a, b) in live.state().iter().zip(&before) {
            assert!(
                (a - b).abs() < 1e-12,
                "restart keeps the embedding: {a} vs {b}"
            );
        }
        // The lagged columns still differ: the history was not flattened.
        let spread = before
            .iter()
            .fold(0.0f64, |m, v| m.max((v - before[0]).abs()));
        assert!(spread > 1e-3, "{before:?}");
        live.fast_forward(5.0);
        assert!(live.state().iter().all(|v| v.is_finite() && v.abs() < 10.0));

        let torus = Catalog::builtin().system("Torus").expect("Torus");
        let mut live = LiveSimulation::new(torus);
        live.fast_forward(30.0);
        assert!(live.time() > 100.0, "the clock state advanced");
        let trail = live.trail();
        let far = trail
            .iter()
            .map(|p| p.iter().fold(0.0f32, |m, v| m.max(v.abs())))
            .fold(0.0f32, f32::max);
        // x, y stay within r + a + |offset| ≈ 16, z within a + |offset|.
        assert!(far < 20.0, "drawn coordinates stay bounded: {far}");
    }

    /// Every catalog system opens live: a few periods from its initial condition through
    /// the window's own stepper path, with a finite state and trail and no error.
    #[test]
    fn every_catalog_system_runs_live() {
        let mut failures = Vec::new();
        for info in Catalog::builtin().infos() {
            let sys = Catalog::builtin().system(&info.name).expect("loads");
            let mut live = LiveSimulation::new(sys);
            live.fast_forward(if info.kind == Kind::Map { 500.0 } else { 3.0 });
            let finite = live.state().iter().all(|v| v.is_finite())
                && live.trail().iter().all(|p| p.iter().all(|v| v.is_finite()));
            if live.error.is_some() || !finite || live.trail().len() < 10 {
                failures.push(format!("{}: {:?}", info.name, live.error));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn a_stiff_orbit_stops_with_a_message_instead_of_stalling() {
        // σ = 10⁹ makes Lorenz's x relax on a 10⁻⁹ time scale: Dormand–Prince's
        // stability bound forces ~10⁸ steps per time unit, far over the per-sample cap.
        let mut sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        sys.set_param("sigma", 1e9).expect("sigma");
        let mut live = LiveSimulation::new(sys);
        live.fast_forward(1_000.0);
        let err = live.error.as_deref().unwrap_or_default();
        assert!(err.contains("too stiff"), "{err:?}");
        assert!(live.time() < 1.0, "stopped early, at t = {}", live.time());
    }

    /// The stretching stays one value per trail point through trail drops, shrinking
    /// and parameter changes, and averages to Lorenz's largest exponent (0.906).
    #[test]
    fn the_stretching_follows_the_trail_point_for_point() {
        let mut sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        sys.set_param("beta", 8.0 / 3.0).expect("beta");
        let mut live = LiveSimulation::new(sys);
        live.trail_capacity = 10_000;
        live.fast_forward(20.0);
        assert_eq!(live.stretching().len(), live.trail().len());
        live.fast_forward(130.0);
        assert_eq!(live.stretching().len(), live.trail().len());
        let s = live.stretching();
        let mean = s.iter().map(|&v| f64::from(v)).sum::<f64>() / s.len() as f64;
        // 150 time units: finite-time means spread by about ±0.02 (1σ) there.
        assert!(
            (mean - 0.906).abs() < 0.1,
            "mean over 150 time units {mean}"
        );
        drop(s);
        live.trail_capacity = 700;
        live.system.set_param("rho", 10.0).expect("rho");
        live.parameters_changed();
        live.fast_forward(30.0);
        assert_eq!(live.stretching().len(), live.trail().len());
        // Settled on a stable fixed point: every direction contracts (the slowest
        // eigenvalue there is about −0.9).
        let last = *live.stretching().last().expect("values");
        assert!(last < -0.3, "{last}");
        // Delay equations have none.
        let mg = Catalog::builtin()
            .system("MackeyGlass")
            .expect("MackeyGlass");
        let mut live = LiveSimulation::new(mg);
        live.fast_forward(3.0);
        assert!(live.stretching().is_empty());
    }

    #[test]
    fn blow_up_is_reported_not_panicked() {
        let mut sys = Catalog::builtin().system("Henon").expect("Henon");
        sys.set_param("a", 1.5).expect("a");
        let mut live = LiveSimulation::new(sys);
        live.fast_forward(10_000.0);
        assert!(live.error.as_deref().is_some_and(|e| e.contains("blew up")));
    }

    #[test]
    fn nearby_orbits_separate_at_the_largest_lyapunov_exponent() {
        let mut sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        sys.set_param("beta", 8.0 / 3.0).expect("beta");
        let mut live = LiveSimulation::new(sys);
        live.fast_forward(10.0);
        live.perturb(DEFAULT_ENSEMBLE, 1e-9, 3);
        live.fast_forward(8.0); // 12 time units: from ~1e-8 to well below saturation
        let sep = &live.separation;
        let [t0, s0] = sep[0];
        // Growth rate fitted between the first sample and the first time the separation
        // reaches 1e-2 of its starting size × 1e5 (still far from the attractor's size).
        let [t1, s1] = *sep
            .iter()
            .find(|p| p[1] > s0 + 5.0)
            .expect("separation grew by 1e5");
        let rate = (s1 - s0) * std::f64::consts::LN_10 / (t1 - t0);
        // Finite-time growth fluctuates around λ_max = 0.906 along a single orbit
        // (ensemble-averaged over 10 directions): accept 0.6–1.4.
        assert!((0.6..1.4).contains(&rate), "rate {rate}");
    }
}
