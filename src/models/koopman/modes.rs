//! Koopman modes, their amplitudes, and forecasts from a chosen set of eigenpairs.
//!
//! With a dictionary `ψ` (a row of `N` functions), eigenfunctions `φ_j(x) = ψ(x) c_j`
//! (the columns `c_j` of `Ξ`) and a state read-out `B` (`x ≈ ψ(x) B`, `N × n`), the
//! state expands as `x ≈ φ(x) Ξ⁻¹ B`: row `j` of `V = Ξ⁻¹ B` is the Koopman mode `v_j`,
//! and `x_k ≈ Σ_j λ_j^k φ_j(x_0) v_j` (Williams, Kevrekidis & Rowley, J. Nonlinear Sci.
//! 25 (2015), eq. (12)–(14); for exact DMD with the POD dictionary `ψ(x) = U_r* x` these
//! are the projected DMD modes `U_r w_j` scaled by the left eigenvectors, Schmid 2010).
//!
//! A mode's amplitude here is its root-mean-square contribution to the state over the
//! training data, `‖v_j‖ · (Σ_m w_m |φ_j(x_m)|² / Σ_m w_m)^{1/2}`: a start-independent
//! measure of how much of the signal the eigenpair carries (PyDMD's `amplitudes` are
//! `φ_j(x_0)` at the first snapshot only, which for chaotic data depends on where the
//! record starts).
//!
//! Keeping only some eigenpairs (for example those ResDMD verifies, residual ≤ ε) gives
//! the forecast `x_k = Re Σ_{j ∈ kept} λ_j^k φ_j(x_0) v_j` (Colbrook, Ayton & Szőke,
//! J. Fluid Mech. 955 (2023) §4: forecasting with verified eigenpairs only).

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef, c64};
use serde::{Deserialize, Serialize};

use crate::models::{FitError, ForecastError};

/// Rows of `Ψ_X` used for the amplitudes (evenly spaced): enough for a stable mean.
const AMPLITUDE_SAMPLES: usize = 2000;

/// Koopman modes and amplitudes, in the order of the model's spectrum.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KoopmanModes {
    /// Mode `v_j` of every eigenpair: one complex value `[re, im]` per state.
    pub vectors: Vec<Vec<[f64; 2]>>,
    /// Root-mean-square contribution of every eigenpair to the state over the training
    /// data.
    pub amplitudes: Vec<f64>,
}

impl KoopmanModes {
    /// Modes `V = Ξ⁻¹ B` from the eigenvector coefficients `xi` (`N × N`, columns in
    /// spectrum order) and the state read-out `b` (`N × n`); amplitudes from the rows of
    /// `psi` (`ψ(x_m)` scaled by `√w_m`, so `Σ_m |row_m c_j|² = Σ_m w_m |φ_j(x_m)|²`)
    /// whose weights sum to `weight_sum`.
    pub fn new(
        xi: MatRef<'_, c64>,
        b: MatRef<'_, f64>,
        psi: MatRef<'_, f64>,
        weight_sum: f64,
    ) -> Result<Self, FitError> {
        let (big_n, n) = (b.nrows(), b.ncols());
        if xi.nrows() != big_n || xi.ncols() != big_n || psi.ncols() != big_n {
            return Err(FitError::Numerical(format!(
                "Koopman modes: eigenvectors {}×{}, read-out {big_n}×{n} and dictionary {} columns do not match",
                xi.nrows(),
                xi.ncols(),
                psi.ncols()
            )));
        }
        let bc = Mat::from_fn(big_n, n, |i, j| c64::new(b[(i, j)], 0.0));
        let v = xi.partial_piv_lu().solve(&bc);
        if (0..big_n)
            .any(|i| (0..n).any(|j| !v[(i, j)].re.is_finite() || !v[(i, j)].im.is_finite()))
        {
            return Err(FitError::Numerical(
                "the eigenvectors are not independent, so the Koopman modes are undefined (a defective or near-defective K); use a smaller dictionary".into(),
            ));
        }
        let stride = psi.nrows().div_ceil(AMPLITUDE_SAMPLES).max(1);
        let rows: Vec<usize> = (0..psi.nrows()).step_by(stride).collect();
        let share = rows.len() as f64 / psi.nrows().max(1) as f64;
        let sample = Mat::from_fn(rows.len(), big_n, |m, i| c64::new(psi[(rows[m], i)], 0.0));
        let phi = &sample * xi;
        let amplitudes = (0..big_n)
            .map(|j| {
                let mean_sq = (0..rows.len()).map(|m| phi[(m, j)].norm_sqr()).sum::<f64>()
                    / (weight_sum * share).max(f64::MIN_POSITIVE);
                let norm = (0..n).map(|k| v[(j, k)].norm_sqr()).sum::<f64>().sqrt();
                norm * mean_sq.sqrt()
            })
            .collect();
        Ok(Self {
            vectors: (0..big_n)
                .map(|j| (0..n).map(|k| [v[(j, k)].re, v[(j, k)].im]).collect())
                .collect(),
            amplitudes,
        })
    }

    /// The modes' components `range` (the newest block of a delay vector: the state),
    /// with the amplitudes scaled by the share of each mode's norm they keep.
    pub fn restricted(self, range: std::ops::Range<usize>) -> Self {
        let norm = |v: &[[f64; 2]]| v.iter().map(|[a, b]| a * a + b * b).sum::<f64>().sqrt();
        let (vectors, amplitudes) = self
            .vectors
            .iter()
            .zip(&self.amplitudes)
            .map(|(v, a)| {
                let part = v.get(range.clone()).unwrap_or_default().to_vec();
                let full = norm(v);
                let scale = if full > 0.0 { norm(&part) / full } else { 0.0 };
                (part, a * scale)
            })
            .unzip();
        Self {
            vectors,
            amplitudes,
        }
    }

    /// The dimension of the state the modes describe.
    pub fn dim(&self) -> usize {
        self.vectors.first().map_or(0, Vec::len)
    }

    /// [`KoopmanModes::forecast`] from a start state `x0` that must have `dim` values;
    /// `eigenfunctions(x0)` gives `φ_j(x0)` for every eigenpair, or `None` where the
    /// model cannot evaluate them (then so is the result). The shared body of every
    /// spectral model's [`crate::models::FittedModel::modal_forecast`].
    pub fn forecast_from_state(
        &self,
        eigenvalues: &[[f64; 2]],
        x0: &[f64],
        dim: usize,
        steps: usize,
        keep: &[usize],
        eigenfunctions: impl FnOnce(&[f64]) -> Option<Vec<c64>>,
    ) -> Option<Result<Vec<f64>, ForecastError>> {
        if x0.len() != dim {
            return Some(Err(ForecastError::WrongDimension {
                expected: dim,
                got: x0.len(),
            }));
        }
        let phi0 = eigenfunctions(x0)?;
        Some(self.forecast(eigenvalues, &phi0, steps, keep))
    }

    /// `x_k = Re Σ_{j ∈ keep} λ_j^k φ_j(x_0) v_j` for `k = 0 … steps`, row-major; `phi0`
    /// holds `φ_j(x_0)` for every eigenpair. Row 0 is the expansion of `x_0` itself,
    /// which differs from `x_0` by what the dropped eigenpairs carried.
    pub fn forecast(
        &self,
        eigenvalues: &[[f64; 2]],
        phi0: &[c64],
        steps: usize,
        keep: &[usize],
    ) -> Result<Vec<f64>, ForecastError> {
        let n = self.dim();
        let keep: Vec<usize> = keep
            .iter()
            .copied()
            .filter(|&j| j < self.vectors.len() && j < eigenvalues.len() && j < phi0.len())
            .collect();
        let lambda: Vec<c64> = keep
            .iter()
            .map(|&j| c64::new(eigenvalues[j][0], eigenvalues[j][1]))
            .collect();
        let mut p: Vec<c64> = keep.iter().map(|&j| phi0[j]).collect();
        let mut out = Vec::with_capacity((steps + 1) * n);
        for k in 0..=steps {
            for s in 0..n {
                let x: f64 = keep
                    .iter()
                    .zip(&p)
                    .map(|(&j, pj)| {
                        let [re, im] = self.vectors[j][s];
                        pj.re * re - pj.im * im
                    })
                    .sum();
                if !x.is_finite() {
                    return Err(ForecastError::Diverged {
                        step: k,
                        prefix: out[..k * n].to_vec(),
                    });
                }
                out.push(x);
            }
            for (pj, l) in p.iter_mut().zip(&lambda) {
                *pj *= *l;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_of_a_diagonal_dictionary_are_the_read_out_rows_scaled() {
        // Ξ = diag(2, 0.5): φ_0 = 2ψ_0, φ_1 = ψ_1/2, so v_0 = B_0/2 and v_1 = 2 B_1.
        let xi = Mat::from_fn(2, 2, |i, j| match (i, j) {
            (0, 0) => c64::new(2.0, 0.0),
            (1, 1) => c64::new(0.5, 0.0),
            _ => c64::new(0.0, 0.0),
        });
        let b = Mat::from_fn(2, 1, |i, _| [3.0, 4.0][i]);
        // Two samples, ψ = (1, 0) and (0, 1), unit weights.
        let psi = Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.0 });
        let m = KoopmanModes::new(xi.as_ref(), b.as_ref(), psi.as_ref(), 2.0).expect("modes");
        assert_eq!(m.vectors, vec![vec![[1.5, 0.0]], vec![[8.0, 0.0]]]);
        // RMS of φ_0 over the samples is sqrt((4 + 0)/2) = √2; times |v_0| = 1.5.
        assert!((m.amplitudes[0] - 1.5 * 2f64.sqrt()).abs() < 1e-12);
        assert!((m.amplitudes[1] - 8.0 * (0.25f64 / 2.0).sqrt()).abs() < 1e-12);
        // The forecast with both eigenpairs: x_k = 1.5 λ_0^k φ_0 + 8 λ_1^k φ_1.
        let f = m
            .forecast(
                &[[0.5, 0.0], [-1.0, 0.0]],
                &[c64::new(2.0, 0.0), c64::new(0.5, 0.0)],
                2,
                &[0, 1],
            )
            .expect("finite");
        assert_eq!(f, vec![7.0, -2.5, 4.75]);
        let only0 = m
            .forecast(
                &[[0.5, 0.0], [-1.0, 0.0]],
                &[c64::new(2.0, 0.0), c64::new(0.5, 0.0)],
                2,
                &[0],
            )
            .expect("finite");
        assert_eq!(only0, vec![3.0, 1.5, 0.75]);
    }

    #[test]
    fn a_singular_eigenvector_matrix_is_an_error_not_nan_modes() {
        let xi = Mat::from_fn(2, 2, |_, _| c64::new(1.0, 0.0));
        let b = Mat::from_fn(2, 1, |_, _| 1.0);
        let psi = Mat::from_fn(3, 2, |_, _| 1.0);
        let err = KoopmanModes::new(xi.as_ref(), b.as_ref(), psi.as_ref(), 3.0).err();
        assert!(matches!(err, Some(FitError::Numerical(m)) if m.contains("not independent")));
    }
}
