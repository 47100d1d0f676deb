//! Total-variation regularised differentiation: takes noisy, uniformly sampled columns
//! and produces a derivative `u` whose total variation is penalised, together with the
//! smoothed signal `x = ∫u` it integrates to.
//!
//! # Method
//! Chartrand's functional `F(u) = α ∫|u'| dt + ½ ∫ (A u − f)² dt`, `A u = ∫₀ᵗ u`,
//! written in the antiderivative `x = A u + c` (with the integration constant `c` free,
//! so a noisy first sample does not pin the fit) and discretised on the samples:
//!
//! `min_x ½ Σ_k (x_k − f_k)² + λ Σ_k |x_{k+1} − 2x_k + x_{k−1}|`, `λ = α/Δt²`,
//!
//! (`u' ≈ Δ²x/Δt²`, `∫ · dt ≈ Δt Σ`, divided through by `Δt`), i.e. ℓ1 trend filtering
//! of order 1 whose slope `u` is piecewise constant. It is minimised as Chartrand does,
//! by lagged diffusivity: with `w_k = 1/√((Δ²x_k)² + ε²)` from the previous iterate,
//! solve the pentadiagonal system `(I + λ D₂ᵀ W D₂) x = f` (banded `LDLᵀ`, `O(m)`); each
//! step does not increase the ε-smoothed objective (it is a majorise–minimise step).
//! The derivative is the order-2 finite difference of the minimiser `x`.
//!
//! `α` has units of `[x]·[t]²` and is independent of the sampling step: the same `α`
//! means the same smoothing on a finer grid. Larger `α`: smoother, more biased
//! derivative.
//!
//! # References
//! - R. Chartrand, "Numerical differentiation of noisy, nonsmooth data", ISRN Applied
//!   Mathematics 2011, 164564 (the functional and the lagged-diffusivity iteration).
//! - S.-J. Kim, K. Koh, S. Boyd, D. Gorinevsky, "ℓ1 trend filtering", SIAM Review 51
//!   (2009) 339 (the same problem in the signal variable).

use crate::models::FitError;

use super::derivative::FiniteDifference;

/// Default regularisation weight: on Lorenz sampled at Δt = 0.002 with 1 % noise it
/// smooths over a few hundredths of a time unit (measured in the tests).
pub const DEFAULT_TV_ALPHA: f64 = 1e-4;
/// Lagged-diffusivity iterations at most.
pub const TV_MAX_ITER: usize = 100;
/// Stop when the relative change of the objective falls below this.
const TV_TOL: f64 = 1e-10;

/// Checks the weight.
pub fn validate(alpha: f64) -> Result<(), FitError> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(FitError::Options(format!(
            "the TV regularisation weight must be a positive number, got {alpha}"
        )));
    }
    Ok(())
}

/// `(ẋ, x_smooth)` for every column of row-major `x` (`m × n`) at step `dt`.
pub fn differentiate(
    x: &[f64],
    n: usize,
    dt: f64,
    alpha: f64,
) -> Result<(Vec<f64>, Vec<f64>), FitError> {
    validate(alpha)?;
    let m = x.len() / n;
    if m < 5 {
        return Err(FitError::Data(format!(
            "TV differentiation needs at least 5 samples, the data have {m}"
        )));
    }
    let lambda = alpha / (dt * dt);
    let mut smooth = vec![0.0; m * n];
    let mut f = vec![0.0; m];
    for c in 0..n {
        for k in 0..m {
            f[k] = x[k * n + c];
        }
        let xs = trend_filter(&f, lambda);
        for k in 0..m {
            smooth[k * n + c] = xs[k];
        }
    }
    let x_dot = FiniteDifference::default().differentiate(&smooth, n, dt)?;
    Ok((x_dot, smooth))
}

/// `argmin_x ½‖x − f‖² + λ‖D₂x‖₁` by lagged diffusivity.
fn trend_filter(f: &[f64], lambda: f64) -> Vec<f64> {
    let m = f.len();
    let range = f.iter().fold(0.0f64, |a, v| a.max(v.abs())).max(1e-300);
    // ε: far below any curvature the data can resolve, far above underflow.
    let eps = 1e-9 * range;
    let second = |x: &[f64], k: usize| x[k] - 2.0 * x[k + 1] + x[k + 2];
    let objective = |x: &[f64]| {
        let fit: f64 = x.iter().zip(f).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() * 0.5;
        let tv: f64 = (0..m - 2).map(|k| second(x, k).abs()).sum();
        fit + lambda * tv
    };
    let mut x = f.to_vec();
    let mut last = objective(&x);
    let mut w = vec![0.0; m - 2];
    for _ in 0..TV_MAX_ITER {
        for (k, wk) in w.iter_mut().enumerate() {
            let r = second(&x, k);
            *wk = lambda / (r * r + eps * eps).sqrt();
        }
        x = solve_penta(&w, f);
        let now = objective(&x);
        if (last - now).abs() <= TV_TOL * last.abs().max(1e-300) {
            break;
        }
        last = now;
    }
    x
}

/// Solves `(I + D₂ᵀ diag(w) D₂) x = f` (symmetric positive definite, bandwidth 2) by a
/// banded `LDLᵀ` factorisation.
fn solve_penta(w: &[f64], f: &[f64]) -> Vec<f64> {
    let m = f.len();
    // Band of A: a0[i] = A_ii, a1[i] = A_{i,i+1}, a2[i] = A_{i,i+2}.
    let mut a0 = vec![1.0; m];
    let mut a1 = vec![0.0; m];
    let mut a2 = vec![0.0; m];
    // Row k of D₂ is (1, −2, 1) on columns k, k+1, k+2.
    for (k, &wk) in w.iter().enumerate() {
        a0[k] += wk;
        a0[k + 1] += 4.0 * wk;
        a0[k + 2] += wk;
        a1[k] -= 2.0 * wk;
        a1[k + 1] -= 2.0 * wk;
        a2[k] += wk;
    }
    // LDLᵀ: l1[i] = L_{i+1,i}, l2[i] = L_{i+2,i}.
    let mut d = vec![0.0; m];
    let mut l1 = vec![0.0; m];
    let mut l2 = vec![0.0; m];
    for i in 0..m {
        let mut di = a0[i];
        if i >= 1 {
            di -= l1[i - 1] * l1[i - 1] * d[i - 1];
        }
        if i >= 2 {
            di -= l2[i - 2] * l2[i - 2] * d[i - 2];
        }
        d[i] = di;
        if i + 1 < m {
            let mut v = a1[i];
            if i >= 1 {
                v -= l2[i - 1] * l1[i - 1] * d[i - 1];
            }
            l1[i] = v / di;
        }
        if i + 2 < m {
            l2[i] = a2[i] / di;
        }
    }
    let mut z = f.to_vec();
    for i in 0..m {
        if i >= 1 {
            z[i] -= l1[i - 1] * z[i - 1];
        }
        if i >= 2 {
            z[i] -= l2[i - 2] * z[i - 2];
        }
    }
    for i in 0..m {
        z[i] /= d[i];
    }
    for i in (0..m).rev() {
        if i + 1 < m {
            z[i] -= l1[i] * z[i + 1];
        }
        if i + 2 < m {
            z[i] -= l2[i] * z[i + 2];
        }
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn pentadiagonal_solve_is_exact() {
        // Against a dense solve of the same matrix.
        let m = 9;
        let w: Vec<f64> = (0..m - 2).map(|k| 0.3 + k as f64).collect();
        let f: Vec<f64> = (0..m).map(|k| (k as f64 * 0.7).sin()).collect();
        let x = solve_penta(&w, &f);
        // Residual of (I + D₂ᵀWD₂)x − f computed directly.
        let mut ax = x.clone();
        for (k, wk) in w.iter().enumerate() {
            let r = wk * (x[k] - 2.0 * x[k + 1] + x[k + 2]);
            ax[k] += r;
            ax[k + 1] -= 2.0 * r;
            ax[k + 2] += r;
        }
        for (a, b) in ax.iter().zip(&f) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn piecewise_linear_signals_keep_their_kinks() {
        // x = |t − 1| on [0, 2] has a piecewise-constant derivative ∓1: TV of the slope
        // is 2 and nothing else is penalised, so a small α leaves the slopes right away
        // from the kink (within 1e-3), unlike a quadratic smoother.
        let dt = 0.01;
        let f: Vec<f64> = (0..=200).map(|k| (k as f64 * dt - 1.0).abs()).collect();
        let (d, _) = differentiate(&f, 1, dt, 1e-5).expect("valid");
        for k in (5..90).chain(110..196) {
            let want = if (k as f64) * dt < 1.0 { -1.0 } else { 1.0 };
            assert!((d[k] - want).abs() < 1e-3, "k={k}: {}", d[k]);
        }
    }

    #[test]
    fn beats_finite_differences_on_noisy_data() {
        // sin t on [0, 10], Δt = 0.01, noise σ = 0.01: the order-2 difference amplifies
        // the noise to σ/(√2 Δt) ≈ 0.7 RMS; TV with α = 1e-4 must be ≥ 10× better in
        // RMS derivative error away from the ends.
        let dt = 0.01;
        let m = 1001;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let noise = Normal::new(0.0, 0.01).expect("valid");
        let f: Vec<f64> = (0..m)
            .map(|k| (k as f64 * dt).sin() + noise.sample(&mut rng))
            .collect();
        let fd = FiniteDifference::default()
            .differentiate(&f, 1, dt)
            .expect("valid");
        let (tv, _) = differentiate(&f, 1, dt, 1e-4).expect("valid");
        let rms = |d: &[f64]| {
            let s: f64 = (50..m - 50)
                .map(|k| (d[k] - (k as f64 * dt).cos()).powi(2))
                .sum();
            (s / (m - 100) as f64).sqrt()
        };
        let (e_fd, e_tv) = (rms(&fd), rms(&tv));
        assert!(e_fd > 10.0 * e_tv, "FD {e_fd}, TV {e_tv}");
    }
}
