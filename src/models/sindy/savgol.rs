//! Savitzky–Golay smoothing: takes uniformly sampled columns and replaces every sample
//! by the value at that sample of the least-squares polynomial (degree `polyorder`)
//! through the `window` samples around it; the first and last `window/2` samples take
//! the polynomial fitted to the first/last whole window (scipy's `savgol_filter` with
//! its default `mode='interp'`).
//!
//! PySINDy's `SmoothedFiniteDifference` is this smoother (default window 11,
//! polyorder 3) followed by finite differences of the smoothed signal, and it feeds
//! the smoothed states into the library (`save_smooth=True`); see
//! [`super::derivative::SavitzkyGolay`].
//!
//! Accuracy: the smoother reproduces polynomials of degree ≤ `polyorder` exactly; for
//! a centred window the odd moments vanish, so an even `polyorder` is also exact for the
//! next odd degree. On a smooth signal sampled at step `h` with a fixed window (in
//! samples) the smoothing error is therefore `O(h^q)` with `q = polyorder + 1` rounded
//! up to even in the interior (`polyorder + 1` at the ends).
//!
//! # References
//! - A. Savitzky, M. J. E. Golay, "Smoothing and differentiation of data by simplified
//!   least squares procedures", Anal. Chem. 36 (1964) 1627–1639.
//! - scipy.signal `savgol_filter` / `savgol_coeffs` (the edge rule `mode='interp'`).

use faer::Mat;
use faer::linalg::solvers::Solve;

use crate::models::FitError;

/// scipy's / PySINDy's default window (samples).
pub const DEFAULT_WINDOW: usize = 11;
/// scipy's / PySINDy's default polynomial order.
pub const DEFAULT_POLYORDER: usize = 3;

/// Checks a window/polyorder pair against `m` samples.
pub fn validate(window: usize, polyorder: usize, m: usize) -> Result<(), FitError> {
    if window.is_multiple_of(2) || window < 3 {
        return Err(FitError::Options(format!(
            "the Savitzky–Golay window must be an odd number of samples ≥ 3, got {window}"
        )));
    }
    if polyorder >= window {
        return Err(FitError::Options(format!(
            "the Savitzky–Golay polynomial order ({polyorder}) must be below the window ({window})"
        )));
    }
    if m < window {
        return Err(FitError::Data(format!(
            "the Savitzky–Golay window ({window}) is longer than the data ({m} samples); use a smaller window"
        )));
    }
    Ok(())
}

/// Weights `w` with `Σ_j w_j f(s_j) = p(at)`, `p` the least-squares polynomial of degree
/// `polyorder` through the points `(s_j, f(s_j))`, `s_j = offsets[j]` (in samples).
///
/// The offsets are scaled to `[-1, 1]` before forming the normal equations (a
/// Vandermonde matrix of degree ≤ 10 on that interval is well conditioned).
fn fit_weights(offsets: &[f64], polyorder: usize, at: f64) -> Result<Vec<f64>, FitError> {
    let scale = offsets.iter().fold(1.0f64, |a, s| a.max(s.abs()));
    let k = polyorder + 1;
    let v = Mat::from_fn(offsets.len(), k, |r, c| (offsets[r] / scale).powi(c as i32));
    let vtv = v.transpose() * &v;
    let e = Mat::from_fn(k, 1, |r, _| (at / scale).powi(r as i32));
    // w = V (VᵀV)⁻¹ e(at).
    let c = vtv.partial_piv_lu().solve(&e);
    let w = &v * &c;
    let out: Vec<f64> = (0..offsets.len()).map(|r| w[(r, 0)]).collect();
    if out.iter().any(|x| !x.is_finite()) {
        return Err(FitError::Numerical(
            "Savitzky–Golay weights are not finite".into(),
        ));
    }
    Ok(out)
}

/// Smooths every column of row-major `x` (`m × n`).
pub fn smooth(x: &[f64], n: usize, window: usize, polyorder: usize) -> Result<Vec<f64>, FitError> {
    let m = x.len() / n;
    validate(window, polyorder, m)?;
    let half = window / 2;
    let centred: Vec<f64> = (0..window).map(|j| j as f64 - half as f64).collect();
    let centre = fit_weights(&centred, polyorder, 0.0)?;
    let mut out = vec![0.0; m * n];
    for i in half..m - half {
        for c in 0..n {
            let mut acc = 0.0;
            for (j, w) in centre.iter().enumerate() {
                acc += w * x[(i + j - half) * n + c];
            }
            out[i * n + c] = acc;
        }
    }
    // mode='interp': the polynomial through the first (last) whole window, evaluated at
    // the first (last) `half` samples.
    let forward: Vec<f64> = (0..window).map(|j| j as f64).collect();
    for i in 0..half {
        let w = fit_weights(&forward, polyorder, i as f64)?;
        let w_end = fit_weights(&forward, polyorder, (window - 1 - i) as f64)?;
        for c in 0..n {
            let start: f64 = (0..window).map(|j| w[j] * x[j * n + c]).sum();
            let end: f64 = (0..window)
                .map(|j| w_end[j] * x[(m - window + j) * n + c])
                .sum();
            out[i * n + c] = start;
            out[(m - 1 - i) * n + c] = end;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomials_up_to_the_order_pass_unchanged() {
        // A cubic through a window-11, order-3 filter is reproduced everywhere, edges
        // included (rounding only: values ≤ 1e3, so 1e-10 absolute is ample).
        let xs: Vec<f64> = (0..40)
            .map(|k| {
                let t = k as f64 * 0.25;
                0.5 * t * t * t - 2.0 * t * t + t - 3.0
            })
            .collect();
        let s = smooth(&xs, 1, 11, 3).expect("valid");
        for (a, b) in s.iter().zip(&xs) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
        // Order 2 is exact for cubics in the interior only (centred window: odd moments
        // vanish), not at the edges.
        let s2 = smooth(&xs, 1, 11, 2).expect("valid");
        for k in 5..35 {
            assert!((s2[k] - xs[k]).abs() < 1e-10, "interior {k}");
        }
        assert!(
            (s2[0] - xs[0]).abs() > 1e-3,
            "edge is not exact for a cubic"
        );
    }

    #[test]
    fn matches_scipy_on_a_small_example() {
        // scipy.signal.savgol_filter([2, 2, 5, 2, 1, 0, 1, 4, 9], 5, 2) (scipy's docs):
        // [1.65714286, 3.17142857, 3.54285714, 2.85714286, 0.65714286, 0.17142857,
        //  1., 4., 9.]
        let x = [2.0, 2.0, 5.0, 2.0, 1.0, 0.0, 1.0, 4.0, 9.0];
        let s = smooth(&x, 1, 5, 2).expect("valid");
        let want = [
            1.65714286, 3.17142857, 3.54285714, 2.85714286, 0.65714286, 0.17142857, 1.0, 4.0, 9.0,
        ];
        for (a, b) in s.iter().zip(&want) {
            assert!((a - b).abs() < 1e-8, "{a} vs {b}");
        }
    }

    #[test]
    fn bad_windows_are_refused() {
        let x = [0.0; 20];
        assert!(smooth(&x, 1, 10, 3).is_err());
        assert!(smooth(&x, 1, 5, 5).is_err());
        assert!(smooth(&x, 1, 21, 3).is_err());
    }
}
