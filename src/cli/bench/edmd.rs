//! `bench edmd`: the EDMD fit steps at a given dictionary size `N` and snapshot count
//! `M` on Lorenz data — dictionary matrices `Ψ_X, Ψ_Y` (Gaussian RBFs at `N − 4` k-means
//! centres plus the constant and the state), `K` by column-pivoted QR least squares,
//! the eigen-decomposition of `K`, and the residual of every eigenpair on the pairs —
//! timed step by step. With `--out-dir` it writes the data and the dictionary's
//! parameters so that `benches/peers/edmd_numpy.py` runs the same steps on the same
//! data with numpy/LAPACK.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use faer::{Mat, c64};
use npyz::WriterBuilder;
use serde_json::json;

use crate::cli::json_out;
use crate::integrate::{Simulation, solve};
use crate::jobs::JobContext;
use crate::models::koopman::residual::residuals;
use crate::models::koopman::{Dictionary, FittedDictionary, StateFeatures};
use crate::systems::Catalog;

/// `bench edmd`.
#[derive(Args, Debug)]
pub struct EdmdBenchArgs {
    /// Dictionary size N (at least 8).
    #[arg(long, default_value_t = 300)]
    pub n: usize,
    /// Snapshot pairs M.
    #[arg(long, default_value_t = 10_000)]
    pub m: usize,
    /// Repetitions (the fastest is reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Write x.npy (the M + 1 states), and params.json (centring, scaling, centres,
    /// width, our timings and leading eigenvalues) here for the numpy peer.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(args: &EdmdBenchArgs) -> anyhow::Result<String> {
    if args.n < 8 || args.m <= args.n {
        bail!("--n must be at least 8 and --m larger than --n");
    }
    let job = JobContext::detached();
    let system = Catalog::builtin().system("Lorenz")?;
    let mut sim = Simulation::for_system(&system, 1.0);
    sim.t_end = (args.m + 1) as f64 * sim.dt;
    let (traj, _) = solve(&system, &sim, &job).context("integrating Lorenz")?;
    if traj.len() < args.m + 1 {
        bail!(
            "the Lorenz run gave {} samples, {} needed",
            traj.len(),
            args.m + 1
        );
    }
    let dim = traj.dim();
    let xs = &traj.samples()[..args.m * dim];
    let ys = &traj.samples()[dim..(args.m + 1) * dim];
    let started = Instant::now();
    let dict = FittedDictionary::fit(
        &Dictionary::Rbf {
            centers: args.n - 4,
            seed: 0,
            state: StateFeatures::Include,
        },
        xs,
        dim,
    )?;
    let kmeans_seconds = started.elapsed().as_secs_f64();
    let weights = vec![1.0 / args.m as f64; args.m];
    let mut best = [f64::INFINITY; 4];
    let mut leading = Vec::new();
    for _ in 0..args.repeat.max(1) {
        let t0 = Instant::now();
        let px = dict.weighted_matrix(xs, &weights);
        let py = dict.weighted_matrix(ys, &weights);
        let t1 = Instant::now();
        let k = crate::models::koopman::fit::lstsq(px.as_ref(), py.as_ref())?;
        let t2 = Instant::now();
        let eig = k
            .eigen()
            .map_err(|e| anyhow::anyhow!("eigen-decomposition failed: {e:?}"))?;
        let lambdas: Vec<c64> = (0..args.n).map(|j| eig.S()[j]).collect();
        let vecs = Mat::from_fn(args.n, args.n, |i, j| eig.U()[(i, j)]);
        let t3 = Instant::now();
        let res = residuals(px.as_ref(), py.as_ref(), &lambdas, vecs.as_ref());
        let t4 = Instant::now();
        let steps = [t1 - t0, t2 - t1, t3 - t2, t4 - t3].map(|d| d.as_secs_f64());
        if steps.iter().sum::<f64>() < best.iter().sum::<f64>() {
            best = steps;
        }
        let mut order: Vec<usize> = (0..args.n).collect();
        order.sort_by(|&a, &b| lambdas[b].norm().total_cmp(&lambdas[a].norm()));
        leading = order
            .iter()
            .take(6)
            .map(|&j| [lambdas[j].re, lambdas[j].im, res[j]])
            .collect();
    }
    let total: f64 = best.iter().sum();
    let out = json!({
        "n": args.n,
        "m": args.m,
        "threads": rayon::current_num_threads(),
        "kmeans_seconds": kmeans_seconds,
        "dictionary_seconds": best[0],
        "lstsq_seconds": best[1],
        "eig_seconds": best[2],
        "residual_seconds": best[3],
        "total_seconds": total,
        "leading": leading,
    });
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating '{}'", dir.display()))?;
        let rbf = dict
            .rbf_parameters()
            .context("an RBF dictionary was fitted")?;
        let samples = &traj.samples()[..(args.m + 1) * dim];
        let mut buf = Vec::new();
        {
            let mut w = npyz::WriteOptions::<f64>::new()
                .default_dtype()
                .shape(&[(args.m + 1) as u64, dim as u64])
                .writer(&mut buf)
                .begin_nd()?;
            w.extend(samples.iter().copied())?;
            w.finish()?;
        }
        crate::io::write_atomic(&dir.join("x.npy"), &buf)?;
        let params = json!({
            "mean": rbf.mean, "scale": rbf.scale, "centres": rbf.centres, "width": rbf.width,
            "state": rbf.with_state, "rust": out,
        });
        crate::io::write_atomic(&dir.join("params.json"), params.to_string().as_bytes())?;
    }
    if args.json {
        return Ok(json_out(out));
    }
    Ok(format!(
        "EDMD N = {}, M = {} on {} threads: dictionary {:.3} s, QR least squares {:.3} s, eig {:.3} s, residuals {:.3} s; total {:.3} s (k-means {:.2} s, not counted)\n",
        args.n,
        args.m,
        rayon::current_num_threads(),
        best[0],
        best[1],
        best[2],
        best[3],
        total,
        kmeans_seconds
    ))
}
