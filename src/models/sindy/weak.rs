//! Weak-form SINDy: takes the sampled states and the library and produces, instead of
//! pointwise derivatives and `Θ(X)`, their integrals against `K` compactly supported
//! test functions — a `K × p` matrix `G` and `K × n` targets `b` for the same sparse
//! regression, with no derivative of the (noisy) data ever taken.
//!
//! # Method
//! Multiplying `ẋ = Ξ θ(x)` by a test function `φ_k` that vanishes at the ends of its
//! subdomain `[c_k − H_k, c_k + H_k]` and integrating by parts:
//!
//! `b_k := −∫ φ_k'(t) x(t) dt = Σ_j Ξ_j ∫ φ_k(t) θ_j(x(t)) dt =: Σ_j G_kj Ξ_j`.
//!
//! As PySINDy 2.1's `WeakPDELibrary` (spec §5): `φ(s) = (1 − s²)^p` on the rescaled
//! subdomain `s = (t − c_k)/H_k ∈ [−1, 1]` (default `p = 4`), so `∫φ θ dt = H_k ∫ψ θ ds`
//! and `∫φ' x dt = ∫ψ' x ds`; each subdomain holds the samples strictly inside
//! `(c − H, c + H)` and is then shrunk to the first and last of them; the integrals are
//! exact for the piecewise-linear interpolant of the samples (here by Gauss–Legendre
//! quadrature on each sample interval with enough nodes to be exact for the polynomial
//! integrands, which gives PySINDy's closed-form weights up to rounding). `K = 100`.
//! The default half-width is PySINDy's `H = (t_end − t_0)/20`, capped at the data's
//! time scale `1/f₉₀` (90 % of the power below `f₉₀`): a step towards Messenger &
//! Bortz's choice of the support from the spectrum, without which long records get
//! test functions spanning many oscillations (see [`WeakForm::half_width_for`]).
//!
//! Subdomain centres: evenly spaced over `[t_0 + H, t_end − H]` (the default; no seed
//! needed) or drawn uniformly from it with a seeded generator (PySINDy draws them from
//! numpy's global generator). Too few samples per subdomain is an error, not a retry
//! loop (PySINDy #327).
//!
//! Limitation (measured): at polynomial degree 5 the integrated library columns are so
//! nearly collinear that on clean 50,000-sample Lorenz K = 100, 300 and 1,000 subdomains
//! give wrong models (ż lost or dense) and K = 3,000 the right one; degree 2 is right at
//! K = 100. Use a low degree, or many subdomains, with the weak form.
//!
//! # References
//! - D. A. Messenger, D. M. Bortz, "Weak SINDy: Galerkin-based data-driven model
//!   selection", Multiscale Model. Simul. 19 (2021) 1474–1497.
//! - H. Schaeffer, S. G. McCalla, "Sparse model selection via integral terms", Phys.
//!   Rev. E 96 (2017) 023302.
//! - PySINDy 2.1 `feature_library/weak_pde_library.py`.

use faer::Mat;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::models::FitError;

/// PySINDy's default number of subdomains.
pub const DEFAULT_SUBDOMAINS: usize = 100;
/// PySINDy's default test-function exponent.
pub const DEFAULT_P: u32 = 4;
/// PySINDy's default half-width as a fraction of the time span.
pub const DEFAULT_HALF_WIDTH_FRACTION: f64 = 1.0 / 20.0;
/// The default half-width is at most `1/f`, `f` the frequency below which this
/// fraction of the data's power lies.
pub const POWER_FRACTION: f64 = 0.9;

/// Where the subdomain centres go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Evenly spaced.
    #[default]
    Uniform,
    /// Uniformly at random (seeded).
    Random,
}

/// Weak-form options.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeakForm {
    /// Number of subdomains (rows of the weak regression).
    pub subdomains: usize,
    /// Half-width `H` in time units (`None`: span/20, at most the data's time scale).
    pub half_width: Option<f64>,
    /// Test-function exponent `p` in `(1 − s²)^p` (≥ 1).
    pub p: u32,
    /// Centre placement.
    pub placement: Placement,
    /// Seed for random placement.
    pub seed: u64,
}

impl Default for WeakForm {
    fn default() -> Self {
        Self {
            subdomains: DEFAULT_SUBDOMAINS,
            half_width: None,
            p: DEFAULT_P,
            placement: Placement::Uniform,
            seed: 0,
        }
    }
}

/// One subdomain: its first sample and the quadrature weights of its samples.
#[derive(Clone, Debug)]
struct Cell {
    first: usize,
    /// `∫ φ θ dt` weights (include the factor `H_k`).
    w0: Vec<f64>,
    /// `∫ ψ' x ds` weights.
    w1: Vec<f64>,
}

impl WeakForm {
    /// The half-width used for row-major samples `x` (`m × n`) at step `dt`: the option,
    /// or PySINDy's `span/20` capped at `1/f₉₀`, `f₉₀` the largest over the states of
    /// the frequency below which 90 % of the power lies. On the notebooks' Lorenz data
    /// (t ∈ [0, 10)) both are ≈ 0.5 (0.476 and 0.5); on 120 time units span/20 = 6
    /// would integrate over eight oscillations and wash the columns out (the ridge of
    /// STLSQ then dominates), while `1/f₉₀` stays ≈ 0.5.
    pub fn half_width_for(&self, x: &[f64], n: usize, dt: f64) -> f64 {
        let m = x.len() / n;
        self.half_width.unwrap_or_else(|| {
            let span_rule = DEFAULT_HALF_WIDTH_FRACTION * (m.max(1) - 1) as f64 * dt;
            let f = super::spectral::power_frequency(x, n, dt, POWER_FRACTION);
            if f > 0.0 {
                span_rule.min(1.0 / f)
            } else {
                span_rule
            }
        })
    }

    /// Checks the options against `m` samples at step `dt` with half-width `h`.
    pub fn validate(&self, m: usize, dt: f64, h: f64) -> Result<(), FitError> {
        if self.subdomains == 0 {
            return Err(FitError::Options(
                "the weak form needs at least one subdomain".into(),
            ));
        }
        if self.p == 0 {
            return Err(FitError::Options(
                "the weak test-function exponent p must be at least 1".into(),
            ));
        }
        let span = (m.max(1) - 1) as f64 * dt;
        if !(h.is_finite() && h > 0.0 && 2.0 * h < span) {
            return Err(FitError::Options(format!(
                "the weak subdomain half-width must be positive and below half the time span ({:.4}), got {h}",
                span / 2.0
            )));
        }
        if h < 1.5 * dt {
            return Err(FitError::Data(format!(
                "weak-form subdomains of half-width {h} hold fewer than 3 samples at dt = {dt}; use longer subdomains or denser data"
            )));
        }
        Ok(())
    }

    /// The subdomains for `m` samples at step `dt`, half-width `h`.
    fn cells(&self, m: usize, dt: f64, h: f64) -> Result<Vec<Cell>, FitError> {
        self.validate(m, dt, h)?;
        let span = (m - 1) as f64 * dt;
        let (lo, hi) = (h, span - h);
        let k = self.subdomains;
        let centres: Vec<f64> = match self.placement {
            Placement::Uniform if k == 1 => vec![0.5 * (lo + hi)],
            Placement::Uniform => (0..k)
                .map(|i| lo + (hi - lo) * i as f64 / (k - 1) as f64)
                .collect(),
            Placement::Random => {
                let mut rng = rand_pcg::Pcg64::seed_from_u64(self.seed);
                (0..k).map(|_| rng.random_range(lo..=hi)).collect()
            }
        };
        let (nodes, weights) = gauss_legendre(self.p as usize + 2);
        let mut cells = Vec::with_capacity(k);
        for c in centres {
            // Samples strictly inside (c − H, c + H).
            let first = (((c - h) / dt).floor() as isize + 1).max(0) as usize;
            let mut last = (((c + h) / dt).ceil() as isize - 1).min(m as isize - 1) as usize;
            while first < last && last as f64 * dt >= c + h {
                last -= 1;
            }
            if last < first + 2 {
                return Err(FitError::Data(format!(
                    "a weak-form subdomain around t = {c:.4} holds fewer than 3 samples; use longer subdomains"
                )));
            }
            // Shrink to the samples: centre and half-width from the first and last.
            let (t_first, t_last) = (first as f64 * dt, last as f64 * dt);
            let (cc, hh) = (0.5 * (t_first + t_last), 0.5 * (t_last - t_first));
            let s: Vec<f64> = (first..=last).map(|i| (i as f64 * dt - cc) / hh).collect();
            let len = s.len();
            let mut w0 = vec![0.0; len];
            let mut w1 = vec![0.0; len];
            let p = self.p as i32;
            for i in 0..len - 1 {
                let (a, b) = (s[i], s[i + 1]);
                let half = 0.5 * (b - a);
                for (xg, wg) in nodes.iter().zip(&weights) {
                    let x = a + half * (xg + 1.0);
                    let w = wg * half;
                    let psi = (1.0 - x * x).powi(p);
                    let dpsi = -2.0 * p as f64 * x * (1.0 - x * x).powi(p - 1);
                    // Hat functions of the two ends of the interval.
                    let right = (x - a) / (b - a);
                    let left = 1.0 - right;
                    w0[i] += w * psi * left;
                    w0[i + 1] += w * psi * right;
                    w1[i] += w * dpsi * left;
                    w1[i + 1] += w * dpsi * right;
                }
            }
            for v in &mut w0 {
                *v *= hh;
            }
            cells.push(Cell { first, w0, w1 });
        }
        Ok(cells)
    }

    /// `(G, b)`: `G = W₀ Θ` (`K × p`) from the library matrix of all `m` samples and
    /// `b = −W₁ X` (`K × n`) from the row-major samples `x`.
    pub fn build(
        &self,
        theta: &Mat<f64>,
        x: &[f64],
        n: usize,
        dt: f64,
    ) -> Result<(Mat<f64>, Mat<f64>), FitError> {
        let m = x.len() / n;
        let cells = self.cells(m, dt, self.half_width_for(x, n, dt))?;
        let p = theta.ncols();
        let k = cells.len();
        let mut g = Mat::<f64>::zeros(k, p);
        let mut b = Mat::<f64>::zeros(k, n);
        for (r, cell) in cells.iter().enumerate() {
            for j in 0..p {
                let col = theta.col(j);
                g[(r, j)] = cell
                    .w0
                    .iter()
                    .enumerate()
                    .map(|(i, w)| w * col[cell.first + i])
                    .sum();
            }
            for c in 0..n {
                b[(r, c)] = -cell
                    .w1
                    .iter()
                    .enumerate()
                    .map(|(i, w)| w * x[(cell.first + i) * n + c])
                    .sum::<f64>();
            }
        }
        Ok((g, b))
    }
}

/// Gauss–Legendre nodes and weights on `[−1, 1]` (`q` points, exact for degree
/// `2q − 1`), by Newton's method on `P_q` from Chebyshev starting values.
fn gauss_legendre(q: usize) -> (Vec<f64>, Vec<f64>) {
    let mut nodes = vec![0.0; q];
    let mut weights = vec![0.0; q];
    for i in 0..q {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (q as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            // P_q(x) and P_q'(x) by the three-term recurrence.
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=q {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            let pq = if q == 0 { 1.0 } else { p1 };
            let pqm1 = p0;
            dp = q as f64 * (x * pq - pqm1) / (x * x - 1.0);
            let step = pq / dp;
            x -= step;
            if step.abs() < 1e-16 {
                break;
            }
        }
        nodes[i] = x;
        weights[i] = 2.0 / ((1.0 - x * x) * dp * dp);
    }
    (nodes, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        // 6 nodes: exact for x^k, k ≤ 11; ∫_{-1}^{1} x^k = 2/(k+1) for even k, 0 for odd.
        let (x, w) = gauss_legendre(6);
        for k in 0..=11 {
            let got: f64 = x.iter().zip(&w).map(|(x, w)| w * x.powi(k)).sum();
            let want = if k % 2 == 0 {
                2.0 / (k as f64 + 1.0)
            } else {
                0.0
            };
            assert!((got - want).abs() < 1e-14, "k={k}: {got}");
        }
    }

    #[test]
    fn weights_integrate_linear_data_exactly() {
        // For data linear in t the piecewise-linear interpolant is the data, so
        // b = −∫φ' x dt equals ∫φ ẋ dt = ẋ·∫φ dt exactly; with θ = 1, G = ∫φ dt. So a
        // one-term regression b = G·ξ recovers the slope to rounding.
        let (m, dt) = (400usize, 0.01);
        let x: Vec<f64> = (0..m).map(|k| 3.0 - 2.5 * k as f64 * dt).collect();
        let theta = Mat::from_fn(m, 1, |_, _| 1.0);
        let weak = WeakForm::default();
        let (g, b) = weak.build(&theta, &x, 1, dt).expect("valid");
        assert_eq!(g.nrows(), DEFAULT_SUBDOMAINS);
        for r in 0..g.nrows() {
            assert!(g[(r, 0)] > 0.0);
            assert!((b[(r, 0)] / g[(r, 0)] + 2.5).abs() < 1e-11, "row {r}");
        }
        // θ = 1 is its own interpolant: G = H'·∫_{-1}^{1} (1 − s²)^4 ds = H'·256/315
        // exactly, H' the half-width shrunk to the samples (between H − Δt and H).
        let h = weak.half_width_for(&x, 1, dt);
        let shrunk = g[(0, 0)] / (256.0 / 315.0);
        assert!(
            shrunk > h - dt - 1e-12 && shrunk <= h + 1e-12,
            "{shrunk} vs {h}"
        );
        let half_steps = 2.0 * shrunk / dt;
        assert!(
            (half_steps - half_steps.round()).abs() < 1e-9,
            "H' = k·Δt/2: {half_steps}"
        );
    }

    #[test]
    fn matches_pysindy_weights_on_a_quadratic() {
        // x = t² on t = 0, 0.1, …, 2 (21 samples), one subdomain centred at 1 with
        // H = 0.55 → samples 0.5…1.5 strictly inside (11 points), shrunk to H = 0.5.
        // b = −∫ψ'(s) x ds over the piecewise-linear interpolant and G for θ = x: both
        // have closed forms for the interpolant of a quadratic; compare with direct
        // fine quadrature of the interpolant instead (independent of our weights).
        let dt = 0.1;
        let xs: Vec<f64> = (0..21).map(|k| (k as f64 * dt).powi(2)).collect();
        let theta = Mat::from_fn(21, 1, |r, _| xs[r]);
        let weak = WeakForm {
            subdomains: 1,
            half_width: Some(0.55),
            ..WeakForm::default()
        };
        let (g, b) = weak.build(&theta, &xs, 1, dt).expect("valid");
        // Midpoint rule with 200,000 panels on the interpolant over [0.5, 1.5].
        let interp = |t: f64| {
            let k = ((t / dt).floor() as usize).min(19);
            let f = (t - k as f64 * dt) / dt;
            xs[k] * (1.0 - f) + xs[k + 1] * f
        };
        let (c, h) = (1.0, 0.5);
        let n = 200_000;
        let (mut gi, mut bi) = (0.0, 0.0);
        for i in 0..n {
            let t = 0.5 + (i as f64 + 0.5) / n as f64;
            let s = (t - c) / h;
            let psi = (1.0 - s * s).powi(4);
            let dphi_dt = -8.0 * s * (1.0 - s * s).powi(3) / h;
            gi += psi * interp(t) / n as f64;
            bi -= dphi_dt * interp(t) / n as f64;
        }
        assert!((g[(0, 0)] - gi).abs() < 1e-8, "{} vs {gi}", g[(0, 0)]);
        assert!((b[(0, 0)] - bi).abs() < 1e-8, "{} vs {bi}", b[(0, 0)]);
    }

    #[test]
    fn too_short_subdomains_are_an_error_not_a_loop() {
        let theta = Mat::from_fn(10, 1, |_, _| 1.0);
        let x = vec![0.0; 10];
        let weak = WeakForm {
            half_width: Some(0.01),
            ..WeakForm::default()
        };
        let err = weak.build(&theta, &x, 1, 0.1).expect_err("refused");
        assert!(err.to_string().contains("fewer than 3 samples"), "{err}");
    }
}
