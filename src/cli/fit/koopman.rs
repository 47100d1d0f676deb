//! The Koopman suite's own `fit` flags (grouped here so that they merge apart from the
//! other families' flags): DMD variant, dictionary combinations, kernel EDMD, and the
//! eigenvalue export.

use clap::Args;

use crate::models::dmd::DmdVariant;
use crate::models::koopman::Kernel;
use crate::models::koopman::dictionary::{
    DEFAULT_KERNEL_FUNCTIONS, DEFAULT_KERNEL_POINTS, DEFAULT_RFF_FEATURES,
};

/// Koopman flags of `fit`, flattened into its arguments.
#[derive(Args, Debug)]
pub struct KoopmanArgs {
    /// DMD, Hankel DMD: exact, fb (forward–backward, Dawson et al. 2016) or tls (total
    /// least squares, Hemati et al. 2017); the last two de-bias eigenvalues of noisy data.
    #[arg(long, default_value = "exact")]
    pub dmd_variant: DmdVariant,
}

/// EDMD-family flags of `fit`: dictionary sizes beyond `--degree`/`--centers`, the
/// kernel, and the measure-preserving option.
#[derive(Args, Debug)]
pub struct EdmdArgs {
    /// Kernel EDMD (`--model kernel-edmd` or `--dictionary kernel`): gaussian
    /// exp(−r²/d²) or laplacian exp(−r/d), d = mean distance of the data to their centroid.
    #[arg(long, default_value = "gaussian")]
    pub kernel: Kernel,
    /// Kernel EDMD: at most this many functions (leading kernel eigenvectors).
    #[arg(long, default_value_t = DEFAULT_KERNEL_FUNCTIONS)]
    pub kernel_functions: usize,
    /// Kernel EDMD: at most this many fit states in the kernel expansion (O(P³) cost).
    #[arg(long, default_value_t = DEFAULT_KERNEL_POINTS)]
    pub kernel_points: usize,
    /// `--dictionary rff`: number of random frequencies (twice as many functions); the
    /// frequencies' seed is --seed.
    #[arg(long, default_value_t = DEFAULT_RFF_FEATURES)]
    pub features: usize,
    /// EDMD family: measure-preserving dynamics (Lorenz, Hamiltonian): G = L = (G + L)/2.
    #[arg(long)]
    pub measure_preserving: bool,
}
