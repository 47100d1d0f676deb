//! Random Fourier features (A. Rahimi, B. Recht, "Random features for large-scale kernel
//! machines", NIPS 2007): `cos(w_k·u)`, `sin(w_k·u)` with `w_k ~ N(0, 2γI)`, which
//! approximate the Gaussian kernel `exp(−γ‖u − u'‖²)`; here `γ = 1/d²` with the
//! bandwidth rule `d` of [`super::distances::centroid_distance`].

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use super::distances::centroid_distance;
use super::spec::MAX_DICTIONARY_SIZE;
use crate::models::FitError;

/// `features` seeded frequency vectors `w_k ~ N(0, (2/d²) I)` for the scaled states `u`
/// (row-major `features × dim`), refused outside `1 ..= MAX_DICTIONARY_SIZE / 2`.
pub(super) fn frequencies(
    u: &[f64],
    dim: usize,
    features: usize,
    seed: u64,
) -> Result<Vec<f64>, FitError> {
    if features == 0 || 2 * features > MAX_DICTIONARY_SIZE {
        return Err(FitError::Options(format!(
            "random Fourier features need between 1 and {} frequencies, got {features}",
            MAX_DICTIONARY_SIZE / 2
        )));
    }
    // Gaussian kernel exp(−γ‖u − u'‖²), γ = 1/d²: w ~ N(0, 2γ I).
    let d = centroid_distance(u, dim);
    let sd = (2.0f64).sqrt() / d;
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    Ok((0..features * dim)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            sd * z
        })
        .collect())
}

/// `cos(w_k·u)` for every `k`, then `sin(w_k·u)`, into `out`.
pub(super) fn eval(frequencies: &[f64], u: &[f64], out: &mut [f64]) {
    let n = u.len();
    let d = frequencies.len() / n;
    for (k, w) in frequencies.chunks_exact(n).enumerate() {
        let phase: f64 = w.iter().zip(u).map(|(a, b)| a * b).sum();
        out[k] = phase.cos();
        out[d + k] = phase.sin();
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_data::spiral;
    use super::super::{Dictionary, FittedDictionary, StateFeatures};

    #[test]
    fn random_fourier_features_approximate_the_gaussian_kernel_of_the_bandwidth_rule() {
        // Rahimi & Recht (2007): with w ~ N(0, 2γI), E[cos(w·(u − u'))] = exp(−γ‖u − u'‖²).
        // Here γ = 1/d², d = mean distance of the standardised data to their centroid.
        let x = spiral();
        let probe = Dictionary::Monomials { degree: 1 };
        let scaled = FittedDictionary::fit(&probe, &x, 2).expect("fits");
        let u: Vec<[f64; 2]> = x
            .chunks(2)
            .map(|p| {
                let v = scaled.eval(p);
                [v[1], v[2]]
            })
            .collect();
        let d = u.iter().map(|p| p[0].hypot(p[1])).sum::<f64>() / u.len() as f64;
        // z(a)·z(b)/D over 8 seeds × 1000 frequencies: standard error ≈ 0.008.
        let (a, b) = (&x[20..22], &x[150..152]);
        let (ua, ub) = (u[10], u[75]);
        let r2 = (ua[0] - ub[0]).powi(2) + (ua[1] - ub[1]).powi(2);
        let exact = (-r2 / (d * d)).exp();
        let mut sum = 0.0;
        for seed in 0..8 {
            let dict = Dictionary::Rff {
                features: 1000,
                seed,
                state: StateFeatures::Exclude,
            };
            let f = FittedDictionary::fit(&dict, &x, 2).expect("fits");
            let (za, zb) = (f.eval(a), f.eval(b));
            sum += za.iter().zip(&zb).map(|(p, q)| p * q).sum::<f64>() / 1000.0;
        }
        let estimate = sum / 8.0;
        // A kernel far from 0 and 1, so a wrong variance (e.g. γ instead of 2γ) shows.
        assert!((0.2..0.8).contains(&exact), "{exact}");
        assert!((estimate - exact).abs() < 0.04, "{estimate} vs {exact}");
    }
}
