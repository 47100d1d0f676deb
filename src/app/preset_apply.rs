//! Applying a preset: the system, parameters and initial condition it names, its
//! attractor fast-forwarded, card settings, fits queued for the next frame, view
//! windows opened (an orbit diagram over a chosen parameter), the colouring and an
//! eigenfunction to paint. The system, the cards it fits or configures and the orbit
//! diagram's parameter are checked before anything changes.

use anyhow::Context as _;

use super::preset::Preset;
use super::{ChaosApp, SourceKind, cards, format_vector, live, views};

impl ChaosApp {
    /// Sets the system, parameters and initial condition a preset names, fills in its
    /// attractor, and queues its fits for the next frame.
    pub fn apply_preset(&mut self, p: &Preset) -> anyhow::Result<()> {
        let (system, ic) = p.system()?;
        let mut pending = Vec::new();
        for family in &p.fit {
            let i = self
                .bench
                .index_of(family)
                .with_context(|| format!("the preset asks to fit '{family}', which has no card"))?;
            pending.push(i);
        }
        let mut settings = Vec::new();
        for (title, value) in &p.card_settings {
            let i = self.bench.index_of(title).with_context(|| {
                format!("the preset has settings for a card '{title}', which does not exist")
            })?;
            settings.push((i, value));
        }
        if let Some(name) = &p.orbit_parameter {
            let params = &system.info().params;
            if !params.iter().any(|q| &q.name == name) {
                let names: Vec<&str> = params.iter().map(|q| q.name.as_str()).collect();
                anyhow::bail!(
                    "the preset's orbit_parameter '{name}' is not a parameter of {}; it has {}",
                    system.name(),
                    names.join(", ")
                );
            }
        }
        self.bench.reset();
        for card in &mut self.bench.cards {
            card.spec = cards::fresh(card.spec.title());
        }
        for (i, value) in settings {
            self.bench.cards[i].spec.set_settings(value).map_err(|e| {
                anyhow::anyhow!(
                    "the preset's settings for '{}': {e}",
                    self.bench.cards[i].spec.title()
                )
            })?;
        }
        self.bench.data = Default::default();
        if let Some(periods) = p.data_periods {
            self.bench.data.periods = periods;
        }
        self.source = SourceKind::System;
        if let Some(user) = system.user() {
            self.editor.fill(user.spec());
            self.remember_user_system(&system);
        }
        if p.open_editor {
            self.editor.open = true;
        }
        self.live.set_system(system);
        self.live.initial_condition = ic;
        self.live.reset();
        self.live.fast_forward(p.fast_forward_periods);
        if p.perturb {
            self.live
                .perturb(live::DEFAULT_ENSEMBLE, live::DEFAULT_PERTURBATION, 1);
            self.live.fast_forward(p.after_perturb_periods);
        }
        self.ic_text = format_vector(&self.live.initial_condition);
        self.view.request_frame();
        self.pending_fits = pending;
        if p.characterise {
            self.characterise.request_run();
        }
        let orbit = views::RunRequest {
            parameter: p.orbit_parameter.clone(),
            range: p.orbit_range,
        };
        self.views.open_named(&p.views, orbit);
        self.colour_by = p.colour_by;
        self.eigen_paint = Default::default();
        if let Some(paint) = &p.paint_eigenfunction {
            let card = self.bench.index_of(&paint.card).with_context(|| {
                format!(
                    "the preset paints an eigenfunction of '{}', which has no card",
                    paint.card
                )
            })?;
            self.eigen_paint.selected = Some((card, paint.index));
            self.eigen_paint.phase = paint.phase;
        }
        if let Some(d) = &p.dataset {
            let path = p
                .dataset_path()?
                .context("the preset's dataset has no path")?;
            self.data.dt_text = d.dt.map(|v| v.to_string()).unwrap_or_default();
            self.data.lyapunov_text = d.lyapunov.map(|v| v.to_string()).unwrap_or_default();
            self.data.resample = d.resample;
            self.data.loaded = None;
            self.source = SourceKind::Dataset;
            // The fits wait in `pending_fits` until the file has been read.
            self.data.load(path, self.waker.clone());
        }
        Ok(())
    }
}
