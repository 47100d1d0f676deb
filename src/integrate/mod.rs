//! Integrators: they take a vector field (or a map) and an initial state and produce
//! states at chosen times.
//!
//! Every method is a [`Stepper`]: it advances by one internal step and can interpolate
//! inside its last step (dense output), so samples at a fixed interval do not depend on
//! the internal step. [`solve`] drives a stepper over a [`Simulation`] and returns a
//! [`Trajectory`]; divergence (non-finite state, step-size collapse) is an
//! [`IntegrateError`] that names the time and keeps the valid prefix.
//!
//! Methods: classical Runge–Kutta 4 ([`rk4`]), Dormand–Prince 5(4) with Hairer's
//! continuous extension ([`dopri5`]), map iteration ([`map`]), and the method of steps for
//! delay equations ([`dde`]).

pub mod dde;
pub mod dopri5;
pub mod map;
pub mod rk4;
mod solve;

pub use solve::{Simulation, solve, stepper_for};

/// Default tolerances, for flags and dialogs.
pub mod solve_defaults {
    /// Relative tolerance.
    pub const RTOL: f64 = super::solve::DEFAULT_RTOL;
    /// Absolute tolerance.
    pub const ATOL: f64 = super::solve::DEFAULT_ATOL;
}

use serde::{Deserialize, Serialize};

use crate::data::Trajectory;
use crate::jobs::Cancelled;

/// Counters every stepper keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolverStats {
    /// Accepted steps.
    pub steps: u64,
    /// Rejected steps (adaptive methods only).
    pub rejected: u64,
    /// Right-hand-side evaluations.
    pub evaluations: u64,
}

/// A one-step method advanced step by step.
pub trait Stepper: Send {
    /// The time of the current state.
    fn t(&self) -> f64;
    /// The current state.
    fn state(&self) -> &[f64];
    /// Takes one internal step (adaptive methods may retry internally).
    fn step(&mut self) -> Result<(), StepError>;
    /// Dense output: the state at `t` inside the last step `[t_prev, t]`.
    fn interpolate(&self, t: f64, out: &mut [f64]);
    /// Replaces the current state (same time), keeping the step size; used after a
    /// parameter change or a re-orthonormalisation.
    fn set_state(&mut self, x: &[f64]);
    /// Counters so far.
    fn stats(&self) -> SolverStats;
}

/// Why a single step failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StepError {
    /// The state or the vector field became NaN or infinite.
    NonFinite {
        /// The time of the last finite state.
        t: f64,
    },
    /// The adaptive step size fell below what the time resolution allows.
    StepCollapse {
        /// The time it happened.
        t: f64,
        /// The step size at that time.
        h: f64,
    },
}

/// The integration method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Fixed-step classical Runge–Kutta, order 4.
    Rk4,
    /// Adaptive Dormand–Prince 5(4) with dense output.
    #[default]
    Dopri5,
}

impl Method {
    /// Parses a CLI name.
    pub fn parse(s: &str) -> Result<Method, IntegrateError> {
        match s.to_ascii_lowercase().as_str() {
            "rk4" => Ok(Method::Rk4),
            "dopri5" | "rk45" | "auto" => Ok(Method::Dopri5),
            other => Err(IntegrateError::Invalid(format!(
                "unknown method '{other}'; choose rk4, dopri5 or auto"
            ))),
        }
    }

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Rk4 => "rk4",
            Method::Dopri5 => "dopri5",
        }
    }
}

/// Why an integration did not produce the whole trajectory.
#[derive(Debug, thiserror::Error)]
pub enum IntegrateError {
    /// The orbit diverged; `prefix` holds every sample computed before.
    #[error(
        "the orbit blew up at t = {t:.6} ({reason}); choose parameters inside the slider ranges, a smaller step or tighter tolerances ({} valid samples kept)",
        .prefix.len()
    )]
    Diverged {
        /// The time of the last finite state.
        t: f64,
        /// What happened.
        reason: String,
        /// The samples before the divergence.
        prefix: Box<Trajectory>,
    },
    /// The settings cannot work (negative step, zero samples, …).
    #[error("{0}")]
    Invalid(String),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
}

impl StepError {
    /// The time and a phrase for the error message.
    pub fn describe(&self) -> (f64, String) {
        match *self {
            StepError::NonFinite { t } => (t, "the state became infinite or NaN".into()),
            StepError::StepCollapse { t, h } => (
                t,
                format!(
                    "the adaptive step size collapsed to {h:.3e}, which usually means blow-up or stiffness"
                ),
            ),
        }
    }
}

/// A weighted RMS norm for error control: `sqrt(mean((v_i / (atol + rtol·max(|a_i|,|b_i|)))²))`
/// (Hairer, Nørsett & Wanner, *Solving ODEs I*, eq. II.4.11).
pub(crate) fn error_norm(err: &[f64], a: &[f64], b: &[f64], rtol: f64, atol: f64) -> f64 {
    let n = err.len().max(1) as f64;
    let sum: f64 = err
        .iter()
        .zip(a.iter().zip(b))
        .map(|(e, (x, y))| {
            let sc = atol + rtol * x.abs().max(y.abs());
            (e / sc).powi(2)
        })
        .sum();
    (sum / n).sqrt()
}
