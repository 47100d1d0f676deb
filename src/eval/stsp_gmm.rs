//! `D_stsp` for high-dimensional series: a Monte-Carlo estimate of `KL(p_true ‖ p_gen)`
//! between Gaussian mixtures centred on the (standardised) states of each series, where
//! 30^N histogram cells would leave almost every cell empty.
//!
//! # Method (`specs/plrnn.md` §3.3; GTF's `stsp_measure.jl`; Hershey & Olsen 2007)
//! Both series are standardised with the true series' column means and (population)
//! standard deviations, and only their first `T' = min(T, 10 000)` rows are used. With
//! `σ² = 1`, draw `n_mc = 1000` indices `t_i` uniformly from the true rows and samples
//! `s_i = X[t_i] + σ ε_i`, `ε_i ~ N(0, I)`. With
//! `p(s) = (1/T') Σ_t exp(−‖s − X_t‖²/(2σ²)) / σ^N` and `q` the same over the
//! generated rows, `D_stsp = mean_i [ln p(s_i) − ln q(s_i)]`, dropping samples where
//! `p` or `q` underflows to 0 (the `(2π)^{N/2}` factor cancels). `NaN` when every
//! sample is dropped.
//!
//! # References
//! - F. Hess et al., "Generalized Teacher Forcing for Learning Chaotic Dynamics",
//!   ICML 2023 (the metric for N ≥ 6).
//! - J. R. Hershey, P. A. Olsen, "Approximating the Kullback Leibler divergence between
//!   Gaussian mixture models", ICASSP 2007.

use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use super::stsp::{MetricError, check_series};

/// Dimension from which [`super::compare`] uses this estimate instead of binning (the
/// GTF code's `decide_on_measure`).
pub const GMM_FROM_DIM: usize = 6;
/// Monte-Carlo samples `n_mc`.
pub const MC_SAMPLES: usize = 1000;
/// Rows used from each series, `T'`.
pub const MAX_ROWS: usize = 10_000;
/// Seed of the Monte-Carlo draws (the estimate is reproducible).
pub const MC_SEED: u64 = 20_230_723;

/// `D_stsp` by the Gaussian-mixture estimate with the module's defaults.
pub fn state_space_divergence_gmm(
    truth: &[f64],
    generated: &[f64],
    dim: usize,
) -> Result<f64, MetricError> {
    let rows = check_series(truth, dim)?.min(MAX_ROWS);
    check_series(generated, dim)?;
    let mut rng = rand_pcg::Pcg64::seed_from_u64(MC_SEED);
    let indices: Vec<usize> = (0..MC_SAMPLES).map(|_| rng.random_range(0..rows)).collect();
    let noise: Vec<f64> = (0..MC_SAMPLES * dim)
        .map(|_| rng.sample(StandardNormal))
        .collect();
    gmm_divergence_with(truth, generated, dim, &indices, &noise)
}

/// The estimate with given draws: `indices[i]` picks the true row of sample `i`,
/// `noise[i·dim..(i+1)·dim]` is its `ε_i` (so a reference implementation can use the
/// same draws).
pub fn gmm_divergence_with(
    truth: &[f64],
    generated: &[f64],
    dim: usize,
    indices: &[usize],
    noise: &[f64],
) -> Result<f64, MetricError> {
    let rows = check_series(truth, dim)?;
    let gen_rows = check_series(generated, dim)?;
    let (mean, std) = column_moments(truth, dim);
    let standardise = |x: &[f64], n: usize| -> Vec<f64> {
        x[..n.min(MAX_ROWS) * dim]
            .chunks_exact(dim)
            .flat_map(|r| {
                (0..dim)
                    .map(|j| (r[j] - mean[j]) / std[j])
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let x = standardise(truth, rows);
    let g = standardise(generated, gen_rows);
    let density = |centres: &[f64], s: &[f64]| -> f64 {
        let n = centres.len() / dim;
        centres
            .chunks_exact(dim)
            .map(|c| {
                let d2: f64 = c.iter().zip(s).map(|(a, b)| (a - b).powi(2)).sum();
                (-0.5 * d2).exp()
            })
            .sum::<f64>()
            / n as f64
    };
    let x_rows = x.len() / dim;
    let (mut sum, mut used) = (0.0, 0usize);
    let mut s = vec![0.0; dim];
    for (i, &t) in indices.iter().enumerate() {
        let t = t.min(x_rows - 1);
        for j in 0..dim {
            s[j] = x[t * dim + j] + noise[i * dim + j];
        }
        let (p, q) = (density(&x, &s), density(&g, &s));
        if p > 0.0 && q > 0.0 {
            sum += p.ln() - q.ln();
            used += 1;
        }
    }
    Ok(if used > 0 {
        sum / used as f64
    } else {
        f64::NAN
    })
}

/// Column means and population standard deviations (1 for a constant column).
fn column_moments(x: &[f64], dim: usize) -> (Vec<f64>, Vec<f64>) {
    let rows = (x.len() / dim) as f64;
    let mut mean = vec![0.0; dim];
    for r in x.chunks_exact(dim) {
        mean.iter_mut().zip(r).for_each(|(m, v)| *m += v / rows);
    }
    let mut var = vec![0.0; dim];
    for r in x.chunks_exact(dim) {
        for j in 0..dim {
            var[j] += (r[j] - mean[j]).powi(2) / rows;
        }
    }
    let std = var
        .iter()
        .map(|v| if *v > 0.0 { v.sqrt() } else { 1.0 })
        .collect();
    (mean, std)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two unit Gaussian clouds: a series against itself scores ≈ 0, against a copy
    /// shifted by 2 standard deviations in one coordinate near the closed form
    /// KL(N(0, 2I) ‖ N(δ, 2I)) = δ²/4 = 1 of the smoothed densities (the σ = 1 kernel
    /// widens the unit clouds to variance 2).
    #[test]
    fn identical_series_score_zero_and_a_shift_scores_its_closed_form() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        let dim = 6;
        let x: Vec<f64> = (0..3000 * dim)
            .map(|_| rng.sample(StandardNormal))
            .collect();
        let d = state_space_divergence_gmm(&x, &x, dim).expect("finite");
        assert_eq!(d, 0.0);
        let shifted: Vec<f64> = x
            .chunks_exact(dim)
            .flat_map(|r| {
                let mut r = r.to_vec();
                r[0] += 2.0;
                r
            })
            .collect();
        let d = state_space_divergence_gmm(&x, &shifted, dim).expect("finite");
        // Monte-Carlo error of 1000 samples plus the mixtures' finite-sample bias.
        assert!((d - 1.0).abs() < 0.25, "{d}");
    }
}
