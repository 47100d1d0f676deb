//! The EDMD / ResDMD card: dictionary (monomials with a degree, or Gaussian RBFs with a
//! number of k-means centres), the share of pairs held out for residuals, and whether
//! the fit also computes the ResDMD pseudospectrum on a grid.

use super::{ModelCard, labelled_f64, labelled_usize};
use crate::models::Model;
use crate::models::koopman::dictionary::{DEFAULT_CENTERS, DEFAULT_DEGREE, DEFAULT_KMEANS_SEED};
use crate::models::koopman::{
    DEFAULT_RESIDUAL_HOLDOUT, Dictionary, Edmd, PseudospectrumGrid, StateFeatures,
};

/// Which dictionary family the card builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum DictionaryKind {
    Monomials,
    Rbf,
}

/// Whether the fit also computes `τ_N(z)` on a grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Pseudospectra {
    Off,
    Grid,
}

/// EDMD card settings.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EdmdCard {
    kind: DictionaryKind,
    degree: usize,
    centers: usize,
    holdout: f64,
    pseudospectra: Pseudospectra,
    grid: usize,
}

impl Default for EdmdCard {
    fn default() -> Self {
        Self {
            kind: DictionaryKind::Monomials,
            degree: DEFAULT_DEGREE,
            centers: DEFAULT_CENTERS,
            holdout: DEFAULT_RESIDUAL_HOLDOUT,
            pseudospectra: Pseudospectra::Off,
            grid: 40,
        }
    }
}

impl ModelCard for EdmdCard {
    fn title(&self) -> &'static str {
        "EDMD"
    }

    fn blurb(&self) -> &'static str {
        "Extended DMD: a linear map on a dictionary of functions of the state; every eigenvalue with its ResDMD residual on held-out pairs, optionally the pseudospectrum."
    }

    fn color(&self) -> [u8; 3] {
        [250, 210, 80]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("dictionary");
            ui.selectable_value(&mut self.kind, DictionaryKind::Monomials, "monomials");
            ui.selectable_value(&mut self.kind, DictionaryKind::Rbf, "Gaussian RBF");
        });
        match self.kind {
            DictionaryKind::Monomials => labelled_usize(ui, "degree", &mut self.degree, 1..=6),
            DictionaryKind::Rbf => labelled_usize(ui, "centres", &mut self.centers, 2..=500),
        }
        labelled_f64(ui, "residual hold-out", &mut self.holdout, 0.05..=0.5);
        ui.horizontal(|ui| {
            ui.label("pseudospectrum");
            ui.selectable_value(&mut self.pseudospectra, Pseudospectra::Off, "off");
            ui.selectable_value(&mut self.pseudospectra, Pseudospectra::Grid, "on a grid");
        });
        if self.pseudospectra == Pseudospectra::Grid {
            labelled_usize(ui, "grid points per axis", &mut self.grid, 5..=200);
        }
    }

    fn model(&self) -> Box<dyn Model> {
        let dictionary = match self.kind {
            DictionaryKind::Monomials => Dictionary::Monomials {
                degree: self.degree,
            },
            DictionaryKind::Rbf => Dictionary::Rbf {
                centers: self.centers,
                seed: DEFAULT_KMEANS_SEED,
                state: StateFeatures::Include,
            },
        };
        Box::new(Edmd {
            dictionary,
            residual_holdout: self.holdout,
            pseudospectrum: match self.pseudospectra {
                Pseudospectra::Off => None,
                Pseudospectra::Grid => Some(PseudospectrumGrid::square(1.2, self.grid)),
            },
            ..Edmd::default()
        })
    }
}
