//! The largest Lyapunov exponent of a delay-differential equation.
//!
//! # Method
//! A delay equation's state is a function on `[t − τ, t]`, so its tangent vector is one
//! too. The variational equation `δ' = ∂f/∂x δ(t) + ∂f/∂x_τ δ(t − τ)` is integrated
//! together with the solution by running the method-of-steps solver
//! ([`crate::integrate::dde`]) on dual numbers: the primal part is the orbit, the tangent
//! part is `δ`, with exact partial derivatives. Every delay `τ` the tangent function is
//! measured in the L² norm over the last delay interval (sampled at [`NORM_SAMPLES`]
//! points), its logarithm accumulated and the tangent rescaled to unit norm (Benettin's
//! renormalisation applied to the function space, as J. D. Farmer did for Mackey–Glass:
//! "Chaotic attractors of an infinite-dimensional dynamical system", Physica D 4 (1982)
//! 366–393). The exponent is the accumulated sum over the averaging time.

use crate::data::{Provenance, Trajectory};
use crate::integrate::IntegrateError;
use crate::integrate::dde::{DelayStepper, History, StepControl};
use crate::jobs::JobContext;
use crate::systems::System;
use crate::systems::scalar::Dual;

use super::LyapunovOptions;
use super::lyapunov::Checkpoints;

/// Points at which the tangent function is sampled for its norm.
pub const NORM_SAMPLES: usize = 64;

/// Returns `(λ_max, averaging time)` for a delay system from the embedding `x0`, with the
/// transient and span of `options` in dominant periods.
pub fn largest_delay_exponent(
    system: &System,
    x0: &[f64],
    options: &LyapunovOptions,
    job: &JobContext,
) -> Result<(f64, f64), IntegrateError> {
    let mut quiet = |_: &super::lyapunov::LyapunovCheckpoint| {};
    let mut marks = Checkpoints {
        every: 1.0,
        next: 1,
        last: 0.0,
        enabled: false,
        observe: &mut quiet,
    };
    largest_delay_exponent_observed(system, x0, options, job, &mut marks)
}

/// [`largest_delay_exponent`] handing running estimates to `marks` (the window's plot).
pub(super) fn largest_delay_exponent_observed(
    system: &System,
    x0: &[f64],
    options: &LyapunovOptions,
    job: &JobContext,
    marks: &mut Checkpoints<'_>,
) -> Result<(f64, f64), IntegrateError> {
    let tau = system
        .delay_tau()
        .filter(|t| *t > 0.0 && t.is_finite())
        .ok_or_else(|| {
            IntegrateError::Invalid(format!(
                "{} needs a positive delay tau for its Lyapunov exponent",
                system.name()
            ))
        })?;
    let history = system
        .history_for(x0)
        .map_err(|e| IntegrateError::Invalid(e.to_string()))?;
    let period = system.info().period;
    let sys = system.clone();
    let mut stepper = DelayStepper::new(
        move |now: Dual, delayed: Dual| sys.delay_rhs_dual(now, delayed),
        tau,
        0.0,
        seeded_tangent(&history),
        StepControl {
            rtol: options.rtol,
            atol: options.rtol * 1e-3,
            h_max: period / 20.0,
        },
        1,
    );
    let t_transient = options.transient_periods * period;
    let t_end = t_transient + options.periods * period;
    let mut next_renorm = tau;
    let mut last_renorm = 0.0;
    let mut span: Option<(f64, f64)> = None;
    let mut log_sum = 0.0;
    let mut steps = 0u64;
    while stepper.time() < t_end {
        stepper.advance().map_err(|e| {
            let (t, reason) = e.describe();
            IntegrateError::Diverged {
                t,
                reason,
                prefix: Box::new(Trajectory::new(
                    system.info().state_names.clone(),
                    0.0,
                    1.0,
                    Vec::new(),
                    Provenance::file("lyapunov"),
                )),
            }
        })?;
        let t = stepper.time();
        if t >= next_renorm {
            let norm = tangent_norm(&stepper, tau);
            if !(norm.is_finite() && norm > 0.0) {
                return Err(IntegrateError::Invalid(format!(
                    "the tangent of {} vanished or overflowed at t = {t:.3}; the orbit may have reached a fixed point",
                    system.name()
                )));
            }
            if t > t_transient {
                // The growth since the previous renormalisation counts in full.
                log_sum += norm.ln();
                let start = span.map_or(last_renorm, |s| s.0);
                span = Some((start, t));
                marks.offer(t - start, &[log_sum], (t / t_end) as f32, job)?;
            }
            stepper.map_values(|d| Dual::new(d.re, d.eps / norm));
            last_renorm = t;
            next_renorm = t + tau;
        }
        steps += 1;
        if steps.is_multiple_of(4096) {
            job.check()?;
            job.report((t / t_end) as f32, "largest Lyapunov exponent (delay)");
        }
    }
    match span {
        Some((start, end)) if end > start => Ok((log_sum / (end - start), end - start)),
        _ => Err(IntegrateError::Invalid(
            "the averaging span is shorter than one delay; raise --periods".into(),
        )),
    }
}

/// The L² norm of the tangent over the last delay interval.
fn tangent_norm<F: FnMut(Dual, Dual) -> Dual>(s: &DelayStepper<Dual, F>, tau: f64) -> f64 {
    let t = s.time();
    let sum: f64 = (0..NORM_SAMPLES)
        .map(|k| {
            let v = s
                .value_at(t - tau * k as f64 / (NORM_SAMPLES - 1) as f64)
                .eps;
            v * v
        })
        .sum();
    (sum / NORM_SAMPLES as f64).sqrt()
}

/// The primal history with a fixed pseudo-random tangent over the delay interval, so
/// every direction of the function space is seeded.
fn seeded_tangent(history: &History<f64>) -> History<Dual> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let values: Vec<f64> = match history {
        History::Constant(c) => vec![*c; NORM_SAMPLES],
        History::Samples(v) => v.clone(),
    };
    History::Samples(values.into_iter().map(|v| Dual::new(v, next())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systems::Catalog;

    /// For the linear delay equation `x' = −α x(t − τ)` the tangent equation is the
    /// equation itself, and the largest exponent is the real part of the rightmost root
    /// of the characteristic equation `λ = −α e^{−λτ}`. For `α = τ = 1` that root is the
    /// principal branch of the Lambert function, `W₀(−1) = −0.318131505… ± 1.337235701 i`
    /// (Corless et al., "On the Lambert W function", Adv. Comput. Math. 5 (1996) 329–359;
    /// the DDE reading of W in Asl & Ulsoy, J. Dyn. Sys. Meas. Control 125 (2003)).
    /// PiecewiseCircuit with `β = 0` is exactly that equation.
    #[test]
    fn linear_delay_equation_gives_the_lambert_w_rate() {
        let mut sys = Catalog::builtin()
            .system("PiecewiseCircuit")
            .expect("in the catalog");
        for (k, v) in [("alpha", 1.0), ("beta", 0.0), ("tau", 1.0)] {
            sys.set_param(k, v).expect("parameter exists");
        }
        let x0 = sys.info().initial_conditions.clone();
        let options = LyapunovOptions {
            transient_periods: 0.5,
            periods: 8.0,
            rtol: 1e-10,
            ..LyapunovOptions::default()
        };
        // period 53: 26 time units of transient, 420 of averaging (the rightmost roots
        // are a complex pair, so the norm oscillates; the bias falls like 1/time).
        let (lambda, time) =
            largest_delay_exponent(&sys, &x0, &options, &JobContext::detached()).expect("runs");
        assert!(time > 400.0, "averaged over {time}");
        assert!(
            (lambda - -0.318131505).abs() < 0.005,
            "λ = {lambda}, expected Re W0(-1) = -0.3181"
        );
    }

    /// A second linear case with a different delay: `x' = −α x(t − τ)` with `α = 0.5`,
    /// `τ = 2` has `λτ = W₀(−ατ) = W₀(−1)`, so `λ = −0.318131505/2`.
    #[test]
    fn the_rate_scales_with_the_delay() {
        let mut sys = Catalog::builtin()
            .system("ScrollDelay")
            .expect("in the catalog");
        for (k, v) in [("alpha", 0.5), ("beta", 0.0), ("tau", 2.0)] {
            sys.set_param(k, v).expect("parameter exists");
        }
        let x0 = sys.info().initial_conditions.clone();
        let options = LyapunovOptions {
            transient_periods: 0.2,
            periods: 6.0,
            rtol: 1e-10,
            ..LyapunovOptions::default()
        };
        // period 152: 900 time units of averaging.
        let (lambda, _) =
            largest_delay_exponent(&sys, &x0, &options, &JobContext::detached()).expect("runs");
        assert!(
            (lambda - -0.159065752).abs() < 0.003,
            "λ = {lambda}, expected -0.1591"
        );
    }

    /// Mackey–Glass with β = 0.2, γ = 0.1, n = 10 and the classic delay τ = 17 is
    /// chaotic with a largest exponent of about 0.006 per time unit (Farmer 1982 studied
    /// τ = 17…30; ≈ 0.006 is the figure quoted for τ = 17 in the forecasting
    /// literature): the estimate is positive, of that size, and does not depend on the
    /// history it starts from.
    #[test]
    fn mackey_glass_is_chaotic_from_either_history() {
        let mut sys = Catalog::builtin()
            .system("MackeyGlass")
            .expect("in the catalog");
        sys.set_param("tau", 17.0).expect("tau exists");
        let x0 = sys.info().initial_conditions.clone();
        let options = LyapunovOptions {
            transient_periods: 50.0,
            periods: 1500.0,
            ..LyapunovOptions::default()
        };
        let (a, _) =
            largest_delay_exponent(&sys, &x0, &options, &JobContext::detached()).expect("runs");
        sys.set_delay_history(crate::systems::DelayHistory::Embedding);
        let (b, _) =
            largest_delay_exponent(&sys, &x0, &options, &JobContext::detached()).expect("runs");
        for l in [a, b] {
            assert!(l > 0.004 && l < 0.008, "λ = {l}");
        }
        assert!((a - b).abs() < 0.2 * a.max(b), "λ = {a} vs {b}");
    }
}
