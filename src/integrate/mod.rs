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
//! continuous extension ([`dopri5`]), Dormand–Prince 8(5,3) with its seventh-order
//! extension ([`dop853`]), the stiff implicit Radau IIA of order 5 ([`radau`]), the
//! `auto` method that starts explicit and switches to Radau when the problem turns stiff
//! ([`auto_switch`]), map iteration ([`map`]), and the method of steps for delay
//! equations ([`dde`]).

pub mod auto_switch;
pub mod dde;
pub mod dop853;
pub mod dopri5;
pub mod map;
pub mod radau;
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
    /// Jacobian evaluations (implicit methods only).
    #[serde(default)]
    pub jacobians: u64,
    /// LU decompositions of iteration matrices (implicit methods only).
    #[serde(default)]
    pub lu_decompositions: u64,
}

impl std::ops::Add for SolverStats {
    type Output = SolverStats;

    /// Field-wise sum, for a run that changed stepper half-way (`auto`).
    fn add(self, o: SolverStats) -> SolverStats {
        SolverStats {
            steps: self.steps + o.steps,
            rejected: self.rejected + o.rejected,
            evaluations: self.evaluations + o.evaluations,
            jacobians: self.jacobians + o.jacobians,
            lu_decompositions: self.lu_decompositions + o.lu_decompositions,
        }
    }
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
    /// How the method changed during the run, for the provenance (for example
    /// `auto(dopri5→radau at t=12.5)`); `None` when the method is the one asked for.
    fn method_label(&self) -> Option<String> {
        None
    }
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
    /// Adaptive Dormand–Prince 8(5,3) with seventh-order dense output.
    Dop853,
    /// Implicit Radau IIA of order 5 for stiff problems, with the exact Jacobian.
    Radau,
    /// Dormand–Prince 5(4) that switches to Radau IIA once the problem turns stiff.
    Auto,
}

impl Method {
    /// Every method, in the order the help text lists them.
    pub const ALL: [Method; 5] = [
        Method::Rk4,
        Method::Dopri5,
        Method::Dop853,
        Method::Radau,
        Method::Auto,
    ];

    /// Parses a CLI name (`rk45` is accepted for `dopri5`).
    pub fn parse(s: &str) -> Result<Method, IntegrateError> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "rk45" {
            return Ok(Method::Dopri5);
        }
        Method::ALL
            .into_iter()
            .find(|m| m.name() == lower)
            .ok_or_else(|| {
                IntegrateError::Invalid(format!(
                    "unknown method '{s}'; choose one of rk4, dopri5, dop853, radau, auto"
                ))
            })
    }

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Rk4 => "rk4",
            Method::Dopri5 => "dopri5",
            Method::Dop853 => "dop853",
            Method::Radau => "radau",
            Method::Auto => "auto",
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

/// Hairer's starting step for a method of order `order` (*Solving ODEs I*, §II.4,
/// "Starting step size", the algorithm of `HINIT`): a first guess from `|x|/|f(x)|`, then
/// one explicit Euler step to estimate the second derivative. Returns the step and
/// costs one evaluation of `f`.
pub(crate) fn initial_step<F: FnMut(&[f64], &mut [f64])>(
    f: &mut F,
    x: &[f64],
    f0: &[f64],
    order: i32,
    rtol: f64,
    atol: f64,
    h_max: f64,
) -> f64 {
    let n = x.len();
    let scale = |v: &[f64]| -> f64 {
        let s: f64 = v
            .iter()
            .zip(x)
            .map(|(a, b)| (a / (atol + rtol * b.abs())).powi(2))
            .sum();
        (s / n.max(1) as f64).sqrt()
    };
    let d0 = scale(x);
    let d1 = scale(f0);
    let h0 = if d0 < 1e-5 || d1 < 1e-5 {
        1e-6
    } else {
        0.01 * d0 / d1
    };
    let h0 = h0.min(h_max);
    let x1: Vec<f64> = x.iter().zip(f0).map(|(a, b)| a + h0 * b).collect();
    let mut f1 = vec![0.0; n];
    f(&x1, &mut f1);
    let diff: Vec<f64> = f1.iter().zip(f0).map(|(a, b)| a - b).collect();
    let d2 = scale(&diff) / h0;
    let dm = d1.max(d2);
    let h1 = if !dm.is_finite() || dm <= 1e-15 {
        (h0 * 1e-3).max(1e-6)
    } else {
        (0.01 / dm).powf(1.0 / f64::from(order))
    };
    (100.0 * h0).min(h1).min(h_max)
}
