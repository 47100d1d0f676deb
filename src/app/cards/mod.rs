//! Model cards: one per model family, each a small panel with the family's
//! hyperparameters. A card only describes its model; the [`super::bench::Bench`] runs
//! the fits, shows progress, cancel and results the same way for every family.
//!
//! Adding a family to the window = one new file here implementing [`ModelCard`] and
//! one line in [`all_cards`].

mod dmd;
mod edmd;
mod hankel_dmd;
mod plrnn;
mod rank_rule;
mod reservoir;
mod sindy;
mod sindy_heatmap;

use crate::models::{FittedModel, Model};

/// The family-specific part of a card. Its settings serialise (derive `Serialize` and
/// `Deserialize` with `#[serde(default, deny_unknown_fields)]`) so sessions save them.
pub trait ModelCard: Send + super::session::CardSettings {
    /// Title, also used in button labels ("Fit DMD") and plot legends.
    fn title(&self) -> &'static str;
    /// One sentence on what the model is.
    fn blurb(&self) -> &'static str;
    /// The model's colour in plots and in the 3-D view (sRGB).
    fn color(&self) -> [u8; 3];
    /// Draws the hyperparameter widgets.
    fn settings_ui(&mut self, ui: &mut egui::Ui);
    /// The model with the current settings.
    fn model(&self) -> Box<dyn Model>;
    /// Family-specific results below the common ones (SINDy's inclusion probabilities
    /// and Pareto front); nothing by default.
    fn result_ui(&self, _ui: &mut egui::Ui, _model: &dyn FittedModel) {}
    /// Family-specific progress below the live curve while a fit runs (the PLRNN's
    /// metric history); nothing by default.
    fn progress_ui(&self, _ui: &mut egui::Ui, _progress: &crate::jobs::Progress) {}
    /// The model's current orbit while it trains, for the 3-D view, with a number that
    /// changes whenever the orbit does; `None` by default.
    fn live_orbit(
        &self,
        _progress: &crate::jobs::Progress,
    ) -> Option<(u64, std::sync::Arc<Vec<[f32; 3]>>)> {
        None
    }
    /// Whether a fitted model of this family can train further ("Continue training").
    fn can_continue(&self) -> bool {
        false
    }
    /// The model that continues training `fitted` with the current settings; `None`
    /// for families that fit in one go.
    fn continue_model(&self, _fitted: &dyn FittedModel) -> Option<Box<dyn Model>> {
        None
    }
}

/// Every card the bench shows, in order.
pub fn all_cards() -> Vec<Box<dyn ModelCard>> {
    vec![
        Box::new(dmd::DmdCard::default()),
        Box::new(hankel_dmd::HankelDmdCard::default()),
        Box::new(edmd::EdmdCard::default()),
        Box::new(sindy::SindyCard::default()),
        Box::new(plrnn::PlrnnCard::default()),
        Box::new(reservoir::EsnCard::default()),
        Box::new(reservoir::NvarCard::default()),
    ]
}

/// A new card with default settings for the family titled `title` (the first card
/// when no title matches, which [`all_cards`] rules out for titles it produced).
pub fn fresh(title: &str) -> Box<dyn ModelCard> {
    let mut cards = all_cards();
    let i = cards.iter().position(|c| c.title() == title).unwrap_or(0);
    cards.swap_remove(i)
}

/// A labelled integer field; labelled so screen readers and UI tests can find it.
pub fn labelled_usize(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut usize,
    range: std::ops::RangeInclusive<usize>,
) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(value).range(range))
            .labelled_by(l.id);
    });
}

/// A labelled number field.
pub fn labelled_f64(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut f64,
    range: std::ops::RangeInclusive<f64>,
) {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(value).range(range).speed(0.01))
            .labelled_by(l.id);
    });
}
