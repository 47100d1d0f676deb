//! The exact-DMD card: rank and the share of pairs held out for residuals.

use super::{ModelCard, labelled_f64, labelled_usize};
use crate::models::Model;
use crate::models::dmd::{DEFAULT_RESIDUAL_HOLDOUT, Dmd, Rank};

/// DMD card settings.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DmdCard {
    rank: usize,
    holdout: f64,
}

impl Default for DmdCard {
    fn default() -> Self {
        Self {
            rank: 0,
            holdout: DEFAULT_RESIDUAL_HOLDOUT,
        }
    }
}

impl ModelCard for DmdCard {
    fn title(&self) -> &'static str {
        "DMD"
    }

    fn blurb(&self) -> &'static str {
        "Exact DMD: a linear one-step map in POD coordinates; eigenvalues with ResDMD residuals on held-out pairs."
    }

    fn color(&self) -> [u8; 3] {
        [240, 150, 60]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        labelled_usize(ui, "rank (0 = full)", &mut self.rank, 0..=50);
        labelled_f64(ui, "residual hold-out", &mut self.holdout, 0.05..=0.5);
    }

    fn model(&self) -> Box<dyn Model> {
        Box::new(Dmd {
            rank: if self.rank == 0 {
                Rank::Full
            } else {
                Rank::Fixed(self.rank)
            },
            residual_holdout: self.holdout,
            ..Dmd::default()
        })
    }
}
