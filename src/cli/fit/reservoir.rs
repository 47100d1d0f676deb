//! The reservoir computers' `fit` flags (grouped here so that they merge apart from the
//! other families' flags): the echo-state network's reservoir and NVAR's skip; NVAR's
//! delay count is the shared `--delays`, the seed the shared `--seed`.

use clap::Args;

use crate::models::reservoir::{Esn, Nvar, esn, nvar};

/// Reservoir-computer flags of `fit`, flattened into its arguments.
#[derive(Args, Debug)]
pub struct ReservoirArgs {
    /// ESN: reservoir size N.
    #[arg(long, default_value_t = esn::DEFAULT_RESERVOIR)]
    pub reservoir: usize,
    /// ESN: spectral radius the sparse reservoir matrix is scaled to (> 0).
    #[arg(long, default_value_t = esn::DEFAULT_SPECTRAL_RADIUS, allow_negative_numbers = true)]
    pub spectral_radius: f64,
    /// ESN: leak rate in (0, 1] (1 = no leaking).
    #[arg(long, default_value_t = esn::DEFAULT_LEAK, allow_negative_numbers = true)]
    pub leak: f64,
    /// ESN: input weights uniform in ±this (inputs are standardised).
    #[arg(long, default_value_t = esn::DEFAULT_INPUT_SCALING, allow_negative_numbers = true)]
    pub input_scaling: f64,
    /// ESN: bias uniform in ±this.
    #[arg(long, default_value_t = esn::DEFAULT_BIAS_SCALING, allow_negative_numbers = true)]
    pub bias_scaling: f64,
    /// ESN: fraction of non-zero reservoir connections, in (0, 1].
    #[arg(long, default_value_t = esn::DEFAULT_DENSITY, allow_negative_numbers = true)]
    pub density: f64,
    /// ESN: driven states discarded before training (also the synchronisation length of
    /// a forecast).
    #[arg(long, default_value_t = esn::DEFAULT_WASHOUT)]
    pub washout: usize,
    /// ESN, NVAR: ridge weight of the read-out (default 1e-7 for the ESN, 1e-5 for NVAR).
    #[arg(long, allow_negative_numbers = true)]
    pub ridge: Option<f64>,
    /// NVAR: steps between delayed states.
    #[arg(long, default_value_t = nvar::DEFAULT_SKIP)]
    pub skip: usize,
}

impl ReservoirArgs {
    /// The echo-state network with these flags and `seed`.
    pub fn esn(&self, seed: u64) -> Esn {
        Esn {
            reservoir: self.reservoir,
            spectral_radius: self.spectral_radius,
            leak: self.leak,
            input_scaling: self.input_scaling,
            bias_scaling: self.bias_scaling,
            density: self.density,
            washout: self.washout,
            ridge: self.ridge.unwrap_or(esn::DEFAULT_RIDGE),
            seed,
        }
    }

    /// NVAR with these flags and `delays` (the shared `--delays`).
    pub fn nvar(&self, delays: Option<usize>) -> Nvar {
        Nvar {
            delays: delays.unwrap_or(nvar::DEFAULT_DELAYS),
            skip: self.skip,
            ridge: self.ridge.unwrap_or(nvar::DEFAULT_RIDGE),
        }
    }
}
