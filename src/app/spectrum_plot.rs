//! The eigenvalue plane: the unit circle and each eigenvalue, filled when its ResDMD
//! residual is at most ε (verified) and hollow otherwise.

use egui::{Color32, Ui};
use egui_plot::{Legend, Line, MarkerShape, Plot, PlotPoints, Points};

use crate::models::Spectrum;

/// Draws the eigenvalue plane; `epsilon` is the residual threshold slider's value.
pub fn spectrum_plot(ui: &mut Ui, spectrum: Option<&Spectrum>, epsilon: &mut f64) {
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
            if let Some(spec) = spectrum {
                let (mut ok, mut bad) = (Vec::new(), Vec::new());
                for (l, r) in spec.eigenvalues.iter().zip(&spec.residuals) {
                    if r.is_finite() && *r <= *epsilon {
                        ok.push(*l);
                    } else {
                        bad.push(*l);
                    }
                }
                plot.points(
                    Points::new(format!("residual ≤ ε ({})", ok.len()), ok)
                        .color(Color32::from_rgb(80, 200, 120))
                        .shape(MarkerShape::Circle)
                        .filled(true)
                        .radius(5.0),
                );
                plot.points(
                    Points::new(format!("unverified ({})", bad.len()), bad)
                        .color(Color32::from_rgb(240, 150, 60))
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(5.0),
                );
            }
        });
}
