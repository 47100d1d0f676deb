//! Per-variable standardisation `x̃ = (x − μ)/σ`, so that reservoir inputs, ridge
//! penalties and quadratic features do not depend on the data's units.

use serde::{Deserialize, Serialize};

use crate::data::Trajectory;
use crate::models::FitError;

/// Mean and standard deviation of each variable of the training data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// Per-variable mean μ.
    pub mean: Vec<f64>,
    /// Per-variable standard deviation σ (> 0).
    pub std: Vec<f64>,
}

impl Scaler {
    /// The scaler of `data`, refusing constant columns.
    pub fn fit(data: &Trajectory) -> Result<Self, FitError> {
        let (mean, std) = data.mean_std();
        if let Some(j) = std.iter().position(|s| s.is_nan() || *s <= 0.0) {
            return Err(FitError::Data(format!(
                "column '{}' is constant; drop it before fitting",
                data.names()[j]
            )));
        }
        Ok(Self { mean, std })
    }

    /// The standardised state `(x − μ)/σ`.
    pub fn to_unit(&self, x: &[f64], out: &mut [f64]) {
        for (o, (v, (m, s))) in out
            .iter_mut()
            .zip(x.iter().zip(self.mean.iter().zip(&self.std)))
        {
            *o = (v - m) / s;
        }
    }

    /// The state in data units, `μ + σ x̃`.
    pub fn from_unit(&self, u: &[f64], out: &mut [f64]) {
        for (o, (v, (m, s))) in out
            .iter_mut()
            .zip(u.iter().zip(self.mean.iter().zip(&self.std)))
        {
            *o = m + s * v;
        }
    }

    /// All rows of `samples` (row-major) standardised.
    pub fn to_unit_rows(&self, samples: &[f64]) -> Vec<f64> {
        let n = self.mean.len();
        let mut out = vec![0.0; samples.len()];
        for (o, x) in out.chunks_exact_mut(n).zip(samples.chunks_exact(n)) {
            self.to_unit(x, o);
        }
        out
    }
}
