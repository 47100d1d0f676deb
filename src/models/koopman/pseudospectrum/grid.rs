//! Where and how the pseudospectrum is computed and what it returns: the grid of the
//! complex plane ([`PseudospectrumGrid`]), the real-data symmetry ([`Symmetry`]) and
//! `log10 τ_N(z)` on the grid ([`Pseudospectrum`]).

use serde::{Deserialize, Serialize};

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

/// `log10 τ_N(z)` on a grid: the ResDMD pseudospectrum (Colbrook & Townsend, CPAM 77
/// (2024), Algorithm 2).
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
