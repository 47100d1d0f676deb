//! The Hankel DMD card: exact (or forward–backward / TLS) DMD on delay vectors of
//! `delays` stacked samples, with a rank rule and the residual hold-out; after a fit,
//! the continuous-time table.

use super::rank_rule::RankRule;
use super::{ModelCard, labelled_f64, labelled_usize};
use crate::app::spectrum_table::continuous_table;
use crate::models::dmd::hankel::DEFAULT_DELAYS;
use crate::models::dmd::{DEFAULT_RESIDUAL_HOLDOUT, DmdVariant, HankelDmd};
use crate::models::{FittedModel, Model};

/// Hankel DMD card settings.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HankelDmdCard {
    delays: usize,
    rank_rule: RankRule,
    variant: DmdVariant,
    holdout: f64,
}

impl Default for HankelDmdCard {
    fn default() -> Self {
        Self {
            delays: DEFAULT_DELAYS,
            rank_rule: RankRule::default(),
            variant: DmdVariant::Exact,
            holdout: DEFAULT_RESIDUAL_HOLDOUT,
        }
    }
}

impl ModelCard for HankelDmdCard {
    fn title(&self) -> &'static str {
        "Hankel DMD"
    }

    fn blurb(&self) -> &'static str {
        "Time-delay DMD (Arbabi & Mezić 2017): exact DMD on vectors of stacked samples, so a few observables can carry a rich spectrum; residuals on held-out delay pairs."
    }

    fn color(&self) -> [u8; 3] {
        [230, 110, 160]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        labelled_usize(ui, "delays", &mut self.delays, 1..=200);
        ui.horizontal(|ui| {
            ui.label("variant");
            ui.selectable_value(&mut self.variant, DmdVariant::Exact, "exact");
            ui.selectable_value(&mut self.variant, DmdVariant::Fb, "fb");
            ui.selectable_value(&mut self.variant, DmdVariant::Tls, "tls");
        });
        self.rank_rule.ui(ui);
        labelled_f64(ui, "residual hold-out", &mut self.holdout, 0.05..=0.5);
    }

    fn model(&self) -> Box<dyn Model> {
        Box::new(HankelDmd {
            delays: self.delays.max(1),
            rank: self.rank_rule.rank(),
            variant: self.variant,
            residual_holdout: self.holdout,
        })
    }

    fn result_ui(&self, ui: &mut egui::Ui, model: &dyn FittedModel) {
        if let Some(spec) = model.spectrum() {
            continuous_table(ui, spec, "hankel_dmd");
        }
    }
}
