//! Exact gradients of the GTF loss by backpropagation through time, derived by hand.
//!
//! Takes a network, a sequence and its stored forced forward pass ([`Trace`]); produces
//! the gradient of `(c/2) Σ_t ‖z_t[..N] − x_t‖²` with respect to every parameter
//! (accumulated into a flat vector laid out like `θ`), plus the latent regulariser.
//!
//! # Method
//! With `P = diag(1 − α m)` (`m` marks the forced latents) and `δ_{T+1} = 0`, for
//! `t = T+1 … 2`: `g_t = c (z_t − x_t) + P δ_t`; `∂A += g_t ⊙ ζ_{t−1}`; `∂h1 += g_t`;
//! `∂W1 += g_t a_tᵀ`; `b = W1ᵀ g_t`; `r_u = b ⊙ 1[u_t > 0]` gives `∂h2 += r_u`;
//! `r_v = b ⊙ φ'(v_t)` gives `∂W2 += r_v ζ_{t−1}ᵀ` and `δ_{t−1} = A ⊙ g_t + W2ᵀ r_v`.
//! Finally `∂B += δ_1[N..] x_1ᵀ` for the initial-state map (`specs/plrnn.md` §5).
//!
//! # References
//! - F. Hess et al., "Generalized Teacher Forcing for Learning Chaotic Dynamics",
//!   ICML 2023 — the forcing recursion and the bound on `∂z_T/∂z_r`.
//! - P. J. Werbos, "Backpropagation through time: what it does and how to do it",
//!   Proc. IEEE 78 (1990).

use super::gtf::Trace;
use super::model::ShPlrnn;

/// The paper's latent regularisation weight λ (`settings/defaults.json` of the lab).
pub const DEFAULT_REGULARIZATION: f64 = 1e-5;

/// Accumulates into `grad` the gradient of `(c/2)·Σ_t ‖z_t[..N] − x_t‖²` for one
/// sequence `x` whose forced forward pass with strength `alpha` is `trace`.
pub fn backward(net: &ShPlrnn, x: &[f64], alpha: f64, trace: &Trace, c: f64, grad: &mut [f64]) {
    let (m, l, n) = (net.latent, net.hidden, net.observed);
    let lay = net.layout();
    let steps = x.len() / n - 1;
    let mut delta = vec![0.0; m];
    let mut g = vec![0.0; m];
    let mut r_v = vec![0.0; l];
    for s in (0..steps).rev() {
        let zeta = &trace.zeta[s * m..(s + 1) * m];
        let v = &trace.v[s * l..(s + 1) * l];
        for i in 0..m {
            g[i] = if i < n {
                c * trace.err[s * n + i] + (1.0 - alpha) * delta[i]
            } else {
                delta[i]
            };
        }
        step_backward(net, zeta, v, &g, &mut r_v, &mut delta, grad);
    }
    // ζ_1 = [x_1; B x_1]: only B carries a gradient.
    for r in 0..m - n {
        for j in 0..n {
            grad[lay.b + r * n + j] += delta[n + r] * x[j];
        }
    }
}

/// One step of the backward recursion, the same for every read-out: with
/// `g = ∂loss/∂z_t` and the stored step input `ζ_{t−1}` and pre-activations `v_t`,
/// adds `g ⊙ ζ` to `∂A`, `g` to `∂h1`, `g aᵀ` to `∂W1`, `r_u` to `∂h2` and `r_v ζᵀ` to
/// `∂W2`, and sets `delta = ∂z_t/∂ζ_{t−1}ᵀ g = A ⊙ g + W2ᵀ r_v`; `r_v` is scratch
/// of length L.
pub fn step_backward(
    net: &ShPlrnn,
    zeta: &[f64],
    v: &[f64],
    g: &[f64],
    r_v: &mut [f64],
    delta: &mut [f64],
    grad: &mut [f64],
) {
    let (m, l) = (net.latent, net.hidden);
    let lay = net.layout();
    let (a, w1, w2, h2) = (
        &net.theta[lay.a..lay.w1],
        &net.theta[lay.w1..lay.w2],
        &net.theta[lay.w2..lay.h1],
        &net.theta[lay.h2..lay.b],
    );
    for i in 0..m {
        grad[lay.a + i] += g[i] * zeta[i];
        grad[lay.h1 + i] += g[i];
    }
    for k in 0..l {
        let (vk, hk) = (v[k], h2[k]);
        let act = net.phi(vk, hk);
        let mut b = 0.0;
        for i in 0..m {
            grad[lay.w1 + i * l + k] += g[i] * act;
            b += w1[i * l + k] * g[i];
        }
        if vk + hk > 0.0 {
            grad[lay.h2 + k] += b;
        }
        r_v[k] = b * net.phi_slope(vk, hk);
    }
    for i in 0..m {
        delta[i] = a[i] * g[i];
    }
    for k in 0..l {
        let r = r_v[k];
        if r == 0.0 {
            continue;
        }
        let row = lay.w2 + k * m;
        for j in 0..m {
            grad[row + j] += r * zeta[j];
            delta[j] += w2[k * m + j] * r;
        }
    }
}

/// Adds `λ (‖1 − A‖² + ‖W1‖² + ‖W2‖² + ‖h1‖² + ‖h2‖²)` to the loss (returned) and its
/// gradient to `grad`; `A` is pulled toward 1, not 0 (Hess et al. 2023, §2.4 of the
/// spec). The initial-state map `B` is not regularised.
pub fn regularize(net: &ShPlrnn, lambda: f64, grad: &mut [f64]) -> f64 {
    if lambda == 0.0 {
        return 0.0;
    }
    let lay = net.layout();
    let mut loss = 0.0;
    for i in lay.a..lay.w1 {
        let d = net.theta[i] - 1.0;
        loss += d * d;
        grad[i] += 2.0 * lambda * d;
    }
    for i in lay.w1..lay.b {
        let w = net.theta[i];
        loss += w * w;
        grad[i] += 2.0 * lambda * w;
    }
    lambda * loss
}

#[cfg(test)]
mod tests {
    use super::super::affine_gtf;
    use super::super::gtf::forced_forward;
    use super::super::model::Nonlinearity;
    use super::super::readout::{Readout, regularize_readout, teacher_signals};
    use super::*;
    use rand::SeedableRng;

    /// The test objective: `(1/(T N)) Σ‖x̂ − x‖² + λ·reg`, so `c = 2/(T N)`. For the
    /// affine read-out `signals` holds the teacher signals `B⁺ x_t`, held fixed while
    /// `θ` (and `B` in it) is perturbed, as the gradient treats them.
    fn objective(
        net: &ShPlrnn,
        x: &[f64],
        signals: Option<&[f64]>,
        alpha: f64,
        lambda: f64,
    ) -> f64 {
        let n = net.observed;
        let steps = x.len() / n - 1;
        let mut trace = Trace::default();
        let sse = match signals {
            Some(d) => affine_gtf::forced_forward(net, x, d, alpha, &mut trace),
            None => forced_forward(net, x, alpha, &mut trace),
        };
        let mut scratch = vec![0.0; net.theta.len()];
        sse / (steps * n) as f64
            + regularize(net, lambda, &mut scratch)
            + regularize_readout(net, lambda, &mut scratch)
    }

    /// A seeded network with biases moved off the origin (so every branch of φ is
    /// visited) and W2 scaled up, and a smooth test sequence of 11 rows.
    fn setup(nl: Nonlinearity, readout: Readout, m: usize, n: usize) -> (ShPlrnn, Vec<f64>) {
        let (l, steps) = (8, 10);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(42);
        let mut net = ShPlrnn::init_with_readout(m, l, n, nl, readout, &mut rng);
        let lay = net.layout();
        for (k, v) in net.theta[lay.h1..lay.b].iter_mut().enumerate() {
            *v += 0.4 * ((k as f64) * 2.3).cos();
        }
        for v in &mut net.theta[lay.w2..lay.h1] {
            *v *= 2.0;
        }
        let x: Vec<f64> = (0..(steps + 1) * n)
            .map(|k| 1.3 * ((k as f64) * 0.71).sin() + 0.2 * (k as f64 * 0.13).cos())
            .collect();
        (net, x)
    }

    /// The analytic gradient (plus the regulariser's) of the objective.
    fn gradient(
        net: &ShPlrnn,
        x: &[f64],
        signals: Option<&[f64]>,
        alpha: f64,
        lambda: f64,
    ) -> Vec<f64> {
        let n = net.observed;
        let c = 2.0 / ((x.len() / n - 1) * n) as f64;
        let mut trace = Trace::default();
        let mut grad = vec![0.0; net.theta.len()];
        match signals {
            Some(d) => {
                affine_gtf::forced_forward(net, x, d, alpha, &mut trace);
                affine_gtf::backward(net, alpha, &trace, c, &mut grad);
            }
            None => {
                forced_forward(net, x, alpha, &mut trace);
                backward(net, x, alpha, &trace, c, &mut grad);
            }
        }
        regularize(net, lambda, &mut grad);
        regularize_readout(net, lambda, &mut grad);
        grad
    }

    fn check(nl: Nonlinearity, m: usize, n: usize, alpha: f64) {
        check_readout(nl, Readout::Identity, m, n, alpha);
    }

    fn check_readout(nl: Nonlinearity, readout: Readout, m: usize, n: usize, alpha: f64) {
        let (mut net, x) = setup(nl, readout, m, n);
        let lay = net.layout();
        let signals = net.readout_pinv().map(|p| teacher_signals(&p, n, m, &x));
        let lambda = 0.01;
        let grad = gradient(&net, &x, signals.as_deref(), alpha, lambda);
        // Central differences: truncation error O(ε²·f''') ≈ 1e-12 for ε = 1e-5 on this
        // polynomial-in-θ objective, rounding error ≈ 1e-16/ε = 1e-11; both far below
        // the 1e-6 relative tolerance the issue asks for, unless a kink of the ReLUs
        // lies within ±ε (a seeded, checked-once configuration where none does).
        let eps = 1e-5;
        let blocks = [
            ("A", lay.a, lay.w1),
            ("W1", lay.w1, lay.w2),
            ("W2", lay.w2, lay.h1),
            ("h1", lay.h1, lay.h2),
            ("h2", lay.h2, lay.b),
            ("B", lay.b, lay.len),
        ];
        for (name, lo, hi) in blocks {
            if lo == hi {
                continue;
            }
            let mut diff2 = 0.0;
            let mut norm2 = 0.0;
            for p in lo..hi {
                let keep = net.theta[p];
                net.theta[p] = keep + eps;
                let fp = objective(&net, &x, signals.as_deref(), alpha, lambda);
                net.theta[p] = keep - eps;
                let fm = objective(&net, &x, signals.as_deref(), alpha, lambda);
                net.theta[p] = keep;
                let fd = (fp - fm) / (2.0 * eps);
                diff2 += (fd - grad[p]).powi(2);
                norm2 += grad[p].powi(2);
            }
            let rel = (diff2 / norm2).sqrt();
            assert!(
                norm2 > 0.0,
                "{nl:?} {readout:?} α={alpha}: {name} has a zero gradient"
            );
            assert!(
                rel <= 1e-6,
                "{nl:?} {readout:?} M={m} N={n} α={alpha}: block {name} relative error {rel:.3e}"
            );
        }
    }

    #[test]
    fn gradients_match_finite_differences_clipped() {
        for alpha in [0.0, 0.3, 1.0] {
            check(Nonlinearity::Clipped, 3, 3, alpha);
        }
    }

    #[test]
    fn gradients_match_finite_differences_plain() {
        for alpha in [0.0, 0.3] {
            check(Nonlinearity::Plain, 3, 3, alpha);
        }
    }

    /// M > N: the unobserved latent runs freely and the initial-state map B has a
    /// gradient.
    #[test]
    fn gradients_match_finite_differences_with_hidden_latents() {
        for alpha in [0.0, 0.2] {
            check(Nonlinearity::Clipped, 4, 2, alpha);
            check(Nonlinearity::Plain, 4, 2, alpha);
        }
    }

    /// The affine read-out `x̂ = B z` with `d_t = B⁺ x_t` held constant: every block,
    /// `B` included (with its condition-number penalty), for M = N, M > N and M < N
    /// (dimension reduction), α = 0 and 0 < α < 1, clipped and plain.
    #[test]
    fn gradients_match_finite_differences_affine() {
        for (m, n) in [(3, 3), (4, 2), (2, 3)] {
            for alpha in [0.0, 0.3] {
                check_readout(Nonlinearity::Clipped, Readout::Affine, m, n, alpha);
                check_readout(Nonlinearity::Plain, Readout::Affine, m, n, alpha);
            }
        }
    }

    /// With M = N and B set to the identity matrix, the affine read-out is the
    /// identity one (`B⁺ = I`, so the teacher signals are the data): the loss and the
    /// gradients of A, W1, W2, h1, h2 agree to 1e-12.
    #[test]
    fn affine_with_identity_b_equals_the_identity_readout() {
        for nl in [Nonlinearity::Clipped, Nonlinearity::Plain] {
            for alpha in [0.0, 0.3, 1.0] {
                let (ident, x) = setup(nl, Readout::Identity, 3, 3);
                let mut affine = ident.clone();
                affine.readout = Readout::Affine;
                affine
                    .theta
                    .extend([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
                assert_eq!(affine.layout().len, affine.theta.len());
                let pinv = affine.readout_pinv().expect("affine");
                let d = teacher_signals(&pinv, 3, 3, &x);
                let lambda = 0.01;
                let (fi, fa) = (
                    objective(&ident, &x, None, alpha, lambda),
                    objective(&affine, &x, Some(&d), alpha, lambda),
                );
                assert!(
                    (fi - fa).abs() <= 1e-12 * fi.abs(),
                    "{nl:?} α={alpha}: {fi} vs {fa}"
                );
                let gi = gradient(&ident, &x, None, alpha, lambda);
                let ga = gradient(&affine, &x, Some(&d), alpha, lambda);
                let lay = ident.layout();
                let scale = gi.iter().map(|g| g.abs()).fold(0.0, f64::max);
                assert!(scale > 0.0);
                for p in lay.a..lay.b {
                    assert!(
                        (gi[p] - ga[p]).abs() <= 1e-12 * scale,
                        "{nl:?} α={alpha}: θ[{p}] {} vs {}",
                        gi[p],
                        ga[p]
                    );
                }
            }
        }
    }
}
