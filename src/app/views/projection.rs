//! The 2-D projection window: the live orbit's trail projected on two chosen drawn
//! coordinates (x–z for Lorenz's butterfly), newest points last, updated every frame.
//! Long trails are thinned to at most [`MAX_POINTS`] evenly spaced samples, which keeps
//! the plot cheap at a million-point trail and changes nothing visible.

use egui::Color32;
use egui_plot::{Line, PlotPoints, Points};

use super::coordinate_names;
use crate::app::live::LiveSimulation;
use crate::systems::Kind;

/// Most points handed to the plot per frame.
pub const MAX_POINTS: usize = 20_000;

/// State of the projection window.
pub struct ProjectionView {
    /// Window shown.
    pub open: bool,
    /// Where the window was drawn last frame (`None` while closed), for PNG export.
    pub rect: Option<egui::Rect>,
    /// The horizontal and vertical coordinates (indices into the drawn three).
    pub axes: [usize; 2],
}

impl Default for ProjectionView {
    fn default() -> Self {
        Self {
            open: false,
            rect: None,
            axes: [0, 2],
        }
    }
}

impl ProjectionView {
    /// The projected trail: `(p[a], p[b])` for at most [`MAX_POINTS`] evenly spaced
    /// points, the newest always included.
    pub fn projected(&self, trail: &[[f32; 3]]) -> Vec<[f64; 2]> {
        let [a, b] = self.axes.map(|k| k.min(2));
        let stride = trail.len().div_ceil(MAX_POINTS).max(1);
        let offset = (trail.len().max(1) - 1) % stride;
        trail
            .iter()
            .skip(offset)
            .step_by(stride)
            .map(|p| [f64::from(p[a]), f64::from(p[b])])
            .collect()
    }

    /// Draws the window.
    pub fn show(&mut self, ctx: &egui::Context, live: &LiveSimulation) {
        if !self.open {
            self.rect = None;
            return;
        }
        let mut open = self.open;
        let shown = crate::app::theme::show_window(
            ctx,
            "2-D projection",
            egui::Window::new("2-D projection")
                .open(&mut open)
                .default_size([380.0, 320.0])
                .default_pos([300.0, 80.0]),
            |ui| self.ui(ui, live),
        );
        self.rect = shown.map(|r| r.response.rect);
        self.open = open;
    }

    fn ui(&mut self, ui: &mut egui::Ui, live: &LiveSimulation) {
        let names = coordinate_names(live);
        for (axis, label) in ["horizontal", "vertical"].into_iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(label);
                for (j, name) in names.iter().enumerate() {
                    ui.selectable_value(&mut self.axes[axis], j, name.as_str());
                }
            });
        }
        let points = self.projected(&live.trail());
        let colour = Color32::from_rgb(90, 190, 255);
        crate::app::theme::plot("projection")
            .data_aspect(1.0)
            .x_axis_label(names[self.axes[0].min(2)].clone())
            .y_axis_label(names[self.axes[1].min(2)].clone())
            .allow_scroll(false)
            .show(ui, |plot| {
                let newest = points.last().copied();
                if live.system.kind() == Kind::Map {
                    plot.points(Points::new("iterates", points).color(colour).radius(1.0));
                } else {
                    plot.line(Line::new("orbit", PlotPoints::from(points)).color(colour));
                }
                if let Some(p) = newest {
                    plot.points(
                        Points::new("now", vec![p])
                            .color(Color32::from_rgb(255, 230, 60))
                            .radius(4.0),
                    );
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_picks_the_axes_and_thins_long_trails_keeping_the_newest() {
        let trail: Vec<[f32; 3]> = (0..50_001)
            .map(|i| [i as f32, 2.0 * i as f32, -(i as f32)])
            .collect();
        let view = ProjectionView {
            axes: [2, 1],
            ..ProjectionView::default()
        };
        let p = view.projected(&trail);
        assert!(p.len() <= MAX_POINTS, "{}", p.len());
        assert!(p.len() > MAX_POINTS / 2);
        assert_eq!(*p.last().expect("points"), [-50_000.0, 100_000.0]);
        // Evenly spaced: constant steps in the first projected coordinate.
        let step = p[1][0] - p[0][0];
        assert!(p.windows(2).all(|w| w[1][0] - w[0][0] == step));
        // Short trails are kept whole.
        assert_eq!(view.projected(&trail[..100]).len(), 100);
    }
}
