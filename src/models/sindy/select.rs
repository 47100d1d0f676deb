//! Model selection by a threshold sweep: takes the regression problem and an optimizer
//! and produces, for thresholds on a log grid, the number of terms, the validation
//! error and AICc of the fitted model, and the chosen threshold (the Pareto knee or the
//! AICc minimum).
//!
//! # Method
//! The rows are split: the first `1 − validation` fraction fits, the rest validates
//! (for a trajectory, a later stretch of the attractor; for the weak form, the later
//! subdomains). For every threshold `τ` of the grid — 0 (the dense model), then
//! `points − 1` values log-spaced from `10⁻⁵·c_max` to `c_max`, `c_max` the largest
//! coefficient of the dense fit — the optimizer fits the training rows and the model is
//! scored on the validation rows:
//!
//! - `error = RSS/‖Y_val‖²` (relative residual of the predicted targets),
//! - `AICc = N ln(RSS/N) + 2k + 2k(k+1)/(N − k − 1)` with `N` the number of validation
//!   entries (rows × equations) and `k` the number of non-zero coefficients (the
//!   standard form; PySINDy's example code uses the squared spectral norm for RSS, a
//!   quirk we do not copy).
//!
//! The **knee** walks the models from dense to sparse and picks the sparsest model
//! before the largest relative jump `error_{sparser}/error` — the cliff where a true
//! term is cut (spec §9.4); of the thresholds that give that model, the middle one of
//! the plateau is reported. AICc alone is not safe on clean data: with finite-difference
//! derivatives the extra terms absorb truncation error and lower RSS, so the dense model
//! wins (measured in spec §9.4); the knee is the default, AICc the alternative.
//!
//! # References
//! - N. M. Mangan, J. N. Kutz, S. L. Brunton, J. L. Proctor, "Model selection for
//!   dynamical systems via sparse regression and information criteria", Proc. R. Soc. A
//!   473 (2017) 20170009.
//! - C. M. Hurvich, C.-L. Tsai, "Regression and time series model selection in small
//!   samples", Biometrika 76 (1989) 297 (AICc).

use faer::MatRef;
use serde::{Deserialize, Serialize};

use super::optimizer::Optimizer;
use crate::jobs::JobContext;
use crate::models::FitError;

/// Default grid size (the dense model plus 24 log-spaced thresholds over five decades).
pub const DEFAULT_POINTS: usize = 25;
/// Default fraction of rows held out for validation.
pub const DEFAULT_VALIDATION: f64 = 0.2;
/// The grid's lower end relative to the largest dense coefficient.
const GRID_DECADES: f64 = 5.0;

/// How the chosen model is picked from the sweep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// The sparsest model before the largest error jump.
    #[default]
    Knee,
    /// The smallest AICc.
    Aicc,
}

/// Threshold-sweep options.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// Thresholds tried (including 0).
    pub points: usize,
    /// Fraction of rows held out for scoring.
    pub validation: f64,
    /// Knee or AICc.
    pub criterion: Criterion,
}

impl Default for Sweep {
    fn default() -> Self {
        Self {
            points: DEFAULT_POINTS,
            validation: DEFAULT_VALIDATION,
            criterion: Criterion::Knee,
        }
    }
}

/// One point of the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The threshold.
    pub threshold: f64,
    /// Non-zero coefficients.
    pub nonzero: usize,
    /// Relative validation residual `RSS/‖Y_val‖²`.
    pub error: f64,
    /// AICc on the validation rows.
    pub aicc: f64,
}

/// The sweep's table and choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    /// One row per threshold, ascending.
    pub points: Vec<SweepPoint>,
    /// Index of the Pareto knee.
    pub knee: usize,
    /// Index of the AICc minimum.
    pub aicc_min: usize,
    /// The criterion used.
    pub criterion: Criterion,
    /// Index of the chosen point.
    pub chosen: usize,
}

impl SweepReport {
    /// The chosen threshold.
    pub fn chosen_threshold(&self) -> f64 {
        self.points[self.chosen].threshold
    }
}

impl Sweep {
    /// Checks the options.
    pub fn validate(&self) -> Result<(), FitError> {
        if self.points < 3 {
            return Err(FitError::Options(format!(
                "a threshold sweep needs at least 3 points, got {}",
                self.points
            )));
        }
        if !(self.validation > 0.0 && self.validation < 1.0) {
            return Err(FitError::Options(format!(
                "the sweep's validation fraction must be between 0 and 1, got {}",
                self.validation
            )));
        }
        Ok(())
    }

    /// Runs the sweep on `Y ≈ Θ Ξᵀ`.
    pub fn run(
        &self,
        optimizer: &Optimizer,
        theta: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        job: &JobContext,
    ) -> Result<SweepReport, FitError> {
        self.validate()?;
        let (m, p, n) = (theta.nrows(), theta.ncols(), y.ncols());
        let n_val = ((m as f64 * self.validation).round() as usize).max(1);
        let n_fit = m - n_val;
        if n_fit < p || n_val < 2 {
            return Err(FitError::Data(format!(
                "the threshold sweep holds out {n_val} of {m} rows and fits on the rest, which is fewer than the library's {p} terms; use more data or a smaller library"
            )));
        }
        let (th_fit, th_val) = (theta.subrows(0, n_fit), theta.subrows(n_fit, n_val));
        let (y_fit, y_val) = (y.subrows(0, n_fit), y.subrows(n_fit, n_val));
        let dense = optimizer.with_threshold(0.0).fit(th_fit, y_fit, job)?.0;
        let c_max = dense
            .col_iter()
            .flat_map(|c| c.iter().copied())
            .fold(0.0f64, |a, v| a.max(v.abs()));
        if !(c_max > 0.0 && c_max.is_finite()) {
            return Err(FitError::Numerical(
                "the dense fit of the threshold sweep is zero or not finite".into(),
            ));
        }
        let y_norm: f64 = y_val.col_iter().flat_map(|c| c.iter()).map(|v| v * v).sum();
        let big_n = (n_val * n) as f64;
        let mut points = Vec::with_capacity(self.points);
        for k in 0..self.points {
            job.check()?;
            job.report(0.4 + 0.4 * k as f32 / self.points as f32, "threshold sweep");
            let threshold = if k == 0 {
                0.0
            } else {
                let f = (k - 1) as f64 / (self.points - 2) as f64;
                c_max * 10f64.powf(-GRID_DECADES * (1.0 - f))
            };
            let xi = if k == 0 {
                dense.clone()
            } else {
                optimizer
                    .with_threshold(threshold)
                    .fit(th_fit, y_fit, job)?
                    .0
            };
            let nonzero = xi
                .col_iter()
                .flat_map(|c| c.iter())
                .filter(|v| **v != 0.0)
                .count();
            let rss = residual(th_val, y_val, xi.as_ref());
            let kk = nonzero as f64;
            let aicc = big_n * (rss / big_n).max(f64::MIN_POSITIVE).ln()
                + 2.0 * kk
                + if big_n - kk - 1.0 > 0.0 {
                    2.0 * kk * (kk + 1.0) / (big_n - kk - 1.0)
                } else {
                    f64::INFINITY
                };
            points.push(SweepPoint {
                threshold,
                nonzero,
                error: rss / y_norm.max(f64::MIN_POSITIVE),
                aicc,
            });
        }
        let knee = plateau_middle(&points, knee(&points));
        let aicc_min = (0..points.len())
            .min_by(|a, b| points[*a].aicc.total_cmp(&points[*b].aicc))
            .unwrap_or(0);
        Ok(SweepReport {
            chosen: match self.criterion {
                Criterion::Knee => knee,
                Criterion::Aicc => aicc_min,
            },
            points,
            knee,
            aicc_min,
            criterion: self.criterion,
        })
    }
}

/// The middle of the run of thresholds around `i` that give the same model (same term
/// count and error): the reported threshold is then as far as the grid allows from both
/// ends of the plateau, the refit with it (or an ensemble at it) the least sensitive.
fn plateau_middle(points: &[SweepPoint], i: usize) -> usize {
    let same = |a: &SweepPoint, b: &SweepPoint| {
        a.nonzero == b.nonzero && (a.error - b.error).abs() <= 1e-12 * a.error.abs().max(1e-300)
    };
    let (mut lo, mut hi) = (i, i);
    while lo > 0 && same(&points[lo - 1], &points[i]) {
        lo -= 1;
    }
    while hi + 1 < points.len() && same(&points[hi + 1], &points[i]) {
        hi += 1;
    }
    (lo + hi) / 2
}

/// `‖Y − Θ Ξᵀ‖²_F`.
fn residual(theta: MatRef<'_, f64>, y: MatRef<'_, f64>, xi: MatRef<'_, f64>) -> f64 {
    let pred = theta * xi.transpose();
    let mut s = 0.0;
    for c in 0..y.ncols() {
        for r in 0..y.nrows() {
            let e = y[(r, c)] - pred[(r, c)];
            s += e * e;
        }
    }
    s
}

/// The sparsest model before the largest relative error jump, walking from dense to
/// sparse over points whose term count drops. Ties keep the denser cliff edge.
fn knee(points: &[SweepPoint]) -> usize {
    let mut best = (0usize, 0.0f64);
    let mut current = 0usize;
    for (i, p) in points.iter().enumerate().skip(1) {
        if p.nonzero >= points[current].nonzero {
            // Same support size (or a denser one): the later threshold's model stands
            // for the plateau only if it is at least as good.
            if p.nonzero == points[current].nonzero && p.error <= points[current].error {
                current = i;
            }
            continue;
        }
        let ratio = p.error / points[current].error.max(f64::MIN_POSITIVE);
        if ratio > best.1 {
            best = (current, ratio);
        }
        current = i;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::sindy::stlsq::Stlsq;
    use faer::Mat;

    fn pt(nonzero: usize, error: f64) -> SweepPoint {
        SweepPoint {
            threshold: 0.0,
            nonzero,
            error,
            aicc: 0.0,
        }
    }

    #[test]
    fn knee_is_the_edge_of_the_cliff() {
        // 30 → 22 → 7 terms barely change the error; 7 → 3 multiplies it by 1e5.
        let pts = [
            pt(30, 1e-7),
            pt(22, 1.1e-7),
            pt(7, 2e-7),
            pt(7, 2e-7),
            pt(3, 0.02),
            pt(2, 0.03),
            pt(0, 1.0),
        ];
        assert_eq!(knee(&pts), 3);
        // The plateau of identical 7-term models is points 2–3: its middle is 2.
        assert_eq!(plateau_middle(&pts, 3), 2);
    }

    #[test]
    fn sweep_on_a_sparse_problem_finds_the_true_support() {
        // y = 2θ1 − 0.5θ4 plus tiny deterministic "noise": the knee keeps two terms.
        let (m, p) = (500, 8);
        let theta = Mat::from_fn(m, p, |i, j| {
            let t = i as f64 / m as f64;
            ((j + 1) as f64 * 7.3 * t + j as f64).sin() + 0.1 * (j as f64) * t
        });
        let y = Mat::from_fn(m, 1, |i, _| {
            2.0 * theta[(i, 1)] - 0.5 * theta[(i, 4)] + 1e-4 * (i as f64 * 1.7).sin()
        });
        let rep = Sweep::default()
            .run(
                &Optimizer::Stlsq(Stlsq::default()),
                theta.as_ref(),
                y.as_ref(),
                &JobContext::detached(),
            )
            .expect("runs");
        assert_eq!(rep.points.len(), DEFAULT_POINTS);
        assert_eq!(rep.points[0].threshold, 0.0);
        assert_eq!(rep.points[rep.chosen].nonzero, 2, "{:?}", rep.points);
        assert!(rep.chosen_threshold() > 1e-3 && rep.chosen_threshold() < 0.5);
        // Thresholds ascend; the last keeps at most the largest coefficient.
        assert!(
            rep.points
                .windows(2)
                .all(|w| w[1].threshold > w[0].threshold)
        );
        assert!(rep.points.last().expect("points").nonzero <= 1);
    }
}
