//! The ResDMD pseudospectrum `τ_N(z)` on a grid of the complex plane.
//!
//! Takes weighted dictionary matrices of a quadrature set (`W^{1/2}Ψ_X`, `W^{1/2}Ψ_Y`,
//! `M × N`) and a grid; produces `log10 τ_N(z)` at every grid point.
//!
//! # Method
//! `τ_N(z) = min_c res(z, ψc)` (Colbrook & Townsend, CPAM 77 (2024), Algorithm 2, "R2"
//! in spec §1.9). QR form (spec §1.9 (b), Colbrook's `KoopPseudoSpecQR.m`): thin QR
//! `W^{1/2}Ψ_X = QR`, `C = W^{1/2}Ψ_Y R^{-1}`, so `τ_N(z) = σ_min(C − zQ)`. Reduced once
//! more so that `M` drops out (spec §1.9 (c)): `Â = Q*C`, and `C − QÂ = Q_⊥D` with `D`
//! the `R` factor of a second thin QR; then `τ_N(z) = σ_min([Â − zI; D])`.
//!
//! Per grid point, instead of a dense SVD of that `2N × N` matrix (`≈ 7N³` complex
//! operations; 36 ms at `N = 300`), the fast path uses `τ² = λ_min(H(z))` with
//! `H(z) = [Â − zI; D]*[Â − zI; D] = Lₛ − zÂᵀ − z̄Â + |z|²I`, `Lₛ = ÂᵀÂ + DᵀD` formed
//! once, so `H(z)` costs `O(N²)`:
//! 1. Cholesky factor `H(z) + δI = LLᴴ` with `δ = 10⁻¹³ max_i H_ii` (so that a singular
//!    `H` at an exact eigenvalue still factorises; `N³/3` operations, ≈ 1 ms at 300);
//! 2. Lanczos on `H(z)⁻¹` (two triangular solves per step, full reorthogonalisation;
//!    "inverse Lanczos", as in Trefethen's pseudospectra algorithms — L. N. Trefethen,
//!    "Computation of pseudospectra", Acta Numerica 8 (1999), §5), started from the
//!    minimising vector of the previous grid point in the row plus a pseudo-random part,
//!    until its Ritz value changes by less than `10⁻⁷` relative in one step;
//! 3. `τ = ‖[Â − zI; D]y‖/‖y‖` for the Ritz vector `y` (polished by up to two steps
//!    of inverse iteration while that lowers the value), evaluated in the QR form. The
//!    Gram form `H` only steers the search for `y`; the value itself never goes through
//!    `H`, so it keeps the QR form's accuracy where `τ` is tiny (an eigenvector error
//!    `η` changes `τ²` by `O(η²)`, and `‖Ky‖ ≥ τ` always).
//!
//! If `H(z)` will not factorise even with a larger shift, the point falls back to the
//! dense SVD. Grid points run in parallel (rayon) in runs of 16 along a row, with faer
//! single-threaded inside; for real data `τ(z̄) = τ(z)`, so only `|Im z|` is computed and
//! shared by mirrored rows. Rows are handed to a callback as soon as they are complete
//! ([`pseudospectrum_rows`]; [`pseudospectrum_published`] publishes them to the job).
//!
//! # Layout
//! `grid` (the grid, the symmetry and the result), `quadrature` (the reduction to
//! `(Â, D)`, the residual and the dense SVD), `inverse_lanczos` (the fast path per grid
//! point) with `tridiagonal` (the Lanczos matrix's eigenpairs), `sweep` (the parallel
//! grid sweep, row callbacks and publishing).

mod grid;
mod inverse_lanczos;
mod quadrature;
mod sweep;
mod tridiagonal;

pub use grid::{DEFAULT_GRID_POINTS, Pseudospectrum, PseudospectrumGrid, Symmetry};
pub use inverse_lanczos::TauWorkspace;
pub use quadrature::QuadratureForm;
pub use sweep::{pseudospectrum, pseudospectrum_published, pseudospectrum_rows};

#[cfg(test)]
mod tests;
