//! "Attractors side by side": the held-out truth and every fitted model's long free run
//! as small multiples with one shared camera (turn one, all turn), so a reader sees
//! which model reproduces the attractor's shape even where its forecast has long
//! diverged — the compare view's second panel. D_stsp and D_H in the metrics table
//! measure the same thing in numbers.

use std::sync::Arc;

use crate::app::bench::Bench;
use crate::app::fit_job::points_3d;
use crate::render::{ColourBy, Curve, LinkedViews, Scene};

/// Renderer ids of the small multiples (apart from the main view's and others').
const FIRST_VIEW_ID: u64 = 1 << 20;
/// Colour of the truth.
const TRUTH_COLOR: [f32; 4] = [0.35, 0.75, 1.0, 1.0];
/// Columns of the grid.
const COLUMNS: usize = 3;

/// State of the side-by-side views.
pub struct SideBySideView {
    /// Shown in the window's central area instead of the live 3-D view.
    pub open: bool,
    /// Where the grid was drawn last frame (`None` while not shown), for PNG export.
    pub rect: Option<egui::Rect>,
    linked: LinkedViews,
    /// Free-run points per fit id, so they are converted once.
    cache: Vec<(u64, Arc<Vec<[f32; 3]>>)>,
}

impl Default for SideBySideView {
    fn default() -> Self {
        Self {
            open: false,
            rect: None,
            linked: LinkedViews::new(FIRST_VIEW_ID),
            cache: Vec::new(),
        }
    }
}

impl SideBySideView {
    /// The scenes to draw: the truth (the first fit's held-out part), then each fitted
    /// card's free run of the same length, titled.
    pub fn scenes(&mut self, bench: &Bench, dots: bool) -> Vec<(String, Scene)> {
        let curve = |points: Arc<Vec<[f32; 3]>>, color: [f32; 4], generation: u64| Curve {
            points,
            color,
            generation,
            appended: 0,
            fade: false,
            dots,
            colour_by: ColourBy::Solid,
            scalars: None,
        };
        let mut scenes = Vec::new();
        let Some(first) = bench.cards.iter().find_map(|c| c.outcome()) else {
            return scenes;
        };
        let truth = self.points(first.id << 1, || {
            points_3d(first.test.samples(), first.test.dim())
        });
        scenes.push((
            format!("truth: the held-out part ({} samples)", first.test.len()),
            Scene {
                curves: vec![curve(truth, TRUTH_COLOR, (9 << 40) + (first.id << 1))],
            },
        ));
        for card in &bench.cards {
            let Some(out) = card.outcome() else { continue };
            let run = &out.comparison.free_run;
            let dim = out.test.dim();
            let title = match (out.comparison.free_run_diverged_at, run.is_empty()) {
                (_, true) => format!("{}: no free run", card.spec.title()),
                (Some(step), _) => format!(
                    "{}: free run diverged after {step} steps",
                    card.spec.title()
                ),
                (None, false) => format!(
                    "{}: free run (D_stsp {})",
                    card.spec.title(),
                    out.comparison
                        .d_stsp
                        .map_or("–".into(), |d| format!("{d:.2}"))
                ),
            };
            let points = self.points((out.id << 1) | 1, || points_3d(run, dim));
            let [r, g, b] = card.spec.color();
            scenes.push((
                title,
                Scene {
                    curves: vec![curve(
                        points,
                        [r, g, b, 255].map(|c| f32::from(c) / 255.0),
                        (9 << 40) + ((out.id << 1) | 1),
                    )],
                },
            ));
        }
        scenes
    }

    fn points(&mut self, key: u64, make: impl FnOnce() -> Vec<[f32; 3]>) -> Arc<Vec<[f32; 3]>> {
        if let Some((_, p)) = self.cache.iter().find(|(k, _)| *k == key) {
            return p.clone();
        }
        let p = Arc::new(make());
        self.cache.push((key, p.clone()));
        // Keep the cache to the fits on screen and a few before.
        if self.cache.len() > 32 {
            self.cache.remove(0);
        }
        p
    }

    /// Draws the views in `ui` (the window's central area, in place of the live 3-D
    /// view): a header with a way back to the live orbit, then the grid; `dots` for
    /// maps. Drawing them in the central area rather than a floating window spares the
    /// live view behind it and a blended window fill, about 40 ms of CPU per frame on a
    /// software rasteriser (measured with `gui --frame-times`).
    pub fn ui(&mut self, ui: &mut egui::Ui, bench: &Bench, dots: bool) {
        ui.horizontal(|ui| {
            ui.strong("Attractors side by side");
            ui.label(
                egui::RichText::new(
                    "drag any view to turn all; double-click to frame them on the truth",
                )
                .small(),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("Show the live orbit")
                    .on_hover_text("Back to the live 3-D view (Views → Attractors side by side brings these back)")
                    .clicked()
                {
                    self.open = false;
                }
            });
        });
        let rect = ui.available_rect_before_wrap();
        self.grid(ui, bench, dots);
        self.rect = Some(rect);
    }

    /// The grid of the truth and each free run, filling `ui`'s remaining space (what
    /// the PNG export draws).
    pub fn grid(&mut self, ui: &mut egui::Ui, bench: &Bench, dots: bool) {
        let scenes = self.scenes(bench, dots);
        if scenes.is_empty() {
            ui.label("Fit one or more models (\"Compare all\" in the Models panel): the held-out truth and each model's free run appear here side by side, turned together.");
            return;
        }
        let columns = COLUMNS.min(scenes.len());
        let rows = scenes.len().div_ceil(columns);
        let avail = ui.available_size();
        let w = ((avail.x - 6.0 * (columns - 1) as f32) / columns as f32).max(120.0);
        let h = ((avail.y - 24.0 * rows as f32) / rows as f32).max(100.0);
        self.linked.ui(ui, &scenes, columns, egui::vec2(w, h));
    }

    /// A copy that draws what the views show now and never re-frames: for drawing them
    /// once more offscreen at a higher resolution.
    pub fn still_copy(&self) -> Self {
        Self {
            open: self.open,
            rect: self.rect,
            linked: self.linked.still_copy(),
            cache: self.cache.clone(),
        }
    }
}
