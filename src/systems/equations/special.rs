//! Hand-written equations: the systems whose right-hand sides are sums over vector or
//! matrix parameters (BeerRNN, BickleyJet, Hopfield, InteriorSquirmer, Lorenz96,
//! MacArthur, MultiChua), written from the dysts reference `EQUATIONS.md`, and the
//! unforced van der Pol oscillator, which is not in dysts.
//!
//! Vector parameters arrive flattened row-major in the parameter slice at their
//! sorted-name position; each function's doc gives its layout.

use std::f64::consts::PI;

use crate::systems::scalar::Scalar;

/// Unforced van der Pol oscillator (van der Pol 1926): `dx/dt = y`,
/// `dy/dt = mu (1 − x²) y − x`. Params `mu`.
pub fn van_der_pol<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let mu = p[0];
    dx[0] = x[1];
    dx[1] = (S::c(1.0) - x[0] * x[0]) * x[1] * mu - x[0];
}

/// The logistic sigmoid `1/(1 + e^(−u))`.
fn sigmoid<S: Scalar>(u: S) -> S {
    S::c(1.0) / ((-u).exp() + 1.0)
}

/// BeerRNN (Beer 1995, a continuous-time recurrent neural network):
/// `dx_i/dt = (−x_i + Σ_j w_ij σ(x_j + θ_j)) / τ_i`.
/// Params: `tau` (3) at 0..3, `theta` (3) at 3..6, `w` (3×3, rows) at 6..15.
pub fn beer_rnn<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (tau, theta, w) = (&p[0..3], &p[3..6], &p[6..15]);
    let s: [S; 3] = std::array::from_fn(|j| sigmoid(x[j] + theta[j]));
    for i in 0..3 {
        let mut acc = -x[i];
        for j in 0..3 {
            acc = acc + s[j] * w[3 * i + j];
        }
        dx[i] = acc / tau[i];
    }
}

/// BickleyJet (del-Castillo-Negrete & Morrison 1993), state `(y, x, z)` with the phase
/// `z`: `dy/dt = ℓ u sech²(y/ℓ) Σ ε_i k_i sin(k_i (x − σ_i z))`,
/// `dx/dt = u sech²(y/ℓ) (−1 − 2 tanh(y/ℓ) Σ ε_i cos(k_i (x − σ_i z)))`, `dz/dt = ω`.
/// Params: `ell` 0, `eps` (3) 1..4, `k` (3) 4..7, `omega` 7, `sigma` (3) 8..11, `u` 11.
pub fn bickley_jet<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (ell, eps, k, omega, sigma, u) = (p[0], &p[1..4], &p[4..7], p[7], &p[8..11], p[11]);
    let (y, xx, z) = (x[0], x[1], x[2]);
    let sech2 = (S::c(1.0) / (y / ell).cosh()).powi(2);
    let mut s_sin = S::c(0.0);
    let mut s_cos = S::c(0.0);
    for i in 0..3 {
        let arg = (xx - z * sigma[i]) * k[i];
        s_sin = s_sin + arg.sin() * (eps[i] * k[i]);
        s_cos = s_cos + arg.cos() * eps[i];
    }
    dx[0] = sech2 * s_sin * (ell * u);
    dx[1] = sech2 * (S::c(-1.0) - (y / ell).tanh() * s_cos * 2.0) * u;
    dx[2] = S::c(omega);
}

/// BickleyJet's output map (dysts): `(y, sin(k_min x), sin(ω k_min σ_min z))`.
pub fn bickley_jet_output<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    let (k, omega, sigma) = (&p[4..7], p[7], &p[8..11]);
    let kmin = k.iter().copied().fold(f64::INFINITY, f64::min);
    let smin = sigma.iter().copied().fold(f64::INFINITY, f64::min);
    out[0] = x[0];
    out[1] = (x[1] * kmin).sin();
    out[2] = (x[2] * (omega * kmin * smin)).sin();
}

/// Hopfield network (Lewis & Glass 1991):
/// `dx_i/dt = −x_i/τ + (1 + tanh(ε Σ_j k_ij x_j))/2 − β`.
/// Params: `beta` 0, `eps` 1, `k` (6×6, rows) 2..38, `tau` 38.
pub fn hopfield<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (beta, eps, k, tau) = (p[0], p[1], &p[2..38], p[38]);
    for i in 0..6 {
        let mut u = S::c(0.0);
        for j in 0..6 {
            u = u + x[j] * k[6 * i + j];
        }
        dx[i] = -x[i] / tau + ((u * eps).tanh() + 1.0) / 2.0 - beta;
    }
}

/// The blinking protocol `W = 1/2 + 1/2 tanh(20 τ sin(2π t/τ))` of the squirmer, rotlet
/// and cavity flows.
fn blink<S: Scalar>(tt: S, tau: f64) -> S {
    ((tt * (2.0 * PI / tau)).sin() * (20.0 * tau)).tanh() * 0.5 + 0.5
}

/// InteriorSquirmer (Blake 1971; dysts), state `(r, th, tt)`:
/// `dr/dt = Σ_n n rⁿ ((r² − 1)/r)(G_n cos nθ + A_n sin nθ)`,
/// `dθ/dt = (1/r) Σ_n rⁿ (2r + n (r² − 1)/r)(A_n cos nθ − G_n sin nθ)`, `dtt/dt = 1`,
/// with `A_n = a_n W`, `G_n = g_n (1 − W)`. Params: `a` (5) 0..5, `g` (5) 5..10, `tau` 10.
pub fn interior_squirmer<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (a, g, tau) = (&p[0..5], &p[5..10], p[10]);
    let (r, th, tt) = (x[0], x[1], x[2]);
    let w = blink(tt, tau);
    let q = (r * r - 1.0) / r;
    let mut dr = S::c(0.0);
    let mut dth = S::c(0.0);
    for i in 0..5 {
        let n = (i + 1) as f64;
        let (an, gn) = (w * a[i], (S::c(1.0) - w) * g[i]);
        let (c, s) = ((th * n).cos(), (th * n).sin());
        let rn = r.powi(i as i32 + 1);
        dr = dr + rn * q * (gn * c + an * s) * n;
        dth = dth + rn * (r * 2.0 + q * n) * (an * c - gn * s);
    }
    dx[0] = dr;
    dx[1] = dth / r;
    dx[2] = S::c(1.0);
}

/// InteriorSquirmer's output map (dysts): `(r cos θ, r sin θ, sin(2π tt/τ))`.
pub fn interior_squirmer_output<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    let tau = p[10];
    out[0] = x[0] * x[1].cos();
    out[1] = x[0] * x[1].sin();
    out[2] = (x[2] * (2.0 * PI / tau)).sin();
}

/// Lorenz-96 with N = 4 (Lorenz 1996): `dx_i/dt = (x_{i+1} − x_{i−2}) x_{i−1} − x_i + f`,
/// indices cyclic. Params `f`.
pub fn lorenz96<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (f, n) = (p[0], x.len());
    for i in 0..n {
        let (ip1, im1, im2) = ((i + 1) % n, (i + n - 1) % n, (i + n - 2) % n);
        dx[i] = (x[ip1] - x[im2]) * x[im1] - x[i] + f;
    }
}

/// MacArthur consumer–resource model (Huisman & Weissing 1999), state `N1..N5, R1..R5`:
/// `dN_i/dt = N_i (μ_i − m)`, `dR_j/dt = d (s_j − R_j) − Σ_i c_ji μ_i N_i`,
/// `μ_i = min_j r R_j / (k_ji + R_j)` (Liebig's law of the minimum).
/// Params: `c` (5×5, rows = resources) 0..25, `d` 25, `k` (5×5) 26..51, `m` 51, `r` 52,
/// `s` (5) 53..58.
pub fn mac_arthur<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (c, d, k, m, r, s) = (&p[0..25], p[25], &p[26..51], p[51], p[52], &p[53..58]);
    let (n, res) = (&x[0..5], &x[5..10]);
    let mu: [S; 5] = std::array::from_fn(|i| {
        let mut best = res[0] * r / (res[0] + k[i]);
        for j in 1..5 {
            best = best.min(res[j] * r / (res[j] + k[5 * j + i]));
        }
        best
    });
    for i in 0..5 {
        dx[i] = n[i] * (mu[i] - m);
    }
    for j in 0..5 {
        let mut uptake = S::c(0.0);
        for i in 0..5 {
            uptake = uptake + mu[i] * n[i] * c[5 * j + i];
        }
        dx[5 + j] = (S::c(s[j]) - res[j]) * d - uptake;
    }
}

/// Multi-scroll Chua circuit (Yalcin et al. 2002): `dx/dt = a (y − g(x))`,
/// `dy/dt = x − y + z`, `dz/dt = −b y`, with
/// `g(u) = m_5 u + Σ_{i=1..5} ½ (m_{i−1} − m_i)(|u + c_i| − |u − c_i|)`.
/// Params: `a` 0, `b` 1, `c` (6) 2..8, `m` (6) 8..14.
pub fn multi_chua<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (a, b, c, m) = (p[0], p[1], &p[2..8], &p[8..14]);
    let u = x[0];
    let mut g = u * m[5];
    for i in 1..6 {
        g = g + ((u + c[i]).abs() - (u - c[i]).abs()) * (0.5 * (m[i - 1] - m[i]));
    }
    dx[0] = (x[1] - g) * a;
    dx[1] = x[0] - x[1] + x[2];
    dx[2] = -x[1] * b;
}

/// Torus (a quasi-periodic flow; dysts cites Strogatz 1994), whose right-hand side reads
/// the absolute time: `dx/dt = −a n sin(n t) cos t − (r + a cos(n t)) sin t`,
/// `dy/dt = −a n sin(n t) sin t + (r + a cos(n t)) cos t`, `dz/dt = a n cos(n t)`.
/// The time is carried as a fourth state `t` with `dt/dt = 1` (starting at 0, as dysts'
/// integration does), so the system is autonomous for every solver; the output map
/// drops it, so trajectories have dysts' three columns. Params `a`, `n`, `r`.
pub fn torus<S: Scalar>(x: &[S], p: &[f64], dx: &mut [S]) {
    let (a, n, r) = (p[0], p[1], p[2]);
    let t = x[3];
    let nt = t * n;
    let radius = nt.cos() * a + r;
    dx[0] = -(nt.sin() * t.cos()) * (a * n) - radius * t.sin();
    dx[1] = -(nt.sin() * t.sin()) * (a * n) + radius * t.cos();
    dx[2] = nt.cos() * (a * n);
    dx[3] = S::c(1.0);
}

/// The observed coordinates of [`torus`]: `(x, y, z)` without the clock.
pub fn torus_output<S: Scalar>(x: &[S], _p: &[f64], out: &mut [S]) {
    out[..3].copy_from_slice(&x[..3]);
}

/// BlinkingVortexMap (Aref's blinking vortex, as written in dysts `maps.py`): the
/// stroboscopic map of a point vortex at `±b` inside a circular domain of radius `a`,
/// in polar coordinates `(rt, tt)`. With `a2b = a²/b`,
/// `λ² = (b² + rt² − 2 b rt cos tt)/(a2b² + rt² − 2 a2b rt cos tt)`,
/// `η = (b − λ² a2b)/(1 − λ²)`, `ρ = |λ (a2b − b)/(1 − λ²)|`,
/// `tp = atan2(rt sin tt, rt cos tt − η)`, `fac = 2λ/(1 + λ²)`,
/// `T = (2π)² (ρ²/γ)(1 + λ²)/(1 − λ²)`, the new angle `q` solves the Kepler-type
/// equation `q − fac sin q = tp − fac sin tp + 2π t/T`, and
/// `rt' = sqrt(ρ² + η² + 2 ρ η cos q)`, `tt' = atan2(ρ sin q, η + ρ cos q)`.
/// Params `a`, `b`, `gamma`, `t`.
///
/// dysts means the map to blink (its `_param_update` flips the sign of `b` after every
/// iterate), but it evaluates the map with its fixed parameter list, so the flip never
/// reaches the equations and every iterate uses `+b`; chaoslab keeps that behaviour for
/// parity (checked against dysts' own `make_trajectory`). Because `fac ≤ 1` the left side
/// is monotone in `q` and the root is unique: a bracketed Newton iteration finds it on
/// plain numbers, and one more Newton step on `S` carries the exact derivative (the
/// implicit-function theorem) for dual-number Jacobians.
pub fn blinking_vortex_map<S: Scalar>(x: &[S], p: &[f64], out: &mut [S]) {
    let (a, b, gamma, t) = (p[0], p[1], p[2], p[3]);
    let (rt, tt) = (x[0], x[1]);
    let a2b = a * a / b;
    let lam2 = (rt * rt + b * b - rt * tt.cos() * (2.0 * b))
        / (rt * rt + a2b * a2b - rt * tt.cos() * (2.0 * a2b));
    let lam = lam2.sqrt();
    let one_minus = S::c(1.0) - lam2;
    let etac = (S::c(b) - lam2 * a2b) / one_minus;
    let rho = (lam / one_minus * (a2b - b)).abs();
    let tp = (rt * tt.sin()).atan2(rt * tt.cos() - etac);
    let fac = lam * 2.0 / (lam2 + 1.0);
    let period = rho * rho / gamma * (lam2 + 1.0) / one_minus * (4.0 * PI * PI);
    let m = tp - fac * tp.sin() + S::c(2.0 * PI * t) / period;
    let q0 = kepler_root(fac.re(), m.re());
    let q = S::c(q0) - (S::c(q0) - fac * q0.sin() - m) / (S::c(1.0) - fac * q0.cos());
    out[0] = (rho * rho + etac * etac + rho * etac * q.cos() * 2.0).sqrt();
    out[1] = (rho * q.sin()).atan2(etac + rho * q.cos());
}

/// The root of `q − e sin q = m` for `0 ≤ e ≤ 1` (Kepler's equation): Newton steps kept
/// inside the bracket `[m − 1, m + 1]`, bisecting when a step would leave it.
fn kepler_root(e: f64, m: f64) -> f64 {
    if !(e.is_finite() && m.is_finite()) {
        return f64::NAN;
    }
    let g = |q: f64| q - e * q.sin() - m;
    let (mut lo, mut hi) = (m - 1.0, m + 1.0);
    let mut q = m;
    for _ in 0..200 {
        let gq = g(q);
        if gq == 0.0 {
            return q;
        }
        if gq < 0.0 {
            lo = q;
        } else {
            hi = q;
        }
        let slope = 1.0 - e * q.cos();
        let newton = q - gq / slope;
        let next = if slope > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - q).abs() <= 1e-16 * (1.0 + q.abs()) || hi - lo <= 1e-15 * (1.0 + q.abs()) {
            return next;
        }
        q = next;
    }
    q
}
