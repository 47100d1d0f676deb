//! The eigenvalue plane: the unit circle and every fitted model's eigenvalues, filled
//! when the eigenpair's ResDMD residual is at most ε (verified), hollow otherwise; for a
//! ResDMD fit, the grid points where the pseudospectrum τ_N(z) ≤ ε shaded grey.

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
                // The ε-pseudospectrum {z : τ_N(z) ≤ ε} of a ResDMD fit, as a grey region
                // under its eigenvalues (Colbrook & Townsend, CPAM 2024, Algorithm 2).
                if let Some(ps) = card.outcome().and_then(|o| o.model.pseudospectrum()) {
                    let level = epsilon.log10();
                    let inside: Vec<[f64; 2]> = (0..ps.grid.ny)
                        .flat_map(|j| (0..ps.grid.nx).map(move |i| (i, j)))
                        .filter(|&(i, j)| ps.log10_tau[j * ps.grid.nx + i] <= level)
                        .map(|(i, j)| [ps.grid.x(i), ps.grid.y(j)])
                        .collect();
                    plot.points(
                        Points::new(format!("{}: τ(z) ≤ ε", card.spec.title()), inside)
                            .color(Color32::from_gray(170))
                            .shape(MarkerShape::Square)
                            .filled(true)
                            .radius(2.5),
                    );
                }
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
