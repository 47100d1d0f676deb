//! Snapshot pairs `(x_m, y_m = F(x_m))` with their sampling interval and quadrature
//! weights: the one data model every Koopman algorithm here reads.
//!
//! Takes one or several [`Trajectory`]s (consecutive samples give the pairs) and
//! produces row-major `M × n` arrays of `x` and `y` plus weights `w_m` (uniform `1/M`
//! by default). Storing pairs rather than one sequence is what lets several
//! trajectories and imported bursts be fitted together (Colbrook & Townsend, CPAM 2024,
//! §2: the quadrature weights of the data measure).

use serde::{Deserialize, Serialize};

use crate::data::Trajectory;
use crate::models::FitError;

/// Snapshot pairs with a common `dt` and quadrature weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPairs {
    dim: usize,
    dt: f64,
    x: Vec<f64>,
    y: Vec<f64>,
    weights: Vec<f64>,
}

impl SnapshotPairs {
    /// Consecutive samples of one trajectory as pairs, uniform weights `1/M`.
    pub fn from_trajectory(data: &Trajectory) -> Self {
        let n = data.dim();
        let m = data.len().saturating_sub(1);
        let s = data.samples();
        let (x, y) = if m == 0 {
            (Vec::new(), Vec::new())
        } else {
            (s[..m * n].to_vec(), s[n..(m + 1) * n].to_vec())
        };
        Self::uniform(n, data.dt(), x, y)
    }

    /// Pairs from several trajectories of the same system sampled at the same `dt`.
    pub fn from_trajectories(list: &[Trajectory]) -> Result<Self, FitError> {
        let first = list
            .first()
            .ok_or_else(|| FitError::Data("no trajectories were given".into()))?;
        let (n, dt) = (first.dim(), first.dt());
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for (i, t) in list.iter().enumerate() {
            if t.dim() != n {
                return Err(FitError::Data(format!(
                    "trajectory {i} has {} states, the first has {n}; give trajectories of one system",
                    t.dim()
                )));
            }
            if (t.dt() - dt).abs() > 1e-12 * dt.abs() {
                return Err(FitError::Data(format!(
                    "trajectory {i} is sampled at dt = {}, the first at dt = {dt}; resample to one dt",
                    t.dt()
                )));
            }
            let p = Self::from_trajectory(t);
            x.extend_from_slice(&p.x);
            y.extend_from_slice(&p.y);
        }
        Ok(Self::uniform(n, dt, x, y))
    }

    /// Pairs from explicit row-major `x` and `y` arrays with uniform weights.
    pub fn uniform(dim: usize, dt: f64, x: Vec<f64>, y: Vec<f64>) -> Self {
        debug_assert_eq!(x.len(), y.len());
        let m = x.len() / dim.max(1);
        let weights = vec![1.0 / m.max(1) as f64; m];
        Self {
            dim,
            dt,
            x,
            y,
            weights,
        }
    }

    /// Replaces the quadrature weights; they must be finite, non-negative, one per pair.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<Self, FitError> {
        if weights.len() != self.len() {
            return Err(FitError::Data(format!(
                "{} weights for {} snapshot pairs; give one weight per pair",
                weights.len(),
                self.len()
            )));
        }
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(FitError::Data(
                "quadrature weights must be finite and non-negative".into(),
            ));
        }
        self.weights = weights;
        Ok(self)
    }

    /// The number of pairs `M`.
    pub fn len(&self) -> usize {
        self.weights.len()
    }
    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
    /// The state dimension `n`.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The sampling interval between `x_m` and `y_m`.
    pub fn dt(&self) -> f64 {
        self.dt
    }
    /// All `x_m`, row-major `M × n`.
    pub fn xs(&self) -> &[f64] {
        &self.x
    }
    /// All `y_m`, row-major `M × n`.
    pub fn ys(&self) -> &[f64] {
        &self.y
    }
    /// The quadrature weights `w_m`.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Splits off the last `fraction` of the pairs as a held-out quadrature set; both
    /// parts get uniform weights again. Returns `(fit, held_out)`.
    pub fn split_holdout(&self, fraction: f64) -> (SnapshotPairs, SnapshotPairs) {
        let m = self.len();
        let held = ((m as f64 * fraction).round() as usize).min(m);
        let cut = (m - held) * self.dim;
        let fit = Self::uniform(
            self.dim,
            self.dt,
            self.x[..cut].to_vec(),
            self.y[..cut].to_vec(),
        );
        let quad = Self::uniform(
            self.dim,
            self.dt,
            self.x[cut..].to_vec(),
            self.y[cut..].to_vec(),
        );
        (fit, quad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Provenance;

    fn ramp(n: usize, dt: f64) -> Trajectory {
        Trajectory::new(
            vec!["a".into()],
            0.0,
            dt,
            (0..n).map(|k| k as f64).collect(),
            Provenance::file("x"),
        )
    }

    #[test]
    fn consecutive_samples_become_pairs_and_split_keeps_order() {
        let p = SnapshotPairs::from_trajectory(&ramp(5, 0.1));
        assert_eq!(p.xs(), &[0.0, 1.0, 2.0, 3.0]);
        assert_eq!(p.ys(), &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(p.weights(), &[0.25; 4]);
        let (fit, quad) = p.split_holdout(0.25);
        assert_eq!((fit.len(), quad.len()), (3, 1));
        assert_eq!(quad.xs(), &[3.0]);
        assert_eq!(fit.weights(), &[1.0 / 3.0; 3]);
    }

    #[test]
    fn trajectories_of_different_dt_are_refused() {
        let err =
            SnapshotPairs::from_trajectories(&[ramp(4, 0.1), ramp(4, 0.2)]).expect_err("refused");
        assert!(err.to_string().contains("resample"), "{err}");
        let ok = SnapshotPairs::from_trajectories(&[ramp(4, 0.1), ramp(3, 0.1)]).expect("ok");
        assert_eq!(ok.len(), 5);
    }
}
