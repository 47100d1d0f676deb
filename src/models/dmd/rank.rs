//! SVD rank truncation rules: fixed rank, energy threshold, and the Gavish–Donoho
//! optimal hard threshold for known and unknown noise.
//!
//! Takes singular values in decreasing order and the shape of the matrix they came
//! from; produces the number of singular values to keep (never 0 for a non-zero matrix).
//!
//! # References
//! - M. Gavish, D. L. Donoho, "The optimal hard threshold for singular values is
//!   4/√3", IEEE Trans. Inf. Theory 60(8) (2014): eq. (11) for `λ*(β)` (known noise),
//!   eq. (5) and the polynomial fit of `ω(β)` in §III-E (unknown noise). PyDMD's
//!   `utils._svht` uses the same polynomial.

use serde::{Deserialize, Serialize};

use super::Rank;

/// Singular values below `REL_CUTOFF × σ_1` are treated as zero (numerical rank).
pub const REL_CUTOFF: f64 = 1e-12;

/// The noise level the optimal hard threshold assumes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoiseLevel {
    /// Estimated from the median singular value (`τ = ω(β)·median σ_i`).
    Unknown,
    /// Known standard deviation `σ` of i.i.d. entry noise (`τ = λ*(β)·√max(a,b)·σ`).
    Known(f64),
}

/// `λ*(β) = sqrt(2(β+1) + 8β / ((β+1) + sqrt(β² + 14β + 1)))`, the optimal threshold
/// coefficient for known noise (Gavish & Donoho 2014, eq. (11)); `λ*(1) = 4/√3`.
pub fn lambda_star(beta: f64) -> f64 {
    (2.0 * (beta + 1.0) + 8.0 * beta / ((beta + 1.0) + (beta * beta + 14.0 * beta + 1.0).sqrt()))
        .sqrt()
}

/// `ω(β) ≈ 0.56β³ − 0.95β² + 1.82β + 1.43`, the threshold coefficient for unknown noise
/// (Gavish & Donoho 2014, §III-E; the exact value is `λ*(β)/sqrt(μ_β)`, `μ_β` the
/// Marchenko–Pastur median); `ω(1) ≈ 2.858`.
pub fn omega(beta: f64) -> f64 {
    0.56 * beta.powi(3) - 0.95 * beta * beta + 1.82 * beta + 1.43
}

/// The Gavish–Donoho hard threshold `τ` for singular values `sigma` of an `a × b`
/// matrix.
pub fn svht_threshold(sigma: &[f64], shape: (usize, usize), noise: NoiseLevel) -> f64 {
    let (a, b) = shape;
    let (small, large) = (a.min(b).max(1) as f64, a.max(b).max(1) as f64);
    let beta = small / large;
    match noise {
        NoiseLevel::Known(s) => lambda_star(beta) * large.sqrt() * s,
        NoiseLevel::Unknown => {
            let mut sorted = sigma.to_vec();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let median = match n {
                0 => 0.0,
                _ if n % 2 == 1 => sorted[n / 2],
                _ => 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
            };
            omega(beta) * median
        }
    }
}

/// Applies a rank rule to singular values sorted in decreasing order of an `a × b`
/// matrix. Returns 0 only for a zero matrix; a threshold that keeps nothing is clamped
/// to 1 (PyDMD/PyDMD#300).
pub fn choose_rank(sigma: &[f64], shape: (usize, usize), rule: Rank) -> usize {
    let s1 = sigma.first().copied().unwrap_or(0.0);
    if s1 <= 0.0 {
        return 0;
    }
    let numerical = sigma.iter().take_while(|&&s| s > REL_CUTOFF * s1).count();
    let r = match rule {
        Rank::Full => numerical,
        Rank::Fixed(r) => r,
        Rank::Energy(e) => {
            let total: f64 = sigma.iter().map(|s| s * s).sum();
            let mut acc = 0.0;
            let mut r = numerical;
            for (i, s) in sigma.iter().enumerate() {
                acc += s * s;
                if acc >= e * total {
                    r = i + 1;
                    break;
                }
            }
            r
        }
        Rank::Svht(noise) => {
            let tau = svht_threshold(sigma, shape, noise);
            sigma.iter().filter(|&&s| s > tau).count()
        }
    };
    r.clamp(1, numerical)
}

impl std::str::FromStr for Rank {
    type Err = String;

    /// Parses `full`, a number `N`, `energy:E` with `0 < E ≤ 1`, `svht` (unknown noise)
    /// or `svht:SIGMA` (known noise level).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let bad = || {
            format!(
                "unknown rank rule '{s}'; use a number, 'full', 'energy:0.99', 'svht' or 'svht:SIGMA'"
            )
        };
        if s == "full" {
            return Ok(Rank::Full);
        }
        if s == "svht" {
            return Ok(Rank::Svht(NoiseLevel::Unknown));
        }
        if let Some(v) = s.strip_prefix("svht:") {
            let sigma: f64 = v.parse().map_err(|_| bad())?;
            if !(sigma.is_finite() && sigma > 0.0) {
                return Err(format!(
                    "the noise level of 'svht:SIGMA' must be positive, got {v}"
                ));
            }
            return Ok(Rank::Svht(NoiseLevel::Known(sigma)));
        }
        if let Some(v) = s.strip_prefix("energy:") {
            let e: f64 = v.parse().map_err(|_| bad())?;
            if !(e > 0.0 && e <= 1.0) {
                return Err(format!("the energy fraction must be in (0, 1], got {v}"));
            }
            return Ok(Rank::Energy(e));
        }
        match s.parse::<usize>() {
            Ok(0) => Err("the rank must be at least 1 (or 'full')".into()),
            Ok(r) => Ok(Rank::Fixed(r)),
            Err(_) => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn fixed_full_and_energy_rules() {
        let s = [10.0, 5.0, 1.0, 1e-14];
        assert_eq!(choose_rank(&s, (4, 4), Rank::Full), 3);
        assert_eq!(choose_rank(&s, (4, 4), Rank::Fixed(2)), 2);
        assert_eq!(choose_rank(&s, (4, 4), Rank::Fixed(9)), 3);
        // 100/126 = 0.79, 125/126 = 0.99
        assert_eq!(choose_rank(&s, (4, 4), Rank::Energy(0.9)), 2);
    }

    #[test]
    fn svht_coefficients_match_gavish_donoho() {
        // λ*(1) = sqrt(4 + 8/6) = 4/√3 exactly (up to rounding).
        assert!((lambda_star(1.0) - 4.0 / 3f64.sqrt()).abs() < 1e-14);
        // Exact ω(1) = λ*(1)/sqrt(μ) with μ the median of the Marchenko–Pastur law at
        // β = 1. With x = 4 sin²(φ/2·…) its CDF is (ψ + sin ψ)/π, ψ ∈ [0, π], so the
        // median solves ψ + sin ψ = π/2 and μ = 2(1 − cos ψ). Bisection to 1e-15.
        let (mut lo, mut hi) = (0.0f64, std::f64::consts::PI);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid + mid.sin() < std::f64::consts::FRAC_PI_2 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let mu = 2.0 * (1.0 - lo.cos());
        let exact = lambda_star(1.0) / mu.sqrt();
        assert!((exact - 2.858).abs() < 5e-4, "exact ω(1) = {exact}");
        // The polynomial is a fit (Gavish & Donoho quote it for practical use); at β = 1
        // it gives 2.86, within 0.002 of the exact value.
        assert!((omega(1.0) - exact).abs() < 0.005, "{}", omega(1.0));
    }

    #[test]
    fn threshold_that_keeps_nothing_clamps_to_one() {
        // Equal singular values: τ = ω(1)·median = 2.86 > every σ_i ⇒ 0 kept ⇒ 1.
        let s = [1.0; 6];
        assert_eq!(choose_rank(&s, (6, 6), Rank::Svht(NoiseLevel::Unknown)), 1);
        assert_eq!(choose_rank(&[0.0, 0.0], (2, 2), Rank::Full), 0);
    }

    #[test]
    fn svht_recovers_the_rank_of_low_rank_plus_noise() {
        // 200 × 100 matrix of rank 5 (singular values 20 … 6) plus N(0, 0.1²) noise.
        // The noise bulk ends near σ(√200 + √100) = 2.4 and the known-noise threshold
        // is λ*(1/2)·√200·0.1 ≈ 2.8, so all 5 signal values (≥ 6) stand clear of it.
        let (a, b, sigma) = (200, 100, 0.1);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
        let mut gauss =
            |r: usize, c: usize| Mat::<f64>::from_fn(r, c, |_, _| StandardNormal.sample(&mut rng));
        let u = gauss(a, 5).qr().compute_thin_Q();
        let v = gauss(b, 5).qr().compute_thin_Q();
        let s = [20.0, 15.0, 10.0, 8.0, 6.0];
        let mut m = Mat::from_fn(a, b, |i, j| {
            (0..5).map(|k| s[k] * u[(i, k)] * v[(j, k)]).sum::<f64>()
        });
        let noise = gauss(a, b);
        for i in 0..a {
            for j in 0..b {
                m[(i, j)] += sigma * noise[(i, j)];
            }
        }
        let sv = m.singular_values().expect("converges");
        assert_eq!(
            choose_rank(&sv, (a, b), Rank::Svht(NoiseLevel::Known(sigma))),
            5
        );
        assert_eq!(choose_rank(&sv, (a, b), Rank::Svht(NoiseLevel::Unknown)), 5);
        // Without truncation every one of the 100 noisy values would be kept.
        assert_eq!(choose_rank(&sv, (a, b), Rank::Full), 100);
    }
}
