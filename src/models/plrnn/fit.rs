//! Fitting a PLRNN to a trajectory (Hess et al., ICML 2023; defaults in
//! `specs/plrnn.md` §2.4):
//! the options' checks, the standardisation, the initial network, GTF training
//! ([`super::train`]), continuing a fitted model's training, and the largest Lyapunov
//! exponent and free-run scores of the result.

use rand::SeedableRng;

use super::invariants::{self, InvariantScores, LYAPUNOV_STEPS, LYAPUNOV_TRANSIENT};
use super::model::ShPlrnn;
use super::readout::Readout;
use super::train;
use super::{Plrnn, PlrnnContinuation, PlrnnModel};
use crate::data::Trajectory;
use crate::jobs::JobContext;
use crate::models::{FitError, FittedModel, Model, check_finite};

impl Plrnn {
    /// A readable problem with the options for `n`-dimensional data, if any.
    fn validate(&self, n: usize) -> Result<usize, FitError> {
        let m = self.latent.unwrap_or(n);
        let bad = |msg: String| Err(FitError::Options(msg));
        if m == 0 {
            return bad("the latent dimension must be at least 1".into());
        }
        if m < n && self.readout == Readout::Identity {
            return bad(format!(
                "the latent dimension ({m}) must be at least the data's dimension ({n}) for the identity read-out (the first {n} latents are read out); choose the affine read-out (`--readout affine`) to reduce the dimension"
            ));
        }
        if self.hidden == 0 || self.epochs == 0 || self.batches_per_epoch == 0 {
            return bad("hidden width, epochs and batches per epoch must be at least 1".into());
        }
        if self.batch_size == 0 || self.seq_len == 0 {
            return bad("batch size and sequence length must be at least 1".into());
        }
        if !(self.lr_start > 0.0 && self.lr_end > 0.0 && self.lr_start.is_finite()) {
            return bad(format!(
                "learning rates must be positive, got {} → {}",
                self.lr_start, self.lr_end
            ));
        }
        if !(self.regularization >= 0.0 && self.regularization.is_finite()) {
            return bad(format!(
                "the regularisation weight must be ≥ 0, got {}",
                self.regularization
            ));
        }
        let obs = self.observation_regularization;
        if !(obs >= 0.0 && obs.is_finite()) {
            return bad(format!(
                "the read-out regularisation weight must be ≥ 0, got {obs}"
            ));
        }
        self.alpha.validate().map_err(FitError::Options)?;
        Ok(m)
    }

    /// Trains a new network on `data` (or continues from `start`) with generalized
    /// teacher forcing (Hess et al. 2023), then scores its free run and Lyapunov
    /// exponent.
    pub fn fit_model(
        &self,
        data: &Trajectory,
        start: Option<&PlrnnModel>,
        job: &JobContext,
    ) -> Result<PlrnnModel, FitError> {
        let n = data.dim();
        let m = self.validate(n)?;
        check_finite(data)?;
        let (mean, std) = match start {
            Some(s) => (s.mean.clone(), s.std.clone()),
            None => data.mean_std(),
        };
        if let Some(j) = std.iter().position(|s| s.is_nan() || *s <= 0.0) {
            return Err(FitError::Data(format!(
                "column '{}' is constant; drop it before fitting",
                data.names()[j]
            )));
        }
        let series: Vec<f64> = data
            .samples()
            .chunks_exact(n)
            .flat_map(|row| {
                (0..n)
                    .map(|j| (row[j] - mean[j]) / std[j])
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut rng = rand_pcg::Pcg64::seed_from_u64(self.seed);
        let net = match start {
            Some(s) => s.net.clone(),
            None => ShPlrnn::init_with_readout(
                m,
                self.hidden,
                n,
                self.nonlinearity,
                self.readout,
                &mut rng,
            ),
        };
        job.report(0.0, "training");
        let (net, mut info) = train::train(self, net, &series, (&mean, &std), &mut rng, job)?;
        if let Some(s) = start {
            let mut curve = s.training.loss_curve.clone();
            curve.extend(&info.loss_curve);
            info.loss_curve = curve;
            let mut history = s.training.metric_history.clone();
            let before = s.training.epochs;
            history.extend(info.metric_history.iter().map(|p| train::MetricPoint {
                epoch: p.epoch + before,
                ..p.clone()
            }));
            info.metric_history = history;
            info.epochs += s.training.epochs;
            info.gradient_steps += s.training.gradient_steps;
            info.train_seconds += s.training.train_seconds;
        }
        job.report(1.0, "Lyapunov exponent and free-run scores");
        let mut z0 = vec![0.0; m];
        net.initial_state(&series[..n], &mut z0);
        let lambda = invariants::max_lyapunov(&net, &z0, LYAPUNOV_TRANSIENT, LYAPUNOV_STEPS)
            .map(|l| l / data.dt());
        let mut model = PlrnnModel {
            names: data.names().to_vec(),
            dt: data.dt(),
            net,
            mean,
            std,
            options: self.clone(),
            training: info,
            train_scores: InvariantScores::default(),
            max_lyapunov: lambda,
            last_state: data.row(data.len() - 1).to_vec(),
        };
        model.train_scores = invariants::free_run_scores(&model, data);
        Ok(model)
    }
}

impl Model for Plrnn {
    fn family(&self) -> &'static str {
        "plrnn"
    }

    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Ok(Box::new(self.fit_model(data, None, job)?))
    }
}

impl Model for PlrnnContinuation {
    fn family(&self) -> &'static str {
        "plrnn"
    }

    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Ok(Box::new(self.start.continue_training(
            &self.options,
            data,
            job,
        )?))
    }
}

impl PlrnnModel {
    /// Continues training this model on `data` for `options.epochs` more epochs,
    /// keeping its standardisation.
    pub fn continue_training(
        &self,
        options: &Plrnn,
        data: &Trajectory,
        job: &JobContext,
    ) -> Result<PlrnnModel, FitError> {
        if data.dim() != self.dim() {
            return Err(FitError::Data(format!(
                "the data have {} columns, the model {}",
                data.dim(),
                self.dim()
            )));
        }
        let mut opts = options.clone();
        opts.latent = Some(self.net.latent);
        opts.hidden = self.net.hidden;
        opts.nonlinearity = self.net.nonlinearity;
        opts.readout = self.net.readout;
        opts.fit_model(data, Some(self), job)
    }
}
