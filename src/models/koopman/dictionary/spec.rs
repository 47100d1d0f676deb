//! What a dictionary is before it meets data: the families the EDMD fit can use
//! ([`Dictionary`]), whether the state itself is among the functions
//! ([`StateFeatures`]), and the defaults and size limits of each family.

use serde::{Deserialize, Serialize};

use super::kernel::Kernel;

/// Default total degree of the monomial dictionary.
pub const DEFAULT_DEGREE: usize = 3;
/// Default number of RBF centres.
pub const DEFAULT_CENTERS: usize = 50;
/// Default k-means seed.
pub const DEFAULT_KMEANS_SEED: u64 = 0;
/// Default number of random Fourier frequencies (each gives a cosine and a sine).
pub const DEFAULT_RFF_FEATURES: usize = 50;
/// Default number of kernel EDMD functions (at most; fewer where the kernel matrix is
/// numerically singular).
pub const DEFAULT_KERNEL_FUNCTIONS: usize = 200;
/// Default number of fit states the kernel expansion uses (evenly spaced when there
/// are more): kernel EDMD costs `O(P³)` in this number.
pub const DEFAULT_KERNEL_POINTS: usize = 1000;
/// Dictionaries larger than this are refused (the EDMD eigenproblem is `O(N³)`).
pub const MAX_DICTIONARY_SIZE: usize = 2000;

/// Whether the state coordinates themselves are dictionary functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateFeatures {
    /// `ψ` contains the constant and `u_1 … u_n` (so the state is read off exactly).
    #[default]
    Include,
    /// Only the dictionary's own functions (the state is regressed on them).
    Exclude,
}

/// A dictionary family with its size: the `ψ` of EDMD (Williams, Kevrekidis & Rowley
/// 2015; spec §1.7), fitted to data by
/// [`FittedDictionary::fit`](super::FittedDictionary::fit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Dictionary {
    /// All monomials `u^α` with `|α| ≤ degree` (the constant and the state included).
    Monomials {
        /// Highest total degree.
        degree: usize,
    },
    /// Gaussian RBFs `exp(−‖u − c_k‖² / (2h²))` with `k`-means centres `c_k` and width
    /// `h` = the mean distance from a centre to its nearest other centre (one centre:
    /// the mean distance of the scaled data to their centroid, the kernel rule of spec
    /// §1.8). Tying `h` to the centre spacing keeps `Ψ_X` well conditioned as `k` grows;
    /// the centroid rule alone makes 300 Gaussians on Lorenz numerically rank 191.
    Rbf {
        /// Number of centres.
        centers: usize,
        /// k-means seed.
        seed: u64,
        /// Whether the constant and the state are added.
        state: StateFeatures,
    },
    /// Thin-plate splines `ρ² log ρ` (0 at `ρ = 0`), `ρ = ‖u − c_k‖/h`, at k-means
    /// centres with the width `h` of [`Dictionary::Rbf`].
    #[serde(rename = "thin-plate")]
    ThinPlate {
        /// Number of centres.
        centers: usize,
        /// k-means seed.
        seed: u64,
        /// Whether the constant and the state are added.
        state: StateFeatures,
    },
    /// Random Fourier features `cos(w_k·u)`, `sin(w_k·u)`, `w_k ~ N(0, (2/d²) I)` with `d`
    /// the mean distance of the scaled data to their centroid (they approximate the
    /// Gaussian kernel `exp(−‖u − u'‖²/d²)`; Rahimi & Recht 2007). Seeded.
    Rff {
        /// Number of frequencies `w_k` (twice as many functions).
        features: usize,
        /// Seed of the frequencies.
        seed: u64,
        /// Whether the constant and the state are added.
        state: StateFeatures,
    },
    /// Kernel EDMD's dictionary (Williams, Rowley & Kevrekidis 2015): the leading
    /// `functions` eigenvectors of the kernel matrix of (up to `points`) fit states,
    /// scaled so that EDMD on the fit pairs reproduces kernel EDMD's matrix
    /// `K̂ = Σ_r⁻¹Q_r*ÂQ_rΣ_r⁻¹` exactly when every fit state is in the expansion
    /// (`points` ≥ fit pairs); with fewer it is the same construction on a subsample
    /// (a Nyström approximation of the kernel).
    Kernel {
        /// The kernel.
        kernel: Kernel,
        /// At most this many functions.
        functions: usize,
        /// At most this many fit states in the expansion (evenly spaced).
        points: usize,
    },
    /// Fourier modes of periodic coordinates (spec §1.7, the CPAM circle rotation): the
    /// constant and `cos(k x_j)`, `sin(k x_j)` for `k = 1 … modes` in each state
    /// coordinate `x_j` (radians, not scaled). A real basis of `e^{ikx_j}`, `|k| ≤ modes`.
    Fourier {
        /// Highest harmonic `K`.
        modes: usize,
    },
    /// The functions of several dictionaries side by side, with the constant and the
    /// state once, first (a monomial part adds its degrees ≥ 2).
    Concat {
        /// The parts (not themselves concatenations or delays).
        parts: Vec<Dictionary>,
    },
    /// `inner` evaluated on delay vectors `[x_k, …, x_{k+d−1}]` (spec §1.5): on its own
    /// (`inner` = monomials of degree 1) the constant and the delay coordinates.
    Delay {
        /// The number of stacked samples `d`.
        delays: usize,
        /// The dictionary of the delay vectors.
        inner: Box<Dictionary>,
    },
}

impl Default for Dictionary {
    fn default() -> Self {
        Dictionary::Monomials {
            degree: DEFAULT_DEGREE,
        }
    }
}

impl Dictionary {
    /// The delay count and the dictionary of the (possibly delay-embedded) states.
    pub fn split_delays(&self) -> (usize, &Dictionary) {
        match self {
            Dictionary::Delay { delays, inner } => (*delays, inner),
            other => (1, other),
        }
    }

    /// True for kernel EDMD's dictionary (alone or under delays).
    pub fn is_kernel(&self) -> bool {
        matches!(self.split_delays().1, Dictionary::Kernel { .. })
    }
}
