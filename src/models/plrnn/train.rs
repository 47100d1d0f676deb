//! The GTF training loop: random batches of sequences from the standardised series,
//! forced forward passes and hand-derived gradients in parallel over the sequences,
//! RAdam with an exponentially decaying learning rate, progress and a live loss curve.
//!
//! Takes a network to start from, the standardised series (rows × N) and the options;
//! produces the trained network and a [`TrainInfo`].
//!
//! Reproducibility: the batch's sequence starts come from one seeded PCG-64 stream and
//! the per-sequence gradients are summed in sequence order after the parallel map, so
//! a seed reproduces a run bit for bit on any number of threads.
//!
//! # References
//! - F. Hess et al., "Generalized Teacher Forcing for Learning Chaotic Dynamics",
//!   ICML 2023 — the recipe: batches of 16 random windows of 200 steps, 50 batches per
//!   epoch, RAdam, learning rate 1e-3 → 1e-6 (`specs/plrnn.md` §2.4).

use std::time::Instant;

use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bptt::regularize;
use super::gtf::{AlphaRule, estimate_alpha};
use super::lanes::{LANES, Params, Real, Workspace, chunk_gradient};
use super::model::ShPlrnn;
use super::radam::{RAdam, lr_decay};
use super::readout::regularize_readout;
use super::{Plrnn, Precision};
use crate::eval::power_spectrum::{DEFAULT_SMOOTHING, power_spectrum_distance};
use crate::eval::stsp::state_space_divergence_auto;
use crate::jobs::JobContext;
use crate::models::FitError;

/// What a training run did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainInfo {
    /// Epochs completed.
    pub epochs: usize,
    /// Gradient (optimiser) steps taken.
    pub gradient_steps: u64,
    /// Wall-clock seconds spent training.
    pub train_seconds: f64,
    /// Gradient steps per second.
    pub steps_per_second: f64,
    /// Mean training loss (MSE on standardised data plus regulariser) of each epoch.
    pub loss_curve: Vec<f64>,
    /// The forcing strength at the end.
    pub final_alpha: f64,
    /// Free-run scores every `eval_every` epochs (and after the last).
    #[serde(default)]
    pub metric_history: Vec<MetricPoint>,
}

/// The free-run scores of the network after some epochs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// Epochs completed when scored (counting from this run's start).
    pub epoch: usize,
    /// `D_stsp` of the free run against the training data.
    pub d_stsp: Option<f64>,
    /// `D_H` of the free run against the training data.
    pub d_h: Option<f64>,
}

/// What a running training publishes (through [`JobContext::publish`]) every
/// `eval_every` epochs: the metric history so far and the latest free run in the
/// data's original units (row-major, `dim` columns), for a live overlay.
#[derive(Clone, Debug)]
pub struct TrainingSnapshot {
    /// Epochs completed.
    pub epoch: usize,
    /// Scores so far.
    pub history: Vec<MetricPoint>,
    /// The free run (original units).
    pub free_run: Vec<f64>,
    /// Columns of `free_run`.
    pub dim: usize,
}

/// Rows of training data a periodic evaluation compares with (the free run is
/// `1.25×` as long, its first quarter dropped, as in `specs/plrnn.md` §3.1).
pub const EVAL_ROWS: usize = 20_000;
/// Rows of the published free run.
pub const SNAPSHOT_ROWS: usize = 5_000;

/// Scores a free run of `net` from the first row of the standardised `series` against
/// its first [`EVAL_ROWS`] rows; returns the point and the generated rows
/// (standardised). Both metrics are invariant to the per-column standardisation.
pub fn evaluate(net: &ShPlrnn, series: &[f64], epoch: usize) -> (MetricPoint, Vec<f64>) {
    let n = net.observed;
    let t = (series.len() / n).min(EVAL_ROWS);
    let truth = &series[..t * n];
    let burn = t / 4;
    let mut z = vec![0.0; net.latent];
    let mut next = vec![0.0; net.latent];
    let mut hidden = vec![0.0; net.hidden];
    net.initial_state(&truth[..n], &mut z);
    let mut generated = Vec::with_capacity(t * n);
    let mut x = vec![0.0; n];
    for step in 0..burn + t {
        if step >= burn {
            net.observe(&z, &mut x);
            generated.extend_from_slice(&x);
        }
        net.step(&z, &mut next, &mut hidden);
        std::mem::swap(&mut z, &mut next);
    }
    let finite = |v: f64| v.is_finite().then_some(v);
    let point = MetricPoint {
        epoch,
        d_stsp: state_space_divergence_auto(truth, &generated, n)
            .ok()
            .and_then(finite),
        d_h: power_spectrum_distance(truth, &generated, n, DEFAULT_SMOOTHING)
            .ok()
            .and_then(finite),
    };
    (point, generated)
}

/// Trains `net` on the standardised `series` (rows of `net.observed` values) with
/// generalized teacher forcing, `options.epochs` epochs of `options.batches_per_epoch`
/// batches; `rng` draws the sequence starts. Every `options.eval_every` epochs (and
/// after the last) the free run is scored ([`evaluate`]) and published as a
/// [`TrainingSnapshot`], de-standardised with `mean` and `std`.
pub fn train(
    options: &Plrnn,
    mut net: ShPlrnn,
    series: &[f64],
    (mean, std): (&[f64], &[f64]),
    rng: &mut impl Rng,
    job: &JobContext,
) -> Result<(ShPlrnn, TrainInfo), FitError> {
    let n = net.observed;
    let rows = series.len() / n;
    let window = options.seq_len + 1;
    if rows < window {
        return Err(FitError::Data(format!(
            "training needs at least seq_len + 1 = {window} samples, the data have {rows}; lower the sequence length or give more data"
        )));
    }
    let started = Instant::now();
    let mut opt = RAdam::new(net.theta.len());
    let gamma = lr_decay(options.lr_start, options.lr_end, options.epochs);
    let mut lr = options.lr_start;
    let mut alpha = options.alpha.initial();
    let c = 2.0 / (options.batch_size * options.seq_len * n) as f64;
    let mut info = TrainInfo::default();
    let mut grad = vec![0.0; net.theta.len()];
    let mut starts = vec![0usize; options.batch_size];
    for epoch in 0..options.epochs {
        let mut epoch_loss = 0.0;
        for batch in 0..options.batches_per_epoch {
            job.check()?;
            for s in starts.iter_mut() {
                *s = rng.random_range(0..=rows - window);
            }
            let seqs: Vec<&[f64]> = starts
                .iter()
                .map(|&s| &series[s * n..(s + window) * n])
                .collect();
            if let AlphaRule::Adaptive { interval, .. } = options.alpha
                && batch % interval == 0
            {
                alpha = options.alpha.update(alpha, estimate_alpha(&net, &seqs));
            }
            let sse = match options.precision {
                Precision::F32 => batch_gradient::<f32>(&net, &seqs, alpha, c, &mut grad),
                Precision::F64 => batch_gradient::<f64>(&net, &seqs, alpha, c, &mut grad),
            };
            let loss = sse * c / 2.0
                + regularize(&net, options.regularization, &mut grad)
                + regularize_readout(&net, options.observation_regularization, &mut grad);
            if !loss.is_finite() || grad.iter().any(|g| !g.is_finite()) {
                return Err(FitError::Numerical(format!(
                    "training diverged at epoch {} (loss {loss}); lower the learning rate or raise alpha",
                    epoch + 1
                )));
            }
            opt.step(&mut net.theta, &grad, lr);
            epoch_loss += loss;
            info.gradient_steps += 1;
        }
        lr *= gamma;
        let epoch_mean = epoch_loss / options.batches_per_epoch as f64;
        info.loss_curve.push(epoch_mean);
        info.epochs = epoch + 1;
        job.push_curve(epoch_mean);
        let done = epoch + 1;
        if options.eval_every > 0 && (done % options.eval_every == 0 || done == options.epochs) {
            let (point, run) = evaluate(&net, series, done);
            info.metric_history.push(point);
            let free_run: Vec<f64> = run
                .chunks_exact(n)
                .take(SNAPSHOT_ROWS)
                .flat_map(|r| (0..n).map(|j| mean[j] + std[j] * r[j]).collect::<Vec<_>>())
                .collect();
            job.publish(std::sync::Arc::new(TrainingSnapshot {
                epoch: done,
                history: info.metric_history.clone(),
                free_run,
                dim: n,
            }));
        }
        job.report(
            done as f32 / options.epochs as f32,
            &format!("epoch {done}/{}, loss {epoch_mean:.4e}", options.epochs),
        );
    }
    info.train_seconds = started.elapsed().as_secs_f64();
    info.steps_per_second = info.gradient_steps as f64 / info.train_seconds.max(1e-9);
    info.final_alpha = alpha;
    Ok((net, info))
}

/// The summed squared error of a batch and its gradient (into `grad`, overwritten):
/// chunks of [`LANES`] sequences in parallel, their results added in chunk order, so
/// the sum does not depend on the number of threads. Either read-out; for the affine
/// one `B⁺` is computed once here, with the parameters' conversion.
pub fn batch_gradient<T: Real>(
    net: &ShPlrnn,
    seqs: &[&[f64]],
    alpha: f64,
    c: f64,
    grad: &mut [f64],
) -> f64 {
    let params = Params::<T>::new(net);
    let per_chunk: Vec<(f64, Vec<f64>)> = seqs
        .par_chunks(LANES)
        .map_init(Workspace::default, |ws, chunk| {
            let mut g = vec![0.0; grad.len()];
            let sse = chunk_gradient(&params, chunk, alpha, c, ws, &mut g);
            (sse, g)
        })
        .collect();
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut sse = 0.0;
    for (s, g) in &per_chunk {
        sse += s;
        grad.iter_mut().zip(g).for_each(|(a, b)| *a += b);
    }
    sse
}
