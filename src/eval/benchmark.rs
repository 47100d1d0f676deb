//! The catalog benchmark's protocol: for one (system, seed) case, build the dataset the
//! way W. Gilpin's benchmark does and score every model on it with the comparison
//! protocol of [`super::compare`], one [`BenchRow`] per model; and the summary over many
//! rows (median VPT and D_stsp per model, wins, failures).
//!
//! # Protocol (`specs/plrnn.md` §6; W. Gilpin, Phys. Rev. Research 5, 2023)
//! - The catalog system with its default parameters, sampled at
//!   [`BenchSettings::points_per_period`] (100) points per dominant period.
//! - Seed 0 starts from the catalog's initial condition; seed `s ≥ 1` adds Gaussian noise
//!   of 1 % of each coordinate's magnitude (PCG-64 seeded with `s`). Every seed then
//!   integrates [`BenchSettings::transient_periods`] periods before recording, so seeds
//!   give different stretches of the attractor.
//! - The first [`BenchSettings::train_periods`] periods (10: Gilpin's 1 000 points) train,
//!   the next [`BenchSettings::test_periods`] test; optional measurement noise.
//! - Forecasts from K held-out starts over the test part; the VPT is in Lyapunov times of
//!   the catalog's largest exponent (dysts' published estimate), in time units when that
//!   exponent is below [`NON_CHAOTIC_EFOLDS_PER_PERIOD`] per period. The horizon is the
//!   smaller of [`BenchSettings::horizon`] and half the test span, so the K starts have
//!   room to spread.
//! - A free run as long as the test part from its first state gives D_stsp (binned
//!   below 6 dimensions, the Gaussian-mixture estimate from 6) and D_H;
//!   PE(20) from up to [`BenchSettings::pe_starts`] evenly spaced test states.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::compare::{CompareOptions, DEFAULT_HORIZON, DEFAULT_STARTS, compare_model, percentile};
use super::forecast::DEFAULT_VPT_THRESHOLD;
use super::lyapunov::NON_CHAOTIC_EFOLDS_PER_PERIOD;
use crate::data::Trajectory;
use crate::integrate::{Simulation, solve};
use crate::jobs::JobContext;
use crate::models::Model;
use crate::systems::System;

/// The protocol's settings; rows scored with other settings are kept apart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchSettings {
    /// Samples per dominant period.
    pub points_per_period: f64,
    /// Training span in periods.
    pub train_periods: f64,
    /// Test span in periods.
    pub test_periods: f64,
    /// Span integrated and dropped before recording, in periods.
    pub transient_periods: f64,
    /// Held-out forecast starts (K).
    pub starts: usize,
    /// Longest forecast horizon in Lyapunov times.
    pub horizon: f64,
    /// Normalised-error threshold of the VPT.
    pub threshold: f64,
    /// Measurement noise as a fraction of each variable's standard deviation.
    pub noise: f64,
    /// At most this many starts for PE(20).
    pub pe_starts: usize,
}

/// Gilpin's 10 training periods (1 000 points).
pub const DEFAULT_TRAIN_PERIODS: f64 = 10.0;
/// 30 test periods: room for 20 starts with a 15-Lyapunov-time horizon on a typical
/// flow (median λ·T ≈ 0.9 on the catalog) and a free run long enough for D_stsp.
pub const DEFAULT_TEST_PERIODS: f64 = 30.0;
/// Transient dropped before recording.
pub const DEFAULT_TRANSIENT_PERIODS: f64 = 10.0;
/// PE(20) starts per model: every 15th of the 3 000 test states. PE runs dominate the
/// scoring time of models that synchronise on a history first (an ESN spends 100 steps
/// per start before its 20), so the benchmark uses fewer starts than `compare` (2 000).
pub const DEFAULT_PE_STARTS: usize = 200;
/// Relative size of the seed's perturbation of the initial condition.
pub const SEED_PERTURBATION: f64 = 0.01;

impl Default for BenchSettings {
    fn default() -> Self {
        Self {
            points_per_period: 100.0,
            train_periods: DEFAULT_TRAIN_PERIODS,
            test_periods: DEFAULT_TEST_PERIODS,
            transient_periods: DEFAULT_TRANSIENT_PERIODS,
            starts: DEFAULT_STARTS,
            horizon: DEFAULT_HORIZON,
            threshold: DEFAULT_VPT_THRESHOLD,
            noise: 0.0,
            pe_starts: DEFAULT_PE_STARTS,
        }
    }
}

impl BenchSettings {
    /// The settings as one short text (the CSV's `settings` column); equal texts mean
    /// comparable rows.
    pub fn key(&self) -> String {
        format!(
            "ppp={} train={} test={} transient={} starts={} horizon={} threshold={} noise={} pe_starts={}",
            self.points_per_period,
            self.train_periods,
            self.test_periods,
            self.transient_periods,
            self.starts,
            self.horizon,
            self.threshold,
            self.noise,
            self.pe_starts
        )
    }

    /// Checks every field; the message names the flag to fix.
    pub fn validate(&self) -> Result<(), String> {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !(self.points_per_period.is_finite() && self.points_per_period >= 2.0) {
            return Err(format!(
                "--points-per-period must be at least 2, got {}",
                self.points_per_period
            ));
        }
        for (name, v) in [
            ("--train-periods", self.train_periods),
            ("--test-periods", self.test_periods),
            ("--horizon", self.horizon),
            ("--threshold", self.threshold),
        ] {
            if !positive(v) {
                return Err(format!("{name} must be a positive number, got {v}"));
            }
        }
        if !(self.transient_periods.is_finite() && self.transient_periods >= 0.0) {
            return Err(format!(
                "--transient-periods must be ≥ 0, got {}",
                self.transient_periods
            ));
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(format!(
                "--noise must be a non-negative fraction, got {}",
                self.noise
            ));
        }
        if self.starts == 0 {
            return Err("--starts must be at least 1".into());
        }
        Ok(())
    }
}

/// How a row ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    /// Every number was computed.
    Ok,
    /// The model's free run diverged: forecast numbers exist, statistics do not.
    Diverged,
    /// No numbers: the data, the fit or the forecast failed (see the reason).
    Failed,
}

/// One model's result on one (system, seed) case: a line of `results.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    /// Catalog name.
    pub system: String,
    /// The seed of the initial condition (and of the noise).
    pub seed: u64,
    /// Model family name as given on the command line.
    pub model: String,
    /// [`BenchSettings::key`].
    pub settings: String,
    /// How the row ended.
    pub status: RowStatus,
    /// Median VPT over the starts, in `vpt_unit`.
    pub vpt: Option<f64>,
    /// 25th percentile of the VPT over the starts.
    pub vpt_q25: Option<f64>,
    /// 75th percentile.
    pub vpt_q75: Option<f64>,
    /// `lyapunov_times`, or `time_units` for non-chaotic systems.
    pub vpt_unit: String,
    /// The forecast horizon in `vpt_unit` (a VPT equal to it never crossed the threshold).
    pub horizon: f64,
    /// Median sMAPE over the starts (0–200).
    pub smape: Option<f64>,
    /// D_stsp of the free run against the test part.
    pub d_stsp: Option<f64>,
    /// D_H of the free run against the test part.
    pub d_h: Option<f64>,
    /// PE(20) on the test part (standardised units²).
    pub pe20: Option<f64>,
    /// The catalog's largest Lyapunov exponent used for the unit.
    pub lyapunov: f64,
    /// Forecast starts that diverged before the horizon.
    pub diverged_starts: usize,
    /// Starts used.
    pub starts: usize,
    /// Training samples.
    pub train_samples: usize,
    /// Test samples.
    pub test_samples: usize,
    /// Seconds to integrate the case's data (shared by its models).
    pub data_seconds: f64,
    /// Seconds of the fit.
    pub fit_seconds: f64,
    /// Seconds of forecasting and scoring.
    pub score_seconds: f64,
    /// Why a row failed or diverged; empty otherwise.
    pub reason: String,
}

/// The dataset of one (system, seed) case.
pub struct CaseData {
    /// Training part.
    pub train: Trajectory,
    /// Test part.
    pub test: Trajectory,
    /// λ_max from the catalog, 0 for non-chaotic systems (VPT in time units).
    pub lyapunov: f64,
    /// Horizon in Lyapunov times (time units when `lyapunov` is 0).
    pub horizon: f64,
    /// Seconds the integration took.
    pub seconds: f64,
}

/// The initial condition of `seed`: the catalog's for 0, perturbed by 1 % otherwise.
pub fn seeded_initial_condition(system: &System, seed: u64) -> Vec<f64> {
    let mut ic = system.info().initial_conditions.clone();
    if seed > 0 {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        for v in &mut ic {
            let z: f64 = StandardNormal.sample(&mut rng);
            *v += SEED_PERTURBATION * v.abs().max(1e-3) * z;
        }
    }
    ic
}

/// Integrates `system` for `seed` and splits the result as the module docs describe.
pub fn case_data(
    system: &System,
    seed: u64,
    settings: &BenchSettings,
    job: &JobContext,
) -> Result<CaseData, String> {
    let started = Instant::now();
    let period = system.info().period;
    let mut sim = Simulation::for_system(system, settings.train_periods + settings.test_periods);
    sim.initial_condition = seeded_initial_condition(system, seed);
    sim.dt = period / settings.points_per_period;
    sim.transient = settings.transient_periods * period;
    let (mut data, _) = solve(system, &sim, job).map_err(|e| format!("integration failed: {e}"))?;
    data.add_noise(settings.noise, seed);
    let fraction = settings.train_periods / (settings.train_periods + settings.test_periods);
    let (train, test) = data.split(fraction);
    let lambda = system.info().max_lyapunov;
    let chaotic = lambda.is_finite() && lambda * period >= NON_CHAOTIC_EFOLDS_PER_PERIOD;
    let lyapunov = if chaotic { lambda } else { 0.0 };
    let test_span = test.len().saturating_sub(1) as f64 * test.dt();
    let horizon = if chaotic {
        settings.horizon.min(lambda * test_span / 2.0)
    } else {
        test_span / 2.0
    };
    Ok(CaseData {
        train,
        test,
        lyapunov,
        horizon,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A row with no numbers yet.
fn blank_row(system: &str, seed: u64, model: &str, settings: &BenchSettings) -> BenchRow {
    BenchRow {
        system: system.to_string(),
        seed,
        model: model.to_string(),
        settings: settings.key(),
        status: RowStatus::Failed,
        vpt: None,
        vpt_q25: None,
        vpt_q75: None,
        vpt_unit: "lyapunov_times".into(),
        horizon: 0.0,
        smape: None,
        d_stsp: None,
        d_h: None,
        pe20: None,
        lyapunov: 0.0,
        diverged_starts: 0,
        starts: 0,
        train_samples: 0,
        test_samples: 0,
        data_seconds: 0.0,
        fit_seconds: 0.0,
        score_seconds: 0.0,
        reason: String::new(),
    }
}

/// The row of a case whose data could not be built: every model fails with `reason`.
pub fn failed_case_row(
    system: &str,
    seed: u64,
    model: &str,
    settings: &BenchSettings,
    reason: &str,
) -> BenchRow {
    let mut row = blank_row(system, seed, model, settings);
    row.reason = one_line(reason);
    row
}

/// Fits `model` (named `name`) on `data` and scores it; a panic inside the model becomes
/// a failed row with its message.
pub fn score_case(
    system: &str,
    seed: u64,
    name: &str,
    model: &dyn Model,
    data: &CaseData,
    settings: &BenchSettings,
    job: &JobContext,
) -> BenchRow {
    let mut row = blank_row(system, seed, name, settings);
    row.lyapunov = data.lyapunov;
    row.horizon = data.horizon;
    if data.lyapunov <= 0.0 {
        row.vpt_unit = "time_units".into();
    }
    row.train_samples = data.train.len();
    row.test_samples = data.test.len();
    row.data_seconds = data.seconds;
    let options = CompareOptions {
        starts: settings.starts,
        horizon: data.horizon,
        threshold: settings.threshold,
        pe_starts: settings.pe_starts,
    };
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        compare_model(model, &data.train, &data.test, data.lyapunov, &options, job)
    }));
    let total = started.elapsed().as_secs_f64();
    let r = match outcome {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            row.reason = one_line(&format!("the model panicked (a bug): {msg}"));
            row.score_seconds = total;
            return row;
        }
    };
    row.fit_seconds = r.fit_seconds;
    row.score_seconds = (total - r.fit_seconds).max(0.0);
    if let Some(e) = &r.error {
        row.reason = one_line(e);
        return row;
    }
    let finite = |v: f64| v.is_finite().then_some(v);
    row.vpt = finite(r.vpt);
    row.vpt_q25 = finite(r.vpt_iqr[0]);
    row.vpt_q75 = finite(r.vpt_iqr[1]);
    row.smape = finite(r.smape);
    row.d_stsp = r.d_stsp.and_then(finite);
    row.d_h = r.d_h.and_then(finite);
    row.pe20 = r.pe20.and_then(finite);
    row.diverged_starts = r.diverged_starts;
    row.starts = r.starts;
    let mut notes = Vec::new();
    if r.diverged_starts > 0 {
        notes.push(format!(
            "{} of {} forecasts diverged",
            r.diverged_starts, r.starts
        ));
    }
    row.status = match r.free_run_diverged_at {
        Some(step) => {
            notes.push(format!(
                "free run diverged at step {step} of {}",
                data.test.len() - 1
            ));
            RowStatus::Diverged
        }
        None => {
            if row.d_stsp.is_none() || row.d_h.is_none() {
                notes.push("the free run's statistics could not be computed".into());
            }
            RowStatus::Ok
        }
    };
    row.reason = notes.join("; ");
    row
}

/// Replaces line breaks so that every CSV record is one line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// One model's line of the summary table.
#[derive(Clone, Debug, Serialize)]
pub struct ModelSummary {
    /// Model name.
    pub model: String,
    /// Rows of this model.
    pub rows: usize,
    /// Median VPT in Lyapunov times over chaotic systems' rows that have one.
    pub median_vpt: Option<f64>,
    /// Median D_stsp over rows that have one.
    pub median_d_stsp: Option<f64>,
    /// Wins (ties split) over the cases.
    pub wins: f64,
    /// `wins` over the number of cases where any model had a VPT.
    pub win_fraction: f64,
    /// Rows with status `failed`.
    pub failures: usize,
    /// Rows with status `diverged`.
    pub diverged: usize,
}

/// The summary over `rows` for `models` (in that order).
///
/// # Win rule
/// In each (system, seed) case the model with the highest VPT wins; models within
/// 1e-9 (relative) of the best share the win equally; failed rows do not compete. The
/// fraction divides by the cases where at least one model has a VPT.
pub fn summarize(rows: &[BenchRow], models: &[String]) -> Vec<ModelSummary> {
    let mut out: Vec<ModelSummary> = models
        .iter()
        .map(|m| {
            let mine: Vec<&BenchRow> = rows.iter().filter(|r| &r.model == m).collect();
            let mut vpts: Vec<f64> = mine
                .iter()
                .filter(|r| r.vpt_unit == "lyapunov_times")
                .filter_map(|r| r.vpt)
                .collect();
            let mut stsp: Vec<f64> = mine.iter().filter_map(|r| r.d_stsp).collect();
            ModelSummary {
                model: m.clone(),
                rows: mine.len(),
                median_vpt: (!vpts.is_empty()).then(|| percentile(&mut vpts, 0.5)),
                median_d_stsp: (!stsp.is_empty()).then(|| percentile(&mut stsp, 0.5)),
                wins: 0.0,
                win_fraction: 0.0,
                failures: mine
                    .iter()
                    .filter(|r| r.status == RowStatus::Failed)
                    .count(),
                diverged: mine
                    .iter()
                    .filter(|r| r.status == RowStatus::Diverged)
                    .count(),
            }
        })
        .collect();
    let mut cases: Vec<(&str, u64)> = rows.iter().map(|r| (r.system.as_str(), r.seed)).collect();
    cases.sort_unstable();
    cases.dedup();
    let mut contested = 0usize;
    for (system, seed) in cases {
        let scored: Vec<(usize, f64)> = rows
            .iter()
            .filter(|r| r.system == system && r.seed == seed)
            .filter_map(|r| Some((models.iter().position(|m| m == &r.model)?, r.vpt?)))
            .collect();
        let Some(best) = scored.iter().map(|s| s.1).max_by(f64::total_cmp) else {
            continue;
        };
        contested += 1;
        let winners: Vec<usize> = scored
            .iter()
            .filter(|s| best - s.1 <= 1e-9 * (1.0 + best.abs()))
            .map(|s| s.0)
            .collect();
        for &w in &winners {
            out[w].wins += 1.0 / winners.len() as f64;
        }
    }
    for s in &mut out {
        s.win_fraction = if contested > 0 {
            s.wins / contested as f64
        } else {
            0.0
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(system: &str, model: &str, vpt: Option<f64>, status: RowStatus) -> BenchRow {
        let mut r = blank_row(system, 0, model, &BenchSettings::default());
        r.vpt = vpt;
        r.status = status;
        r
    }

    #[test]
    fn wins_go_to_the_longest_vpt_and_ties_are_split() {
        let rows = vec![
            row("A", "m1", Some(3.0), RowStatus::Ok),
            row("A", "m2", Some(1.0), RowStatus::Ok),
            row("B", "m1", Some(2.0), RowStatus::Ok),
            row("B", "m2", Some(2.0), RowStatus::Diverged),
            row("C", "m1", None, RowStatus::Failed),
            row("C", "m2", Some(0.5), RowStatus::Ok),
            row("D", "m1", None, RowStatus::Failed),
            row("D", "m2", None, RowStatus::Failed),
        ];
        let models = vec!["m1".to_string(), "m2".to_string()];
        let s = summarize(&rows, &models);
        // A: m1; B: split; C: m2 (m1 failed); D: nobody, and not counted.
        assert_eq!(s[0].wins, 1.5);
        assert_eq!(s[1].wins, 1.5);
        assert_eq!(s[0].win_fraction, 0.5);
        assert_eq!(s[0].failures, 2);
        assert_eq!(s[1].diverged, 1);
        assert_eq!(s[0].median_vpt, Some(2.5));
        assert_eq!(s[1].median_vpt, Some(1.0));
    }

    #[test]
    fn seed_zero_keeps_the_catalog_start_and_others_move_it_slightly() {
        let sys = crate::systems::Catalog::builtin()
            .system("Lorenz")
            .expect("Lorenz");
        let ic = &sys.info().initial_conditions;
        assert_eq!(&seeded_initial_condition(&sys, 0), ic);
        let moved = seeded_initial_condition(&sys, 3);
        assert_ne!(&moved, ic);
        for (a, b) in moved.iter().zip(ic) {
            assert!((a - b).abs() < 6.0 * SEED_PERTURBATION * b.abs().max(1e-3));
        }
    }
}
