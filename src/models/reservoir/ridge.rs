//! The ridge (Tikhonov) read-out: `W = argmin ‖Φ W − Y‖² + α ‖W‖²`, i.e.
//! `(ΦᵀΦ + α I) W = Φᵀ Y` (Lukoševičius 2012, Eq. 9; Gauthier et al. 2021, Eq. 4).
//!
//! For `α > 0` the regularised normal matrix is symmetric positive definite and is
//! solved by Cholesky (never inverted); for `α = 0` the plain least-squares problem is
//! solved by column-pivoted QR of `Φ` itself (no squared condition number), refusing a
//! rank-deficient `Φ` with advice.

use faer::linalg::solvers::{Solve, SolveLstsq};
use faer::{Mat, MatRef, Side};

use crate::models::FitError;

/// Pivots of the QR below this fraction of the largest count as zero (rank deficiency).
const REL_RANK_TOL: f64 = 1e-12;

/// The ridge read-out `W` (`p × m`) for features `Φ` (`T × p`) and targets `Y` (`T × m`).
pub fn ridge_readout(
    features: MatRef<'_, f64>,
    targets: MatRef<'_, f64>,
    ridge: f64,
) -> Result<Mat<f64>, FitError> {
    let p = features.ncols();
    if !(ridge >= 0.0 && ridge.is_finite()) {
        return Err(FitError::Options(format!(
            "the ridge weight must be a finite number ≥ 0, got {ridge}"
        )));
    }
    if features.nrows() < p && ridge == 0.0 {
        return Err(FitError::Data(format!(
            "{} training rows cannot determine {p} read-out weights without regularisation; use --ridge > 0 or more data",
            features.nrows()
        )));
    }
    let w = if ridge > 0.0 {
        let mut gram = features.transpose() * features;
        for i in 0..p {
            gram[(i, i)] += ridge;
        }
        let rhs = features.transpose() * targets;
        let llt = gram.llt(Side::Lower).map_err(|_| {
            FitError::Numerical(
                "the regularised normal matrix is not positive definite; raise --ridge".into(),
            )
        })?;
        llt.solve(&rhs)
    } else {
        let qr = features.col_piv_qr();
        let r = qr.thin_R();
        let r11 = if p > 0 { r[(0, 0)].abs() } else { 0.0 };
        let rank = (0..p)
            .take_while(|&i| r[(i, i)].abs() > REL_RANK_TOL * r11)
            .count();
        if rank < p {
            return Err(FitError::Data(format!(
                "the {p} read-out features are linearly dependent on the data (numerical rank {rank}); use --ridge > 0"
            )));
        }
        qr.solve_lstsq(targets)
    };
    if (0..w.nrows()).any(|i| (0..w.ncols()).any(|j| !w[(i, j)].is_finite())) {
        return Err(FitError::Numerical(
            "the read-out has non-finite weights; raise --ridge".into(),
        ));
    }
    Ok(w)
}

/// Root-mean-square of `Φ W − Y` over all entries (the read-out's training error).
pub fn rms_residual(
    features: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    targets: MatRef<'_, f64>,
) -> f64 {
    let r = features * w - targets;
    let count = (r.nrows() * r.ncols()).max(1) as f64;
    (r.squared_norm_l2() / count).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Solves a 2×2 system by Cramer's rule (an independent closed form).
    fn solve2(a: [[f64; 2]; 2], b: [f64; 2]) -> [f64; 2] {
        let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
        [
            (b[0] * a[1][1] - a[0][1] * b[1]) / det,
            (a[0][0] * b[1] - b[0] * a[1][0]) / det,
        ]
    }

    #[test]
    fn ridge_matches_the_closed_form_on_a_small_fixture() {
        // Φ = [[1,0],[1,1],[1,2],[1,3]], y = [1, 2, 2, 5]: ΦᵀΦ = [[4,6],[6,14]], Φᵀy = [10, 21].
        let phi = Mat::from_fn(4, 2, |i, j| if j == 0 { 1.0 } else { i as f64 });
        let y = Mat::from_fn(4, 1, |i, _| [1.0, 2.0, 2.0, 5.0][i]);
        for alpha in [0.0, 0.5, 3.0] {
            let w = ridge_readout(phi.as_ref(), y.as_ref(), alpha).expect("solves");
            let expect = solve2([[4.0 + alpha, 6.0], [6.0, 14.0 + alpha]], [10.0, 21.0]);
            for k in 0..2 {
                assert!(
                    (w[(k, 0)] - expect[k]).abs() < 1e-13,
                    "α = {alpha}: {w:?} vs {expect:?}"
                );
            }
        }
        // α = 0 is ordinary least squares: intercept 0.7, slope 1.2 (hand-computed).
        let w = ridge_readout(phi.as_ref(), y.as_ref(), 0.0).expect("solves");
        assert!((w[(0, 0)] - 0.7).abs() < 1e-13 && (w[(1, 0)] - 1.2).abs() < 1e-13);
        let rms = rms_residual(phi.as_ref(), w.as_ref(), y.as_ref());
        // Residuals 0.3, 0.1, −1.1, 0.7: mean square 0.45.
        assert!((rms - 0.45f64.sqrt()).abs() < 1e-13, "{rms}");
    }

    #[test]
    fn bad_ridge_and_dependent_features_are_clear_errors() {
        let phi = Mat::from_fn(5, 2, |i, _| i as f64);
        let y = Mat::from_fn(5, 1, |i, _| i as f64);
        let err = ridge_readout(phi.as_ref(), y.as_ref(), 0.0).expect_err("rank 1");
        assert!(err.to_string().contains("--ridge > 0"), "{err}");
        let err = ridge_readout(phi.as_ref(), y.as_ref(), -1.0).expect_err("negative");
        assert!(err.to_string().contains("≥ 0"), "{err}");
        // A positive ridge makes the same problem well posed.
        assert!(ridge_readout(phi.as_ref(), y.as_ref(), 1e-6).is_ok());
    }
}
