//! Next-generation reservoir computing (NVAR): Gauthier, Bollt, Griffith & Barbosa,
//! "Next generation reservoir computing", Nat. Commun. 12, 5564 (2021).
//!
//! The feature vector at step `t` is the constant, the linear part
//! `O_lin = [u_t; u_{t−s}; …; u_{t−(k−1)s}]` (`k` delays with skip `s`) and the unique
//! quadratic monomials of `O_lin` (their Eq. 5–6); a ridge read-out predicts the
//! increment `u_{t+1} − u_t` (their Eq. 7), and forecasting iterates
//! `u_{t+1} = u_t + W_out O_total(t)`. Unlike the paper we standardise the data first,
//! which changes nothing at α = 0 (an affine change of the linear part spans the same
//! polynomials) and makes the ridge weight unit-free.

use std::collections::VecDeque;
use std::time::Instant;

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::features::{feature_count, polynomial_features, polynomial_features_tangent};
use super::lift::QuadraticLift;
use super::ridge::{ridge_readout, rms_residual};
use super::{Scaler, check_range};
use crate::data::Trajectory;
use crate::eval::tangent_growth::largest_lyapunov_per_step;
use crate::jobs::JobContext;
use crate::models::saved::SavedModel;
use crate::models::{FitError, FittedModel, ForecastError, Model, check_finite, iterate_forecast};

/// Default number of delays `k`. Tuned once on Lorenz (dysts parameters, 100 samples per
/// period, 10 000 training samples, 20 held-out starts): median VPT 1.9 / 6.2 / 8.3 / 9.0
/// Lyapunov times for k = 1 / 2 / 3 / 4 (k = 4 needs the history: from a single state it
/// gave 2.0, k = 3 gave 6.3). The paper's Lorenz set-up (dt = 0.025) uses k = 2.
pub const DEFAULT_DELAYS: usize = 3;
/// Default skip `s` between delays (s = 2 was no better).
pub const DEFAULT_SKIP: usize = 1;
/// Default ridge weight: the paper's 2.5e-6 sits close to where k = 2 diverges on
/// 100-samples-per-period data (α ≤ 1e-7); 1e-5 gave the same VPT with more margin.
pub const DEFAULT_RIDGE: f64 = 1e-5;
/// The paper's Lorenz ridge weight (Gauthier et al. 2021).
pub const GAUTHIER_RIDGE: f64 = 2.5e-6;
/// Largest feature vector accepted (the Gram matrix is features²).
pub const MAX_FEATURES: usize = 5000;
const LYAPUNOV_STEPS: usize = 5000;
const LYAPUNOV_TRANSIENT: usize = 500;

/// NVAR hyperparameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Nvar {
    /// Number of delayed states `k` in the linear part (≥ 1; 1 = the current state only).
    pub delays: usize,
    /// Steps `s` between delayed states (≥ 1).
    pub skip: usize,
    /// Ridge weight α ≥ 0.
    pub ridge: f64,
}

impl Default for Nvar {
    fn default() -> Self {
        Self {
            delays: DEFAULT_DELAYS,
            skip: DEFAULT_SKIP,
            ridge: DEFAULT_RIDGE,
        }
    }
}

impl Nvar {
    /// Checks the hyperparameters for data of dimension `n`.
    pub fn validate(&self, n: usize) -> Result<(), FitError> {
        if self.delays == 0 {
            return Err(FitError::Options(
                "--delays must be at least 1 (1 = the current state only)".into(),
            ));
        }
        if self.skip == 0 {
            return Err(FitError::Options("--skip must be at least 1".into()));
        }
        check_range("--ridge", self.ridge, 0.0, f64::INFINITY, false)?;
        let p = feature_count(self.delays * n);
        if p > MAX_FEATURES {
            return Err(FitError::Options(format!(
                "{} delays of {n} variables make {p} features (at most {MAX_FEATURES}); use fewer --delays",
                self.delays
            )));
        }
        Ok(())
    }

    /// States spanned by one feature vector: `(k − 1) s + 1`.
    fn span(&self) -> usize {
        (self.delays - 1) * self.skip + 1
    }

    /// Fits the read-out to `data` (see the module docs).
    pub fn fit_model(&self, data: &Trajectory, job: &JobContext) -> Result<NvarModel, FitError> {
        let started = Instant::now();
        check_finite(data)?;
        let (n, len) = (data.dim(), data.len());
        self.validate(n)?;
        let span = self.span();
        if len < span + 2 {
            return Err(FitError::Data(format!(
                "the data have {len} samples; {} delays with skip {} need at least {}",
                self.delays,
                self.skip,
                span + 2
            )));
        }
        let scaler = Scaler::fit(data)?;
        let u = scaler.to_unit_rows(data.samples());
        let m = self.delays * n;
        let p = feature_count(m);
        let rows = len - span;
        let mut phi = Mat::<f64>::zeros(rows, p);
        let mut y = Mat::<f64>::zeros(rows, n);
        let mut lin = vec![0.0; m];
        let mut feat = vec![0.0; p];
        let past = (self.delays - 1) * n;
        let (mut lift_x, mut lift_y) = (Vec::new(), Vec::new());
        job.report(0.0, "building NVAR features");
        for row in 0..rows {
            let t = row + span - 1;
            if row % 2000 == 0 {
                job.check()?;
            }
            self.linear_part(&u, n, t, &mut lin);
            polynomial_features(&lin, &mut feat);
            for (j, v) in feat.iter().enumerate() {
                phi[(row, j)] = *v;
            }
            for j in 0..n {
                y[(row, j)] = u[(t + 1) * n + j] - u[t * n + j];
            }
            if past > 0 {
                lift_x.extend_from_slice(&lin[..n]);
                lift_y.extend_from_slice(&lin[n..]);
            }
        }
        job.report(0.5, "solving the ridge read-out");
        let w = ridge_readout(phi.as_ref(), y.as_ref(), self.ridge)?;
        let training_rmse = rms_residual(phi.as_ref(), w.as_ref(), y.as_ref());
        let lift = if past > 0 {
            Some(QuadraticLift::fit(&lift_x, n, &lift_y, past)?)
        } else {
            None
        };
        let mut model = NvarModel {
            names: data.names().to_vec(),
            dt: data.dt(),
            options: self.clone(),
            scaler,
            readout: (0..p)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|(i, j)| w[(i, j)])
                .collect(),
            lift,
            training_rmse,
            max_lyapunov: None,
            fit_seconds: 0.0,
            last_state: data.row(len - 1).to_vec(),
        };
        job.check()?;
        job.report(0.9, "largest Lyapunov exponent of the closed loop");
        model.max_lyapunov = model.closed_loop_lyapunov(u[(len - span) * n..].to_vec());
        model.fit_seconds = started.elapsed().as_secs_f64();
        Ok(model)
    }

    /// `[u_t; u_{t−s}; …]` from standardised rows `u`.
    fn linear_part(&self, u: &[f64], n: usize, t: usize, lin: &mut [f64]) {
        for d in 0..self.delays {
            let src = t - d * self.skip;
            lin[d * n..(d + 1) * n].copy_from_slice(&u[src * n..(src + 1) * n]);
        }
    }
}

impl Model for Nvar {
    fn family(&self) -> &'static str {
        "nvar"
    }

    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Ok(Box::new(self.fit_model(data, job)?))
    }
}

/// A fitted NVAR model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NvarModel {
    /// State names of the data.
    pub names: Vec<String>,
    /// Sampling interval.
    pub dt: f64,
    /// The hyperparameters it was fitted with.
    pub options: Nvar,
    /// Standardisation of the data.
    pub scaler: Scaler,
    /// Read-out, row-major `features × n`, on `[1; O_lin; quad(O_lin)]`, predicting
    /// `u_{t+1} − u_t`.
    pub readout: Vec<f64>,
    /// Single-state lift to the `k − 1` delayed states (`None` when `k = 1`).
    pub lift: Option<QuadraticLift>,
    /// RMS training error of the read-out (standardised increments).
    pub training_rmse: f64,
    /// The closed loop's largest Lyapunov exponent per time unit (`None` if it diverged).
    pub max_lyapunov: Option<f64>,
    /// Seconds the fit took.
    pub fit_seconds: f64,
    /// The last sample of the training data.
    pub last_state: Vec<f64>,
}

impl NvarModel {
    /// The read-out's increment `W_outᵀ f` for the feature vector `f`.
    fn increment(&self, f: &[f64], out: &mut [f64]) {
        let n = out.len();
        out.iter_mut().for_each(|v| *v = 0.0);
        for (fi, row) in f.iter().zip(self.readout.chunks_exact(n)) {
            out.iter_mut().zip(row).for_each(|(o, w)| *o += fi * w);
        }
    }

    /// Linear part from a buffer of the last `span` standardised states (oldest first).
    fn linear_from_buffer(&self, buf: &VecDeque<Vec<f64>>, lin: &mut [f64]) {
        let n = self.names.len();
        let last = buf.len() - 1;
        for d in 0..self.options.delays {
            lin[d * n..(d + 1) * n].copy_from_slice(&buf[last - d * self.options.skip]);
        }
    }

    /// λ_max per time unit of the closed loop in delay space, from the standardised
    /// window `window` (`span` rows, oldest first).
    fn closed_loop_lyapunov(&self, window: Vec<f64>) -> Option<f64> {
        let n = self.names.len();
        let (k, s) = (self.options.delays, self.options.skip);
        let m = k * n;
        let p = feature_count(m);
        let len = window.len();
        let mut tangent = vec![1.0 / (len as f64).sqrt(); len];
        let mut state = window;
        let (mut lin, mut dlin) = (vec![0.0; m], vec![0.0; m]);
        let (mut f, mut df) = (vec![0.0; p], vec![0.0; p]);
        let (mut inc, mut dinc) = (vec![0.0; n], vec![0.0; n]);
        let rows = len / n;
        let per_step = largest_lyapunov_per_step(
            &mut state,
            &mut tangent,
            LYAPUNOV_TRANSIENT,
            LYAPUNOV_STEPS,
            |x, tan| {
                for d in 0..k {
                    let src = (rows - 1 - d * s) * n;
                    lin[d * n..(d + 1) * n].copy_from_slice(&x[src..src + n]);
                    dlin[d * n..(d + 1) * n].copy_from_slice(&tan[src..src + n]);
                }
                polynomial_features(&lin, &mut f);
                polynomial_features_tangent(&lin, &dlin, &mut df);
                self.increment(&f, &mut inc);
                self.increment(&df, &mut dinc);
                // Shift the window by one state and append the new one.
                x.copy_within(n.., 0);
                tan.copy_within(n.., 0);
                for j in 0..n {
                    x[len - n + j] = lin[j] + inc[j];
                    tan[len - n + j] = dlin[j] + dinc[j];
                }
                x.iter().all(|v| v.is_finite())
            },
        )?;
        Some(per_step / self.dt)
    }

    /// Standardised states of the window a forecast starts from: the history's last
    /// `span` rows; delays older than the history come from the lift.
    fn start_window(&self, history: &[f64]) -> VecDeque<Vec<f64>> {
        let n = self.names.len();
        let (k, s) = (self.options.delays, self.options.skip);
        let span = (k - 1) * s + 1;
        let u = self.scaler.to_unit_rows(history);
        let rows = u.len() / n;
        let current = &u[(rows - 1) * n..];
        let lifted = self.lift.as_ref().map(|l| l.apply(current));
        // Window slot `i` (0 = oldest) is lag `span − 1 − i`.
        (0..span)
            .map(|i| {
                let lag = span - 1 - i;
                if lag < rows {
                    u[(rows - 1 - lag) * n..(rows - lag) * n].to_vec()
                } else if lag % s == 0
                    && let Some(l) = &lifted
                {
                    let d = lag / s;
                    l[(d - 1) * n..d * n].to_vec()
                } else {
                    // A lag the features never read (between skips): any value does.
                    current.to_vec()
                }
            })
            .collect()
    }
}

impl FittedModel for NvarModel {
    fn family(&self) -> &'static str {
        "nvar"
    }

    fn state_names(&self) -> &[String] {
        &self.names
    }

    fn dt(&self) -> f64 {
        self.dt
    }

    /// From a single state: the delayed states come from the lift (module docs).
    fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
        self.forecast_from_history(x0, steps)
    }

    fn context_len(&self) -> usize {
        self.options.span()
    }

    fn forecast_from_history(
        &self,
        history: &[f64],
        steps: usize,
    ) -> Result<Vec<f64>, ForecastError> {
        let n = self.names.len();
        if history.len() < n || !history.len().is_multiple_of(n) {
            return Err(ForecastError::WrongDimension {
                expected: n,
                got: history.len(),
            });
        }
        let m = self.options.delays * n;
        let mut buf = self.start_window(history);
        let (mut lin, mut f, mut inc) = (vec![0.0; m], vec![0.0; feature_count(m)], vec![0.0; n]);
        let x0 = &history[history.len() - n..];
        iterate_forecast(x0, n, steps, |_, out| {
            self.linear_from_buffer(&buf, &mut lin);
            polynomial_features(&lin, &mut f);
            self.increment(&f, &mut inc);
            let mut oldest = buf.pop_front().unwrap_or_default();
            oldest.clear();
            oldest.extend(lin[..n].iter().zip(&inc).map(|(a, b)| a + b));
            self.scaler.from_unit(&oldest, out);
            buf.push_back(oldest);
        })
    }

    fn last_state(&self) -> &[f64] {
        &self.last_state
    }

    /// For `k = 1` the model is a map of the state: `J = diag(σ) (I + W_outᵀ ∂f/∂u) diag(1/σ)`.
    /// With delays the map acts on delay vectors, so there is no state Jacobian.
    fn jacobian(&self, x: &[f64]) -> Option<Vec<f64>> {
        let n = self.names.len();
        if self.options.delays != 1 || x.len() != n {
            return None;
        }
        let mut u = vec![0.0; n];
        self.scaler.to_unit(x, &mut u);
        let p = feature_count(n);
        let (mut df, mut inc) = (vec![0.0; p], vec![0.0; n]);
        let mut jac = vec![0.0; n * n];
        for j in 0..n {
            let mut e = vec![0.0; n];
            e[j] = 1.0;
            polynomial_features_tangent(&u, &e, &mut df);
            self.increment(&df, &mut inc);
            for i in 0..n {
                let du = if i == j { 1.0 } else { 0.0 } + inc[i];
                jac[i * n + j] = self.scaler.std[i] * du / self.scaler.std[j];
            }
        }
        Some(jac)
    }

    fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "hyperparameters": self.options,
            "fit_seconds": self.fit_seconds,
            "training_rmse": self.training_rmse,
            "max_lyapunov": self.max_lyapunov,
            "readout_features": feature_count(self.options.delays * self.names.len()),
        })
    }

    fn to_saved(&self) -> SavedModel {
        SavedModel::Nvar(self.clone())
    }
}
