//! The EDMD / ResDMD card: the dictionary (monomials, Gaussian RBF, thin-plate spline,
//! random Fourier features, kernel EDMD with a Gaussian or Laplacian kernel, Fourier
//! modes) with its size, delay coordinates, the measure-preserving option, the share of
//! pairs held out for residuals, and whether the fit also computes the ResDMD
//! pseudospectrum on a grid; after a fit, the continuous-time table.

use super::{ModelCard, labelled_f64, labelled_usize};
use crate::app::spectrum_table::continuous_table;
use crate::models::koopman::dictionary::{
    DEFAULT_CENTERS, DEFAULT_DEGREE, DEFAULT_KERNEL_FUNCTIONS, DEFAULT_KERNEL_POINTS,
    DEFAULT_KMEANS_SEED, DEFAULT_RFF_FEATURES,
};
use crate::models::koopman::{
    DEFAULT_RESIDUAL_HOLDOUT, Dictionary, Edmd, Kernel, PseudospectrumGrid, StateFeatures,
};
use crate::models::{FittedModel, Model};

/// Which dictionary family the card builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum DictionaryKind {
    Monomials,
    Rbf,
    #[serde(rename = "thin-plate")]
    ThinPlate,
    Rff,
    Kernel,
    Fourier,
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
    features: usize,
    kernel: Kernel,
    kernel_functions: usize,
    modes: usize,
    delays: usize,
    measure_preserving: bool,
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
            features: DEFAULT_RFF_FEATURES,
            kernel: Kernel::Gaussian,
            kernel_functions: DEFAULT_KERNEL_FUNCTIONS,
            modes: 5,
            delays: 1,
            measure_preserving: false,
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
        ui.horizontal_wrapped(|ui| {
            ui.label("dictionary");
            ui.selectable_value(&mut self.kind, DictionaryKind::Monomials, "monomials");
            ui.selectable_value(&mut self.kind, DictionaryKind::Rbf, "Gaussian RBF");
            ui.selectable_value(&mut self.kind, DictionaryKind::ThinPlate, "thin-plate");
            ui.selectable_value(&mut self.kind, DictionaryKind::Rff, "random Fourier");
            ui.selectable_value(&mut self.kind, DictionaryKind::Kernel, "kernel");
            ui.selectable_value(&mut self.kind, DictionaryKind::Fourier, "Fourier modes");
        });
        match self.kind {
            DictionaryKind::Monomials => labelled_usize(ui, "degree", &mut self.degree, 1..=6),
            DictionaryKind::Rbf | DictionaryKind::ThinPlate => {
                labelled_usize(ui, "centres", &mut self.centers, 2..=500)
            }
            DictionaryKind::Rff => labelled_usize(ui, "frequencies", &mut self.features, 1..=500),
            DictionaryKind::Kernel => {
                ui.horizontal(|ui| {
                    ui.label("kernel");
                    ui.selectable_value(&mut self.kernel, Kernel::Gaussian, "Gaussian");
                    ui.selectable_value(&mut self.kernel, Kernel::Laplacian, "Laplacian");
                });
                labelled_usize(ui, "kernel functions", &mut self.kernel_functions, 2..=1000);
            }
            DictionaryKind::Fourier => labelled_usize(ui, "harmonics", &mut self.modes, 1..=50),
        }
        labelled_usize(ui, "delays (1 = none)", &mut self.delays, 1..=50);
        ui.checkbox(&mut self.measure_preserving, "measure preserving (G = L)")
            .on_hover_text("For Lorenz and Hamiltonian systems: G and L replaced by (G + L)/2, so every eigenvalue lies in the unit disc (Colbrook).");
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
        let inner = match self.kind {
            DictionaryKind::Monomials => Dictionary::Monomials {
                degree: self.degree,
            },
            DictionaryKind::Rbf => Dictionary::Rbf {
                centers: self.centers,
                seed: DEFAULT_KMEANS_SEED,
                state: StateFeatures::Include,
            },
            DictionaryKind::ThinPlate => Dictionary::ThinPlate {
                centers: self.centers,
                seed: DEFAULT_KMEANS_SEED,
                state: StateFeatures::Include,
            },
            DictionaryKind::Rff => Dictionary::Rff {
                features: self.features,
                seed: 0,
                state: StateFeatures::Include,
            },
            DictionaryKind::Kernel => Dictionary::Kernel {
                kernel: self.kernel,
                functions: self.kernel_functions,
                points: DEFAULT_KERNEL_POINTS,
            },
            DictionaryKind::Fourier => Dictionary::Fourier { modes: self.modes },
        };
        let dictionary = if self.delays > 1 {
            Dictionary::Delay {
                delays: self.delays,
                inner: Box::new(inner),
            }
        } else {
            inner
        };
        Box::new(Edmd {
            dictionary,
            residual_holdout: self.holdout,
            pseudospectrum: match self.pseudospectra {
                Pseudospectra::Off => None,
                Pseudospectra::Grid => Some(PseudospectrumGrid::square(1.2, self.grid)),
            },
            measure_preserving: self.measure_preserving,
        })
    }

    fn result_ui(&self, ui: &mut egui::Ui, model: &dyn FittedModel) {
        if let Some(spec) = model.spectrum() {
            continuous_table(ui, spec, "edmd");
        }
    }
}
