//! Sequentially thresholded least squares (STLSQ): takes the library matrix `Θ`
//! (`m × p`) and the targets `Ẋ` (`m × n`) and produces a sparse coefficient matrix `Ξ`
//! (`n × p`, one row per equation) with `Ẋ ≈ Θ Ξᵀ`.
//!
//! Semantics are PySINDy 2.1's `STLSQ` exactly (spec §4.1): per target, ridge
//! `‖y − Θ_S ξ_S‖² + α‖ξ_S‖²` (no `1/m`) on the current support `S`, keep
//! `|ξ_j| ≥ threshold`, repeat until the total support did not shrink in the first pass
//! or the zero pattern repeats (at most `max_iter` passes), then refit each target by
//! ordinary least squares on its support (`unbias`). With `normalize_columns` the
//! thresholds and the ridge act on `Θ` with columns divided by their Euclidean norm.
//!
//! Numerics (spec §11–12): `ΘᵀΘ` and `ΘᵀẊ` are formed once and equilibrated to unit
//! column norms (the ridge weight is mapped to `α·(s_j/d_j)²`, so results are those of
//! the unscaled problem); every pass, and the unbias refit, is then a Cholesky solve of
//! a `|S| × |S|` system independent of `m`. When Cholesky fails, or (for the unbias
//! refit) the block's condition estimate exceeds 1e6, the solve falls back to
//! column-pivoted QR on the selected columns.
//!
//! # References
//! - S. L. Brunton, J. L. Proctor, J. N. Kutz, PNAS 113 (2016) 3932, Code 1 (STLS).
//! - L. Zhang, H. Schaeffer, "On the convergence of the SINDy algorithm", Multiscale
//!   Model. Simul. 17 (2019) 948.
//! - PySINDy 2.1 `optimizers/stlsq.py`, `optimizers/base.py` (stopping rule, unbias).

use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::linalg::solvers::{Solve, SolveLstsq};
use faer::{Accum, Mat, MatRef, Par, Side};
use serde::{Deserialize, Serialize};

use crate::jobs::JobContext;
use crate::models::FitError;

/// PySINDy's default threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.1;
/// PySINDy's default ridge weight.
pub const DEFAULT_ALPHA: f64 = 0.05;
/// PySINDy's default iteration cap.
pub const DEFAULT_MAX_ITER: usize = 20;
/// Coefficients at or below this magnitude count as zero after the passes (PySINDy's
/// `ind_ = |coef_| > 1e-14`).
const SUPPORT_EPS: f64 = 1e-14;

/// Which basis the threshold and the ridge act in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// Raw library columns (PySINDy's default).
    #[default]
    None,
    /// Columns divided by their Euclidean norm over all samples (PySINDy
    /// `normalize_columns=True`; the threshold's meaning then depends on `m`).
    L2,
    /// Columns divided by their root-mean-square: like `L2` but independent of the
    /// number of samples.
    Rms,
}

impl Normalize {
    /// The column scales `s_j` of the user's basis (`c_j = s_j ξ_j`), given the column
    /// norms `d_j` over `m` samples.
    pub fn scales(&self, d: &[f64], m: usize) -> Vec<f64> {
        match self {
            Normalize::None => vec![1.0; d.len()],
            Normalize::L2 => d.to_vec(),
            Normalize::Rms => d.iter().map(|v| v / (m as f64).sqrt()).collect(),
        }
    }
}

/// STLSQ options (PySINDy names and defaults).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stlsq {
    /// Coefficients below this magnitude are cut each pass.
    pub threshold: f64,
    /// Ridge weight `α`.
    pub alpha: f64,
    /// The most thresholding passes.
    pub max_iter: usize,
    /// Column normalisation.
    pub normalize: Normalize,
    /// Refit each equation by ordinary least squares on its support.
    pub unbias: bool,
}

impl Default for Stlsq {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            alpha: DEFAULT_ALPHA,
            max_iter: DEFAULT_MAX_ITER,
            normalize: Normalize::None,
            unbias: true,
        }
    }
}

/// What the optimizer did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StlsqInfo {
    /// Thresholding passes run.
    pub iterations: usize,
    /// False when `max_iter` was reached before the support settled.
    pub converged: bool,
    /// Indices of equations whose every term was cut (their row is zero).
    pub emptied: Vec<usize>,
}

impl Stlsq {
    /// Checks the options.
    pub fn validate(&self) -> Result<(), FitError> {
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(FitError::Options(format!(
                "the STLSQ threshold must be a non-negative number, got {}",
                self.threshold
            )));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(FitError::Options(format!(
                "the ridge weight alpha must be a non-negative number, got {}",
                self.alpha
            )));
        }
        if self.max_iter == 0 {
            return Err(FitError::Options("max_iter must be at least 1".into()));
        }
        Ok(())
    }

    /// Fits `Ξ` (`n × p`) to `Ẋ ≈ Θ Ξᵀ`.
    pub fn fit(
        &self,
        theta: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        job: &JobContext,
    ) -> Result<(Mat<f64>, StlsqInfo), FitError> {
        self.validate()?;
        let (m, p, n) = (theta.nrows(), theta.ncols(), y.ncols());
        let eq = Equilibrated::new(theta, y);
        let d = eq.d.clone();
        // The user's basis: c_j = s_j ξ_j.
        let s = self.normalize.scales(&d, m);
        job.check()?;
        // Ridge weight on the equilibrated coordinates ξ̂ = d ξ: α (s/d)².
        let ridge: Vec<f64> = (0..p).map(|j| self.alpha * (s[j] / d[j]).powi(2)).collect();

        let mut support = vec![vec![true; p]; n];
        let start_size = n * p;
        // history[0] is PySINDy's dense lstsq guess: generically every entry non-zero.
        let mut previous_pattern = vec![vec![true; p]; n];
        let mut xi_hat = Mat::<f64>::zeros(n, p);
        let mut info = StlsqInfo::default();
        for _pass in 0..self.max_iter {
            job.check()?;
            if support.iter().all(|row| row.iter().all(|k| !k)) {
                xi_hat = Mat::zeros(n, p);
                break;
            }
            info.iterations += 1;
            xi_hat = Mat::zeros(n, p);
            for i in 0..n {
                let idx: Vec<usize> = (0..p).filter(|&j| support[i][j]).collect();
                if idx.is_empty() {
                    continue;
                }
                let sol = eq.solve(&ridge, &idx, i, f64::INFINITY)?;
                for (k, &j) in idx.iter().enumerate() {
                    let c = sol[k] * s[j] / d[j];
                    if c.abs() >= self.threshold {
                        xi_hat[(i, j)] = sol[k];
                    } else {
                        support[i][j] = false;
                    }
                }
            }
            let size: usize = support
                .iter()
                .map(|r| r.iter().filter(|k| **k).count())
                .sum();
            let pattern: Vec<Vec<bool>> = (0..n)
                .map(|i| (0..p).map(|j| xi_hat[(i, j)] != 0.0).collect())
                .collect();
            let unchanged = pattern == previous_pattern;
            previous_pattern = pattern;
            if size == start_size || unchanged {
                info.converged = true;
                break;
            }
        }
        // Re-read the support from the coefficients (PySINDy: |coef| > 1e-14, in the
        // user's basis).
        for i in 0..n {
            for j in 0..p {
                support[i][j] = (xi_hat[(i, j)] * s[j] / d[j]).abs() > SUPPORT_EPS;
            }
            if !support[i].iter().any(|k| *k) {
                info.emptied.push(i);
            }
        }
        if self.unbias {
            let no_ridge = vec![0.0; p];
            for i in 0..n {
                let idx: Vec<usize> = (0..p).filter(|&j| support[i][j]).collect();
                if idx.is_empty() {
                    continue;
                }
                let sol = eq.solve(&no_ridge, &idx, i, NORMAL_EQUATIONS_MAX_COND)?;
                for (k, &j) in idx.iter().enumerate() {
                    xi_hat[(i, j)] = sol[k];
                }
            }
        }
        let xi = Mat::from_fn(n, p, |i, j| xi_hat[(i, j)] / d[j]);
        if xi.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) {
            return Err(FitError::Numerical(
                "the regression produced non-finite coefficients; the library columns are probably collinear — lower the degree or raise alpha".into(),
            ));
        }
        Ok((xi, info))
    }
}

/// `ΘᵀΘ`: the lower triangle by one sequential triangular product (half the work of a
/// full product), mirrored. Sequential because on a loaded 2-core machine the parallel
/// kernel was 3–10× slower in measurements.
fn gram_matrix(theta: MatRef<'_, f64>) -> Mat<f64> {
    let p = theta.ncols();
    let mut gram = Mat::<f64>::zeros(p, p);
    triangular::matmul(
        gram.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        theta.transpose(),
        BlockStructure::Rectangular,
        theta,
        BlockStructure::Rectangular,
        1.0,
        Par::Seq,
    );
    for j in 0..p {
        for i in 0..j {
            gram[(i, j)] = gram[(j, i)];
        }
    }
    gram
}

/// The regression in equilibrated coordinates `Θ̃ = Θ D⁻¹`: `G̃ = Θ̃ᵀΘ̃`, `b̃ = Θ̃ᵀẊ`,
/// `D = diag(‖θ_j‖₂)` (1 for an all-zero column).
pub(super) struct Equilibrated<'a> {
    pub(super) gram: Mat<f64>,
    pub(super) rhs: Mat<f64>,
    theta: MatRef<'a, f64>,
    y: MatRef<'a, f64>,
    pub(super) d: Vec<f64>,
}

/// Above this condition-number estimate of `G̃_SS` the normal equations would lose
/// more than ~1e-10 relative accuracy (`cond · ε`), so the solve moves to QR on `Θ̃_S`.
pub(super) const NORMAL_EQUATIONS_MAX_COND: f64 = 1e6;

impl<'a> Equilibrated<'a> {
    /// Forms `ΘᵀΘ` and `ΘᵀẊ` once and equilibrates them.
    pub(super) fn new(theta: MatRef<'a, f64>, y: MatRef<'a, f64>) -> Self {
        let (p, n) = (theta.ncols(), y.ncols());
        let raw = gram_matrix(theta);
        let d: Vec<f64> = (0..p)
            .map(|j| {
                let s = raw[(j, j)].sqrt();
                if s > 0.0 && s.is_finite() { s } else { 1.0 }
            })
            .collect();
        let mut rhs = Mat::<f64>::zeros(p, n);
        matmul(
            rhs.as_mut(),
            Accum::Replace,
            theta.transpose(),
            y,
            1.0,
            Par::Seq,
        );
        Equilibrated {
            gram: Mat::from_fn(p, p, |a, b| raw[(a, b)] / (d[a] * d[b])),
            rhs: Mat::from_fn(p, n, |j, i| rhs[(j, i)] / d[j]),
            theta,
            y,
            d,
        }
    }

    /// `argmin ‖y_i − Θ̃_S ξ‖² + Σ ridge_j ξ_j²` on the columns `idx`: Cholesky of
    /// `G̃_SS + diag(ridge_S)` when it succeeds and its condition estimate (the squared
    /// ratio of the largest to the smallest diagonal entry of the factor) is below
    /// `max_cond`, otherwise column-pivoted QR of `[Θ̃_S; diag(√ridge_S)]`.
    ///
    /// The thresholding passes use `max_cond = ∞`: PySINDy's ridge is itself a
    /// Cholesky solve of the (unequilibrated) normal equations, and the passes only
    /// decide the support. The unbias refit, whose values are the result, uses
    /// [`NORMAL_EQUATIONS_MAX_COND`].
    pub(super) fn solve(
        &self,
        ridge: &[f64],
        idx: &[usize],
        i: usize,
        max_cond: f64,
    ) -> Result<Vec<f64>, FitError> {
        let k = idx.len();
        let g = Mat::from_fn(k, k, |a, b| {
            self.gram[(idx[a], idx[b])] + if a == b { ridge[idx[a]] } else { 0.0 }
        });
        let b = Mat::from_fn(k, 1, |a, _| self.rhs[(idx[a], i)]);
        if let Ok(llt) = g.llt(Side::Lower) {
            let diag: Vec<f64> = (0..k).map(|a| llt.L()[(a, a)]).collect();
            let (lo, hi) = diag.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
            if (hi / lo).powi(2) < max_cond {
                let sol = llt.solve(&b);
                let v: Vec<f64> = (0..k).map(|a| sol[(a, 0)]).collect();
                if v.iter().all(|x| x.is_finite()) {
                    return Ok(v);
                }
            }
        }
        let m = self.theta.nrows();
        let mut a = Mat::<f64>::zeros(m + k, k);
        for (c, &j) in idx.iter().enumerate() {
            let col = a.col_as_slice_mut(c);
            let dj = self.d[j];
            match self.theta.col(j).try_as_col_major() {
                Some(src) => {
                    for (v, t) in col[..m].iter_mut().zip(src.as_slice()) {
                        *v = t / dj;
                    }
                }
                None => {
                    for (r, v) in col[..m].iter_mut().enumerate() {
                        *v = self.theta[(r, j)] / dj;
                    }
                }
            }
            col[m + c] = ridge[j].sqrt();
        }
        let rhs_col = Mat::from_fn(m + k, 1, |r, _| if r < m { self.y[(r, i)] } else { 0.0 });
        let sol = a.col_piv_qr().solve_lstsq(&rhs_col);
        let v: Vec<f64> = (0..k).map(|a| sol[(a, 0)]).collect();
        if v.iter().any(|x| !x.is_finite()) {
            return Err(FitError::Numerical(
                "the least-squares solve failed; the selected library columns are collinear — raise alpha or lower the library degree".into(),
            ));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic, well-conditioned design: columns are unrelated smooth signals.
    fn design(m: usize, p: usize) -> Mat<f64> {
        Mat::from_fn(m, p, |i, j| {
            let t = i as f64 / m as f64;
            ((j + 1) as f64 * 7.3 * t + j as f64).sin() + 0.1 * (j as f64) * t
        })
    }

    #[test]
    fn exactly_sparse_problem_recovers_support_and_values() {
        // y0 = 2θ1 − 3θ4, y1 = 0.5θ0 + θ5: noise-free, so the unbiased OLS refit on the
        // right support returns the coefficients to rounding (cond(Θ) is small, 1e-10
        // leaves four orders of margin).
        let (m, p) = (400, 8);
        let theta = design(m, p);
        let truth = [
            [0.0, 2.0, 0.0, 0.0, -3.0, 0.0, 0.0, 0.0],
            [0.5, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        ];
        let y = Mat::from_fn(m, 2, |i, t| {
            (0..p).map(|j| theta[(i, j)] * truth[t][j]).sum::<f64>()
        });
        let (xi, info) = Stlsq::default()
            .fit(theta.as_ref(), y.as_ref(), &JobContext::detached())
            .expect("fits");
        for t in 0..2 {
            for j in 0..p {
                assert!(
                    (xi[(t, j)] - truth[t][j]).abs() < 1e-10,
                    "({t},{j}): {}",
                    xi[(t, j)]
                );
            }
        }
        assert!(info.converged && info.iterations <= 3, "{info:?}");
    }

    #[test]
    fn threshold_keeps_ties_and_cuts_everything_when_too_big() {
        // One orthonormal-ish column: the ridge solution of y = θ0 is ‖θ‖²/(‖θ‖²+α) ≈ 1.
        let (m, p) = (200, 3);
        let theta = design(m, p);
        let y = Mat::from_fn(m, 1, |i, _| theta[(i, 0)]);
        let opts = Stlsq {
            threshold: 50.0,
            ..Stlsq::default()
        };
        let (xi, info) = opts
            .fit(theta.as_ref(), y.as_ref(), &JobContext::detached())
            .expect("fits");
        assert!(xi.col_iter().all(|c| c.iter().all(|v| *v == 0.0)));
        assert_eq!(info.emptied, vec![0]);
    }

    #[test]
    fn normalised_columns_give_the_same_sparse_answer() {
        let (m, p) = (300, 6);
        let mut theta = design(m, p);
        // Badly scaled columns: column 2 is 1e4 times larger.
        for i in 0..m {
            theta[(i, 2)] *= 1e4;
        }
        let y = Mat::from_fn(m, 1, |i, _| 3.0 * theta[(i, 1)] + 2e-4 * theta[(i, 2)]);
        for normalize in [Normalize::L2, Normalize::Rms] {
            let opts = Stlsq {
                threshold: 0.05,
                normalize,
                ..Stlsq::default()
            };
            let (xi, _) = opts
                .fit(theta.as_ref(), y.as_ref(), &JobContext::detached())
                .expect("fits");
            assert!((xi[(0, 1)] - 3.0).abs() < 1e-9, "{normalize:?}");
            assert!((xi[(0, 2)] - 2e-4).abs() < 1e-12, "{normalize:?}");
        }
    }

    #[test]
    fn bad_options_are_refused() {
        let theta = design(10, 2);
        let y = Mat::<f64>::zeros(10, 1);
        let bad = Stlsq {
            threshold: -1.0,
            ..Stlsq::default()
        };
        let err = bad
            .fit(theta.as_ref(), y.as_ref(), &JobContext::detached())
            .expect_err("refused");
        assert!(err.to_string().contains("threshold"), "{err}");
    }
}
