//! Poincaré sections: where a trajectory pierces a hyperplane `n·x = c` in a chosen
//! direction, as points in the plane's own coordinates.
//!
//! Takes a plane ([`Plane`]) and either a running [`Stepper`] (crossings located on its
//! dense output, [`section_of_stepper`], [`poincare_section`]) or equally spaced samples
//! (crossings located by linear interpolation between neighbours,
//! [`SectionTracker`]); produces [`Crossing`]s with their time, full state and the
//! `d − 1` in-plane coordinates.
//!
//! # Method
//! With `g(x) = n·x − c`, a crossing lies in a step `[t₀, t₁]` where `g` changes sign
//! (from `−` to `+` for [`Direction::Increasing`]). Its time is the root of
//! `g(x(t))` on the stepper's continuous extension, found by the Illinois variant of
//! regula falsi (Dowell & Jarratt 1971), so its accuracy is that of the dense output
//! (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.6, event location). The in-plane
//! coordinates are the components along an orthonormal basis of `n⊥` made by
//! Gram–Schmidt from the unit vectors, leaving out the one most aligned with `n`: for a
//! coordinate plane `x_k = c` they are simply the other coordinates, in order.
//!
//! # References
//! - H. Poincaré, *Les méthodes nouvelles de la mécanique céleste* (1899).
//! - M. Dowell, P. Jarratt, "A modified regula falsi method", BIT 11 (1971).
//! - M. Hénon, "On the numerical computation of Poincaré maps", Physica D 5 (1982).

use crate::integrate::{Method, Stepper, solve_defaults, stepper_for};
use crate::jobs::{Cancelled, JobContext};
use crate::systems::{Kind, System};

/// Which way a trajectory must pass through the plane to count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// From `n·x < c` to `n·x > c` (the usual one-sided section).
    #[default]
    Increasing,
    /// From `n·x > c` to `n·x < c`.
    Decreasing,
    /// Either way.
    Both,
}

/// Why a section could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PoincareError {
    /// The normal has the wrong length for the system.
    #[error("the plane's normal has {normal} components but the system has {dim} states")]
    Dimension {
        /// Components given.
        normal: usize,
        /// States of the system.
        dim: usize,
    },
    /// The normal is zero or not finite.
    #[error("the plane's normal must be a finite, non-zero vector (got {0:?})")]
    Normal(Vec<f64>),
    /// A coordinate index beyond the state.
    #[error("coordinate {index} does not exist: the system has {dim} states (0 to {})", dim.saturating_sub(1))]
    Coordinate {
        /// The index asked for.
        index: usize,
        /// States of the system.
        dim: usize,
    },
    /// Sections of maps are not defined by crossings.
    #[error("{0} is a map: a Poincaré section needs a flow (its iterates already are a section)")]
    NotAFlow(String),
    /// The orbit diverged; the crossings found before are kept.
    #[error("the orbit blew up at t = {t:.3} ({reason}) after {found} crossings")]
    Diverged {
        /// Time of the blow-up.
        t: f64,
        /// What happened.
        reason: String,
        /// Crossings found before it.
        found: usize,
    },
    /// The job was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl From<Cancelled> for PoincareError {
    fn from(_: Cancelled) -> Self {
        PoincareError::Cancelled
    }
}

/// A hyperplane `n·x = c` with a crossing direction and an in-plane basis.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane {
    normal: Vec<f64>,
    offset: f64,
    /// Which crossings count.
    pub direction: Direction,
    basis: Vec<Vec<f64>>,
}

impl Plane {
    /// The plane `normal·x = offset`.
    pub fn new(
        normal: Vec<f64>,
        offset: f64,
        direction: Direction,
    ) -> Result<Plane, PoincareError> {
        let norm = normal.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !norm.is_finite() || norm == 0.0 || !offset.is_finite() {
            return Err(PoincareError::Normal(normal));
        }
        let basis = in_plane_basis(&normal);
        Ok(Plane {
            normal,
            offset,
            direction,
            basis,
        })
    }

    /// The coordinate plane `x_index = value` in a `dim`-dimensional state space.
    pub fn coordinate(
        dim: usize,
        index: usize,
        value: f64,
        direction: Direction,
    ) -> Result<Plane, PoincareError> {
        if index >= dim {
            return Err(PoincareError::Coordinate { index, dim });
        }
        let mut normal = vec![0.0; dim];
        normal[index] = 1.0;
        Plane::new(normal, value, direction)
    }

    /// The state dimension.
    pub fn dim(&self) -> usize {
        self.normal.len()
    }

    /// `n·x − c` (positive on the side the normal points to).
    pub fn signed_distance(&self, x: &[f64]) -> f64 {
        self.normal.iter().zip(x).map(|(n, v)| n * v).sum::<f64>() - self.offset
    }

    /// True when a sign change from `g0` to `g1` is a crossing this plane counts.
    pub fn counts(&self, g0: f64, g1: f64) -> bool {
        let up = g0 < 0.0 && g1 >= 0.0;
        let down = g0 > 0.0 && g1 <= 0.0;
        match self.direction {
            Direction::Increasing => up,
            Direction::Decreasing => down,
            Direction::Both => up || down,
        }
    }

    /// The `d − 1` in-plane coordinates of `x` (its components along the plane's
    /// orthonormal basis; for `x_k = c`, the other coordinates in order).
    pub fn project(&self, x: &[f64]) -> Vec<f64> {
        self.basis
            .iter()
            .map(|b| b.iter().zip(x).map(|(u, v)| u * v).sum())
            .collect()
    }

    fn crossing(&self, t: f64, state: Vec<f64>) -> Crossing {
        Crossing {
            t,
            coords: self.project(&state),
            state,
        }
    }
}

/// Gram–Schmidt on the unit vectors except the one most aligned with `normal`.
fn in_plane_basis(normal: &[f64]) -> Vec<Vec<f64>> {
    let d = normal.len();
    let norm = normal.iter().map(|v| v * v).sum::<f64>().sqrt();
    let n: Vec<f64> = normal.iter().map(|v| v / norm).collect();
    let skip = (0..d)
        .max_by(|&a, &b| n[a].abs().total_cmp(&n[b].abs()))
        .unwrap_or(0);
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(d.saturating_sub(1));
    for i in (0..d).filter(|&i| i != skip) {
        let mut v = vec![0.0; d];
        v[i] = 1.0;
        for b in std::iter::once(&n).chain(basis.iter()) {
            let dot: f64 = b.iter().zip(&v).map(|(x, y)| x * y).sum();
            v.iter_mut().zip(b).for_each(|(vi, bi)| *vi -= dot * bi);
        }
        let len = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= len);
        basis.push(v);
    }
    basis
}

/// One pass through the plane.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossing {
    /// When.
    pub t: f64,
    /// The full state there.
    pub state: Vec<f64>,
    /// Its `d − 1` in-plane coordinates ([`Plane::project`]).
    pub coords: Vec<f64>,
}

/// The root of `g(x(t))` on the stepper's last step `[t0, t1]`, given `g` at both ends
/// with opposite signs (Illinois regula falsi on the dense output). Returns the time and
/// the state there.
pub(crate) fn locate_on_dense_output(
    stepper: &dyn Stepper,
    (mut t0, mut g0): (f64, f64),
    (mut t1, mut g1): (f64, f64),
    g: impl Fn(&[f64]) -> f64,
) -> (f64, Vec<f64>) {
    let mut x = vec![0.0; stepper.state().len()];
    let tol = 4.0 * f64::EPSILON * (1.0 + t1.abs());
    let mut side = 0i8;
    let mut t = t1;
    for _ in 0..100 {
        if g1 == 0.0 || (t1 - t0).abs() <= tol {
            t = t1;
            break;
        }
        t = (t0 * g1 - t1 * g0) / (g1 - g0);
        if !t.is_finite() || t <= t0.min(t1) || t >= t0.max(t1) {
            t = 0.5 * (t0 + t1);
        }
        stepper.interpolate(t, &mut x);
        let gt = g(&x);
        if gt == 0.0 {
            return (t, x);
        }
        if (gt > 0.0) == (g1 > 0.0) {
            t1 = t;
            g1 = gt;
            if side == 1 {
                g0 /= 2.0;
            }
            side = 1;
        } else {
            t0 = t;
            g0 = gt;
            if side == -1 {
                g1 /= 2.0;
            }
            side = -1;
        }
    }
    stepper.interpolate(t, &mut x);
    (t, x)
}

/// Steps `stepper` until time `t_end` or `max_crossings` crossings, locating each on
/// the dense output. Checks `job` for cancel every few hundred steps.
pub fn section_of_stepper(
    stepper: &mut dyn Stepper,
    plane: &Plane,
    t_end: f64,
    max_crossings: usize,
    job: &JobContext,
) -> Result<Vec<Crossing>, PoincareError> {
    if plane.dim() != stepper.state().len() {
        return Err(PoincareError::Dimension {
            normal: plane.dim(),
            dim: stepper.state().len(),
        });
    }
    let mut out = Vec::new();
    let mut t0 = stepper.t();
    let mut g0 = plane.signed_distance(stepper.state());
    let mut steps = 0u64;
    while t0 < t_end && out.len() < max_crossings {
        stepper.step().map_err(|e| {
            let (t, reason) = e.describe();
            PoincareError::Diverged {
                t,
                reason,
                found: out.len(),
            }
        })?;
        let t1 = stepper.t();
        let g1 = plane.signed_distance(stepper.state());
        if plane.counts(g0, g1) {
            let (t, x) =
                locate_on_dense_output(&*stepper, (t0, g0), (t1, g1), |x| plane.signed_distance(x));
            if t <= t_end {
                out.push(plane.crossing(t, x));
            }
        }
        (t0, g0) = (t1, g1);
        steps += 1;
        if steps.is_multiple_of(256) {
            job.check()?;
        }
    }
    Ok(out)
}

/// What [`poincare_section`] integrates.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionOptions {
    /// Start state (default: the catalog's).
    pub initial_condition: Option<Vec<f64>>,
    /// Discarded transient, in dominant periods.
    pub transient_periods: f64,
    /// Span searched after the transient, in dominant periods.
    pub periods: f64,
    /// Stop after this many crossings.
    pub max_crossings: usize,
}

impl Default for SectionOptions {
    fn default() -> Self {
        SectionOptions {
            initial_condition: None,
            transient_periods: 20.0,
            periods: 1_000.0,
            max_crossings: 100_000,
        }
    }
}

/// The section of `system`'s orbit through `plane` (Dormand–Prince 8(5,3) with its
/// seventh-order dense output at the default tolerances).
pub fn poincare_section(
    system: &System,
    plane: &Plane,
    options: &SectionOptions,
    job: &JobContext,
) -> Result<Vec<Crossing>, PoincareError> {
    if system.kind() == Kind::Map {
        return Err(PoincareError::NotAFlow(system.name().to_string()));
    }
    let x0 = options
        .initial_condition
        .clone()
        .unwrap_or_else(|| system.info().initial_conditions.clone());
    let period = system.info().period;
    let mut stepper = stepper_for(
        system,
        Method::Dop853,
        solve_defaults::RTOL,
        solve_defaults::ATOL,
        period / 20.0,
        0.0,
        &x0,
    );
    let t_start = options.transient_periods * period;
    while stepper.t() < t_start {
        stepper.step().map_err(|e| {
            let (t, reason) = e.describe();
            PoincareError::Diverged {
                t,
                reason,
                found: 0,
            }
        })?;
        job.check()?;
    }
    let t_end = stepper.t() + options.periods * period;
    section_of_stepper(&mut *stepper, plane, t_end, options.max_crossings, job)
}

/// Crossings of a sampled orbit, one sample at a time (linear interpolation between
/// neighbouring samples: error `O(Δt²)`); the window's live section.
#[derive(Clone, Debug)]
pub struct SectionTracker {
    /// The plane.
    pub plane: Plane,
    last: Option<(f64, Vec<f64>, f64)>,
}

impl SectionTracker {
    /// A tracker with no samples yet.
    pub fn new(plane: Plane) -> Self {
        SectionTracker { plane, last: None }
    }

    /// Forgets the previous sample (the orbit jumped: a reset or a new system).
    pub fn restart(&mut self) {
        self.last = None;
    }

    /// Feeds the sample `x` at time `t`; returns the crossing since the previous sample,
    /// if any.
    pub fn push(&mut self, t: f64, x: &[f64]) -> Option<Crossing> {
        let g1 = self.plane.signed_distance(x);
        let found = match &self.last {
            Some((t0, x0, g0)) if self.plane.counts(*g0, g1) && g1.is_finite() => {
                let s = g0 / (g0 - g1);
                let state: Vec<f64> = x0.iter().zip(x).map(|(a, b)| a + s * (b - a)).collect();
                Some(self.plane.crossing(t0 + s * (t - t0), state))
            }
            _ => None,
        };
        self.last = Some((t, x.to_vec(), g1));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrate::dop853::Dop853;
    use crate::systems::Catalog;
    use std::f64::consts::PI;

    /// A helix: rotation at unit angular speed in (x, y), drift 0.5 in z. From the angle
    /// φ₀ the crossings of y = 0 upwards (x > 0) are at t_k = 2πk − φ₀ with state
    /// (r, 0, 0.5 t_k): in-plane coordinates (x, z) = (r, 0.5 t_k).
    #[test]
    fn a_rotation_crosses_exactly_where_the_circle_meets_the_plane() {
        let (r, phi0) = (2.0_f64, 1.0_f64);
        let f = |x: &[f64], out: &mut [f64]| {
            out[0] = -x[1];
            out[1] = x[0];
            out[2] = 0.5;
        };
        let x0 = [r * phi0.cos(), r * phi0.sin(), 0.0];
        let mut st = Dop853::new(f, 0.0, &x0, 1e-12, 1e-14, 0.5);
        let plane = Plane::coordinate(3, 1, 0.0, Direction::Increasing).expect("plane");
        let c = section_of_stepper(&mut st, &plane, 60.0, 100, &JobContext::detached())
            .expect("section");
        // t_k = 2πk − 1 for k = 1..9 lie below 60.
        assert_eq!(c.len(), 9);
        for (k, cr) in c.iter().enumerate() {
            let tk = 2.0 * PI * (k + 1) as f64 - phi0;
            assert!((cr.t - tk).abs() < 1e-9, "t {} vs {tk}", cr.t);
            assert!((cr.coords[0] - r).abs() < 1e-9, "{:?}", cr.coords);
            assert!((cr.coords[1] - 0.5 * tk).abs() < 1e-9, "{:?}", cr.coords);
            assert!(cr.state[1].abs() < 1e-9);
        }

        // Both directions: also the downward passes at x = −r, half a turn later.
        let mut st = Dop853::new(f, 0.0, &x0, 1e-12, 1e-14, 0.5);
        let both = Plane::coordinate(3, 1, 0.0, Direction::Both).expect("plane");
        let c = section_of_stepper(&mut st, &both, 60.0, 100, &JobContext::detached())
            .expect("section");
        // Downward at t = π(2k+1) − 1: k = 0..9 below 60 (π − 1 … 19π − 1 = 58.7).
        assert_eq!(c.len(), 19);
        assert!((c[0].t - (PI - phi0)).abs() < 1e-9);
        assert!((c[0].coords[0] + r).abs() < 1e-9);
    }

    /// A tilted plane through the circle's centre: x + y = 0 crossed upwards where the
    /// angle is 3π/4 + … ; the in-plane coordinates are (along (1,−1)/√2 … , z).
    #[test]
    fn tilted_planes_project_onto_an_orthonormal_basis() {
        let plane = Plane::new(vec![1.0, 1.0, 0.0], 0.0, Direction::Increasing).expect("plane");
        // The basis is orthonormal and orthogonal to the normal.
        let e = plane.project(&[1.0, -1.0, 0.0]);
        let len = e.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((len - 2f64.sqrt()).abs() < 1e-15, "{e:?}");
        assert!(
            plane
                .project(&[1.0, 1.0, 0.0])
                .iter()
                .all(|v| v.abs() < 1e-15)
        );
        assert_eq!(plane.project(&[0.0, 0.0, 3.0])[1], 3.0);
        // A straight line through the plane, sampled coarsely: linear interpolation is
        // exact for it.
        let mut tr = SectionTracker::new(plane);
        assert!(tr.push(0.0, &[-1.0, -2.0, 5.0]).is_none());
        let c = tr.push(1.0, &[1.0, 2.0, 7.0]).expect("crossing");
        // x + y = −3 + 6s = 0 at s = 0.5: state (0, 0, 6), t = 0.5.
        assert!((c.t - 0.5).abs() < 1e-15);
        assert!(
            c.state
                .iter()
                .zip([0.0, 0.0, 6.0])
                .all(|(a, b)| (a - b).abs() < 1e-15)
        );
        // Going back down does not count for an increasing section.
        assert!(tr.push(2.0, &[-1.0, -2.0, 5.0]).is_none());
    }

    #[test]
    fn bad_planes_are_errors_not_panics() {
        assert!(matches!(
            Plane::coordinate(3, 3, 0.0, Direction::Both),
            Err(PoincareError::Coordinate { index: 3, dim: 3 })
        ));
        assert!(matches!(
            Plane::new(vec![0.0, 0.0], 1.0, Direction::Both),
            Err(PoincareError::Normal(_))
        ));
        let lorenz = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let plane = Plane::coordinate(2, 0, 0.0, Direction::Both).expect("plane");
        let e = poincare_section(
            &lorenz,
            &plane,
            &SectionOptions::default(),
            &JobContext::detached(),
        );
        assert!(matches!(
            e,
            Err(PoincareError::Dimension { normal: 2, dim: 3 })
        ));
        let henon = Catalog::builtin().system("Henon").expect("Henon");
        let plane = Plane::coordinate(2, 0, 0.0, Direction::Both).expect("plane");
        let e = poincare_section(
            &henon,
            &plane,
            &SectionOptions::default(),
            &JobContext::detached(),
        );
        assert!(matches!(e, Err(PoincareError::NotAFlow(_))));
    }

    /// Rössler's attractor is a thin folded band: its section y = 0 (x < 0, y
    /// decreasing) is nearly a curve, and the first-return map of x along it is a
    /// single-valued unimodal function (Rössler 1976). Check: sorted by x_n, successive
    /// x_{n+1} vary smoothly — the mean jump between neighbours is a small fraction of
    /// the range, which a two-dimensional cloud would not give.
    #[test]
    fn rossler_section_is_one_dimensional() {
        let sys = Catalog::builtin().system("Rossler").expect("Rossler");
        let plane = Plane::coordinate(3, 1, 0.0, Direction::Decreasing).expect("plane");
        let options = SectionOptions {
            periods: 400.0,
            ..SectionOptions::default()
        };
        let c = poincare_section(&sys, &plane, &options, &JobContext::detached()).expect("section");
        assert!(c.len() > 300, "{}", c.len());
        let x: Vec<f64> = c.iter().map(|c| c.coords[0]).collect();
        let mut pairs: Vec<(f64, f64)> = x.windows(2).map(|w| (w[0], w[1])).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let range =
            x.iter().copied().fold(f64::MIN, f64::max) - x.iter().copied().fold(f64::MAX, f64::min);
        let jump = pairs
            .windows(2)
            .map(|w| (w[1].1 - w[0].1).abs())
            .sum::<f64>()
            / (pairs.len() - 1) as f64;
        assert!(range > 3.0, "range {range}");
        assert!(jump < 0.02 * range, "mean jump {jump} of range {range}");
    }
}
