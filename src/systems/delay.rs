//! What a delay system adds to [`System`]: its delay `τ`, its right-hand side as a
//! function of `(x(t), x(t − τ))`, and the choice of history before the start.

use serde::{Deserialize, Serialize};

use super::scalar::Dual;
use super::{Kind, System, SystemError};
use crate::integrate::dde::History;

/// How a delay system's history (the solution before the start) is built from its
/// initial condition, which lists the delay embedding `x(t0 − kτ/9)`, `k = 0..10`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DelayHistory {
    /// `x(s) = x0[0]` for every `s ≤ t0`: dysts' choice (its other nine entries are
    /// ignored).
    #[default]
    Constant,
    /// The initial condition's ten entries joined linearly over `[t0 − τ, t0]`.
    Embedding,
}

impl DelayHistory {
    /// Parses a CLI name (`constant` or `embedding`).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "constant" => Ok(Self::Constant),
            "embedding" | "linear" => Ok(Self::Embedding),
            other => Err(format!(
                "unknown delay history '{other}'; choose constant (dysts: x(s) = first initial value) or embedding (the initial values joined linearly over one delay)"
            )),
        }
    }

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Constant => "constant",
            Self::Embedding => "embedding",
        }
    }
}

impl System {
    /// The delay `τ` (the parameter `tau`) of a delay system; `None` for flows and maps.
    pub fn delay_tau(&self) -> Option<f64> {
        if self.kind() != Kind::Delay {
            return None;
        }
        let i = self.info.params.iter().position(|p| p.name == "tau")?;
        Some(self.params[i])
    }

    /// `dx/dt` of a delay system at the current value `now = x(t)` and the delayed value
    /// `delayed = x(t − τ)`.
    pub fn delay_rhs(&self, now: f64, delayed: f64) -> f64 {
        let mut out = [0.0];
        self.rhs(&[now, delayed], &mut out);
        out[0]
    }

    /// [`Self::delay_rhs`] on dual numbers: the tangent part is the derivative along the
    /// seeded perturbations of both arguments (the variational equation's right side).
    pub fn delay_rhs_dual(&self, now: Dual, delayed: Dual) -> Dual {
        let mut out = [Dual::new(f64::NAN, f64::NAN)];
        // Delay equations are compiled catalog systems (a typed system is a flow or map).
        if let super::Backend::Compiled(eq) = &self.backend {
            (eq.dual)(&[now, delayed], &self.packed, &mut out);
        }
        out[0]
    }

    /// The history used before the start (a user setting; dysts' constant by default).
    pub fn delay_history(&self) -> DelayHistory {
        self.delay_history
    }

    /// Chooses how the history is built from the initial condition.
    pub fn set_delay_history(&mut self, history: DelayHistory) {
        self.delay_history = history;
    }

    /// The history function for a start from the delay embedding `x0`.
    pub fn history_for(&self, x0: &[f64]) -> Result<History<f64>, SystemError> {
        self.check_state(x0)?;
        Ok(match self.delay_history {
            DelayHistory::Constant => History::Constant(x0[0]),
            DelayHistory::Embedding => History::Samples(x0.to_vec()),
        })
    }
}
