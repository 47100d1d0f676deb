//! `chaoslab bench`: speed measurements of the numerical core.
//!
//! - `bench integrate` times one method on one system for a fixed number of steps.
//! - `bench catalog` integrates every flow of the catalog (ODEs and delay equations) in
//!   parallel (rayon) and reports the wall time of the whole run, each system's own
//!   time, and failures.
//!
//! - `bench models` (also `bench --systems … --models … --out results.csv` without a
//!   mode, PRODUCT.md's form) scores models over the catalog into a resumable CSV.

mod edmd;
mod models;
mod plrnn;
mod pseudospectrum;
mod results_file;

use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::{SystemArgs, json_out};
use crate::integrate::{Method, Simulation, solve, solve_defaults, stepper_for};
use crate::jobs::JobContext;
use crate::systems::{Catalog, Kind};

/// Arguments of `bench`: a mode, or the model benchmark's flags directly.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    /// What to measure (default: the model benchmark, `models`).
    #[command(subcommand)]
    pub mode: Option<BenchMode>,
    #[command(flatten)]
    models: models::ModelBenchArgs,
}

/// The benchmark modes.
#[derive(Subcommand, Debug)]
pub enum BenchMode {
    /// Steps per second of one method on one system.
    Integrate(IntegrateBenchArgs),
    /// Integrate every flow of the catalog (delay equations included) in parallel; wall time, per-system times,
    /// failures.
    Catalog(CatalogBenchArgs),
    /// Time per grid point of the ResDMD pseudospectrum (fast path against the dense
    /// SVD) on a Lorenz RBF dictionary.
    Pseudospectrum(pseudospectrum::PseudospectrumBenchArgs),
    /// The EDMD fit steps (dictionary, QR least squares, eig, residuals) at N functions
    /// and M Lorenz snapshot pairs; writes the data for the numpy peer on request.
    Edmd(edmd::EdmdBenchArgs),
    /// Score models over the catalog: one row per (system, seed, model) in a resumable
    /// CSV, systems in parallel, and a summary table (median VPT and D_stsp, wins).
    Models(models::ModelBenchArgs),
    /// Gradient steps per second of the PLRNN training (clipped shPLRNN, GTF, RAdam);
    /// writes a batch and our loss for the PyTorch peer on request.
    Plrnn(plrnn::PlrnnBenchArgs),
}

/// `bench integrate`.
#[derive(Args, Debug)]
pub struct IntegrateBenchArgs {
    #[command(flatten)]
    system: SystemArgs,
    /// rk4, dopri5, dop853, radau or auto.
    #[arg(long, default_value = "rk4")]
    method: String,
    /// Accepted steps to take. RK4 steps with its fixed step (the catalog sampling
    /// interval period/100, split so that no step exceeds period/200); adaptive
    /// methods choose their own steps, capped at that sampling interval, and a
    /// rejected attempt does not count as a step. Maps: iterations. Delay systems
    /// always run their method-of-steps solver.
    #[arg(long, default_value_t = 1_000_000)]
    steps: u64,
    /// Relative tolerance (adaptive methods).
    #[arg(long, default_value_t = solve_defaults::RTOL)]
    rtol: f64,
    /// Absolute tolerance (adaptive methods).
    #[arg(long, default_value_t = solve_defaults::ATOL)]
    atol: f64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// `bench catalog`.
#[derive(Args, Debug)]
pub struct CatalogBenchArgs {
    /// Length of each run in dominant periods.
    #[arg(long, default_value_t = 10.0)]
    periods: f64,
    /// Samples per dominant period.
    #[arg(long, default_value_t = 100.0)]
    points_per_period: f64,
    /// rk4, dopri5, dop853, radau or auto.
    #[arg(long, default_value = "dopri5")]
    method: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &BenchArgs) -> anyhow::Result<String> {
    match &args.mode {
        Some(BenchMode::Integrate(a)) => integrate(a),
        Some(BenchMode::Catalog(a)) => catalog(a),
        Some(BenchMode::Pseudospectrum(a)) => pseudospectrum::run(a),
        Some(BenchMode::Edmd(a)) => edmd::run(a),
        Some(BenchMode::Models(a)) => models::run(a),
        Some(BenchMode::Plrnn(a)) => plrnn::run(a),
        None => models::run(&args.models),
    }
}

fn integrate(args: &IntegrateBenchArgs) -> anyhow::Result<String> {
    let (system, ic) = args.system.resolve()?;
    let method = Method::parse(&args.method)?;
    if args.steps == 0 {
        bail!("--steps must be at least 1");
    }
    if !(args.rtol.is_finite() && args.rtol > 0.0 && args.atol.is_finite() && args.atol > 0.0) {
        bail!("tolerances must be positive numbers (for example --rtol 1e-9 --atol 1e-12)");
    }
    let dt = Simulation::for_system(&system, 1.0).dt;
    let mut stepper = stepper_for(&system, method, args.rtol, args.atol, dt, 0.0, &ic);
    let started = Instant::now();
    for k in 0..args.steps {
        if let Err(e) = stepper.step() {
            let (t, reason) = e.describe();
            bail!(
                "{} with {}: step {k} failed at t = {t:.6}: {reason}",
                system.name(),
                method.name()
            );
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = stepper.stats();
    let steps_per_second = args.steps as f64 / elapsed.max(1e-9);
    let method_label = match system.kind() {
        Kind::Map => "map".to_string(),
        Kind::Delay => format!(
            "dde-bs23 (method of steps, history {})",
            system.delay_history().name()
        ),
        Kind::Flow => stepper
            .method_label()
            .unwrap_or_else(|| method.name().to_string()),
    };
    if args.json {
        return Ok(json_out(json!({
            "system": system.name(),
            "method": method_label,
            "steps": stats.steps,
            "rejected": stats.rejected,
            "evaluations": stats.evaluations,
            "stats": stats,
            "elapsed_s": elapsed,
            "steps_per_second": steps_per_second,
            "t_end": stepper.t(),
            "sampling_dt": dt,
            "final_state": stepper.state(),
        })));
    }
    Ok(format!(
        "{} with {method_label}: {} steps ({} rejected, {} evaluations) to t = {:.6} in {elapsed:.3} s: {steps_per_second:.4e} steps/s\n",
        system.name(),
        stats.steps,
        stats.rejected,
        stats.evaluations,
        stepper.t(),
    ))
}

/// One system's run in `bench catalog`.
#[derive(Serialize)]
struct SystemRun {
    system: String,
    elapsed_s: f64,
    samples: usize,
    steps: u64,
    rejected: u64,
    evaluations: u64,
    method: String,
}

/// A system that did not integrate.
#[derive(Serialize)]
struct Failure {
    system: String,
    message: String,
}

fn catalog(args: &CatalogBenchArgs) -> anyhow::Result<String> {
    let method = Method::parse(&args.method)?;
    if !(args.periods.is_finite() && args.periods > 0.0) {
        bail!("--periods must be a positive number, got {}", args.periods);
    }
    if !(args.points_per_period.is_finite() && args.points_per_period >= 1.0) {
        bail!(
            "--points-per-period must be at least 1, got {}",
            args.points_per_period
        );
    }
    let cat = Catalog::builtin();
    let names: Vec<String> = cat
        .infos()
        .filter(|i| i.kind != Kind::Map)
        .map(|i| i.name.clone())
        .collect();
    let job = JobContext::detached();
    let started = Instant::now();
    let outcomes: Vec<Result<SystemRun, Failure>> = names
        .par_iter()
        .map(|name| {
            let fail = |message: String| Failure {
                system: name.clone(),
                message,
            };
            let system = cat.system(name).map_err(|e| fail(e.to_string()))?;
            let mut sim = Simulation::for_system(&system, args.periods);
            sim.dt = system.info().period / args.points_per_period;
            sim.method = method;
            let t0 = Instant::now();
            let (traj, stats) = solve(&system, &sim, &job).map_err(|e| fail(e.to_string()))?;
            Ok(SystemRun {
                system: name.clone(),
                elapsed_s: t0.elapsed().as_secs_f64(),
                samples: traj.len(),
                steps: stats.steps,
                rejected: stats.rejected,
                evaluations: stats.evaluations,
                method: traj.provenance.method,
            })
        })
        .collect();
    let total_wall_s = started.elapsed().as_secs_f64();
    let (mut runs, mut failures) = (Vec::new(), Vec::new());
    for o in outcomes {
        match o {
            Ok(r) => runs.push(r),
            Err(f) => failures.push(f),
        }
    }
    runs.sort_by(|a, b| b.elapsed_s.total_cmp(&a.elapsed_s));
    let sum_system_s: f64 = runs.iter().map(|r| r.elapsed_s).sum();
    if args.json {
        return Ok(json_out(json!({
            "method": method.name(),
            "periods": args.periods,
            "points_per_period": args.points_per_period,
            "systems": names.len(),
            "succeeded": runs.len(),
            "threads": rayon::current_num_threads(),
            "total_wall_s": total_wall_s,
            "sum_system_s": sum_system_s,
            "results": serde_json::to_value(&runs).context("serialising the results")?,
            "failures": serde_json::to_value(&failures).context("serialising the failures")?,
        })));
    }
    let mut out = format!(
        "{} flows with {} ({} periods, {} points per period) on {} threads: {:.3} s wall, {:.3} s summed over systems; {} failed\n",
        names.len(),
        method.name(),
        args.periods,
        args.points_per_period,
        rayon::current_num_threads(),
        total_wall_s,
        sum_system_s,
        failures.len()
    );
    out.push_str("slowest:\n");
    for r in runs.iter().take(5) {
        out.push_str(&format!(
            "  {:<28} {:>9.4} s  {:>9} steps  {:>7} rejected\n",
            r.system, r.elapsed_s, r.steps, r.rejected
        ));
    }
    if !failures.is_empty() {
        out.push_str("failures:\n");
        for f in &failures {
            out.push_str(&format!("  {}: {}\n", f.system, f.message));
        }
    }
    Ok(out)
}
