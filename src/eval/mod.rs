//! Evaluation: Lyapunov spectra of systems (Benettin's QR method on the exact tangent
//! dynamics) with their running estimates, the Grassberger–Procaccia correlation dimension,
//! and forecast quality (normalised error, valid prediction time, sMAPE).

pub mod benchmark;
pub mod compare;
pub mod correlation_dimension;
pub mod forecast;
pub mod local_stretching;
pub mod lyapunov;
pub mod lyapunov_delay;
pub mod orbit_diagram;
mod orthonormalize;
pub mod poincare;
pub mod power_spectrum;
pub mod prediction_error;
pub mod protocol;
pub mod stsp;
pub mod stsp_gmm;
pub mod tangent_growth;

pub use correlation_dimension::{CorrelationDimension, CorrelationOptions, correlation_dimension};
pub use forecast::{ForecastScore, score_forecast};
pub use lyapunov::{
    LyapunovCheckpoint, LyapunovOptions, LyapunovResult, kaplan_yorke, lyapunov_spectrum,
    lyapunov_spectrum_observed,
};
pub use protocol::{HeldOutForecast, forecast_held_out};
