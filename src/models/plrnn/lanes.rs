//! The training kernel: the GTF forward pass and its hand-derived gradient for up to
//! [`LANES`] sequences at once, in lockstep, in `f32` or `f64`.
//!
//! Takes a network, a chunk of training sequences (each `T + 1` rows of `N`
//! standardised values), the forcing strength and the MSE scale `c`; produces the sum
//! of squared prediction errors and adds the gradient of `(c/2)·Σ‖x̂_t − x_t‖²`
//! (laid out like `θ`) to an `f64` vector, `x̂_t = z_t[..N]` (identity read-out) or
//! `B z_t` (affine read-out, forced on all latents with `d_t = B⁺ x_t`, `B⁺` computed
//! once per batch when the parameters are converted).
//!
//! # Method
//! The same recursion and backward pass as [`super::gtf::forced_forward`] and
//! [`super::bptt::backward`] (or [`super::affine_gtf`] for the affine read-out)
//! (`specs/plrnn.md` §2.1, §5), but every latent and hidden
//! quantity is a fixed-size array holding one value per sequence (a "lane"). Each
//! scalar weight then multiplies a whole lane, so the loops over lanes compile to SIMD
//! instructions, and the gradients are accumulated per lane and summed over lanes in
//! order once per chunk. A chunk with fewer sequences than lanes fills the rest with
//! copies of its first sequence at weight 0, which contribute exactly nothing.
//!
//! Arithmetic runs in the chosen [`Real`] type; the sums handed back are `f64`.
//!
//! # References
//! - F. Hess et al., "Generalized Teacher Forcing for Learning Chaotic Dynamics",
//!   ICML 2023 — the forcing recursion.
//! - P. J. Werbos, "Backpropagation through time: what it does and how to do it",
//!   Proc. IEEE 78 (1990).

use std::ops::{Add, Mul, Sub};

use super::model::{Layout, Nonlinearity, ShPlrnn};

/// Sequences processed in lockstep by one call of [`chunk_gradient`].
pub const LANES: usize = 8;

/// One value per sequence of a chunk.
type Lane<T> = [T; LANES];

/// The float type of the kernel: `f32` (the lab's training precision, twice the SIMD
/// width) or `f64` (for gradient checks).
pub trait Real:
    Copy
    + Default
    + PartialOrd
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + 'static
{
    /// `0`.
    const ZERO: Self;
    /// `1`.
    const ONE: Self;
    /// Rounds an `f64` to this type.
    fn from_f64(v: f64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    #[inline]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
}

/// The network's parameters converted to `T`, block by block.
#[derive(Clone, Debug)]
pub struct Params<T> {
    m: usize,
    l: usize,
    n: usize,
    clipped: bool,
    layout: Layout,
    a: Vec<T>,
    w1: Vec<T>,
    w2: Vec<T>,
    h1: Vec<T>,
    h2: Vec<T>,
    b: Vec<T>,
    /// The affine read-out's `B⁺` (`M × N`); `None` for the identity read-out.
    pinv: Option<Vec<T>>,
}

impl<T: Real> Params<T> {
    /// The parameters of `net` in `T` (and, for the affine read-out, `B⁺`, computed
    /// here in `f64`, once per batch).
    pub fn new(net: &ShPlrnn) -> Self {
        let lay = net.layout();
        let block = |lo: usize, hi: usize| -> Vec<T> {
            net.theta[lo..hi].iter().map(|&v| T::from_f64(v)).collect()
        };
        Self {
            m: net.latent,
            l: net.hidden,
            n: net.observed,
            clipped: net.nonlinearity == Nonlinearity::Clipped,
            layout: lay,
            a: block(lay.a, lay.w1),
            w1: block(lay.w1, lay.w2),
            w2: block(lay.w2, lay.h1),
            h1: block(lay.h1, lay.h2),
            h2: block(lay.h2, lay.b),
            b: block(lay.b, lay.len),
            pinv: net
                .readout_pinv()
                .map(|p| p.iter().map(|&v| T::from_f64(v)).collect()),
        }
    }
}

/// Scratch memory of one chunk: the stored forward pass and the per-lane gradient
/// accumulators. Reused across calls (grown on demand).
#[derive(Clone, Debug, Default)]
pub struct Workspace<T> {
    x: Vec<Lane<T>>,
    zeta: Vec<Lane<T>>,
    v: Vec<Lane<T>>,
    err: Vec<Lane<T>>,
    /// Teacher signals `B⁺ x_t` (affine read-out).
    d: Vec<Lane<T>>,
    /// Pre-forcing states `z_t` (affine read-out).
    z: Vec<Lane<T>>,
    cur: Vec<Lane<T>>,
    acc: Vec<Lane<T>>,
    act: Vec<Lane<T>>,
    g: Vec<Lane<T>>,
    delta: Vec<Lane<T>>,
    grad: Vec<Lane<T>>,
}

fn reset<T: Real>(buf: &mut Vec<Lane<T>>, len: usize) {
    buf.clear();
    buf.resize(len, [T::ZERO; LANES]);
}

/// `acc += w · x`, lane by lane.
#[inline(always)]
fn axpy<T: Real>(acc: &mut Lane<T>, w: T, x: &Lane<T>) {
    for s in 0..LANES {
        acc[s] = acc[s] + w * x[s];
    }
}

/// `acc += x ⊙ y`, lane by lane.
#[inline(always)]
fn fma_lanes<T: Real>(acc: &mut Lane<T>, x: &Lane<T>, y: &Lane<T>) {
    for s in 0..LANES {
        acc[s] = acc[s] + x[s] * y[s];
    }
}

/// Forward pass and gradient of up to [`LANES`] sequences (all of equal length) with
/// forcing strength `alpha` and MSE scale `c`; adds the gradient to `grad` (laid out
/// like `θ`) and returns the sum of squared errors `Σ_t ‖z_t[..N] − x_t‖²` over the
/// sequences.
pub fn chunk_gradient<T: Real>(
    p: &Params<T>,
    seqs: &[&[f64]],
    alpha: f64,
    c: f64,
    ws: &mut Workspace<T>,
    grad: &mut [f64],
) -> f64 {
    assert!(
        !seqs.is_empty() && seqs.len() <= LANES,
        "1 to LANES sequences per chunk"
    );
    let (m, l, n) = (p.m, p.l, p.n);
    let rows = seqs[0].len() / n;
    let steps = rows - 1;
    let weight: Lane<T> = std::array::from_fn(|s| if s < seqs.len() { T::ONE } else { T::ZERO });
    // The chunk's data, transposed to lanes: x[t·N + j][s].
    reset(&mut ws.x, rows * n);
    for (s, seq) in (0..LANES).map(|s| (s, seqs[if s < seqs.len() { s } else { 0 }])) {
        for (dst, &v) in ws.x.iter_mut().zip(seq.iter()) {
            dst[s] = T::from_f64(v);
        }
    }
    let (alpha_t, keep) = (T::from_f64(alpha), T::from_f64(1.0 - alpha));
    reset(&mut ws.zeta, steps * m);
    reset(&mut ws.v, steps * l);
    reset(&mut ws.err, steps * n);
    reset(&mut ws.cur, m);
    reset(&mut ws.acc, m);
    reset(&mut ws.act, l);
    if let Some(pinv) = &p.pinv {
        // d_t = B⁺ x_t for every row; ζ_1 = d_1.
        reset(&mut ws.d, rows * m);
        reset(&mut ws.z, steps * m);
        for t in 0..rows {
            for j in 0..m {
                for i in 0..n {
                    let x = ws.x[t * n + i];
                    axpy(&mut ws.d[t * m + j], pinv[j * n + i], &x);
                }
            }
        }
        ws.cur.copy_from_slice(&ws.d[..m]);
    } else {
        // ζ_1 = [x_1; B x_1].
        ws.cur[..n].copy_from_slice(&ws.x[..n]);
        for r in 0..m - n {
            for j in 0..n {
                let (b, x) = (p.b[r * n + j], ws.x[j]);
                axpy(&mut ws.cur[n + r], b, &x);
            }
        }
    }
    let mut sse: Lane<T> = [T::ZERO; LANES];
    for t in 0..steps {
        ws.zeta[t * m..(t + 1) * m].copy_from_slice(&ws.cur);
        // v = W2 ζ, a = φ(v).
        for k in 0..l {
            let mut v = [T::ZERO; LANES];
            for j in 0..m {
                axpy(&mut v, p.w2[k * m + j], &ws.cur[j]);
            }
            ws.v[t * l + k] = v;
            ws.act[k] = phi_lanes(&v, p.h2[k], p.clipped);
        }
        // z = A ⊙ ζ + W1 a + h1, k outer so the M accumulators are independent chains.
        for i in 0..m {
            ws.acc[i] = std::array::from_fn(|s| p.a[i] * ws.cur[i][s] + p.h1[i]);
        }
        for k in 0..l {
            let a = ws.act[k];
            for i in 0..m {
                axpy(&mut ws.acc[i], p.w1[i * l + k], &a);
            }
        }
        let target = &ws.x[(t + 1) * n..(t + 2) * n];
        if p.pinv.is_some() {
            // x̂ = B z on the pre-forcing z; every latent is forced toward d_t.
            ws.z[t * m..(t + 1) * m].copy_from_slice(&ws.acc);
            for i in 0..n {
                let mut pred = [T::ZERO; LANES];
                for j in 0..m {
                    axpy(&mut pred, p.b[i * m + j], &ws.acc[j]);
                }
                let mut e = [T::ZERO; LANES];
                for s in 0..LANES {
                    e[s] = weight[s] * (pred[s] - target[i][s]);
                    sse[s] = sse[s] + e[s] * e[s];
                }
                ws.err[t * n + i] = e;
            }
            let forced = &ws.d[(t + 1) * m..(t + 2) * m];
            for j in 0..m {
                ws.cur[j] = std::array::from_fn(|s| keep * ws.acc[j][s] + alpha_t * forced[j][s]);
            }
            continue;
        }
        for i in 0..m {
            let z = ws.acc[i];
            if i < n {
                let mut e = [T::ZERO; LANES];
                for s in 0..LANES {
                    e[s] = weight[s] * (z[s] - target[i][s]);
                    sse[s] = sse[s] + e[s] * e[s];
                    ws.cur[i][s] = keep * z[s] + alpha_t * target[i][s];
                }
                ws.err[t * n + i] = e;
            } else {
                ws.cur[i] = z;
            }
        }
    }
    backward(p, steps, keep, T::from_f64(c), ws);
    // Lanes summed in order, in f64.
    for (dst, lane) in grad.iter_mut().zip(&ws.grad) {
        *dst += lane.iter().map(|v| v.to_f64()).sum::<f64>();
    }
    sse.iter().map(|v| v.to_f64()).sum()
}

/// `φ` lane by lane: `relu(v + h2) − relu(v)` (clipped) or `relu(v + h2)`.
#[inline(always)]
fn phi_lanes<T: Real>(v: &Lane<T>, h2: T, clipped: bool) -> Lane<T> {
    let relu = |u: T| if u > T::ZERO { u } else { T::ZERO };
    if clipped {
        std::array::from_fn(|s| relu(v[s] + h2) - relu(v[s]))
    } else {
        std::array::from_fn(|s| relu(v[s] + h2))
    }
}

/// The backward recursion of `specs/plrnn.md` §5 over the stored forward pass, with
/// per-lane accumulators in `ws.grad` (laid out like `θ`).
fn backward<T: Real>(p: &Params<T>, steps: usize, keep: T, c: T, ws: &mut Workspace<T>) {
    let (m, l, n) = (p.m, p.l, p.n);
    let lay = p.layout;
    let (ga, gw1, gw2, gh1, gh2, gb) = (lay.a, lay.w1, lay.w2, lay.h1, lay.h2, lay.b);
    reset(&mut ws.grad, lay.len);
    reset(&mut ws.delta, m);
    reset(&mut ws.g, m);
    let Workspace {
        x,
        zeta,
        v,
        err,
        z,
        g,
        delta,
        grad,
        ..
    } = ws;
    let affine = p.pinv.is_some();
    for t in (0..steps).rev() {
        let zeta = &zeta[t * m..(t + 1) * m];
        if affine {
            // g = c Bᵀ e + (1 − α) δ; ∂B += c e zᵀ (err already carries the lane weight).
            for i in 0..n {
                let ce: Lane<T> = std::array::from_fn(|s| c * err[t * n + i][s]);
                for j in 0..m {
                    fma_lanes(&mut grad[gb + i * m + j], &ce, &z[t * m + j]);
                }
            }
        }
        for i in 0..m {
            g[i] = if affine {
                let mut through_b = [T::ZERO; LANES];
                for r in 0..n {
                    axpy(&mut through_b, p.b[r * m + i], &err[t * n + r]);
                }
                std::array::from_fn(|s| c * through_b[s] + keep * delta[i][s])
            } else if i < n {
                std::array::from_fn(|s| c * err[t * n + i][s] + keep * delta[i][s])
            } else {
                delta[i]
            };
            fma_lanes(&mut grad[ga + i], &g[i], &zeta[i]);
            for s in 0..LANES {
                grad[gh1 + i][s] = grad[gh1 + i][s] + g[i][s];
                delta[i][s] = p.a[i] * g[i][s];
            }
        }
        for k in 0..l {
            let vk = v[t * l + k];
            let h = p.h2[k];
            let act = phi_lanes(&vk, h, p.clipped);
            let mut b = [T::ZERO; LANES];
            for i in 0..m {
                axpy(&mut b, p.w1[i * l + k], &g[i]);
                fma_lanes(&mut grad[gw1 + i * l + k], &g[i], &act);
            }
            let mut r = [T::ZERO; LANES];
            for s in 0..LANES {
                let up = if vk[s] + h > T::ZERO { b[s] } else { T::ZERO };
                grad[gh2 + k][s] = grad[gh2 + k][s] + up;
                r[s] = if p.clipped && vk[s] > T::ZERO {
                    up - b[s]
                } else {
                    up
                };
            }
            for j in 0..m {
                fma_lanes(&mut grad[gw2 + k * m + j], &r, &zeta[j]);
                axpy(&mut delta[j], p.w2[k * m + j], &r);
            }
        }
    }
    if affine {
        // ζ_1 = B⁺ x_1 is a constant.
        return;
    }
    // ζ_1 = [x_1; B x_1]: only B carries a gradient.
    for r in 0..m - n {
        for j in 0..n {
            fma_lanes(&mut grad[gb + r * n + j], &delta[n + r], &x[j]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::affine_gtf;
    use super::super::bptt::backward as reference_backward;
    use super::super::gtf::{Trace, forced_forward};
    use super::super::readout::{Readout, teacher_signals};
    use super::*;
    use rand::SeedableRng;

    fn network(nl: Nonlinearity, readout: Readout, m: usize, n: usize) -> ShPlrnn {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(42);
        let mut net = ShPlrnn::init_with_readout(m, 8, n, nl, readout, &mut rng);
        let lay = net.layout();
        for (k, v) in net.theta[lay.h1..lay.b].iter_mut().enumerate() {
            *v += 0.4 * ((k as f64) * 2.3).cos();
        }
        for v in &mut net.theta[lay.w2..lay.h1] {
            *v *= 2.0;
        }
        net
    }

    fn sequences(count: usize, rows: usize, n: usize) -> Vec<Vec<f64>> {
        (0..count)
            .map(|p| {
                (0..rows * n)
                    .map(|k| {
                        1.3 * ((k as f64) * 0.71 + p as f64).sin() + 0.2 * (k as f64 * 0.13).cos()
                    })
                    .collect()
            })
            .collect()
    }

    /// The lockstep kernel in f64 equals the per-sequence forward and backward pass
    /// (itself checked against finite differences in `bptt`) to rounding, for full and
    /// partly filled chunks, clipped and plain, with and without unobserved latents,
    /// and with the affine read-out (M = N, M > N, M < N).
    #[test]
    fn equals_the_per_sequence_gradient() {
        for (nl, readout, m, n) in [
            (Nonlinearity::Clipped, Readout::Identity, 3, 3),
            (Nonlinearity::Plain, Readout::Identity, 3, 3),
            (Nonlinearity::Clipped, Readout::Identity, 4, 2),
            (Nonlinearity::Plain, Readout::Identity, 4, 2),
            (Nonlinearity::Clipped, Readout::Affine, 3, 3),
            (Nonlinearity::Plain, Readout::Affine, 4, 2),
            (Nonlinearity::Clipped, Readout::Affine, 2, 3),
        ] {
            let net = network(nl, readout, m, n);
            let pinv = net.readout_pinv();
            for (count, alpha) in [(LANES, 0.0), (3, 0.3), (1, 1.0)] {
                let data = sequences(count, 11, n);
                let seqs: Vec<&[f64]> = data.iter().map(|s| s.as_slice()).collect();
                let c = 2.0 / (count * 10 * n) as f64;
                let mut fast = vec![0.0; net.theta.len()];
                let sse = chunk_gradient(
                    &Params::<f64>::new(&net),
                    &seqs,
                    alpha,
                    c,
                    &mut Workspace::default(),
                    &mut fast,
                );
                let mut slow = vec![0.0; net.theta.len()];
                let mut sse_slow = 0.0;
                let mut trace = Trace::default();
                for x in &seqs {
                    if let Some(p) = &pinv {
                        let d = teacher_signals(p, n, m, x);
                        sse_slow += affine_gtf::forced_forward(&net, x, &d, alpha, &mut trace);
                        affine_gtf::backward(&net, alpha, &trace, c, &mut slow);
                    } else {
                        sse_slow += forced_forward(&net, x, alpha, &mut trace);
                        reference_backward(&net, x, alpha, &trace, c, &mut slow);
                    }
                }
                assert!(
                    (sse - sse_slow).abs() < 1e-12 * sse_slow,
                    "{nl:?} {readout:?} sse"
                );
                let scale = slow.iter().map(|g| g.abs()).fold(0.0, f64::max);
                for (p, (a, b)) in fast.iter().zip(&slow).enumerate() {
                    assert!(
                        (a - b).abs() < 1e-12 * scale,
                        "{nl:?} {readout:?} M={m} count={count} α={alpha}: θ[{p}] {a} vs {b}"
                    );
                }
            }
        }
    }

    /// f32 arithmetic changes the gradient by rounding only (relative 1e-4 on the
    /// gradient's norm for 200-step sequences).
    #[test]
    fn single_precision_is_close_to_double() {
        let net = network(Nonlinearity::Clipped, Readout::Identity, 3, 3);
        let data = sequences(LANES, 201, 3);
        let seqs: Vec<&[f64]> = data.iter().map(|s| s.as_slice()).collect();
        let c = 2.0 / (LANES * 200 * 3) as f64;
        let run = |f32_kernel: bool| {
            let mut g = vec![0.0; net.theta.len()];
            let sse = if f32_kernel {
                chunk_gradient(
                    &Params::<f32>::new(&net),
                    &seqs,
                    0.2,
                    c,
                    &mut Workspace::default(),
                    &mut g,
                )
            } else {
                chunk_gradient(
                    &Params::<f64>::new(&net),
                    &seqs,
                    0.2,
                    c,
                    &mut Workspace::default(),
                    &mut g,
                )
            };
            (sse, g)
        };
        let ((s32, g32), (s64, g64)) = (run(true), run(false));
        assert!((s32 / s64 - 1.0).abs() < 1e-5, "{s32} vs {s64}");
        let diff: f64 = g32.iter().zip(&g64).map(|(a, b)| (a - b).powi(2)).sum();
        let norm: f64 = g64.iter().map(|b| b * b).sum();
        assert!((diff / norm).sqrt() < 1e-4, "{}", (diff / norm).sqrt());
    }
}
