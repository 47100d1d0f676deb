//! The observation model ("read-out") of the PLRNN: how latent states map to
//! observations and, inverted, how observations give teacher signals and start states.
//!
//! Takes a latent state `z ∈ R^M` (or an observation `x ∈ R^N`); produces the
//! predicted observation `x̂` (or the latent state `z` that GTF forces toward).
//!
//! # Method
//! - **Identity** (needs `M ≥ N`): `x̂ = z[..N]`; teacher signals `d = x` on the first
//!   `N` latents (partial forcing); the start state is `[x_1; L x_1]` with a trainable
//!   `L ∈ R^{(M−N)×N}` (stored in the network's `B` block).
//! - **Affine**: `x̂ = B z` with a trainable `B ∈ R^{N×M}` (no bias), Kaiming-normal
//!   initialised; teacher signals and the start state are `d = B⁺ x` with the
//!   Moore–Penrose pseudo-inverse `B⁺`, computed once per batch and treated as
//!   constants by the gradient; every latent is forced. Allows `M < N` (dimension
//!   reduction). Training adds the lab's condition-number penalty
//!   `λ_obs (1 − σ_max(B)/(σ_min(B) + 10⁻⁸))²`, which keeps `B` invertible.
//!
//! # References
//! - F. Hess, Z. Monfared, M. Brenner, D. Durstewitz, "Generalized Teacher Forcing for
//!   Learning Chaotic Dynamics", ICML 2023 (PMLR 202) — observation models and the
//!   forcing signals (`specs/plrnn.md` §1.4, §2.1, §2.2).
//! - K. He, X. Zhang, S. Ren, J. Sun, "Delving Deep into Rectifiers", ICCV 2015 — the
//!   Kaiming-normal initialisation `N(0, 2/fan_in)`.

use rand::Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::model::ShPlrnn;

/// The lab's weight λ_obs of the read-out's condition-number penalty
/// (`specs/plrnn.md` §2.4: 1e-6 in all settings but one).
pub const DEFAULT_OBSERVATION_REGULARIZATION: f64 = 1e-6;

/// The offset in the penalty's denominator `σ_min + 10⁻⁸`.
const SIGMA_FLOOR: f64 = 1e-8;

/// Which observation model maps latent states to observations (Hess et al. 2023,
/// `specs/plrnn.md` §1.4). Files written before this option load as `Identity`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Readout {
    /// `x̂ = z[..N]`: the first `N` latents are the observations (needs `M ≥ N`).
    #[default]
    Identity,
    /// `x̂ = B z` with a trainable `N × M` matrix `B`; forcing with `B⁺ x`.
    Affine,
}

impl Readout {
    /// Both choices, in the order the window shows them.
    pub const ALL: [Readout; 2] = [Readout::Identity, Readout::Affine];

    /// The lowercase name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Readout::Identity => "identity",
            Readout::Affine => "affine",
        }
    }

    /// Length of the read-out's parameter block for `m` latents and `n` observations:
    /// `(M−N)·N` (the initial-state map of the unobserved latents) or `N·M` (`B`).
    pub fn parameter_count(self, m: usize, n: usize) -> usize {
        match self {
            Readout::Identity => m.saturating_sub(n) * n,
            Readout::Affine => n * m,
        }
    }

    /// A Kaiming-normal draw of the affine `B` (`N × M`, row-major):
    /// `B_ij ~ N(0, 2/M)`, `M` being the fan-in.
    pub fn kaiming_normal(n: usize, m: usize, rng: &mut impl Rng) -> Vec<f64> {
        let normal = Normal::new(0.0, (2.0 / m as f64).sqrt()).expect("finite σ > 0");
        (0..n * m).map(|_| normal.sample(rng)).collect()
    }
}

/// The Moore–Penrose pseudo-inverse `B⁺` (`M × N`, row-major) of the row-major
/// `N × M` matrix `b`, by faer's SVD (singular values below `max(N, M)·ε·σ_max`
/// count as zero). A failed SVD (non-finite `B`) gives NaN everywhere, which the
/// caller's finiteness checks turn into a clear "diverged" error.
pub fn pseudo_inverse(b: &[f64], n: usize, m: usize) -> Vec<f64> {
    let mat = faer::Mat::from_fn(n, m, |i, j| b[i * m + j]);
    match mat.thin_svd() {
        Ok(svd) => {
            let p = svd.pseudoinverse();
            (0..m)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|(i, j)| p[(i, j)])
                .collect()
        }
        Err(_) => vec![f64::NAN; m * n],
    }
}

/// `out = P x` for a row-major `rows × cols` matrix `p` (`out` has `rows` entries).
pub fn mat_vec(p: &[f64], cols: usize, x: &[f64], out: &mut [f64]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = p[i * cols..(i + 1) * cols]
            .iter()
            .zip(x)
            .map(|(a, b)| a * b)
            .sum();
    }
}

/// The teacher signals `d_t = B⁺ x_t` of a sequence `x` (rows of `N` values) with the
/// pseudo-inverse `pinv` (`M × N`): rows of `M` values (`specs/plrnn.md` §2.1).
pub fn teacher_signals(pinv: &[f64], n: usize, m: usize, x: &[f64]) -> Vec<f64> {
    let rows = x.len() / n;
    let mut d = vec![0.0; rows * m];
    for (xt, dt) in x.chunks_exact(n).zip(d.chunks_exact_mut(m)) {
        mat_vec(pinv, n, xt, dt);
    }
    d
}

/// Adds the affine read-out's condition-number penalty
/// `λ (1 − σ_max(B)/(σ_min(B) + 10⁻⁸))²` (Hess et al. 2023's observation regulariser,
/// `specs/plrnn.md` §2.4) to the loss (returned) and its gradient to `grad`, using
/// `∂σ_k/∂B = u_k v_kᵀ` for the singular triplets of the thin SVD. Zero for the
/// identity read-out or `λ = 0`; NaN (a "diverged" error for the caller) when the
/// SVD fails on a non-finite `B`.
pub fn regularize_readout(net: &ShPlrnn, lambda: f64, grad: &mut [f64]) -> f64 {
    if lambda == 0.0 || net.readout != Readout::Affine {
        return 0.0;
    }
    let (n, m) = (net.observed, net.latent);
    let b = net.readout_matrix();
    let Ok(svd) = faer::Mat::from_fn(n, m, |i, j| b[i * m + j]).thin_svd() else {
        return f64::NAN;
    };
    let s = svd.S().column_vector();
    let r = s.nrows();
    let (mut top, mut bottom) = (0, 0);
    for k in 1..r {
        if s[k] > s[top] {
            top = k;
        }
        if s[k] < s[bottom] {
            bottom = k;
        }
    }
    let (u, v) = (svd.U(), svd.V());
    let den = s[bottom] + SIGMA_FLOOR;
    let kappa = s[top] / den;
    let coef = 2.0 * lambda * (kappa - 1.0);
    let lay = net.layout();
    for i in 0..n {
        for j in 0..m {
            let dkappa = u[(i, top)] * v[(j, top)] / den
                - s[top] / (den * den) * u[(i, bottom)] * v[(j, bottom)];
            grad[lay.b + i * m + j] += coef * dkappa;
        }
    }
    lambda * (1.0 - kappa) * (1.0 - kappa)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// `B⁺` satisfies the Penrose conditions `B B⁺ B = B` and `B⁺ B B⁺ = B⁺`; for a
    /// full-column-rank `B` (N > M) it is a left inverse, `B⁺ B = I_M`, and for a
    /// full-row-rank one (N < M) a right inverse, `B B⁺ = I_N`.
    #[test]
    fn pseudo_inverse_satisfies_the_penrose_conditions() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(4);
        for (n, m) in [(3, 3), (5, 2), (2, 4)] {
            let b = Readout::kaiming_normal(n, m, &mut rng);
            let p = pseudo_inverse(&b, n, m);
            let prod = |x: &[f64], y: &[f64], r: usize, k: usize, c: usize| -> Vec<f64> {
                (0..r * c)
                    .map(|ij| (0..k).map(|q| x[ij / c * k + q] * y[q * c + ij % c]).sum())
                    .collect()
            };
            let bpb = prod(&prod(&b, &p, n, m, n), &b, n, n, m);
            let pbp = prod(&prod(&p, &b, m, n, m), &p, m, m, n);
            for (a, e) in bpb.iter().zip(&b).chain(pbp.iter().zip(&p)) {
                assert!((a - e).abs() < 1e-12, "{n}×{m}: {a} vs {e}");
            }
            let (inner, size) = if n >= m {
                (prod(&p, &b, m, n, m), m)
            } else {
                (prod(&b, &p, n, m, n), n)
            };
            for i in 0..size {
                for j in 0..size {
                    let e = if i == j { 1.0 } else { 0.0 };
                    assert!((inner[i * size + j] - e).abs() < 1e-12, "{n}×{m}");
                }
            }
        }
    }

    /// The sample variance of a large Kaiming-normal draw is `2/M` within 5 % (3.5 standard errors).
    #[test]
    fn kaiming_normal_has_variance_two_over_fan_in() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(8);
        let b = Readout::kaiming_normal(200, 50, &mut rng);
        let var = b.iter().map(|v| v * v).sum::<f64>() / b.len() as f64;
        assert!((var / (2.0 / 50.0) - 1.0).abs() < 0.05, "{var}");
    }

    /// The penalty of a known matrix: `B = diag(3, 1)` has κ = 3/(1 + 10⁻⁸), so the
    /// penalty is `λ (1 − κ)² ≈ 4 λ`; an orthogonal `B` has κ ≈ 1 and no penalty.
    #[test]
    fn readout_penalty_of_known_matrices() {
        use super::super::model::Nonlinearity;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(2);
        let mut net =
            ShPlrnn::init_with_readout(2, 3, 2, Nonlinearity::Clipped, Readout::Affine, &mut rng);
        let lay = net.layout();
        net.theta[lay.b..].copy_from_slice(&[3.0, 0.0, 0.0, 1.0]);
        let mut g = vec![0.0; lay.len];
        let kappa = 3.0 / (1.0 + 1e-8);
        let pen = regularize_readout(&net, 0.5, &mut g);
        assert!(
            (pen - 0.5 * (1.0 - kappa) * (1.0 - kappa)).abs() < 1e-14,
            "{pen}"
        );
        // ∂κ/∂B_00 = 1/(σ_min + 10⁻⁸), ∂κ/∂B_11 = −σ_max/(σ_min + 10⁻⁸)².
        let coef = 2.0 * 0.5 * (kappa - 1.0);
        assert!((g[lay.b] - coef / (1.0 + 1e-8)).abs() < 1e-12);
        assert!((g[lay.b + 3] + coef * 3.0 / (1.0 + 1e-8f64).powi(2)).abs() < 1e-12);
        assert!(g[lay.b + 1].abs() < 1e-12 && g[lay.b + 2].abs() < 1e-12);
        let (c, s) = (0.6, 0.8);
        net.theta[lay.b..].copy_from_slice(&[c, -s, s, c]);
        assert!(regularize_readout(&net, 0.5, &mut g) < 1e-15);
    }

    #[test]
    fn parameter_counts_match_the_papers_table() {
        // Hess et al. 2023, Table 1: ECG M=5, N=5 affine → 25; EEG M=16, N=64 → 1024.
        assert_eq!(Readout::Affine.parameter_count(5, 5), 25);
        assert_eq!(Readout::Affine.parameter_count(16, 64), 1024);
        assert_eq!(Readout::Identity.parameter_count(5, 3), 6);
        assert_eq!(Readout::Identity.parameter_count(3, 3), 0);
    }
}
