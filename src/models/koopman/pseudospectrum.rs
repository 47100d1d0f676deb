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
//! the `R` factor of a second thin QR; then `τ_N(z) = σ_min([Â − zI; D])`, a `2N × N`
//! smallest-singular-value problem per grid point. Grid points run in parallel (rayon)
//! with faer single-threaded inside; for real data `τ(z̄) = τ(z)`, so only `|Im z|` is
//! computed and shared by mirrored rows.

use std::sync::atomic::{AtomicUsize, Ordering};

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{ComputeSvdVectors, svd, svd_scratch};
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
/// `2N × N` smallest-singular-value problem.
#[derive(Clone, Debug, PartialEq)]
pub struct QuadratureForm {
    a_hat: Mat<f64>,
    d: Mat<f64>,
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
        Ok(Self { a_hat, d })
    }

    /// The dictionary size `N`.
    pub fn len(&self) -> usize {
        self.a_hat.nrows()
    }

    /// True for an empty dictionary.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `τ_N(z) = σ_min([Â − zI; D])`, computed single-threaded.
    pub fn tau(&self, z: c64) -> f64 {
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

/// `log10 τ_N(z)` on `grid`, parallel over grid points, reporting progress on `job` and
/// stopping promptly with [`Cancelled`] when asked.
pub fn pseudospectrum(
    form: &QuadratureForm,
    grid: &PseudospectrumGrid,
    symmetry: Symmetry,
    job: &JobContext,
) -> Result<Pseudospectrum, Cancelled> {
    // Rows to compute: for real data, rows with equal |Im z| share one computation.
    let key = |j: usize| match symmetry {
        Symmetry::RealData => grid.y(j).abs(),
        Symmetry::None => grid.y(j),
    };
    let mut unique: Vec<f64> = (0..grid.ny).map(key).collect();
    unique.sort_by(f64::total_cmp);
    unique.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * (1.0 + b.abs()));
    let total = unique.len() * grid.nx;
    let done = AtomicUsize::new(0);
    let step = (total / 100).max(1);
    let values: Vec<f64> = (0..total)
        .into_par_iter()
        .map(|p| {
            if job.check().is_err() {
                return f64::NAN;
            }
            let (row, col) = (p / grid.nx, p % grid.nx);
            let tau = form.tau(c64::new(grid.x(col), unique[row]));
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            if k.is_multiple_of(step) {
                job.report(k as f32 / total as f32, "pseudospectrum");
            }
            tau.log10()
        })
        .collect();
    job.check()?;
    let mut log10_tau = Vec::with_capacity(grid.nx * grid.ny);
    for j in 0..grid.ny {
        let k = key(j);
        let row = unique
            .iter()
            .position(|u| (u - k).abs() <= 1e-12 * (1.0 + k.abs()))
            .expect("every row's key is among the deduplicated keys");
        log10_tau.extend_from_slice(&values[row * grid.nx..(row + 1) * grid.nx]);
    }
    Ok(Pseudospectrum {
        grid: *grid,
        log10_tau,
    })
}
