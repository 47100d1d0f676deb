//! Generalized teacher forcing (GTF): the forced forward pass over one training
//! sequence, and the rule that chooses the forcing strength `α` (fixed, or adaptive).
//!
//! Takes a sequence `x_1 … x_{T+1}` of standardised observations and a network;
//! produces the stored forward pass ([`Trace`]) that [`super::bptt`] differentiates,
//! and the sum of squared prediction errors.
//!
//! # Method
//! `ζ_1 = [x_1; B x_1]`; for `t = 2 … T+1`: `z_t = F_θ(ζ_{t−1})` (the prediction that
//! enters the loss) and `ζ_t = (1 − α) z_t + α x_t` on the first `N` latents (partial
//! forcing; unobserved latents run freely). `α = 1` is classic teacher forcing, `α = 0`
//! a free run.
//!
//! Adaptive α (aGTF, Algorithm 1): every `k`-th batch, `κ = max_p (Π_t ‖J(d_t^p)‖₂)^{1/T}`
//! over the batch's sequences `p`, with Jacobians at the teacher signals `d_t`;
//! `α̂ = max(0, 1 − 1/κ)`; `α ← α̂` if `α̂ > α`, else `α ← γ α + (1 − γ) α̂`.
//!
//! # References
//! - F. Hess, Z. Monfared, M. Brenner, D. Durstewitz, "Generalized Teacher Forcing for
//!   Learning Chaotic Dynamics", ICML 2023, Eq. (GTF), Proposition 2 and Algorithm 1
//!   (`specs/plrnn.md` §2).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::ShPlrnn;
use super::readout::mat_vec;

/// A fixed forcing strength for low-dimensional flows when α is not adaptive (the
/// lab's ECG setting is 0.3 and EEG 0.1).
pub const DEFAULT_ALPHA: f64 = 0.1;
/// aGTF: the starting α (Algorithm 1 starts with full forcing).
pub const DEFAULT_ALPHA_START: f64 = 1.0;
/// aGTF: the decay factor γ of α toward a lower estimate.
pub const DEFAULT_ALPHA_DECAY: f64 = 0.999;
/// aGTF: α is re-estimated every this many batches.
pub const DEFAULT_ALPHA_INTERVAL: usize = 5;

/// How the forcing strength `α` is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "rule")]
pub enum AlphaRule {
    /// A constant `α ∈ [0, 1]`.
    Fixed {
        /// The forcing strength.
        alpha: f64,
    },
    /// aGTF (Hess et al. 2023, Algorithm 1) with the product upper bound estimator.
    Adaptive {
        /// `α_0`.
        start: f64,
        /// `γ`.
        decay: f64,
        /// `k`, in batches.
        interval: usize,
    },
}

impl Default for AlphaRule {
    /// aGTF with the paper's defaults (`specs/plrnn.md` §7, decision 2).
    fn default() -> Self {
        AlphaRule::adaptive()
    }
}

impl AlphaRule {
    /// The adaptive rule with the paper's defaults.
    pub fn adaptive() -> Self {
        AlphaRule::Adaptive {
            start: DEFAULT_ALPHA_START,
            decay: DEFAULT_ALPHA_DECAY,
            interval: DEFAULT_ALPHA_INTERVAL,
        }
    }

    /// The α the training starts with.
    pub fn initial(&self) -> f64 {
        match *self {
            AlphaRule::Fixed { alpha } => alpha,
            AlphaRule::Adaptive { start, .. } => start,
        }
    }

    /// A readable problem with the settings, if any.
    pub fn validate(&self) -> Result<(), String> {
        let ok = |a: f64| (0.0..=1.0).contains(&a);
        match *self {
            AlphaRule::Fixed { alpha } if !ok(alpha) => Err(format!(
                "the forcing strength alpha must lie in [0, 1], got {alpha}"
            )),
            AlphaRule::Adaptive {
                start,
                decay,
                interval,
            } if !ok(start) || !ok(decay) || interval == 0 => Err(format!(
                "adaptive alpha needs start and decay in [0, 1] and an interval ≥ 1, got {start}, {decay}, {interval}"
            )),
            _ => Ok(()),
        }
    }

    /// The α for the next batch given the previous one and, for aGTF, the batch's
    /// estimate `α̂` (Algorithm 1, step 4).
    pub fn update(&self, previous: f64, estimate: f64) -> f64 {
        match *self {
            AlphaRule::Fixed { alpha } => alpha,
            AlphaRule::Adaptive { decay, .. } => {
                if estimate > previous {
                    estimate
                } else {
                    decay * previous + (1.0 - decay) * estimate
                }
            }
        }
    }
}

/// The stored forward pass of one sequence: the step inputs `ζ_{t−1}` (T × M), the
/// pre-activations `v_t = W2 ζ_{t−1}` (T × L), and the read-out errors `z_t − x_t`
/// (T × N).
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Forced states fed to each step.
    pub zeta: Vec<f64>,
    /// Hidden pre-activations `W2 ζ`.
    pub v: Vec<f64>,
    /// Prediction errors on the observed latents (identity) or `B z_t − x_t` (affine).
    pub err: Vec<f64>,
    /// Pre-forcing predictions `z_t` (T × M), stored by the affine read-out's pass
    /// only ([`super::affine_gtf`]).
    pub z: Vec<f64>,
}

/// Runs the forced recursion over `x` (`T + 1` rows of `N` standardised values),
/// storing the trace; returns the sum of squared errors `Σ_t ‖z_t[..N] − x_t‖²`.
pub fn forced_forward(net: &ShPlrnn, x: &[f64], alpha: f64, trace: &mut Trace) -> f64 {
    let (m, l, n) = (net.latent, net.hidden, net.observed);
    let steps = x.len() / n - 1;
    trace.zeta.resize(steps * m, 0.0);
    trace.v.resize(steps * l, 0.0);
    trace.err.resize(steps * n, 0.0);
    let lay = net.layout();
    let (a, w1, h1, h2) = (
        &net.theta[lay.a..lay.w1],
        &net.theta[lay.w1..lay.w2],
        &net.theta[lay.h1..lay.h2],
        &net.theta[lay.h2..lay.b],
    );
    let mut zeta = vec![0.0; m];
    net.initial_state(&x[..n], &mut zeta);
    let mut act = vec![0.0; l];
    let mut sse = 0.0;
    for s in 0..steps {
        trace.zeta[s * m..(s + 1) * m].copy_from_slice(&zeta);
        let v = &mut trace.v[s * l..(s + 1) * l];
        net.pre_activation(&zeta, v);
        for k in 0..l {
            act[k] = net.phi(v[k], h2[k]);
        }
        let target = &x[(s + 1) * n..(s + 2) * n];
        for i in 0..m {
            let drive: f64 = w1[i * l..(i + 1) * l]
                .iter()
                .zip(&act)
                .map(|(w, a)| w * a)
                .sum();
            let z = a[i] * zeta[i] + drive + h1[i];
            if i < n {
                let e = z - target[i];
                trace.err[s * n + i] = e;
                sse += e * e;
                zeta[i] = (1.0 - alpha) * z + alpha * target[i];
            } else {
                zeta[i] = z;
            }
        }
    }
    sse
}

/// aGTF's estimate `α̂ = max(0, 1 − 1/κ)` for a batch (Algorithm 1, steps 1–3), with
/// `κ` the largest over `sequences` of the geometric mean of `‖J(d_t)‖₂` at the
/// teacher signals `d_t`, `t = 2 … T+1` (the product upper bound): `[x_t; B x_t]`
/// for the identity read-out.
///
/// `J(d) = diag(A) + W1 D W2` depends on `d` only through the activation pattern `D`,
/// which consecutive samples mostly share: the norm is recomputed only when the
/// pattern changes, by power iteration warm-started from the previous top singular
/// vector.
///
/// With the affine read-out the teacher signals are `d_t = B⁺ x_t`, `B⁺` computed once.
pub fn estimate_alpha(net: &ShPlrnn, sequences: &[&[f64]]) -> f64 {
    let pinv = net.readout_pinv();
    // The maximum is order-independent, so the parallel map stays reproducible.
    let kappa = sequences
        .par_iter()
        .map(|x| log_norm_mean(net, pinv.as_deref(), x).exp())
        .reduce(|| 0.0, f64::max);
    if kappa > 0.0 {
        (1.0 - 1.0 / kappa).max(0.0)
    } else {
        0.0
    }
}

/// The mean of `ln ‖J(d_t)‖₂` over the rows `t ≥ 2` of one sequence; `pinv` is the
/// affine read-out's `B⁺` (`None`: identity).
fn log_norm_mean(net: &ShPlrnn, pinv: Option<&[f64]>, x: &[f64]) -> f64 {
    let (m, l, n) = (net.latent, net.hidden, net.observed);
    let rows = x.len() / n;
    let lay = net.layout();
    let mut d = vec![0.0; m];
    let mut v = vec![0.0; l];
    let mut slope = vec![0.0; l];
    let mut previous = vec![f64::NAN; l];
    let mut jac = vec![0.0; m * m];
    let mut gram = vec![0.0; m * m];
    let mut start = vec![1.0 / (m as f64).sqrt(); m];
    let mut log_norm = 0.0;
    let mut log_sum = 0.0;
    for t in 1..rows {
        match pinv {
            Some(p) => mat_vec(p, n, &x[t * n..(t + 1) * n], &mut d),
            None => net.initial_state(&x[t * n..(t + 1) * n], &mut d),
        }
        net.pre_activation(&d, &mut v);
        for k in 0..l {
            slope[k] = net.phi_slope(v[k], net.theta[lay.h2 + k]);
        }
        if slope != previous {
            jac.iter_mut().for_each(|j| *j = 0.0);
            for i in 0..m {
                jac[i * m + i] = net.theta[lay.a + i];
            }
            for (k, &dk) in slope.iter().enumerate() {
                if dk == 0.0 {
                    continue;
                }
                let row = &net.theta[lay.w2 + k * m..lay.w2 + (k + 1) * m];
                for i in 0..m {
                    let w1d = net.theta[lay.w1 + i * l + k] * dk;
                    for j in 0..m {
                        jac[i * m + j] += w1d * row[j];
                    }
                }
            }
            gram_matrix(&jac, m, &mut gram);
            let top = if m == 3 {
                top_eigenvalue_3(&gram)
            } else {
                top_eigenvalue(&gram, m, &mut start)
            };
            log_norm = (0.5 * top.ln()).max(f64::MIN_POSITIVE.ln());
            previous.copy_from_slice(&slope);
        }
        log_sum += log_norm;
    }
    log_sum / (rows - 1).max(1) as f64
}

/// `G = JᵀJ` of a row-major `m × m` matrix.
fn gram_matrix(jac: &[f64], m: usize, g: &mut [f64]) {
    for i in 0..m {
        for j in 0..m {
            g[i * m + j] = (0..m).map(|k| jac[k * m + i] * jac[k * m + j]).sum();
        }
    }
}

/// The largest eigenvalue of a symmetric 3 × 3 matrix (row-major) in closed form: with
/// `q = tr(G)/3`, `p = ‖G − qI‖_F/√6` and `r = det((G − qI)/p)/2`, it is
/// `q + 2p cos(acos(r)/3)` (O. K. Smith, "Eigenvalues of a symmetric 3 × 3 matrix",
/// Commun. ACM 4 (1961) 168).
fn top_eigenvalue_3(g: &[f64]) -> f64 {
    let off = g[1] * g[1] + g[2] * g[2] + g[5] * g[5];
    let q = (g[0] + g[4] + g[8]) / 3.0;
    let (d0, d1, d2) = (g[0] - q, g[4] - q, g[8] - q);
    let p = ((d0 * d0 + d1 * d1 + d2 * d2 + 2.0 * off) / 6.0).sqrt();
    if p == 0.0 {
        return q;
    }
    let b = |i: usize| (g[i] - if i.is_multiple_of(4) { q } else { 0.0 }) / p;
    let det = b(0) * (b(4) * b(8) - b(5) * b(7)) - b(1) * (b(3) * b(8) - b(5) * b(6))
        + b(2) * (b(3) * b(7) - b(4) * b(6));
    let phi = (det / 2.0).clamp(-1.0, 1.0).acos() / 3.0;
    q + 2.0 * p * phi.cos()
}

/// The largest eigenvalue of the symmetric positive semi-definite `g` by power
/// iteration (Golub & Van Loan, Alg. 8.2.1) from the unit vector `x`, which is left at
/// the final iterate (a warm start for a nearby matrix). Stops when the estimate moves
/// by less than 1e-12 relative, after at most 200 iterations; where the top two
/// eigenvalues nearly coincide the estimate errs low by at most their ratio, harmless
/// for a heuristic forcing strength.
fn top_eigenvalue(g: &[f64], m: usize, x: &mut [f64]) -> f64 {
    let mut y = vec![0.0; m];
    let mut norm = 0.0;
    for _ in 0..200 {
        for i in 0..m {
            y[i] = g[i * m..(i + 1) * m]
                .iter()
                .zip(x.iter())
                .map(|(a, b)| a * b)
                .sum();
        }
        let ny = y.iter().map(|v| v * v).sum::<f64>().sqrt();
        if ny == 0.0 {
            // Restart from the uniform vector for the next matrix.
            x.iter_mut().for_each(|v| *v = 1.0 / (m as f64).sqrt());
            return 0.0;
        }
        x.iter_mut().zip(&y).for_each(|(a, b)| *a = b / ny);
        let converged = (ny - norm).abs() <= 1e-12 * ny;
        norm = ny;
        if converged {
            break;
        }
    }
    norm
}

/// `‖J‖₂` of a row-major `m × m` matrix: the square root of the largest eigenvalue of
/// the Gram matrix `JᵀJ` by power iteration from the uniform vector.
pub fn spectral_norm(jac: &[f64], m: usize) -> f64 {
    let mut g = vec![0.0; m * m];
    gram_matrix(jac, m, &mut g);
    let mut x = vec![1.0 / (m as f64).sqrt(); m];
    top_eigenvalue(&g, m, &mut x).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::plrnn::model::Nonlinearity;
    use rand::SeedableRng;

    #[test]
    fn alpha_one_resets_to_the_data_and_alpha_zero_runs_freely() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        let net = ShPlrnn::init(3, 10, 3, Nonlinearity::Clipped, &mut rng);
        let x: Vec<f64> = (0..3 * 8).map(|k| (k as f64 * 0.37).sin()).collect();
        let mut trace = Trace::default();
        forced_forward(&net, &x, 1.0, &mut trace);
        // α = 1: every step starts from the data.
        for s in 0..7 {
            assert_eq!(&trace.zeta[s * 3..s * 3 + 3], &x[s * 3..s * 3 + 3]);
        }
        forced_forward(&net, &x, 0.0, &mut trace);
        // α = 0: the forward pass is the model's own orbit from x_1.
        let mut z = x[..3].to_vec();
        let mut next = vec![0.0; 3];
        let mut scratch = vec![0.0; 10];
        for s in 0..7 {
            assert_eq!(&trace.zeta[s * 3..s * 3 + 3], &z[..]);
            net.step(&z, &mut next, &mut scratch);
            std::mem::swap(&mut z, &mut next);
        }
    }

    #[test]
    fn spectral_norm_of_known_matrices() {
        // diag(3, −2, 1): ‖·‖₂ = 3.
        let d = [3.0, 0.0, 0.0, 0.0, -2.0, 0.0, 0.0, 0.0, 1.0];
        assert!((spectral_norm(&d, 3) - 3.0).abs() < 1e-9);
        // [[1, 1], [0, 1]]: σ_max = golden ratio φ = (1 + √5)/2.
        let s = [1.0, 1.0, 0.0, 1.0];
        assert!((spectral_norm(&s, 2) - (1.0 + 5f64.sqrt()) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn adaptive_alpha_jumps_up_and_decays_slowly() {
        let rule = AlphaRule::adaptive();
        assert_eq!(rule.update(0.2, 0.5), 0.5);
        let next = rule.update(0.5, 0.1);
        assert!((next - (0.999 * 0.5 + 0.001 * 0.1)).abs() < 1e-15);
        assert_eq!(AlphaRule::Fixed { alpha: 0.3 }.update(0.9, 0.0), 0.3);
        assert!(AlphaRule::Fixed { alpha: 1.5 }.validate().is_err());
    }

    /// For a linear network (W1 = 0) J = diag(A) everywhere, so κ = max|A_i| and
    /// α̂ = 1 − 1/κ exactly, or 0 when κ ≤ 1.
    #[test]
    fn alpha_estimate_of_a_linear_network() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let mut net = ShPlrnn::init(2, 4, 2, Nonlinearity::Clipped, &mut rng);
        let lay = net.layout();
        net.theta[lay.w1..lay.w2].iter_mut().for_each(|w| *w = 0.0);
        net.theta[lay.a] = 1.25;
        net.theta[lay.a + 1] = 0.5;
        let x: Vec<f64> = (0..2 * 6).map(|k| k as f64 * 0.1).collect();
        let est = estimate_alpha(&net, &[&x]);
        assert!((est - 0.2).abs() < 1e-9, "{est}");
        net.theta[lay.a] = 0.9;
        assert_eq!(estimate_alpha(&net, &[&x]), 0.0);
    }

    /// The closed form for 3 × 3 matrices against faer's symmetric eigen-solver on
    /// Gram matrices of random Jacobians, including a diagonal and a rank-one one.
    #[test]
    fn closed_form_top_eigenvalue_of_3x3() {
        let mut cases: Vec<[f64; 9]> = (0..50)
            .map(|c| std::array::from_fn(|k| ((c * 9 + k) as f64 * 1.37).sin() * 2.0))
            .collect();
        cases.push([2.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 1.0]);
        cases.push([1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        for jac in cases {
            let mut g = [0.0; 9];
            gram_matrix(&jac, 3, &mut g);
            let exact = faer::Mat::from_fn(3, 3, |i, j| g[i * 3 + j])
                .self_adjoint_eigenvalues(faer::Side::Lower)
                .expect("symmetric")
                .into_iter()
                .fold(0.0, f64::max);
            let ours = top_eigenvalue_3(&g);
            assert!(
                (ours - exact).abs() < 1e-9 * exact.max(1.0),
                "{ours} vs {exact}"
            );
        }
    }

    /// The cached, warm-started estimate equals the definition evaluated afresh at every
    /// teacher signal (Jacobian, then the norm from a cold start) on a trained-like
    /// network whose activation pattern changes along the data.
    #[test]
    fn alpha_estimate_equals_the_definition() {
        for m in [3, 4] {
            let mut rng = rand_pcg::Pcg64::seed_from_u64(9);
            let mut net = ShPlrnn::init(m, 30, 3, Nonlinearity::Clipped, &mut rng);
            net.theta.iter_mut().for_each(|w| *w *= 3.0);
            let seqs: Vec<Vec<f64>> = (0..3)
                .map(|p| {
                    (0..3 * 120)
                        .map(|k| 2.0 * ((k as f64) * 0.05 + p as f64).sin())
                        .collect()
                })
                .collect();
            let refs: Vec<&[f64]> = seqs.iter().map(|s| s.as_slice()).collect();
            let mut kappa: f64 = 0.0;
            let mut changes = 0;
            for x in &refs {
                let mut d = vec![0.0; m];
                let mut sum = 0.0;
                let mut last = Vec::new();
                for t in 1..120 {
                    net.initial_state(&x[t * 3..t * 3 + 3], &mut d);
                    let jac = net.jacobian(&d);
                    if jac != last {
                        changes += 1;
                    }
                    sum += spectral_norm(&jac, m).ln();
                    last = jac;
                }
                kappa = kappa.max((sum / 119.0).exp());
            }
            assert!(changes > 20, "the pattern changes {changes} times");
            let exact = 1.0 - 1.0 / kappa;
            let est = estimate_alpha(&net, &refs);
            assert!(
                exact > 0.0 && (est - exact).abs() < 1e-9,
                "M={m}: {est} vs {exact}"
            );
        }
    }
}
