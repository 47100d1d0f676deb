//! Sparse identification of nonlinear dynamics (SINDy): from a sampled trajectory,
//! recovers the few terms of a candidate library that make up each equation of
//! `ẋ = f(x)`, and returns the equations with a simulator.
//!
//! # Method
//! `Sindy { library, differentiation, optimizer, .. }` mirrors PySINDy's `SINDy`:
//! estimate `Ẋ` ([`derivative`]: finite differences, Savitzky–Golay [`savgol`],
//! spectral [`spectral`], total variation [`tv`], or the exact vector field), build
//! `Θ(X)` ([`library`]), solve `Ẋ ≈ Θ Ξᵀ` sparsely ([`optimizer`]: STLSQ [`stlsq`] or
//! SR3 [`sr3`]); optionally in weak form ([`weak`]), after a threshold sweep
//! ([`select`]), or as an ensemble ([`ensemble`]). The fitted [`SindyModel`] prints
//! equations ([`equations`]), has an exact Jacobian and forecasts by integrating the
//! recovered ODE ([`simulate`]). Column order, feature names, optimizer semantics and
//! the equation text follow PySINDy 2.1 so coefficients can be compared with it
//! directly.
//!
//! # References
//! - S. L. Brunton, J. L. Proctor, J. N. Kutz, "Discovering governing equations from data
//!   by sparse identification of nonlinear dynamical systems", PNAS 113 (2016) 3932.
//! - B. de Silva et al., JOSS 5 (2020) 2104; A. A. Kaptanoglu et al., JOSS 7 (2022)
//!   3994 (PySINDy).
//! - The per-algorithm papers are cited in each module.

pub mod derivative;
pub mod ensemble;
pub mod equations;
mod fit;
pub mod library;
pub mod optimizer;
pub mod savgol;
pub mod select;
pub mod simulate;
pub mod spectral;
pub mod sr3;
pub mod stlsq;
pub mod tv;
pub mod weak;

pub use derivative::{Differentiation, Endpoints, FiniteDifference, SavitzkyGolay, TotalVariation};
pub use ensemble::{Aggregate, Ensemble, EnsembleReport};
pub use fit::fit_sindy;
pub use library::{FourierLibrary, Library, PolynomialLibrary, Term};
pub use optimizer::Optimizer;
pub use select::{Criterion, Sweep, SweepPoint, SweepReport};
pub use sr3::{Regularizer, Sr3};
pub use stlsq::{Normalize, Stlsq, StlsqInfo};
pub use weak::{Placement, WeakForm};

use serde::{Deserialize, Serialize};

use super::saved::SavedModel;
use super::{FitError, FittedModel, ForecastError, Model};
use crate::data::Trajectory;
use crate::jobs::JobContext;
use simulate::SparseField;

/// SINDy with its three parts (PySINDy's defaults: degree-2 polynomials, order-2 finite
/// differences, STLSQ with threshold 0.1 and α = 0.05) and the optional variants.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sindy {
    /// Candidate terms.
    pub library: Library,
    /// How `Ẋ` is estimated (unused in weak form).
    pub differentiation: Differentiation,
    /// The sparse regression.
    pub optimizer: Optimizer,
    /// Fit many resampled problems and aggregate (E-SINDy).
    #[serde(default)]
    pub ensemble: Option<Ensemble>,
    /// Regress integrals against test functions instead of pointwise derivatives.
    #[serde(default)]
    pub weak: Option<WeakForm>,
    /// Choose the threshold by a sweep first.
    #[serde(default)]
    pub sweep: Option<Sweep>,
}

impl Model for Sindy {
    fn family(&self) -> &'static str {
        "sindy"
    }

    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Ok(Box::new(fit_sindy(self, data, job)?))
    }
}

/// A fitted SINDy model: the recovered equations `ẋ = Ξ θ(x)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SindyModel {
    /// State names of the data.
    pub names: Vec<String>,
    /// Sampling interval of the data (forecast samples are this far apart).
    pub dt: f64,
    /// The library's terms, in column order.
    pub terms: Vec<Term>,
    /// Column names (PySINDy's `get_feature_names`).
    pub feature_names: Vec<String>,
    /// `Ξ`: one row per state variable, one column per feature.
    pub coefficients: Vec<Vec<f64>>,
    /// The non-zero part of `Ξ`, ready to evaluate.
    pub field: SparseField,
    /// What STLSQ did.
    pub info: StlsqInfo,
    /// The options it was fitted with.
    pub options: Sindy,
    /// Forecast states with a component beyond this magnitude count as diverged.
    pub divergence_bound: f64,
    /// The last training sample: the default start of a free run.
    pub last_state: Vec<f64>,
    /// Inclusion probabilities and bands, when an ensemble ran.
    #[serde(default)]
    pub ensemble: Option<EnsembleReport>,
    /// The threshold sweep, when one ran.
    #[serde(default)]
    pub sweep: Option<SweepReport>,
}

impl SindyModel {
    /// The vector field `f(x) = Ξ θ(x)`.
    pub fn vector_field(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.names.len()];
        self.field.eval(x, &mut Vec::new(), &mut out);
        out
    }

    /// The exact Jacobian `∂f/∂x` of the recovered vector field (row-major).
    pub fn vector_field_jacobian(&self, x: &[f64]) -> Vec<f64> {
        self.field.jacobian(x)
    }

    /// Equations with merged signs (`x' = -10.000 x + 10.000 y`).
    pub fn pretty_equations(&self) -> Vec<String> {
        equations::pretty_lines(
            &self.coefficients,
            &self.feature_names,
            &self.names,
            equations::DEFAULT_PRECISION,
        )
    }

    /// The threshold the coefficients were fitted with (the sweep's choice, if any).
    pub fn threshold(&self) -> f64 {
        self.sweep
            .as_ref()
            .map_or(self.options.optimizer.threshold(), |s| s.chosen_threshold())
    }

    /// The number of non-zero coefficients.
    pub fn nonzero(&self) -> usize {
        self.coefficients
            .iter()
            .map(|r| r.iter().filter(|c| **c != 0.0).count())
            .sum()
    }
}

impl FittedModel for SindyModel {
    fn family(&self) -> &'static str {
        "sindy"
    }

    fn state_names(&self) -> &[String] {
        &self.names
    }

    fn dt(&self) -> f64 {
        self.dt
    }

    fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
        self.field
            .forecast(x0, steps, self.dt, self.divergence_bound)
    }

    fn last_state(&self) -> &[f64] {
        &self.last_state
    }

    /// PySINDy 2.1's text: `(x)' = -9.999 x +  9.999 y`.
    fn equations(&self) -> Option<Vec<String>> {
        Some(equations::pysindy_lines(
            &self.coefficients,
            &self.feature_names,
            &self.names,
            equations::DEFAULT_PRECISION,
        ))
    }

    /// The Jacobian of the one-step (flow over `dt`) map, from the exact vector-field
    /// Jacobian through the variational equation.
    fn jacobian(&self, x: &[f64]) -> Option<Vec<f64>> {
        if x.len() != self.names.len() {
            return None;
        }
        self.field.flow_jacobian(x, self.dt)
    }

    fn report(&self) -> serde_json::Value {
        let mut out = serde_json::json!({
            "feature_names": self.feature_names,
            "coefficients": self.coefficients,
            "equations": self.equations(),
            "pretty_equations": self.pretty_equations(),
            "nonzero_terms": self.nonzero(),
            "optimizer": self.options.optimizer.name(),
            "optimizer_description": self.options.optimizer.describe(),
            "stlsq_iterations": self.info.iterations,
            "stlsq_converged": self.info.converged,
            "emptied_equations": self.info.emptied,
            "threshold": self.threshold(),
            "alpha": match self.options.optimizer {
                Optimizer::Stlsq(o) => serde_json::json!(o.alpha),
                Optimizer::Sr3(_) => serde_json::Value::Null,
            },
            "differentiation": match &self.options.weak {
                Some(w) => format!(
                    "none: weak form, {} subdomains ({:?}), test functions (1 - s^2)^{}",
                    w.subdomains, w.placement, w.p
                ),
                None => self.options.differentiation.describe(),
            },
            "weak_form": self.options.weak.is_some(),
        });
        if let Some(e) = &self.ensemble {
            out["ensemble_models"] = serde_json::json!(e.n_models);
            out["inclusion_probabilities"] = serde_json::json!(e.inclusion_probabilities);
            out["coefficient_band_lower"] = serde_json::json!(e.band_lower);
            out["coefficient_band_upper"] = serde_json::json!(e.band_upper);
        }
        if let Some(s) = &self.sweep {
            out["pareto"] = serde_json::json!(s.points);
            out["chosen_threshold"] = serde_json::json!(s.chosen_threshold());
            out["selection"] = serde_json::json!(s.criterion);
            out["pareto_knee"] = serde_json::json!(s.knee);
            out["pareto_aicc_min"] = serde_json::json!(s.aicc_min);
        }
        out
    }

    fn to_saved(&self) -> SavedModel {
        SavedModel::Sindy(self.clone())
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod parity;

#[cfg(test)]
mod suite_tests;
