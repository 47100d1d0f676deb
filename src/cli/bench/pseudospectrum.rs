//! `bench pseudospectrum`: the ResDMD pseudospectrum `τ_N(z)` on a grid — time per grid
//! point of the fast path (Cholesky + inverse Lanczos, parallel over the grid) against
//! the dense-SVD reference, and their largest relative difference.
//!
//! The quadrature set is the one `fit --model resdmd --system Lorenz --dictionary rbf`
//! builds: Lorenz over `--periods` dominant periods, Gaussian RBFs at `N − 4` k-means
//! centres plus the constant and the state, the last quarter of the pairs held out.

use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use faer::c64;
use serde_json::json;

use crate::cli::json_out;
use crate::integrate::{Simulation, solve};
use crate::jobs::JobContext;
use crate::models::koopman::{
    Dictionary, Edmd, PseudospectrumGrid, StateFeatures, Symmetry, fit_edmd, pseudospectrum,
};
use crate::systems::Catalog;

/// `bench pseudospectrum`.
#[derive(Args, Debug)]
pub struct PseudospectrumBenchArgs {
    /// Dictionary size N (at least 8).
    #[arg(long, default_value_t = 300)]
    pub n: usize,
    /// Grid points per axis over [-1.5, 1.5]² (the lower half mirrors the upper).
    #[arg(long, default_value_t = 100)]
    pub grid: usize,
    /// Grid points also computed by the dense SVD, for its time and the difference.
    #[arg(long, default_value_t = 20)]
    pub reference_points: usize,
    /// Length of the Lorenz data in dominant periods.
    #[arg(long, default_value_t = 100.0)]
    pub periods: f64,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// CPU seconds of this process so far (user + system), where `/proc` has them.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    // Fields 14 and 15 of proc(5) (utime, stime), in clock ticks of 1/100 s on Linux.
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

pub(super) fn run(args: &PseudospectrumBenchArgs) -> anyhow::Result<String> {
    if args.n < 8 {
        bail!("--n must be at least 8 (4 of the functions are the constant and the state)");
    }
    if args.grid < 2 {
        bail!("--grid must be at least 2");
    }
    let job = JobContext::detached();
    let system = Catalog::builtin().system("Lorenz")?;
    let (traj, _) = solve(
        &system,
        &Simulation::for_system(&system, args.periods),
        &job,
    )
    .context("integrating Lorenz")?;
    let options = Edmd {
        dictionary: Dictionary::Rbf {
            centers: args.n - 4,
            seed: 0,
            state: StateFeatures::Include,
        },
        ..Edmd::default()
    };
    let model = fit_edmd(&options, &traj, &job)?;
    let form = model.quadrature.as_ref().with_context(|| {
        format!(
            "{} held-out pairs are fewer than the {} functions; raise --periods",
            model.pairs.1, args.n
        )
    })?;
    let grid = PseudospectrumGrid::square(1.5, args.grid);
    let cpu0 = process_cpu_seconds();
    let started = Instant::now();
    let ps = pseudospectrum(form, &grid, Symmetry::RealData, &job)?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu0.zip(process_cpu_seconds()).map(|(a, b)| b - a);
    // Rows with Im z < 0 mirror rows with Im z > 0: only these many points are computed.
    let rows = (0..grid.ny)
        .filter(|&j| grid.y(j) >= -1e-12 * (1.0 + grid.y(j).abs()))
        .count();
    let points = rows * grid.nx;
    let threads = rayon::current_num_threads();
    // The reference on points spread over the grid, one thread.
    let k = args.reference_points.min(points);
    let picks: Vec<(usize, usize)> = (0..k)
        .map(|i| {
            let p = i * points / k.max(1);
            (grid.ny - 1 - p / grid.nx, p % grid.nx)
        })
        .collect();
    let started = Instant::now();
    let dense: Vec<f64> = picks
        .iter()
        .map(|&(j, i)| form.tau_svd(c64::new(grid.x(i), grid.y(j))))
        .collect();
    let dense_ms = started.elapsed().as_secs_f64() * 1e3 / k.max(1) as f64;
    let max_rel_diff = picks
        .iter()
        .zip(&dense)
        .map(|(&(j, i), d)| (10f64.powf(ps.log10_tau[j * grid.nx + i]) - d).abs() / d)
        .fold(0.0, f64::max);
    let fast_ms_thread = wall * 1e3 * threads as f64 / points as f64;
    let fast_ms_cpu = cpu.map(|c| c * 1e3 / points as f64);
    if args.json {
        return Ok(json_out(json!({
            "n": form.len(),
            "quadrature_pairs": model.pairs.1,
            "grid": [grid.nx, grid.ny],
            "points_computed": points,
            "threads": threads,
            "wall_s": wall,
            "cpu_s": cpu,
            "fast_ms_per_point_thread": fast_ms_thread,
            "fast_ms_per_point_cpu": fast_ms_cpu,
            "dense_ms_per_point": dense_ms,
            "reference_points": k,
            "max_rel_diff": max_rel_diff,
        })));
    }
    Ok(format!(
        "pseudospectrum, N = {} ({} held-out pairs), {}×{} grid ({points} points after mirroring) on {threads} threads: {wall:.2} s wall{}\n\
         fast path: {fast_ms_thread:.2} ms per point per thread{}\n\
         dense SVD: {dense_ms:.2} ms per point ({k} points, one thread); largest relative difference {max_rel_diff:.1e}\n",
        form.len(),
        model.pairs.1,
        grid.nx,
        grid.ny,
        cpu.map_or(String::new(), |c| format!(", {c:.2} s CPU")),
        fast_ms_cpu.map_or(String::new(), |c| format!(" ({c:.2} ms CPU)")),
    ))
}
