//! Reservoir computers: the echo-state network ([`esn`]; Jaeger 2001, with the recipe of
//! Lukoševičius, "A practical guide to applying echo state networks", 2012) and
//! next-generation reservoir computing ([`nvar`]; Gauthier, Bollt, Griffith & Barbosa,
//! "Next generation reservoir computing", Nat. Commun. 12, 5564 (2021)) — the strong
//! data-limited baselines of Gilpin's benchmark (Phys. Rev. Research 5, 2023).
//!
//! Both standardise the data ([`Scaler`]), fit a ridge (Tikhonov) read-out ([`ridge`])
//! that predicts the increment `x_{t+1} − x_t`, and forecast by running closed-loop,
//! feeding each prediction back as the next input.
//!
//! # Starting a forecast
//! A reservoir computer has memory: the ESN's reservoir state summarises the inputs it
//! has seen, NVAR's feature vector holds `k` delayed states. Both therefore report a
//! [`FittedModel::context_len`](super::FittedModel::context_len) and synchronise on the
//! given history in [`forecast_from_history`](super::FittedModel::forecast_from_history)
//! (teacher forcing: the ESN is driven by the true states, NVAR reads its delays from
//! them) before the closed-loop run; the comparison protocol passes that history.
//! Started from a single state (`forecast`), the missing memory is estimated by a
//! [`lift`]: a ridge regression fitted on the training data from the quadratic monomials
//! of the state to the ESN's reservoir state, or to NVAR's delayed states. That start is
//! approximate (on an attractor the past is a function of the present, but not a
//! quadratic one), so single-state forecasts are shorter-lived than synchronised ones.

pub mod esn;
pub mod features;
pub mod lift;
pub mod nvar;
pub mod reservoir_matrix;
pub mod ridge;
pub mod scaler;
pub mod spectral_radius;
#[cfg(test)]
mod tests;

pub use esn::{Esn, EsnModel};
pub use nvar::{Nvar, NvarModel};
pub use scaler::Scaler;

use super::FitError;

/// Refuses a hyperparameter that is not a finite number inside `[lo, hi]` (`open_lo`
/// excludes `lo`), naming the flag and the range.
pub(crate) fn check_range(
    name: &str,
    value: f64,
    lo: f64,
    hi: f64,
    open_lo: bool,
) -> Result<(), FitError> {
    let below = if open_lo { value <= lo } else { value < lo };
    if !value.is_finite() || below || value > hi {
        let left = if open_lo { "(" } else { "[" };
        let right = if hi.is_infinite() {
            "∞)".to_string()
        } else {
            format!("{hi}]")
        };
        return Err(FitError::Options(format!(
            "{name} must be in {left}{lo}, {right}, got {value}"
        )));
    }
    Ok(())
}
