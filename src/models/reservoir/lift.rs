//! The single-state lift: a ridge regression, fitted on the training data, from the
//! polynomial features `[1, x̃, quad(x̃)]` of a standardised state to the memory a
//! reservoir computer needs to start from it (the ESN's reservoir state, NVAR's delayed
//! states). Used only when a forecast is given one state and no history (see the
//! [module docs](super)).

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::features::{feature_count, polynomial_features};
use super::ridge::ridge_readout;
use crate::models::FitError;

/// Ridge weight of the lift (on standardised features; only guards against collinearity).
pub const LIFT_RIDGE: f64 = 1e-8;

/// A fitted lift from `inputs` standardised state variables to `outputs` numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuadraticLift {
    /// Number of state variables.
    pub inputs: usize,
    /// Number of outputs.
    pub outputs: usize,
    /// Coefficients, row-major `feature_count(inputs) × outputs`.
    pub coefficients: Vec<f64>,
}

impl QuadraticLift {
    /// Fits the lift from rows of `states` (row-major, `inputs` wide) to the matching rows
    /// of `targets` (`outputs` wide).
    pub fn fit(
        states: &[f64],
        inputs: usize,
        targets: &[f64],
        outputs: usize,
    ) -> Result<Self, FitError> {
        let rows = states.len() / inputs;
        let p = feature_count(inputs);
        let mut feat = vec![0.0; p];
        let mut phi = Mat::<f64>::zeros(rows, p);
        for (t, x) in states.chunks_exact(inputs).enumerate() {
            polynomial_features(x, &mut feat);
            for (j, v) in feat.iter().enumerate() {
                phi[(t, j)] = *v;
            }
        }
        let y = Mat::from_fn(rows, outputs, |t, j| targets[t * outputs + j]);
        let w = ridge_readout(phi.as_ref(), y.as_ref(), LIFT_RIDGE)?;
        Ok(Self {
            inputs,
            outputs,
            coefficients: (0..p)
                .flat_map(|i| (0..outputs).map(move |j| (i, j)))
                .map(|(i, j)| w[(i, j)])
                .collect(),
        })
    }

    /// The lifted value of the standardised state `x`.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        let mut feat = vec![0.0; feature_count(self.inputs)];
        polynomial_features(x, &mut feat);
        let mut out = vec![0.0; self.outputs];
        for (f, row) in feat
            .iter()
            .zip(self.coefficients.chunks_exact(self.outputs))
        {
            for (o, c) in out.iter_mut().zip(row) {
                *o += f * c;
            }
        }
        out
    }
}
