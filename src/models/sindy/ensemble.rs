//! Ensemble SINDy (E-SINDy): takes the built regression problem (`Θ`, targets) and an
//! optimizer and produces many sparse models fitted to resampled versions of it, their
//! element-wise median (or mean) as the model, and each term's inclusion probability.
//!
//! # Method (Fasel et al. 2022; PySINDy 2.1 `EnsembleOptimizer`, spec §4.8)
//! - Bagging: each of `n_models` fits uses `n_subset` rows of `Θ` and the targets drawn
//!   with replacement (default `n_subset = m`: the bootstrap) or without. Rows come from
//!   the already built problem, so derivatives are not recomputed.
//! - Library ensembling: each fit also drops `library_drop` randomly chosen columns;
//!   their coefficients count as 0 in that model.
//! - Aggregation: element-wise median ("bragging", the default) or mean of the
//!   coefficient matrices; the inclusion probability of term `j` in equation `i` is the
//!   fraction of models with `ξ_ij ≠ 0`. The 5th and 95th percentiles of each
//!   coefficient over the models are reported as a band.
//!
//! Randomness comes from one seeded PCG-64 stream, drawn in model order before any fit
//! runs, so results do not depend on the number of threads. The inner optimizer keeps
//! its own options (unbias included).
//!
//! # References
//! - U. Fasel, J. N. Kutz, B. W. Brunton, S. L. Brunton, "Ensemble-SINDy: Robust sparse
//!   model discovery in the low-data, high-noise limit, with active learning and
//!   control", Proc. R. Soc. A 478 (2022) 20210904.
//! - L. Breiman, "Bagging predictors", Machine Learning 24 (1996) 123–140.

use faer::{Mat, MatRef};
use rand::Rng;
use rand::SeedableRng;
use rand::seq::index::sample;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::optimizer::Optimizer;
use super::stlsq::StlsqInfo;
use crate::jobs::JobContext;
use crate::models::FitError;

/// PySINDy's default number of models.
pub const DEFAULT_MODELS: usize = 20;

/// How the ensemble's coefficient matrices are combined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Element-wise median (PySINDy's default, "bragging").
    #[default]
    Median,
    /// Element-wise mean (classic bagging).
    Mean,
}

/// Ensemble options.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    /// Number of models.
    pub n_models: usize,
    /// Resample rows for each model.
    pub bagging: bool,
    /// Rows per model (`None`: all `m`).
    pub n_subset: Option<usize>,
    /// Draw rows with replacement.
    pub replace: bool,
    /// Library columns dropped at random from each model (0: no library ensembling).
    pub library_drop: usize,
    /// Median or mean.
    pub aggregate: Aggregate,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Default for Ensemble {
    fn default() -> Self {
        Self {
            n_models: DEFAULT_MODELS,
            bagging: true,
            n_subset: None,
            replace: true,
            library_drop: 0,
            aggregate: Aggregate::Median,
            seed: 0,
        }
    }
}

/// What the ensemble found besides the aggregated coefficients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnsembleReport {
    /// Number of models fitted.
    pub n_models: usize,
    /// Fraction of models in which each coefficient is non-zero (`n × p`).
    pub inclusion_probabilities: Vec<Vec<f64>>,
    /// 5th percentile of each coefficient over the models (`n × p`).
    pub band_lower: Vec<Vec<f64>>,
    /// 95th percentile of each coefficient over the models (`n × p`).
    pub band_upper: Vec<Vec<f64>>,
}

/// One model's draw: its rows and the columns it keeps.
struct Draw {
    rows: Vec<usize>,
    cols: Vec<usize>,
}

impl Ensemble {
    /// Checks the options against `m` rows and `p` columns.
    pub fn validate(&self, m: usize, p: usize) -> Result<(), FitError> {
        if self.n_models < 2 {
            return Err(FitError::Options(format!(
                "an ensemble needs at least 2 models, got {}",
                self.n_models
            )));
        }
        if !self.bagging && self.library_drop == 0 {
            return Err(FitError::Options(
                "an ensemble needs bagging, library dropping, or both".into(),
            ));
        }
        if self.library_drop >= p {
            return Err(FitError::Options(format!(
                "cannot drop {} of the library's {p} terms in each model",
                self.library_drop
            )));
        }
        if let Some(k) = self.n_subset
            && (k == 0 || (!self.replace && k > m))
        {
            return Err(FitError::Options(format!(
                "the bagging subset must have between 1 and {m} rows (without replacement), got {k}"
            )));
        }
        Ok(())
    }

    fn draws(&self, m: usize, p: usize) -> Vec<Draw> {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(self.seed);
        let k = self.n_subset.unwrap_or(m);
        (0..self.n_models)
            .map(|_| {
                let mut rows: Vec<usize> = if !self.bagging {
                    (0..m).collect()
                } else if self.replace {
                    (0..k).map(|_| rng.random_range(0..m)).collect()
                } else {
                    sample(&mut rng, m, k).into_vec()
                };
                rows.sort_unstable();
                let mut cols: Vec<usize> = (0..p).collect();
                if self.library_drop > 0 {
                    let mut dropped = sample(&mut rng, p, self.library_drop).into_vec();
                    dropped.sort_unstable();
                    cols.retain(|c| dropped.binary_search(c).is_err());
                }
                Draw { rows, cols }
            })
            .collect()
    }

    /// Fits every model and aggregates: `(Ξ, info, report)`. `info` counts the largest
    /// number of iterations any model took and is converged only when all were.
    pub fn fit(
        &self,
        optimizer: &Optimizer,
        theta: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        job: &JobContext,
    ) -> Result<(Mat<f64>, StlsqInfo, EnsembleReport), FitError> {
        let (m, p, n) = (theta.nrows(), theta.ncols(), y.ncols());
        self.validate(m, p)?;
        let draws = self.draws(m, p);
        let fits: Vec<Result<(Mat<f64>, StlsqInfo), FitError>> = draws
            .par_iter()
            .map(|d| {
                job.check()?;
                let th = Mat::from_fn(d.rows.len(), d.cols.len(), |r, c| {
                    theta[(d.rows[r], d.cols[c])]
                });
                let yy = Mat::from_fn(d.rows.len(), n, |r, c| y[(d.rows[r], c)]);
                let (xi, info) = optimizer.fit(th.as_ref(), yy.as_ref(), job)?;
                let full = Mat::from_fn(n, p, |i, j| match d.cols.binary_search(&j) {
                    Ok(c) => xi[(i, c)],
                    Err(_) => 0.0,
                });
                Ok((full, info))
            })
            .collect();
        let mut models = Vec::with_capacity(fits.len());
        let mut info = StlsqInfo {
            converged: true,
            ..StlsqInfo::default()
        };
        for f in fits {
            let (xi, i) = f?;
            info.iterations = info.iterations.max(i.iterations);
            info.converged &= i.converged;
            models.push(xi);
        }
        let k = models.len() as f64;
        let mut xi = Mat::<f64>::zeros(n, p);
        let mut report = EnsembleReport {
            n_models: models.len(),
            inclusion_probabilities: vec![vec![0.0; p]; n],
            band_lower: vec![vec![0.0; p]; n],
            band_upper: vec![vec![0.0; p]; n],
        };
        let mut values = Vec::with_capacity(models.len());
        for i in 0..n {
            for j in 0..p {
                values.clear();
                values.extend(models.iter().map(|mdl| mdl[(i, j)]));
                report.inclusion_probabilities[i][j] =
                    values.iter().filter(|v| **v != 0.0).count() as f64 / k;
                values.sort_by(f64::total_cmp);
                xi[(i, j)] = match self.aggregate {
                    Aggregate::Median => quantile(&values, 0.5),
                    Aggregate::Mean => values.iter().sum::<f64>() / k,
                };
                report.band_lower[i][j] = quantile(&values, 0.05);
                report.band_upper[i][j] = quantile(&values, 0.95);
            }
            if (0..p).all(|j| xi[(i, j)] == 0.0) {
                info.emptied.push(i);
            }
        }
        Ok((xi, info, report))
    }
}

/// The `q`-quantile of sorted values with linear interpolation (numpy's default; `q =
/// 0.5` is the median, the mean of the middle two for an even count).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::sindy::stlsq::Stlsq;

    fn design(m: usize, p: usize) -> Mat<f64> {
        Mat::from_fn(m, p, |i, j| {
            let t = i as f64 / m as f64;
            ((j + 1) as f64 * 7.3 * t + j as f64).sin() + 0.1 * (j as f64) * t
        })
    }

    #[test]
    fn quantiles_follow_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert!((quantile(&v, 0.05) - 1.15).abs() < 1e-12);
    }

    #[test]
    fn noise_free_problem_gives_certain_terms_and_seeded_repeats() {
        // An exactly sparse problem: every bootstrap finds the same support, so the
        // inclusion probabilities are exactly 1 and 0 and the median equals the truth.
        let (m, p) = (300, 6);
        let theta = design(m, p);
        let y = Mat::from_fn(m, 1, |i, _| 2.0 * theta[(i, 1)] - 0.5 * theta[(i, 4)]);
        let ens = Ensemble {
            n_models: 11,
            seed: 3,
            ..Ensemble::default()
        };
        let opt = Optimizer::Stlsq(Stlsq::default());
        let job = JobContext::detached();
        let (xi, info, rep) = ens
            .fit(&opt, theta.as_ref(), y.as_ref(), &job)
            .expect("fits");
        assert!(info.converged);
        assert_eq!(rep.n_models, 11);
        for j in 0..p {
            let want = [0.0, 2.0, 0.0, 0.0, -0.5, 0.0][j];
            assert!((xi[(0, j)] - want).abs() < 1e-10, "{j}: {}", xi[(0, j)]);
            let prob = if want != 0.0 { 1.0 } else { 0.0 };
            assert_eq!(rep.inclusion_probabilities[0][j], prob);
        }
        // Same seed, same answer (bit for bit, whatever the thread count).
        let (xi2, _, rep2) = ens
            .fit(&opt, theta.as_ref(), y.as_ref(), &job)
            .expect("fits");
        assert_eq!(xi, xi2);
        assert_eq!(rep, rep2);
    }

    #[test]
    fn library_dropping_lowers_inclusion_of_dropped_true_terms() {
        // Dropping 1 of 6 columns per model: a true term is absent from exactly the
        // models that dropped it, so its inclusion probability is 1 − (#dropped)/n, and
        // over 200 models that is close to 5/6.
        let (m, p) = (200, 6);
        let theta = design(m, p);
        let y = Mat::from_fn(m, 1, |i, _| 2.0 * theta[(i, 1)]);
        let ens = Ensemble {
            n_models: 200,
            bagging: false,
            library_drop: 1,
            ..Ensemble::default()
        };
        let opt = Optimizer::Stlsq(Stlsq::default());
        let (_, _, rep) = ens
            .fit(&opt, theta.as_ref(), y.as_ref(), &JobContext::detached())
            .expect("fits");
        let prob = rep.inclusion_probabilities[0][1];
        assert!((prob - 5.0 / 6.0).abs() < 0.08, "{prob}");
    }

    #[test]
    fn bad_options_are_refused() {
        let theta = design(10, 3);
        let y = Mat::<f64>::zeros(10, 1);
        let opt = Optimizer::default();
        let job = JobContext::detached();
        for bad in [
            Ensemble {
                n_models: 1,
                ..Ensemble::default()
            },
            Ensemble {
                library_drop: 3,
                ..Ensemble::default()
            },
            Ensemble {
                bagging: false,
                ..Ensemble::default()
            },
        ] {
            assert!(bad.fit(&opt, theta.as_ref(), y.as_ref(), &job).is_err());
        }
    }
}
