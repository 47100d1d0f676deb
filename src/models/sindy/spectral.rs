//! Spectral (Fourier) differentiation: takes uniformly sampled columns that are one
//! period of a periodic signal and produces their derivative by multiplying each
//! Fourier mode by `i·ω`.
//!
//! PySINDy's `SpectralDerivative` exactly (spec §3.3): FFT along time, mode `k`
//! multiplied by `i·ω_k` with `ω_k = 2πk/(NΔt)` for `k = 0..N/2` and `2π(k − N)/(NΔt)`
//! above, inverse FFT, real part (for even `N` the Nyquist mode therefore drops out).
//! On a band-limited periodic signal this is exact to rounding; on non-periodic data
//! (Lorenz) the jump between the last and the first sample rings through the whole
//! record and the derivative is wrong everywhere (spec §9.2) — use it for periodic data
//! only.
//!
//! # References
//! - L. N. Trefethen, *Spectral Methods in MATLAB*, SIAM (2000), ch. 3.
//! - PySINDy 2.1 `differentiation/spectral_derivative.py`.

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// `dx/dt` of every column of row-major `x` (`m × n`) sampled at step `dt`, treating
/// each column as one period.
pub fn differentiate(x: &[f64], n: usize, dt: f64) -> Vec<f64> {
    let m = x.len() / n;
    let mut planner = FftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(m);
    let inverse = planner.plan_fft_inverse(m);
    let omega = |k: usize| -> f64 {
        let k = if k <= m / 2 {
            k as f64
        } else {
            k as f64 - m as f64
        };
        2.0 * std::f64::consts::PI * k / (m as f64 * dt)
    };
    let mut out = vec![0.0; m * n];
    let mut buf = vec![Complex::new(0.0, 0.0); m];
    for c in 0..n {
        for (k, b) in buf.iter_mut().enumerate() {
            *b = Complex::new(x[k * n + c], 0.0);
        }
        forward.process(&mut buf);
        for (k, b) in buf.iter_mut().enumerate() {
            *b *= Complex::new(0.0, omega(k));
        }
        inverse.process(&mut buf);
        // rustfft's inverse is unnormalised.
        for (k, b) in buf.iter().enumerate() {
            out[k * n + c] = b.re / m as f64;
        }
    }
    out
}

/// The largest, over the columns of row-major `x` (`m × n`, step `dt`), of the
/// frequency below which `fraction` of the column's power (mean removed) lies. Used as
/// the data's time scale (the weak form's default test-function width).
pub fn power_frequency(x: &[f64], n: usize, dt: f64, fraction: f64) -> f64 {
    let m = x.len() / n;
    let mut planner = FftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(m);
    let mut buf = vec![Complex::new(0.0, 0.0); m];
    let mut best = 0.0f64;
    for c in 0..n {
        let mean = (0..m).map(|k| x[k * n + c]).sum::<f64>() / m as f64;
        for (k, b) in buf.iter_mut().enumerate() {
            *b = Complex::new(x[k * n + c] - mean, 0.0);
        }
        fft.process(&mut buf);
        let power: Vec<f64> = buf[1..=m / 2].iter().map(|z| z.norm_sqr()).collect();
        let total: f64 = power.iter().sum();
        if total <= 0.0 {
            continue;
        }
        let mut acc = 0.0;
        for (k, p) in power.iter().enumerate() {
            acc += p;
            if acc >= fraction * total {
                best = best.max((k + 1) as f64 / (m as f64 * dt));
                break;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_frequency_finds_the_dominant_band() {
        // sin(2π·3t) + 0.1 sin(2π·20t) over 4 s: 99 % of the power is at 3 Hz (the
        // 20 Hz part carries 1/101 of it), so the 90 % frequency is 3 Hz and the 99.9 %
        // one 20 Hz.
        let dt = 0.001;
        let x: Vec<f64> = (0..4000)
            .map(|k| {
                let t = k as f64 * dt;
                (2.0 * std::f64::consts::PI * 3.0 * t).sin()
                    + 0.1 * (2.0 * std::f64::consts::PI * 20.0 * t).sin()
            })
            .collect();
        assert!((power_frequency(&x, 1, dt, 0.9) - 3.0).abs() < 1e-9);
        assert!((power_frequency(&x, 1, dt, 0.999) - 20.0).abs() < 1e-9);
    }

    #[test]
    fn exact_on_band_limited_periodic_signals() {
        // x = sin 3t + 0.5 cos 5t, y = cos t on one period [0, 2π), N = 64 and N = 75
        // (even and odd lengths): every mode is resolved, so the only error is FFT
        // rounding, ~N·ε·max|ẋ| ≈ 1e-13.
        for m in [64usize, 75] {
            let dt = 2.0 * std::f64::consts::PI / m as f64;
            let x: Vec<f64> = (0..m)
                .flat_map(|k| {
                    let t = k as f64 * dt;
                    [(3.0 * t).sin() + 0.5 * (5.0 * t).cos(), t.cos()]
                })
                .collect();
            let d = differentiate(&x, 2, dt);
            for k in 0..m {
                let t = k as f64 * dt;
                let want = [3.0 * (3.0 * t).cos() - 2.5 * (5.0 * t).sin(), -t.sin()];
                for c in 0..2 {
                    assert!(
                        (d[k * 2 + c] - want[c]).abs() < 1e-12,
                        "m={m}, k={k}, c={c}: {}",
                        d[k * 2 + c] - want[c]
                    );
                }
            }
        }
    }

    #[test]
    fn matches_pysindy_on_a_non_periodic_record() {
        // PySINDy 2.1 `SpectralDerivative()._differentiate(X, t)` with t = 0, 0.1, …, 0.9
        // and X = (sin t, cos t) (measured; the docstring's printed array is stale):
        // the record is not periodic, so the values are far from cos t — the point of
        // this check is the frequency convention, not accuracy.
        let x: Vec<f64> = (0..10)
            .flat_map(|k| {
                let t = k as f64 * 0.1;
                [t.sin(), t.cos()]
            })
            .collect();
        let d = differentiate(&x, 2, 0.1);
        let want = [
            [-4.98280273, 2.72211754],
            [3.44988703, -1.23876942],
            [-0.32956552, 0.41075249],
            [1.63374585, -0.60765821],
        ];
        for (k, row) in want.iter().enumerate() {
            for c in 0..2 {
                assert!(
                    (d[k * 2 + c] - row[c]).abs() < 1e-8,
                    "{k},{c}: {}",
                    d[k * 2 + c]
                );
            }
        }
    }
}
