//! The DMD card: variant (exact, forward–backward, total least squares), rank rule and
//! the share of pairs held out for residuals; after a fit, the continuous-time table.

use super::rank_rule::RankRule;
use super::{ModelCard, labelled_f64};
use crate::app::spectrum_table::continuous_table;
use crate::models::dmd::{DEFAULT_RESIDUAL_HOLDOUT, Dmd, DmdVariant, Rank};
use crate::models::{FittedModel, Model};

/// DMD card settings.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DmdCard {
    /// A fixed rank from sessions saved before the rank rule existed (0 = none).
    rank: usize,
    rank_rule: RankRule,
    variant: DmdVariant,
    holdout: f64,
}

impl Default for DmdCard {
    fn default() -> Self {
        Self {
            rank: 0,
            rank_rule: RankRule::default(),
            variant: DmdVariant::Exact,
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
        ui.horizontal(|ui| {
            ui.label("variant");
            ui.selectable_value(&mut self.variant, DmdVariant::Exact, "exact");
            ui.selectable_value(&mut self.variant, DmdVariant::Fb, "fb");
            ui.selectable_value(&mut self.variant, DmdVariant::Tls, "tls");
        });
        let before = self.rank_rule;
        self.rank_rule.ui(ui);
        if self.rank_rule != before {
            self.rank = 0;
        }
        labelled_f64(ui, "residual hold-out", &mut self.holdout, 0.05..=0.5);
    }

    fn model(&self) -> Box<dyn Model> {
        Box::new(Dmd {
            rank: if self.rank > 0 && self.rank_rule == RankRule::default() {
                Rank::Fixed(self.rank)
            } else {
                self.rank_rule.rank()
            },
            variant: self.variant,
            residual_holdout: self.holdout,
        })
    }

    fn result_ui(&self, ui: &mut egui::Ui, model: &dyn FittedModel) {
        if let Some(spec) = model.spectrum() {
            continuous_table(ui, spec, "dmd");
        }
    }
}
