//! Hankel (time-delay) DMD: exact DMD on delay vectors `h_k = [x_k; x_{k+1}; …; x_{k+d−1}]`,
//! with forecasts returned in the original coordinates.
//!
//! Takes a trajectory and a delay count `d`; produces a [`HankelDmdModel`] whose
//! spectrum is that of the delay-coordinate DMD (with ResDMD residuals on held-out delay
//! pairs) and whose forecast starts from a single state.
//!
//! # Method
//! Delay embedding, then exact DMD (spec §1.5; Arbabi & Mezić, "Ergodic theory, dynamic
//! mode decomposition, and computation of spectral properties of the Koopman operator",
//! SIAM J. Appl. Dyn. Syst. 16 (2017)). A forecast from one state `x_0` needs a full delay
//! vector: the POD coordinates `z = U_r* h` are regressed (least squares by QR) on the
//! newest block `x_{k+d−1}` and a constant over the training rows, giving `z_0` from
//! `x_0`; then `z ↦ Ã z`, and each forecast state is the newest block of `U_r z`.

use crate::models::iterate_lifted;
use faer::Mat;
use serde::{Deserialize, Serialize};

use super::{Dmd, DmdModel, DmdVariant, Rank, fit_dmd};
use crate::data::Trajectory;
use crate::jobs::JobContext;
use crate::models::koopman::KoopmanModes;
use crate::models::saved::SavedModel;
use crate::models::{FitError, FittedModel, ForecastError, Model, Spectrum};

/// Default number of delays `d`.
pub const DEFAULT_DELAYS: usize = 10;

/// Hankel DMD with its options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HankelDmd {
    /// Delay depth `d` (1 = plain exact DMD).
    pub delays: usize,
    /// Rank truncation rule for the delay matrix.
    pub rank: Rank,
    /// Exact, forward–backward or total-least-squares DMD on the delay vectors.
    #[serde(default)]
    pub variant: DmdVariant,
    /// Fraction of the delay pairs held out for the residuals.
    pub residual_holdout: f64,
}

impl Default for HankelDmd {
    fn default() -> Self {
        Self {
            delays: DEFAULT_DELAYS,
            rank: Rank::Full,
            variant: DmdVariant::Exact,
            residual_holdout: super::DEFAULT_RESIDUAL_HOLDOUT,
        }
    }
}

impl Model for HankelDmd {
    fn family(&self) -> &'static str {
        "hankel-dmd"
    }

    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Ok(Box::new(fit_hankel_dmd(self, data, job)?))
    }
}

/// The delay-embedded trajectory: row `k` is `[x_k, …, x_{k+d−1}]`.
pub fn delay_embed(data: &Trajectory, delays: usize) -> Result<Trajectory, FitError> {
    let (n, len) = (data.dim(), data.len());
    if delays == 0 {
        return Err(FitError::Options(
            "the delay count must be at least 1".into(),
        ));
    }
    if delays >= len {
        return Err(FitError::Data(format!(
            "{delays} delays need more than {delays} samples, the data have {len}; use fewer --delays or a longer trajectory"
        )));
    }
    let rows = len - delays + 1;
    let mut samples = Vec::with_capacity(rows * n * delays);
    for k in 0..rows {
        samples.extend_from_slice(&data.samples()[k * n..(k + delays) * n]);
    }
    let names = (0..delays)
        .flat_map(|j| {
            data.names().iter().map(move |s| {
                if j == 0 {
                    s.clone()
                } else {
                    format!("{s}(t+{j}dt)")
                }
            })
        })
        .collect();
    Ok(Trajectory::new(
        names,
        data.t0(),
        data.dt(),
        samples,
        data.provenance.clone(),
    ))
}

/// Fits Hankel DMD (see the module docs).
pub fn fit_hankel_dmd(
    options: &HankelDmd,
    data: &Trajectory,
    job: &JobContext,
) -> Result<HankelDmdModel, FitError> {
    let embedded = delay_embed(data, options.delays)?;
    let inner = fit_dmd(
        &Dmd {
            rank: options.rank,
            variant: options.variant,
            residual_holdout: options.residual_holdout,
        },
        &embedded,
        job,
    )?;
    job.check()?;
    // Regress the POD coordinates on [newest block, 1] over the training rows.
    let (n, d, r) = (data.dim(), options.delays, inner.rank);
    let rows = embedded.len();
    let nd = n * d;
    let z = Mat::from_fn(rows, r, |k, j| {
        let h = embedded.row(k);
        (0..nd).map(|i| inner.basis[i * r + j] * h[i]).sum::<f64>()
    });
    let a = Mat::from_fn(rows, n + 1, |k, i| {
        if i < n {
            embedded.row(k)[(d - 1) * n + i]
        } else {
            1.0
        }
    });
    let lift = crate::models::koopman::fit::lstsq(a.as_ref(), z.as_ref())?;
    // The state's modes are the newest block of the delay-vector modes.
    let modes = inner
        .modes
        .clone()
        .map(|m| m.restricted((d - 1) * n..d * n));
    Ok(HankelDmdModel {
        modes,
        names: data.names().to_vec(),
        delays: d,
        lift: (0..=n)
            .flat_map(|i| (0..r).map(move |j| (i, j)))
            .map(|(i, j)| lift[(i, j)])
            .collect(),
        inner,
        last_state: data.row(data.len() - 1).to_vec(),
    })
}

/// A fitted Hankel DMD model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HankelDmdModel {
    /// State names of the original data.
    pub names: Vec<String>,
    /// Delay depth `d`.
    pub delays: usize,
    /// Exact DMD of the delay vectors.
    pub inner: DmdModel,
    /// Read-in map from `[x, 1]` to POD coordinates, row-major `(n + 1) × r`.
    pub lift: Vec<f64>,
    /// The last sample of the training data.
    pub last_state: Vec<f64>,
    /// The modes' state components (the newest block of the delay-vector modes).
    #[serde(default)]
    pub modes: Option<KoopmanModes>,
}

impl HankelDmdModel {
    /// Delay-space POD coordinates of a start state, by the fitted affine lift.
    fn lifted(&self, x0: &[f64]) -> Vec<f64> {
        let (n, r) = (self.names.len(), self.inner.rank);
        (0..r)
            .map(|j| {
                (0..n).map(|i| x0[i] * self.lift[i * r + j]).sum::<f64>() + self.lift[n * r + j]
            })
            .collect()
    }
}

impl FittedModel for HankelDmdModel {
    fn family(&self) -> &'static str {
        "hankel-dmd"
    }

    fn state_names(&self) -> &[String] {
        &self.names
    }

    fn dt(&self) -> f64 {
        self.inner.dt
    }

    fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
        let (n, r, d) = (self.names.len(), self.inner.rank, self.delays);
        let op = &self.inner.operator;
        let basis = &self.inner.basis;
        iterate_lifted(
            x0,
            n,
            steps,
            |x0| self.lifted(x0),
            |z| {
                *z = (0..r)
                    .map(|i| (0..r).map(|j| op[i * r + j] * z[j]).sum())
                    .collect()
            },
            // The newest block of the delay vector is the state.
            |z, x| {
                for (i, xi) in x.iter_mut().enumerate() {
                    let row = (d - 1) * n + i;
                    *xi = (0..r).map(|j| basis[row * r + j] * z[j]).sum();
                }
            },
        )
    }

    fn last_state(&self) -> &[f64] {
        &self.last_state
    }

    fn spectrum(&self) -> Option<&Spectrum> {
        Some(&self.inner.spectrum)
    }

    fn modes(&self) -> Option<&KoopmanModes> {
        self.modes.as_ref()
    }

    /// The eigenfunction at the delay vector the state lifts to.
    fn eigenfunction(&self, k: usize, x: &[f64]) -> Option<[f64; 2]> {
        if x.len() != self.names.len() {
            return None;
        }
        let phi = self.inner.eigenfunctions_of_pod(&self.lifted(x))?;
        phi.get(k).map(|c| [c.re, c.im])
    }

    fn modal_forecast(
        &self,
        x0: &[f64],
        steps: usize,
        keep: &[usize],
    ) -> Option<Result<Vec<f64>, ForecastError>> {
        self.modes.as_ref()?.forecast_from_state(
            &self.inner.spectrum.eigenvalues,
            x0,
            self.names.len(),
            steps,
            keep,
            |x| self.inner.eigenfunctions_of_pod(&self.lifted(x)),
        )
    }

    fn report(&self) -> serde_json::Value {
        let mut v = self.inner.report();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("delays".into(), serde_json::json!(self.delays));
            // The state's modes, not the delay vector's.
            obj.insert(
                "amplitudes".into(),
                serde_json::json!(self.modes.as_ref().map(|m| &m.amplitudes)),
            );
            obj.insert(
                "modes".into(),
                serde_json::json!(self.modes.as_ref().map(|m| &m.vectors)),
            );
        }
        v
    }

    fn to_saved(&self) -> SavedModel {
        SavedModel::HankelDmd(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Provenance;

    /// A scalar sum of two damped oscillations, `x(t) = e^{a1 t} cos(b1 t) + 0.5 e^{a2 t}
    /// cos(b2 t + 1)`: a single observable that needs delays (4 exponentials ⇒ rank 4).
    fn two_tones(len: usize, dt: f64) -> (Trajectory, [(f64, f64); 2]) {
        let (m1, m2) = ((-0.05, 1.3), (-0.2, 3.1));
        let x = (0..len)
            .map(|k| {
                let t = k as f64 * dt;
                (m1.0 * t).exp() * (m1.1 * t).cos()
                    + 0.5 * (m2.0 * t).exp() * (m2.1 * t + 1.0).cos()
            })
            .collect();
        let traj = Trajectory::new(vec!["x".into()], 0.0, dt, x, Provenance::file("tones"));
        (traj, [m1, m2])
    }

    #[test]
    fn delays_recover_the_continuous_eigenvalues_of_a_scalar_signal() {
        let (data, tones) = two_tones(400, 0.1);
        let model = HankelDmd {
            delays: 8,
            rank: Rank::Fixed(4),
            residual_holdout: 0.25,
            ..HankelDmd::default()
        }
        .fit(&data, &JobContext::detached())
        .expect("fits");
        let omega = model.spectrum().expect("spectral").continuous();
        assert_eq!(omega.len(), 4);
        // The signal is exactly a sum of 4 exponentials e^{μt}: the delay matrix has rank
        // 4 and DMD is exact up to rounding; |Im μ| dt ≤ 0.31 < π (no aliasing).
        for (a, b) in tones {
            for s in [1.0, -1.0] {
                let best = omega
                    .iter()
                    .map(|w| (w[0] - a).hypot(w[1] - s * b))
                    .fold(f64::INFINITY, f64::min);
                assert!(best < 1e-8, "μ = {a} + {}i missed by {best}", s * b);
            }
        }
        let res = &model.spectrum().expect("spectral").residuals;
        assert!(res.iter().all(|r| *r < 1e-8), "{res:?}");
    }

    #[test]
    fn forecast_returns_original_coordinates() {
        let (data, _) = two_tones(400, 0.1);
        let model = fit_hankel_dmd(
            &HankelDmd {
                delays: 8,
                rank: Rank::Fixed(4),
                residual_holdout: 0.25,
                ..HankelDmd::default()
            },
            &data,
            &JobContext::detached(),
        )
        .expect("fits");
        let f = model.forecast(data.row(0), 50).expect("finite");
        assert_eq!(f.len(), 51);
        assert_eq!(f[0], data.row(0)[0]);
        assert!(
            f.iter().all(|v| v.abs() < 2.0),
            "the forecast stays on the scale of the data"
        );
        let err = model.forecast(&[1.0, 2.0], 3).expect_err("wrong dimension");
        assert!(err.to_string().contains("1 states"), "{err}");
    }

    #[test]
    fn too_many_delays_is_a_clear_error() {
        let (data, _) = two_tones(10, 0.1);
        let err = HankelDmd {
            delays: 10,
            ..HankelDmd::default()
        }
        .fit(&data, &JobContext::detached())
        .err()
        .expect("fails");
        assert!(err.to_string().contains("fewer --delays"), "{err}");
    }
}
