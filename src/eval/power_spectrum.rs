//! `D_H`: how differently two trajectories distribute power over frequencies — the
//! Hellinger distance between Gaussian-smoothed power spectra, averaged over the
//! observed dimensions.
//!
//! Takes two row-major series of equal length and dimension; produces a number in
//! `[0, 1]` (0: identical spectra, 1: disjoint).
//!
//! # Method (`specs/plrnn.md` §3.4)
//! For each dimension: z-score the column (sample standard deviation); `P = |rfft|²`
//! on the `T/2 + 1` frequency bins; smooth with a Gaussian kernel of `σ = 20` bins
//! truncated at `4σ`, reflecting at the ends (as `scipy.ndimage.gaussian_filter1d`);
//! clamp negatives to 0 and normalise to unit sum; `H = (1/√2)·‖√P − √Q‖₂`. `D_H` is the
//! mean of `H` over dimensions. The discrete Fourier transform is computed by a radix-2
//! FFT, and by Bluestein's chirp-z algorithm for other lengths, so every length gives
//! the exact DFT bins (no zero-padding that would change the frequency grid).
//!
//! # References
//! - F. Hess et al., "Generalized Teacher Forcing for Learning Chaotic Dynamics",
//!   ICML 2023 — the metric (poster formula) as used in Table 1.
//! - J. W. Cooley, J. W. Tukey, Math. Comp. 19 (1965); L. Bluestein, IEEE Trans. Audio
//!   Electroacoust. 18 (1970) — the transforms.

use super::stsp::{MetricError, check_series};

/// Smoothing width of the spectra, in frequency bins.
pub const DEFAULT_SMOOTHING: f64 = 20.0;
/// The kernel is truncated at this many standard deviations (scipy's default).
pub const KERNEL_TRUNCATE: f64 = 4.0;

/// `D_H` of two equally long series of dimension `dim`, spectra smoothed with a
/// Gaussian of `sigma` bins. A dimension where exactly one series is constant counts
/// as 1 (all power versus none), where both are, as 0.
pub fn power_spectrum_distance(
    truth: &[f64],
    generated: &[f64],
    dim: usize,
    sigma: f64,
) -> Result<f64, MetricError> {
    let rows = check_series(truth, dim)?;
    let rows_gen = check_series(generated, dim)?;
    if rows != rows_gen {
        return Err(MetricError::Length {
            truth: rows,
            generated: rows_gen,
        });
    }
    let mut total = 0.0;
    for j in 0..dim {
        let p = smoothed_spectrum(truth, dim, j, sigma);
        let q = smoothed_spectrum(generated, dim, j, sigma);
        total += match (p, q) {
            (Some(p), Some(q)) => {
                let s: f64 = p
                    .iter()
                    .zip(&q)
                    .map(|(a, b)| (a.sqrt() - b.sqrt()).powi(2))
                    .sum();
                (s / 2.0).sqrt().min(1.0)
            }
            (None, None) => 0.0,
            _ => 1.0,
        };
    }
    Ok(total / dim as f64)
}

/// The normalised, smoothed power spectrum of column `j`; `None` for a constant column.
pub fn smoothed_spectrum(x: &[f64], dim: usize, j: usize, sigma: f64) -> Option<Vec<f64>> {
    let col: Vec<f64> = x.iter().skip(j).step_by(dim).copied().collect();
    let t = col.len();
    let mean = col.iter().sum::<f64>() / t as f64;
    let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (t.max(2) - 1) as f64).sqrt();
    if sd.is_nan() || sd <= 0.0 {
        return None;
    }
    let mut data: Vec<(f64, f64)> = col.iter().map(|v| ((v - mean) / sd, 0.0)).collect();
    dft(&mut data);
    let power: Vec<f64> = data[..t / 2 + 1]
        .iter()
        .map(|(re, im)| re * re + im * im)
        .collect();
    let mut smooth = gaussian_filter(&power, sigma);
    smooth.iter_mut().for_each(|v| *v = v.max(0.0));
    let sum: f64 = smooth.iter().sum();
    if sum.is_nan() || sum <= 0.0 {
        return None;
    }
    smooth.iter_mut().for_each(|v| *v /= sum);
    Some(smooth)
}

/// Gaussian smoothing with `radius = ⌊4σ + 0.5⌋` taps each side and half-sample
/// symmetric reflection at the ends (`scipy.ndimage.gaussian_filter1d`, mode
/// `reflect`).
fn gaussian_filter(x: &[f64], sigma: f64) -> Vec<f64> {
    if sigma <= 0.0 {
        return x.to_vec();
    }
    let radius = (KERNEL_TRUNCATE * sigma + 0.5) as isize;
    let mut w: Vec<f64> = (-radius..=radius)
        .map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp())
        .collect();
    let s: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= s);
    let n = x.len() as isize;
    let reflect = |mut i: isize| -> usize {
        // d c b a | a b c d | d c b a, repeated for kernels longer than the signal.
        let period = 2 * n;
        i = i.rem_euclid(period);
        (if i < n { i } else { period - 1 - i }) as usize
    };
    (0..n)
        .map(|i| {
            (-radius..=radius)
                .zip(&w)
                .map(|(k, wk)| wk * x[reflect(i + k)])
                .sum()
        })
        .collect()
}

/// In-place DFT `X_k = Σ_t x_t e^{−2πi kt/n}` of any length.
fn dft(x: &mut [(f64, f64)]) {
    let n = x.len();
    if n <= 1 {
        return;
    }
    if n.is_power_of_two() {
        fft_radix2(x, false);
        return;
    }
    // Bluestein: kt = (k² + t² − (k−t)²)/2 turns the DFT into a convolution with the
    // chirp w_k = e^{−iπk²/n}, done by power-of-two FFTs.
    let m = (2 * n - 1).next_power_of_two();
    let chirp: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let k2 = ((k as u128 * k as u128) % (2 * n as u128)) as f64;
            let ang = -std::f64::consts::PI * k2 / n as f64;
            (ang.cos(), ang.sin())
        })
        .collect();
    let mul = |a: (f64, f64), b: (f64, f64)| (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0);
    let conj = |a: (f64, f64)| (a.0, -a.1);
    let mut a = vec![(0.0, 0.0); m];
    let mut b = vec![(0.0, 0.0); m];
    for k in 0..n {
        a[k] = mul(x[k], chirp[k]);
        b[k] = conj(chirp[k]);
        if k > 0 {
            b[m - k] = conj(chirp[k]);
        }
    }
    fft_radix2(&mut a, false);
    fft_radix2(&mut b, false);
    for k in 0..m {
        a[k] = mul(a[k], b[k]);
    }
    fft_radix2(&mut a, true);
    for k in 0..n {
        let c = (a[k].0 / m as f64, a[k].1 / m as f64);
        x[k] = mul(c, chirp[k]);
    }
}

/// Iterative radix-2 Cooley–Tukey FFT (unnormalised; `inverse` flips the sign).
fn fft_radix2(x: &mut [(f64, f64)], inverse: bool) {
    let n = x.len();
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            x.swap(i, j);
        }
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut len = 2;
    while len <= n {
        let half = len / 2;
        for j in 0..half {
            let ang = sign * 2.0 * std::f64::consts::PI * j as f64 / len as f64;
            let (wr, wi) = (ang.cos(), ang.sin());
            for start in (0..n).step_by(len) {
                let (ur, ui) = x[start + j];
                let (vr, vi) = x[start + j + half];
                let (tr, ti) = (vr * wr - vi * wi, vr * wi + vi * wr);
                x[start + j] = (ur + tr, ui + ti);
                x[start + j + half] = (ur - tr, ui - ti);
            }
        }
        len *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(bin: f64, len: usize) -> Vec<f64> {
        (0..len)
            .map(|t| (2.0 * std::f64::consts::PI * bin * t as f64 / len as f64).sin())
            .collect()
    }

    #[test]
    fn dft_matches_the_definition_for_any_length() {
        for n in [1usize, 2, 7, 8, 12, 100] {
            let x: Vec<(f64, f64)> = (0..n)
                .map(|t| ((t as f64 * 0.7).sin(), (t as f64 * 0.3).cos()))
                .collect();
            let mut fast = x.clone();
            dft(&mut fast);
            for k in 0..n {
                let (mut re, mut im) = (0.0, 0.0);
                for (t, (xr, xi)) in x.iter().enumerate() {
                    let ang = -2.0 * std::f64::consts::PI * (k * t) as f64 / n as f64;
                    re += xr * ang.cos() - xi * ang.sin();
                    im += xr * ang.sin() + xi * ang.cos();
                }
                // Rounding of O(n log n) operations on O(n)-sized sums.
                assert!((fast[k].0 - re).abs() < 1e-9 && (fast[k].1 - im).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn a_sine_against_itself_is_zero_and_against_a_far_frequency_is_one() {
        let x = sine(100.0, 4000);
        assert_eq!(
            power_spectrum_distance(&x, &x, 1, DEFAULT_SMOOTHING).expect("ok"),
            0.0
        );
        // Peaks 700 bins = 35σ apart: the smoothed spectra do not overlap at all.
        let y = sine(800.0, 4000);
        let d = power_spectrum_distance(&x, &y, 1, DEFAULT_SMOOTHING).expect("ok");
        assert!(d > 0.999_999, "{d}");
    }

    /// Two exact-bin sines Δ bins apart smooth into two copies of the kernel `w`, so
    /// `D_H = √(1 − Σ_f √(w(f−a) w(f−b)))` — computed here directly from the kernel
    /// (rounding of the 3001-point Bluestein transform leaves ~1e-13 per bin). For an
    /// untruncated Gaussian this is `√(1 − e^{−Δ²/(8σ²)})`; the 4σ truncation moves it by
    /// < 2e-3 for Δ ≤ 40.
    #[test]
    fn matches_the_gaussian_overlap_formula() {
        let sigma = 20.0f64;
        let radius = 80i64;
        let w: Vec<f64> = (-radius..=radius)
            .map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp())
            .collect();
        let z: f64 = w.iter().sum();
        for delta in [10i64, 20, 40] {
            let d = power_spectrum_distance(
                &sine(500.0, 3001),
                &sine(500.0 + delta as f64, 3001),
                1,
                sigma,
            )
            .expect("ok");
            // Σ_f √(w(f) w(f − Δ)) over the overlap of the two supports.
            let bc: f64 = (delta - radius..=radius)
                .map(|f| (w[(f + radius) as usize] * w[(f - delta + radius) as usize]).sqrt() / z)
                .sum();
            let exact = (1.0 - bc).sqrt();
            assert!((d - exact).abs() < 1e-8, "Δ = {delta}: {d} vs {exact}");
            let dd = delta as f64;
            let gaussian = (1.0 - (-dd * dd / (8.0 * sigma * sigma)).exp()).sqrt();
            assert!(
                (d - gaussian).abs() < 2e-3,
                "Δ = {delta}: {d} vs {gaussian}"
            );
        }
    }

    #[test]
    fn averages_over_dimensions_and_refuses_unequal_lengths() {
        let (a, b) = (sine(50.0, 1024), sine(400.0, 1024));
        let same_far: Vec<f64> = a.iter().zip(&a).flat_map(|(x, y)| [*x, *y]).collect();
        let one_far: Vec<f64> = a.iter().zip(&b).flat_map(|(x, y)| [*x, *y]).collect();
        let d = power_spectrum_distance(&same_far, &one_far, 2, 20.0).expect("ok");
        assert!((d - 0.5).abs() < 1e-6, "{d}");
        assert!(power_spectrum_distance(&a, &a[..100], 1, 20.0).is_err());
    }

    /// Agrees with numpy's rfft and scipy's `gaussian_filter1d` on two different Lorenz
    /// orbits of 1500 rows (a length where the Bluestein transform is used).
    #[test]
    fn matches_an_independent_numpy_implementation() {
        let (x, y, reference) = crate::eval::stsp::tests::fixture_pair();
        for (key, sigma) in [("d_h_sigma_20", 20.0), ("d_h_sigma_5", 5.0)] {
            let ours = power_spectrum_distance(&x, &y, 3, sigma).expect("valid");
            let exact = reference[key].as_f64().expect("number");
            assert!(
                (ours - exact).abs() < 1e-9 * exact,
                "{key}: {ours} vs {exact}"
            );
        }
    }
}
