//! The eigenvalue plane: the unit circle and every fitted model's eigenvalues, filled
//! when the eigenpair's ResDMD residual is at most ε (verified), hollow otherwise.

use egui::{Color32, Ui};
use egui_plot::{Legend, Line, MarkerShape, Plot, PlotPoints, Points};

use super::bench::Bench;

/// Draws the eigenvalue plane; `epsilon` is the residual threshold slider's value.
pub fn spectrum_plot(ui: &mut Ui, bench: &Bench, epsilon: &mut f64) {
    ui.horizontal(|ui| {
        ui.strong("Eigenvalues");
        ui.add(
            egui::Slider::new(epsilon, 1e-4..=1.0)
                .logarithmic(true)
                .text("ε"),
        );
    });
    let circle: PlotPoints = (0..=256)
        .map(|i| {
            let a = i as f64 / 256.0 * std::f64::consts::TAU;
            [a.cos(), a.sin()]
        })
        .collect();
    Plot::new("eigenvalue_plane")
        .data_aspect(1.0)
        .legend(Legend::default())
        .include_x(-1.2)
        .include_x(1.2)
        .include_y(-1.2)
        .include_y(1.2)
        .x_axis_label("Re λ")
        .y_axis_label("Im λ")
        .show(ui, |plot| {
            plot.line(
                Line::new("unit circle", circle)
                    .color(Color32::GRAY)
                    .width(1.0),
            );
            for card in &bench.cards {
                let Some(spec) = card.outcome().and_then(|o| o.model.spectrum()) else {
                    continue;
                };
                let (mut ok, mut bad) = (Vec::new(), Vec::new());
                for (l, r) in spec.eigenvalues.iter().zip(&spec.residuals) {
                    if r.is_finite() && *r <= *epsilon {
                        ok.push(*l);
                    } else {
                        bad.push(*l);
                    }
                }
                let title = card.spec.title();
                plot.points(
                    Points::new(format!("{title}: residual ≤ ε ({})", ok.len()), ok)
                        .color(card.color())
                        .shape(MarkerShape::Circle)
                        .filled(true)
                        .radius(5.0),
                );
                plot.points(
                    Points::new(format!("{title}: unverified ({})", bad.len()), bad)
                        .color(card.color())
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(5.0),
                );
            }
        });
}
