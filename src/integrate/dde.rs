//! Delay-differential equations `x' = f(x(t), x(t − τ))` (scalar `x`, one constant delay)
//! by the method of steps.
//!
//! # Method
//! Bogacki–Shampine 3(2) with first-same-as-last and error-per-step control, the pair
//! MATLAB's `dde23` is built on (L. F. Shampine, S. Thompson, "Solving DDEs in MATLAB",
//! Appl. Numer. Math. 37 (2001) 441–458; P. Bogacki, L. F. Shampine, Appl. Math. Lett. 2
//! (1989) 321–325). Every accepted step is stored as the cubic Hermite interpolant
//! through `(t_n, x_n, f_n)` and `(t_{n+1}, x_{n+1}, f_{n+1})` — the continuous extension
//! of the pair — and the delayed value `x(t − τ)` at every stage is read from that stored
//! history (before the start, from the history function). Steps never exceed `τ`, so
//! every delayed argument lies in the stored past and no stage is implicit. The
//! derivative jump where the history meets the solution at `t0` propagates to
//! `t0 + kτ` with one more derivative of smoothness each time; steps land exactly on
//! the first [`BREAKPOINTS`] of them so the local error estimate never straddles a jump.
//!
//! The stepper is generic over the scalar so the same code integrates the tangent
//! (variational) equation on dual numbers for the largest Lyapunov exponent
//! ([`crate::eval::lyapunov_delay`]). As a [`Stepper`] (on `f64`) its state is the delay
//! embedding `x(t − kτ/(d − 1))`, `k = 0..d`, which is what dysts records.

use std::collections::VecDeque;

use super::{SolverStats, StepError, Stepper};
use crate::systems::scalar::Scalar;

/// How many breakpoints `t0 + kτ` the steps land on (the jump in the `k`-th derivative
/// is below the method's order after the third).
pub const BREAKPOINTS: usize = 4;

/// The solution before the start time.
#[derive(Clone, Debug)]
pub enum History<S> {
    /// `x(s) = c` for every `s ≤ t0` (dysts' choice: the first initial-condition entry).
    Constant(S),
    /// Samples `x(t0 − kτ/(m − 1))` for `k = 0..m`, joined linearly (and held constant
    /// before `t0 − τ`): a delay embedding used as a history.
    Samples(Vec<S>),
}

/// One accepted step, kept as its cubic Hermite interpolant.
#[derive(Clone, Copy, Debug)]
struct Segment<S> {
    t0: f64,
    h: f64,
    y0: S,
    y1: S,
    f0: S,
    f1: S,
}

impl<S: Scalar> Segment<S> {
    /// The cubic Hermite interpolant at `s` in `[t0, t0 + h]`.
    fn at(&self, s: f64) -> S {
        let th = ((s - self.t0) / self.h).clamp(0.0, 1.0);
        let th2 = th * th;
        let th3 = th2 * th;
        let h00 = 2.0 * th3 - 3.0 * th2 + 1.0;
        let h10 = th3 - 2.0 * th2 + th;
        let h01 = -2.0 * th3 + 3.0 * th2;
        let h11 = th3 - th2;
        self.y0 * h00 + self.f0 * (h10 * self.h) + self.y1 * h01 + self.f1 * (h11 * self.h)
    }
}

/// Error control of a [`DelayStepper`].
#[derive(Clone, Copy, Debug)]
pub struct StepControl {
    /// Relative tolerance per step.
    pub rtol: f64,
    /// Absolute tolerance per step.
    pub atol: f64,
    /// The largest step (the delay caps it too).
    pub h_max: f64,
}

/// Bogacki–Shampine 3(2) on a scalar delay equation with a stored Hermite history.
pub struct DelayStepper<S, F> {
    f: F,
    tau: f64,
    start: f64,
    initial: History<S>,
    segments: VecDeque<Segment<S>>,
    t: f64,
    y: S,
    fy: S,
    h: f64,
    h_max: f64,
    rtol: f64,
    atol: f64,
    next_breakpoint: usize,
    stats: SolverStats,
    embedding: Vec<f64>,
}

impl<S: Scalar, F: FnMut(S, S) -> S> DelayStepper<S, F> {
    /// A stepper for `x' = f(x(t), x(t − tau))` from time `t0` with the given history;
    /// `embedding` is the number `d` of delay-embedding columns its state reports.
    pub fn new(
        f: F,
        tau: f64,
        t0: f64,
        history: History<S>,
        control: StepControl,
        embedding: usize,
    ) -> Self {
        let StepControl { rtol, atol, h_max } = control;
        let mut stepper = Self {
            f,
            tau,
            start: t0,
            initial: History::Constant(S::c(0.0)),
            segments: VecDeque::new(),
            t: t0,
            y: S::c(0.0),
            fy: S::c(0.0),
            h: 0.0,
            h_max: h_max.min(tau).max(f64::MIN_POSITIVE),
            rtol,
            atol,
            next_breakpoint: 1,
            stats: SolverStats::default(),
            embedding: vec![0.0; embedding.max(1)],
        };
        stepper.restart(t0, history);
        stepper
    }

    /// Starts afresh at time `t0` from `history` (steps, breakpoints, stored segments).
    fn restart(&mut self, t0: f64, history: History<S>) {
        let y = initial_at(&history, self.tau, t0, t0);
        let fy = (self.f)(y, initial_at(&history, self.tau, t0, t0 - self.tau));
        self.stats.evaluations += 1;
        let scale = self.atol + self.rtol * y.re().abs();
        let slope = fy.re().abs().max(1e-300);
        // The usual starting guess: a step over which a third-order method's error is
        // about the tolerance.
        self.h = (0.5 * (scale / slope).cbrt()).clamp(1e-6 * self.h_max, self.h_max);
        self.start = t0;
        self.t = t0;
        self.initial = history;
        self.segments.clear();
        self.y = y;
        self.fy = fy;
        self.next_breakpoint = 1;
        self.refresh_embedding();
    }

    /// The delay `τ`.
    pub fn tau(&self) -> f64 {
        self.tau
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.t
    }

    /// The current value `x(t)`.
    pub fn value(&self) -> S {
        self.y
    }

    /// The solution at any `s ≤ t` still held (the last `τ` plus the last step), or the
    /// history function before the start.
    pub fn value_at(&self, s: f64) -> S {
        if s <= self.start || self.segments.is_empty() {
            return initial_at(&self.initial, self.tau, self.start, s);
        }
        let i = self.segments.partition_point(|g| g.t0 + g.h < s);
        let g = self.segments[i.min(self.segments.len() - 1)];
        g.at(s)
    }

    /// Applies `g` to every stored value and slope (history included): used to rescale
    /// the tangent part of a dual-number solution without touching its primal part.
    pub fn map_values(&mut self, g: impl Fn(S) -> S) {
        self.y = g(self.y);
        self.fy = g(self.fy);
        for s in &mut self.segments {
            s.y0 = g(s.y0);
            s.y1 = g(s.y1);
            s.f0 = g(s.f0);
            s.f1 = g(s.f1);
        }
        self.initial = match &self.initial {
            History::Constant(c) => History::Constant(g(*c)),
            History::Samples(v) => History::Samples(v.iter().map(|&x| g(x)).collect()),
        };
    }

    /// One accepted step (rejected attempts are retried inside).
    pub fn advance(&mut self) -> Result<(), StepError> {
        let tau = self.tau;
        loop {
            let mut h = self.h.min(self.h_max);
            let mut lands = false;
            if self.next_breakpoint <= BREAKPOINTS {
                let bp = self.start + self.next_breakpoint as f64 * tau;
                if self.t + h >= bp - 1e-12 * bp.abs().max(1.0) {
                    h = bp - self.t;
                    lands = true;
                }
            }
            if h.is_nan() || h <= 1e-14 * self.t.abs().max(1.0) {
                return Err(StepError::StepCollapse { t: self.t, h });
            }
            let (t, y, k1) = (self.t, self.y, self.fy);
            let (d2, d3, d4) = (
                self.value_at(t + 0.5 * h - tau),
                self.value_at(t + 0.75 * h - tau),
                // t + h − τ ≤ t: the last stage's delayed argument is stored too.
                self.value_at(t + h - tau),
            );
            let k2 = (self.f)(y + k1 * (0.5 * h), d2);
            let k3 = (self.f)(y + k2 * (0.75 * h), d3);
            let y1 = y + (k1 * (2.0 / 9.0) + k2 * (1.0 / 3.0) + k3 * (4.0 / 9.0)) * h;
            let k4 = (self.f)(y1, d4);
            self.stats.evaluations += 3;
            let err = ((k1 * (-5.0 / 72.0) + k2 * (1.0 / 12.0) + k3 * (1.0 / 9.0)
                - k4 * (1.0 / 8.0))
                * h)
                .re();
            if !(y1.re().is_finite() && k4.re().is_finite()) {
                return Err(StepError::NonFinite { t });
            }
            let scale = self.atol + self.rtol * y.re().abs().max(y1.re().abs());
            let ratio = (err / scale).abs();
            let factor = if ratio == 0.0 {
                5.0
            } else {
                (0.9 * ratio.powf(-1.0 / 3.0)).clamp(0.2, 5.0)
            };
            if ratio <= 1.0 {
                self.segments.push_back(Segment {
                    t0: t,
                    h,
                    y0: y,
                    y1,
                    f0: k1,
                    f1: k4,
                });
                self.t = if lands {
                    self.start + self.next_breakpoint as f64 * tau
                } else {
                    t + h
                };
                if lands {
                    self.next_breakpoint += 1;
                }
                self.y = y1;
                self.fy = k4;
                self.h = (h * factor).min(self.h_max);
                self.stats.steps += 1;
                self.prune(t);
                return Ok(());
            }
            self.stats.rejected += 1;
            self.h = h * factor.min(1.0);
        }
    }

    /// Drops segments no later lookup can reach: stages read `s ≥ t − τ`, and dense
    /// output of the last step reads `s ≥ t_prev − τ`.
    fn prune(&mut self, t_prev: f64) {
        let keep_from = t_prev - self.tau;
        while self.segments.len() > 1
            && self
                .segments
                .front()
                .is_some_and(|g| g.t0 + g.h < keep_from - 1e-12 * keep_from.abs().max(1.0))
        {
            self.segments.pop_front();
        }
    }

    fn refresh_embedding(&mut self) {
        let d = self.embedding.len();
        for k in 0..d {
            let lag = if d > 1 {
                k as f64 * self.tau / (d - 1) as f64
            } else {
                0.0
            };
            self.embedding[k] = self.value_at(self.t - lag).re();
        }
    }
}

/// The history function at `s` for a solution starting at `t0`.
fn initial_at<S: Scalar>(history: &History<S>, tau: f64, t0: f64, s: f64) -> S {
    match history {
        History::Constant(c) => *c,
        History::Samples(v) => {
            let m = v.len();
            if m == 1 {
                return v[0];
            }
            // Samples run backwards in time: v[k] = x(t0 − kτ/(m − 1)).
            let pos = ((t0 - s) / tau * (m - 1) as f64).clamp(0.0, (m - 1) as f64);
            let k = (pos.floor() as usize).min(m - 2);
            let w = pos - k as f64;
            v[k] * (1.0 - w) + v[k + 1] * w
        }
    }
}

impl<F: FnMut(f64, f64) -> f64 + Send> Stepper for DelayStepper<f64, F> {
    fn t(&self) -> f64 {
        self.t
    }

    fn state(&self) -> &[f64] {
        &self.embedding
    }

    fn step(&mut self) -> Result<(), StepError> {
        self.advance()?;
        self.refresh_embedding();
        Ok(())
    }

    fn interpolate(&self, t: f64, out: &mut [f64]) {
        let d = out.len();
        for (k, o) in out.iter_mut().enumerate() {
            let lag = if d > 1 {
                k as f64 * self.tau / (d - 1) as f64
            } else {
                0.0
            };
            *o = self.value_at(t - lag);
        }
    }

    /// Restarts from a delay embedding: the new history joins its samples linearly.
    fn set_state(&mut self, x: &[f64]) {
        self.restart(self.t, History::Samples(x.to_vec()));
    }

    fn stats(&self) -> SolverStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x' = −x(t − 1)` with `x = 1` for `t ≤ 0` has the exact piecewise-polynomial
    /// solution `x(t) = Σ_{k=0}^{n} (−1)^k (t − k + 1)^k / k!` on `[n − 1, n]` (method of
    /// steps by hand; e.g. Bellen & Zennaro, *Numerical Methods for Delay Differential
    /// Equations*, 2003, §2.1).
    fn exact(t: f64) -> f64 {
        let n = t.floor() as i32 + 1;
        let mut sum = 0.0;
        let mut fact = 1.0;
        for k in 0..=n {
            if k > 0 {
                fact *= k as f64;
            }
            let base = t - k as f64 + 1.0;
            if base >= 0.0 {
                sum += (-1f64).powi(k) * base.powi(k) / fact;
            }
        }
        sum
    }

    fn solve_to(t_end: f64, rtol: f64) -> (f64, SolverStats, Vec<(f64, f64)>) {
        let mut s = DelayStepper::new(
            |_x: f64, xd: f64| -xd,
            1.0,
            0.0,
            History::Constant(1.0),
            StepControl {
                rtol,
                atol: rtol * 1e-3,
                h_max: 1.0,
            },
            2,
        );
        let mut dense = Vec::new();
        while s.t() < t_end {
            s.step().expect("smooth problem");
            let mid = s.t() - 0.37 * s.segments.back().expect("a step").h;
            let mut out = [0.0; 2];
            s.interpolate(mid, &mut out);
            dense.push((mid, out[0]));
        }
        let mut out = [0.0; 2];
        s.interpolate(t_end, &mut out);
        (out[0], s.stats(), dense)
    }

    #[test]
    fn method_of_steps_matches_the_exact_piecewise_polynomial() {
        assert!((exact(0.5) - 0.5).abs() < 1e-15);
        assert!((exact(1.5) - (1.0 - 1.5 + 0.125)).abs() < 1e-15);
        for rtol in [1e-6, 1e-9] {
            let (x, stats, dense) = solve_to(5.0, rtol);
            let err = (x - exact(5.0)).abs();
            assert!(err < 50.0 * rtol, "rtol {rtol}: error {err}");
            // Dense output between steps (the stored Hermite history) is as accurate.
            let worst = dense
                .iter()
                .map(|&(t, v)| (v - exact(t)).abs())
                .fold(0.0, f64::max);
            assert!(worst < 100.0 * rtol, "rtol {rtol}: dense error {worst}");
            assert!(stats.steps > 0 && stats.evaluations >= 3 * stats.steps);
        }
    }

    #[test]
    fn global_error_falls_with_the_tolerance() {
        let e6 = (solve_to(8.0, 1e-6).0 - exact(8.0)).abs();
        let e9 = (solve_to(8.0, 1e-9).0 - exact(8.0)).abs();
        assert!(e9 < e6 / 30.0, "1e-6: {e6}, 1e-9: {e9}");
    }

    #[test]
    fn embedding_state_reads_the_lagged_solution() {
        let mut s = DelayStepper::new(
            |_x: f64, xd: f64| -xd,
            1.0,
            0.0,
            History::Constant(1.0),
            StepControl {
                rtol: 1e-10,
                atol: 1e-13,
                h_max: 0.1,
            },
            3,
        );
        while s.t() < 2.0 {
            s.step().expect("steps");
        }
        let t = s.t();
        let st = s.state();
        for (k, lag) in [0.0, 0.5, 1.0].iter().enumerate() {
            assert!(
                (st[k] - exact(t - lag)).abs() < 1e-8,
                "{k}: {} vs {}",
                st[k],
                exact(t - lag)
            );
        }
    }

    #[test]
    fn sample_history_is_linear_between_samples() {
        let h = History::Samples(vec![1.0, 3.0, 5.0]);
        // v[0] at t0 = 0, v[1] at −0.5, v[2] at −1 (τ = 1).
        assert_eq!(initial_at(&h, 1.0, 0.0, 0.0), 1.0);
        assert_eq!(initial_at(&h, 1.0, 0.0, -0.25), 2.0);
        assert_eq!(initial_at(&h, 1.0, 0.0, -1.0), 5.0);
        assert_eq!(initial_at(&h, 1.0, 0.0, -7.0), 5.0);
    }
}
