//! Adaptive explicit Runge–Kutta of order 5(4) by Dormand & Prince (1980), with FSAL,
//! a PI step-size controller and Hairer's fourth-order continuous extension.
//!
//! # References
//! - J. R. Dormand, P. J. Prince, "A family of embedded Runge–Kutta formulae",
//!   J. Comput. Appl. Math. 6 (1980) 19–26 (Table 2 coefficients).
//! - E. Hairer, S. P. Nørsett, G. Wanner, *Solving Ordinary Differential Equations I*,
//!   2nd ed., Springer 1993: §II.4 (step-size control, initial step, eq. 4.11–4.13),
//!   §II.6 (dense output, the `d_i` coefficients of DOPRI5's `CONTD5`), §IV.2 (PI control),
//!   §IV.2 "Stiffness detection" (the `h·ρ` estimate DOPRI5 uses, eq. IV.2.26).

use super::{SolverStats, StepError, Stepper, error_norm};

// Stage coefficients; the nodes c_i = Σ_j a_ij are not needed for autonomous systems.
const A21: f64 = 1.0 / 5.0;
const A31: f64 = 3.0 / 40.0;
const A32: f64 = 9.0 / 40.0;
const A41: f64 = 44.0 / 45.0;
const A42: f64 = -56.0 / 15.0;
const A43: f64 = 32.0 / 9.0;
const A51: f64 = 19372.0 / 6561.0;
const A52: f64 = -25360.0 / 2187.0;
const A53: f64 = 64448.0 / 6561.0;
const A54: f64 = -212.0 / 729.0;
const A61: f64 = 9017.0 / 3168.0;
const A62: f64 = -355.0 / 33.0;
const A63: f64 = 46732.0 / 5247.0;
const A64: f64 = 49.0 / 176.0;
const A65: f64 = -5103.0 / 18656.0;
const A71: f64 = 35.0 / 384.0;
const A73: f64 = 500.0 / 1113.0;
const A74: f64 = 125.0 / 192.0;
const A75: f64 = -2187.0 / 6784.0;
const A76: f64 = 11.0 / 84.0;
// Error estimate: 5th-order weights minus the embedded 4th-order weights.
const E1: f64 = 71.0 / 57600.0;
const E3: f64 = -71.0 / 16695.0;
const E4: f64 = 71.0 / 1920.0;
const E5: f64 = -17253.0 / 339200.0;
const E6: f64 = 22.0 / 525.0;
const E7: f64 = -1.0 / 40.0;
// Dense output (Hairer's CONTD5).
const D1: f64 = -12715105075.0 / 11282082432.0;
const D3: f64 = 87487479700.0 / 32700410799.0;
const D4: f64 = -10690763975.0 / 1880347072.0;
const D5: f64 = 701980252875.0 / 199316789632.0;
const D6: f64 = -1453857185.0 / 822651844.0;
const D7: f64 = 69997945.0 / 29380423.0;

/// Controller constants (Hairer's DOPRI5 defaults).
const SAFETY: f64 = 0.9;
const FAC_MIN: f64 = 0.2;
const FAC_MAX: f64 = 10.0;
const BETA: f64 = 0.04;
/// Stiffness detection (Hairer's DOPRI5): `h·ρ` above this bound counts as a stiff step
/// (the stability boundary of DOPRI5 on the negative real axis is about 3.3).
const STIFF_H_LAMBDA: f64 = 3.25;
/// Stiff steps that declare the problem stiff (DOPRI5's 15).
const STIFF_STEPS: u32 = 15;
/// Non-stiff steps in a row that reset the stiff count (DOPRI5's 6).
const NONSTIFF_RESET: u32 = 6;

/// Dormand–Prince 5(4) over a vector field `f(x, out)`.
pub struct Dopri5<F> {
    f: F,
    rtol: f64,
    atol: f64,
    h_max: f64,
    h: f64,
    t: f64,
    t_prev: f64,
    x: Vec<f64>,
    k: [Vec<f64>; 7],
    y_new: Vec<f64>,
    tmp: Vec<f64>,
    /// Continuous-extension coefficients of the last accepted step.
    cont: [Vec<f64>; 5],
    err_prev: f64,
    /// `h·ρ` of the last computed step, `ρ ≈ ‖k7 − k6‖ / ‖y7 − y6‖` (a local estimate of
    /// the dominant eigenvalue's size).
    h_lambda: f64,
    stiff_steps: u32,
    nonstiff_steps: u32,
    stats: SolverStats,
}

impl<F: FnMut(&[f64], &mut [f64]) + Send> Dopri5<F> {
    /// Starts at `(t0, x0)` with relative and absolute tolerances and a maximal step.
    pub fn new(mut f: F, t0: f64, x0: &[f64], rtol: f64, atol: f64, h_max: f64) -> Self {
        let n = x0.len();
        let z = || vec![0.0; n];
        let mut k = [z(), z(), z(), z(), z(), z(), z()];
        f(x0, &mut k[0]);
        let mut s = Self {
            f,
            rtol,
            atol,
            h_max,
            h: 0.0,
            t: t0,
            t_prev: t0,
            x: x0.to_vec(),
            k,
            y_new: z(),
            tmp: z(),
            cont: [x0.to_vec(), z(), z(), z(), z()],
            err_prev: 1e-4,
            h_lambda: 0.0,
            stiff_steps: 0,
            nonstiff_steps: 0,
            stats: SolverStats {
                evaluations: 1,
                ..SolverStats::default()
            },
        };
        s.h = s.initial_step();
        s
    }

    /// The step size the next step will try.
    pub fn h(&self) -> f64 {
        self.h
    }

    /// Whether Hairer's stiffness test has fired: `h·ρ > 3.25` on 15 accepted steps
    /// without 6 non-stiff steps in a row in between (*Solving ODEs II*, §IV.2; the test
    /// in DOPRI5). A stiff problem makes this method crawl at its stability limit.
    pub fn stiffness_detected(&self) -> bool {
        self.stiff_steps >= STIFF_STEPS
    }

    /// Hairer's starting-step heuristic (*Solving ODEs I*, §II.4, "Starting step size").
    fn initial_step(&mut self) -> f64 {
        let n = self.x.len();
        let scale = |v: &[f64], x: &[f64], rtol: f64, atol: f64| -> f64 {
            let s: f64 = v
                .iter()
                .zip(x)
                .map(|(a, b)| (a / (atol + rtol * b.abs())).powi(2))
                .sum();
            (s / n.max(1) as f64).sqrt()
        };
        let d0 = scale(&self.x, &self.x, self.rtol, self.atol);
        let d1 = scale(&self.k[0], &self.x, self.rtol, self.atol);
        let h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        let h0 = h0.min(self.h_max);
        for i in 0..n {
            self.tmp[i] = self.x[i] + h0 * self.k[0][i];
        }
        (self.f)(&self.tmp, &mut self.k[1]);
        self.stats.evaluations += 1;
        let diff: Vec<f64> = self.k[1]
            .iter()
            .zip(&self.k[0])
            .map(|(a, b)| a - b)
            .collect();
        let d2 = scale(&diff, &self.x, self.rtol, self.atol) / h0;
        let dm = d1.max(d2);
        let h1 = if !dm.is_finite() || dm <= 1e-15 {
            (h0 * 1e-3).max(1e-6)
        } else {
            (0.01 / dm).powf(1.0 / 5.0)
        };
        (100.0 * h0).min(h1).min(self.h_max)
    }

    /// Computes stages 2–7 for step `h` from `x` (stage 1 is `k[0]`, FSAL).
    fn stages(&mut self, h: f64) {
        let n = self.x.len();
        let x = &self.x;
        let [k1, k2, k3, k4, k5, k6, k7] = &mut self.k;
        let tmp = &mut self.tmp;
        for i in 0..n {
            tmp[i] = x[i] + h * A21 * k1[i];
        }
        (self.f)(tmp, k2);
        for i in 0..n {
            tmp[i] = x[i] + h * (A31 * k1[i] + A32 * k2[i]);
        }
        (self.f)(tmp, k3);
        for i in 0..n {
            tmp[i] = x[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
        }
        (self.f)(tmp, k4);
        for i in 0..n {
            tmp[i] = x[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
        }
        (self.f)(tmp, k5);
        for i in 0..n {
            tmp[i] =
                x[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
        }
        (self.f)(tmp, k6);
        for i in 0..n {
            self.y_new[i] =
                x[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
        }
        (self.f)(&self.y_new, k7);
        self.stats.evaluations += 6;
        // Stiffness estimate: stages 6 and 7 sit at the same node (c = 1).
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..n {
            num += (k7[i] - k6[i]).powi(2);
            den += (self.y_new[i] - tmp[i]).powi(2);
        }
        self.h_lambda = if den > 0.0 {
            h * (num / den).sqrt()
        } else {
            0.0
        };
        for i in 0..n {
            tmp[i] =
                h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
        }
    }
}

impl<F: FnMut(&[f64], &mut [f64]) + Send> Stepper for Dopri5<F> {
    fn t(&self) -> f64 {
        self.t
    }

    fn state(&self) -> &[f64] {
        &self.x
    }

    fn step(&mut self) -> Result<(), StepError> {
        let n = self.x.len();
        loop {
            let h = self.h.min(self.h_max);
            if !(h.is_finite()) || h <= self.t.abs().max(1.0) * 1e-14 {
                return Err(StepError::StepCollapse { t: self.t, h });
            }
            self.stages(h);
            let err = error_norm(&self.tmp, &self.x, &self.y_new, self.rtol, self.atol);
            if !err.is_finite() {
                // A stage left the finite range: retry much smaller, unless the state
                // itself is already unbounded.
                self.stats.rejected += 1;
                self.h = h * FAC_MIN;
                if self.x.iter().any(|v| !v.is_finite()) {
                    return Err(StepError::NonFinite { t: self.t });
                }
                continue;
            }
            // PI controller (Hairer II, §IV.2, with beta = 0.04).
            let fac11 = err.powf(0.2 - BETA * 0.75);
            if err <= 1.0 {
                let fac =
                    (fac11 / self.err_prev.powf(BETA) / SAFETY).clamp(1.0 / FAC_MAX, 1.0 / FAC_MIN);
                self.err_prev = err.max(1e-4);
                if self.h_lambda > STIFF_H_LAMBDA {
                    self.nonstiff_steps = 0;
                    self.stiff_steps += 1;
                } else if self.stiff_steps > 0 {
                    self.nonstiff_steps += 1;
                    if self.nonstiff_steps == NONSTIFF_RESET {
                        self.stiff_steps = 0;
                    }
                }
                // Continuous extension of this step.
                let [k1, _, k3, k4, k5, k6, k7] = &self.k;
                for i in 0..n {
                    let ydiff = self.y_new[i] - self.x[i];
                    let bspl = h * k1[i] - ydiff;
                    self.cont[0][i] = self.x[i];
                    self.cont[1][i] = ydiff;
                    self.cont[2][i] = bspl;
                    self.cont[3][i] = ydiff - h * k7[i] - bspl;
                    self.cont[4][i] = h
                        * (D1 * k1[i]
                            + D3 * k3[i]
                            + D4 * k4[i]
                            + D5 * k5[i]
                            + D6 * k6[i]
                            + D7 * k7[i]);
                }
                self.t_prev = self.t;
                self.t += h;
                std::mem::swap(&mut self.x, &mut self.y_new);
                self.k.swap(0, 6); // FSAL: f(x_new) is the next first stage
                self.h = h / fac;
                self.stats.steps += 1;
                return Ok(());
            }
            self.stats.rejected += 1;
            self.h = h / (fac11 / SAFETY).min(1.0 / FAC_MIN);
        }
    }

    fn interpolate(&self, t: f64, out: &mut [f64]) {
        let h = self.t - self.t_prev;
        if h <= 0.0 {
            out.copy_from_slice(&self.x);
            return;
        }
        let th = ((t - self.t_prev) / h).clamp(0.0, 1.0);
        let th1 = 1.0 - th;
        let [r1, r2, r3, r4, r5] = &self.cont;
        for (i, o) in out.iter_mut().enumerate() {
            *o = r1[i] + th * (r2[i] + th1 * (r3[i] + th * (r4[i] + th1 * r5[i])));
        }
    }

    fn set_state(&mut self, x: &[f64]) {
        self.x.copy_from_slice(x);
        (self.f)(&self.x, &mut self.k[0]);
        self.stats.evaluations += 1;
        self.t_prev = self.t;
        self.cont[0].copy_from_slice(x);
        for c in &mut self.cont[1..] {
            c.iter_mut().for_each(|v| *v = 0.0);
        }
    }

    fn stats(&self) -> SolverStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x' = A x` with a rotation plus decay; exact solution known in closed form.
    fn spiral(x: &[f64], dx: &mut [f64]) {
        dx[0] = -0.1 * x[0] - 2.0 * x[1];
        dx[1] = 2.0 * x[0] - 0.1 * x[1];
    }

    fn exact(t: f64) -> [f64; 2] {
        let r = (-0.1 * t).exp();
        [r * (2.0 * t).cos(), r * (2.0 * t).sin()]
    }

    fn global_error(rtol: f64) -> (f64, SolverStats) {
        let mut s = Dopri5::new(spiral, 0.0, &[1.0, 0.0], rtol, rtol * 1e-3, f64::INFINITY);
        let t_end = 10.0;
        let mut out = [0.0; 2];
        let mut worst: f64 = 0.0;
        // Sample at a fixed interval through dense output, independent of the steps.
        let mut k = 1;
        while s.t() < t_end {
            s.step().expect("smooth problem");
            while (k as f64) * 0.25 <= s.t().min(t_end) {
                let tk = k as f64 * 0.25;
                s.interpolate(tk, &mut out);
                let e = exact(tk);
                worst = worst.max((out[0] - e[0]).abs().max((out[1] - e[1]).abs()));
                k += 1;
            }
        }
        (worst, s.stats())
    }

    #[test]
    fn error_is_proportional_to_tolerance() {
        // For an order-5 method with local error control the global error scales like
        // tol^(p/(p+1)) ≈ tol^0.83; a 100× tighter tolerance gives 30–100× less error.
        let (e1, _) = global_error(1e-6);
        let (e2, _) = global_error(1e-8);
        let (e3, st) = global_error(1e-10);
        assert!(e1 < 1e-4 && e2 < 1e-6 && e3 < 1e-8, "{e1} {e2} {e3}");
        for (a, b) in [(e1, e2), (e2, e3)] {
            let ratio = a / b;
            assert!((20.0..=200.0).contains(&ratio), "ratio {ratio}");
        }
        assert!(st.steps > 0 && st.evaluations >= 6 * st.steps);
    }

    #[test]
    fn step_collapse_is_reported() {
        // x' = x² from x(0) = 1 has a pole at t = 1: the step must collapse near it.
        let mut s = Dopri5::new(
            |x: &[f64], d: &mut [f64]| d[0] = x[0] * x[0],
            0.0,
            &[1.0],
            1e-8,
            1e-10,
            1.0,
        );
        let err = loop {
            match s.step() {
                Ok(()) => assert!(s.t() < 1.0 + 1e-6, "passed the pole at {}", s.t()),
                Err(e) => break e,
            }
        };
        let t = match err {
            StepError::StepCollapse { t, .. } | StepError::NonFinite { t } => t,
        };
        assert!((t - 1.0).abs() < 1e-3, "t = {t}");
    }
}
