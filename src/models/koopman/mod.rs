//! Extended dynamic mode decomposition (EDMD) with ResDMD residuals and pseudospectra:
//! one pipeline from snapshot pairs to verified Koopman spectra.
//!
//! Data flow, one file per step: [`pairs`] (snapshot pairs, `dt`, weights) →
//! [`dictionary`] (monomials, RBFs with [`kmeans`] centres, random Fourier features or
//! kernel EDMD in centred and scaled coordinates; Fourier modes of raw periodic ones) →
//! [`fit`] (`K` by least squares through QR, eigenpairs, state read-out) →
//! [`residual`] (ResDMD residual of every eigenpair on held-out pairs) →
//! [`pseudospectrum`](mod@pseudospectrum) (`τ_N(z)` on a grid, parallel, cancellable).
//!
//! Forecasts iterate the lifted linear map: `p_0 = ψ(x_0)`, `p_{k+1} = p_k K`,
//! `x_k = p_k B` with the state read-out `B` (spec §1.3). This equals the Koopman-mode
//! expansion `Σ_j λ_j^k φ_j(x_0) ξ_j` when `K` is diagonalisable, stays in real
//! arithmetic, and never re-lifts the state.
//!
//! # References
//! - M. O. Williams, I. G. Kevrekidis, C. W. Rowley, "A data-driven approximation of the
//!   Koopman operator: extending dynamic mode decomposition", J. Nonlinear Sci. 25 (2015).
//! - M. J. Colbrook, A. Townsend, "Rigorous data-driven computation of spectral
//!   properties of Koopman operators for dynamical systems", CPAM 77 (2024).
//! - M. J. Colbrook, L. J. Ayton, M. Szőke, "Residual dynamic mode decomposition: robust
//!   and verified Koopmanism", J. Fluid Mech. 955 (2023) A21.

pub mod dictionary;
pub mod fit;
pub mod kmeans;
pub mod modes;
pub mod pairs;
pub mod pseudospectrum;
pub mod residual;

pub use dictionary::{Dictionary, FittedDictionary, Kernel, StateFeatures};
pub use fit::{fit_edmd, fit_edmd_pairs};
pub use modes::KoopmanModes;
pub use pairs::SnapshotPairs;
pub use pseudospectrum::{
    Pseudospectrum, PseudospectrumGrid, QuadratureForm, Symmetry, pseudospectrum,
    pseudospectrum_published, pseudospectrum_rows,
};

use crate::models::iterate_lifted;
use faer::{Mat, c64};
use serde::{Deserialize, Serialize};

use super::saved::SavedModel;
use super::{FitError, FittedModel, ForecastError, Model, Spectrum};
use crate::data::Trajectory;
use crate::jobs::JobContext;

/// Default share of the snapshot pairs (at the end) held out as the quadrature set.
pub const DEFAULT_RESIDUAL_HOLDOUT: f64 = 0.25;

/// EDMD with its options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edmd {
    /// The dictionary `ψ`.
    pub dictionary: Dictionary,
    /// Fraction of the pairs held out of the fit as the quadrature set for residuals and
    /// the pseudospectrum (residuals on the fit pairs are biased low; CPAM 2024 §3).
    pub residual_holdout: f64,
    /// Where to compute the pseudospectrum `τ_N(z)` as part of the fit (ResDMD R2);
    /// `None` for plain EDMD with residuals.
    pub pseudospectrum: Option<PseudospectrumGrid>,
    /// For measure-preserving dynamics (Lorenz on its attractor, Hamiltonian systems):
    /// replace `G` and `L` by `(G + L)/2` in the fit and the residuals, as Colbrook's
    /// `Lorenz_attractor_example.m` does (spec §1.9, §6.11). Then every eigenvalue lies
    /// in the closed unit disc and every eigenpair's residual on the fit pairs is
    /// `sqrt(1 − |λ|²)`.
    #[serde(default)]
    pub measure_preserving: bool,
}

impl Default for Edmd {
    fn default() -> Self {
        Self {
            dictionary: Dictionary::default(),
            residual_holdout: DEFAULT_RESIDUAL_HOLDOUT,
            pseudospectrum: None,
            measure_preserving: false,
        }
    }
}

impl Edmd {
    /// `resdmd` when the fit includes the pseudospectrum, else `kernel-edmd` for
    /// kernel EDMD's dictionary, else `edmd`.
    pub fn family_name(&self) -> &'static str {
        if self.pseudospectrum.is_some() {
            "resdmd"
        } else if self.dictionary.is_kernel() {
            "kernel-edmd"
        } else {
            "edmd"
        }
    }

    /// Kernel EDMD (Williams, Rowley & Kevrekidis 2015) with `kernel` and the default
    /// expansion size.
    pub fn kernel(kernel: Kernel) -> Self {
        Self {
            dictionary: Dictionary::Kernel {
                kernel,
                functions: dictionary::DEFAULT_KERNEL_FUNCTIONS,
                points: dictionary::DEFAULT_KERNEL_POINTS,
            },
            ..Self::default()
        }
    }
}

impl Model for Edmd {
    fn family(&self) -> &'static str {
        self.family_name()
    }

    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Ok(Box::new(fit_edmd(self, data, job)?))
    }
}

/// A fitted EDMD model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EdmdModel {
    /// State names of the data.
    pub names: Vec<String>,
    /// Sampling interval.
    pub dt: f64,
    /// The fitted dictionary.
    pub dictionary: FittedDictionary,
    /// Koopman matrix `K`, row-major `N × N` (`ψ(y) ≈ ψ(x) K`).
    pub koopman: Vec<f64>,
    /// State read-out `B`, row-major `N × n` (`x ≈ ψ(x) B`).
    pub state_map: Vec<f64>,
    /// Eigenvalues (largest modulus first) and residuals.
    pub spectrum: Spectrum,
    /// The options it was fitted with.
    pub options: Edmd,
    /// Snapshot pairs used for the fit and for the residuals.
    pub pairs: (usize, usize),
    /// The last sample of the training data: the default start of a free run.
    pub last_state: Vec<f64>,
    /// `log10 τ_N(z)` on the grid of [`Edmd::pseudospectrum`], when it was asked for.
    #[serde(default)]
    pub pseudospectrum: Option<Pseudospectrum>,
    /// Samples per delay vector (1: the dictionary acts on the state itself).
    #[serde(default = "one")]
    pub delays: usize,
    /// For delays: the delay vector regressed on `[x, 1]`, row-major `(n + 1) × nd`,
    /// which starts a forecast from one state.
    #[serde(default)]
    pub delay_lift: Vec<f64>,
    /// Koopman modes and amplitudes (state components only, with delays).
    #[serde(default)]
    pub modes: Option<KoopmanModes>,
    /// Eigenvector coefficients `c_j` as columns (in spectrum order); not saved.
    #[serde(skip)]
    pub eigenvectors: Option<Mat<c64>>,
    /// The held-out quadrature set in `M`-independent form; not saved.
    #[serde(skip)]
    pub quadrature: Option<QuadratureForm>,
}

impl PartialEq for EdmdModel {
    /// Equal when everything that is saved is equal.
    fn eq(&self, other: &Self) -> bool {
        self.names == other.names
            && self.dt == other.dt
            && self.dictionary == other.dictionary
            && self.koopman == other.koopman
            && self.state_map == other.state_map
            && self.spectrum == other.spectrum
            && self.options == other.options
            && self.pairs == other.pairs
            && self.last_state == other.last_state
            && self.pseudospectrum == other.pseudospectrum
            && self.delays == other.delays
            && self.delay_lift == other.delay_lift
            && self.modes == other.modes
    }
}

fn one() -> usize {
    1
}

impl EdmdModel {
    /// The dictionary size `N`.
    pub fn size(&self) -> usize {
        self.dictionary.len()
    }

    /// The eigenfunction `φ_j(x) = ψ(x) c_j`, where the eigenvectors are available
    /// (a freshly fitted model, not one read from a file).
    pub fn eigenfunction(&self, j: usize, x: &[f64]) -> Option<c64> {
        let v = self.eigenvectors.as_ref()?;
        if j >= v.ncols() || x.len() != self.dictionary.dim() {
            return None;
        }
        let psi = self.dictionary.eval(x);
        Some(
            psi.iter()
                .enumerate()
                .fold(c64::new(0.0, 0.0), |acc, (i, p)| acc + v[(i, j)] * *p),
        )
    }

    /// Every eigenfunction `φ_j(x) = ψ(x) c_j` at `x` (the dictionary evaluated once),
    /// where the eigenvectors are available.
    pub fn eigenfunctions(&self, x: &[f64]) -> Option<Vec<c64>> {
        let v = self.eigenvectors.as_ref()?;
        if x.len() != self.dictionary.dim() {
            return None;
        }
        let psi = self.dictionary.eval(x);
        Some(
            (0..v.ncols())
                .map(|j| {
                    psi.iter()
                        .enumerate()
                        .fold(c64::new(0.0, 0.0), |acc, (i, p)| acc + v[(i, j)] * *p)
                })
                .collect(),
        )
    }

    /// The vector the dictionary acts on for a start state `x0`: `x0` itself, or with
    /// delays the delay vector regressed on `[x0, 1]`.
    fn lifted_state(&self, x0: &[f64]) -> Vec<f64> {
        if self.delays <= 1 {
            return x0.to_vec();
        }
        let (n, cols) = (self.names.len(), self.dictionary.dim());
        (0..cols)
            .map(|j| {
                (0..n)
                    .map(|i| x0[i] * self.delay_lift[i * cols + j])
                    .sum::<f64>()
                    + self.delay_lift[n * cols + j]
            })
            .collect()
    }

    /// `log10 τ_N(z)` on `grid` from the held-out quadrature pairs (ResDMD R2).
    pub fn compute_pseudospectrum(
        &self,
        grid: &PseudospectrumGrid,
        job: &JobContext,
    ) -> Result<Pseudospectrum, FitError> {
        let form = self.quadrature.as_ref().ok_or_else(|| {
            FitError::Data(format!(
                "no pseudospectrum: it needs at least as many held-out pairs as the {} dictionary functions (had {}), and is not kept in saved files; refit with more data or a larger residual hold-out",
                self.size(),
                self.pairs.1
            ))
        })?;
        Ok(pseudospectrum::pseudospectrum(
            form,
            grid,
            Symmetry::RealData,
            job,
        )?)
    }
}

impl FittedModel for EdmdModel {
    fn family(&self) -> &'static str {
        self.options.family_name()
    }

    fn state_names(&self) -> &[String] {
        &self.names
    }

    fn dt(&self) -> f64 {
        self.dt
    }

    fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
        let n = self.names.len();
        let big_n = self.size();
        // The dictionary acts on delay vectors of `cols` values whose newest block (at
        // `offset`) is the state; without delays cols = n and offset = 0.
        let cols = self.dictionary.dim();
        let offset = cols - n;
        let mut next = vec![0.0; big_n];
        iterate_lifted(
            x0,
            n,
            steps,
            |x0| self.dictionary.eval(&self.lifted_state(x0)),
            // p ← p K (row vector times the Koopman matrix).
            |p| {
                next.iter_mut().for_each(|v| *v = 0.0);
                for (i, pi) in p.iter().enumerate() {
                    let row = &self.koopman[i * big_n..(i + 1) * big_n];
                    for (nj, kij) in next.iter_mut().zip(row) {
                        *nj += pi * kij;
                    }
                }
                std::mem::swap(p, &mut next);
            },
            // x = p B (the state regressed on the dictionary), newest block.
            |p, x| {
                for (j, xj) in x.iter_mut().enumerate() {
                    *xj = (0..big_n)
                        .map(|i| p[i] * self.state_map[i * cols + offset + j])
                        .sum();
                }
            },
        )
    }

    fn last_state(&self) -> &[f64] {
        &self.last_state
    }

    fn eigenfunction(&self, k: usize, x: &[f64]) -> Option<[f64; 2]> {
        EdmdModel::eigenfunction(self, k, x).map(|c| [c.re, c.im])
    }

    fn spectrum(&self) -> Option<&Spectrum> {
        Some(&self.spectrum)
    }

    fn modes(&self) -> Option<&KoopmanModes> {
        self.modes.as_ref()
    }

    fn modal_forecast(
        &self,
        x0: &[f64],
        steps: usize,
        keep: &[usize],
    ) -> Option<Result<Vec<f64>, ForecastError>> {
        self.modes.as_ref()?.forecast_from_state(
            &self.spectrum.eigenvalues,
            x0,
            self.names.len(),
            steps,
            keep,
            |x| self.eigenfunctions(&self.lifted_state(x)),
        )
    }

    fn pseudospectrum(&self) -> Option<&Pseudospectrum> {
        self.pseudospectrum.as_ref()
    }

    fn report(&self) -> serde_json::Value {
        let finite = |v: &f64| {
            if v.is_finite() {
                serde_json::json!(v)
            } else {
                serde_json::Value::Null
            }
        };
        let pseudospectrum = self.pseudospectrum.as_ref().map(|p| {
            let finite = p.log10_tau.iter().copied().filter(|v| v.is_finite());
            serde_json::json!({
                "re": [p.grid.re.0, p.grid.re.1],
                "im": [p.grid.im.0, p.grid.im.1],
                "nx": p.grid.nx,
                "ny": p.grid.ny,
                "min_log10_tau": finite.clone().fold(f64::INFINITY, f64::min),
                "max_log10_tau": finite.fold(f64::NEG_INFINITY, f64::max),
            })
        });
        serde_json::json!({
            "pseudospectrum": pseudospectrum,
            "dictionary": self.options.dictionary,
            "dictionary_size": self.size(),
            "delays": self.delays,
            "eigenvalues": self.spectrum.eigenvalues,
            "residuals": self.spectrum.residuals.iter().map(finite).collect::<Vec<_>>(),
            "continuous_eigenvalues": self.spectrum.continuous(),
            "amplitudes": self.modes.as_ref().map(|m| &m.amplitudes),
            "modes": self.modes.as_ref().map(|m| &m.vectors),
            "fit_pairs": self.pairs.0,
            "residual_pairs": self.pairs.1,
        })
    }

    fn to_saved(&self) -> SavedModel {
        SavedModel::Edmd(self.clone())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_reference;
