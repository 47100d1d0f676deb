//! EDMD dictionaries `ψ(x) = [ψ_1(x) … ψ_N(x)]`: monomials up to a total degree, radial
//! basis functions (Gaussian or thin-plate spline) at k-means centres, random Fourier
//! features, the learned dictionary of kernel EDMD, concatenations of these, and delay
//! coordinates (any of them evaluated on delay vectors).
//!
//! Takes the fit pairs' `x_m` (to learn the centring, scaling, centres, frequencies or
//! kernel expansion) and produces a [`FittedDictionary`] that evaluates `ψ` at any state
//! and builds the `M × N` matrix `Ψ_X`. Every dictionary works in centred, scaled
//! coordinates `u = (x − mean)/std`, so monomials of degree 3 on Lorenz data stay well
//! conditioned. Delay coordinates act on the data, not on one state: the EDMD fit embeds
//! the trajectory ([`crate::models::dmd::hankel::delay_embed`]) and fits the inner
//! dictionary on the delay vectors.
//!
//! # References
//! - M. O. Williams, I. G. Kevrekidis, C. W. Rowley, "A data-driven approximation of the
//!   Koopman operator: extending dynamic mode decomposition", J. Nonlinear Sci. 25
//!   (2015) — EDMD dictionaries (monomials, RBFs, thin-plate splines).
//! - M. O. Williams, C. W. Rowley, I. G. Kevrekidis, "A kernel-based method for
//!   data-driven Koopman spectral analysis", J. Comput. Dyn. 2 (2015) — kernel EDMD:
//!   with `Ĝ_ij = k(x_i, x_j) = (QΣ²Q*)_ij`, the functions
//!   `ψ_j(x) = Σ_i k(x, x_i)(Q_r Σ_r⁻¹)_ij` make EDMD's matrix `Σ_r⁻¹Q_r*ÂQ_rΣ_r⁻¹`
//!   with `Â_ij = k(y_i, x_j)`, the paper's `K̂` (spec §1.8).
//! - A. Rahimi, B. Recht, "Random features for large-scale kernel machines", NIPS 2007 —
//!   `cos(w·u), sin(w·u)` with `w ~ N(0, 2γI)` approximate `exp(−γ‖u − u'‖²)`.
//! - M. J. Colbrook, A. Townsend, CPAM 77 (2024) — RBFs with k-means centres; kernel
//!   bandwidth `d` = mean distance of the data to their centroid.
//!
//! # Layout
//! `spec` ([`Dictionary`], [`StateFeatures`], defaults and limits); one file per
//! family: `monomials`, `rbf` (Gaussian and thin-plate), `random_fourier`, `kernel`
//! ([`Kernel`] and kernel EDMD's expansion), `fourier`; `distances` (the bandwidth rule
//! they share); `features` (the fitted functions and the dispatch to each family);
//! `fitted` ([`FittedDictionary`]: scaling, evaluation, `Ψ_X`). Delay coordinates are
//! only a [`Dictionary`] variant here; the embedding itself is
//! [`crate::models::dmd::hankel::delay_embed`].

mod distances;
mod features;
mod fitted;
mod fourier;
mod kernel;
mod monomials;
mod random_fourier;
mod rbf;
mod spec;
#[cfg(test)]
mod test_data;

pub use fitted::{FittedDictionary, RbfParameters};
pub use kernel::{KERNEL_EIGEN_TOL, Kernel, MAX_KERNEL_POINTS};
pub use spec::{
    DEFAULT_CENTERS, DEFAULT_DEGREE, DEFAULT_KERNEL_FUNCTIONS, DEFAULT_KERNEL_POINTS,
    DEFAULT_KMEANS_SEED, DEFAULT_RFF_FEATURES, Dictionary, MAX_DICTIONARY_SIZE, StateFeatures,
};
