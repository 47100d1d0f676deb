//! The right panel's model card: hyperparameters, "Fit DMD", progress with cancel,
//! and the outcome (or the reason it failed).

use egui::Ui;

use super::fit_job::{FitOutcome, FitSettings};
use crate::jobs::Progress;

/// Where the card's fit stands.
#[derive(Default)]
pub enum FitStatus {
    /// Nothing fitted yet.
    #[default]
    Idle,
    /// Running, with the latest progress.
    Running(Progress),
    /// Finished.
    Done(Box<FitOutcome>),
    /// Failed with a readable reason.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

/// What the user asked the card to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardAction {
    /// Start a fit.
    Fit,
    /// Cancel the running fit.
    Cancel,
}

/// Draws the DMD card.
pub fn dmd_card(ui: &mut Ui, settings: &mut FitSettings, status: &FitStatus) -> Option<CardAction> {
    let mut action = None;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.heading("DMD (exact)");
        ui.label(
            egui::RichText::new(
                "Linear one-step map in POD coordinates; eigenvalues with ResDMD residuals.",
            )
            .small(),
        );
        ui.horizontal(|ui| {
            let l = ui.label("rank (0 = full)");
            ui.add(egui::DragValue::new(&mut settings.rank).range(0..=50))
                .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            let l = ui.label("periods of data");
            ui.add(egui::DragValue::new(&mut settings.periods).range(5.0..=1000.0))
                .labelled_by(l.id);
        });
        let running = matches!(status, FitStatus::Running(_));
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!running, egui::Button::new("Fit DMD"))
                .clicked()
            {
                action = Some(CardAction::Fit);
            }
            if running && ui.button("Cancel").clicked() {
                action = Some(CardAction::Cancel);
            }
        });
        match status {
            FitStatus::Idle => {
                ui.weak("not fitted");
            }
            FitStatus::Running(p) => {
                ui.add(egui::ProgressBar::new(p.fraction).show_percentage());
                ui.label(format!("running: {}", p.message));
            }
            FitStatus::Cancelled => {
                ui.label("cancelled");
            }
            FitStatus::Failed(reason) => {
                ui.colored_label(
                    egui::Color32::from_rgb(255, 110, 90),
                    format!("failed: {reason}"),
                );
            }
            FitStatus::Done(out) => {
                ui.label(format!(
                    "done: fitted on {} samples in {:.1} ms",
                    out.train_samples,
                    out.fit_seconds * 1e3
                ));
                if let Some(spec) = out.model.spectrum() {
                    ui.label(format!("{} eigenvalues", spec.eigenvalues.len()));
                }
                let s = &out.held_out.score;
                if out.lyapunov > 0.0 {
                    ui.strong(format!("VPT = {:.2} Lyapunov times", s.vpt));
                    ui.label(format!("λ_max = {:.3} (QR method)", out.lyapunov));
                } else {
                    ui.strong(format!("VPT = {:.2} time units", s.vpt));
                }
                ui.label(format!("sMAPE = {:.1}", s.smape));
            }
        }
    });
    action
}
