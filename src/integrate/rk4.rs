//! The classical fourth-order Runge–Kutta method with a fixed step (Kutta 1901; Hairer,
//! Nørsett & Wanner, *Solving ODEs I*, Table II.1.2), with cubic Hermite dense output.

use super::{SolverStats, StepError, Stepper};

/// Fixed-step RK4 over a vector field `f(x, out)`.
pub struct Rk4<F> {
    f: F,
    h: f64,
    t: f64,
    t_prev: f64,
    x: Vec<f64>,
    x_prev: Vec<f64>,
    /// `f` at the current state (reused as the next step's first stage).
    fx: Vec<f64>,
    fx_prev: Vec<f64>,
    k: [Vec<f64>; 3],
    tmp: Vec<f64>,
    stats: SolverStats,
}

impl<F: FnMut(&[f64], &mut [f64]) + Send> Rk4<F> {
    /// Starts at `(t0, x0)` with step `h > 0`.
    pub fn new(mut f: F, t0: f64, x0: &[f64], h: f64) -> Self {
        let n = x0.len();
        let mut fx = vec![0.0; n];
        f(x0, &mut fx);
        Self {
            f,
            h,
            t: t0,
            t_prev: t0,
            x: x0.to_vec(),
            x_prev: x0.to_vec(),
            fx_prev: fx.clone(),
            fx,
            k: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
            tmp: vec![0.0; n],
            stats: SolverStats {
                evaluations: 1,
                ..SolverStats::default()
            },
        }
    }

    /// The fixed step.
    pub fn h(&self) -> f64 {
        self.h
    }
}

impl<F: FnMut(&[f64], &mut [f64]) + Send> Stepper for Rk4<F> {
    fn t(&self) -> f64 {
        self.t
    }

    fn state(&self) -> &[f64] {
        &self.x
    }

    fn step(&mut self) -> Result<(), StepError> {
        let (h, n) = (self.h, self.x.len());
        let [k2, k3, k4] = &mut self.k;
        let k1 = &self.fx;
        for i in 0..n {
            self.tmp[i] = self.x[i] + 0.5 * h * k1[i];
        }
        (self.f)(&self.tmp, k2);
        for i in 0..n {
            self.tmp[i] = self.x[i] + 0.5 * h * k2[i];
        }
        (self.f)(&self.tmp, k3);
        for i in 0..n {
            self.tmp[i] = self.x[i] + h * k3[i];
        }
        (self.f)(&self.tmp, k4);
        for i in 0..n {
            self.tmp[i] = self.x[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
        if self.tmp.iter().any(|v| !v.is_finite()) {
            return Err(StepError::NonFinite { t: self.t });
        }
        std::mem::swap(&mut self.x_prev, &mut self.x);
        std::mem::swap(&mut self.x, &mut self.tmp);
        std::mem::swap(&mut self.fx_prev, &mut self.fx);
        (self.f)(&self.x, &mut self.fx);
        self.t_prev = self.t;
        self.t += h;
        self.stats.steps += 1;
        self.stats.evaluations += 4;
        Ok(())
    }

    fn interpolate(&self, t: f64, out: &mut [f64]) {
        let h = self.t - self.t_prev;
        if h <= 0.0 {
            out.copy_from_slice(&self.x);
            return;
        }
        let s = ((t - self.t_prev) / h).clamp(0.0, 1.0);
        // Cubic Hermite basis on [0, 1].
        let h00 = (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s);
        let h10 = s * (1.0 - s) * (1.0 - s);
        let h01 = s * s * (3.0 - 2.0 * s);
        let h11 = s * s * (s - 1.0);
        for (i, o) in out.iter_mut().enumerate() {
            *o = h00 * self.x_prev[i]
                + h10 * h * self.fx_prev[i]
                + h01 * self.x[i]
                + h11 * h * self.fx[i];
        }
    }

    fn set_state(&mut self, x: &[f64]) {
        self.x.copy_from_slice(x);
        self.x_prev.copy_from_slice(x);
        (self.f)(&self.x, &mut self.fx);
        self.fx_prev.copy_from_slice(&self.fx);
        self.t_prev = self.t;
        self.stats.evaluations += 1;
    }

    fn stats(&self) -> SolverStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x'' = -x` written as a first-order system; exact solution `(cos t, -sin t)`.
    fn oscillator(x: &[f64], dx: &mut [f64]) {
        dx[0] = x[1];
        dx[1] = -x[0];
    }

    fn error_at_one(h: f64) -> f64 {
        let n = (1.0 / h).round() as usize;
        let mut s = Rk4::new(oscillator, 0.0, &[1.0, 0.0], h);
        for _ in 0..n {
            s.step().expect("finite");
        }
        let x = s.state();
        ((x[0] - 1f64.cos()).powi(2) + (x[1] + 1f64.sin()).powi(2)).sqrt()
    }

    #[test]
    fn fourth_order_convergence() {
        // Halving the step divides the global error by 2^4 = 16 for an order-4 method.
        for h in [0.1, 0.05, 0.025] {
            let ratio = error_at_one(h) / error_at_one(h / 2.0);
            assert!((ratio - 16.0).abs() < 0.8, "h={h}: ratio {ratio}");
        }
    }

    #[test]
    fn dense_output_is_third_order_accurate_inside_a_step() {
        let h = 0.05;
        let mut s = Rk4::new(oscillator, 0.0, &[1.0, 0.0], h);
        s.step().expect("finite");
        let mut out = [0.0; 2];
        s.interpolate(0.02, &mut out);
        assert!((out[0] - 0.02f64.cos()).abs() < 1e-6);
        assert!((out[1] + 0.02f64.sin()).abs() < 1e-6);
    }

    #[test]
    fn blow_up_is_reported_with_its_time() {
        let mut s = Rk4::new(
            |x: &[f64], d: &mut [f64]| d[0] = x[0] * x[0],
            0.0,
            &[1.0],
            0.1,
        );
        // x' = x² from x(0)=1 blows up at t = 1.
        let err = loop {
            if let Err(e) = s.step() {
                break e;
            }
            assert!(s.t() < 5.0, "should have diverged");
        };
        let StepError::NonFinite { t } = err else {
            panic!("expected non-finite, got {err:?}")
        };
        assert!(t > 0.8 && t < 2.0, "t = {t}");
    }
}
