//! `chaoslab bench models` (also plain `chaoslab bench --systems … --models … --out …`):
//! every (system, seed, model) of the catalog scored with the protocol of
//! [`crate::eval::benchmark`], systems in parallel (rayon), a progress line on the
//! terminal, each finished row appended to the results CSV at once, rows already there
//! skipped, and a summary table at the end.
//!
//! Systems: `all` is every flow of the catalog, ODEs and delay equations (Gilpin's
//! benchmark covers the flows); maps are left out because the protocol's points per
//! period and SINDy's time derivatives have no meaning for them.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use rayon::prelude::*;
use serde_json::json;

use super::results_file::{self, Appender, row_key};
use crate::cli::json_out;
use crate::eval::benchmark::{
    BenchRow, BenchSettings, DEFAULT_PE_STARTS, DEFAULT_TEST_PERIODS, DEFAULT_TRAIN_PERIODS,
    DEFAULT_TRANSIENT_PERIODS, RowStatus, case_data, failed_case_row, score_case, summarize,
};
use crate::eval::compare::{DEFAULT_HORIZON, DEFAULT_STARTS};
use crate::eval::forecast::DEFAULT_VPT_THRESHOLD;
use crate::jobs::JobContext;
use crate::models::{Model, registry};
use crate::systems::{Catalog, Kind};

/// Arguments of `bench models`.
#[derive(Args, Debug, Clone)]
pub struct ModelBenchArgs {
    /// `all` (every flow and delay equation of the catalog) or a comma-separated list of
    /// system names.
    #[arg(long, default_value = "all")]
    pub systems: String,
    /// Comma-separated model families, e.g. sindy,dmd,esn.
    #[arg(long)]
    pub models: Option<String>,
    /// Seeds per system (0, 1, …, K−1); seed 0 starts from the catalog's initial
    /// condition.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// The results CSV: rows are appended as they finish; rows already in it (same
    /// system, seed, model and settings) are skipped.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Samples per dominant period.
    #[arg(long, default_value_t = 100.0)]
    pub points_per_period: f64,
    /// Training span in dominant periods.
    #[arg(long, default_value_t = DEFAULT_TRAIN_PERIODS)]
    pub train_periods: f64,
    /// Test span in dominant periods.
    #[arg(long, default_value_t = DEFAULT_TEST_PERIODS)]
    pub test_periods: f64,
    /// Span integrated and dropped before recording, in dominant periods.
    #[arg(long, default_value_t = DEFAULT_TRANSIENT_PERIODS)]
    pub transient_periods: f64,
    /// Held-out forecast starts per row.
    #[arg(long, default_value_t = DEFAULT_STARTS)]
    pub starts: usize,
    /// Longest forecast horizon in Lyapunov times (capped at half the test span).
    #[arg(long, default_value_t = DEFAULT_HORIZON)]
    pub horizon: f64,
    /// Normalised-error threshold of the VPT.
    #[arg(long, default_value_t = DEFAULT_VPT_THRESHOLD)]
    pub threshold: f64,
    /// Measurement noise: a fraction of each variable's standard deviation.
    #[arg(long, default_value_t = 0.0)]
    pub noise: f64,
    /// At most this many test states start the PE(20) runs (0: skip PE).
    #[arg(long, default_value_t = DEFAULT_PE_STARTS)]
    pub pe_starts: usize,
    /// Stop after this many new rows (a time-boxed partial run; run again to continue).
    #[arg(long)]
    pub max_rows: Option<usize>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

impl ModelBenchArgs {
    fn settings(&self) -> BenchSettings {
        BenchSettings {
            points_per_period: self.points_per_period,
            train_periods: self.train_periods,
            test_periods: self.test_periods,
            transient_periods: self.transient_periods,
            starts: self.starts,
            horizon: self.horizon,
            threshold: self.threshold,
            noise: self.noise,
            pe_starts: self.pe_starts,
        }
    }
}

/// The systems `--systems` names, in catalog order for `all`.
fn resolve_systems(spec: &str) -> anyhow::Result<Vec<String>> {
    let cat = Catalog::builtin();
    if spec.trim().eq_ignore_ascii_case("all") {
        return Ok(cat
            .infos()
            .filter(|i| i.kind != Kind::Map)
            .map(|i| i.name.clone())
            .collect());
    }
    let mut names = Vec::new();
    for name in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let system = match cat.system(name) {
            Ok(s) => s,
            Err(_) => {
                let near = cat.close_matches(name);
                bail!(
                    "unknown system '{name}' in --systems{}; `chaoslab list` shows the catalog",
                    if near.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", near.join(", "))
                    }
                );
            }
        };
        if system.kind() == Kind::Map {
            bail!(
                "{name} is a map; bench models covers flows and delay equations (points per period and SINDy's time derivatives have no meaning for maps); use `chaoslab compare --system {name}` instead"
            );
        }
        if !names.contains(&system.name().to_string()) {
            names.push(system.name().to_string());
        }
    }
    if names.is_empty() {
        bail!("--systems is empty; give all or a list such as --systems Lorenz,Rossler");
    }
    Ok(names)
}

/// The models `--models` names, built once to check the names.
fn resolve_models(spec: Option<&str>) -> anyhow::Result<Vec<(String, Box<dyn Model>)>> {
    let Some(spec) = spec else {
        bail!("bench needs --models, for example --models sindy,dmd");
    };
    let mut out: Vec<(String, Box<dyn Model>)> = Vec::new();
    for name in spec.split(',').map(|s| s.trim().to_ascii_lowercase()) {
        if name.is_empty() || out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let model = registry::default_model(&name).map_err(anyhow::Error::msg)?;
        out.push((name, model));
    }
    if out.is_empty() {
        bail!("--models is empty; give for example --models sindy,dmd");
    }
    Ok(out)
}

/// The progress line on stderr (only when stderr is a terminal).
struct Progress {
    total: usize,
    done: AtomicUsize,
    started: Instant,
    tty: bool,
}

impl Progress {
    fn tick(&self, row: &BenchRow) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.tty {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = elapsed / done as f64 * self.total.saturating_sub(done) as f64;
        let width = 30;
        let filled = (width * done / self.total.max(1)).min(width);
        let mut err = std::io::stderr().lock();
        // Progress is best-effort: a closed stderr must not stop the benchmark.
        let _ = write!(
            err,
            "\r\x1b[K[{}{}] {done}/{} rows  {}  ETA {}  {} {} {}",
            "#".repeat(filled),
            "-".repeat(width - filled),
            self.total,
            clock(elapsed),
            clock(eta),
            row.system,
            row.model,
            match row.status {
                RowStatus::Ok => "",
                RowStatus::Diverged => "(diverged)",
                RowStatus::Failed => "(failed)",
            }
        );
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.tty && self.done.load(Ordering::Relaxed) > 0 {
            eprintln!();
        }
    }
}

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Runs the benchmark as the module docs describe; returns the summary.
pub fn run(args: &ModelBenchArgs) -> anyhow::Result<String> {
    let settings = args.settings();
    settings.validate().map_err(anyhow::Error::msg)?;
    if args.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    let Some(out) = args.out.as_ref() else {
        bail!(
            "bench needs --out FILE.csv for the results (or a mode: integrate, catalog, pseudospectrum, edmd)"
        );
    };
    let models = resolve_models(args.models.as_deref())?;
    let systems = resolve_systems(&args.systems)?;
    let key = settings.key();

    let loaded = results_file::load(out)?;
    if loaded.dropped > 0 {
        results_file::rewrite(out, &loaded.rows)?;
    }
    let done: HashSet<_> = loaded.rows.iter().map(row_key).collect();
    let pending = |system: &str, seed: u64, model: &str| {
        !done.contains(&(system.to_string(), seed, model.to_string(), key.clone()))
    };
    let cases: Vec<(String, u64)> = systems
        .iter()
        .flat_map(|s| (0..args.seeds).map(move |seed| (s.clone(), seed)))
        .collect();
    let todo: usize = cases
        .iter()
        .map(|(s, seed)| models.iter().filter(|(m, _)| pending(s, *seed, m)).count())
        .sum();
    let total_rows = cases.len() * models.len();
    let limit = args.max_rows.unwrap_or(usize::MAX);
    let appender = Appender::open(out)?;
    let progress = Progress {
        total: todo.min(limit),
        done: AtomicUsize::new(0),
        started: Instant::now(),
        tty: std::io::stderr().is_terminal(),
    };
    let reserved = AtomicUsize::new(0);
    let write_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let data_seconds = Mutex::new(0.0f64);
    let job = JobContext::detached();
    let cat = Catalog::builtin();
    let emit = |row: BenchRow| {
        if let Err(e) = appender.append(&row) {
            let mut slot = write_error.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert(e);
        }
        progress.tick(&row);
    };
    let started = Instant::now();
    cases.par_iter().for_each(|(system_name, seed)| {
        let mine: Vec<&(String, Box<dyn Model>)> = models
            .iter()
            .filter(|(m, _)| pending(system_name, *seed, m))
            .collect();
        if mine.is_empty() || reserved.load(Ordering::Relaxed) >= limit {
            return;
        }
        let data = cat
            .system(system_name)
            .map_err(|e| e.to_string())
            .and_then(|system| case_data(&system, *seed, &settings, &job));
        if let Ok(d) = &data {
            *data_seconds.lock().unwrap_or_else(|p| p.into_inner()) += d.seconds;
        }
        for (name, model) in mine {
            if reserved.fetch_add(1, Ordering::Relaxed) >= limit {
                return;
            }
            let row = match &data {
                Ok(d) => score_case(system_name, *seed, name, model.as_ref(), d, &settings, &job),
                Err(reason) => failed_case_row(system_name, *seed, name, &settings, reason),
            };
            emit(row);
        }
    });
    let wall = started.elapsed().as_secs_f64();
    progress.finish();
    if let Some(e) = write_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e.context("the results file could not be written; rows that were written are kept, run again to continue"));
    }

    // The summary covers every requested row in the file, old and new.
    let model_names: Vec<String> = models.iter().map(|(n, _)| n.clone()).collect();
    let wanted: HashSet<(String, u64)> = cases.iter().cloned().collect();
    let all = results_file::load(out)?;
    let rows: Vec<BenchRow> = all
        .rows
        .into_iter()
        .filter(|r| {
            r.settings == key
                && wanted.contains(&(r.system.clone(), r.seed))
                && model_names.contains(&r.model)
        })
        .collect();
    let new_rows = progress.done.load(Ordering::Relaxed);
    let fresh: Vec<&BenchRow> = rows.iter().rev().take(new_rows).collect();
    let fit_sum: f64 = fresh.iter().map(|r| r.fit_seconds).sum();
    let score_sum: f64 = fresh.iter().map(|r| r.score_seconds).sum();
    let data_sum = data_seconds.into_inner().unwrap_or_else(|p| p.into_inner());
    let summary = summarize(&rows, &model_names);
    let missing = total_rows.saturating_sub(rows.len());
    let time_unit_rows = rows
        .iter()
        .filter(|r| r.vpt_unit != "lyapunov_times")
        .count();

    if args.json {
        return Ok(json_out(json!({
            "out": out.display().to_string(),
            "settings": settings,
            "systems": systems.len(),
            "seeds": args.seeds,
            "models": model_names,
            "rows": rows.len(),
            "expected_rows": total_rows,
            "new_rows": new_rows,
            "missing_rows": missing,
            "wall_s": wall,
            "threads": rayon::current_num_threads(),
            "data_seconds": data_sum,
            "fit_seconds": fit_sum,
            "score_seconds": score_sum,
            "win_rule": WIN_RULE,
            "summary": serde_json::to_value(&summary).context("serialising the summary")?,
        })));
    }
    let mut text = format!(
        "{} systems × {} seed(s) × {} model(s) = {total_rows} rows: {} already in {}, {new_rows} new in {wall:.1} s on {} threads\n",
        systems.len(),
        args.seeds,
        models.len(),
        rows.len() - new_rows.min(rows.len()),
        out.display(),
        rayon::current_num_threads(),
    );
    text.push_str(&format!(
        "time summed over threads: integration {data_sum:.1} s, fits {fit_sum:.1} s, forecasts and metrics {score_sum:.1} s\n"
    ));
    if missing > 0 {
        text.push_str(&format!(
            "stopped with {missing} rows missing (--max-rows); run the same command again to continue\n"
        ));
    }
    text.push_str(&format!(
        "{:<12} {:>5} {:>11} {:>13} {:>6} {:>6} {:>9} {:>7}\n",
        "model", "rows", "median VPT", "median D_stsp", "wins", "win %", "diverged", "failed"
    ));
    let opt = |v: Option<f64>| {
        v.map(|x| format!("{x:.3}"))
            .unwrap_or_else(|| "—".to_string())
    };
    for s in &summary {
        text.push_str(&format!(
            "{:<12} {:>5} {:>11} {:>13} {:>6.1} {:>5.1}% {:>9} {:>7}\n",
            s.model,
            s.rows,
            opt(s.median_vpt),
            opt(s.median_d_stsp),
            s.wins,
            100.0 * s.win_fraction,
            s.diverged,
            s.failures
        ));
    }
    text.push_str(&format!(
        "median VPT in Lyapunov times over chaotic systems ({time_unit_rows} rows of non-chaotic systems, scored in time units, left out); {WIN_RULE}\n"
    ));
    let failed: Vec<&BenchRow> = rows
        .iter()
        .filter(|r| r.status == RowStatus::Failed)
        .collect();
    if !failed.is_empty() {
        text.push_str("failed rows:\n");
        for r in failed.iter().take(20) {
            text.push_str(&format!(
                "  {} seed {} {}: {}\n",
                r.system, r.seed, r.model, r.reason
            ));
        }
        if failed.len() > 20 {
            text.push_str(&format!(
                "  … and {} more (see {})\n",
                failed.len() - 20,
                out.display()
            ));
        }
    }
    Ok(text)
}

/// The win rule as the summary states it.
const WIN_RULE: &str = "a model wins a (system, seed) case with the highest median VPT; ties share the win; failed rows do not compete";
