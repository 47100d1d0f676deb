//! The rank-rule widget shared by the DMD and Hankel DMD cards: full rank, a fixed
//! rank, an energy threshold, or the Gavish–Donoho optimal hard threshold (SIAM J.
//! Imaging Sci. / IEEE Trans. Inf. Theory 2014) for unknown or known noise.

use crate::models::dmd::{NoiseLevel, Rank};

/// Which rule the card uses; the numbers of every rule are kept so switching back and
/// forth does not lose them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RankChoice {
    /// Every non-negligible singular value.
    #[default]
    Full,
    /// At most `rank` values.
    Fixed,
    /// The smallest rank reaching `energy` of the squared singular values.
    Energy,
    /// Optimal hard threshold, noise level estimated from the median singular value.
    SvhtUnknown,
    /// Optimal hard threshold for a known noise standard deviation.
    SvhtKnown,
}

/// The rank rule's settings as a card stores them.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankRule {
    /// The chosen rule.
    pub choice: RankChoice,
    /// The fixed rank.
    pub rank: usize,
    /// The energy fraction.
    pub energy: f64,
    /// The known noise standard deviation.
    pub sigma: f64,
}

impl Default for RankRule {
    fn default() -> Self {
        Self {
            choice: RankChoice::Full,
            rank: 10,
            energy: 0.999,
            sigma: 0.01,
        }
    }
}

impl RankRule {
    /// The rule as the fitting code takes it.
    pub fn rank(&self) -> Rank {
        match self.choice {
            RankChoice::Full => Rank::Full,
            RankChoice::Fixed => Rank::Fixed(self.rank.max(1)),
            RankChoice::Energy => Rank::Energy(self.energy),
            RankChoice::SvhtUnknown => Rank::Svht(NoiseLevel::Unknown),
            RankChoice::SvhtKnown => Rank::Svht(NoiseLevel::Known(self.sigma)),
        }
    }

    /// Draws the rule's choice and its number.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            ui.label("rank");
            ui.selectable_value(&mut self.choice, RankChoice::Full, "full");
            ui.selectable_value(&mut self.choice, RankChoice::Fixed, "fixed");
            ui.selectable_value(&mut self.choice, RankChoice::Energy, "energy");
            ui.selectable_value(&mut self.choice, RankChoice::SvhtUnknown, "SVHT")
                .on_hover_text("Gavish–Donoho optimal hard threshold, noise level estimated from the median singular value");
            ui.selectable_value(&mut self.choice, RankChoice::SvhtKnown, "SVHT σ")
                .on_hover_text("Gavish–Donoho optimal hard threshold for a known noise standard deviation σ");
        });
        match self.choice {
            RankChoice::Fixed => super::labelled_usize(ui, "rank", &mut self.rank, 1..=500),
            RankChoice::Energy => {
                super::labelled_f64(ui, "energy fraction", &mut self.energy, 0.5..=1.0)
            }
            RankChoice::SvhtKnown => super::labelled_f64(ui, "noise σ", &mut self.sigma, 0.0..=1e3),
            RankChoice::Full | RankChoice::SvhtUnknown => {}
        }
    }
}
