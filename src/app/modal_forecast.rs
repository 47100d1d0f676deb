//! Forecasts from chosen Koopman eigenpairs: with "verified only" on, every spectral
//! fit's held-out forecast is also made from the eigenpairs whose ResDMD residual is at
//! most ε alone (`x_k = Re Σ λ_j^k φ_j(x_0) v_j` over those), drawn in the 3-D view
//! beside the full forecast and scored the same way, so a user sees whether the
//! verified part of the spectrum carries the dynamics (Colbrook, Ayton & Szőke, J.
//! Fluid Mech. 955 (2023) §4).
//!
//! Results are cached per fit and ε; a forecast is a few thousand multiply–adds per
//! step, cheap enough to redo on the UI thread while the ε slider moves.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use egui::Ui;

use super::bench::Bench;
use super::fit_job::points_3d;
use crate::eval::forecast::{DEFAULT_VPT_THRESHOLD, score_forecast};
use crate::models::ForecastError;

/// Renderer generations of modal forecasts: above those of trails, datasets, ensembles
/// and fits (which offset theirs by multiples of 2⁴⁰).
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1 << 56);

/// One card's verified-only forecast.
#[derive(Clone, Debug)]
pub struct ModalForecast {
    /// The card it belongs to.
    pub card: usize,
    /// The fit it was made from ([`super::fit_job::FitOutcome::id`]).
    outcome: u64,
    /// The ε it used.
    epsilon: f64,
    /// Eigenpairs kept and in all.
    pub kept: usize,
    /// Eigenpairs in all.
    pub total: usize,
    /// Forecast states for the 3-D view.
    pub points: Arc<Vec<[f32; 3]>>,
    /// Identifies `points` for the renderer's buffers (new points, new number).
    pub generation: u64,
    /// Its valid prediction time (same unit as the card's).
    pub vpt: f64,
    /// The full forecast's, for comparison.
    pub full_vpt: f64,
    /// Why there is no forecast (no verified eigenpair, divergence), if so.
    pub note: Option<String>,
}

/// The "forecast with verified eigenpairs only" switch and its cached results.
#[derive(Default)]
pub struct ModalForecasts {
    /// Whether verified-only forecasts are made and drawn.
    pub verified_only: bool,
    /// One per spectral card with a fit.
    pub forecasts: Vec<ModalForecast>,
}

impl ModalForecasts {
    /// Brings the cache up to date with the bench's fits and `epsilon`.
    pub fn update(&mut self, bench: &Bench, epsilon: f64) {
        if !self.verified_only {
            self.forecasts.clear();
            return;
        }
        let mut next = Vec::new();
        for (c, card) in bench.cards.iter().enumerate() {
            let Some(out) = card.outcome() else { continue };
            let Some(spec) = out.model.spectrum() else {
                continue;
            };
            if out.model.modes().is_none() {
                continue;
            }
            if let Some(old) = self
                .forecasts
                .iter()
                .find(|f| f.card == c && f.outcome == out.id && f.epsilon == epsilon)
            {
                next.push(old.clone());
                continue;
            }
            let keep: Vec<usize> = (0..spec.eigenvalues.len())
                .filter(|&j| spec.residuals.get(j).is_some_and(|r| *r <= epsilon))
                .collect();
            let test = &out.test;
            let steps = test.len().saturating_sub(1);
            let mut entry = ModalForecast {
                card: c,
                outcome: out.id,
                epsilon,
                kept: keep.len(),
                total: spec.eigenvalues.len(),
                points: Arc::new(Vec::new()),
                generation: NEXT_GENERATION.fetch_add(1, Ordering::Relaxed),
                vpt: 0.0,
                full_vpt: out.held_out.score.vpt,
                note: None,
            };
            if keep.is_empty() {
                entry.note = Some("no eigenpair has residual ≤ ε".into());
                next.push(entry);
                continue;
            }
            let rows = match out.model.modal_forecast(test.row(0), steps, &keep) {
                Some(Ok(rows)) => rows,
                Some(Err(ForecastError::Diverged { step, prefix })) => {
                    entry.note = Some(format!("diverged after {step} steps"));
                    prefix
                }
                Some(Err(e)) => {
                    entry.note = Some(e.to_string());
                    Vec::new()
                }
                None => continue,
            };
            let score = score_forecast(
                test.samples(),
                &rows,
                test.dim(),
                test.dt(),
                &out.train_std,
                out.lyapunov,
                DEFAULT_VPT_THRESHOLD,
            );
            entry.vpt = score.vpt;
            entry.points = Arc::new(points_3d(&rows, test.dim()));
            next.push(entry);
        }
        self.forecasts = next;
    }

    /// The switch and one line per card: eigenpairs kept and both VPTs.
    pub fn ui(&mut self, ui: &mut Ui, bench: &Bench) {
        let has_modes = bench
            .cards
            .iter()
            .any(|c| c.outcome().is_some_and(|o| o.model.modes().is_some()));
        ui.add_enabled(
            has_modes,
            egui::Checkbox::new(&mut self.verified_only, "forecast with verified eigenpairs only"),
        )
        .on_hover_text("also forecast the held-out part from the eigenpairs with residual ≤ ε alone (drawn in the card's colour, lighter)");
        for f in &self.forecasts {
            let Some(card) = bench.cards.get(f.card) else {
                continue;
            };
            let unit = card.outcome().map_or("", |o| {
                if o.lyapunov > 0.0 {
                    "Lyapunov times"
                } else {
                    "time units"
                }
            });
            let text = match &f.note {
                Some(note) if f.points.is_empty() => {
                    format!(
                        "{}: {} of {} eigenpairs verified; {note}",
                        card.spec.title(),
                        f.kept,
                        f.total
                    )
                }
                note => format!(
                    "{}: {} of {} eigenpairs verified, VPT {:.2} (all eigenpairs {:.2}) {unit}{}",
                    card.spec.title(),
                    f.kept,
                    f.total,
                    f.vpt,
                    f.full_vpt,
                    note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()
                ),
            };
            ui.label(egui::RichText::new(text).small());
        }
    }
}

/// A colour halfway between `rgb` and white: the verified-only forecast of a card.
pub fn lighter([r, g, b]: [u8; 3]) -> [u8; 3] {
    let mix = |c: u8| ((c as u16 + 255) / 2) as u8;
    [mix(r), mix(g), mix(b)]
}
