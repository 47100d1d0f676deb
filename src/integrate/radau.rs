//! The implicit Radau IIA method of order 5 (three stages) for stiff problems, with the
//! exact Jacobian, a simplified Newton iteration, RADAU5's embedded error estimate and
//! step-size control, and dense output from the collocation polynomial.
//!
//! # Method
//! One step solves for the stage increments `z_i = Y_i − y0` of the collocation method
//! `z = h (A ⊗ I) F(y0 + z)` (Hairer & Wanner II, eq. IV.8.2) with simplified Newton
//! iterations `(I − h A ⊗ J) Δz = −z + h (A ⊗ I) F(y0 + z)`, `J = ∂f/∂y(y0)`. We factor
//! the real `3n × 3n` matrix with faer's partial-pivoting LU rather than RADAU5's
//! eigen-transformed complex form: for the catalog's dimensions (n ≤ 10) it is cheap
//! and it keeps the code close to the equations. Convergence follows RADAU5: the
//! contraction `θ = ‖Δz_k‖/‖Δz_{k−1}‖`, stop when `θ/(1−θ)‖Δz‖ ≤ κ·tol`, give up and
//! shrink the step when θ ≥ 0.99 or when the predicted error after the remaining
//! iterations stays too large (eq. IV.8.10–8.13).
//!
//! The error estimate is `err = (I − hγ0 J)⁻¹ [γ0 h f(y0) + e1 z1 + e2 z2 + e3 z3]`
//! (eq. IV.8.19–8.20), `γ0` the real eigenvalue of `A`; the filter `(I − hγ0 J)⁻¹`
//! keeps the estimate bounded for stiff components. When it rejects the first step or
//! a step right after a rejection, it is recomputed with `f(y0 + err)` in place of
//! `f(y0)`, as RADAU5 does. The new step is `h·fac·err^(−1/4)` with RADAU5's
//! Newton-dependent safety factor and Gustafsson's predictive controller.
//!
//! # References
//! - E. Hairer, G. Wanner, *Solving Ordinary Differential Equations II*, 2nd ed.,
//!   Springer 1996, §IV.5 (Table 5.6: the Radau IIA coefficients), §IV.8 (implementation,
//!   error estimate, step control; the code RADAU5).
//! - K. Gustafsson, "Control-theoretic techniques for stepsize selection in implicit
//!   Runge–Kutta methods", ACM TOMS 20 (1994) 496–517.

use faer::Mat;
use faer::linalg::solvers::{PartialPivLu, Solve};

use super::{SolverStats, StepError, Stepper, error_norm, initial_step};

const SQ6: f64 = 2.449_489_742_783_178;
/// Collocation nodes `c = ((4 − √6)/10, (4 + √6)/10, 1)`.
const C: [f64; 3] = [(4.0 - SQ6) / 10.0, (4.0 + SQ6) / 10.0, 1.0];
/// The Radau IIA matrix (Hairer & Wanner II, Table IV.5.6).
const A: [[f64; 3]; 3] = [
    [
        (88.0 - 7.0 * SQ6) / 360.0,
        (296.0 - 169.0 * SQ6) / 1800.0,
        (-2.0 + 3.0 * SQ6) / 225.0,
    ],
    [
        (296.0 + 169.0 * SQ6) / 1800.0,
        (88.0 + 7.0 * SQ6) / 360.0,
        (-2.0 - 3.0 * SQ6) / 225.0,
    ],
    [(16.0 - SQ6) / 36.0, (16.0 + SQ6) / 36.0, 1.0 / 9.0],
];
/// `E_i = e_i / γ0`: RADAU5's `DD1..DD3`, `(−13 − 7√6, −13 + 7√6, −1)/3`.
const DD: [f64; 3] = [
    (-13.0 - 7.0 * SQ6) / 3.0,
    (-13.0 + 7.0 * SQ6) / 3.0,
    -1.0 / 3.0,
];

/// `1/γ0`, the real eigenvalue of `A⁻¹`: `3 + 3^(2/3) − 3^(1/3)`.
fn inv_gamma0() -> f64 {
    3.0 + 3f64.powf(2.0 / 3.0) - 3f64.cbrt()
}

/// Most Newton iterations per step (RADAU5's `NIT`).
const MAX_NEWTON: usize = 7;
const SAFETY: f64 = 0.9;
/// The step may grow at most 8× and shrink at most 5× per step (RADAU5's FACR, FACL).
const GROW_MAX: f64 = 8.0;
const SHRINK_MAX: f64 = 5.0;

/// Radau IIA of order 5 over a vector field `f(x, out)` with Jacobian `jac(x, out)`
/// (row-major `n × n`, `out[i*n + j] = ∂f_i/∂x_j`).
pub struct Radau<F, J> {
    f: F,
    jac: J,
    rtol: f64,
    atol: f64,
    h_max: f64,
    h: f64,
    t: f64,
    t_prev: f64,
    x: Vec<f64>,
    /// `f(x)`.
    f0: Vec<f64>,
    /// Stage increments `z_i` at `z[i*n..]`, and `f(x + z_i)`.
    z: Vec<f64>,
    fz: Vec<f64>,
    jmat: Vec<f64>,
    /// LU of `I − h A ⊗ J` and of `I − hγ0 J`, for the step `h_lu`.
    lu: Option<(PartialPivLu<f64>, PartialPivLu<f64>, f64)>,
    jac_current: bool,
    /// Collocation polynomial of the last accepted step, `u(θ) = y0 + θ(d0 + (θ − c1)(d1
    /// + (θ − c2) d2))`: `[y0, d0, d1, d2]`, each `n` long.
    cont: Vec<f64>,
    has_cont: bool,
    faccon: f64,
    /// Step and error of the last accepted step (Gustafsson's controller).
    h_acc: f64,
    err_acc: f64,
    first: bool,
    last_rejected: bool,
    stats: SolverStats,
}

/// Why a Newton iteration stopped without converging: the factor for the step.
struct NewtonFailure {
    shrink: f64,
}

impl<F, J> Radau<F, J>
where
    F: FnMut(&[f64], &mut [f64]) + Send,
    J: FnMut(&[f64], &mut [f64]) + Send,
{
    /// Starts at `(t0, x0)` with tolerances and a maximal step.
    pub fn new(mut f: F, jac: J, t0: f64, x0: &[f64], rtol: f64, atol: f64, h_max: f64) -> Self {
        let n = x0.len();
        let mut f0 = vec![0.0; n];
        f(x0, &mut f0);
        let h = initial_step(&mut f, x0, &f0, 5, rtol, atol, h_max);
        let mut cont = vec![0.0; 4 * n];
        cont[..n].copy_from_slice(x0);
        Self {
            f,
            jac,
            rtol,
            atol,
            h_max,
            h,
            t: t0,
            t_prev: t0,
            x: x0.to_vec(),
            f0,
            z: vec![0.0; 3 * n],
            fz: vec![0.0; 3 * n],
            jmat: vec![0.0; n * n],
            lu: None,
            jac_current: false,
            cont,
            has_cont: false,
            faccon: 1.0,
            h_acc: h,
            err_acc: 1e-2,
            first: true,
            last_rejected: false,
            stats: SolverStats {
                evaluations: 2,
                ..SolverStats::default()
            },
        }
    }

    /// The step size the next step will try.
    pub fn h(&self) -> f64 {
        self.h
    }

    /// The Newton tolerance κ·tol of RADAU5: `max(10 ε / rtol, min(0.03, √rtol))`.
    fn newton_tol(&self) -> f64 {
        (10.0 * f64::EPSILON / self.rtol).max(0.03f64.min(self.rtol.sqrt()))
    }

    /// Factors `I − h A ⊗ J` (3n × 3n) and `I − hγ0 J` (n × n) for step `h`.
    fn factor(&mut self, h: f64) {
        let n = self.x.len();
        let jm = &self.jmat;
        let big = Mat::from_fn(3 * n, 3 * n, |r, c| {
            let (i, a, j, b) = (r / n, r % n, c / n, c % n);
            let id = if r == c { 1.0 } else { 0.0 };
            id - h * A[i][j] * jm[a * n + b]
        });
        let hg = h / inv_gamma0();
        let small = Mat::from_fn(n, n, |a, b| {
            let id = if a == b { 1.0 } else { 0.0 };
            id - hg * jm[a * n + b]
        });
        self.lu = Some((big.partial_piv_lu(), small.partial_piv_lu(), h));
        self.stats.lu_decompositions += 2;
    }

    /// The collocation polynomial of the last accepted step at `θ` (in units of that
    /// step; θ > 1 extrapolates).
    fn poly(&self, theta: f64, out: &mut [f64]) {
        let n = self.x.len();
        let c = &self.cont;
        for i in 0..n {
            out[i] = c[i]
                + theta
                    * (c[n + i] + (theta - C[0]) * (c[2 * n + i] + (theta - C[1]) * c[3 * n + i]));
        }
    }

    /// Starting values of the Newton iteration: the previous collocation polynomial
    /// extrapolated to the new nodes, or zero on the first step.
    fn starting_values(&mut self, h: f64) {
        let n = self.x.len();
        if !self.has_cont {
            self.z.iter_mut().for_each(|v| *v = 0.0);
            return;
        }
        let h_old = self.t - self.t_prev;
        let mut u = vec![0.0; n];
        for i in 0..3 {
            self.poly(1.0 + C[i] * h / h_old, &mut u);
            for a in 0..n {
                self.z[i * n + a] = u[a] - self.x[a];
            }
        }
        if self.z.iter().any(|v| !v.is_finite()) {
            self.z.iter_mut().for_each(|v| *v = 0.0);
        }
    }

    /// Simplified Newton on the stage equations; returns the number of iterations.
    fn newton(&mut self, h: f64) -> Result<usize, NewtonFailure> {
        let n = self.x.len();
        let fnewt = self.newton_tol();
        let scal: Vec<f64> = self
            .x
            .iter()
            .map(|v| self.atol + self.rtol * v.abs())
            .collect();
        self.faccon = self.faccon.max(f64::EPSILON).powf(0.8);
        let (mut dyn_old, mut thq_old) = (0.0f64, 0.0f64);
        let mut tmp = vec![0.0; n];
        let mut rhs = Mat::<f64>::zeros(3 * n, 1);
        for it in 0..MAX_NEWTON {
            for i in 0..3 {
                for a in 0..n {
                    tmp[a] = self.x[a] + self.z[i * n + a];
                }
                (self.f)(&tmp, &mut self.fz[i * n..(i + 1) * n]);
            }
            self.stats.evaluations += 3;
            if self.fz.iter().any(|v| !v.is_finite()) {
                return Err(NewtonFailure { shrink: 0.5 });
            }
            for i in 0..3 {
                for a in 0..n {
                    let hf: f64 = (0..3).map(|j| A[i][j] * self.fz[j * n + a]).sum();
                    rhs[(i * n + a, 0)] = -self.z[i * n + a] + h * hf;
                }
            }
            let Some((big, _, _)) = &self.lu else {
                return Err(NewtonFailure { shrink: 0.5 });
            };
            big.solve_in_place(rhs.as_mut());
            let dyno = ((0..3 * n)
                .map(|r| (rhs[(r, 0)] / scal[r % n]).powi(2))
                .sum::<f64>()
                / (3 * n) as f64)
                .sqrt();
            if !dyno.is_finite() {
                return Err(NewtonFailure { shrink: 0.5 });
            }
            if it >= 1 {
                let thq = dyno / dyn_old;
                let theta = if it == 1 { thq } else { (thq * thq_old).sqrt() };
                thq_old = thq;
                if theta < 0.99 {
                    self.faccon = theta / (1.0 - theta);
                    let left = (MAX_NEWTON - 1 - it) as i32;
                    let dyth = self.faccon * dyno * theta.powi(left) / fnewt;
                    if dyth >= 1.0 {
                        // Predicted not to converge in the iterations left (eq. IV.8.13).
                        let q = dyth.clamp(1e-4, 20.0);
                        return Err(NewtonFailure {
                            shrink: 0.8 * q.powf(-1.0 / (4.0 + f64::from(left))),
                        });
                    }
                } else {
                    return Err(NewtonFailure { shrink: 0.5 });
                }
            }
            dyn_old = dyno.max(f64::EPSILON);
            for r in 0..3 * n {
                self.z[r] += rhs[(r, 0)];
            }
            if self.faccon * dyno <= fnewt {
                return Ok(it + 1);
            }
        }
        Err(NewtonFailure { shrink: 0.5 })
    }

    /// RADAU5's error estimate for the converged stages, in the weighted RMS norm.
    fn error_estimate(&mut self, h: f64, y_new: &[f64]) -> f64 {
        let n = self.x.len();
        let g = 1.0 / inv_gamma0();
        let zsum: Vec<f64> = (0..n)
            .map(|a| g * (0..3).map(|i| DD[i] * self.z[i * n + a]).sum::<f64>())
            .collect();
        let Some((_, small, _)) = &self.lu else {
            return f64::INFINITY;
        };
        let mut v = Mat::from_fn(n, 1, |a, _| g * h * self.f0[a] + zsum[a]);
        small.solve_in_place(v.as_mut());
        let mut e: Vec<f64> = (0..n).map(|a| v[(a, 0)]).collect();
        let mut err = error_norm(&e, &self.x, y_new, self.rtol, self.atol);
        if err >= 1.0 && (self.first || self.last_rejected) {
            let shifted: Vec<f64> = (0..n).map(|a| self.x[a] + e[a]).collect();
            let mut fs = vec![0.0; n];
            (self.f)(&shifted, &mut fs);
            self.stats.evaluations += 1;
            let mut v = Mat::from_fn(n, 1, |a, _| g * h * fs[a] + zsum[a]);
            small.solve_in_place(v.as_mut());
            e = (0..n).map(|a| v[(a, 0)]).collect();
            err = error_norm(&e, &self.x, y_new, self.rtol, self.atol);
        }
        if err.is_finite() { err.max(1e-10) } else { err }
    }

    /// Stores the collocation polynomial of the accepted step by divided differences
    /// of `z_i / c_i` on the nodes.
    fn store_polynomial(&mut self) {
        let n = self.x.len();
        for a in 0..n {
            let w: [f64; 3] = std::array::from_fn(|i| self.z[i * n + a] / C[i]);
            let d1 = (w[1] - w[0]) / (C[1] - C[0]);
            let d12 = (w[2] - w[1]) / (C[2] - C[1]);
            self.cont[a] = self.x[a];
            self.cont[n + a] = w[0];
            self.cont[2 * n + a] = d1;
            self.cont[3 * n + a] = (d12 - d1) / (C[2] - C[0]);
        }
        self.has_cont = true;
    }
}

impl<F, J> Stepper for Radau<F, J>
where
    F: FnMut(&[f64], &mut [f64]) + Send,
    J: FnMut(&[f64], &mut [f64]) + Send,
{
    fn t(&self) -> f64 {
        self.t
    }

    fn state(&self) -> &[f64] {
        &self.x
    }

    fn step(&mut self) -> Result<(), StepError> {
        let n = self.x.len();
        let mut y_new = vec![0.0; n];
        loop {
            let h = self.h.min(self.h_max);
            if !h.is_finite() || h <= self.t.abs().max(1.0) * 1e-14 {
                return Err(StepError::StepCollapse { t: self.t, h });
            }
            if !self.jac_current {
                (self.jac)(&self.x, &mut self.jmat);
                self.stats.jacobians += 1;
                self.jac_current = true;
                self.lu = None;
                if self.jmat.iter().any(|v| !v.is_finite()) {
                    return Err(StepError::NonFinite { t: self.t });
                }
            }
            if !matches!(&self.lu, Some((_, _, hl)) if *hl == h) {
                self.factor(h);
            }
            self.starting_values(h);
            let iterations = match self.newton(h) {
                Ok(k) => k,
                Err(NewtonFailure { shrink }) => {
                    self.stats.rejected += 1;
                    self.last_rejected = true;
                    self.h = h * shrink;
                    continue;
                }
            };
            for a in 0..n {
                y_new[a] = self.x[a] + self.z[2 * n + a];
            }
            let err = self.error_estimate(h, &y_new);
            // RADAU5's safety factor falls with the Newton work spent.
            let fac = SAFETY
                .min(SAFETY * (1 + 2 * MAX_NEWTON) as f64 / (iterations + 2 * MAX_NEWTON) as f64);
            let mut quot = (err.powf(0.25) / fac).clamp(1.0 / GROW_MAX, SHRINK_MAX);
            if !err.is_finite() {
                quot = SHRINK_MAX;
            }
            if err < 1.0 {
                if !self.first {
                    // Gustafsson's predictive controller.
                    let gus = (self.h_acc / h) * (err * err / self.err_acc).powf(0.25) / SAFETY;
                    quot = quot.max(gus.clamp(1.0 / GROW_MAX, SHRINK_MAX));
                }
                self.h_acc = h;
                self.err_acc = err.max(1e-2);
                self.store_polynomial();
                self.t_prev = self.t;
                self.t += h;
                self.x.copy_from_slice(&y_new);
                (self.f)(&self.x, &mut self.f0);
                self.stats.evaluations += 1;
                self.jac_current = false;
                let mut h_new = h / quot;
                if self.last_rejected {
                    h_new = h_new.min(h);
                }
                self.h = h_new;
                self.first = false;
                self.last_rejected = false;
                self.stats.steps += 1;
                return Ok(());
            }
            self.stats.rejected += 1;
            self.h = if self.first { 0.1 * h } else { h / quot };
            self.last_rejected = true;
        }
    }

    fn interpolate(&self, t: f64, out: &mut [f64]) {
        let h = self.t - self.t_prev;
        if h <= 0.0 || !self.has_cont {
            out.copy_from_slice(&self.x);
            return;
        }
        self.poly(((t - self.t_prev) / h).clamp(0.0, 1.0), out);
    }

    fn set_state(&mut self, x: &[f64]) {
        let n = self.x.len();
        self.x.copy_from_slice(x);
        (self.f)(&self.x, &mut self.f0);
        self.stats.evaluations += 1;
        self.t_prev = self.t;
        self.jac_current = false;
        self.has_cont = false;
        self.cont.iter_mut().for_each(|v| *v = 0.0);
        self.cont[..n].copy_from_slice(x);
    }

    fn stats(&self) -> SolverStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrate::dopri5::Dopri5;
    use crate::systems::Catalog;
    use faer::Mat;

    #[test]
    fn error_weights_follow_from_the_embedded_order_conditions() {
        // The embedded solution ŷ = y0 + h(γ0 f(y0) + Σ b̂_i f(Y_i)) has order 3:
        // γ0 + Σ b̂_i = 1, Σ b̂_i c_i = 1/2, Σ b̂_i c_i² = 1/3. Then ŷ − y1 =
        // γ0 h f(y0) + Σ e_j z_j with e = (b̂ − b)ᵀ A⁻¹, which must equal γ0·DD.
        let g = 1.0 / inv_gamma0();
        let m = Mat::from_fn(3, 3, |r, c| C[c].powi(r as i32));
        let rhs = Mat::from_fn(3, 1, |r, _| [1.0 - g, 0.5, 1.0 / 3.0][r]);
        let bhat = m.partial_piv_lu().solve(&rhs);
        let at = Mat::from_fn(3, 3, |r, c| A[c][r]);
        let d = Mat::from_fn(3, 1, |r, _| bhat[(r, 0)] - A[2][r]);
        let e = at.partial_piv_lu().solve(&d);
        for i in 0..3 {
            assert!(
                (e[(i, 0)] - g * DD[i]).abs() < 1e-12,
                "{i}: {:?}",
                e[(i, 0)]
            );
        }
        // γ0 is an eigenvalue of A: det(A − γ0 I) = 0.
        let shifted = Mat::from_fn(3, 3, |r, c| A[r][c] - if r == c { g } else { 0.0 });
        assert!(shifted.determinant().abs() < 1e-14);
        // The nodes are the row sums of A.
        for i in 0..3 {
            assert!((A[i].iter().sum::<f64>() - C[i]).abs() < 1e-15);
        }
    }

    /// `y1' = −y1 + y2, y2' = −1000 y2`: stiffness ratio 1000, exact solution
    /// `y2 = b e^{−1000t}`, `y1 = (a + b/999) e^{−t} − b/999 e^{−1000t}`.
    fn stiff_linear(x: &[f64], d: &mut [f64]) {
        d[0] = -x[0] + x[1];
        d[1] = -1000.0 * x[1];
    }

    fn stiff_linear_jac(_x: &[f64], j: &mut [f64]) {
        j.copy_from_slice(&[-1.0, 1.0, 0.0, -1000.0]);
    }

    fn stiff_linear_exact(t: f64) -> [f64; 2] {
        let (a, b) = (1.0, 1.0);
        [
            (a + b / 999.0) * (-t).exp() - b / 999.0 * (-1000.0 * t).exp(),
            b * (-1000.0 * t).exp(),
        ]
    }

    /// Worst error over samples every 0.05 on [0, 10] through dense output.
    fn linear_run(tol: f64) -> (f64, SolverStats) {
        let mut s = Radau::new(
            stiff_linear,
            stiff_linear_jac,
            0.0,
            &[1.0, 1.0],
            tol,
            tol,
            f64::INFINITY,
        );
        let (mut worst, mut k, mut out) = (0.0f64, 1, [0.0; 2]);
        while s.t() < 10.0 {
            s.step().expect("linear problem");
            while k as f64 * 0.05 <= s.t().min(10.0) {
                let tk = k as f64 * 0.05;
                s.interpolate(tk, &mut out);
                let e = stiff_linear_exact(tk);
                worst = worst.max((out[0] - e[0]).abs().max((out[1] - e[1]).abs()));
                k += 1;
            }
        }
        (worst, s.stats())
    }

    #[test]
    fn stiff_linear_problem_meets_the_tolerance_in_few_steps() {
        let (e1, s1) = linear_run(1e-5);
        let (e2, s2) = linear_run(1e-8);
        assert!(e1 < 1e-5 && e2 < 1e-8, "{e1} {e2}");
        assert!(e2 < e1 / 100.0, "{e1} {e2}");
        // An explicit method needs h < 3.3/1000 for stability, i.e. > 3000 steps.
        assert!(s1.steps < 150 && s2.steps < 600, "{s1:?} {s2:?}");
        assert!(s2.jacobians >= s2.steps && s2.lu_decompositions >= 2 * s2.steps);
    }

    #[test]
    fn robertson_matches_the_reference_solution() {
        // Robertson's chemical kinetics, the classic stiff test (Hairer & Wanner II,
        // §IV.1 and IV.10): reference values at t = 40 from their tables.
        let f = |y: &[f64], d: &mut [f64]| {
            d[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
            d[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
            d[2] = 3e7 * y[1] * y[1];
        };
        let jac = |y: &[f64], j: &mut [f64]| {
            j.copy_from_slice(&[
                -0.04,
                1e4 * y[2],
                1e4 * y[1],
                0.04,
                -1e4 * y[2] - 6e7 * y[1],
                -1e4 * y[1],
                0.0,
                6e7 * y[1],
                0.0,
            ]);
        };
        let mut s = Radau::new(f, jac, 0.0, &[1.0, 0.0, 0.0], 1e-7, 1e-12, f64::INFINITY);
        while s.t() < 40.0 {
            s.step().expect("Robertson integrates");
        }
        let mut y = [0.0; 3];
        s.interpolate(40.0, &mut y);
        let reference = [0.715_827_068_7, 9.185_534_764e-6, 0.284_163_745_7];
        for j in 0..3 {
            let rel = (y[j] / reference[j] - 1.0).abs();
            assert!(rel < 1e-5, "y{} = {} vs {}", j + 1, y[j], reference[j]);
        }
        // Mass is conserved by the equations (Σ f_i = 0) and by any Runge–Kutta method.
        assert!((y.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(s.stats().steps < 500, "{:?}", s.stats());
    }

    #[test]
    fn van_der_pol_mu_1000_takes_few_steps_where_dopri5_crawls() {
        let mut sys = Catalog::builtin()
            .system("VanDerPol")
            .expect("in the catalog");
        sys.set_param("mu", 1000.0).expect("mu exists");
        let x0 = [2.0, 0.0];
        let t_end = 300.0;
        let s1 = sys.clone();
        let s2 = sys.clone();
        let mut radau = Radau::new(
            move |x: &[f64], d: &mut [f64]| s1.rhs(x, d),
            move |x: &[f64], j: &mut [f64]| j.copy_from_slice(&s2.jacobian(x)),
            0.0,
            &x0,
            1e-6,
            1e-6,
            f64::INFINITY,
        );
        let s3 = sys.clone();
        let mut dopri = Dopri5::new(
            move |x: &[f64], d: &mut [f64]| s3.rhs(x, d),
            0.0,
            &x0,
            1e-6,
            1e-6,
            f64::INFINITY,
        );
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        while radau.t() < t_end {
            radau.step().expect("Radau integrates Van der Pol");
        }
        radau.interpolate(t_end, &mut a);
        while dopri.t() < t_end {
            dopri.step().expect("Dopri5 is slow but stable");
        }
        dopri.interpolate(t_end, &mut b);
        let (r, d) = (radau.stats(), dopri.stats());
        // On the slow branch x decreases from 2 along μ(x − x³/3 … ); the two
        // independent methods agree on where it is at t = 300.
        assert!((a[0] - b[0]).abs() < 1e-3 * b[0].abs(), "{a:?} vs {b:?}");
        assert!(r.steps < 200, "radau {r:?}");
        assert!(d.steps > 100 * r.steps, "dopri5 {d:?} vs radau {r:?}");
    }
}
