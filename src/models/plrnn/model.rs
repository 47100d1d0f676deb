//! The shallow PLRNN (shPLRNN) and its clipped variant: parameters, one step of the
//! latent map, its Jacobian, and the initialisation of Hess et al. (2023).
//!
//! Takes a latent state `z ∈ R^M`; produces `z' = A ⊙ z + W1 φ(W2 z, h2) + h1` with
//! `φ = relu(W2 z + h2) − relu(W2 z)` (clipped, the default) or `relu(W2 z + h2)`
//! (plain). The read-out is the identity (the first `N` latents; when `M > N` the
//! unobserved latents start at `B x_1` with a trainable `B ∈ R^{(M−N)×N}`) or affine
//! (`x̂ = B z` with a trainable `B ∈ R^{N×M}`, see [`super::readout`]).
//!
//! # References
//! - F. Hess, Z. Monfared, M. Brenner, D. Durstewitz, "Generalized Teacher Forcing for
//!   Learning Chaotic Dynamics", ICML 2023 (PMLR 202), Eq. (shPLRNN) and its clipped
//!   form; initialisation as in the authors' published settings (see
//!   `specs/plrnn.md` §1.3–§1.6).

use rand::Rng;
use rand_distr::{Distribution, StandardNormal, Uniform};
use serde::{Deserialize, Serialize};

use super::readout::{Readout, mat_vec, pseudo_inverse};

/// Which nonlinearity the hidden layer uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Nonlinearity {
    /// `relu(W2 z + h2) − relu(W2 z)`: bounded drive, so orbits stay bounded when
    /// `max |A_i| < 1` (Hess et al. 2023, clipped shPLRNN).
    #[default]
    Clipped,
    /// `relu(W2 z + h2)`: the plain shPLRNN.
    Plain,
}

/// Offsets of each parameter block inside the flat parameter vector `θ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `A` (length M).
    pub a: usize,
    /// `W1` (M × L, row-major).
    pub w1: usize,
    /// `W2` (L × M, row-major).
    pub w2: usize,
    /// `h1` (length M).
    pub h1: usize,
    /// `h2` (length L).
    pub h2: usize,
    /// `B`: the identity read-out's initial-state map of the unobserved latents
    /// ((M−N) × N, row-major) or the affine read-out matrix (N × M, row-major).
    pub b: usize,
    /// Total number of parameters.
    pub len: usize,
}

impl Layout {
    /// The layout for latent size `m`, hidden size `l`, observed size `n` (`n ≤ m` for
    /// the identity read-out).
    pub fn new(m: usize, l: usize, n: usize, readout: Readout) -> Self {
        let a = 0;
        let w1 = a + m;
        let w2 = w1 + m * l;
        let h1 = w2 + l * m;
        let h2 = h1 + m;
        let b = h2 + l;
        let len = b + readout.parameter_count(m, n);
        Self {
            a,
            w1,
            w2,
            h1,
            h2,
            b,
            len,
        }
    }
}

/// A shallow PLRNN: sizes, nonlinearity and the flat parameter vector `θ`
/// (blocks in the order of [`Layout`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShPlrnn {
    /// Latent dimension `M`.
    pub latent: usize,
    /// Hidden width `L`.
    pub hidden: usize,
    /// Observed dimension `N`.
    pub observed: usize,
    /// Clipped or plain.
    pub nonlinearity: Nonlinearity,
    /// The observation model (networks saved before it existed are identity).
    #[serde(default)]
    pub readout: Readout,
    /// All parameters, laid out as [`ShPlrnn::layout`] says.
    pub theta: Vec<f64>,
}

impl ShPlrnn {
    /// A network with the initialisation of Hess et al. (2023) (`specs/plrnn.md` §1.5):
    /// `A = diag(K)/λ_max(K)` with `K = RᵀR/M + I`, `R ~ N(0,1)^{M×M}`;
    /// `W1 ~ U(±1/√L)`, `W2 ~ U(±1/√M)`, `h1 = 0`; `h2 ~ U(±1/√L)` for the clipped
    /// network (zero would make its nonlinearity vanish) and `0` for the plain one;
    /// `B` Glorot-uniform, `U(±√(6/(M−N+N)))`. Identity read-out.
    pub fn init(
        latent: usize,
        hidden: usize,
        observed: usize,
        nonlinearity: Nonlinearity,
        rng: &mut impl Rng,
    ) -> Self {
        Self::init_with_readout(
            latent,
            hidden,
            observed,
            nonlinearity,
            Readout::Identity,
            rng,
        )
    }

    /// As [`ShPlrnn::init`] with the chosen read-out; the affine `B` (`N × M`) is
    /// Kaiming-normal, `N(0, 2/M)`, drawn after the other blocks (so the identity
    /// network's draws are unchanged).
    pub fn init_with_readout(
        latent: usize,
        hidden: usize,
        observed: usize,
        nonlinearity: Nonlinearity,
        readout: Readout,
        rng: &mut impl Rng,
    ) -> Self {
        assert!(
            observed >= 1
                && latent >= 1
                && (readout == Readout::Affine || latent >= observed)
                && hidden >= 1,
            "sizes are checked by the caller"
        );
        let (m, l, n) = (latent, hidden, observed);
        let lay = Layout::new(m, l, n, readout);
        let mut theta = vec![0.0; lay.len];
        // A from the normalised random positive-definite matrix K.
        let r: Vec<f64> = (0..m * m).map(|_| StandardNormal.sample(rng)).collect();
        let k = faer::Mat::from_fn(m, m, |i, j| {
            let rtr: f64 = (0..m).map(|p| r[p * m + i] * r[p * m + j]).sum();
            rtr / m as f64 + if i == j { 1.0 } else { 0.0 }
        });
        // K is symmetric positive definite, so its largest singular value is its
        // largest eigenvalue; the diagonal of K is at least 1, so the value is ≥ 1.
        let lambda_max = k
            .singular_values()
            .ok()
            .and_then(|s| s.first().copied())
            .filter(|s| s.is_finite() && *s >= 1.0)
            .unwrap_or_else(|| (0..m).map(|i| k[(i, i)]).fold(1.0, f64::max));
        for i in 0..m {
            theta[lay.a + i] = k[(i, i)] / lambda_max;
        }
        let uniform = |radius: f64| Uniform::new_inclusive(-radius, radius).expect("radius > 0");
        let u1 = uniform(1.0 / (l as f64).sqrt());
        for v in &mut theta[lay.w1..lay.w1 + m * l] {
            *v = u1.sample(rng);
        }
        let u2 = uniform(1.0 / (m as f64).sqrt());
        for v in &mut theta[lay.w2..lay.w2 + l * m] {
            *v = u2.sample(rng);
        }
        if nonlinearity == Nonlinearity::Clipped {
            for v in &mut theta[lay.h2..lay.h2 + l] {
                *v = u1.sample(rng);
            }
        }
        match readout {
            Readout::Identity if m > n => {
                let ub = uniform((6.0 / m as f64).sqrt());
                for v in &mut theta[lay.b..lay.len] {
                    *v = ub.sample(rng);
                }
            }
            Readout::Identity => {}
            Readout::Affine => {
                theta[lay.b..lay.len].copy_from_slice(&Readout::kaiming_normal(n, m, rng));
            }
        }
        Self {
            latent,
            hidden,
            observed,
            nonlinearity,
            readout,
            theta,
        }
    }

    /// Where each block sits in `θ`.
    pub fn layout(&self) -> Layout {
        Layout::new(self.latent, self.hidden, self.observed, self.readout)
    }

    /// The read-out block `B` (see [`Layout::b`]).
    pub fn readout_matrix(&self) -> &[f64] {
        &self.theta[self.layout().b..]
    }

    /// The affine read-out's pseudo-inverse `B⁺` (`M × N`, row-major); `None` for the
    /// identity read-out.
    pub fn readout_pinv(&self) -> Option<Vec<f64>> {
        (self.readout == Readout::Affine)
            .then(|| pseudo_inverse(self.readout_matrix(), self.observed, self.latent))
    }

    /// The predicted observation `x̂` of latent state `z` into `out` (length N):
    /// `z[..N]` (identity) or `B z` (affine).
    pub fn observe(&self, z: &[f64], out: &mut [f64]) {
        match self.readout {
            Readout::Identity => out.copy_from_slice(&z[..self.observed]),
            Readout::Affine => mat_vec(self.readout_matrix(), self.latent, z, out),
        }
    }

    /// `A`.
    pub fn a(&self) -> &[f64] {
        let lay = self.layout();
        &self.theta[lay.a..lay.w1]
    }

    /// The hidden pre-activations `v = W2 z` into `v` (length L).
    pub fn pre_activation(&self, z: &[f64], v: &mut [f64]) {
        let (m, lay) = (self.latent, self.layout());
        let w2 = &self.theta[lay.w2..lay.h1];
        for (k, vk) in v.iter_mut().enumerate() {
            *vk = w2[k * m..(k + 1) * m]
                .iter()
                .zip(z)
                .map(|(w, z)| w * z)
                .sum();
        }
    }

    /// `φ(v)_k`: `relu(v + h2_k) − relu(v)` or `relu(v + h2_k)`.
    #[inline]
    pub fn phi(&self, v: f64, h2: f64) -> f64 {
        let u = v + h2;
        match self.nonlinearity {
            Nonlinearity::Clipped => u.max(0.0) - v.max(0.0),
            Nonlinearity::Plain => u.max(0.0),
        }
    }

    /// `dφ/dv` with the strict indicator `1[u > 0]` (zero at the kink):
    /// `1[v + h2 > 0] − 1[v > 0]` (clipped) or `1[v + h2 > 0]` (plain).
    #[inline]
    pub fn phi_slope(&self, v: f64, h2: f64) -> f64 {
        let up = if v + h2 > 0.0 { 1.0 } else { 0.0 };
        match self.nonlinearity {
            Nonlinearity::Clipped => up - if v > 0.0 { 1.0 } else { 0.0 },
            Nonlinearity::Plain => up,
        }
    }

    /// One step `z' = A ⊙ z + W1 φ(W2 z) + h1`; `hidden` is scratch of length L.
    pub fn step(&self, z: &[f64], out: &mut [f64], hidden: &mut [f64]) {
        let (m, l, lay) = (self.latent, self.hidden, self.layout());
        self.pre_activation(z, hidden);
        let h2 = &self.theta[lay.h2..lay.b];
        for (v, h) in hidden.iter_mut().zip(h2) {
            *v = self.phi(*v, *h);
        }
        let w1 = &self.theta[lay.w1..lay.w2];
        for i in 0..m {
            let drive: f64 = w1[i * l..(i + 1) * l]
                .iter()
                .zip(hidden.iter())
                .map(|(w, a)| w * a)
                .sum();
            out[i] = self.theta[lay.a + i] * z[i] + drive + self.theta[lay.h1 + i];
        }
    }

    /// The Jacobian `J(z) = diag(A) + W1 D(z) W2` (row-major M × M), `D` the diagonal of
    /// [`ShPlrnn::phi_slope`] (`specs/plrnn.md` §1.6).
    pub fn jacobian(&self, z: &[f64]) -> Vec<f64> {
        let (m, l, lay) = (self.latent, self.hidden, self.layout());
        let mut v = vec![0.0; l];
        self.pre_activation(z, &mut v);
        let mut jac = vec![0.0; m * m];
        for i in 0..m {
            jac[i * m + i] = self.theta[lay.a + i];
        }
        for k in 0..l {
            let d = self.phi_slope(v[k], self.theta[lay.h2 + k]);
            if d == 0.0 {
                continue;
            }
            for i in 0..m {
                let w1d = self.theta[lay.w1 + i * l + k] * d;
                for j in 0..m {
                    jac[i * m + j] += w1d * self.theta[lay.w2 + k * m + j];
                }
            }
        }
        jac
    }

    /// The Jacobian–vector product `J(z) q` without forming `J`; `hidden` is scratch of
    /// length L.
    pub fn jvp(&self, z: &[f64], q: &[f64], out: &mut [f64], hidden: &mut [f64]) {
        let (m, l, lay) = (self.latent, self.hidden, self.layout());
        let w2 = &self.theta[lay.w2..lay.h1];
        for k in 0..l {
            let row = &w2[k * m..(k + 1) * m];
            let v: f64 = row.iter().zip(z).map(|(w, z)| w * z).sum();
            let d = self.phi_slope(v, self.theta[lay.h2 + k]);
            hidden[k] = if d == 0.0 {
                0.0
            } else {
                d * row.iter().zip(q).map(|(w, q)| w * q).sum::<f64>()
            };
        }
        let w1 = &self.theta[lay.w1..lay.w2];
        for i in 0..m {
            let s: f64 = w1[i * l..(i + 1) * l]
                .iter()
                .zip(hidden.iter())
                .map(|(w, h)| w * h)
                .sum();
            out[i] = self.theta[lay.a + i] * q[i] + s;
        }
    }

    /// The initial latent state for an observation `x` (length N): `[x; B x]`
    /// (identity) or `B⁺ x` (affine; the pseudo-inverse is computed on each call, so
    /// loops over many observations use [`ShPlrnn::readout_pinv`] once instead).
    pub fn initial_state(&self, x: &[f64], z: &mut [f64]) {
        if let Some(pinv) = self.readout_pinv() {
            mat_vec(&pinv, self.observed, x, z);
            return;
        }
        let (m, n, lay) = (self.latent, self.observed, self.layout());
        z[..n].copy_from_slice(x);
        for r in 0..m - n {
            z[n + r] = (0..n).map(|j| self.theta[lay.b + r * n + j] * x[j]).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn net(nl: Nonlinearity) -> ShPlrnn {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
        let mut net = ShPlrnn::init(4, 9, 2, nl, &mut rng);
        // Larger h1/h2 than the initialisation so that every regime of φ is visited.
        let lay = net.layout();
        for (k, v) in net.theta[lay.h1..lay.b].iter_mut().enumerate() {
            *v += 0.3 * ((k as f64) * 1.7).sin();
        }
        net
    }

    #[test]
    fn initialisation_follows_the_paper() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
        let net = ShPlrnn::init(5, 40, 3, Nonlinearity::Clipped, &mut rng);
        let lay = net.layout();
        assert_eq!(lay.len, 5 + 2 * 5 * 40 + 5 + 40 + 2 * 3);
        // A_i = K_ii / λ_max(K) lies in (0, 1].
        assert!(
            net.a().iter().all(|&a| a > 0.0 && a <= 1.0),
            "{:?}",
            net.a()
        );
        let r1 = 1.0 / 40f64.sqrt();
        assert!(net.theta[lay.w1..lay.w2].iter().all(|w| w.abs() <= r1));
        assert!(net.theta[lay.h2..lay.b].iter().all(|w| w.abs() <= r1));
        assert!(net.theta[lay.h2..lay.b].iter().any(|w| *w != 0.0));
        assert!(net.theta[lay.h1..lay.h2].iter().all(|w| *w == 0.0));
    }

    /// The Jacobian against central differences of the step; the map is piecewise
    /// linear, so away from kinks a step of 1e-6 is exact up to rounding (1e-8).
    #[test]
    fn jacobian_matches_finite_differences() {
        for nl in [Nonlinearity::Clipped, Nonlinearity::Plain] {
            let net = net(nl);
            let m = net.latent;
            let z = [0.4, -1.1, 0.7, 0.2];
            let jac = net.jacobian(&z);
            let (mut hp, mut hm) = (vec![0.0; m], vec![0.0; m]);
            let mut scratch = vec![0.0; net.hidden];
            let eps = 1e-6;
            for j in 0..m {
                let mut zp = z;
                let mut zm = z;
                zp[j] += eps;
                zm[j] -= eps;
                net.step(&zp, &mut hp, &mut scratch);
                net.step(&zm, &mut hm, &mut scratch);
                for i in 0..m {
                    let fd = (hp[i] - hm[i]) / (2.0 * eps);
                    assert!((fd - jac[i * m + j]).abs() < 1e-8, "{nl:?} J[{i},{j}]");
                }
            }
            let q = [0.3, 0.1, -0.5, 1.0];
            let mut jq = vec![0.0; m];
            net.jvp(&z, &q, &mut jq, &mut scratch);
            for i in 0..m {
                let exact: f64 = (0..m).map(|j| jac[i * m + j] * q[j]).sum();
                assert!((jq[i] - exact).abs() < 1e-12);
            }
        }
    }

    /// The clipped drive is bounded by |h2| elementwise, so with max|A| < 1 a huge
    /// start state contracts toward a bounded set.
    #[test]
    fn clipped_orbits_stay_bounded() {
        let net = net(Nonlinearity::Clipped);
        let mut z = vec![1e6, -1e6, 1e6, 5e5];
        let mut next = vec![0.0; 4];
        let mut scratch = vec![0.0; net.hidden];
        for _ in 0..20_000 {
            net.step(&z, &mut next, &mut scratch);
            std::mem::swap(&mut z, &mut next);
        }
        let lay = net.layout();
        // z_T = A^T z_0 + Σ A^s d_s with |d_s,i| ≤ Σ_k |W1_ik h2_k| + |h1_i|, so
        // |z_T,i| ≤ |A_i|^T |z_0,i| + drive_i / (1 − |A_i|) exactly.
        for i in 0..4 {
            let a = net.a()[i].abs();
            assert!(a < 1.0);
            let drive: f64 = (0..net.hidden)
                .map(|k| (net.theta[lay.w1 + i * net.hidden + k] * net.theta[lay.h2 + k]).abs())
                .sum::<f64>()
                + net.theta[lay.h1 + i].abs();
            let bound = a.powi(20_000) * 1e6 + drive / (1.0 - a);
            assert!(
                z[i].abs() <= bound * (1.0 + 1e-9),
                "z{i} = {} > {bound}",
                z[i]
            );
        }
    }
}
