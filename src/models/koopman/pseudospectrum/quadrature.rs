//! The quadrature form of ResDMD (Colbrook & Townsend, CPAM 77 (2024), Algorithm 2;
//! spec §1.9 (b), (c)): the weighted dictionary matrices of a quadrature set reduced
//! to `(Â, D)`, so that `τ_N(z) = σ_min([Â − zI; D])` no longer depends on `M`; the
//! residual of one vector, and `τ_N(z)` by the fast path or by a dense SVD.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{ComputeSvdVectors, svd, svd_scratch};
use faer::{Mat, MatRef, Par, c64};

use super::inverse_lanczos::TauWorkspace;
use crate::models::FitError;

/// Diagonal entries of `R` below this fraction of the largest mean the quadrature
/// dictionary matrix is numerically rank-deficient.
const REL_RANK_TOL: f64 = 1e-12;

/// The `M`-independent form `(Â, D)` of a quadrature set, from which `τ_N(z)` is a
/// `2N × N` smallest-singular-value problem, plus `Lₛ = ÂᵀÂ + DᵀD` for the fast path
/// (spec §1.9 (c); Colbrook's `KoopPseudoSpecQR.m` reduced once more).
#[derive(Clone, Debug, PartialEq)]
pub struct QuadratureForm {
    pub(super) a_hat: Mat<f64>,
    /// `Âᵀ`, stored so that building `H(z)` reads both `Â` and `Âᵀ` by columns.
    pub(super) a_hat_t: Mat<f64>,
    pub(super) d: Mat<f64>,
    /// `ÂᵀÂ + DᵀD = CᵀC`, symmetrised.
    pub(super) gram: Mat<f64>,
}

impl QuadratureForm {
    /// Reduces weighted dictionary matrices of a quadrature set; needs `M ≥ N` and a
    /// numerically full-rank `W^{1/2}Ψ_X`.
    pub fn new(psi_x: MatRef<'_, f64>, psi_y: MatRef<'_, f64>) -> Result<Self, FitError> {
        let (m, n) = psi_x.shape();
        if m < n {
            return Err(FitError::Data(format!(
                "the pseudospectrum needs at least as many held-out pairs as dictionary functions: {m} pairs for {n} functions; use more data or a smaller dictionary"
            )));
        }
        let qr = psi_x.qr();
        let r = qr.thin_R().to_owned();
        let rmax = (0..n).map(|i| r[(i, i)].abs()).fold(0.0, f64::max);
        if (0..n).any(|i| r[(i, i)].abs() <= REL_RANK_TOL * rmax) || rmax == 0.0 {
            return Err(FitError::Data(
                "the dictionary is linearly dependent on the held-out pairs; use a smaller dictionary or more data".into(),
            ));
        }
        let q = qr.compute_thin_Q();
        // C = Ψ_Y R⁻¹  ⇔  Rᵀ Cᵀ = Ψ_Yᵀ.
        let mut ct = psi_y.transpose().to_owned();
        r.transpose().solve_lower_triangular_in_place(&mut ct);
        let c = ct.transpose().to_owned();
        let a_hat = q.transpose() * &c;
        let e = &c - &q * &a_hat;
        let d = e.qr().thin_R().to_owned();
        Ok(Self::from_parts(a_hat, d))
    }

    /// The form with given `Â` and `D` (`D` upper triangular or not; only `DᵀD` and
    /// `D·v` are used).
    pub fn from_parts(a_hat: Mat<f64>, d: Mat<f64>) -> Self {
        let g = a_hat.transpose() * &a_hat + d.transpose() * &d;
        let n = g.nrows();
        let gram = Mat::from_fn(n, n, |i, j| 0.5 * (g[(i, j)] + g[(j, i)]));
        Self {
            a_hat_t: a_hat.transpose().to_owned(),
            a_hat,
            d,
            gram,
        }
    }

    /// The dictionary size `N`.
    pub fn len(&self) -> usize {
        self.a_hat.nrows()
    }

    /// True for an empty dictionary.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `τ_N(z) = σ_min([Â − zI; D])` by the fast path (see the module docs), without a
    /// warm start; single-threaded.
    pub fn tau(&self, z: c64) -> f64 {
        let mut ws = TauWorkspace::new(self.len());
        self.tau_with(z, &mut ws)
    }

    /// `τ_N(z)` by the fast path, warm-started from (and updating) `ws`'s vector; falls
    /// back to [`QuadratureForm::tau_svd`] if `H(z)` cannot be factorised.
    pub fn tau_with(&self, z: c64, ws: &mut TauWorkspace) -> f64 {
        match self.tau_fast(z, ws) {
            Some(t) => t,
            None => {
                ws.reset();
                self.tau_svd(z)
            }
        }
    }

    /// `‖[Â − zI; D] y‖ / ‖y‖`, evaluated in the QR form (no Gram matrix), so it is
    /// accurate to rounding relative to `‖[Â; D]‖` even where `τ` is tiny.
    pub fn residual_of(&self, z: c64, y: &[c64]) -> f64 {
        let n = self.len();
        let mut top = vec![c64::new(0.0, 0.0); n];
        let mut bottom = vec![c64::new(0.0, 0.0); n];
        for (j, yj) in y.iter().enumerate() {
            let (a, d) = (self.a_hat.col(j), self.d.col(j));
            for i in 0..n {
                top[i] += *yj * a[i];
                bottom[i] += *yj * d[i];
            }
            top[j] -= z * *yj;
        }
        let num: f64 = top.iter().chain(&bottom).map(|v| v.norm_sqr()).sum();
        let den: f64 = y.iter().map(|v| v.norm_sqr()).sum();
        (num / den).sqrt()
    }

    /// `τ_N(z) = σ_min([Â − zI; D])` by a dense SVD of the `2N × N` matrix: the
    /// reference the fast path is tested against, and its fallback.
    pub fn tau_svd(&self, z: c64) -> f64 {
        let n = self.len();
        let a = Mat::from_fn(2 * n, n, |i, j| {
            if i < n {
                let v = c64::new(self.a_hat[(i, j)], 0.0);
                if i == j { v - z } else { v }
            } else {
                c64::new(self.d[(i - n, j)], 0.0)
            }
        });
        let mut s = faer::diag::Diag::<c64>::zeros(n);
        let scratch = svd_scratch::<c64>(
            2 * n,
            n,
            ComputeSvdVectors::No,
            ComputeSvdVectors::No,
            Par::Seq,
            Default::default(),
        );
        let mut buf = MemBuffer::new(scratch);
        let ok = svd(
            a.as_ref(),
            s.as_mut(),
            None,
            None,
            Par::Seq,
            MemStack::new(&mut buf),
            Default::default(),
        );
        if ok.is_err() {
            return f64::NAN;
        }
        s.column_vector()
            .iter()
            .map(|v| v.re)
            .fold(f64::INFINITY, f64::min)
            .max(0.0)
    }
}
