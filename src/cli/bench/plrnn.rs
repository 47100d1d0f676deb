//! `bench plrnn`: gradient steps per second of the PLRNN training (M = N = 3) (forced forward pass,
//! hand-derived gradient, RAdam update) on standardised Lorenz windows, the
//! configuration `benches/peers/plrnn_torch.py` runs with PyTorch. With `--out` it
//! writes one batch, the parameters, and our loss and gradient on that batch, so the
//! peer can show that it computes the same function.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::cli::json_out;
use crate::integrate::{Simulation, solve};
use crate::jobs::JobContext;
use crate::models::plrnn::bptt::regularize;
use crate::models::plrnn::model::{Nonlinearity, ShPlrnn};
use crate::models::plrnn::radam::RAdam;
use crate::models::plrnn::train::batch_gradient;
use crate::models::plrnn::{Precision, bptt::DEFAULT_REGULARIZATION};
use crate::systems::Catalog;

/// Float type of the timed kernel.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecisionArg {
    /// f32 arithmetic (the training default).
    F32,
    /// f64 arithmetic.
    F64,
}

/// `bench plrnn`.
#[derive(Args, Debug)]
pub struct PlrnnBenchArgs {
    /// Hidden width L.
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_HIDDEN)]
    pub hidden: usize,
    /// Sequences per batch.
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_BATCH_SIZE)]
    pub batch: usize,
    /// Steps per sequence.
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_SEQ_LEN)]
    pub seq_len: usize,
    /// Fixed forcing strength α.
    #[arg(long, default_value_t = 0.1)]
    pub alpha: f64,
    /// Timed gradient steps (after 10 untimed ones).
    #[arg(long, default_value_t = 500)]
    pub steps: usize,
    /// Threads of the rayon pool.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Float type of the forward and backward passes.
    #[arg(long, value_enum, default_value = "f32")]
    pub precision: PrecisionArg,
    /// Seed of the initialisation and the windows.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the first batch, the initial parameters and our f64 loss and gradient on
    /// them here (JSON) for the PyTorch peer.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(args: &PlrnnBenchArgs) -> anyhow::Result<String> {
    if args.hidden == 0 || args.batch == 0 || args.seq_len == 0 {
        bail!("--hidden, --batch and --seq-len must be at least 1");
    }
    if !(0.0..=1.0).contains(&args.alpha) {
        bail!("--alpha must lie in [0, 1], got {}", args.alpha);
    }
    if args.threads == 0 {
        bail!("--threads must be at least 1");
    }
    let series = standardised_lorenz(20_000)?;
    let n = 3;
    let rows = series.len() / n;
    let window = args.seq_len + 1;
    if rows < window {
        bail!("--seq-len must be below {rows}");
    }
    let mut rng = rand_pcg::Pcg64::seed_from_u64(args.seed);
    let mut net = ShPlrnn::init(n, args.hidden, n, Nonlinearity::Clipped, &mut rng);
    let precision = match args.precision {
        PrecisionArg::F32 => Precision::F32,
        PrecisionArg::F64 => Precision::F64,
    };
    let c = 2.0 / (args.batch * args.seq_len * n) as f64;
    let mut starts = vec![0usize; args.batch];
    let mut draw = |rng: &mut rand_pcg::Pcg64| {
        for s in starts.iter_mut() {
            *s = rng.random_range(0..=rows - window);
        }
        starts.clone()
    };
    let first = draw(&mut rng);
    if let Some(path) = &args.out {
        write_reference(path, &net, &series, &first, window, args.alpha, c)?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("building the thread pool")?;
    let mut opt = RAdam::new(net.theta.len());
    let mut grad = vec![0.0; net.theta.len()];
    let mut last_loss = 0.0;
    let mut seconds = 0.0;
    pool.install(|| {
        for step in 0..args.steps + 10 {
            let starts = if step == 0 {
                first.clone()
            } else {
                draw(&mut rng)
            };
            let seqs: Vec<&[f64]> = starts
                .iter()
                .map(|&s| &series[s * n..(s + window) * n])
                .collect();
            let t0 = Instant::now();
            let sse = match precision {
                Precision::F32 => batch_gradient::<f32>(&net, &seqs, args.alpha, c, &mut grad),
                Precision::F64 => batch_gradient::<f64>(&net, &seqs, args.alpha, c, &mut grad),
            };
            last_loss = sse * c / 2.0 + regularize(&net, DEFAULT_REGULARIZATION, &mut grad);
            opt.step(&mut net.theta, &grad, 1e-3);
            if step >= 10 {
                seconds += t0.elapsed().as_secs_f64();
            }
        }
    });
    let per_second = args.steps as f64 / seconds.max(1e-12);
    let out = json!({
        "latent": n,
        "hidden": args.hidden,
        "batch": args.batch,
        "seq_len": args.seq_len,
        "alpha": args.alpha,
        "threads": args.threads,
        "precision": format!("{:?}", precision).to_lowercase(),
        "steps": args.steps,
        "seconds": seconds,
        "steps_per_second": per_second,
        "final_loss": last_loss,
    });
    if args.json {
        return Ok(json_out(out));
    }
    Ok(format!(
        "PLRNN M={} L={} batch {}×{} α={} on {} threads ({:?}): {:.1} gradient steps/s ({} steps in {:.3} s)\n",
        n,
        args.hidden,
        args.batch,
        args.seq_len,
        args.alpha,
        args.threads,
        precision,
        per_second,
        args.steps,
        seconds
    ))
}

/// `rows` samples of Lorenz-63 at dt = 0.01, each column standardised.
fn standardised_lorenz(rows: usize) -> anyhow::Result<Vec<f64>> {
    let system = Catalog::builtin().system("Lorenz")?;
    let mut sim = Simulation::for_system(&system, 1.0);
    sim.dt = 0.01;
    sim.t_end = rows as f64 * sim.dt;
    let (traj, _) = solve(&system, &sim, &JobContext::detached()).context("integrating Lorenz")?;
    let (mean, std) = traj.mean_std();
    Ok(traj
        .samples()
        .chunks_exact(3)
        .flat_map(|r| {
            (0..3)
                .map(|j| (r[j] - mean[j]) / std[j])
                .collect::<Vec<_>>()
        })
        .collect())
}

/// The reference file for the peer: sizes, α, the regulariser weight, the parameter
/// blocks, the batch (`batch × (seq_len + 1) × 3`), and our f64 loss and gradient.
fn write_reference(
    path: &std::path::Path,
    net: &ShPlrnn,
    series: &[f64],
    starts: &[usize],
    window: usize,
    alpha: f64,
    c: f64,
) -> anyhow::Result<()> {
    let n = 3;
    let seqs: Vec<&[f64]> = starts
        .iter()
        .map(|&s| &series[s * n..(s + window) * n])
        .collect();
    let mut grad = vec![0.0; net.theta.len()];
    let sse = batch_gradient::<f64>(net, &seqs, alpha, c, &mut grad);
    let loss = sse * c / 2.0 + regularize(net, DEFAULT_REGULARIZATION, &mut grad);
    let lay = net.layout();
    let block = |v: &[f64], lo: usize, hi: usize| v[lo..hi].to_vec();
    let batch: Vec<Vec<[f64; 3]>> = seqs
        .iter()
        .map(|s| s.chunks_exact(3).map(|r| [r[0], r[1], r[2]]).collect())
        .collect();
    let doc = json!({
        "latent": net.latent,
        "hidden": net.hidden,
        "observed": n,
        "alpha": alpha,
        "regularization": DEFAULT_REGULARIZATION,
        "layout": "A (M), W1 (M×L row-major), W2 (L×M row-major), h1 (M), h2 (L)",
        "A": block(&net.theta, lay.a, lay.w1),
        "W1": block(&net.theta, lay.w1, lay.w2),
        "W2": block(&net.theta, lay.w2, lay.h1),
        "h1": block(&net.theta, lay.h1, lay.h2),
        "h2": block(&net.theta, lay.h2, lay.b),
        "batch": batch,
        "loss": loss,
        "grad": {
            "A": block(&grad, lay.a, lay.w1),
            "W1": block(&grad, lay.w1, lay.w2),
            "W2": block(&grad, lay.w2, lay.h1),
            "h1": block(&grad, lay.h1, lay.h2),
            "h2": block(&grad, lay.h2, lay.b),
        },
    });
    crate::io::write_atomic(path, doc.to_string().as_bytes())
        .with_context(|| format!("writing '{}'", path.display()))?;
    Ok(())
}
