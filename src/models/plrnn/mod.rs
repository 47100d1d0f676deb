//! Piecewise-linear recurrent networks for dynamical-systems reconstruction: the
//! clipped shallow PLRNN trained with generalized teacher forcing (GTF), with exact
//! hand-derived gradients.
//!
//! Takes a uniformly sampled trajectory; standardises it, trains the network on random
//! windows with GTF ([`train`]), and returns a [`PlrnnModel`] that free-runs in the
//! data's original units, exposes its Jacobian, and reports its long-term statistics
//! (`D_stsp`, `D_H`) and largest Lyapunov exponent. One step per file: [`model`]
//! (the network), [`readout`] (the observation model: identity or affine `x̂ = B z`),
//! [`gtf`] (forcing and α), [`bptt`] (gradients), [`affine_gtf`] (forcing and
//! gradients through the affine read-out), [`radam`] (optimiser), [`train`] (the
//! loop), [`invariants`] (Lyapunov exponent and free-run scores), [`fixed_points`];
//! `fit` (option checks, standardisation, training and continuing it) and `fitted`
//! (the trained model's free run, Jacobian, fixed points and report) implement the
//! types declared here; `tests` holds the model-level tests.
//!
//! The training kernel ([`lanes`]) runs 8 sequences in lockstep in f32 by default (as
//! the lab trains; measured 1.3–1.7× faster than f64 on this kernel) or f64 (the
//! gradient checks); parameters, the optimiser and every evaluation are f64.
//!
//! # References
//! - F. Hess, Z. Monfared, M. Brenner, D. Durstewitz, "Generalized Teacher Forcing for
//!   Learning Chaotic Dynamics", ICML 2023 (PMLR 202:13017–13049).
//! - D. Durstewitz, "A state space approach for piecewise-linear recurrent neural
//!   networks for identifying computational dynamics from neural measurements", PLoS
//!   Comput. Biol. 13 (2017) — the PLRNN.

pub mod affine_gtf;
pub mod bptt;
mod fit;
mod fitted;
pub mod fixed_points;
pub mod gtf;
pub mod invariants;
pub mod lanes;
pub mod model;
pub mod radam;
pub mod readout;
pub mod train;

use serde::{Deserialize, Serialize};

use self::gtf::AlphaRule;
use self::invariants::InvariantScores;
use self::model::{Nonlinearity, ShPlrnn};
pub use self::readout::Readout;
use self::train::TrainInfo;

/// Hidden width L: the lab's Lorenz-63 example uses 50 (its defaults 100).
pub const DEFAULT_HIDDEN: usize = 50;
/// Epochs: 400 (20 000 gradient steps), tuned once so that "Compare all" gives a fair
/// first answer within a minute. On clean Lorenz (`chaoslab fit --system Lorenz
/// --model plrnn`, 8001 training points, seeds 0–4) 400 epochs scored as well as 1000
/// — D_stsp 1.7–2.5 (median 2.2) against 2.0–2.9, D_H 0.011–0.022, λ_max 0.96–1.18
/// (truth 0.90) — in 16 s instead of 39 s on two cores; 300 epochs left one seed at
/// D_stsp 3.5, and 250 one seed with λ_max < 0 (a fixed point, not chaos). The paper
/// trains 5000 epochs; `specs/plrnn.md` leaves the desktop default to us.
pub const DEFAULT_EPOCHS: usize = 400;
/// Batches (gradient steps) per epoch (the lab's setting).
pub const DEFAULT_BATCHES_PER_EPOCH: usize = 50;
/// Sequences per batch S.
pub const DEFAULT_BATCH_SIZE: usize = 16;
/// Sequence length T̃.
pub const DEFAULT_SEQ_LEN: usize = 200;
/// Starting learning rate.
pub const DEFAULT_LR_START: f64 = 1e-3;
/// Learning rate after the last epoch.
pub const DEFAULT_LR_END: f64 = 1e-6;

/// The clipped shPLRNN with GTF training and its options (Hess et al. 2023, §2.4 of
/// `specs/plrnn.md` for the defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plrnn {
    /// Latent dimension M (default: the data's dimension N; must be ≥ N for the
    /// identity read-out).
    pub latent: Option<usize>,
    /// Hidden width L.
    pub hidden: usize,
    /// Clipped (default) or plain nonlinearity.
    pub nonlinearity: Nonlinearity,
    /// Forcing strength rule.
    pub alpha: AlphaRule,
    /// Training epochs.
    pub epochs: usize,
    /// Gradient steps per epoch.
    pub batches_per_epoch: usize,
    /// Sequences per batch.
    pub batch_size: usize,
    /// Steps per sequence.
    pub seq_len: usize,
    /// Learning rate at the start.
    pub lr_start: f64,
    /// Learning rate at the end (exponential decay per epoch).
    pub lr_end: f64,
    /// Latent regularisation weight λ.
    pub regularization: f64,
    /// Seed of the initialisation and the batch sampling.
    pub seed: u64,
    /// Score the free run every this many epochs (0: never), for the metric history
    /// and the live overlay.
    #[serde(default = "default_eval_every")]
    pub eval_every: usize,
    /// Float type of the training kernel (files written before this option train in
    /// the default).
    #[serde(default)]
    pub precision: Precision,
    /// The observation model (Hess et al. 2023, `specs/plrnn.md` §1.4; files written
    /// before this option train with the identity).
    #[serde(default)]
    pub readout: Readout,
    /// Weight λ_obs of the affine read-out's condition-number penalty (no effect on
    /// the identity read-out).
    #[serde(default = "default_observation_regularization")]
    pub observation_regularization: f64,
}

fn default_observation_regularization() -> f64 {
    readout::DEFAULT_OBSERVATION_REGULARIZATION
}

fn default_eval_every() -> usize {
    DEFAULT_EVAL_EVERY
}

/// Epochs between free-run scores during training.
pub const DEFAULT_EVAL_EVERY: usize = 25;

/// The float type of the training arithmetic. Parameters, optimiser state and all
/// evaluation stay `f64`; this chooses the forward and backward passes' type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// `f32`: twice the SIMD width, as the lab trains (Float32).
    #[default]
    F32,
    /// `f64`.
    F64,
}

impl Default for Plrnn {
    fn default() -> Self {
        Self {
            latent: None,
            hidden: DEFAULT_HIDDEN,
            nonlinearity: Nonlinearity::Clipped,
            alpha: AlphaRule::default(),
            epochs: DEFAULT_EPOCHS,
            batches_per_epoch: DEFAULT_BATCHES_PER_EPOCH,
            batch_size: DEFAULT_BATCH_SIZE,
            seq_len: DEFAULT_SEQ_LEN,
            lr_start: DEFAULT_LR_START,
            lr_end: DEFAULT_LR_END,
            regularization: bptt::DEFAULT_REGULARIZATION,
            seed: 0,
            eval_every: DEFAULT_EVAL_EVERY,
            precision: Precision::default(),
            readout: Readout::default(),
            observation_regularization: readout::DEFAULT_OBSERVATION_REGULARIZATION,
        }
    }
}

/// Further training of a fitted network as a [`Model`](super::Model) (the window's
/// "Continue training"): `fit` runs [`PlrnnModel::continue_training`] with `options` on
/// the data.
#[derive(Clone, Debug)]
pub struct PlrnnContinuation {
    /// The model to start from.
    pub start: PlrnnModel,
    /// Epochs, learning rates, α rule, seed for the further training.
    pub options: Plrnn,
}

/// A trained clipped shPLRNN with the standardisation of its data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlrnnModel {
    /// State names of the data.
    pub names: Vec<String>,
    /// Sampling interval.
    pub dt: f64,
    /// The network (sizes and parameters).
    pub net: ShPlrnn,
    /// Per-variable mean used for standardisation.
    pub mean: Vec<f64>,
    /// Per-variable standard deviation used for standardisation.
    pub std: Vec<f64>,
    /// The options it was trained with.
    pub options: Plrnn,
    /// What the training did.
    pub training: TrainInfo,
    /// `D_stsp` and `D_H` of a free run against the training data.
    pub train_scores: InvariantScores,
    /// The model's largest Lyapunov exponent per time unit (`None` if its orbit
    /// diverged).
    pub max_lyapunov: Option<f64>,
    /// The last sample of the training data: the default start of a free run.
    pub last_state: Vec<f64>,
}

#[cfg(test)]
mod tests;
