//! The ResDMD pseudospectrum `τ_N(z)` on a grid of the complex plane.
//!
//! Takes weighted dictionary matrices of a quadrature set (`W^{1/2}Ψ_X`, `W^{1/2}Ψ_Y`,
//! `M × N`) and a grid; produces `log10 τ_N(z)` at every grid point.
//!
//! # Method
//! `τ_N(z) = min_c res(z, ψc)` (Colbrook & Townsend, CPAM 77 (2024), Algorithm 2, "R2"
//! in spec §1.9). QR form (spec §1.9 (b), Colbrook's `KoopPseudoSpecQR.m`): thin QR
//! `W^{1/2}Ψ_X = QR`, `C = W^{1/2}Ψ_Y R^{-1}`, so `τ_N(z) = σ_min(C − zQ)`. Reduced once
//! more so that `M` drops out (spec §1.9 (c)): `Â = Q*C`, and `C − QÂ = Q_⊥D` with `D`
//! the `R` factor of a second thin QR; then `τ_N(z) = σ_min([Â − zI; D])`.
//!
//! Per grid point, instead of a dense SVD of that `2N × N` matrix (`≈ 7N³` complex
//! operations; 36 ms at `N = 300`), the fast path uses `τ² = λ_min(H(z))` with
//! `H(z) = [Â − zI; D]*[Â − zI; D] = Lₛ − zÂᵀ − z̄Â + |z|²I`, `Lₛ = ÂᵀÂ + DᵀD` formed
//! once, so `H(z)` costs `O(N²)`:
//! 1. Cholesky factor `H(z) + δI = LLᴴ` with `δ = 10⁻¹³ max_i H_ii` (so that a singular
//!    `H` at an exact eigenvalue still factorises; `N³/3` operations, ≈ 1 ms at 300);
//! 2. Lanczos on `H(z)⁻¹` (two triangular solves per step, full reorthogonalisation;
//!    "inverse Lanczos", as in Trefethen's pseudospectra algorithms — L. N. Trefethen,
//!    "Computation of pseudospectra", Acta Numerica 8 (1999), §5), started from the
//!    minimising vector of the previous grid point in the row plus a pseudo-random part,
//!    until its Ritz value changes by less than `10⁻⁷` relative in one step;
//! 3. `τ = ‖[Â − zI; D]y‖/‖y‖` for the Ritz vector `y` (polished by up to two steps
//!    of inverse iteration while that lowers the value), evaluated in the QR form. The
//!    Gram form `H` only steers the search for `y`; the value itself never goes through
//!    `H`, so it keeps the QR form's accuracy where `τ` is tiny (an eigenvector error
//!    `η` changes `τ²` by `O(η²)`, and `‖Ky‖ ≥ τ` always).
//!
//! If `H(z)` will not factorise even with a larger shift, the point falls back to the
//! dense SVD. Grid points run in parallel (rayon) in runs of 16 along a row, with faer
//! single-threaded inside; for real data `τ(z̄) = τ(z)`, so only `|Im z|` is computed and
//! shared by mirrored rows. Rows are handed to a callback as soon as they are complete
//! ([`pseudospectrum_rows`]; [`pseudospectrum_published`] publishes them to the job).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use faer::diag::{DiagMut, DiagRef};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{
    LltRegularization, cholesky_in_place, cholesky_in_place_scratch,
};
use faer::linalg::evd::{
    ComputeEigenvectors, self_adjoint_evd_scratch, tridiagonal_self_adjoint_evd,
};
use faer::linalg::svd::{ComputeSvdVectors, svd, svd_scratch};
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_upper_triangular_in_place,
};
use faer::{Mat, MatRef, Par, c64};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::jobs::{Cancelled, JobContext};
use crate::models::FitError;

/// Diagonal entries of `R` below this fraction of the largest mean the quadrature
/// dictionary matrix is numerically rank-deficient.
const REL_RANK_TOL: f64 = 1e-12;

/// Default grid resolution per axis.
pub const DEFAULT_GRID_POINTS: usize = 50;

/// A rectangular grid `re_min..=re_max × im_min..=im_max`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PseudospectrumGrid {
    /// Real-axis range.
    pub re: (f64, f64),
    /// Imaginary-axis range.
    pub im: (f64, f64),
    /// Points along the real axis.
    pub nx: usize,
    /// Points along the imaginary axis.
    pub ny: usize,
}

impl Default for PseudospectrumGrid {
    fn default() -> Self {
        Self {
            re: (-1.5, 1.5),
            im: (-1.5, 1.5),
            nx: DEFAULT_GRID_POINTS,
            ny: DEFAULT_GRID_POINTS,
        }
    }
}

impl PseudospectrumGrid {
    /// A square grid of `n × n` points over `[-r, r]²`.
    pub fn square(radius: f64, n: usize) -> Self {
        Self {
            re: (-radius, radius),
            im: (-radius, radius),
            nx: n,
            ny: n,
        }
    }

    fn axis(range: (f64, f64), n: usize, i: usize) -> f64 {
        if n <= 1 {
            range.0
        } else {
            range.0 + (range.1 - range.0) * i as f64 / (n - 1) as f64
        }
    }

    /// The real part of column `i`.
    pub fn x(&self, i: usize) -> f64 {
        Self::axis(self.re, self.nx, i)
    }

    /// The imaginary part of row `j`.
    pub fn y(&self, j: usize) -> f64 {
        Self::axis(self.im, self.ny, j)
    }
}

/// Whether the data are real (so `τ` is symmetric about the real axis).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Symmetry {
    /// Real data: compute `Im z ≥ 0` and mirror.
    #[default]
    RealData,
    /// No symmetry: compute every point.
    None,
}

/// `log10 τ_N(z)` on a grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pseudospectrum {
    /// The grid.
    pub grid: PseudospectrumGrid,
    /// `log10 τ_N(z)`, row-major `ny × nx`, row `j` at `Im z = grid.y(j)`.
    pub log10_tau: Vec<f64>,
}

impl Pseudospectrum {
    /// CSV text with header `re,im,log10_tau`, one line per grid point.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("re,im,log10_tau\n");
        for j in 0..self.grid.ny {
            for i in 0..self.grid.nx {
                out.push_str(&format!(
                    "{},{},{}\n",
                    self.grid.x(i),
                    self.grid.y(j),
                    self.log10_tau[j * self.grid.nx + i]
                ));
            }
        }
        out
    }
}

/// The `M`-independent form `(Â, D)` of a quadrature set, from which `τ_N(z)` is a
/// `2N × N` smallest-singular-value problem, plus `Lₛ = ÂᵀÂ + DᵀD` for the fast path.
#[derive(Clone, Debug, PartialEq)]
pub struct QuadratureForm {
    a_hat: Mat<f64>,
    /// `Âᵀ`, stored so that building `H(z)` reads both `Â` and `Âᵀ` by columns.
    a_hat_t: Mat<f64>,
    d: Mat<f64>,
    /// `ÂᵀÂ + DᵀD = CᵀC`, symmetrised.
    gram: Mat<f64>,
}

/// Lanczos steps per grid point at most.
const MAX_LANCZOS: usize = 60;
/// Lanczos stops once its Ritz value `θ ≈ 1/τ²` changes by less than this fraction in
/// one step (the returned `τ` is evaluated afresh from the Ritz vector, and is an upper
/// bound whose error is quadratic in the vector's; see the module docs).
const RITZ_TOL: f64 = 1e-7;
/// Inverse-iteration steps after Lanczos, at most.
const POLISH_STEPS: usize = 2;
/// Weight of the pseudo-random part of a warm start vector (relative to the warm part).
const WARM_MIX: f64 = 0.3;
/// Dictionaries up to this size use the dense SVD at every point (as fast there).
const DENSE_UP_TO: usize = 40;
/// Grid points per warm-started run along a row (fixed, so results do not depend on
/// the number of threads).
const SEGMENT: usize = 16;
/// The diagonal shift of `H(z)` before its Cholesky factorisation, relative to the
/// largest diagonal entry; raised by `SHIFT_GROWTH` after a failed factorisation.
const SHIFT: f64 = 1e-13;
const SHIFT_GROWTH: f64 = 1e3;
const SHIFT_TRIES: usize = 3;

/// Per-thread storage for the fast path: `H(z)` and its Cholesky factor, the Lanczos
/// basis, and solver scratch.
pub struct TauWorkspace {
    h: Mat<c64>,
    basis: Mat<c64>,
    w: Mat<c64>,
    chol: MemBuffer,
    evd: MemBuffer,
    /// The previous point's minimising vector (the next point's start vector).
    warm: Vec<c64>,
    /// Random numbers for start vectors (fixed seed: results are reproducible).
    rng: SplitMix,
}

/// A small deterministic generator for start vectors (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }

    fn next_c64(&mut self) -> c64 {
        c64::new(self.next_f64(), self.next_f64())
    }
}

impl TauWorkspace {
    /// Storage for a dictionary of size `n`.
    pub fn new(n: usize) -> Self {
        let k = MAX_LANCZOS.min(n.max(1));
        Self {
            h: Mat::zeros(n, n),
            basis: Mat::zeros(n, k + 1),
            w: Mat::zeros(n, 1),
            chol: MemBuffer::new(cholesky_in_place_scratch::<c64>(
                n,
                Par::Seq,
                Default::default(),
            )),
            evd: MemBuffer::new(self_adjoint_evd_scratch::<f64>(
                k,
                ComputeEigenvectors::Yes,
                Par::Seq,
                Default::default(),
            )),
            warm: Vec::new(),
            rng: SplitMix(0x5EED),
        }
    }

    /// Forgets the warm start (the next point starts from a fixed vector).
    pub fn reset(&mut self) {
        self.warm.clear();
        self.rng = SplitMix(0x5EED);
    }
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

    /// Writes the lower triangle of `H(z)` into `h`, `H(z) = Lₛ − zÂᵀ − z̄Â +
    /// |z|²I = [Â − zI; D]*[Â − zI; D]`; returns the largest diagonal entry of `H(z)`.
    fn fill_h(&self, z: c64, h: &mut Mat<c64>) -> f64 {
        let n = self.len();
        let zc = z.conj();
        let z2 = z.norm_sqr();
        let mut scale = 0.0f64;
        for j in 0..n {
            let (g, a, at) = (self.gram.col(j), self.a_hat.col(j), self.a_hat_t.col(j));
            let mut hc = h.col_mut(j);
            for i in j..n {
                // H_ij = L_ij − z Â_ji − z̄ Â_ij (+ |z|² on the diagonal).
                hc[i] = c64::new(g[i], 0.0) - z * at[i] - zc * a[i];
            }
            let diag = hc[j].re + z2;
            scale = scale.max(diag);
            hc[j] = c64::new(diag, 0.0);
        }
        scale
    }

    /// The fast path: Cholesky of the (slightly shifted) `H(z)`, Lanczos on `H(z)⁻¹` for
    /// its largest eigenvalue, and the minimising vector's residual in the QR form.
    /// `None` if `H(z)` could not be factorised.
    fn tau_fast(&self, z: c64, ws: &mut TauWorkspace) -> Option<f64> {
        let n = self.len();
        if n <= DENSE_UP_TO {
            return Some(self.tau_svd(z));
        }
        let mut factored = false;
        for attempt in 0..SHIFT_TRIES {
            let scale = self.fill_h(z, &mut ws.h);
            let shift = SHIFT * SHIFT_GROWTH.powi(attempt as i32) * scale.max(f64::MIN_POSITIVE);
            for i in 0..n {
                ws.h[(i, i)].re += shift;
            }
            let ok = cholesky_in_place(
                ws.h.as_mut(),
                LltRegularization::default(),
                Par::Seq,
                MemStack::new(&mut ws.chol),
                Default::default(),
            );
            if ok.is_ok() {
                factored = true;
                break;
            }
        }
        if !factored {
            return None;
        }
        let kmax = ws.basis.ncols() - 1;
        // Start vector: the warm start plus a pseudo-random part (so that no symmetry of
        // the problem can hide the minimiser from the Krylov space), or pseudo-random.
        let warm = ws.warm.len() == n;
        let wn = if warm {
            ws.warm.iter().map(|v| v.norm_sqr()).sum::<f64>().sqrt()
        } else {
            0.0
        };
        for i in 0..n {
            let r = ws.rng.next_c64();
            ws.basis[(i, 0)] = if warm && wn > 0.0 {
                ws.warm[i] / wn + r * (WARM_MIX / (n as f64).sqrt())
            } else {
                r
            };
        }
        let nrm = ws.basis.col(0).norm_l2();
        if !(nrm > 0.0 && nrm.is_finite()) {
            return None;
        }
        for i in 0..n {
            ws.basis[(i, 0)] /= nrm;
        }
        let mut alpha = Vec::with_capacity(kmax);
        let mut beta: Vec<f64> = Vec::with_capacity(kmax);
        let mut theta_prev = 0.0;
        let mut k = 0;
        while k < kmax {
            // w = H⁻¹ v_k through the Cholesky factor L Lᴴ.
            ws.w.col_mut(0).copy_from(ws.basis.col(k));
            let l = ws.h.as_ref();
            solve_lower_triangular_in_place(l, ws.w.as_mut(), Par::Seq);
            solve_upper_triangular_in_place(l.adjoint(), ws.w.as_mut(), Par::Seq);
            let (v, w) = (ws.basis.as_ref(), ws.w.col_mut(0));
            let w = w.try_as_col_major_mut()?.as_slice_mut();
            let col = |i: usize| v.col(i).try_as_col_major().map(|c| c.as_slice());
            alpha.push(dot(col(k)?, w).re);
            // Full reorthogonalisation, two passes (one lets orthogonality decay
            // geometrically once a Ritz value converges; it also does the three-term
            // recurrence).
            for _ in 0..2 {
                for i in 0..=k {
                    let vi = col(i)?;
                    let c = dot(vi, w);
                    w.iter_mut().zip(vi).for_each(|(wr, vr)| *wr -= c * *vr);
                }
            }
            let b = w.iter().map(|x| x.norm_sqr()).sum::<f64>().sqrt();
            k += 1;
            let theta = largest_tridiagonal_eigenvalue(&alpha, &beta, &mut ws.evd)?;
            let stalled = (theta - theta_prev).abs() <= RITZ_TOL * theta;
            theta_prev = theta;
            // Also stops on NaN.
            if stalled
                || k == n.min(kmax)
                || b.partial_cmp(&(1e-14 * theta)) != Some(std::cmp::Ordering::Greater)
            {
                break;
            }
            beta.push(b);
            for r in 0..n {
                ws.basis[(r, k)] = ws.w[(r, 0)] / b;
            }
        }
        // Ritz vector y = V_k s: the next point's start vector, and τ = ‖Ky‖/‖y‖.
        let s = largest_tridiagonal_eigenvector(&alpha, &beta, &mut ws.evd)?;
        ws.warm.clear();
        ws.warm.resize(n, c64::new(0.0, 0.0));
        for (j, sj) in s.iter().enumerate() {
            let v = ws.basis.col(j);
            for i in 0..n {
                ws.warm[i] += v[i] * *sj;
            }
        }
        let mut t = self.residual_of(z, &ws.warm);
        // Inverse-iteration polish: each step shrinks the vector's error by λ₁/λᵢ of H,
        // which matters where τ is tiny and the Ritz value (≈ 1/δ) converged long
        // before the vector did. Every candidate's value is an upper bound: keep the least.
        for _ in 0..POLISH_STEPS {
            for i in 0..n {
                ws.w[(i, 0)] = ws.warm[i];
            }
            let l = ws.h.as_ref();
            solve_lower_triangular_in_place(l, ws.w.as_mut(), Par::Seq);
            solve_upper_triangular_in_place(l.adjoint(), ws.w.as_mut(), Par::Seq);
            let y: Vec<c64> = (0..n).map(|i| ws.w[(i, 0)]).collect();
            let ty = self.residual_of(z, &y);
            // Also stops on NaN.
            if ty.partial_cmp(&t) != Some(std::cmp::Ordering::Less) {
                break;
            }
            let improved = ty < t * (1.0 - 1e-6);
            t = ty;
            ws.warm = y;
            if !improved {
                break;
            }
        }
        t.is_finite().then_some(t)
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

/// `Σ conj(a_i) b_i`.
fn dot(a: &[c64], b: &[c64]) -> c64 {
    a.iter()
        .zip(b)
        .fold(c64::new(0.0, 0.0), |acc, (x, y)| acc + x.conj() * *y)
}

/// The symmetric tridiagonal matrix with diagonal `alpha` and off-diagonal `beta` (one
/// shorter): its eigenvalues (nondecreasing) and, if asked, eigenvectors.
fn tridiagonal_evd(
    alpha: &[f64],
    beta: &[f64],
    vectors: bool,
    scratch: &mut MemBuffer,
) -> Option<(Vec<f64>, Mat<f64>)> {
    let k = alpha.len();
    let mut sub = beta.to_vec();
    sub.resize(k, 0.0);
    let mut s = vec![0.0; k];
    let mut u = Mat::<f64>::zeros(if vectors { k } else { 0 }, if vectors { k } else { 0 });
    tridiagonal_self_adjoint_evd(
        DiagRef::from_slice(alpha),
        DiagRef::from_slice(&sub),
        DiagMut::from_slice_mut(&mut s),
        vectors.then(|| u.as_mut()),
        Par::Seq,
        MemStack::new(scratch),
        Default::default(),
    )
    .ok()?;
    Some((s, u))
}

/// The largest eigenvalue of the Lanczos tridiagonal matrix.
fn largest_tridiagonal_eigenvalue(
    alpha: &[f64],
    beta: &[f64],
    scratch: &mut MemBuffer,
) -> Option<f64> {
    if alpha.len() == 1 {
        return Some(alpha[0]);
    }
    let (s, _) = tridiagonal_evd(alpha, beta, false, scratch)?;
    s.last().copied()
}

/// The unit eigenvector of the largest eigenvalue of the Lanczos tridiagonal matrix.
fn largest_tridiagonal_eigenvector(
    alpha: &[f64],
    beta: &[f64],
    scratch: &mut MemBuffer,
) -> Option<Vec<f64>> {
    let k = alpha.len();
    if k == 1 {
        return Some(vec![1.0]);
    }
    let (_, u) = tridiagonal_evd(alpha, beta, true, scratch)?;
    Some((0..k).map(|i| u[(i, k - 1)]).collect())
}

/// `log10 τ_N(z)` on `grid`, parallel over grid points, reporting progress on `job` and
/// stopping promptly with [`Cancelled`] when asked.
pub fn pseudospectrum(
    form: &QuadratureForm,
    grid: &PseudospectrumGrid,
    symmetry: Symmetry,
    job: &JobContext,
) -> Result<Pseudospectrum, Cancelled> {
    pseudospectrum_rows(form, grid, symmetry, job, &|_, _| {})
}

/// Like [`pseudospectrum`], and meanwhile publishes the rows computed so far through
/// [`JobContext::publish`] as a [`Pseudospectrum`] whose missing points are `NaN`, so a
/// window can draw the grid as it fills.
pub fn pseudospectrum_published(
    form: &QuadratureForm,
    grid: &PseudospectrumGrid,
    symmetry: Symmetry,
    job: &JobContext,
) -> Result<Pseudospectrum, Cancelled> {
    let partial = Mutex::new(Pseudospectrum {
        grid: *grid,
        log10_tau: vec![f64::NAN; grid.nx * grid.ny],
    });
    pseudospectrum_rows(form, grid, symmetry, job, &|j, row| {
        if let Ok(mut p) = partial.lock() {
            p.log10_tau[j * grid.nx..(j + 1) * grid.nx].copy_from_slice(row);
            job.publish(Arc::new(p.clone()));
        }
    })
}

/// `log10 τ_N(z)` on `grid`; `on_row(j, values)` is called (from worker threads, in no
/// particular order) for every grid row `j` as soon as all its points are known.
///
/// Work is split into runs of [`SEGMENT`] points along a row; a run is computed by one
/// thread, each point warm-started from its left neighbour, and runs go in parallel.
pub fn pseudospectrum_rows(
    form: &QuadratureForm,
    grid: &PseudospectrumGrid,
    symmetry: Symmetry,
    job: &JobContext,
    on_row: &(dyn Fn(usize, &[f64]) + Sync),
) -> Result<Pseudospectrum, Cancelled> {
    // Rows to compute: for real data, rows with equal |Im z| share one computation.
    let key = |j: usize| match symmetry {
        Symmetry::RealData => grid.y(j).abs(),
        Symmetry::None => grid.y(j),
    };
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
    let mut unique: Vec<f64> = (0..grid.ny).map(key).collect();
    unique.sort_by(f64::total_cmp);
    unique.dedup_by(|a, b| same(*a, *b));
    // Grid rows served by each unique row.
    let served: Vec<Vec<usize>> = unique
        .iter()
        .map(|u| (0..grid.ny).filter(|&j| same(key(j), *u)).collect())
        .collect();
    let nx = grid.nx;
    let total = unique.len() * nx;
    let values: Vec<AtomicU64> = (0..total)
        .map(|_| AtomicU64::new(f64::NAN.to_bits()))
        .collect();
    let remaining: Vec<AtomicUsize> = (0..unique.len()).map(|_| AtomicUsize::new(nx)).collect();
    let segments: Vec<(usize, usize)> = (0..unique.len())
        .flat_map(|row| (0..nx.div_ceil(SEGMENT)).map(move |s| (row, s * SEGMENT)))
        .collect();
    let done = AtomicUsize::new(0);
    let step = (total / 100).max(1);
    segments.par_iter().try_for_each(|&(row, start)| {
        let end = (start + SEGMENT).min(nx);
        let mut ws = TauWorkspace::new(form.len());
        for col in start..end {
            job.check()?;
            let tau = form.tau_with(c64::new(grid.x(col), unique[row]), &mut ws);
            values[row * nx + col].store(tau.log10().to_bits(), Ordering::Relaxed);
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            if k.is_multiple_of(step) {
                job.report(k as f32 / total as f32, "pseudospectrum");
            }
        }
        if remaining[row].fetch_sub(end - start, Ordering::AcqRel) == end - start {
            let vals: Vec<f64> = (0..nx)
                .map(|c| f64::from_bits(values[row * nx + c].load(Ordering::Acquire)))
                .collect();
            for &j in &served[row] {
                on_row(j, &vals);
            }
        }
        Ok::<(), Cancelled>(())
    })?;
    job.check()?;
    let mut log10_tau = vec![f64::NAN; grid.nx * grid.ny];
    for (row, rows) in served.iter().enumerate() {
        for &j in rows {
            for c in 0..nx {
                log10_tau[j * nx + c] =
                    f64::from_bits(values[row * nx + c].load(Ordering::Relaxed));
            }
        }
    }
    Ok(Pseudospectrum {
        grid: *grid,
        log10_tau,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{Job, JobState};
    use rand::{Rng, SeedableRng};

    /// A random real orthogonal `n × n` matrix (Q of a Gaussian-ish matrix).
    fn orthogonal(n: usize, seed: u64) -> Mat<f64> {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let a = Mat::<f64>::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
        a.qr().compute_thin_Q()
    }

    /// A quadrature form whose `D ≠ 0` (no invariant subspace), `N = n`, `M = 4n`.
    fn generic_form(n: usize, seed: u64) -> QuadratureForm {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let m = 4 * n;
        let px = Mat::<f64>::from_fn(m, n, |_, _| rng.random_range(-1.0..1.0));
        let a = Mat::<f64>::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0) / (n as f64).sqrt());
        let noise = Mat::<f64>::from_fn(m, n, |_, _| 0.05 * rng.random_range(-1.0..1.0));
        let py = &px * &a + noise;
        QuadratureForm::new(px.as_ref(), py.as_ref()).expect("full rank")
    }

    #[test]
    fn normal_operator_gives_the_distance_to_its_eigenvalues() {
        // Â orthogonal (a unitary Koopman matrix in an orthonormal dictionary, so
        // G = L = I) and D = 0: Â − zI is normal, so σ_min(Â − zI) = min_j |λ_j − z|
        // exactly, and |λ_j| = 1 gives the spec's bound τ(z) ≥ |1 − |z|| (§4.1.6).
        let n = 64;
        let q = orthogonal(n, 3);
        let lambdas = q.eigenvalues().expect("converges");
        let form = QuadratureForm::from_parts(q, Mat::zeros(n, n));
        let mut ws = TauWorkspace::new(n);
        for (k, z) in [
            c64::new(0.0, 0.0),
            c64::new(0.3, 0.2),
            c64::new(-0.9, 0.5),
            c64::new(1.4, -0.1),
            c64::new(0.2, 1.05),
        ]
        .into_iter()
        .enumerate()
        {
            let dist = lambdas
                .iter()
                .map(|l| (*l - z).norm())
                .fold(f64::INFINITY, f64::min);
            let t = form.tau_with(z, &mut ws);
            // The fast path's value is ‖Ky‖ for its Ritz vector y: an upper bound, with an
            // error quadratic in the vector error.
            assert!(
                (t - dist).abs() <= 1e-6 * dist + 1e-13,
                "point {k}: τ = {t}, distance {dist}"
            );
            assert!(t >= (1.0 - z.norm()).abs() - 1e-12);
            assert!((form.tau_svd(z) - dist).abs() <= 1e-12);
        }
        // At an eigenvalue itself τ vanishes to rounding (the shifted Cholesky still
        // factorises, and the value comes from the QR form, not from H).
        let t = form.tau(lambdas[5]);
        assert!(t < 1e-12, "τ(λ) = {t}");
    }

    #[test]
    fn fast_path_matches_the_dense_svd() {
        let form = generic_form(90, 5);
        let mut ws = TauWorkspace::new(form.len());
        let mut worst = 0.0f64;
        // A row walked left to right, as the grid does (warm starts), then cold points.
        for k in 0..30 {
            let z = c64::new(-1.2 + 2.4 * k as f64 / 29.0, 0.35);
            let (fast, svd) = (form.tau_with(z, &mut ws), form.tau_svd(z));
            assert!(
                fast >= svd * (1.0 - 1e-12),
                "an upper bound: {fast} < {svd}"
            );
            worst = worst.max((fast - svd) / svd);
        }
        for z in [
            c64::new(0.05, 0.0),
            c64::new(-0.4, -0.7),
            c64::new(2.0, 2.0),
        ] {
            let (fast, svd) = (form.tau(z), form.tau_svd(z));
            worst = worst.max((fast - svd).abs() / svd);
        }
        // Lanczos stops when its Ritz value moves by < 1e-7 relative; the value is then
        // re-evaluated in the QR form, so agreement is ~1e-7 or better.
        assert!(worst < 1e-6, "worst relative difference {worst}");
    }

    #[test]
    fn rows_arrive_once_each_mirrored_and_equal_to_the_result() {
        let form = generic_form(50, 7);
        let grid = PseudospectrumGrid {
            re: (-1.0, 1.0),
            im: (-0.9, 0.9),
            nx: 21,
            ny: 10,
        };
        let seen = Mutex::new(vec![0usize; grid.ny]);
        let rows = Mutex::new(vec![Vec::new(); grid.ny]);
        let ps = pseudospectrum_rows(
            &form,
            &grid,
            Symmetry::RealData,
            &JobContext::detached(),
            &|j, r| {
                seen.lock().expect("lock")[j] += 1;
                rows.lock().expect("lock")[j] = r.to_vec();
            },
        )
        .expect("runs");
        assert_eq!(seen.into_inner().expect("lock"), vec![1; grid.ny]);
        let rows = rows.into_inner().expect("lock");
        for j in 0..grid.ny {
            assert_eq!(rows[j], ps.log10_tau[j * grid.nx..(j + 1) * grid.nx]);
            // Real data: row j and its mirror ny − 1 − j are the same computation.
            assert_eq!(rows[j], rows[grid.ny - 1 - j]);
            assert!(rows[j].iter().all(|v| v.is_finite()));
        }
        // Fixed segments and seeds: a second run is bit for bit the same.
        let again = pseudospectrum(&form, &grid, Symmetry::RealData, &JobContext::detached())
            .expect("runs");
        assert_eq!(again, ps);
        // And it matches the dense reference point by point.
        for (j, i) in [(0, 0), (3, 10), (7, 20)] {
            let z = c64::new(grid.x(i), grid.y(j));
            let reference = form.tau_svd(z).log10();
            assert!((ps.log10_tau[j * grid.nx + i] - reference).abs() < 1e-6);
        }
    }

    #[test]
    fn published_partial_results_fill_in_and_cancel_stops_promptly() {
        let form = std::sync::Arc::new(generic_form(120, 9));
        let grid = PseudospectrumGrid::square(1.5, 200);
        let (tx, rx) = std::sync::mpsc::channel();
        let f = form.clone();
        let mut job = Job::spawn("pseudospectrum", None, move |ctx| {
            let started = std::time::Instant::now();
            let out = pseudospectrum_published(&f, &grid, Symmetry::RealData, ctx);
            let _ = tx.send((out.is_err(), started.elapsed()));
            Ok(())
        });
        // Wait for the first published rows, then cancel.
        let t0 = std::time::Instant::now();
        let partial = loop {
            if let JobState::Running(p) = job.poll()
                && let Some(ps) = p
                    .partial
                    .as_ref()
                    .and_then(|p| p.downcast_ref::<Pseudospectrum>())
            {
                break ps.clone();
            }
            assert!(t0.elapsed().as_secs() < 60, "no rows were published");
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        job.cancel();
        let filled = partial.log10_tau.iter().filter(|v| v.is_finite()).count();
        assert!(
            filled > 0 && filled % grid.nx == 0,
            "whole rows only: {filled}"
        );
        assert!(filled < grid.nx * grid.ny, "published before the end");
        let (cancelled, took) = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the worker ends");
        assert!(cancelled, "a cancelled run returns Cancelled");
        // 200 × 100 points at N = 120 take far longer than this to finish.
        assert!(took.as_secs_f64() < 20.0, "{took:?}");
    }
}
