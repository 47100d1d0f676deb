//! The echo-state network (Jaeger, GMD Report 148, 2001), following the recipe of
//! Lukoševičius, "A practical guide to applying echo state networks" (2012):
//!
//! * leaky-integrator reservoir (Eq. 2–3): `r_{t+1} = (1 − a) r_t + a tanh(W r_t + W_in u_t + b)`,
//!   with `u_t` the standardised state, `W` sparse random scaled to spectral radius ρ,
//!   leak rate `a ∈ (0, 1]`;
//! * read-out (Eq. 4) on `[1; u_t; r_{t+1}]`, here predicting the increment
//!   `u_{t+1} − u_t` (at 100 samples per period consecutive states differ by a few
//!   percent, and the ridge penalty then shrinks only the correction, not the identity);
//! * the first `washout` states are driven but not used for training (§3.1);
//! * ridge read-out (Eq. 9) by [`ridge_readout`].
//!
//! Forecasting is the closed-loop ("generative") mode: each predicted state is fed back
//! as the next input. The reservoir is first synchronised on a history of true states
//! (teacher forcing, `washout` states by default); see the [module docs](super) for
//! starting from a single state.

use std::time::Instant;

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::lift::QuadraticLift;
use super::reservoir_matrix::{ReservoirWeights, draw_reservoir};
use super::ridge::{ridge_readout, rms_residual};
use super::{Scaler, check_range};
use crate::data::Trajectory;
use crate::eval::tangent_growth::largest_lyapunov_per_step;
use crate::jobs::JobContext;
use crate::models::saved::SavedModel;
use crate::models::{FitError, FittedModel, ForecastError, Model, check_finite, iterate_forecast};

/// Default reservoir size N.
pub const DEFAULT_RESERVOIR: usize = 500;
/// Default spectral radius ρ of `W`.
pub const DEFAULT_SPECTRAL_RADIUS: f64 = 0.9;
/// Default leak rate `a`.
pub const DEFAULT_LEAK: f64 = 1.0;
/// Default input scaling (`W_in` uniform in ±this, on standardised inputs).
pub const DEFAULT_INPUT_SCALING: f64 = 0.5;
/// Default bias scaling.
pub const DEFAULT_BIAS_SCALING: f64 = 0.5;
/// Default density of `W` (about 10 connections per unit at N = 500).
pub const DEFAULT_DENSITY: f64 = 0.02;
/// Default washout (states driven before training, and synchronisation length).
pub const DEFAULT_WASHOUT: usize = 100;
/// Default ridge weight. Tuned once on Lorenz (dysts parameters, 100 samples per period,
/// 10 000 training samples, 20 held-out starts): median VPT 6.1 / 8.5 / 8.9 / 9.8 Lyapunov
/// times at α = 1e-4 / 1e-6 / 1e-7 / 1e-8; 1e-7 keeps some regularisation for noisy data.
/// The other defaults were not improved on: ρ 0.5 / 1.2 gave 7.5 / 6.0, leak 0.5 gave 7.6,
/// input scaling 0.2 / 1.0 gave 8.1 / 5.4 (at α = 1e-6).
pub const DEFAULT_RIDGE: f64 = 1e-7;
/// Largest reservoir accepted (the spectral radius uses a dense O(N³) eigensolver).
pub const MAX_RESERVOIR: usize = 4000;
/// Rows sampled for the single-state lift.
const LIFT_ROWS: usize = 2000;
/// Steps of the closed-loop run that estimate the model's λ_max (after a transient).
const LYAPUNOV_STEPS: usize = 5000;
const LYAPUNOV_TRANSIENT: usize = 500;

/// Echo-state network hyperparameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Esn {
    /// Reservoir size N.
    pub reservoir: usize,
    /// Spectral radius ρ the reservoir matrix is scaled to (> 0).
    pub spectral_radius: f64,
    /// Leak rate `a` in (0, 1] (1 = no leaking).
    pub leak: f64,
    /// Input weights are uniform in ±`input_scaling` (> 0).
    pub input_scaling: f64,
    /// Bias is uniform in ±`bias_scaling` (≥ 0).
    pub bias_scaling: f64,
    /// Fraction of non-zero entries of `W`, in (0, 1].
    pub density: f64,
    /// Driven states discarded before training; also the synchronisation length of a
    /// forecast.
    pub washout: usize,
    /// Ridge weight α ≥ 0 of the read-out.
    pub ridge: f64,
    /// Seed of the random weights.
    pub seed: u64,
}

impl Default for Esn {
    fn default() -> Self {
        Self {
            reservoir: DEFAULT_RESERVOIR,
            spectral_radius: DEFAULT_SPECTRAL_RADIUS,
            leak: DEFAULT_LEAK,
            input_scaling: DEFAULT_INPUT_SCALING,
            bias_scaling: DEFAULT_BIAS_SCALING,
            density: DEFAULT_DENSITY,
            washout: DEFAULT_WASHOUT,
            ridge: DEFAULT_RIDGE,
            seed: 0,
        }
    }
}

impl Esn {
    /// Checks every hyperparameter, naming the flag and its range.
    pub fn validate(&self) -> Result<(), FitError> {
        if self.reservoir == 0 || self.reservoir > MAX_RESERVOIR {
            return Err(FitError::Options(format!(
                "--reservoir must be between 1 and {MAX_RESERVOIR}, got {}",
                self.reservoir
            )));
        }
        check_range(
            "--spectral-radius",
            self.spectral_radius,
            0.0,
            f64::INFINITY,
            true,
        )?;
        check_range("--leak", self.leak, 0.0, 1.0, true)?;
        check_range(
            "--input-scaling",
            self.input_scaling,
            0.0,
            f64::INFINITY,
            true,
        )?;
        check_range(
            "--bias-scaling",
            self.bias_scaling,
            0.0,
            f64::INFINITY,
            false,
        )?;
        check_range("--density", self.density, 0.0, 1.0, true)?;
        check_range("--ridge", self.ridge, 0.0, f64::INFINITY, false)?;
        Ok(())
    }

    /// Fits the network to `data` (see the module docs).
    pub fn fit_model(&self, data: &Trajectory, job: &JobContext) -> Result<EsnModel, FitError> {
        let started = Instant::now();
        check_finite(data)?;
        self.validate()?;
        let (n, len, size) = (data.dim(), data.len(), self.reservoir);
        if len < self.washout + 12 {
            return Err(FitError::Data(format!(
                "the data have {len} samples; an ESN with --washout {} needs at least {} (use a shorter washout or more data)",
                self.washout,
                self.washout + 12
            )));
        }
        let scaler = Scaler::fit(data)?;
        let u = scaler.to_unit_rows(data.samples());
        job.report(0.0, "drawing the reservoir");
        let weights = draw_reservoir(
            size,
            n,
            self.density,
            self.spectral_radius,
            self.input_scaling,
            self.bias_scaling,
            self.seed,
        )?;
        job.check()?;
        let mut model = EsnModel {
            names: data.names().to_vec(),
            dt: data.dt(),
            options: self.clone(),
            scaler,
            weights,
            readout: Vec::new(),
            lift: QuadraticLift {
                inputs: n,
                outputs: size,
                coefficients: Vec::new(),
            },
            training_rmse: f64::NAN,
            max_lyapunov: None,
            fit_seconds: 0.0,
            last_state: data.row(len - 1).to_vec(),
        };
        // Drive the reservoir with the data; collect features, targets and lift pairs.
        let rows = len - 1 - self.washout;
        let p = 1 + n + size;
        let mut phi = Mat::<f64>::zeros(rows, p);
        let mut y = Mat::<f64>::zeros(rows, n);
        let lift_stride = (rows / LIFT_ROWS).max(1);
        let (mut lift_x, mut lift_r) = (Vec::new(), Vec::new());
        let mut r = vec![0.0; size];
        let mut next = vec![0.0; size];
        let mut pre = vec![0.0; size];
        for t in 0..len - 1 {
            if t % 500 == 0 {
                job.check()?;
                job.report(0.05 + 0.45 * t as f32 / len as f32, "driving the reservoir");
            }
            let ut = &u[t * n..(t + 1) * n];
            if t >= self.washout && (t - self.washout).is_multiple_of(lift_stride) {
                lift_x.extend_from_slice(ut);
                lift_r.extend_from_slice(&r);
            }
            model.update(&r, ut, &mut next, &mut pre);
            std::mem::swap(&mut r, &mut next);
            if t >= self.washout {
                let row = t - self.washout;
                phi[(row, 0)] = 1.0;
                for j in 0..n {
                    phi[(row, 1 + j)] = ut[j];
                    y[(row, j)] = u[(t + 1) * n + j] - ut[j];
                }
                for (j, v) in r.iter().enumerate() {
                    phi[(row, 1 + n + j)] = *v;
                }
            }
        }
        job.report(0.5, "solving the ridge read-out");
        let w = ridge_readout(phi.as_ref(), y.as_ref(), self.ridge)?;
        model.training_rmse = rms_residual(phi.as_ref(), w.as_ref(), y.as_ref());
        model.readout = (0..p)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| w[(i, j)])
            .collect();
        drop(phi);
        job.check()?;
        job.report(0.8, "fitting the single-state lift");
        model.lift = QuadraticLift::fit(&lift_x, n, &lift_r, size)?;
        job.check()?;
        job.report(0.9, "largest Lyapunov exponent of the closed loop");
        let u_last = u[(len - 1) * n..].to_vec();
        model.max_lyapunov = model.closed_loop_lyapunov(r, u_last);
        model.fit_seconds = started.elapsed().as_secs_f64();
        Ok(model)
    }
}

impl Model for Esn {
    fn family(&self) -> &'static str {
        "esn"
    }

    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Ok(Box::new(self.fit_model(data, job)?))
    }
}

/// A fitted echo-state network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EsnModel {
    /// State names of the data.
    pub names: Vec<String>,
    /// Sampling interval.
    pub dt: f64,
    /// The hyperparameters it was fitted with.
    pub options: Esn,
    /// Standardisation of the data.
    pub scaler: Scaler,
    /// Reservoir, input weights and bias.
    pub weights: ReservoirWeights,
    /// Read-out, row-major `(1 + n + N) × n`, on `[1; u_t; r_{t+1}]`, predicting
    /// `u_{t+1} − u_t`.
    pub readout: Vec<f64>,
    /// Single-state lift from a standardised state to a reservoir state.
    pub lift: QuadraticLift,
    /// RMS training error of the read-out (standardised increments).
    pub training_rmse: f64,
    /// The closed loop's largest Lyapunov exponent per time unit (`None` if it diverged).
    pub max_lyapunov: Option<f64>,
    /// Seconds the fit took.
    pub fit_seconds: f64,
    /// The last sample of the training data.
    pub last_state: Vec<f64>,
}

impl EsnModel {
    /// `next = (1 − a) r + a tanh(W r + W_in u + b)`; `pre` receives `tanh(…)`.
    fn update(&self, r: &[f64], u: &[f64], next: &mut [f64], pre: &mut [f64]) {
        let wts = &self.weights;
        let n = u.len();
        let a = self.options.leak;
        wts.w.mul_vec(r, pre);
        for (i, p) in pre.iter_mut().enumerate() {
            let w_in = &wts.w_in[i * n..(i + 1) * n];
            let drive: f64 = w_in.iter().zip(u).map(|(w, x)| w * x).sum();
            *p = (*p + drive + wts.bias[i]).tanh();
            next[i] = (1.0 - a) * r[i] + a * *p;
        }
    }

    /// Adds the read-out's increment `W_outᵀ [1; u; r]` to `u`.
    fn advance_output(&self, u: &mut [f64], r: &[f64]) {
        let n = u.len();
        let mut delta = self.readout[..n].to_vec();
        for (k, uk) in u.iter().enumerate() {
            let row = &self.readout[(1 + k) * n..(2 + k) * n];
            delta.iter_mut().zip(row).for_each(|(d, w)| *d += w * uk);
        }
        for (k, rk) in r.iter().enumerate() {
            let row = &self.readout[(1 + n + k) * n..(2 + n + k) * n];
            delta.iter_mut().zip(row).for_each(|(d, w)| *d += w * rk);
        }
        u.iter_mut().zip(&delta).for_each(|(x, d)| *x += d);
    }

    /// λ_max of the closed-loop map `(r, u) ↦ (r', u')` in reservoir-plus-output space,
    /// per time unit, from `(r, u)`.
    fn closed_loop_lyapunov(&self, r: Vec<f64>, u: Vec<f64>) -> Option<f64> {
        let (size, n) = (self.options.reservoir, u.len());
        let a = self.options.leak;
        let mut state = (r, u);
        let mut tangent = vec![1.0 / ((size + n) as f64).sqrt(); size + n];
        let (mut next, mut th, mut wdr) = (vec![0.0; size], vec![0.0; size], vec![0.0; size]);
        let per_step = largest_lyapunov_per_step(
            &mut state,
            &mut tangent,
            LYAPUNOV_TRANSIENT,
            LYAPUNOV_STEPS,
            |(r, u), tan| {
                self.update(r, u, &mut next, &mut th);
                let (dr, du) = tan.split_at_mut(size);
                // δr' = (1 − a) δr + a (1 − tanh²) ⊙ (W δr + W_in δu).
                self.weights.w.mul_vec(dr, &mut wdr);
                for i in 0..size {
                    let w_in = &self.weights.w_in[i * n..(i + 1) * n];
                    let drive: f64 = w_in.iter().zip(du.iter()).map(|(w, x)| w * x).sum();
                    dr[i] = (1.0 - a) * dr[i] + a * (1.0 - th[i] * th[i]) * (wdr[i] + drive);
                }
                std::mem::swap(r, &mut next);
                // δu' = δu + W_uᵀ δu + W_rᵀ δr' (no constant term).
                let mut ddu = du.to_vec();
                for (k, duk) in du.iter().enumerate() {
                    let row = &self.readout[(1 + k) * n..(2 + k) * n];
                    ddu.iter_mut().zip(row).for_each(|(d, w)| *d += w * duk);
                }
                for (k, drk) in dr.iter().enumerate() {
                    let row = &self.readout[(1 + n + k) * n..(2 + n + k) * n];
                    ddu.iter_mut().zip(row).for_each(|(d, w)| *d += w * drk);
                }
                du.copy_from_slice(&ddu);
                self.advance_output(u, r);
                u.iter().chain(r.iter()).all(|v| v.is_finite())
            },
        )?;
        Some(per_step / self.dt)
    }
}

impl FittedModel for EsnModel {
    fn family(&self) -> &'static str {
        "esn"
    }

    fn state_names(&self) -> &[String] {
        &self.names
    }

    fn dt(&self) -> f64 {
        self.dt
    }

    /// From a single state: the reservoir state comes from the lift (module docs).
    fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
        self.forecast_from_history(x0, steps)
    }

    fn context_len(&self) -> usize {
        self.options.washout.max(1)
    }

    /// Lifts the oldest history state to a reservoir state, drives the reservoir with the
    /// rest (teacher forcing), then runs closed-loop from the last one.
    fn forecast_from_history(
        &self,
        history: &[f64],
        steps: usize,
    ) -> Result<Vec<f64>, ForecastError> {
        let (n, size) = (self.names.len(), self.options.reservoir);
        if history.len() < n || !history.len().is_multiple_of(n) {
            return Err(ForecastError::WrongDimension {
                expected: n,
                got: history.len(),
            });
        }
        let u_hist = self.scaler.to_unit_rows(history);
        let rows = history.len() / n;
        let mut r = self.lift.apply(&u_hist[..n]);
        let (mut next, mut pre) = (vec![0.0; size], vec![0.0; size]);
        for t in 0..rows - 1 {
            self.update(&r, &u_hist[t * n..(t + 1) * n], &mut next, &mut pre);
            std::mem::swap(&mut r, &mut next);
        }
        let mut u = u_hist[(rows - 1) * n..].to_vec();
        let x0 = &history[(rows - 1) * n..];
        iterate_forecast(x0, n, steps, |_, out| {
            self.update(&r, &u, &mut next, &mut pre);
            std::mem::swap(&mut r, &mut next);
            self.advance_output(&mut u, &r);
            self.scaler.from_unit(&u, out);
        })
    }

    fn last_state(&self) -> &[f64] {
        &self.last_state
    }

    fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "hyperparameters": self.options,
            "fit_seconds": self.fit_seconds,
            "training_rmse": self.training_rmse,
            "max_lyapunov": self.max_lyapunov,
            "raw_spectral_radius": self.weights.raw_radius,
            "reservoir_connections": self.weights.w.values.len(),
            "readout_features": 1 + self.names.len() + self.options.reservoir,
        })
    }

    fn to_saved(&self) -> SavedModel {
        SavedModel::Esn(self.clone())
    }
}
