//! ResDMD residuals of EDMD eigenpairs, measured on a quadrature set.
//!
//! Takes weighted dictionary matrices `W^{1/2}Ψ_X`, `W^{1/2}Ψ_Y` (`M × N`, rows
//! `sqrt(w_m) ψ(x_m)`) of a quadrature set and candidate eigenpairs `(λ_j, c_j)`;
//! produces `res_j = ‖W^{1/2}(Ψ_Y − λ_j Ψ_X) c_j‖ / ‖W^{1/2}Ψ_X c_j‖`.
//!
//! # Method
//! `res(λ, ψc)² = Σ_m w_m |ψ(y_m)c − λψ(x_m)c|² / Σ_m w_m |ψ(x_m)c|²
//!             = c*(L − λA* − λ̄A + |λ|²G)c / c*Gc`
//! (Colbrook & Townsend, CPAM 77 (2024), eq. (3.2) in our numbering of spec §1.9), with
//! `G = Ψ_X*WΨ_X`, `A = Ψ_X*WΨ_Y`, `L = Ψ_Y*WΨ_Y`. It is computed from the data directly
//! (`O(MN)` per pair), which avoids the cancellation of the Gram form. The quadrature set
//! must not be the one `K` was fitted on: there the residual is biased low, and zero
//! whenever `N ≥ M` (spec §6.7).

use faer::{Mat, MatRef, c64};

/// Residual of each eigenpair; `vecs` holds the coefficient vectors `c_j` as columns.
pub fn residuals(
    psi_x: MatRef<'_, f64>,
    psi_y: MatRef<'_, f64>,
    lambdas: &[c64],
    vecs: MatRef<'_, c64>,
) -> Vec<f64> {
    let (n, k) = (vecs.nrows(), vecs.ncols());
    let vr = Mat::from_fn(n, k, |i, j| vecs[(i, j)].re);
    let vi = Mat::from_fn(n, k, |i, j| vecs[(i, j)].im);
    let (xr, xi) = (psi_x * &vr, psi_x * &vi);
    let (yr, yi) = (psi_y * &vr, psi_y * &vi);
    (0..k)
        .map(|j| {
            let l = lambdas[j];
            let (mut num, mut den) = (0.0, 0.0);
            for m in 0..psi_x.nrows() {
                let gx = c64::new(xr[(m, j)], xi[(m, j)]);
                let gy = c64::new(yr[(m, j)], yi[(m, j)]);
                num += (gy - l * gx).norm_sqr();
                den += gx.norm_sqr();
            }
            if den > 0.0 {
                (num / den).sqrt()
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// The Gram matrices `(G, A, L)` of weighted dictionary matrices (CPAM 2024 §3).
pub fn gram_matrices(
    psi_x: MatRef<'_, f64>,
    psi_y: MatRef<'_, f64>,
) -> (Mat<f64>, Mat<f64>, Mat<f64>) {
    (
        psi_x.transpose() * psi_x,
        psi_x.transpose() * psi_y,
        psi_y.transpose() * psi_y,
    )
}

/// Residuals with `G` and `L` replaced by `G_s = (G + L)/2` (measure-preserving EDMD,
/// [`crate::models::koopman::Edmd::measure_preserving`]):
/// `res² = c*((1 + |λ|²)G_s − λA* − λ̄A)c / c*G_s c`, clamped at 0. For an eigenpair of
/// `G_s⁻¹A` on the same pairs this is exactly `1 − |λ|²` (spec §1.9).
pub fn residuals_measure_preserving(
    psi_x: MatRef<'_, f64>,
    psi_y: MatRef<'_, f64>,
    lambdas: &[c64],
    vecs: MatRef<'_, c64>,
) -> Vec<f64> {
    let (g, a, l) = gram_matrices(psi_x, psi_y);
    let n = g.nrows();
    let gs = Mat::from_fn(n, n, |i, j| c64::new(0.5 * (g[(i, j)] + l[(i, j)]), 0.0));
    let ac = Mat::from_fn(n, n, |i, j| c64::new(a[(i, j)], 0.0));
    (0..vecs.ncols())
        .map(|k| {
            let c = vecs.col(k);
            let gq = (c.adjoint() * &gs * c).re;
            let aq = c.adjoint() * &ac * c;
            let lam = lambdas[k];
            let num = (1.0 + lam.norm_sqr()) * gq - 2.0 * (lam.conj() * aq).re;
            if gq > 0.0 {
                (num / gq).max(0.0).sqrt()
            } else {
                f64::NAN
            }
        })
        .collect()
}
