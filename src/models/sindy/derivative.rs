//! Derivative estimation: takes uniformly sampled states (row-major `m × n`) and their
//! time step and produces `Ẋ` of the same shape, with `NaN` rows where a derivative was
//! not computed (those rows are dropped before the regression, as PySINDy drops them).
//!
//! Methods ([`Differentiation`]): finite differences (below), Savitzky–Golay smoothing
//! then finite differences ([`super::savgol`], PySINDy's `SmoothedFiniteDifference`),
//! spectral ([`super::spectral`]), total-variation regularised ([`super::tv`]), and the
//! exact vector field of the catalog system that generated the data (teaching). The
//! smoothing methods can hand the smoothed states to the library (PySINDy's
//! `save_smooth=True`, the default; it changes results, spec §9.2).
//!
//! Finite differences follow PySINDy 2.1's `FiniteDifference` exactly: a centred
//! stencil of `order + 1` points in the interior; at each end, the first/last
//! `order/2` points use one shared one-sided stencil of `order + 1` points anchored at
//! the first/last sample and evaluated at that point. For order 2 this is
//! `(x_{i+1} − x_{i−1})/(2Δt)` inside and `(−3x_0 + 4x_1 − x_2)/(2Δt)` at the start.
//! Stencil weights solve the Vandermonde system `Σ_j c_j s_j^k = k!·[k = 1]` (Fornberg).
//!
//! # References
//! - B. Fornberg, "Generation of finite difference formulas on arbitrarily spaced
//!   grids", Math. Comp. 51 (1988) 699–706.
//! - PySINDy 2.1 `differentiation/finite_difference.py` (the endpoint rule; spec §3.1).

use faer::Mat;
use faer::linalg::solvers::Solve;
use serde::{Deserialize, Serialize};

use crate::data::{Source, Trajectory};
use crate::models::FitError;
use crate::systems::{Catalog, Kind};

/// PySINDy's default accuracy order.
pub const DEFAULT_FD_ORDER: usize = 2;
/// The highest accuracy order offered.
pub const MAX_FD_ORDER: usize = 8;

/// What happens at the first and last `order/2` samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoints {
    /// One-sided stencils of `order + 1` points (PySINDy's default).
    #[default]
    OneSided,
    /// Leave them out (PySINDy `drop_endpoints=True`).
    Drop,
}

/// Central finite differences of even accuracy order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiniteDifference {
    /// Accuracy order: 2, 4, 6 or 8.
    pub order: usize,
    /// The endpoint rule.
    pub endpoints: Endpoints,
}

impl Default for FiniteDifference {
    fn default() -> Self {
        Self {
            order: DEFAULT_FD_ORDER,
            endpoints: Endpoints::OneSided,
        }
    }
}

/// Savitzky–Golay smoothing followed by finite differences (PySINDy's
/// `SmoothedFiniteDifference`; defaults window 11, polyorder 3, FD order 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavitzkyGolay {
    /// Window length in samples (odd).
    pub window: usize,
    /// Degree of the local polynomial.
    pub polyorder: usize,
    /// The finite differences taken of the smoothed signal.
    pub fd: FiniteDifference,
    /// Whether the smoothed states (not the raw ones) build the library (PySINDy's
    /// `save_smooth=True`, the default).
    pub smoothed_x: bool,
}

impl Default for SavitzkyGolay {
    fn default() -> Self {
        Self {
            window: super::savgol::DEFAULT_WINDOW,
            polyorder: super::savgol::DEFAULT_POLYORDER,
            fd: FiniteDifference::default(),
            smoothed_x: true,
        }
    }
}

/// Total-variation regularised differentiation ([`super::tv`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TotalVariation {
    /// Regularisation weight `α` (units `[x]·[t]²`, independent of the step).
    pub alpha: f64,
    /// Whether the smoothed states build the library.
    pub smoothed_x: bool,
}

impl Default for TotalVariation {
    fn default() -> Self {
        Self {
            alpha: super::tv::DEFAULT_TV_ALPHA,
            smoothed_x: true,
        }
    }
}

/// How `Ẋ` is obtained.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Differentiation {
    /// Finite differences of the samples.
    FiniteDifference(FiniteDifference),
    /// Savitzky–Golay smoothing, then finite differences.
    SavitzkyGolay(SavitzkyGolay),
    /// Fourier differentiation; the record must be one period of a periodic signal.
    Spectral,
    /// Total-variation regularised differentiation.
    TotalVariation(TotalVariation),
    /// The generating system's own vector field at the samples (catalog systems only;
    /// for teaching: it shows what the regression does with perfect derivatives).
    Exact,
}

impl Default for Differentiation {
    fn default() -> Self {
        Differentiation::FiniteDifference(FiniteDifference::default())
    }
}

/// Estimated derivatives and, for smoothing methods, the states the library is built
/// from.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// `Ẋ`, row-major `m × n`; `NaN` marks rows left out.
    pub x_dot: Vec<f64>,
    /// Replacement states for the library (smoothed), when the method provides them.
    pub smoothed: Option<Vec<f64>>,
}

impl Differentiation {
    /// `Ẋ` for row-major samples `x` (`m × n`) at step `dt`; `NaN` marks rows left out.
    /// [`Differentiation::Exact`] needs the data's provenance: use [`Self::estimate`].
    pub fn differentiate(&self, x: &[f64], n: usize, dt: f64) -> Result<Vec<f64>, FitError> {
        Ok(self.estimate_samples(x, n, dt)?.x_dot)
    }

    /// Derivatives of `data` (and the smoothed states where the method smooths and is
    /// asked to feed them to the library).
    pub fn estimate(&self, data: &Trajectory) -> Result<Estimate, FitError> {
        match self {
            Differentiation::Exact => Ok(Estimate {
                x_dot: exact(data)?,
                smoothed: None,
            }),
            _ => self.estimate_samples(data.samples(), data.dim(), data.dt()),
        }
    }

    fn estimate_samples(&self, x: &[f64], n: usize, dt: f64) -> Result<Estimate, FitError> {
        check_dt(dt)?;
        match self {
            Differentiation::FiniteDifference(fd) => Ok(Estimate {
                x_dot: fd.differentiate(x, n, dt)?,
                smoothed: None,
            }),
            Differentiation::SavitzkyGolay(sg) => {
                let smooth = super::savgol::smooth(x, n, sg.window, sg.polyorder)?;
                let x_dot = sg.fd.differentiate(&smooth, n, dt)?;
                Ok(Estimate {
                    x_dot,
                    smoothed: sg.smoothed_x.then_some(smooth),
                })
            }
            Differentiation::Spectral => {
                if x.len() / n < 4 {
                    return Err(FitError::Data(
                        "spectral differentiation needs at least 4 samples".into(),
                    ));
                }
                Ok(Estimate {
                    x_dot: super::spectral::differentiate(x, n, dt),
                    smoothed: None,
                })
            }
            Differentiation::TotalVariation(tv) => {
                let (x_dot, smooth) = super::tv::differentiate(x, n, dt, tv.alpha)?;
                Ok(Estimate {
                    x_dot,
                    smoothed: tv.smoothed_x.then_some(smooth),
                })
            }
            Differentiation::Exact => Err(FitError::Options(
                "exact derivatives need the data's generating system; call estimate()".into(),
            )),
        }
    }

    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            Differentiation::FiniteDifference(fd) => format!(
                "finite differences, order {}{}",
                fd.order,
                if fd.endpoints == Endpoints::Drop {
                    ", endpoints dropped"
                } else {
                    ""
                }
            ),
            Differentiation::SavitzkyGolay(sg) => format!(
                "Savitzky–Golay (window {}, order {}) then finite differences, order {}{}",
                sg.window,
                sg.polyorder,
                sg.fd.order,
                if sg.smoothed_x {
                    "; smoothed states in the library"
                } else {
                    ""
                }
            ),
            Differentiation::Spectral => "spectral (FFT, periodic data)".into(),
            Differentiation::TotalVariation(tv) => format!(
                "total-variation regularised, alpha {}{}",
                tv.alpha,
                if tv.smoothed_x {
                    "; smoothed states in the library"
                } else {
                    ""
                }
            ),
            Differentiation::Exact => "exact (the generating system's vector field)".into(),
        }
    }
}

fn check_dt(dt: f64) -> Result<(), FitError> {
    if !(dt.is_finite() && dt > 0.0) {
        return Err(FitError::Data(format!(
            "the time step must be a positive number, got {dt}"
        )));
    }
    Ok(())
}

/// `f(x_k)` at every sample, `f` the catalog system named in the data's provenance with
/// the recorded parameters.
fn exact(data: &Trajectory) -> Result<Vec<f64>, FitError> {
    let Source::System { name, params } = &data.provenance.source else {
        return Err(FitError::Options(
            "exact derivatives need data generated from a catalog system (these data come from a file or a model); choose another derivative method".into(),
        ));
    };
    let mut system = Catalog::builtin().system(name).map_err(|_| {
        FitError::Options(format!(
            "exact derivatives need a catalog system; '{name}' is not in the catalog (a typed system?): choose another derivative method"
        ))
    })?;
    for (k, v) in params {
        system
            .set_param(k, *v)
            .map_err(|e| FitError::Options(format!("exact derivatives: {e}")))?;
    }
    if system.kind() != Kind::Flow {
        return Err(FitError::Options(format!(
            "exact derivatives exist for flows only; {name} is a {}",
            system.kind()
        )));
    }
    if system.has_output_map() || system.dim() != data.dim() {
        return Err(FitError::Options(format!(
            "exact derivatives need the raw state; the data of {name} record an observation of it"
        )));
    }
    let n = data.dim();
    let mut out = vec![0.0; data.samples().len()];
    for (x, dx) in data.samples().chunks_exact(n).zip(out.chunks_exact_mut(n)) {
        system.rhs(x, dx);
    }
    Ok(out)
}

impl FiniteDifference {
    /// Finite-difference derivative of every column of `x` (row-major `m × n`).
    ///
    /// # Method
    /// Interior: `ẋ_i = Σ_j c_j x_{i+j} / Δt` over `j = −q..q`, `q = order/2`.
    /// Ends: for `i < q`, `ẋ_i = Σ_{j=0}^{order} w_j(i) x_j / Δt` where `w(i)` is the
    /// one-sided stencil on samples `0..=order` evaluated at sample `i` (mirrored at the
    /// end), as PySINDy's `_coefficients_boundary_forward`.
    pub fn differentiate(&self, x: &[f64], n: usize, dt: f64) -> Result<Vec<f64>, FitError> {
        let order = self.order;
        if order == 0 || order % 2 == 1 || order > MAX_FD_ORDER {
            return Err(FitError::Options(format!(
                "finite-difference order must be 2, 4, 6 or 8, got {order}"
            )));
        }
        if !(dt.is_finite() && dt > 0.0) {
            return Err(FitError::Data(format!(
                "the time step must be a positive number, got {dt}"
            )));
        }
        let m = x.len() / n;
        if m < order + 1 {
            return Err(FitError::Data(format!(
                "finite differences of order {order} need at least {} samples, the data have {m}",
                order + 1
            )));
        }
        let q = order / 2;
        let offsets: Vec<f64> = (0..=order).map(|j| j as f64 - q as f64).collect();
        let centre = stencil(&offsets, 0.0)?;
        let mut out = vec![f64::NAN; m * n];
        for i in q..m - q {
            for c in 0..n {
                let mut acc = 0.0;
                for (j, w) in centre.iter().enumerate() {
                    if *w != 0.0 {
                        acc += x[(i + j - q) * n + c] * w;
                    }
                }
                out[i * n + c] = acc / dt;
            }
        }
        if self.endpoints == Endpoints::OneSided {
            let forward: Vec<f64> = (0..=order).map(|j| j as f64).collect();
            for i in 0..q {
                // Start: samples 0..=order evaluated at i; end: samples m−1−order..m−1 at
                // m−1−i (the mirror image).
                let w = stencil(&forward, i as f64)?;
                let w_end = stencil(&forward, (order - i) as f64)?;
                for c in 0..n {
                    let start: f64 = (0..=order).map(|j| w[j] * x[j * n + c]).sum();
                    let end: f64 = (0..=order)
                        .map(|j| w_end[j] * x[(m - 1 - order + j) * n + c])
                        .sum();
                    out[i * n + c] = start / dt;
                    out[(m - 1 - i) * n + c] = end / dt;
                }
            }
        }
        Ok(out)
    }
}

/// First-derivative weights on the grid `offsets` (in steps) evaluated at `at`: solves
/// `Σ_j w_j (s_j − at)^k = k!·[k = 1]`, `k = 0..len−1`.
fn stencil(offsets: &[f64], at: f64) -> Result<Vec<f64>, FitError> {
    let s = offsets.len();
    let a = Mat::from_fn(s, s, |k, j| (offsets[j] - at).powi(k as i32));
    let mut b = Mat::<f64>::zeros(s, 1);
    b[(1, 0)] = 1.0;
    let w = a.partial_piv_lu().solve(&b);
    let w: Vec<f64> = (0..s).map(|j| w[(j, 0)]).collect();
    if w.iter().any(|v| !v.is_finite()) {
        return Err(FitError::Numerical(
            "finite-difference stencil is singular".into(),
        ));
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fd(order: usize) -> FiniteDifference {
        FiniteDifference {
            order,
            endpoints: Endpoints::OneSided,
        }
    }

    #[test]
    fn order_two_is_exact_on_quadratics_with_pysindy_endpoints() {
        // x(t) = 3t² − 2t + 1 at t = 0.1 k; the centred and the one-sided 3-point
        // formulas are exact for degree ≤ 2, so the only error is rounding (values ≤ 30,
        // divided by Δt = 0.1: a few ulps of 300 → 1e-12 is a generous bound).
        let dt = 0.1;
        let xs: Vec<f64> = (0..20)
            .map(|k| {
                let t = k as f64 * dt;
                3.0 * t * t - 2.0 * t + 1.0
            })
            .collect();
        let d = fd(2).differentiate(&xs, 1, dt).expect("valid");
        for (k, v) in d.iter().enumerate() {
            let t = k as f64 * dt;
            assert!((v - (6.0 * t - 2.0)).abs() < 1e-12, "k={k}: {v}");
        }
        // The endpoint rule itself: (−3x0 + 4x1 − x2)/(2Δt) and its mirror.
        let start = (-3.0 * xs[0] + 4.0 * xs[1] - xs[2]) / (2.0 * dt);
        let end = (3.0 * xs[19] - 4.0 * xs[18] + xs[17]) / (2.0 * dt);
        assert!((d[0] - start).abs() < 1e-12 && (d[19] - end).abs() < 1e-12);
        // On a cubic the endpoints are not exact but the interior still is:
        // (x_{i+1} − x_{i−1})/(2Δt) of t³ = 3t² + Δt².
        let cubic: Vec<f64> = (0..10).map(|k| (k as f64 * dt).powi(3)).collect();
        let d = fd(2).differentiate(&cubic, 1, dt).expect("valid");
        for k in 1..9 {
            let t = k as f64 * dt;
            assert!((d[k] - (3.0 * t * t + dt * dt)).abs() < 1e-12);
        }
    }

    #[test]
    fn dropped_endpoints_are_nan() {
        let xs: Vec<f64> = (0..10).map(|k| k as f64).collect();
        let d = FiniteDifference {
            order: 4,
            endpoints: Endpoints::Drop,
        }
        .differentiate(&xs, 1, 1.0)
        .expect("valid");
        assert!(d[0].is_nan() && d[1].is_nan() && d[8].is_nan() && d[9].is_nan());
        assert!(d[2..8].iter().all(|v| (v - 1.0).abs() < 1e-13));
    }

    #[test]
    fn orders_converge_at_their_order() {
        // sin(t) on [0, 2]: halving Δt divides the max interior error by 2^order
        // (within 15 % — the next error term is O(Δt^{order+2})).
        for order in [2usize, 4, 6] {
            let err = |dt: f64| {
                let m = (2.0 / dt) as usize + 1;
                let xs: Vec<f64> = (0..m).map(|k| (k as f64 * dt).sin()).collect();
                let d = fd(order).differentiate(&xs, 1, dt).expect("valid");
                (order / 2..m - order / 2)
                    .map(|k| (d[k] - (k as f64 * dt).cos()).abs())
                    .fold(0.0, f64::max)
            };
            let ratio = err(0.04) / err(0.02);
            let want = 2f64.powi(order as i32);
            assert!((ratio / want - 1.0).abs() < 0.15, "order {order}: {ratio}");
        }
    }

    #[test]
    fn smoothed_differences_converge_at_their_order() {
        // Savitzky–Golay (fixed window of 11 samples) then FD: the smoothing error of a
        // centred window with polyorder p is O(h^q), q = p + 1 rounded up to even, the
        // FD error O(h^order); halving Δt divides the interior error by 2^min(q, order)
        // (within 20 %; measured away from the ends, where the switch to the edge fit
        // makes the smoothing error non-smooth).
        for (polyorder, order, rate) in [(3usize, 2usize, 2i32), (3, 4, 4), (5, 6, 6)] {
            let err = |dt: f64| {
                let m = (4.0 / dt) as usize + 1;
                let xs: Vec<f64> = (0..m).map(|k| (k as f64 * dt).sin()).collect();
                let d = Differentiation::SavitzkyGolay(SavitzkyGolay {
                    window: 11,
                    polyorder,
                    fd: fd(order),
                    smoothed_x: true,
                })
                .differentiate(&xs, 1, dt)
                .expect("valid");
                (12..m - 12)
                    .map(|k| (d[k] - (k as f64 * dt).cos()).abs())
                    .fold(0.0, f64::max)
            };
            let ratio = err(0.04) / err(0.02);
            let want = 2f64.powi(rate);
            assert!(
                (ratio / want - 1.0).abs() < 0.2,
                "polyorder {polyorder}, FD {order}: {ratio} vs {want}"
            );
        }
    }

    #[test]
    fn estimate_hands_back_smoothed_states_when_asked() {
        let xs: Vec<f64> = (0..50).map(|k| (k as f64 * 0.1).sin()).collect();
        let sg = SavitzkyGolay::default();
        let keep = Differentiation::SavitzkyGolay(sg)
            .estimate_samples(&xs, 1, 0.1)
            .expect("valid");
        assert_eq!(keep.smoothed.as_ref().map(Vec::len), Some(50));
        let raw = Differentiation::SavitzkyGolay(SavitzkyGolay {
            smoothed_x: false,
            ..sg
        })
        .estimate_samples(&xs, 1, 0.1)
        .expect("valid");
        assert!(raw.smoothed.is_none());
        assert_eq!(raw.x_dot, keep.x_dot);
        assert!(Differentiation::Exact.differentiate(&xs, 1, 0.1).is_err());
    }

    #[test]
    fn bad_settings_are_refused() {
        let xs = [1.0, 2.0];
        assert!(fd(3).differentiate(&xs, 1, 1.0).is_err());
        assert!(fd(2).differentiate(&xs, 1, 1.0).is_err());
        assert!(fd(2).differentiate(&[1.0, 2.0, 3.0], 1, 0.0).is_err());
    }
}
