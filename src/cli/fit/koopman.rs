//! The Koopman suite's own `fit` flags (grouped here so that they merge apart from the
//! other families' flags): DMD variant, dictionary combinations, kernel EDMD, and the
//! eigenvalue export.

use clap::Args;

use crate::models::dmd::DmdVariant;

/// Koopman flags of `fit`, flattened into its arguments.
#[derive(Args, Debug)]
pub struct KoopmanArgs {
    /// DMD, Hankel DMD: exact, fb (forward–backward, Dawson et al. 2016) or tls (total
    /// least squares, Hemati et al. 2017); the last two de-bias eigenvalues of noisy data.
    #[arg(long, default_value = "exact")]
    pub dmd_variant: DmdVariant,
}
