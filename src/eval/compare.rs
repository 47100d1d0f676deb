//! The comparison protocol: every model is fitted on the training part of one dataset,
//! forecasts from K held-out initial states on the test part (models with memory first
//! synchronise on the states before each start, see
//! [`super::protocol::history_window`]), and runs freely for a long horizon; forecast
//! quality is summarised over the starts (median and inter-quartile range of the
//! normalised error, VPT, sMAPE) and the free run's statistics are compared with the
//! test data's.
//!
//! Protocol after W. Gilpin, "Model scale versus domain knowledge in statistical
//! forecasting of chaotic systems", Phys. Rev. Research 5 (2023); error and VPT as in
//! [`super::forecast`].

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::forecast::score_forecast;
use super::power_spectrum::{DEFAULT_SMOOTHING, power_spectrum_distance};
use super::prediction_error::{PE_STEPS, prediction_error};
use super::protocol::history_window;
use super::stsp::state_space_divergence_auto;
use crate::data::Trajectory;
use crate::jobs::JobContext;
use crate::models::{FittedModel, ForecastError, Model};

/// Settings of a comparison.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompareOptions {
    /// Number of held-out start states (K).
    pub starts: usize,
    /// Forecast horizon in Lyapunov times (time units when λ_max ≤ 0).
    pub horizon: f64,
    /// Normalised-error threshold of the VPT.
    pub threshold: f64,
    /// At most this many evenly spaced test states start the PE(20) runs (0: no PE).
    #[serde(default = "default_pe_starts")]
    pub pe_starts: usize,
}

/// Default number of PE(20) starts: 2000 evenly spaced test states (the paper uses all).
pub const DEFAULT_PE_STARTS: usize = 2000;

fn default_pe_starts() -> usize {
    DEFAULT_PE_STARTS
}

/// Default K: 20 held-out starts (Gilpin 2023).
pub const DEFAULT_STARTS: usize = 20;
/// Default horizon: 15 Lyapunov times, beyond the best models' VPT on the catalog.
pub const DEFAULT_HORIZON: f64 = 15.0;

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            starts: DEFAULT_STARTS,
            horizon: DEFAULT_HORIZON,
            threshold: super::forecast::DEFAULT_VPT_THRESHOLD,
            pe_starts: DEFAULT_PE_STARTS,
        }
    }
}

/// One model's results, or why it has none.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelComparison {
    /// Family name.
    pub model: String,
    /// `None` when the fit succeeded; the reason otherwise.
    pub error: Option<String>,
    /// Seconds the fit took.
    pub fit_seconds: f64,
    /// Median VPT over the starts (Lyapunov times, or time units when λ ≤ 0).
    pub vpt: f64,
    /// Inter-quartile range of the VPT over the starts.
    pub vpt_iqr: [f64; 2],
    /// Median sMAPE over the starts (0–200).
    pub smape: f64,
    /// Starts whose forecast diverged (non-finite) before the horizon.
    pub diverged_starts: usize,
    /// Forecast starts used (K, fewer when the test part is short).
    #[serde(default)]
    pub starts: usize,
    /// PE(20): mean squared 20-step error from the test states in standardised units²
    /// (`specs/plrnn.md` §3.5); None when a run diverged or the test part is too short.
    #[serde(default)]
    pub pe20: Option<f64>,
    /// Median normalised error at each step over the starts.
    pub error_median: Vec<f64>,
    /// 25th percentile of the error at each step.
    pub error_q25: Vec<f64>,
    /// 75th percentile of the error at each step.
    pub error_q75: Vec<f64>,
    /// Time per step in the plotted unit.
    pub step_in_units: f64,
    /// A free run as long as the test part, from the first test state (row-major).
    pub free_run: Vec<f64>,
    /// Step at which the free run diverged, if it did.
    pub free_run_diverged_at: Option<usize>,
    /// D_stsp between the test data and the free run (None when it diverged).
    pub d_stsp: Option<f64>,
    /// D_H between the test data and the free run (None when it diverged).
    pub d_h: Option<f64>,
    /// The model's own largest Lyapunov exponent per time unit ([`model_max_lyapunov`]),
    /// to set beside the true system's; None where the model has no Jacobian and reports
    /// none, or its free run diverged.
    #[serde(default)]
    pub max_lyapunov: Option<f64>,
}

/// Share of a free run used to align the tangent vector before averaging.
const LYAPUNOV_TRANSIENT_SHARE: f64 = 0.1;

/// The largest Lyapunov exponent of a fitted model per time unit: along its own free
/// run `x_0 … x_T` (row-major, `dim` values per state), one tangent vector is propagated
/// by the one-step map's Jacobian [`FittedModel::jacobian`] and renormalised each step
/// (Benettin et al. 1980, one vector); the mean log growth after the first tenth,
/// divided by `dt`. Models without a state-space Jacobian (the ESN's lives in its
/// reservoir) give the `max_lyapunov` their report computes, if any.
pub fn model_max_lyapunov(fitted: &dyn FittedModel, free_run: &[f64], dim: usize) -> Option<f64> {
    let dt = fitted.dt();
    let rows = free_run.len() / dim.max(1);
    let reported = || {
        fitted
            .report()
            .get("max_lyapunov")
            .and_then(serde_json::Value::as_f64)
    };
    if rows < 3 || dt.is_nan() || dt <= 0.0 {
        return reported();
    }
    if fitted.jacobian(&free_run[..dim]).is_none() {
        return reported();
    }
    let transient = ((rows - 1) as f64 * LYAPUNOV_TRANSIENT_SHARE) as usize;
    let mut tangent = vec![1.0 / (dim as f64).sqrt(); dim];
    let mut k = 0usize;
    let per_step = super::tangent_growth::largest_lyapunov_per_step(
        &mut k,
        &mut tangent,
        transient,
        rows - 1 - transient,
        |k, t| {
            let Some(j) = fitted.jacobian(&free_run[*k * dim..(*k + 1) * dim]) else {
                return false;
            };
            let next: Vec<f64> = (0..dim)
                .map(|i| (0..dim).map(|c| j[i * dim + c] * t[c]).sum())
                .collect();
            t.copy_from_slice(&next);
            *k += 1;
            true
        },
    )?;
    Some(per_step / dt)
}

/// The start indices: K states spread evenly over the test part, each with `horizon`
/// steps of truth after it (fewer starts when the test part is short).
pub fn start_indices(test_len: usize, horizon_steps: usize, k: usize) -> Vec<usize> {
    if test_len <= horizon_steps || k == 0 {
        return if test_len > 1 { vec![0] } else { Vec::new() };
    }
    let room = test_len - 1 - horizon_steps;
    let k = k.min(room + 1);
    if k == 1 {
        return vec![0];
    }
    (0..k).map(|i| i * room / (k - 1)).collect()
}

/// Percentile `p` (0–1) of `v` by linear interpolation between order statistics.
pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let x = p * (v.len() - 1) as f64;
    let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (x - lo as f64)
}

/// Fits `model` on `train` and scores it on `test` as the module docs describe.
pub fn compare_model(
    model: &dyn Model,
    train: &Trajectory,
    test: &Trajectory,
    lyapunov: f64,
    options: &CompareOptions,
    job: &JobContext,
) -> ModelComparison {
    let started = Instant::now();
    match model.fit(train, job) {
        Ok(fitted) => {
            // The fit alone: scoring (K forecasts, the free run, PE) is not fit time.
            let fit_seconds = started.elapsed().as_secs_f64();
            let mut out = score_fitted(fitted.as_ref(), train, test, lyapunov, options, job);
            out.fit_seconds = fit_seconds;
            out
        }
        Err(e) => {
            let mut out = ModelComparison::empty(model.family());
            out.error = Some(format!("fit failed: {e}"));
            out
        }
    }
}

impl ModelComparison {
    /// A result with no numbers yet.
    fn empty(family: &str) -> Self {
        ModelComparison {
            model: family.to_string(),
            error: None,
            fit_seconds: 0.0,
            vpt: f64::NAN,
            vpt_iqr: [f64::NAN; 2],
            smape: f64::NAN,
            diverged_starts: 0,
            starts: 0,
            pe20: None,
            error_median: Vec::new(),
            error_q25: Vec::new(),
            error_q75: Vec::new(),
            step_in_units: 0.0,
            free_run: Vec::new(),
            free_run_diverged_at: None,
            d_stsp: None,
            d_h: None,
            max_lyapunov: None,
        }
    }
}

/// Scores an already fitted model on `test` (forecasts from K starts, free run,
/// statistics); `fit_seconds` is left at 0 for the caller to fill in.
pub fn score_fitted(
    fitted: &dyn FittedModel,
    train: &Trajectory,
    test: &Trajectory,
    lyapunov: f64,
    options: &CompareOptions,
    job: &JobContext,
) -> ModelComparison {
    let mut out = ModelComparison::empty(fitted.family());
    let dim = test.dim();
    let unit = if lyapunov > 0.0 {
        test.dt() * lyapunov
    } else {
        test.dt()
    };
    let horizon_steps = ((options.horizon / unit).ceil() as usize)
        .max(1)
        .min(test.len().saturating_sub(1));
    let starts = start_indices(test.len(), horizon_steps, options.starts);
    if starts.is_empty() {
        out.error = Some("the test part is too short to forecast from".into());
        return out;
    }
    out.starts = starts.len();
    let (_, std) = train.mean_std();
    let mut curves: Vec<Vec<f64>> = Vec::new();
    let (mut vpts, mut smapes) = (Vec::new(), Vec::new());
    for &s in &starts {
        if job.check().is_err() {
            out.error = Some("cancelled".into());
            return out;
        }
        let steps = horizon_steps.min(test.len() - 1 - s);
        let truth = &test.samples()[s * dim..(s + steps + 1) * dim];
        let history = history_window(train, test, s, fitted.context_len());
        let forecast = match fitted.forecast_from_history(&history, steps) {
            Ok(f) => f,
            Err(ForecastError::Diverged { prefix, .. }) => {
                out.diverged_starts += 1;
                // Past the divergence the error is unbounded: pad with infinity.
                let mut f = prefix;
                f.resize(truth.len(), f64::INFINITY);
                f
            }
            Err(e) => {
                out.error = Some(e.to_string());
                return out;
            }
        };
        let score = score_forecast(
            truth,
            &forecast,
            dim,
            test.dt(),
            &std,
            lyapunov,
            options.threshold,
        );
        vpts.push(score.vpt);
        smapes.push(if score.smape.is_finite() {
            score.smape
        } else {
            200.0
        });
        out.step_in_units = score.step_in_units;
        curves.push(score.error);
    }
    let len = curves.iter().map(Vec::len).min().unwrap_or(0);
    for k in 0..len {
        let mut col: Vec<f64> = curves.iter().map(|c| c[k]).collect();
        out.error_q25.push(percentile(&mut col, 0.25));
        out.error_median.push(percentile(&mut col, 0.5));
        out.error_q75.push(percentile(&mut col, 0.75));
    }
    out.vpt = percentile(&mut vpts.clone(), 0.5);
    out.vpt_iqr = [
        percentile(&mut vpts.clone(), 0.25),
        percentile(&mut vpts, 0.75),
    ];
    out.smape = percentile(&mut smapes, 0.5);
    let history = history_window(train, test, 0, fitted.context_len());
    match fitted.forecast_from_history(&history, test.len() - 1) {
        Ok(f) => out.free_run = f,
        Err(ForecastError::Diverged { step, prefix }) => {
            out.free_run = prefix;
            out.free_run_diverged_at = Some(step);
        }
        Err(e) => out.error = Some(e.to_string()),
    }
    if out.free_run_diverged_at.is_none() && out.free_run.len() == test.samples().len() {
        out.d_stsp = state_space_divergence_auto(test.samples(), &out.free_run, dim).ok();
        out.d_h =
            power_spectrum_distance(test.samples(), &out.free_run, dim, DEFAULT_SMOOTHING).ok();
        out.max_lyapunov = model_max_lyapunov(fitted, &out.free_run, dim);
    }
    if options.pe_starts > 0 {
        out.pe20 = prediction_error(fitted, train, test, PE_STEPS, options.pe_starts);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrate::{Simulation, solve};
    use crate::models::saved::SavedModel;
    use crate::models::{FitError, FittedModel, iterate_forecast};
    use crate::systems::{Catalog, System};

    /// A "model" that is the true system: its forecast is the exact flow.
    struct Oracle {
        system: System,
        names: Vec<String>,
        dt: f64,
    }

    impl Model for Oracle {
        fn family(&self) -> &'static str {
            "oracle"
        }
        fn fit(&self, data: &Trajectory, _: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
            Ok(Box::new(Oracle {
                system: self.system.clone(),
                names: data.names().to_vec(),
                dt: data.dt(),
            }))
        }
    }

    impl FittedModel for Oracle {
        fn family(&self) -> &'static str {
            "oracle"
        }
        fn state_names(&self) -> &[String] {
            &self.names
        }
        fn dt(&self) -> f64 {
            self.dt
        }
        fn last_state(&self) -> &[f64] {
            &[]
        }
        fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
            let sim = Simulation {
                initial_condition: x0.to_vec(),
                t_end: steps as f64 * self.dt,
                ..Simulation::for_system(&self.system, 1.0)
            };
            let (traj, _) =
                solve(&self.system, &sim, &JobContext::detached()).expect("the flow is smooth");
            Ok(traj.samples().to_vec())
        }
        fn report(&self) -> serde_json::Value {
            serde_json::Value::Null
        }
        fn to_saved(&self) -> SavedModel {
            unreachable!("test model")
        }
    }

    /// A forecaster that repeats its start state.
    struct Constant;

    impl Model for Constant {
        fn family(&self) -> &'static str {
            "constant"
        }
        fn fit(&self, data: &Trajectory, _: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
            Ok(Box::new(ConstantFit(data.names().to_vec())))
        }
    }

    struct ConstantFit(Vec<String>);

    impl FittedModel for ConstantFit {
        fn family(&self) -> &'static str {
            "constant"
        }
        fn state_names(&self) -> &[String] {
            &self.0
        }
        fn dt(&self) -> f64 {
            1.0
        }
        fn last_state(&self) -> &[f64] {
            &[]
        }
        fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
            iterate_forecast(x0, x0.len(), steps, |x, out| out.copy_from_slice(x))
        }
        fn report(&self) -> serde_json::Value {
            serde_json::Value::Null
        }
        fn to_saved(&self) -> SavedModel {
            unreachable!("test model")
        }
    }

    fn lorenz_split() -> (System, Trajectory, Trajectory) {
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let (traj, _) = solve(
            &sys,
            &Simulation::for_system(&sys, 400.0),
            &JobContext::detached(),
        )
        .expect("integrates");
        let (train, test) = traj.split(0.25);
        (sys, train, test)
    }

    #[test]
    fn the_true_system_forecasts_to_the_horizon_and_matches_the_statistics() {
        let (sys, train, test) = lorenz_split();
        let oracle = Oracle {
            system: sys,
            names: vec![],
            dt: 0.0,
        };
        let opts = CompareOptions {
            starts: 5,
            horizon: 8.0,
            ..CompareOptions::default()
        };
        let r = compare_model(
            &oracle,
            &train,
            &test,
            0.906,
            &opts,
            &JobContext::detached(),
        );
        assert!(r.error.is_none(), "{:?}", r.error);
        // Re-integrating from the sampled state reproduces the data to the solver's
        // tolerance, so the error stays far below 0.4 over 8 Lyapunov times.
        assert!(r.vpt >= 8.0 - 0.906 * test.dt(), "VPT {}", r.vpt);
        // The free run (68+ Lyapunov times) is another orbit on the same attractor, so the
        // statistics agree up to the finite-sample floor of two 30 000-point occupations
        // of 30³ bins (measured 0.07 for D_stsp, 0.03 for D_H; a constant forecaster
        // scores 15 and 0.84).
        assert!(r.d_stsp.expect("finite run") < 0.15, "{:?}", r.d_stsp);
        assert!(r.d_h.expect("finite run") < 0.1, "{:?}", r.d_h);
    }

    #[test]
    fn a_linear_models_exponent_is_the_log_of_its_largest_eigenvalue_modulus() {
        // x_{k+1} = A x_k with a rotation scaled by 0.97 in (x, y) and 0.9 in z, dt = 0.1:
        // DMD recovers A exactly, so λ_max = ln 0.97 / 0.1 per time unit.
        let (rho, theta, mu, dt) = (0.97f64, 0.3f64, 0.9f64, 0.1);
        let mut x = [1.0, 0.5, 2.0];
        let mut samples = Vec::new();
        for _ in 0..80 {
            samples.extend_from_slice(&x);
            x = [
                rho * (theta.cos() * x[0] - theta.sin() * x[1]),
                rho * (theta.sin() * x[0] + theta.cos() * x[1]),
                mu * x[2],
            ];
        }
        let data = Trajectory::new(
            vec!["x".into(), "y".into(), "z".into()],
            0.0,
            dt,
            samples,
            crate::data::Provenance::file("synthetic"),
        );
        let fitted = crate::models::dmd::Dmd::default()
            .fit(&data, &JobContext::detached())
            .expect("fits");
        // Long enough that the z part of the start tangent (shrinking as (0.9/0.97)^k) is
        // gone before the averaging starts (after the first tenth).
        let run = fitted.forecast(&[0.3, -0.2, 1.0], 4000).expect("finite");
        let l = model_max_lyapunov(fitted.as_ref(), &run, 3).expect("DMD has a Jacobian");
        assert!((l - rho.ln() / dt).abs() < 1e-6, "{l} vs {}", rho.ln() / dt);
    }

    #[test]
    fn a_constant_forecaster_has_almost_no_valid_time() {
        let (_, train, test) = lorenz_split();
        let r = compare_model(
            &Constant,
            &train,
            &test,
            0.906,
            &CompareOptions::default(),
            &JobContext::detached(),
        );
        assert!(r.vpt < 0.5, "VPT {}", r.vpt);
        assert!(
            r.d_stsp.expect("finite") > 5.0,
            "a point mass is far from the attractor"
        );
        assert!(r.d_h.expect("finite") > 0.5, "a constant has no spectrum");
    }

    #[test]
    fn starts_are_spread_and_leave_room_for_the_horizon() {
        assert_eq!(start_indices(101, 20, 5), vec![0, 20, 40, 60, 80]);
        assert_eq!(start_indices(30, 40, 5), vec![0]);
        assert_eq!(start_indices(23, 20, 5), vec![0, 1, 2]);
    }

    #[test]
    fn percentiles_interpolate() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&mut v, 0.5), 2.5);
        assert_eq!(percentile(&mut v, 0.0), 1.0);
        assert_eq!(percentile(&mut v, 1.0), 4.0);
    }
}
