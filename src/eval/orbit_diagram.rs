//! Orbit (bifurcation) diagrams: for each of `N` values of one parameter, the values a
//! chosen coordinate takes on the attractor, after a transient.
//!
//! Takes a [`System`] and [`OrbitDiagramOptions`] (parameter, range, count, coordinate,
//! transient, recording span); produces one [`OrbitColumn`] per parameter value,
//! computed in parallel (rayon) and handed to a callback as each finishes, so a window
//! can draw the diagram while it fills. Progress and cancel go through [`JobContext`].
//!
//! # Method
//! Brute force, as ChaosTools.jl's `orbitdiagram`: every value starts from the same
//! initial condition, runs the transient, then records.
//! - Maps: the coordinate of every iterate (Feigenbaum 1978; May 1976).
//! - Flows: the local maxima of the coordinate `x_k`, i.e. the downward zeros of
//!   `ẋ_k = f_k(x)`, located on the stepper's dense output by regula falsi, as Lorenz
//!   (1963) recorded the successive maxima of `z`.
//!
//! # References
//! - R. M. May, "Simple mathematical models with very complicated dynamics", Nature 261
//!   (1976).
//! - M. J. Feigenbaum, "Quantitative universality for a class of nonlinear
//!   transformations", J. Stat. Phys. 19 (1978).
//! - E. N. Lorenz, "Deterministic nonperiodic flow", J. Atmos. Sci. 20 (1963), Fig. 4.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::poincare::locate_on_dense_output;
use crate::integrate::{Method, solve_defaults, stepper_for};
use crate::jobs::{Cancelled, JobContext};
use crate::systems::{Kind, System};

/// Why a diagram could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OrbitDiagramError {
    /// The parameter name is not one of the system's.
    #[error("{system} has no parameter '{name}'; use one of {known}")]
    Parameter {
        /// The system.
        system: String,
        /// The name asked for.
        name: String,
        /// The names it has.
        known: String,
    },
    /// The coordinate is beyond the state.
    #[error("coordinate {index} does not exist: {system} has {dim} states (0 to {})", dim.saturating_sub(1))]
    Coordinate {
        /// The system.
        system: String,
        /// The index asked for.
        index: usize,
        /// Its dimension.
        dim: usize,
    },
    /// The range or counts make no diagram.
    #[error("{0}")]
    Invalid(String),
    /// Delay equations have no finite state whose maxima this locates.
    #[error("{0} is a delay equation; orbit diagrams support flows and maps")]
    Delay(String),
    /// The job was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl From<Cancelled> for OrbitDiagramError {
    fn from(_: Cancelled) -> Self {
        OrbitDiagramError::Cancelled
    }
}

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct OrbitDiagramOptions {
    /// The parameter to vary, by name.
    pub parameter: String,
    /// First and last value (inclusive; either order).
    pub range: (f64, f64),
    /// How many values, evenly spaced.
    pub values: usize,
    /// The coordinate recorded.
    pub coordinate: usize,
    /// Discarded transient: iterations for maps, dominant periods for flows.
    pub transient: f64,
    /// Recording span: iterations for maps, dominant periods for flows.
    pub record: f64,
    /// At most this many points are kept per value.
    pub max_points: usize,
    /// Start state of every value (default: the catalog's).
    pub initial_condition: Option<Vec<f64>>,
}

impl OrbitDiagramOptions {
    /// Defaults for `system`: its first parameter over its slider range, coordinate 0
    /// for maps and the last one for flows (Lorenz's `z`), 300 values.
    pub fn for_system(system: &System) -> Self {
        let (parameter, range) = system
            .info()
            .params
            .first()
            .map(|p| (p.name.clone(), (p.min, p.max)))
            .unwrap_or_default();
        let map = system.kind() == Kind::Map;
        OrbitDiagramOptions {
            parameter,
            range,
            values: 300,
            coordinate: if map {
                0
            } else {
                system.dim().saturating_sub(1)
            },
            transient: if map { 1_000.0 } else { 20.0 },
            record: if map { 200.0 } else { 30.0 },
            max_points: 400,
            initial_condition: None,
        }
    }

    /// The `i`-th parameter value.
    pub fn value(&self, i: usize) -> f64 {
        let (a, b) = self.range;
        if self.values <= 1 {
            a
        } else {
            a + (b - a) * i as f64 / (self.values - 1) as f64
        }
    }
}

/// The recorded values at one parameter value.
#[derive(Clone, Debug, PartialEq)]
pub struct OrbitColumn {
    /// Position in the range (0-based).
    pub index: usize,
    /// The parameter value.
    pub parameter: f64,
    /// The coordinate's recorded values (maxima or iterates).
    pub values: Vec<f64>,
    /// Set when the orbit blew up: the time it did (the values before are kept).
    pub diverged_at: Option<f64>,
}

/// The orbit diagram of `system` over `options.range`, columns in parameter order.
/// `on_column` sees each column as soon as it is done (from worker threads, in any
/// order).
pub fn orbit_diagram(
    system: &System,
    options: &OrbitDiagramOptions,
    job: &JobContext,
    on_column: &(dyn Fn(&OrbitColumn) + Sync),
) -> Result<Vec<OrbitColumn>, OrbitDiagramError> {
    let param = system
        .info()
        .params
        .iter()
        .position(|p| p.name == options.parameter)
        .ok_or_else(|| OrbitDiagramError::Parameter {
            system: system.name().to_string(),
            name: options.parameter.clone(),
            known: system
                .info()
                .params
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    check(system, options)?;
    let done = AtomicUsize::new(0);
    (0..options.values)
        .into_par_iter()
        .map(|i| {
            job.check()?;
            let mut sys = system.clone();
            sys.set_param_at(param, options.value(i));
            let column = column(&sys, i, options, job)?;
            on_column(&column);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            job.report(
                n as f32 / options.values as f32,
                &format!("{n} of {} values", options.values),
            );
            Ok(column)
        })
        .collect()
}

fn check(system: &System, o: &OrbitDiagramOptions) -> Result<(), OrbitDiagramError> {
    if system.kind() == Kind::Delay {
        return Err(OrbitDiagramError::Delay(system.name().to_string()));
    }
    if o.coordinate >= system.dim() {
        return Err(OrbitDiagramError::Coordinate {
            system: system.name().to_string(),
            index: o.coordinate,
            dim: system.dim(),
        });
    }
    let (a, b) = o.range;
    if !a.is_finite() || !b.is_finite() {
        return Err(OrbitDiagramError::Invalid(format!(
            "the parameter range {a}..{b} must be finite numbers"
        )));
    }
    if o.values == 0 || o.max_points == 0 {
        return Err(OrbitDiagramError::Invalid(
            "ask for at least one parameter value and one point per value".into(),
        ));
    }
    if !(o.transient >= 0.0 && o.record > 0.0 && o.record.is_finite()) {
        return Err(OrbitDiagramError::Invalid(format!(
            "the transient ({}) must be ≥ 0 and the recording span ({}) > 0",
            o.transient, o.record
        )));
    }
    if let Some(x0) = &o.initial_condition {
        system
            .check_state(x0)
            .map_err(|e| OrbitDiagramError::Invalid(e.to_string()))?;
    }
    Ok(())
}

/// One column: transient, then the iterates or the maxima of the coordinate.
fn column(
    system: &System,
    index: usize,
    o: &OrbitDiagramOptions,
    job: &JobContext,
) -> Result<OrbitColumn, Cancelled> {
    let x0 = o
        .initial_condition
        .clone()
        .unwrap_or_else(|| system.info().initial_conditions.clone());
    let period = system.info().period;
    let mut stepper = stepper_for(
        system,
        Method::Dopri5,
        solve_defaults::RTOL,
        solve_defaults::ATOL,
        period / 20.0,
        0.0,
        &x0,
    );
    let mut out = OrbitColumn {
        index,
        parameter: o.value(index),
        values: Vec::new(),
        diverged_at: None,
    };
    let k = o.coordinate;
    let t_start = o.transient * period;
    let t_end = t_start + o.record * period;
    let mut dx = vec![0.0; system.dim()];
    let slope = |x: &[f64], dx: &mut Vec<f64>| {
        system.rhs(x, dx);
        dx[k]
    };
    let mut prev = (stepper.t(), slope(stepper.state(), &mut dx));
    let mut steps = 0u64;
    while stepper.t() < t_end && out.values.len() < o.max_points {
        if let Err(e) = stepper.step() {
            out.diverged_at = Some(e.describe().0);
            break;
        }
        steps += 1;
        if steps.is_multiple_of(1024) {
            job.check()?;
        }
        let t = stepper.t();
        if system.kind() == Kind::Map {
            if t > t_start {
                out.values.push(stepper.state()[k]);
            }
            continue;
        }
        let now = (t, slope(stepper.state(), &mut dx));
        if prev.1 > 0.0 && now.1 <= 0.0 && t > t_start {
            let (_, x) = locate_on_dense_output(&*stepper, prev, now, |x| {
                let mut d = vec![0.0; x.len()];
                system.rhs(x, &mut d);
                d[k]
            });
            out.values.push(x[k]);
        }
        prev = now;
    }
    Ok(out)
}

/// Sorts `values` and merges those within `tolerance` of their neighbour: the number
/// of distinct values an orbit visits (its period, for a periodic orbit of a map).
pub fn distinct_values(values: &[f64], tolerance: f64) -> usize {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v.windows(2).filter(|w| w[1] - w[0] > tolerance).count() + usize::from(!v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::Catalog;
    use std::sync::Mutex;

    fn logistic_at(rs: &[f64]) -> Vec<OrbitColumn> {
        let sys = Catalog::builtin().system("Logistic").expect("Logistic");
        rs.iter()
            .map(|&r| {
                let options = OrbitDiagramOptions {
                    parameter: "r".into(),
                    range: (r, r),
                    values: 1,
                    initial_condition: Some(vec![0.3]),
                    transient: 5_000.0,
                    record: 256.0,
                    max_points: 256,
                    ..OrbitDiagramOptions::for_system(&sys)
                };
                orbit_diagram(&sys, &options, &JobContext::detached(), &|_| {})
                    .expect("diagram")
                    .remove(0)
            })
            .collect()
    }

    /// The logistic map's period-doubling cascade (May 1976): one fixed point below
    /// r = 3, a 2-cycle up to 1 + √6 ≈ 3.449, a 4-cycle up to 3.544, chaos at r = 3.9.
    /// The 2-cycle has the closed form x± = (r + 1 ± √((r − 3)(r + 1))) / (2r).
    #[test]
    fn logistic_cascade_has_periods_1_2_4_then_chaos() {
        let cols = logistic_at(&[2.9, 3.2, 3.5, 3.9]);
        let counts: Vec<usize> = cols
            .iter()
            .map(|c| distinct_values(&c.values, 1e-6))
            .collect();
        assert_eq!(&counts[..3], &[1, 2, 4], "{counts:?}");
        assert!(counts[3] > 100, "chaos visits many values: {counts:?}");
        // The fixed point 1 − 1/r and the 2-cycle's exact values.
        assert!((cols[0].values[0] - (1.0 - 1.0 / 2.9)).abs() < 1e-9);
        let r: f64 = 3.2;
        let s = ((r - 3.0) * (r + 1.0)).sqrt();
        let (lo, hi) = ((r + 1.0 - s) / (2.0 * r), (r + 1.0 + s) / (2.0 * r));
        let (mn, mx) = cols[1]
            .values
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        assert!(
            (mn - lo).abs() < 1e-9 && (mx - hi).abs() < 1e-9,
            "{mn} {mx}"
        );
    }

    /// A whole diagram: columns come back in parameter order, every one reported once
    /// through the callback, and the first period doubling shows up between the values
    /// bracketing r = 3.
    #[test]
    fn a_range_reports_every_column_in_order() {
        let sys = Catalog::builtin().system("Logistic").expect("Logistic");
        let options = OrbitDiagramOptions {
            parameter: "r".into(),
            range: (2.8, 3.3),
            values: 11,
            initial_condition: Some(vec![0.3]),
            transient: 5_000.0,
            ..OrbitDiagramOptions::for_system(&sys)
        };
        let seen = Mutex::new(Vec::new());
        let cols = orbit_diagram(&sys, &options, &JobContext::detached(), &|c| {
            seen.lock().expect("lock").push(c.index)
        })
        .expect("diagram");
        let mut seen = seen.into_inner().expect("lock");
        seen.sort();
        assert_eq!(seen, (0..11).collect::<Vec<_>>());
        for (i, c) in cols.iter().enumerate() {
            assert_eq!(c.index, i);
            assert!((c.parameter - (2.8 + 0.05 * i as f64)).abs() < 1e-12);
            // r = 3 itself (i = 4) converges only algebraically; skip it.
            if i != 4 {
                let expected = if c.parameter < 3.0 { 1 } else { 2 };
                assert_eq!(
                    distinct_values(&c.values, 1e-5),
                    expected,
                    "r = {}",
                    c.parameter
                );
            }
        }
    }

    /// Lorenz's z maxima (Lorenz 1963): below the Hopf point ρ_H = 24.74 the orbit
    /// settles on a fixed point with z = ρ − 1 and no maxima are recorded after the
    /// transient; at ρ = 28 the maxima spread over a band (roughly 30–48); at ρ = 160
    /// the attractor is a periodic orbit with few distinct maxima.
    #[test]
    fn lorenz_z_maxima_show_the_chaotic_band() {
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let options = OrbitDiagramOptions {
            parameter: "rho".into(),
            range: (28.0, 160.0),
            values: 2,
            transient: 60.0,
            record: 60.0,
            ..OrbitDiagramOptions::for_system(&sys)
        };
        let cols =
            orbit_diagram(&sys, &options, &JobContext::detached(), &|_| {}).expect("diagram");
        let chaos = &cols[0].values;
        assert!(chaos.len() > 50, "{}", chaos.len());
        let (mn, mx) = chaos
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        assert!(mn > 27.0 && mx < 50.0 && mx - mn > 8.0, "{mn}..{mx}");
        assert!(distinct_values(chaos, 1e-3) > 40);
        let periodic = distinct_values(&cols[1].values, 1e-3);
        assert!(
            (1..=4).contains(&periodic),
            "ρ = 160: {periodic} distinct maxima"
        );
    }

    #[test]
    fn bad_options_are_errors_and_cancel_stops() {
        let sys = Catalog::builtin().system("Logistic").expect("Logistic");
        let base = OrbitDiagramOptions::for_system(&sys);
        let bad = OrbitDiagramOptions {
            parameter: "rho".into(),
            ..base.clone()
        };
        let e = orbit_diagram(&sys, &bad, &JobContext::detached(), &|_| {});
        assert!(matches!(e, Err(OrbitDiagramError::Parameter { .. })));
        let bad = OrbitDiagramOptions {
            coordinate: 1,
            ..base.clone()
        };
        let e = orbit_diagram(&sys, &bad, &JobContext::detached(), &|_| {});
        assert!(matches!(
            e,
            Err(OrbitDiagramError::Coordinate { index: 1, .. })
        ));
        let bad = OrbitDiagramOptions {
            range: (f64::NAN, 3.0),
            ..base.clone()
        };
        let e = orbit_diagram(&sys, &bad, &JobContext::detached(), &|_| {});
        assert!(matches!(e, Err(OrbitDiagramError::Invalid(_))));

        // A million values would take hours: the worker must stop on cancel.
        let (tx, rx) = std::sync::mpsc::channel();
        let mut job = crate::jobs::Job::spawn("od", None, move |ctx| {
            let o = OrbitDiagramOptions {
                values: 1_000_000,
                ..base
            };
            let r = orbit_diagram(&sys, &o, ctx, &|_| {});
            let _ = tx.send(matches!(r, Err(OrbitDiagramError::Cancelled)));
            Ok(())
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        job.cancel();
        let stopped = rx.recv_timeout(std::time::Duration::from_secs(60));
        assert_eq!(stopped, Ok(true), "the worker stopped with Cancelled");
    }
}
