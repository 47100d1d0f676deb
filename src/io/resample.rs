//! Resampling unevenly time-stamped measurements onto a uniform grid, which every model
//! family needs (DMD and PLRNN step by a fixed `dt`; SINDy's finite differences assume
//! one). The user asks for it explicitly: an uneven file is otherwise refused.
//!
//! Two interpolants: piecewise linear (never overshoots; keeps the data's own values at
//! the sample times) and the natural cubic spline (C², the usual choice for smooth
//! signals; de Boor, *A Practical Guide to Splines*, ch. IV, with the natural end
//! conditions `s'' = 0`).

use anyhow::bail;
use serde::{Deserialize, Serialize};

/// The interpolant used to resample uneven time stamps onto a fixed step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resampling {
    /// Piecewise-linear interpolation between neighbouring samples.
    Linear,
    /// The natural cubic spline through all samples (one per state column).
    Cubic,
}

impl Resampling {
    /// The name used on the command line and in session files.
    pub fn name(self) -> &'static str {
        match self {
            Resampling::Linear => "linear",
            Resampling::Cubic => "cubic",
        }
    }
}

impl std::str::FromStr for Resampling {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "linear" => Ok(Resampling::Linear),
            "cubic" | "spline" => Ok(Resampling::Cubic),
            other => Err(format!(
                "unknown resampling '{other}'; use 'linear' or 'cubic'"
            )),
        }
    }
}

/// A uniform resampling of a series: first time, step and row-major samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Resampled {
    /// Time of the first sample (the first time stamp of the input).
    pub t0: f64,
    /// The uniform step.
    pub dt: f64,
    /// `len × dim` row-major values on `t0 + k·dt`.
    pub samples: Vec<f64>,
}

/// The median of the gaps between consecutive times, rounded to 12 significant digits
/// (decimal time stamps make gaps like 0.09999999999998): the default step, robust
/// against a few dropped or doubled samples.
pub fn median_step(times: &[f64]) -> f64 {
    let mut gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let median = match gaps.len() {
        0 => return f64::NAN,
        n if n % 2 == 1 => gaps[n / 2],
        n => 0.5 * (gaps[n / 2 - 1] + gaps[n / 2]),
    };
    if !(median.is_finite() && median > 0.0) {
        return median;
    }
    let scale = 10f64.powi(11 - median.log10().floor() as i32);
    if scale.is_finite() && (median * scale).is_finite() {
        (median * scale).round() / scale
    } else {
        median
    }
}

/// Interpolates `samples` (`times.len() × dim`, row-major) at `t0 + k·dt` for every `k`
/// with `t0 + k·dt ≤` the last time, `t0` the first time. `dt` defaults to
/// [`median_step`]. Times must be finite and strictly increasing; errors name the rows.
pub fn resample(
    times: &[f64],
    samples: &[f64],
    dim: usize,
    dt: Option<f64>,
    method: Resampling,
    shown: &str,
) -> anyhow::Result<Resampled> {
    let n = times.len();
    if dim == 0 || samples.len() != n * dim {
        bail!("'{shown}': {n} time stamps for {} values", samples.len());
    }
    if n < 2 {
        bail!("'{shown}' has {n} sample(s); resampling needs at least 2");
    }
    if let Some(k) = times.iter().position(|t| !t.is_finite()) {
        bail!("'{shown}' row {}: the time is not a finite number", k + 1);
    }
    if let Some(k) = times.windows(2).position(|w| w[1] <= w[0]) {
        bail!(
            "'{shown}' rows {} and {}: the times {} and {} do not increase; sort the rows by time and remove duplicated time stamps",
            k + 1,
            k + 2,
            times[k],
            times[k + 1]
        );
    }
    let dt = dt.unwrap_or_else(|| median_step(times));
    if !(dt.is_finite() && dt > 0.0) {
        bail!("the resampling step must be a positive number, got {dt}");
    }
    let (t0, span) = (times[0], times[n - 1] - times[0]);
    // The last grid point may sit a rounding error past the last time stamp.
    let len = (span / dt * (1.0 + 1e-12)).floor() as usize + 1;
    // More than 100 rows per measured one (or 10⁶ in all) is a step typed by mistake.
    if len > (100 * n).max(1_000_000) {
        bail!(
            "resampling '{shown}' at dt = {dt} would make {len} rows from {n} samples; choose a larger step"
        );
    }
    let grid: Vec<f64> = (0..len)
        .map(|k| (t0 + k as f64 * dt).min(times[n - 1]))
        .collect();
    let mut out = vec![0.0; len * dim];
    for j in 0..dim {
        let column: Vec<f64> = samples.iter().skip(j).step_by(dim).copied().collect();
        let values = match method {
            Resampling::Linear => linear(times, &column, &grid),
            Resampling::Cubic => natural_cubic(times, &column, &grid),
        };
        for (k, v) in values.into_iter().enumerate() {
            out[k * dim + j] = v;
        }
    }
    Ok(Resampled {
        t0,
        dt,
        samples: out,
    })
}

/// Index `i` with `times[i] ≤ t ≤ times[i + 1]`, searched forward from `start` (the grid
/// is increasing, so the whole pass is linear).
fn interval(times: &[f64], t: f64, start: usize) -> usize {
    let mut i = start;
    while i + 2 < times.len() && times[i + 1] < t {
        i += 1;
    }
    i
}

fn linear(times: &[f64], y: &[f64], grid: &[f64]) -> Vec<f64> {
    let mut i = 0;
    grid.iter()
        .map(|&t| {
            i = interval(times, t, i);
            let s = (t - times[i]) / (times[i + 1] - times[i]);
            y[i] + s * (y[i + 1] - y[i])
        })
        .collect()
}

/// The natural cubic spline through `(times, y)` evaluated on `grid`: second derivatives
/// `m` from the tridiagonal system `h_{i−1} m_{i−1} + 2(h_{i−1}+h_i) m_i + h_i m_{i+1} =
/// 6(δ_i − δ_{i−1})`, `m_0 = m_{n−1} = 0`, solved by the Thomas algorithm (diagonally
/// dominant, so no pivoting is needed).
fn natural_cubic(times: &[f64], y: &[f64], grid: &[f64]) -> Vec<f64> {
    let n = times.len();
    let h: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let slope: Vec<f64> = (0..n - 1).map(|i| (y[i + 1] - y[i]) / h[i]).collect();
    let mut m = vec![0.0; n];
    if n > 2 {
        let interior = n - 2;
        let mut diag: Vec<f64> = (1..n - 1).map(|i| 2.0 * (h[i - 1] + h[i])).collect();
        let mut rhs: Vec<f64> = (1..n - 1)
            .map(|i| 6.0 * (slope[i] - slope[i - 1]))
            .collect();
        for k in 1..interior {
            let w = h[k] / diag[k - 1];
            diag[k] -= w * h[k];
            rhs[k] -= w * rhs[k - 1];
        }
        m[interior] = rhs[interior - 1] / diag[interior - 1];
        for k in (0..interior - 1).rev() {
            m[k + 1] = (rhs[k] - h[k + 1] * m[k + 2]) / diag[k];
        }
    }
    let mut i = 0;
    grid.iter()
        .map(|&t| {
            i = interval(times, t, i);
            let (a, b) = (times[i + 1] - t, t - times[i]);
            let hi = h[i];
            (m[i] * a * a * a + m[i + 1] * b * b * b) / (6.0 * hi)
                + (y[i] / hi - m[i] * hi / 6.0) * a
                + (y[i + 1] / hi - m[i + 1] * hi / 6.0) * b
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uneven times `t_k = k·0.1 + 0.03·sin(7k)` on [0, 10].
    fn uneven_times() -> Vec<f64> {
        (0..=100)
            .map(|k| {
                let k = k as f64;
                k * 0.1
                    + if k == 0.0 || k == 100.0 {
                        0.0
                    } else {
                        0.03 * (7.0 * k).sin()
                    }
            })
            .collect()
    }

    #[test]
    fn linear_resampling_is_exact_for_a_straight_line() {
        let t = uneven_times();
        let y: Vec<f64> = t.iter().flat_map(|&t| [2.0 * t - 1.0, -t]).collect();
        let r = resample(&t, &y, 2, Some(0.07), Resampling::Linear, "s").expect("resample");
        assert_eq!(r.t0, 0.0);
        assert_eq!(r.samples.len() / 2, (10.0f64 / 0.07).floor() as usize + 1);
        for (k, row) in r.samples.chunks_exact(2).enumerate() {
            let tk = k as f64 * 0.07;
            assert!((row[0] - (2.0 * tk - 1.0)).abs() < 1e-12, "{k}");
            assert!((row[1] + tk).abs() < 1e-12);
        }
    }

    #[test]
    fn natural_spline_is_exact_on_lines_and_converges_at_fourth_order() {
        // Times t = u + 0.5 sin(ωu) on a uniform u-grid (gaps 0.069 to 0.131 at h = 0.1),
        // signal sin(ωt) with ω = 2π/10, whose curvature vanishes at both ends as the
        // natural spline assumes: halving h must cut the error 16-fold.
        let w = std::f64::consts::TAU / 10.0;
        let err = |h: f64| {
            let n = (10.0 / h).round() as usize;
            let times: Vec<f64> = (0..=n)
                .map(|k| k as f64 * h)
                .map(|u| u + 0.5 * (w * u).sin())
                .collect();
            let y: Vec<f64> = times.iter().map(|&t| (w * t).sin()).collect();
            let r = resample(&times, &y, 1, Some(0.013), Resampling::Cubic, "s").expect("ok");
            r.samples
                .iter()
                .enumerate()
                .map(|(k, v)| (v - (w * k as f64 * 0.013).sin()).abs())
                .fold(0.0, f64::max)
        };
        let (coarse, fine) = (err(0.1), err(0.05));
        assert!(coarse < 2e-7, "{coarse}");
        let order = (coarse / fine).log2();
        assert!((3.7..4.3).contains(&order), "order {order}");
        // A straight line has zero curvature everywhere: the spline must return it.
        let t = uneven_times();
        let y: Vec<f64> = t.iter().map(|&t| 3.0 - 0.5 * t).collect();
        let r = resample(&t, &y, 1, Some(0.1), Resampling::Cubic, "s").expect("ok");
        for (k, v) in r.samples.iter().enumerate() {
            assert!((v - (3.0 - 0.05 * k as f64)).abs() < 1e-12);
        }
    }

    #[test]
    fn default_step_is_the_median_gap_and_grid_stops_at_the_last_time() {
        let t = [0.0, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 5.2];
        assert_eq!(median_step(&t), 1.0);
        assert_eq!(median_step(&[0.0, 0.1, 0.2, 0.3]), 0.1);
        let y: Vec<f64> = t.to_vec();
        let r = resample(&t, &y, 1, None, Resampling::Linear, "s").expect("ok");
        assert_eq!(r.dt, 1.0);
        assert_eq!(r.samples, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn times_that_do_not_increase_are_refused_with_the_rows() {
        let t = [0.0, 1.0, 1.0, 2.0];
        let err = resample(&t, &[0.0; 4], 1, None, Resampling::Cubic, "f.csv").expect_err("dup");
        let msg = err.to_string();
        assert!(
            msg.contains("rows 2 and 3") && msg.contains("sort"),
            "{msg}"
        );
        let err = resample(
            &[0.0, 1.0],
            &[0.0; 2],
            1,
            Some(1e-7),
            Resampling::Linear,
            "f",
        )
        .expect_err("too many rows");
        assert!(err.to_string().contains("larger step"), "{err}");
    }
}
