//! Dynamic mode decomposition: a linear one-step map fitted to snapshot pairs, its
//! eigenvalues (approximations of Koopman eigenvalues), and a ResDMD residual for each
//! eigenpair measured on held-out pairs. Exact DMD, or for noisy data forward–backward
//! or total-least-squares DMD ([`variants`]).
//!
//! # Method
//! Snapshot matrices `X = [x_0 … x_{M−1}]`, `Y = [x_1 … x_M]`; thin SVD `X = U Σ V*`
//! truncated to rank `r`; reduced operator `Ã = U_r* Y V_r Σ_r⁻¹` (exact DMD; the
//! de-biased variants replace this step); eigenpairs of `Ã`.
//! Forecasts iterate `z ↦ Ã z` in the POD coordinates `z = U_r* x`.
//!
//! # References
//! - J. H. Tu, C. W. Rowley, D. M. Luchtenburg, S. L. Brunton, J. N. Kutz, "On dynamic
//!   mode decomposition: theory and applications", J. Comput. Dyn. 1 (2014), Algorithm 2.
//! - P. J. Schmid, "Dynamic mode decomposition of numerical and experimental data",
//!   J. Fluid Mech. 656 (2010).
//! - M. J. Colbrook, A. Townsend, "Rigorous data-driven computation of spectral
//!   properties of Koopman operators for dynamical systems", CPAM 77 (2024) — residuals.

mod fit;
pub mod hankel;
pub mod rank;
mod residual;
pub mod variants;

pub use fit::fit_dmd;
pub use hankel::{HankelDmd, HankelDmdModel};
pub use rank::{NoiseLevel, choose_rank};
pub use variants::DmdVariant;

use serde::{Deserialize, Serialize};

use super::saved::SavedModel;
use super::{FitError, FittedModel, ForecastError, Model, Spectrum, iterate_forecast};
use crate::data::Trajectory;
use crate::jobs::JobContext;
use crate::models::koopman::KoopmanModes;
use faer::c64;

/// How many singular values (POD modes) to keep.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase", tag = "rule", content = "value")]
pub enum Rank {
    /// Every non-negligible singular value.
    #[default]
    Full,
    /// At most this many.
    Fixed(usize),
    /// The smallest rank whose squared singular values reach this fraction of the total.
    Energy(f64),
    /// The Gavish–Donoho optimal hard threshold ([`rank`]).
    Svht(NoiseLevel),
}

/// DMD and its options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dmd {
    /// Rank truncation rule.
    pub rank: Rank,
    /// Exact, forward–backward or total-least-squares DMD.
    #[serde(default)]
    pub variant: DmdVariant,
    /// Fraction of the snapshot pairs (at the end) held out of the fit and used as the
    /// quadrature set for the residuals. Residuals on the fitting pairs themselves would be
    /// biased low (Colbrook & Townsend 2024).
    pub residual_holdout: f64,
}

/// Default share of pairs kept for residuals.
pub const DEFAULT_RESIDUAL_HOLDOUT: f64 = 0.25;

impl Default for Dmd {
    fn default() -> Self {
        Self {
            rank: Rank::Full,
            variant: DmdVariant::Exact,
            residual_holdout: DEFAULT_RESIDUAL_HOLDOUT,
        }
    }
}

impl Model for Dmd {
    fn family(&self) -> &'static str {
        "dmd"
    }

    fn fit(&self, data: &Trajectory, job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Ok(Box::new(fit_dmd(self, data, job)?))
    }
}

/// A fitted exact DMD model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DmdModel {
    /// State names of the data.
    pub names: Vec<String>,
    /// Sampling interval.
    pub dt: f64,
    /// The kept rank `r`.
    pub rank: usize,
    /// POD basis `U_r`, row-major `n × r`.
    pub basis: Vec<f64>,
    /// Reduced operator `Ã`, row-major `r × r`.
    pub operator: Vec<f64>,
    /// All singular values of `X` (for the rank plot).
    pub singular_values: Vec<f64>,
    /// Eigenvalues and residuals.
    pub spectrum: Spectrum,
    /// The options it was fitted with.
    pub options: Dmd,
    /// Snapshot pairs used for the fit and for residuals.
    pub pairs: (usize, usize),
    /// The last sample of the training data: the default start of a free run.
    pub last_state: Vec<f64>,
    /// Eigenvector coefficients `Ξ` of `K = Ãᵀ`, row-major `r × r` complex (column `j`:
    /// the eigenfunction `φ_j(x) = (U_r* x) c_j`); empty in files saved before modes.
    #[serde(default)]
    pub eigenvectors: Vec<[f64; 2]>,
    /// Koopman (projected DMD) modes and amplitudes.
    #[serde(default)]
    pub modes: Option<KoopmanModes>,
}

impl DmdModel {
    /// `φ_j` for every eigenpair from POD coordinates `z = U_r* x`, if the eigenvectors
    /// were kept.
    pub fn eigenfunctions_of_pod(&self, z: &[f64]) -> Option<Vec<c64>> {
        let r = self.rank;
        if self.eigenvectors.len() != r * r || z.len() != r {
            return None;
        }
        Some(
            (0..r)
                .map(|j| {
                    (0..r).fold(c64::new(0.0, 0.0), |acc, i| {
                        let [re, im] = self.eigenvectors[i * r + j];
                        acc + c64::new(re, im) * z[i]
                    })
                })
                .collect(),
        )
    }

    /// POD coordinates `U_r* x`.
    pub fn pod(&self, x: &[f64]) -> Vec<f64> {
        let r = self.rank;
        (0..r)
            .map(|j| {
                x.iter()
                    .enumerate()
                    .map(|(i, xi)| self.basis[i * r + j] * xi)
                    .sum()
            })
            .collect()
    }

    fn dim(&self) -> usize {
        self.names.len()
    }

    /// One step `x ↦ U_r Ã U_r* x`.
    fn step(&self, x: &[f64], out: &mut [f64]) {
        let (n, r) = (self.dim(), self.rank);
        let mut z = vec![0.0; r];
        for (i, xi) in x.iter().enumerate() {
            for j in 0..r {
                z[j] += self.basis[i * r + j] * xi;
            }
        }
        let mut z1 = vec![0.0; r];
        for i in 0..r {
            z1[i] = (0..r).map(|j| self.operator[i * r + j] * z[j]).sum();
        }
        for i in 0..n {
            out[i] = (0..r).map(|j| self.basis[i * r + j] * z1[j]).sum();
        }
    }
}

impl FittedModel for DmdModel {
    fn family(&self) -> &'static str {
        "dmd"
    }

    fn state_names(&self) -> &[String] {
        &self.names
    }

    fn dt(&self) -> f64 {
        self.dt
    }

    fn forecast(&self, x0: &[f64], steps: usize) -> Result<Vec<f64>, ForecastError> {
        iterate_forecast(x0, self.dim(), steps, |x, out| self.step(x, out))
    }

    fn spectrum(&self) -> Option<&Spectrum> {
        Some(&self.spectrum)
    }

    fn modes(&self) -> Option<&KoopmanModes> {
        self.modes.as_ref()
    }

    fn eigenfunction(&self, k: usize, x: &[f64]) -> Option<[f64; 2]> {
        if x.len() != self.dim() {
            return None;
        }
        let phi = self.eigenfunctions_of_pod(&self.pod(x))?;
        phi.get(k).map(|c| [c.re, c.im])
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
            self.dim(),
            steps,
            keep,
            |x| self.eigenfunctions_of_pod(&self.pod(x)),
        )
    }

    fn last_state(&self) -> &[f64] {
        &self.last_state
    }

    /// The one-step map is linear: its Jacobian is `U_r Ã U_r*` everywhere.
    fn jacobian(&self, _x: &[f64]) -> Option<Vec<f64>> {
        let n = self.dim();
        let mut jac = vec![0.0; n * n];
        let mut e = vec![0.0; n];
        let mut col = vec![0.0; n];
        for j in 0..n {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[j] = 1.0;
            self.step(&e, &mut col);
            for i in 0..n {
                jac[i * n + j] = col[i];
            }
        }
        Some(jac)
    }

    fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "rank": self.rank,
            "dmd_variant": self.options.variant.name(),
            "singular_values": self.singular_values,
            "eigenvalues": self.spectrum.eigenvalues,
            "residuals": self.spectrum.residuals.iter().map(|r| if r.is_finite() { serde_json::json!(r) } else { serde_json::Value::Null }).collect::<Vec<_>>(),
            "continuous_eigenvalues": self.spectrum.continuous(),
            "amplitudes": self.modes.as_ref().map(|m| &m.amplitudes),
            "modes": self.modes.as_ref().map(|m| &m.vectors),
            "fit_pairs": self.pairs.0,
            "residual_pairs": self.pairs.1,
        })
    }

    fn to_saved(&self) -> SavedModel {
        SavedModel::Dmd(self.clone())
    }
}
