//! Lyapunov exponents by the QR (Benettin) method on the tangent dynamics.
//!
//! # Method
//! Flows: integrate `x' = f(x)` together with `k` tangent vectors `q_i' = J(x) q_i`
//! (Jacobian–vector products from dual numbers, exact to rounding) with Dormand–Prince;
//! after each accepted step re-orthonormalise the `q_i` by QR and accumulate
//! `log R_ii`; the exponents are the accumulated sums divided by the elapsed time.
//! Maps: `q_i ↦ J(x_n) q_i` each iteration. The phase-space contraction rate
//! (`mean_divergence`: the time average of `tr J` for flows, of `log|det J|` for maps) is
//! computed independently and must equal the sum of the exponents.
//!
//! # References
//! - G. Benettin, L. Galgani, A. Giorgilli, J.-M. Strelcyn, "Lyapunov characteristic
//!   exponents for smooth dynamical systems and for Hamiltonian systems; a method for
//!   computing all of them", Meccanica 15 (1980) 9–30.
//! - J. L. Kaplan, J. A. Yorke, "Chaotic behavior of multidimensional difference
//!   equations", Lecture Notes in Math. 730 (1979) — the dimension formula.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::orthonormalize::orthonormalize;
use crate::integrate::dopri5::Dopri5;
use crate::integrate::{IntegrateError, Stepper};
use crate::jobs::JobContext;
use crate::systems::scalar::Dual;
use crate::systems::{Kind, System};

/// Settings of a Lyapunov computation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LyapunovOptions {
    /// How many exponents (default: all).
    pub count: Option<usize>,
    /// Discarded transient, in dominant periods (iterations for maps).
    pub transient_periods: f64,
    /// Averaging span, in dominant periods (iterations for maps).
    pub periods: f64,
    /// Relative tolerance of the tangent integration.
    pub rtol: f64,
    /// Start state (default: the catalog's initial condition).
    pub initial_condition: Option<Vec<f64>>,
}

impl Default for LyapunovOptions {
    /// 50 periods of transient and 1500 of averaging: for Lorenz that is 2250 time units,
    /// enough for ±0.01 on the largest exponent.
    fn default() -> Self {
        Self {
            count: None,
            transient_periods: 50.0,
            periods: 1500.0,
            rtol: 1e-8,
            initial_condition: None,
        }
    }
}

/// The result of [`lyapunov_spectrum`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LyapunovResult {
    /// Exponents, largest first, per time unit (per iteration for maps).
    pub exponents: Vec<f64>,
    /// Kaplan–Yorke dimension of the spectrum.
    pub kaplan_yorke: f64,
    /// Sum of the exponents.
    pub sum: f64,
    /// Independent phase-space contraction rate (see the module docs).
    pub mean_divergence: f64,
    /// The averaging time.
    pub time: f64,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
}

/// A running estimate of the spectrum during the averaging (see
/// [`lyapunov_spectrum_observed`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LyapunovCheckpoint {
    /// Averaging time so far (iterations for maps).
    pub time: f64,
    /// `Σ log R_ii / time` per tangent vector, in the QR order (largest first once the
    /// vectors have aligned with the Lyapunov directions; the final result is sorted).
    pub exponents: Vec<f64>,
}

/// Checkpoints a UI asks for: enough for a smooth convergence plot, few enough to draw.
pub const DEFAULT_CHECKPOINTS: usize = 300;

/// Computes the Lyapunov spectrum of `system` at its current parameters.
pub fn lyapunov_spectrum(
    system: &System,
    options: &LyapunovOptions,
    job: &JobContext,
) -> Result<LyapunovResult, IntegrateError> {
    lyapunov_spectrum_observed(system, options, job, 0, &mut |_| {})
}

/// [`lyapunov_spectrum`], also handing `observe` the running estimates at `checkpoints`
/// evenly spaced times of the averaging span (none for 0), so a window can plot every
/// exponent converging. Each checkpoint also checks for cancel and reports progress.
pub fn lyapunov_spectrum_observed(
    system: &System,
    options: &LyapunovOptions,
    job: &JobContext,
    checkpoints: usize,
    observe: &mut dyn FnMut(&LyapunovCheckpoint),
) -> Result<LyapunovResult, IntegrateError> {
    let started = Instant::now();
    let n = system.dim();
    let k = options.count.unwrap_or(n).clamp(1, n);
    let x0 = options
        .initial_condition
        .clone()
        .unwrap_or_else(|| system.info().initial_conditions.clone());
    system
        .check_state(&x0)
        .map_err(|e| IntegrateError::Invalid(e.to_string()))?;
    if !(options.periods > 0.0 && options.transient_periods >= 0.0) {
        return Err(IntegrateError::Invalid(
            "the averaging span must be positive and the transient non-negative".into(),
        ));
    }
    let span = match system.kind() {
        Kind::Flow | Kind::Delay => options.periods * system.info().period,
        Kind::Map => options.periods.round().max(1.0),
    };
    let mut marks = Checkpoints {
        every: span / checkpoints.max(1) as f64,
        next: 1,
        last: 0.0,
        enabled: checkpoints > 0,
        observe,
    };
    let (sums, div, time) = match system.kind() {
        Kind::Flow => flow_spectrum(system, &x0, k, options, job, &mut marks)?,
        Kind::Map => map_spectrum(system, &x0, k, options, job, &mut marks)?,
        Kind::Delay => {
            let (lambda, time) = super::lyapunov_delay::largest_delay_exponent_observed(
                system, &x0, options, job, &mut marks,
            )?;
            (vec![lambda * time], f64::NAN, time)
        }
    };
    if marks.enabled && marks.last < time {
        // The last step may end a fraction of a step short of the span: the final
        // estimate is always the last checkpoint.
        (marks.observe)(&LyapunovCheckpoint {
            time,
            exponents: sums.iter().map(|s| s / time).collect(),
        });
    }
    let mut exponents: Vec<f64> = sums.iter().map(|s| s / time).collect();
    exponents.sort_by(|a, b| b.total_cmp(a));
    if system.kind() == Kind::Delay {
        // Only the largest exponent of an infinite-dimensional system: no dimension,
        // sum or contraction rate to report.
        return Ok(LyapunovResult {
            kaplan_yorke: f64::NAN,
            sum: f64::NAN,
            mean_divergence: f64::NAN,
            exponents,
            time,
            elapsed_s: started.elapsed().as_secs_f64(),
        });
    }
    Ok(LyapunovResult {
        kaplan_yorke: kaplan_yorke(&exponents),
        sum: exponents.iter().sum(),
        mean_divergence: div / time,
        exponents,
        time,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}

/// Hands the running estimates to the observer at evenly spaced averaging times.
pub(super) struct Checkpoints<'a> {
    pub(super) every: f64,
    pub(super) next: u64,
    pub(super) last: f64,
    pub(super) enabled: bool,
    pub(super) observe: &'a mut dyn FnMut(&LyapunovCheckpoint),
}

impl Checkpoints<'_> {
    /// Called after each accumulation with the averaging time so far.
    pub(super) fn offer(
        &mut self,
        elapsed: f64,
        sums: &[f64],
        fraction: f32,
        job: &JobContext,
    ) -> Result<(), IntegrateError> {
        if !self.enabled || elapsed <= 0.0 || elapsed < self.next as f64 * self.every * 0.999_999 {
            return Ok(());
        }
        while self.next as f64 * self.every <= elapsed * 1.000_001 {
            self.next += 1;
        }
        self.last = elapsed;
        (self.observe)(&LyapunovCheckpoint {
            time: elapsed,
            exponents: sums.iter().map(|s| s / elapsed).collect(),
        });
        job.check()?;
        job.report(fraction, "Lyapunov spectrum");
        Ok(())
    }
}

fn diverged(t: f64, reason: &str, system: &System) -> IntegrateError {
    let traj = crate::data::Trajectory::new(
        system.info().state_names.clone(),
        0.0,
        1.0,
        Vec::new(),
        crate::data::Provenance::file("lyapunov"),
    );
    IntegrateError::Diverged {
        t,
        reason: reason.into(),
        prefix: Box::new(traj),
    }
}

/// Returns (Σ log R_ii per vector, ∫ tr J dt, averaging time).
fn flow_spectrum(
    system: &System,
    x0: &[f64],
    k: usize,
    options: &LyapunovOptions,
    job: &JobContext,
    marks: &mut Checkpoints<'_>,
) -> Result<(Vec<f64>, f64, f64), IntegrateError> {
    let n = system.dim();
    let period = system.info().period;
    let sys = system.clone();
    let mut work = vec![Dual::default(); 2 * n];
    let mut fx = vec![0.0; n];
    // Extended state: x followed by k tangent vectors.
    let extended = move |y: &[f64], dy: &mut [f64]| {
        let (x, q) = y.split_at(n);
        let (dx, dq) = dy.split_at_mut(n);
        for i in 0..k {
            sys.jvp(
                x,
                &q[i * n..(i + 1) * n],
                &mut fx,
                &mut dq[i * n..(i + 1) * n],
                &mut work,
            );
        }
        dx.copy_from_slice(&fx);
    };
    let mut y0 = vec![0.0; n * (1 + k)];
    y0[..n].copy_from_slice(x0);
    for i in 0..k {
        y0[n + i * n + i] = 1.0;
    }
    let h_max = period / 50.0;
    let mut stepper = Dopri5::new(extended, 0.0, &y0, options.rtol, options.rtol * 1e-3, h_max);
    let t_transient = options.transient_periods * period;
    let t_total = t_transient + options.periods * period;
    let mut sums = vec![0.0; k];
    let mut r = vec![0.0; k];
    let mut div = 0.0;
    let mut y = y0;
    let mut steps = 0u64;
    let mut t_prev = 0.0;
    let mut t_start: Option<f64> = None;
    let mut trace_prev = jacobian_trace(system, x0);
    let mut mid = vec![0.0; n * (1 + k)];
    while stepper.t() < t_total {
        stepper.step().map_err(|e| {
            let (t, reason) = e.describe();
            diverged(t, &reason, system)
        })?;
        let t = stepper.t();
        // The midpoint from the dense output (before the tangents are replaced), for
        // Simpson's rule on tr J: steps are long (up to period/50) and tr J can spike,
        // where the trapezoid rule would bias the independent divergence.
        stepper.interpolate(0.5 * (t_prev + t), &mut mid);
        let trace_mid = jacobian_trace(system, &mid[..n]);
        y.copy_from_slice(stepper.state());
        orthonormalize(&mut y[n..], n, k, &mut r);
        stepper.set_state(&y);
        let trace = jacobian_trace(system, &y[..n]);
        // Average over the steps that start after the transient.
        if t_prev >= t_transient {
            t_start.get_or_insert(t_prev);
            for i in 0..k {
                sums[i] += r[i].ln();
            }
            div += (trace_prev + 4.0 * trace_mid + trace) / 6.0 * (t - t_prev);
            let elapsed = t - t_start.unwrap_or(t_prev);
            marks.offer(elapsed, &sums, (t / t_total) as f32, job)?;
        }
        trace_prev = trace;
        t_prev = t;
        steps += 1;
        if steps.is_multiple_of(2048) {
            job.check()?;
            job.report((t / t_total) as f32, "Lyapunov spectrum");
        }
    }
    let time = t_prev - t_start.unwrap_or(t_prev);
    if time <= 0.0 {
        return Err(IntegrateError::Invalid(
            "the averaging span is shorter than one integration step; use more periods".into(),
        ));
    }
    Ok((sums, div, time))
}

/// `tr J(x)` from `n` Jacobian–vector products.
fn jacobian_trace(system: &System, x: &[f64]) -> f64 {
    let jac = system.jacobian(x);
    let n = system.dim();
    (0..n).map(|i| jac[i * n + i]).sum()
}

/// Returns (Σ log R_ii per vector, Σ log|det J|, iterations).
fn map_spectrum(
    system: &System,
    x0: &[f64],
    k: usize,
    options: &LyapunovOptions,
    job: &JobContext,
    marks: &mut Checkpoints<'_>,
) -> Result<(Vec<f64>, f64, f64), IntegrateError> {
    let n = system.dim();
    let transient = options.transient_periods.round() as u64;
    let iterations = options.periods.round().max(1.0) as u64;
    let mut x = x0.to_vec();
    let mut next = vec![0.0; n];
    let mut q = vec![0.0; n * k];
    for i in 0..k {
        q[i * n + i] = 1.0;
    }
    let mut jq = vec![0.0; n * k];
    let mut work = vec![Dual::default(); 2 * n];
    let mut r = vec![0.0; k];
    let mut sums = vec![0.0; k];
    let mut div = 0.0;
    for it in 0..transient + iterations {
        for i in 0..k {
            system.jvp(
                &x,
                &q[i * n..(i + 1) * n],
                &mut next,
                &mut jq[i * n..(i + 1) * n],
                &mut work,
            );
        }
        if it >= transient {
            let jac = system.jacobian(&x);
            div += faer::Mat::from_fn(n, n, |i, j| jac[i * n + j])
                .determinant()
                .abs()
                .ln();
        }
        if next.iter().any(|v| !v.is_finite()) {
            return Err(diverged(
                it as f64,
                "the orbit left every bounded region",
                system,
            ));
        }
        std::mem::swap(&mut x, &mut next);
        std::mem::swap(&mut q, &mut jq);
        orthonormalize(&mut q, n, k, &mut r);
        if it >= transient {
            for i in 0..k {
                sums[i] += r[i].ln();
            }
            let fraction = it as f32 / (transient + iterations) as f32;
            marks.offer((it + 1 - transient) as f64, &sums, fraction, job)?;
        }
        if it % 65536 == 0 {
            job.check()?;
            job.report(
                it as f32 / (transient + iterations) as f32,
                "Lyapunov spectrum",
            );
        }
    }
    Ok((sums, div, iterations as f64))
}

/// The largest exponent from `x0` with the settings every forecast time scale uses (the
/// CLI's `fit` and `compare`, and the window): 500 dominant periods after 20 of
/// transient for flows, 50 000 iterations for maps — ±0.01 on Lorenz's 0.906.
pub fn largest_exponent(
    system: &System,
    x0: Vec<f64>,
    job: &JobContext,
) -> Result<f64, IntegrateError> {
    let map = system.kind() == Kind::Map;
    let options = LyapunovOptions {
        count: Some(1),
        periods: if map { 50_000.0 } else { 500.0 },
        transient_periods: 20.0,
        initial_condition: Some(x0),
        ..LyapunovOptions::default()
    };
    Ok(lyapunov_spectrum(system, &options, job)?.exponents[0])
}

/// Largest exponents below this many e-foldings per dominant period (per iteration for
/// maps) count as zero: the orbit is periodic or quasi-periodic to within the estimate's
/// error, and a forecast horizon in Lyapunov times would be meaningless (Van der Pol's
/// ≈ 1e-9 made every VPT read 0.00).
pub const NON_CHAOTIC_EFOLDS_PER_PERIOD: f64 = 0.05;

/// [`largest_exponent`] as a forecast time scale: unchanged where the orbit is chaotic
/// (`λ·T ≥` [`NON_CHAOTIC_EFOLDS_PER_PERIOD`], `T` the dominant period, 1 for maps) or
/// contracting (`λ ≤ 0`, scored in time units anyway); 0 for the small positive values a
/// periodic or quasi-periodic orbit's estimate leaves, so those are scored in time units.
pub fn forecast_time_scale(
    system: &System,
    x0: Vec<f64>,
    job: &JobContext,
) -> Result<f64, IntegrateError> {
    let lambda = largest_exponent(system, x0, job)?;
    let period = if system.kind() == Kind::Map {
        1.0
    } else {
        system.info().period
    };
    Ok(
        if lambda > 0.0 && lambda * period < NON_CHAOTIC_EFOLDS_PER_PERIOD {
            0.0
        } else {
            lambda
        },
    )
}

/// Kaplan–Yorke dimension `j + (λ_1 + … + λ_j)/|λ_{j+1}|`, `j` the largest index with a
/// non-negative partial sum; exponents sorted largest first.
pub fn kaplan_yorke(exponents: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (j, &l) in exponents.iter().enumerate() {
        if sum + l < 0.0 {
            return if j == 0 {
                0.0
            } else {
                j as f64 + sum / l.abs()
            };
        }
        sum += l;
    }
    exponents.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::Catalog;

    #[test]
    fn a_limit_cycle_has_no_lyapunov_time_scale_and_lorenz_keeps_its_own() {
        let job = JobContext::detached();
        let vdp = Catalog::builtin().system("VanDerPol").expect("VanDerPol");
        let x0 = vdp.info().initial_conditions.clone();
        let raw = largest_exponent(&vdp, x0.clone(), &job).expect("integrates");
        assert!(
            raw.abs() * vdp.info().period < NON_CHAOTIC_EFOLDS_PER_PERIOD,
            "{raw}"
        );
        assert_eq!(
            forecast_time_scale(&vdp, x0, &job).expect("integrates"),
            raw.min(0.0)
        );
        let lorenz = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let x0 = lorenz.info().initial_conditions.clone();
        let scale = forecast_time_scale(&lorenz, x0, &job).expect("integrates");
        assert!((scale - 0.906).abs() < 0.03, "{scale}");
    }

    #[test]
    fn lorenz_spectrum_matches_the_known_values() {
        let mut sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        sys.set_param("beta", 8.0 / 3.0).expect("beta");
        let res = lyapunov_spectrum(&sys, &LyapunovOptions::default(), &JobContext::detached())
            .expect("runs");
        let l = &res.exponents;
        // Largest exponent 0.9056 (Sprott 2003); the second is zero for a flow.
        assert!((l[0] - 0.906).abs() < 0.02, "λ1 = {}", l[0]);
        assert!(l[1].abs() < 0.01, "λ2 = {}", l[1]);
        // The sum equals the constant divergence −(σ + 1 + β).
        let exact = -(10.0 + 1.0 + 8.0 / 3.0);
        assert!((res.sum / exact - 1.0).abs() < 0.01, "sum {}", res.sum);
        assert!(
            (res.mean_divergence / exact - 1.0).abs() < 1e-9,
            "{}",
            res.mean_divergence
        );
        assert!(
            (res.kaplan_yorke - 2.06).abs() < 0.01,
            "KY {}",
            res.kaplan_yorke
        );
    }

    #[test]
    fn henon_spectrum_matches_the_known_values() {
        let sys = Catalog::builtin().system("Henon").expect("Henon");
        let opts = LyapunovOptions {
            transient_periods: 1000.0,
            periods: 200_000.0,
            ..LyapunovOptions::default()
        };
        let res = lyapunov_spectrum(&sys, &opts, &JobContext::detached()).expect("runs");
        // 0.41922 per iteration (Sprott 2003); the sum is log|det J| = log 0.3.
        assert!(
            (res.exponents[0] - 0.41922).abs() < 0.005,
            "{:?}",
            res.exponents
        );
        assert!((res.sum - 0.3f64.ln()).abs() < 1e-9, "{}", res.sum);
        assert!((res.mean_divergence - 0.3f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn running_estimates_converge_to_the_result() {
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let opts = LyapunovOptions {
            periods: 100.0,
            ..LyapunovOptions::default()
        };
        let mut seen: Vec<LyapunovCheckpoint> = Vec::new();
        let res = lyapunov_spectrum_observed(&sys, &opts, &JobContext::detached(), 50, &mut |c| {
            seen.push(c.clone())
        })
        .expect("runs");
        // One per fiftieth of the span (the last may land exactly on the end).
        assert!((50..=51).contains(&seen.len()), "{}", seen.len());
        assert!(seen.windows(2).all(|w| w[1].time > w[0].time));
        assert!(
            (seen[0].time - res.time / 50.0).abs() < 0.05,
            "{}",
            seen[0].time
        );
        let last = seen.last().expect("checkpoints");
        assert_eq!(last.time, res.time);
        let mut sorted = last.exponents.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        assert_eq!(sorted, res.exponents);
        // The running sum of the exponents is the phase-space contraction −(σ + 1 + β)
        // at every checkpoint, not only at the end (Lorenz's divergence is constant).
        let exact = -(10.0 + 1.0 + 2.667);
        for c in &seen[5..] {
            let sum: f64 = c.exponents.iter().sum();
            assert!((sum / exact - 1.0).abs() < 0.02, "t {} sum {sum}", c.time);
        }
        // Without observing, the same numbers.
        let plain = lyapunov_spectrum(&sys, &opts, &JobContext::detached()).expect("runs");
        assert_eq!(plain.exponents, res.exponents);
    }

    #[test]
    fn cancelling_stops_the_running_estimates_promptly() {
        use crate::jobs::{Job, JobState};
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, mpsc};
        use std::time::{Duration, Instant};
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let (tx, rx) = mpsc::channel();
        let stopped = Arc::new(AtomicBool::new(false));
        let flag = stopped.clone();
        let mut job = Job::spawn("spectrum", None, move |ctx| {
            let opts = LyapunovOptions {
                periods: 1e7, // hours: only a cancel ends it
                ..LyapunovOptions::default()
            };
            let res = lyapunov_spectrum_observed(&sys, &opts, ctx, 1_000_000, &mut |c| {
                let _ = tx.send(c.clone());
            });
            flag.store(true, Ordering::SeqCst);
            res.map(|r| r.exponents).map_err(|e| e.to_string())
        });
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("a checkpoint");
        assert_eq!(first.exponents.len(), 3);
        let t = Instant::now();
        job.cancel();
        assert_eq!(job.poll(), JobState::Cancelled);
        while !stopped.load(Ordering::SeqCst) {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "worker ignored cancel"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn kaplan_yorke_formula() {
        assert!((kaplan_yorke(&[0.9, 0.0, -14.5]) - (2.0 + 0.9 / 14.5)).abs() < 1e-12);
        assert_eq!(kaplan_yorke(&[-0.1, -1.0]), 0.0);
        assert_eq!(kaplan_yorke(&[0.1, 0.2]), 2.0);
    }
}
