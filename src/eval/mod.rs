//! Evaluation: Lyapunov spectra of systems (Benettin's QR method on the exact tangent
//! dynamics) and forecast quality (normalised error, valid prediction time, sMAPE).

pub mod compare;
pub mod forecast;
pub mod lyapunov;
pub mod lyapunov_delay;
mod orthonormalize;
pub mod power_spectrum;
pub mod protocol;
pub mod stsp;

pub use forecast::{ForecastScore, score_forecast};
pub use lyapunov::{LyapunovOptions, LyapunovResult, kaplan_yorke, lyapunov_spectrum};
pub use protocol::{HeldOutForecast, forecast_held_out};
