//! A dictionary fitted to data ([`FittedDictionary`]): the centring and scaling
//! `u = (x − mean)/std` learned from the fit states, the family's parameters, the value
//! `ψ(x)` at one state and the weighted matrix `W^{1/2}Ψ_X` of many, the least-squares
//! matrix of EDMD (Williams, Kevrekidis & Rowley 2015; spec §1.7).

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::features::Features;
use super::spec::{Dictionary, MAX_DICTIONARY_SIZE, StateFeatures};
use crate::models::FitError;

/// A fitted Gaussian RBF dictionary's parameters ([`FittedDictionary::rbf_parameters`]):
/// `ψ(x) = [1, u, exp(−‖u − c_k‖²/(2h²))]` with `u = (x − mean)/scale`.
#[derive(Clone, Copy, Debug)]
pub struct RbfParameters<'a> {
    /// Centring of each coordinate.
    pub mean: &'a [f64],
    /// Scaling of each coordinate.
    pub scale: &'a [f64],
    /// Centres, row-major, in scaled coordinates.
    pub centres: &'a [f64],
    /// Width `h`.
    pub width: f64,
    /// Whether `1, u` come first.
    pub with_state: bool,
}

/// A dictionary with its centring, scaling and centres learned from data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedDictionary {
    pub(super) mean: Vec<f64>,
    pub(super) scale: Vec<f64>,
    pub(super) features: Features,
}

impl FittedDictionary {
    /// Learns centring, scaling and the family's parameters from `x` (row-major, `dim`
    /// columns). Delay dictionaries are refused here (the EDMD fit unwraps them).
    pub fn fit(dict: &Dictionary, x: &[f64], dim: usize) -> Result<Self, FitError> {
        let m = x.len() / dim.max(1);
        if m == 0 {
            return Err(FitError::Data(
                "no snapshot pairs to fit the dictionary on".into(),
            ));
        }
        let mut mean = vec![0.0; dim];
        for row in x.chunks_exact(dim) {
            for j in 0..dim {
                mean[j] += row[j] / m as f64;
            }
        }
        let mut scale = vec![0.0; dim];
        for row in x.chunks_exact(dim) {
            for j in 0..dim {
                scale[j] += (row[j] - mean[j]).powi(2) / m as f64;
            }
        }
        for s in &mut scale {
            *s = s.sqrt();
            // A constant column keeps unit scale; the least squares sees it as collinear
            // with the constant and reports that.
            if *s <= 0.0 || !s.is_finite() {
                *s = 1.0;
            }
        }
        let u: Vec<f64> = x
            .chunks_exact(dim)
            .flat_map(|row| {
                let (mean, scale) = (&mean, &scale);
                (0..dim).map(move |j| (row[j] - mean[j]) / scale[j])
            })
            .collect();
        let features = Features::fit(dict, &u, dim, false, (&mean, &scale))?;
        let total = features.len(dim);
        if total > MAX_DICTIONARY_SIZE {
            return Err(FitError::Options(format!(
                "the dictionary has {total} functions, more than {MAX_DICTIONARY_SIZE}; use fewer --centers, --features or a lower --degree"
            )));
        }
        Ok(Self {
            mean,
            scale,
            features,
        })
    }

    /// For a Gaussian RBF dictionary: the centring, scaling, centres (row-major, scaled
    /// coordinates), width `h` and whether `1, u` come first — what a peer
    /// implementation needs to rebuild the same `ψ` (`bench edmd`).
    pub fn rbf_parameters(&self) -> Option<RbfParameters<'_>> {
        match &self.features {
            Features::Rbf {
                centres,
                width,
                state,
            } => Some(RbfParameters {
                mean: &self.mean,
                scale: &self.scale,
                centres,
                width: *width,
                with_state: *state == StateFeatures::Include,
            }),
            _ => None,
        }
    }

    /// The state dimension it was fitted on.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// The number of functions `N`.
    pub fn len(&self) -> usize {
        self.features.len(self.dim())
    }

    /// True for an empty dictionary (never produced by [`FittedDictionary::fit`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Human-readable names of the functions (`1`, `u0`, `u0^2 u1`, `rbf3`, `tps0`,
    /// `cos2`, `kernel5`); `u_j` is the scaled state variable `j`.
    pub fn names(&self, state_names: &[String]) -> Vec<String> {
        let var = |j: usize| {
            state_names
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("u{j}"))
        };
        let mut out = Vec::with_capacity(self.len());
        self.features.names(self.dim(), &var, &mut out);
        out
    }

    /// `ψ(x)` into `out` (length [`FittedDictionary::len`]).
    pub fn eval_into(&self, x: &[f64], out: &mut [f64]) {
        let n = self.dim();
        let mut u = [0.0f64; 16];
        let mut u_heap;
        let u: &mut [f64] = if n <= 16 {
            &mut u[..n]
        } else {
            u_heap = vec![0.0; n];
            &mut u_heap
        };
        for j in 0..n {
            u[j] = (x[j] - self.mean[j]) / self.scale[j];
        }
        self.features.eval(u, out);
    }

    /// `ψ(x)` as a new vector.
    pub fn eval(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.len()];
        self.eval_into(x, &mut out);
        out
    }

    /// The `M × N` matrix with rows `sqrt(w_m) ψ(x_m)` for row-major states `xs`.
    /// Blocks of rows are evaluated in parallel into a small row-major buffer each and
    /// written column by column, so the column-major matrix is filled with contiguous
    /// writes and no per-row allocation.
    pub fn weighted_matrix(&self, xs: &[f64], weights: &[f64]) -> Mat<f64> {
        use rayon::prelude::*;
        const BLOCK: usize = 128;
        let (n, big_n) = (self.dim(), self.len());
        let m = weights.len().min(xs.len() / n.max(1));
        let mut out = Mat::<f64>::zeros(m, big_n);
        out.par_row_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, mut block)| {
                let rows = block.nrows();
                let mut buf = vec![0.0; rows * big_n];
                for r in 0..rows {
                    let i = b * BLOCK + r;
                    let row = &mut buf[r * big_n..(r + 1) * big_n];
                    self.eval_into(&xs[i * n..(i + 1) * n], row);
                    let s = weights[i].sqrt();
                    row.iter_mut().for_each(|v| *v *= s);
                }
                for j in 0..big_n {
                    for r in 0..rows {
                        block[(r, j)] = buf[r * big_n + j];
                    }
                }
            });
        out
    }
}
