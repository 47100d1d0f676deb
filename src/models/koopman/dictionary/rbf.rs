//! Radial basis functions at k-means centres (Williams, Kevrekidis & Rowley 2015;
//! Colbrook & Townsend, CPAM 77 (2024)): the centres and the width rule shared by the
//! Gaussian and thin-plate families, and their evaluation.

use super::distances::{centroid_distance, dist2};
use super::spec::MAX_DICTIONARY_SIZE;
use crate::models::FitError;
use crate::models::koopman::kmeans::kmeans;

/// The mean over centres of the distance to the nearest other centre.
fn mean_nearest_spacing(centres: &[f64], dim: usize) -> f64 {
    let k = centres.len() / dim;
    let c = |i: usize| &centres[i * dim..(i + 1) * dim];
    (0..k)
        .map(|i| {
            (0..k)
                .filter(|&j| j != i)
                .map(|j| {
                    c(i).iter()
                        .zip(c(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .sum::<f64>()
        / k as f64
}

/// k-means centres of `u` and the RBF width rule of
/// [`Dictionary::Rbf`](super::Dictionary::Rbf).
pub(super) fn centres_and_width(
    u: &[f64],
    dim: usize,
    centers: usize,
    seed: u64,
    what: &str,
) -> Result<(Vec<f64>, f64), FitError> {
    let m = u.len() / dim;
    if centers == 0 || centers > MAX_DICTIONARY_SIZE {
        return Err(FitError::Options(format!(
            "the {what} dictionary needs between 1 and {MAX_DICTIONARY_SIZE} centres, got {centers}"
        )));
    }
    if centers > m {
        return Err(FitError::Options(format!(
            "{centers} {what} centres for {m} snapshot pairs; use fewer --centers or more data"
        )));
    }
    let centres = kmeans(u, dim, centers, seed);
    let width = if centers > 1 {
        mean_nearest_spacing(&centres, dim)
    } else {
        centroid_distance(u, dim)
    };
    Ok((
        centres,
        if width > 0.0 && width.is_finite() {
            width
        } else {
            1.0
        },
    ))
}

/// Gaussians `exp(−‖u − c_k‖²/(2h²))` at the centres `c_k` (row-major) into `out`.
pub(super) fn eval_gaussian(centres: &[f64], width: f64, u: &[f64], out: &mut [f64]) {
    let h2 = 2.0 * width * width;
    for (o, c) in out.iter_mut().zip(centres.chunks_exact(u.len())) {
        *o = (-dist2(c, u) / h2).exp();
    }
}

/// Thin-plate splines `ρ² log ρ`, `ρ = ‖u − c_k‖/h` (0 at `ρ = 0`), into `out`.
pub(super) fn eval_thin_plate(centres: &[f64], width: f64, u: &[f64], out: &mut [f64]) {
    let h2 = width * width;
    for (o, c) in out.iter_mut().zip(centres.chunks_exact(u.len())) {
        // ρ² log ρ = ρ² log(ρ²)/2, with the limit 0 at ρ = 0.
        let rho2 = dist2(c, u) / h2;
        *o = if rho2 > 0.0 {
            0.5 * rho2 * rho2.ln()
        } else {
            0.0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::features::Features;
    use super::super::{Dictionary, FittedDictionary, StateFeatures};

    #[test]
    fn rbf_includes_state_and_is_one_at_its_centre() {
        let x: Vec<f64> = (0..40).map(|k| (k as f64 * 0.37).sin()).collect();
        let dict = Dictionary::Rbf {
            centers: 5,
            seed: 1,
            state: StateFeatures::Include,
        };
        let d = FittedDictionary::fit(&dict, &x, 1).expect("fits");
        assert_eq!(d.len(), 7);
        let Features::Rbf { centres, .. } = &d.features else {
            unreachable!("an RBF dictionary was fitted")
        };
        // Evaluate at the first centre mapped back to data units: that RBF is exactly 1.
        let x0 = centres[0] * d.scale[0] + d.mean[0];
        let psi = d.eval(&[x0]);
        assert_eq!(psi[0], 1.0);
        assert!((psi[2] - 1.0).abs() < 1e-15, "{psi:?}");
    }
}
