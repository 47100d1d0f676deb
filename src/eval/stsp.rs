//! `D_stsp`: how differently two trajectories occupy state space — the Kullback–Leibler
//! divergence between binned occupation histograms of the true and the generated
//! orbit.
//!
//! Takes two row-major series of the same dimension (the true one defines the box);
//! produces `KL(p_true ‖ p_gen)` in nats.
//!
//! # Method (binning version, `specs/plrnn.md` §3.2)
//! Per dimension `j` the box is `[min_j − 0.1σ_j, max_j + 0.1σ_j]` of the true data
//! (`σ_j` the sample standard deviation), cut into `n_b = 30` left-closed bins, so
//! `K = n_b^N` cells. Generated points outside the box are dropped. With counts `h`
//! and `g` and Laplace smoothing `α_L = 1e-5`: `p_i = (h_i + α_L)/(Σh + α_L K)`,
//! `q_i = (g_i + α_L)/(Σg + α_L K)`, `D_stsp = Σ_i p_i ln(p_i/q_i)`. Only occupied
//! cells are stored; the empty ones are added in closed form. For `N ≥ 6` the paper
//! uses a Gaussian-mixture estimate instead ([`super::stsp_gmm`]; `compare` switches at
//! that dimension), since 30^N cells leave almost every cell empty.
//!
//! # References
//! - F. Hess et al., "Generalized Teacher Forcing for Learning Chaotic Dynamics",
//!   ICML 2023 — the metric as used in Table 1.
//! - M. Brenner et al., "Tractable Dendritic RNNs for Reconstructing Nonlinear
//!   Dynamical Systems", ICML 2022 — the binned KL divergence.

use std::collections::HashMap;

/// Bins per dimension.
pub const DEFAULT_BINS: usize = 30;
/// Laplace smoothing pseudo-count `α_L`.
pub const LAPLACE_SMOOTHING: f64 = 1e-5;
/// Box margin beyond the true data's range, in standard deviations.
pub const BOX_MARGIN: f64 = 0.1;

/// Why a metric could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// A series has no rows or a row length that does not match the dimension.
    #[error(
        "the series have {got} values, which is not a positive multiple of the dimension {dim}"
    )]
    Shape {
        /// Values given.
        got: usize,
        /// The dimension.
        dim: usize,
    },
    /// The two series differ in length where equal lengths are required.
    #[error(
        "the true series has {truth} rows and the generated one {generated}; generate as many rows as the true series has"
    )]
    Length {
        /// Rows of the true series.
        truth: usize,
        /// Rows of the generated series.
        generated: usize,
    },
    /// Non-finite values.
    #[error("the series contain NaN or infinite values")]
    NonFinite,
}

/// Checks that `x` is a non-empty, finite, row-major series of dimension `dim`.
pub(crate) fn check_series(x: &[f64], dim: usize) -> Result<usize, MetricError> {
    if dim == 0 || x.is_empty() || !x.len().is_multiple_of(dim) {
        return Err(MetricError::Shape { got: x.len(), dim });
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(MetricError::NonFinite);
    }
    Ok(x.len() / dim)
}

/// `D_stsp` as the paper computes it: binning with [`DEFAULT_BINS`] bins per dimension
/// below [`super::stsp_gmm::GMM_FROM_DIM`] dimensions, the Gaussian-mixture estimate
/// (on standardised series) from there.
pub fn state_space_divergence_auto(
    truth: &[f64],
    generated: &[f64],
    dim: usize,
) -> Result<f64, MetricError> {
    if dim < super::stsp_gmm::GMM_FROM_DIM {
        state_space_divergence(truth, generated, dim, DEFAULT_BINS)
    } else {
        super::stsp_gmm::state_space_divergence_gmm(truth, generated, dim)
    }
}

/// `D_stsp = KL(p_true ‖ p_gen)` by binning with `bins` bins per dimension (the paper
/// uses [`DEFAULT_BINS`]); `NaN` when no generated point falls inside the box.
pub fn state_space_divergence(
    truth: &[f64],
    generated: &[f64],
    dim: usize,
    bins: usize,
) -> Result<f64, MetricError> {
    let rows = check_series(truth, dim)?;
    check_series(generated, dim)?;
    let bins = bins.max(1);
    let mut lo = vec![0.0; dim];
    let mut width = vec![0.0; dim];
    for j in 0..dim {
        let col = truth.iter().skip(j).step_by(dim);
        let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for &v in col.clone() {
            min = min.min(v);
            max = max.max(v);
            sum += v;
        }
        let mean = sum / rows as f64;
        let var = col.map(|v| (v - mean).powi(2)).sum::<f64>() / (rows.max(2) - 1) as f64;
        let sigma = var.sqrt();
        lo[j] = min - BOX_MARGIN * sigma;
        let hi = max + BOX_MARGIN * sigma;
        // A constant column gets a unit-width box so its single bin is well defined.
        width[j] = if hi > lo[j] {
            (hi - lo[j]) / bins as f64
        } else {
            1.0
        };
    }
    let histogram = |x: &[f64]| -> (HashMap<Vec<u32>, f64>, f64) {
        let mut counts: HashMap<Vec<u32>, f64> = HashMap::new();
        let mut total = 0.0;
        'rows: for row in x.chunks_exact(dim) {
            let mut key = Vec::with_capacity(dim);
            for j in 0..dim {
                let b = ((row[j] - lo[j]) / width[j]).floor();
                if !(0.0..bins as f64).contains(&b) {
                    continue 'rows;
                }
                key.push(b as u32);
            }
            *counts.entry(key).or_insert(0.0) += 1.0;
            total += 1.0;
        }
        (counts, total)
    };
    let (h, sum_h) = histogram(truth);
    let (g, sum_g) = histogram(generated);
    if sum_g == 0.0 {
        return Ok(f64::NAN);
    }
    let k = (bins as f64).powi(dim as i32);
    let a = LAPLACE_SMOOTHING;
    let (zp, zq) = (sum_h + a * k, sum_g + a * k);
    let mut kl = 0.0;
    let mut occupied = 0.0;
    for (cell, &hc) in &h {
        let gc = g.get(cell).copied().unwrap_or(0.0);
        let (p, q) = ((hc + a) / zp, (gc + a) / zq);
        kl += p * (p / q).ln();
        occupied += 1.0;
    }
    for (cell, &gc) in &g {
        if !h.contains_key(cell) {
            let (p, q) = (a / zp, (gc + a) / zq);
            kl += p * (p / q).ln();
            occupied += 1.0;
        }
    }
    let (p0, q0) = (a / zp, a / zq);
    kl += (k - occupied) * p0 * (p0 / q0).ln();
    Ok(kl)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_series_against_itself_is_zero() {
        let x: Vec<f64> = (0..3000)
            .flat_map(|k| {
                let t = k as f64 * 0.01;
                [t.sin(), (2.0 * t).cos(), t.sin() * t.cos()]
            })
            .collect();
        let d = state_space_divergence(&x, &x, 3, DEFAULT_BINS).expect("valid");
        // p = q cell by cell, so every term is exactly p ln 1 = 0.
        assert_eq!(d, 0.0);
    }

    /// 1-D, 2 bins. Truth [0, 1]: σ = 1/√2, box [−0.0707, 1.0707], split at 0.5, so
    /// h = [1, 1]. Generated [0, 0.2, 0.9, 5.0]: 5.0 lies outside and is dropped, so
    /// g = [2, 1]. Then p = [1/2, 1/2] (up to α_L) and q = [2/3, 1/3].
    #[test]
    fn matches_a_hand_computation() {
        let d = state_space_divergence(&[0.0, 1.0], &[0.0, 0.2, 0.9, 5.0], 1, 2).expect("ok");
        let a = LAPLACE_SMOOTHING;
        let p = (1.0 + a) / (2.0 + 2.0 * a);
        let (q1, q2) = ((2.0 + a) / (3.0 + 2.0 * a), (1.0 + a) / (3.0 + 2.0 * a));
        let exact = p * (p / q1).ln() + p * (p / q2).ln();
        assert!((d - exact).abs() < 1e-15, "{d} vs {exact}");
        // Without smoothing this is ½ ln(3/4) + ½ ln(3/2) = ½ ln(9/8) = 0.0589.
        assert!((d - 0.5 * (9.0f64 / 8.0).ln()).abs() < 1e-4);
    }

    #[test]
    fn grows_with_a_shift_and_is_nan_when_nothing_overlaps() {
        let x: Vec<f64> = (0..5000).map(|k| (k as f64 * 0.013).sin()).collect();
        let mut last = 0.0;
        for shift in [0.05, 0.2, 0.5, 1.0] {
            let y: Vec<f64> = x.iter().map(|v| v + shift).collect();
            let d = state_space_divergence(&x, &y, 1, DEFAULT_BINS).expect("ok");
            assert!(d > last, "shift {shift}: {d} ≤ {last}");
            last = d;
        }
        let far: Vec<f64> = x.iter().map(|v| v + 10.0).collect();
        assert!(
            state_space_divergence(&x, &far, 1, 30)
                .expect("ok")
                .is_nan()
        );
        assert!(state_space_divergence(&x, &[1.0, 2.0, 3.0], 2, 30).is_err());
    }

    /// The fixture pair of two Lorenz orbits (`tools/plrnn_metrics_fixture.py`) as
    /// `(truth, generated)`, 3 columns each, and the reference values computed from it by
    /// an independent numpy implementation of the same definition.
    pub(crate) fn fixture_pair() -> (Vec<f64>, Vec<f64>, serde_json::Value) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/plrnn/");
        let csv = std::fs::read_to_string(format!("{dir}metric_pair.csv")).expect("fixture");
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for line in csv.lines().skip(1) {
            let row: Vec<f64> = line
                .split(',')
                .map(|c| c.parse().expect("number"))
                .collect();
            x.extend_from_slice(&row[..3]);
            y.extend_from_slice(&row[3..]);
        }
        let json = std::fs::read_to_string(format!("{dir}metric_pair.json")).expect("fixture");
        (x, y, serde_json::from_str(&json).expect("JSON"))
    }

    /// Agrees with numpy's histogram-based value to rounding on two different Lorenz
    /// orbits (3-D with 30 and 8 bins, and the x–y projection).
    #[test]
    fn matches_an_independent_numpy_implementation() {
        let (x, y, reference) = fixture_pair();
        let xy = |s: &[f64]| -> Vec<f64> { s.chunks(3).flat_map(|r| [r[0], r[1]]).collect() };
        let cases = [
            ("d_stsp_30_bins", state_space_divergence(&x, &y, 3, 30)),
            ("d_stsp_8_bins", state_space_divergence(&x, &y, 3, 8)),
            (
                "d_stsp_30_bins_xy",
                state_space_divergence(&xy(&x), &xy(&y), 2, 30),
            ),
        ];
        for (key, ours) in cases {
            let ours = ours.expect("valid");
            let exact = reference[key].as_f64().expect("number");
            assert!(
                (ours - exact).abs() < 1e-9 * exact,
                "{key}: {ours} vs {exact}"
            );
        }
    }
}
