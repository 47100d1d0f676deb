//! The fast path for `τ_N(z)` at one grid point (see the module docs of
//! [`super`]): `τ² = λ_min(H(z))`, `H(z) = [Â − zI; D]*[Â − zI; D]`, by a Cholesky
//! factor of the slightly shifted `H(z)` and Lanczos on `H(z)⁻¹` ("inverse Lanczos";
//! L. N. Trefethen, "Computation of pseudospectra", Acta Numerica 8 (1999), §5),
//! warm-started along a grid row, with the value itself taken in the QR form.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{
    LltRegularization, cholesky_in_place, cholesky_in_place_scratch,
};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd_scratch};
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_upper_triangular_in_place,
};
use faer::{Mat, Par, c64};

use super::quadrature::QuadratureForm;
use super::tridiagonal::{largest_tridiagonal_eigenvalue, largest_tridiagonal_eigenvector};

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
    pub(super) fn tau_fast(&self, z: c64, ws: &mut TauWorkspace) -> Option<f64> {
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
}

/// `Σ conj(a_i) b_i`.
fn dot(a: &[c64], b: &[c64]) -> c64 {
    a.iter()
        .zip(b)
        .fold(c64::new(0.0, 0.0), |acc, (x, y)| acc + x.conj() * *y)
}
