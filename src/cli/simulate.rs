//! `chaoslab simulate`: integrate a system, optionally add measurement noise, write CSV
//! or NPY, print a summary.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use serde_json::json;

use super::{SystemArgs, json_out};
use crate::data::Trajectory;
use crate::integrate::{Method, Simulation, solve};
use crate::jobs::JobContext;
use crate::systems::{Kind, System};

/// Sampling and solver flags shared by `simulate` and `fit --system`.
#[derive(Args, Debug, Clone)]
pub struct SamplingArgs {
    /// Length of the recorded span in time units (iterations for maps).
    #[arg(long)]
    pub t_end: Option<f64>,
    /// Length in dominant periods (default 100; ignored when --t-end is given).
    #[arg(long)]
    pub periods: Option<f64>,
    /// Sampling interval.
    #[arg(long)]
    pub dt: Option<f64>,
    /// Samples per dominant period (default 100; ignored when --dt is given).
    #[arg(long)]
    pub points_per_period: Option<f64>,
    /// rk4 (fixed step), dopri5 (adaptive 5(4); alias rk45), dop853 (adaptive 8th
    /// order, for tight tolerances), radau (implicit, for stiff systems) or auto
    /// (dopri5, switching to radau when the system turns stiff).
    #[arg(long, default_value = "dopri5")]
    pub method: String,
    /// Relative tolerance.
    #[arg(long, default_value_t = crate::integrate::solve_defaults::RTOL)]
    pub rtol: f64,
    /// Absolute tolerance.
    #[arg(long, default_value_t = crate::integrate::solve_defaults::ATOL)]
    pub atol: f64,
    /// Measurement noise: Gaussian with this fraction of each variable's standard deviation.
    #[arg(long, default_value_t = 0.0)]
    pub noise: f64,
    /// Seed of the noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl SamplingArgs {
    /// Builds the simulation for `system` from `ic`.
    pub fn simulation(
        &self,
        system: &System,
        ic: Vec<f64>,
        default_periods: f64,
    ) -> anyhow::Result<Simulation> {
        let mut sim = Simulation::for_system(system, self.periods.unwrap_or(default_periods));
        sim.initial_condition = ic;
        if let Some(t) = self.t_end {
            sim.t_end = t;
        }
        if system.kind() == Kind::Flow {
            if let Some(dt) = self.dt {
                sim.dt = dt;
            } else if let Some(ppp) = self.points_per_period {
                if !(ppp.is_finite() && ppp > 0.0) {
                    bail!("--points-per-period must be positive, got {ppp}");
                }
                sim.dt = system.info().period / ppp;
            }
        } else if let Some(dt) = self.dt {
            sim.dt = dt;
        }
        sim.method = Method::parse(&self.method)?;
        sim.rtol = self.rtol;
        sim.atol = self.atol;
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            bail!(
                "--noise must be a non-negative fraction, got {}",
                self.noise
            );
        }
        Ok(sim)
    }

    /// Integrates and adds the requested noise.
    pub fn trajectory(&self, system: &System, sim: &Simulation) -> anyhow::Result<Trajectory> {
        let (mut traj, _) = solve(system, sim, &JobContext::detached())?;
        traj.add_noise(self.noise, self.seed);
        Ok(traj)
    }
}

/// Arguments of `simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    system: SystemArgs,
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Output file (.csv or .npy); a provenance sidecar is written beside it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &SimulateArgs) -> anyhow::Result<String> {
    let (system, ic) = args.system.resolve()?;
    let sim = args.sampling.simulation(&system, ic, 100.0)?;
    let started = Instant::now();
    let (mut traj, stats) = solve(&system, &sim, &JobContext::detached())?;
    traj.add_noise(args.sampling.noise, args.sampling.seed);
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(path) = &args.out {
        crate::io::write_trajectory(path, &traj)?;
    }
    let last = traj.row(traj.len() - 1).to_vec();
    if args.json {
        return Ok(json_out(json!({
            "system": system.name(),
            "samples": traj.len(),
            "dt": traj.dt(),
            "t_end": traj.time(traj.len() - 1),
            "method": traj.provenance.method,
            "steps": stats.steps,
            "rejected_steps": stats.rejected,
            "evaluations": stats.evaluations,
            "stats": stats,
            "final_state": last,
            "elapsed_s": elapsed,
            "out": args.out.as_ref().map(|p| p.display().to_string()),
        })));
    }
    Ok(format!(
        "{}: {} samples, dt = {}, {} steps ({} rejected, {} evaluations) in {:.3} s; final state {:?}{}\n",
        system.name(),
        traj.len(),
        traj.dt(),
        stats.steps,
        stats.rejected,
        stats.evaluations,
        elapsed,
        last,
        args.out
            .as_ref()
            .map(|p| format!("; written to {}", p.display()))
            .unwrap_or_default()
    ))
}
