//! A trained network as a [`FittedModel`]: the free run and the Jacobian in the data's
//! original units (through the standardisation and the read-out, Hess et al. 2023,
//! `specs/plrnn.md` §1.4), fixed points, the report and the saved form.

use super::PlrnnModel;
use super::fixed_points;
use crate::models::saved::SavedModel;
use crate::models::{FittedModel, ForecastError, iterate_forecast};

impl PlrnnModel {
    /// The data's dimension `N`.
    pub(super) fn dim(&self) -> usize {
        self.names.len()
    }

    /// `x̃ = (x − mean)/std`, the standardised state the network works in.
    pub(super) fn standardize(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(self.mean.iter().zip(&self.std))
            .map(|(v, (m, s))| (v - m) / s)
            .collect()
    }

    /// The model's fixed points ([`fixed_points::fixed_points`]) found from the start
    /// state of its last training state and from every 25th state of a 5000-step free
    /// run from there: found in latent space, reported as their read-out (`z[..N]` or
    /// `B z`) in the data's original units, with the latent Jacobian's spectral radius.
    pub fn fixed_points(&self) -> Vec<fixed_points::FixedPoint> {
        let (n, m) = (self.dim(), self.net.latent);
        let mut z = vec![0.0; m];
        self.net
            .initial_state(&self.standardize(&self.last_state), &mut z);
        let mut next = vec![0.0; m];
        let mut hidden = vec![0.0; self.net.hidden];
        let mut seeds = vec![z.clone()];
        for step in 1..=5000 {
            self.net.step(&z, &mut next, &mut hidden);
            std::mem::swap(&mut z, &mut next);
            if step % 25 == 0 && z.iter().all(|v| v.is_finite()) {
                seeds.push(z.clone());
            }
        }
        let mut found = fixed_points::fixed_points(&self.net, &seeds);
        for fp in &mut found {
            let mut x = vec![0.0; n];
            self.net.observe(&fp.state, &mut x);
            fp.state = x;
            for (j, v) in fp.state.iter_mut().enumerate() {
                *v = self.mean[j] + self.std[j] * *v;
            }
        }
        found
    }
}

impl FittedModel for PlrnnModel {
    fn family(&self) -> &'static str {
        "plrnn"
    }

    fn state_names(&self) -> &[String] {
        &self.names
    }

    fn dt(&self) -> f64 {
        self.dt
    }

    /// Free run: `z_1 = [x̃_0; B x̃_0]` (identity) or `B⁺ x̃_0` (affine) from the
    /// standardised start, iterated in latent space, the read-out (`z[..N]` or `B z`)
    /// de-standardised.
    fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
        let (n, m) = (self.dim(), self.net.latent);
        if x0.len() != n {
            return Err(ForecastError::WrongDimension {
                expected: n,
                got: x0.len(),
            });
        }
        let mut z = vec![0.0; m];
        self.net.initial_state(&self.standardize(x0), &mut z);
        let mut next = vec![0.0; m];
        let mut hidden = vec![0.0; self.net.hidden];
        let mut x = vec![0.0; n];
        iterate_forecast(x0, n, steps, |_, out| {
            self.net.step(&z, &mut next, &mut hidden);
            std::mem::swap(&mut z, &mut next);
            self.net.observe(&z, &mut x);
            for j in 0..n {
                out[j] = self.mean[j] + self.std[j] * x[j];
            }
        })
    }

    fn last_state(&self) -> &[f64] {
        &self.last_state
    }

    /// The Jacobian of `x ↦ x_next` started from `x` in original units:
    /// `diag(σ) [J(z) [I; B]]_{1:N} diag(1/σ)` with `z = [x̃; B x̃]` (identity) or
    /// `diag(σ) B J(z) B⁺ diag(1/σ)` with `z = B⁺ x̃` (affine).
    fn jacobian(&self, x: &[f64]) -> Option<Vec<f64>> {
        let (n, m) = (self.dim(), self.net.latent);
        if x.len() != n {
            return None;
        }
        let mut z = vec![0.0; m];
        self.net.initial_state(&self.standardize(x), &mut z);
        let jz = self.net.jacobian(&z);
        if let Some(pinv) = self.net.readout_pinv() {
            let b = self.net.readout_matrix();
            // (B J B⁺)_ij = Σ_k B_ik (J B⁺)_kj.
            let jp: Vec<f64> = (0..m * n)
                .map(|kj| {
                    (0..m)
                        .map(|q| jz[kj / n * m + q] * pinv[q * n + kj % n])
                        .sum()
                })
                .collect();
            let jac = (0..n * n)
                .map(|ij| {
                    let (i, j) = (ij / n, ij % n);
                    let s: f64 = (0..m).map(|k| b[i * m + k] * jp[k * n + j]).sum();
                    self.std[i] * s / self.std[j]
                })
                .collect();
            return Some(jac);
        }
        let b = &self.net.theta[self.net.layout().b..];
        let mut jac = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                // d z_k / d x̃_j = δ_kj for k < N, B_{k−N, j} for k ≥ N.
                let mut s = jz[i * m + j];
                for k in n..m {
                    s += jz[i * m + k] * b[(k - n) * n + j];
                }
                jac[i * n + j] = self.std[i] * s / self.std[j];
            }
        }
        Some(jac)
    }

    fn report(&self) -> serde_json::Value {
        let t = &self.training;
        serde_json::json!({
            "d_stsp": self.train_scores.d_stsp,
            "d_h": self.train_scores.d_h,
            "max_lyapunov": self.max_lyapunov,
            "steps_per_second": t.steps_per_second,
            "epochs": t.epochs,
            "gradient_steps": t.gradient_steps,
            "train_seconds": t.train_seconds,
            "final_loss": t.loss_curve.last(),
            "alpha": t.final_alpha,
            "latent": self.net.latent,
            "hidden": self.net.hidden,
            "parameters": self.net.theta.len(),
            "nonlinearity": self.net.nonlinearity,
            "readout": self.net.readout,
            "precision": self.options.precision,
            "metric_history": t.metric_history,
        })
    }

    fn to_saved(&self) -> SavedModel {
        SavedModel::Plrnn(self.clone())
    }
}
