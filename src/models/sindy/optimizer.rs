//! The sparse regression step, whichever algorithm: takes `Θ` (`m × p`) and the targets
//! (`m × n`; derivatives, or weak-form integrals) and produces `Ξ` (`n × p`) with what
//! the algorithm did.
//!
//! [`Optimizer`] is STLSQ ([`super::stlsq`]) or SR3 ([`super::sr3`]); both are stated
//! with a `threshold` of the same meaning (coefficients below it are cut), which is the
//! knob the threshold sweep ([`super::select`]) turns.

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use super::sr3::{Regularizer, Sr3};
use super::stlsq::{Stlsq, StlsqInfo};
use crate::jobs::JobContext;
use crate::models::FitError;

/// The sparse regression.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", from = "OptimizerRepr")]
pub enum Optimizer {
    /// Sequentially thresholded least squares (PySINDy's default).
    Stlsq(Stlsq),
    /// Sparse relaxed regularised regression.
    Sr3(Sr3),
}

/// Saved models from before SR3 stored the STLSQ options untagged; both forms load.
#[derive(Deserialize)]
#[serde(untagged)]
enum OptimizerRepr {
    Tagged(TaggedOptimizer),
    Legacy(Stlsq),
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TaggedOptimizer {
    Stlsq(Stlsq),
    Sr3(Sr3),
}

impl From<OptimizerRepr> for Optimizer {
    fn from(r: OptimizerRepr) -> Self {
        match r {
            OptimizerRepr::Tagged(TaggedOptimizer::Stlsq(s)) | OptimizerRepr::Legacy(s) => {
                Optimizer::Stlsq(s)
            }
            OptimizerRepr::Tagged(TaggedOptimizer::Sr3(s)) => Optimizer::Sr3(s),
        }
    }
}

impl Default for Optimizer {
    fn default() -> Self {
        Optimizer::Stlsq(Stlsq::default())
    }
}

impl From<Stlsq> for Optimizer {
    fn from(s: Stlsq) -> Self {
        Optimizer::Stlsq(s)
    }
}

impl From<Sr3> for Optimizer {
    fn from(s: Sr3) -> Self {
        Optimizer::Sr3(s)
    }
}

impl Optimizer {
    /// Checks the options.
    pub fn validate(&self) -> Result<(), FitError> {
        match self {
            Optimizer::Stlsq(o) => o.validate(),
            Optimizer::Sr3(o) => o.validate(),
        }
    }

    /// Fits `Ξ` (`n × p`) to `Y ≈ Θ Ξᵀ`.
    pub fn fit(
        &self,
        theta: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        job: &JobContext,
    ) -> Result<(Mat<f64>, StlsqInfo), FitError> {
        match self {
            Optimizer::Stlsq(o) => o.fit(theta, y, job),
            Optimizer::Sr3(o) => o.fit(theta, y, job),
        }
    }

    /// The cut-off (coefficients below it are removed).
    pub fn threshold(&self) -> f64 {
        match self {
            Optimizer::Stlsq(o) => o.threshold,
            Optimizer::Sr3(o) => o.threshold,
        }
    }

    /// The same optimizer with another threshold.
    pub fn with_threshold(&self, threshold: f64) -> Self {
        match *self {
            Optimizer::Stlsq(o) => Optimizer::Stlsq(Stlsq { threshold, ..o }),
            Optimizer::Sr3(o) => Optimizer::Sr3(Sr3 { threshold, ..o }),
        }
    }

    /// The short name used on the command line (`stlsq`, `sr3`, `sr3-l1`).
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Stlsq(_) => "stlsq",
            Optimizer::Sr3(Sr3 {
                regularizer: Regularizer::L0,
                ..
            }) => "sr3",
            Optimizer::Sr3(Sr3 {
                regularizer: Regularizer::L1,
                ..
            }) => "sr3-l1",
        }
    }

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        match self {
            Optimizer::Stlsq(o) => {
                format!("STLSQ, threshold {}, ridge alpha {}", o.threshold, o.alpha)
            }
            Optimizer::Sr3(o) => format!(
                "SR3 ({}), threshold {} (lambda {:.6}), nu {}{}",
                match o.regularizer {
                    Regularizer::L0 => "L0",
                    Regularizer::L1 => "L1",
                },
                o.threshold,
                o.lambda(),
                o.nu,
                if o.unbias { ", unbiased" } else { "" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_and_legacy_forms_load() {
        let legacy =
            r#"{"threshold":0.2,"alpha":0.05,"max_iter":20,"normalize":"none","unbias":true}"#;
        let o: Optimizer = serde_json::from_str(legacy).expect("legacy STLSQ");
        assert_eq!(o.threshold(), 0.2);
        assert_eq!(o.name(), "stlsq");
        for opt in [
            Optimizer::default(),
            Optimizer::Sr3(Sr3 {
                regularizer: Regularizer::L1,
                ..Sr3::default()
            }),
        ] {
            let text = serde_json::to_string(&opt).expect("serialises");
            assert!(text.contains("\"kind\""), "{text}");
            let back: Optimizer = serde_json::from_str(&text).expect("round trip");
            assert_eq!(back, opt);
        }
        assert_eq!(Optimizer::default().with_threshold(0.5).threshold(), 0.5);
    }
}
