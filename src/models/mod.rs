//! Data-driven models: a [`Model`] is a strategy with its options that `fit`s a
//! trajectory on a background job and returns a [`FittedModel`], which can forecast
//! from a state and, where the family has them, report eigenvalues, equations or a
//! Jacobian. Every family also round-trips through the saved-model file
//! ([`saved::SavedModel`]).
//!
//! Families: exact and Hankel DMD ([`dmd`]), EDMD/ResDMD ([`koopman`]), SINDy
//! ([`sindy`]), PLRNN ([`plrnn`]) and reservoir computers ([`reservoir`]: echo-state
//! network and NVAR) implement the same two traits.

pub mod dmd;
pub mod koopman;
pub mod plrnn;
pub mod registry;
pub mod reservoir;
pub mod saved;
pub mod sindy;

use serde::{Deserialize, Serialize};

use crate::data::Trajectory;
use crate::jobs::{Cancelled, JobContext};

/// Why a fit failed.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// The data cannot support the fit (too short, constant, non-finite …).
    #[error("{0}")]
    Data(String),
    /// A hyperparameter is out of range.
    #[error("{0}")]
    Options(String),
    /// A linear-algebra step failed to converge.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
}

/// Why a forecast stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// The state has the wrong length.
    #[error("the start state has {got} values, the model has {expected} states")]
    WrongDimension {
        /// The model's dimension.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// The model's orbit left the finite range; `prefix` holds the valid rows.
    #[error("the model's forecast diverged after {step} steps")]
    Diverged {
        /// The first step that was not finite.
        step: usize,
        /// Row-major states before it.
        prefix: Vec<f64>,
    },
}

/// A model's spectrum: discrete-time eigenvalues with their ResDMD residuals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spectrum {
    /// Eigenvalues `λ_j` as `[re, im]`.
    pub eigenvalues: Vec<[f64; 2]>,
    /// Residual of each eigenpair on held-out snapshot pairs (ResDMD: Colbrook &
    /// Townsend, CPAM 2024); `NaN` where it could not be computed.
    pub residuals: Vec<f64>,
    /// The sampling interval the eigenvalues refer to.
    pub dt: f64,
}

impl Spectrum {
    /// Continuous-time eigenvalues `ω_j = log(λ_j)/dt` (principal branch) as `[re, im]`.
    pub fn continuous(&self) -> Vec<[f64; 2]> {
        self.eigenvalues
            .iter()
            .map(|&[re, im]| {
                let r = re.hypot(im);
                [r.ln() / self.dt, im.atan2(re) / self.dt]
            })
            .collect()
    }
}

/// A model family with its hyperparameters.
pub trait Model: Send + Sync {
    /// Short family name used on the CLI and in saved files (`dmd`, `sindy`, …).
    fn family(&self) -> &'static str;
    /// Fits the model to a uniformly sampled trajectory, reporting progress on `job`.
    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError>;
}

/// A fitted model.
pub trait FittedModel: Send + Sync {
    /// The family name.
    fn family(&self) -> &'static str;
    /// State names of the data it was fitted on.
    fn state_names(&self) -> &[String];
    /// Its time step.
    fn dt(&self) -> f64;
    /// Forecasts `steps` steps from `x0`; returns `steps + 1` rows (row-major), the first
    /// being `x0`.
    fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError>;
    /// How many states, up to and including the start state, a forecast can use: 1 for
    /// models whose state is the whole context; models with memory (reservoir computers,
    /// delay models) say how many past states they synchronise on.
    fn context_len(&self) -> usize {
        1
    }
    /// Forecasts `steps` steps from the last row of `history` (row-major states, oldest
    /// first, at the model's time step), letting a model with memory synchronise on the
    /// earlier rows first; returns `steps + 1` rows, the first being the last history
    /// row. By default only the last row is used, as [`FittedModel::forecast`].
    fn forecast_from_history(
        &self,
        history: &[f64],
        steps: usize,
    ) -> Result<Vec<f64>, ForecastError> {
        let n = self.state_names().len();
        if n == 0 || history.len() < n || !history.len().is_multiple_of(n) {
            return Err(ForecastError::WrongDimension {
                expected: n,
                got: history.len(),
            });
        }
        self.forecast(&history[history.len() - n..], steps)
    }
    /// The last state of the training data: where a free run starts by default.
    fn last_state(&self) -> &[f64];
    /// Eigenvalues and residuals, for spectral models.
    fn spectrum(&self) -> Option<&Spectrum> {
        None
    }
    /// `log10 τ_N(z)` on a grid (the ResDMD pseudospectrum), for models that computed one.
    fn pseudospectrum(&self) -> Option<&koopman::Pseudospectrum> {
        None
    }
    /// Koopman modes and their amplitudes (in spectrum order), for spectral models that
    /// computed them.
    fn modes(&self) -> Option<&koopman::KoopmanModes> {
        None
    }
    /// Forecast from `x0` with only the eigenpairs `keep` (indices in spectrum order):
    /// `x_k = Re Σ_{j ∈ keep} λ_j^k φ_j(x_0) v_j` ([`koopman::KoopmanModes::forecast`]);
    /// `None` for models without eigenfunctions and modes.
    fn modal_forecast(
        &self,
        _x0: &[f64],
        _steps: usize,
        _keep: &[usize],
    ) -> Option<Result<Vec<f64>, ForecastError>> {
        None
    }
    /// Recovered equations, for symbolic models.
    fn equations(&self) -> Option<Vec<String>> {
        None
    }
    /// The Koopman eigenfunction of eigenvalue `k` (in [`FittedModel::spectrum`] order) at
    /// the state `x` as `[re, im]`, for models that keep their eigenvectors.
    fn eigenfunction(&self, _k: usize, _x: &[f64]) -> Option<[f64; 2]> {
        None
    }
    /// The Jacobian of the one-step map at `x` (row-major), where the model has one.
    fn jacobian(&self, _x: &[f64]) -> Option<Vec<f64>> {
        None
    }
    /// Family-specific numbers for the CLI's JSON and the model card.
    fn report(&self) -> serde_json::Value;
    /// The saved-file form of this model.
    fn to_saved(&self) -> saved::SavedModel;
}

/// Refuses data with NaN or infinite values (every family's first check).
pub(crate) fn check_finite(data: &Trajectory) -> Result<(), FitError> {
    if data.samples().iter().any(|v| !v.is_finite()) {
        return Err(FitError::Data(
            "the data contain NaN or infinite values; remove or interpolate those rows first"
                .into(),
        ));
    }
    Ok(())
}

/// Forecasts through a lifted linear model: `lift` maps the start state to latent
/// coordinates, `advance` moves them one step, `read` maps them back to a state. Stops
/// with [`ForecastError::Diverged`] at the first non-finite state.
pub(crate) fn iterate_lifted(
    x0: &[f64],
    dim: usize,
    steps: usize,
    lift: impl FnOnce(&[f64]) -> Vec<f64>,
    mut advance: impl FnMut(&mut Vec<f64>),
    mut read: impl FnMut(&[f64], &mut [f64]),
) -> Result<Vec<f64>, ForecastError> {
    if x0.len() != dim {
        return Err(ForecastError::WrongDimension {
            expected: dim,
            got: x0.len(),
        });
    }
    let mut z = lift(x0);
    iterate_forecast(x0, dim, steps, |_, next| {
        advance(&mut z);
        read(&z, next);
    })
}

/// Checks a forecast start state and runs `step` until `steps` steps or divergence.
pub(crate) fn iterate_forecast(
    x0: &[f64],
    dim: usize,
    steps: usize,
    mut step: impl FnMut(&[f64], &mut [f64]),
) -> Result<Vec<f64>, ForecastError> {
    if x0.len() != dim {
        return Err(ForecastError::WrongDimension {
            expected: dim,
            got: x0.len(),
        });
    }
    let mut out = Vec::with_capacity((steps + 1) * dim);
    out.extend_from_slice(x0);
    let mut next = vec![0.0; dim];
    for k in 0..steps {
        step(&out[k * dim..(k + 1) * dim], &mut next);
        if next.iter().any(|v| !v.is_finite()) {
            return Err(ForecastError::Diverged {
                step: k + 1,
                prefix: out,
            });
        }
        out.extend_from_slice(&next);
    }
    Ok(out)
}
