//! ResDMD residuals of DMD eigenpairs on a held-out quadrature set.
//!
//! # Method
//! For an eigenpair `(λ, c)` of `K` with eigenfunction `g(x) = ψ(x)·c`, `ψ(x) = U_r* x`,
//! `res(λ, g) = ‖Ψ_Y c − λ Ψ_X c‖ / ‖Ψ_X c‖` over held-out pairs `(x_m, y_m)` with uniform
//! weights (Colbrook & Townsend, CPAM 2024, ResDMD). Residuals computed on the pairs the
//! operator was fitted to would be optimistically small, so the pairs here must not be
//! the fitting pairs.

use faer::MatRef;

use crate::data::Trajectory;

/// Residual of each eigenpair; `eigvecs` holds the coefficient vectors as columns.
pub(super) fn residuals(
    held_out: &Trajectory,
    basis: &[f64],
    r: usize,
    lambdas: &[faer::c64],
    eigvecs: MatRef<'_, faer::c64>,
) -> Vec<f64> {
    let n = held_out.dim();
    let m = held_out.len().saturating_sub(1);
    // ψ(x_m) for every held-out sample, r values each.
    let psi: Vec<f64> = (0..held_out.len())
        .flat_map(|k| {
            let x = held_out.row(k);
            (0..r).map(move |j| (0..n).map(|i| basis[i * r + j] * x[i]).sum::<f64>())
        })
        .collect();
    lambdas
        .iter()
        .enumerate()
        .map(|(j, &lambda)| {
            let c: Vec<faer::c64> = (0..r).map(|i| eigvecs[(i, j)]).collect();
            let g = |k: usize| -> faer::c64 {
                psi[k * r..(k + 1) * r]
                    .iter()
                    .zip(&c)
                    .fold(faer::c64::new(0.0, 0.0), |acc, (p, ci)| acc + ci * *p)
            };
            let (mut num, mut den) = (0.0, 0.0);
            for k in 0..m {
                let (gx, gy) = (g(k), g(k + 1));
                num += (gy - lambda * gx).norm_sqr();
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
