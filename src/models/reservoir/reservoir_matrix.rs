//! The ESN's random weights: a sparse reservoir matrix `W` (each entry present with
//! probability `density`, values uniform in [−1, 1], then scaled to the requested
//! spectral radius), dense input weights `W_in` uniform in [−s_in, s_in] and a bias
//! uniform in [−s_b, s_b] (Lukoševičius 2012, §3.2), all from one seeded generator.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::spectral_radius::spectral_radius;
use crate::models::FitError;

/// A square sparse matrix in compressed-row form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SparseMatrix {
    /// Rows (= columns).
    pub size: usize,
    /// `row_start[i]..row_start[i + 1]` indexes row `i`'s entries.
    pub row_start: Vec<usize>,
    /// Column of each entry.
    pub cols: Vec<u32>,
    /// Value of each entry.
    pub values: Vec<f64>,
}

impl SparseMatrix {
    /// `out = W x`.
    pub fn mul_vec(&self, x: &[f64], out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate().take(self.size) {
            let (a, b) = (self.row_start[i], self.row_start[i + 1]);
            *o = self.cols[a..b]
                .iter()
                .zip(&self.values[a..b])
                .map(|(&j, w)| w * x[j as usize])
                .sum();
        }
    }

    /// The dense matrix (row-major).
    pub fn to_dense(&self) -> Vec<f64> {
        let n = self.size;
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for k in self.row_start[i]..self.row_start[i + 1] {
                d[i * n + self.cols[k] as usize] = self.values[k];
            }
        }
        d
    }

    /// Whether the stored parts are consistent (a hand-edited saved file may not be).
    pub fn is_consistent(&self) -> bool {
        self.row_start.len() == self.size + 1
            && self.row_start.windows(2).all(|w| w[0] <= w[1])
            && self.row_start.last() == Some(&self.values.len())
            && self.cols.len() == self.values.len()
            && self.cols.iter().all(|&j| (j as usize) < self.size)
    }
}

/// The random weights of an echo-state network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReservoirWeights {
    /// Reservoir matrix `W`, scaled to the requested spectral radius.
    pub w: SparseMatrix,
    /// Input weights `W_in`, row-major `size × inputs`.
    pub w_in: Vec<f64>,
    /// Bias `b`.
    pub bias: Vec<f64>,
    /// Spectral radius of `W` before scaling.
    pub raw_radius: f64,
}

/// Draws the reservoir for `inputs` variables and scales `W` to `radius`.
pub fn draw_reservoir(
    size: usize,
    inputs: usize,
    density: f64,
    radius: f64,
    input_scaling: f64,
    bias_scaling: f64,
    seed: u64,
) -> Result<ReservoirWeights, FitError> {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let mut row_start = Vec::with_capacity(size + 1);
    let (mut cols, mut values) = (Vec::new(), Vec::new());
    row_start.push(0);
    for _ in 0..size {
        for j in 0..size {
            if rng.random::<f64>() < density {
                cols.push(j as u32);
                values.push(rng.random_range(-1.0..=1.0));
            }
        }
        row_start.push(cols.len());
    }
    let mut w = SparseMatrix {
        size,
        row_start,
        cols,
        values,
    };
    let raw_radius = spectral_radius(&w)?;
    if radius > 0.0 {
        if raw_radius.is_nan() || raw_radius <= 1e-12 {
            return Err(FitError::Options(format!(
                "the random reservoir (size {size}, density {density}) has spectral radius 0 (too few connections to form a cycle); raise --density or --reservoir, or change --seed"
            )));
        }
        let scale = radius / raw_radius;
        w.values.iter_mut().for_each(|v| *v *= scale);
    } else {
        w.values.iter_mut().for_each(|v| *v = 0.0);
    }
    let w_in = (0..size * inputs)
        .map(|_| input_scaling * rng.random_range(-1.0..=1.0))
        .collect();
    let bias = (0..size)
        .map(|_| bias_scaling * rng.random_range(-1.0..=1.0))
        .collect();
    Ok(ReservoirWeights {
        w,
        w_in,
        bias,
        raw_radius,
    })
}
