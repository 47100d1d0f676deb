//! The spectral radius `ρ(W) = max |λ_i(W)|` of the reservoir matrix, from all its
//! eigenvalues (faer's dense real Schur decomposition). Power iteration is not used:
//! a random real matrix's dominant eigenvalues are usually a complex pair, for which it
//! does not converge.

use faer::Mat;

use super::reservoir_matrix::SparseMatrix;
use crate::models::FitError;

/// The spectral radius of `w`.
pub fn spectral_radius(w: &SparseMatrix) -> Result<f64, FitError> {
    let n = w.size;
    if n == 0 {
        return Ok(0.0);
    }
    let dense = w.to_dense();
    let m = Mat::from_fn(n, n, |i, j| dense[i * n + j]);
    let eig = m.eigenvalues().map_err(|e| {
        FitError::Numerical(format!(
            "the reservoir's eigenvalues did not converge ({e:?}); change --seed"
        ))
    })?;
    Ok(eig.iter().map(|z: &faer::c64| z.norm()).fold(0.0, f64::max))
}
