//! Generalized teacher forcing with the affine read-out `x̂ = B z`: the forced forward
//! pass over one sequence and its exact hand-derived gradient, in `f64` (the
//! reference the lockstep kernel [`super::lanes`] is checked against).
//!
//! Takes a network with [`Readout::Affine`](super::readout::Readout), a sequence
//! `x_1 … x_{T+1}` of standardised observations and its teacher signals
//! `d_t = B⁺ x_t` (constants: computed once per batch outside the gradient); produces
//! the sum of squared read-out errors `Σ_t ‖B z_t − x_t‖²` and its gradient.
//!
//! # Method
//! Forward (`specs/plrnn.md` §2.1–§2.2): `ζ_1 = d_1`; for `t = 2 … T+1`:
//! `z_t = F_θ(ζ_{t−1})`, `e_t = B z_t − x_t` (the loss uses the pre-forcing `z_t`),
//! `ζ_t = (1 − α) z_t + α d_t` on **all** `M` latents.
//!
//! Backward, with `δ_{T+1} = 0`, for `t = T+1 … 2`: `g_t = c Bᵀ e_t + (1 − α) δ_t`;
//! `∂B += c e_t z_tᵀ`; the map's own step ([`super::bptt::step_backward`]) gives the
//! other blocks and `δ_{t−1}`. `ζ_1 = d_1` is a constant, so nothing flows past it.
//!
//! # References
//! - F. Hess, Z. Monfared, M. Brenner, D. Durstewitz, "Generalized Teacher Forcing for
//!   Learning Chaotic Dynamics", ICML 2023 (PMLR 202) — forcing with `B⁺ x_t` for the
//!   affine observation model.
//! - P. J. Werbos, "Backpropagation through time: what it does and how to do it",
//!   Proc. IEEE 78 (1990).

use super::bptt::step_backward;
use super::gtf::Trace;
use super::model::ShPlrnn;

/// Runs the forced recursion over `x` (`T + 1` rows of `N` values) with teacher
/// signals `d` (`T + 1` rows of `M` values), storing the trace (including the
/// pre-forcing states `z_t`); returns `Σ_t ‖B z_t − x_t‖²`.
pub fn forced_forward(net: &ShPlrnn, x: &[f64], d: &[f64], alpha: f64, trace: &mut Trace) -> f64 {
    let (m, l, n) = (net.latent, net.hidden, net.observed);
    let steps = x.len() / n - 1;
    trace.zeta.resize(steps * m, 0.0);
    trace.v.resize(steps * l, 0.0);
    trace.err.resize(steps * n, 0.0);
    trace.z.resize(steps * m, 0.0);
    let lay = net.layout();
    let (a, w1, h1, h2, b) = (
        &net.theta[lay.a..lay.w1],
        &net.theta[lay.w1..lay.w2],
        &net.theta[lay.h1..lay.h2],
        &net.theta[lay.h2..lay.b],
        &net.theta[lay.b..lay.len],
    );
    let mut zeta = d[..m].to_vec();
    let mut act = vec![0.0; l];
    let mut sse = 0.0;
    for s in 0..steps {
        trace.zeta[s * m..(s + 1) * m].copy_from_slice(&zeta);
        let v = &mut trace.v[s * l..(s + 1) * l];
        net.pre_activation(&zeta, v);
        for k in 0..l {
            act[k] = net.phi(v[k], h2[k]);
        }
        let z = &mut trace.z[s * m..(s + 1) * m];
        for i in 0..m {
            let drive: f64 = w1[i * l..(i + 1) * l]
                .iter()
                .zip(&act)
                .map(|(w, a)| w * a)
                .sum();
            z[i] = a[i] * zeta[i] + drive + h1[i];
        }
        let target = &x[(s + 1) * n..(s + 2) * n];
        for i in 0..n {
            let pred: f64 = b[i * m..(i + 1) * m]
                .iter()
                .zip(z.iter())
                .map(|(p, q)| p * q)
                .sum();
            let e = pred - target[i];
            trace.err[s * n + i] = e;
            sse += e * e;
        }
        let forced = &d[(s + 1) * m..(s + 2) * m];
        for j in 0..m {
            zeta[j] = (1.0 - alpha) * z[j] + alpha * forced[j];
        }
    }
    sse
}

/// Accumulates into `grad` the gradient of `(c/2)·Σ_t ‖B z_t − x_t‖²` for one
/// sequence whose forced forward pass with strength `alpha` is `trace`, the teacher
/// signals held constant.
pub fn backward(net: &ShPlrnn, alpha: f64, trace: &Trace, c: f64, grad: &mut [f64]) {
    let (m, l, n) = (net.latent, net.hidden, net.observed);
    let lay = net.layout();
    let steps = trace.err.len() / n;
    let b = &net.theta[lay.b..lay.len];
    let mut delta = vec![0.0; m];
    let mut g = vec![0.0; m];
    let mut r_v = vec![0.0; l];
    for s in (0..steps).rev() {
        let z = &trace.z[s * m..(s + 1) * m];
        let e = &trace.err[s * n..(s + 1) * n];
        for j in 0..m {
            let through_b: f64 = (0..n).map(|i| b[i * m + j] * e[i]).sum();
            g[j] = c * through_b + (1.0 - alpha) * delta[j];
        }
        for i in 0..n {
            let ce = c * e[i];
            for j in 0..m {
                grad[lay.b + i * m + j] += ce * z[j];
            }
        }
        let zeta = &trace.zeta[s * m..(s + 1) * m];
        let v = &trace.v[s * l..(s + 1) * l];
        step_backward(net, zeta, v, &g, &mut r_v, &mut delta, grad);
    }
}
