//! The eigenvalue plane: the unit circle and every fitted model's eigenvalues, filled
//! in the model's colour when the eigenpair's ResDMD residual is at most ε (verified),
//! hollow otherwise (a legend row above the plot counts both and hides a model on a
//! click); for a ResDMD fit, the grid points where the pseudospectrum
//! τ_N(z) ≤ ε shaded grey. A toggle switches to continuous time, `ω = log(λ)/Δt`, with
//! the Nyquist limits `±π/Δt`; buttons export the eigenvalues with residuals and the
//! pseudospectrum as CSV.

use std::collections::BTreeSet;

use egui::{Color32, Ui};
use egui_plot::{Line, MarkerShape, PlotPoints, Points};

use super::bench::Bench;
use super::contour_lines::contour_lines;
use super::legend_row::{Entry, legend_row};
use crate::models::koopman::Pseudospectrum;
use crate::render::viridis;

/// What the user asked to export from the eigenvalue plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpectrumExport {
    /// Every fit's eigenvalues, residuals and continuous-time values.
    Eigenvalues,
    /// The (first) ResDMD pseudospectrum on its grid.
    Pseudospectrum,
}

/// Draws the eigenvalue plane; `epsilon` is the residual threshold slider's value,
/// `continuous` the discrete/continuous toggle. Returns an export request.
pub fn spectrum_plot(
    ui: &mut Ui,
    bench: &Bench,
    epsilon: &mut f64,
    continuous: &mut bool,
    paint: &mut super::eigen_paint::EigenPaint,
    modal: &mut super::modal_forecast::ModalForecasts,
) -> Option<SpectrumExport> {
    let mut export = None;
    ui.ctx()
        .data_mut(|d| d.insert_temp(super::spectrum_table::epsilon_id(), *epsilon));
    let has_spectrum = bench
        .cards
        .iter()
        .any(|c| c.outcome().and_then(|o| o.model.spectrum()).is_some());
    let has_pseudospectrum = bench
        .cards
        .iter()
        .any(|c| c.outcome().and_then(|o| o.model.pseudospectrum()).is_some());
    ui.horizontal_wrapped(|ui| {
        ui.strong("Eigenvalues");
        ui.add(
            egui::Slider::new(epsilon, 1e-4..=1.0)
                .logarithmic(true)
                .text("ε"),
        );
        ui.selectable_value(continuous, false, "λ");
        ui.selectable_value(continuous, true, "ω = log λ/Δt");
        if ui
            .add_enabled(has_spectrum, egui::Button::new("Export eigenvalues…"))
            .clicked()
        {
            export = Some(SpectrumExport::Eigenvalues);
        }
        if ui
            .add_enabled(
                has_pseudospectrum,
                egui::Button::new("Export pseudospectrum…"),
            )
            .clicked()
        {
            export = Some(SpectrumExport::Pseudospectrum);
        }
    });
    modal.ui(ui, bench);
    let hidden = legend(ui, bench, *epsilon);
    if *continuous {
        continuous_plot(ui, bench, *epsilon, &hidden);
        return export;
    }
    let circle: PlotPoints = (0..=256)
        .map(|i| {
            let a = i as f64 / 256.0 * std::f64::consts::TAU;
            [a.cos(), a.sin()]
        })
        .collect();
    let selected = paint.selected.and_then(|(c, k)| {
        let spec = bench.cards.get(c)?.outcome()?.model.spectrum()?;
        Some((c, k, *spec.eigenvalues.get(k)?))
    });
    // The painting's status line goes above the plot, which takes the height left.
    if let Some((c, k, l)) = selected {
        let card = &bench.cards[c];
        let has = card.outcome().is_some_and(|o| {
            o.model
                .eigenfunction(k, &vec![0.0; o.model.state_names().len()])
                .is_some()
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{}: λ = {:.4} {} {:.4}i painted (forecasts hidden)",
                card.spec.title(),
                l[0],
                if l[1] < 0.0 { '−' } else { '+' },
                l[1].abs()
            ));
            ui.selectable_value(&mut paint.phase, false, "|φ|");
            ui.selectable_value(&mut paint.phase, true, "arg φ");
            if ui.button("clear").clicked() {
                paint.selected = None;
            }
        });
        if !has {
            ui.label(
                egui::RichText::new(
                    "this fit keeps no eigenfunctions to paint (EDMD read from a file does not keep them; refit it)",
                )
                .small(),
            );
        }
        if let Some(modes) = card.outcome().and_then(|o| o.model.modes())
            && let (Some(v), Some(a)) = (modes.vectors.get(k), modes.amplitudes.get(k))
        {
            let names = card
                .outcome()
                .map(|o| o.model.state_names().to_vec())
                .unwrap_or_default();
            ui.label(egui::RichText::new(mode_text(&names, v, *a)).small());
        }
    } else if bench
        .cards
        .iter()
        .any(|c| c.outcome().and_then(|o| o.model.spectrum()).is_some())
    {
        ui.label(
            egui::RichText::new("click an eigenvalue to paint its eigenfunction on the attractor")
                .small(),
        );
    }
    // A pseudospectrum that is still filling in says how far it has got.
    for card in &bench.cards {
        if let Some((ps, true)) = card.pseudospectrum() {
            let rows = (0..ps.grid.ny)
                .filter(|j| {
                    ps.log10_tau[j * ps.grid.nx..(j + 1) * ps.grid.nx]
                        .iter()
                        .all(|v| !v.is_nan())
                })
                .count();
            ui.label(
                egui::RichText::new(format!(
                    "{}: pseudospectrum computing, {rows} of {} grid rows drawn",
                    card.spec.title(),
                    ps.grid.ny
                ))
                .small(),
            );
        }
    }
    let shown = crate::app::theme::plot("eigenvalue_plane")
        .data_aspect(1.0)
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
                // under its eigenvalues (Colbrook & Townsend, CPAM 2024, Algorithm 2), and
                // log10 τ contours; while the fit runs, the rows computed so far.
                if let Some((ps, partial)) = card.pseudospectrum()
                    && !hidden.contains(&pseudospectrum_key(card.spec.title()))
                {
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
                    draw_contours(plot, ps, partial);
                }
                let Some(spec) = card.outcome().and_then(|o| o.model.spectrum()) else {
                    continue;
                };
                if hidden.contains(card.spec.title()) {
                    continue;
                }
                let (mut ok, mut bad) = (Vec::new(), Vec::new());
                for (l, r) in spec.eigenvalues.iter().zip(&spec.residuals) {
                    if r.is_finite() && *r <= *epsilon {
                        ok.push(*l);
                    } else {
                        bad.push(*l);
                    }
                }
                eigenvalue_points(plot, card.spec.title(), card.color(), ok, bad);
            }
            // The painted eigenvalue's mark goes with its model's points.
            if let Some((c, _, l)) = selected
                && !hidden.contains(bench.cards[c].spec.title())
            {
                plot.points(
                    Points::new("painted on the attractor", vec![l])
                        .color(Color32::WHITE)
                        .shape(MarkerShape::Diamond)
                        .filled(false)
                        .radius(8.0),
                );
            }
        });
    // A click on (or within 10 points of) an eigenvalue paints its eigenfunction; a
    // click elsewhere clears the painting.
    if shown.response.clicked()
        && let Some(pos) = shown.response.interact_pointer_pos()
    {
        let nearest = bench
            .cards
            .iter()
            .enumerate()
            .filter(|(_, card)| !hidden.contains(card.spec.title()))
            .filter_map(|(c, card)| Some((c, card.outcome()?.model.spectrum()?)))
            .flat_map(|(c, spec)| {
                spec.eigenvalues
                    .iter()
                    .enumerate()
                    .map(move |(k, l)| (c, k, *l))
            })
            .map(|(c, k, l)| {
                let at = shown
                    .transform
                    .position_from_point(&egui_plot::PlotPoint::new(l[0], l[1]));
                (c, k, at.distance(pos))
            })
            .min_by(|a, b| a.2.total_cmp(&b.2));
        paint.selected = nearest.filter(|n| n.2 <= 10.0).map(|(c, k, _)| (c, k));
    }
    export
}

/// The legend row over either plane: per fitted model with a spectrum, how many of its
/// eigenpairs have residual ≤ ε; returns the models the user hid.
fn legend(ui: &mut Ui, bench: &Bench, epsilon: f64) -> BTreeSet<String> {
    let entries: Vec<Entry> = bench
        .cards
        .iter()
        .filter_map(|card| {
            let spec = card.outcome()?.model.spectrum()?;
            let verified = spec
                .residuals
                .iter()
                .filter(|r| r.is_finite() && **r <= epsilon)
                .count();
            let title = card.spec.title();
            Some(
                Entry::new(title, card.color())
                    .labelled(format!("{title}: {verified} of {}", spec.eigenvalues.len())),
            )
        })
        .chain(bench.cards.iter().filter_map(|card| {
            card.pseudospectrum()?;
            let title = card.spec.title();
            Some(
                Entry::new(pseudospectrum_key(title), viridis_colour(0.5))
                    .labelled(format!("{title}: τ ≤ ε (grey), log10 τ contours")),
            )
        }))
        .collect();
    legend_row(
        ui,
        "eigenvalues",
        Some("filled: residual ≤ ε; hollow: larger"),
        &entries,
    )
}

/// The viridis colour at `t` in 0..1 (the contours' colour map).
fn viridis_colour(t: f32) -> Color32 {
    let [r, g, b] = viridis(t);
    Color32::from_rgb((r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8)
}

/// The legend key of a card's pseudospectrum (shaded region and contours).
fn pseudospectrum_key(title: &str) -> String {
    format!("{title} pseudospectrum")
}

/// One model's eigenvalues: `verified` filled, `unverified` hollow, both in its colour
/// (the names give the hover text).
fn eigenvalue_points(
    plot: &mut egui_plot::PlotUi<'_>,
    title: &str,
    colour: Color32,
    verified: Vec<[f64; 2]>,
    unverified: Vec<[f64; 2]>,
) {
    for (points, filled, what) in [
        (verified, true, "residual ≤ ε"),
        (unverified, false, "unverified"),
    ] {
        plot.points(
            Points::new(format!("{title}: {what}"), points)
                .color(colour)
                .shape(MarkerShape::Circle)
                .filled(filled)
                .radius(5.0),
        );
    }
}

/// A Koopman mode as text: each state's modulus and phase, and the mode's amplitude.
pub fn mode_text(names: &[String], v: &[[f64; 2]], amplitude: f64) -> String {
    let parts: Vec<String> = v
        .iter()
        .enumerate()
        .map(|(i, [re, im])| {
            let name = names.get(i).cloned().unwrap_or_else(|| format!("x{i}"));
            format!(
                "{name}: {:.3} at {:.0}°",
                re.hypot(*im),
                im.atan2(*re).to_degrees()
            )
        })
        .collect();
    format!("mode: {}   amplitude {amplitude:.3}", parts.join(", "))
}

/// Contours of log10 τ_N(z) at half decades (whole decades when the range is wide),
/// darker for smaller τ, drawn under the eigenvalues.
fn draw_contours(plot: &mut egui_plot::PlotUi, ps: &Pseudospectrum, partial: bool) {
    let levels = contour_levels(&ps.log10_tau);
    let label = if partial {
        "log10 τ contours (computing…)"
    } else {
        "log10 τ contours"
    };
    for (k, level) in levels.iter().enumerate() {
        let shade = if levels.len() > 1 {
            k as f32 / (levels.len() - 1) as f32
        } else {
            0.5
        };
        let colour = viridis_colour(0.15 + 0.75 * shade);
        let grid = ps.grid;
        for line in contour_lines(
            &ps.log10_tau,
            grid.nx,
            grid.ny,
            |i| grid.x(i),
            |j| grid.y(j),
            *level,
        ) {
            plot.line(
                Line::new(label, PlotPoints::from(line))
                    .color(colour)
                    .width(1.2),
            );
        }
    }
}

/// The contour levels for log10 τ values: half decades between the smallest value and
/// 0 (τ ≤ 1; larger τ says nothing), or whole or double decades, so that at most nine
/// levels are drawn.
pub fn contour_levels(log10_tau: &[f64]) -> Vec<f64> {
    let finite = log10_tau.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max).min(0.0);
    if lo >= hi {
        return Vec::new();
    }
    for step in [0.5, 1.0, 2.0] {
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        if last - first < 9 {
            return (first..=last)
                .map(|k| k as f64 * step)
                .filter(|l| *l > lo && *l < hi + 1e-12)
                .collect();
        }
    }
    Vec::new()
}

/// The continuous-time plane: `Re ω` (growth rate) against `Im ω` (angular frequency),
/// with dashed lines at the Nyquist limits `±π/Δt`.
fn continuous_plot(ui: &mut Ui, bench: &Bench, epsilon: f64, hidden: &BTreeSet<String>) {
    crate::app::theme::plot("continuous_plane")
        .x_axis_label("Re ω = log|λ|/Δt")
        .y_axis_label("Im ω = arg λ/Δt")
        .show(ui, |plot| {
            let mut nyquist_drawn = false;
            for card in &bench.cards {
                let Some(spec) = card.outcome().and_then(|o| o.model.spectrum()) else {
                    continue;
                };
                if hidden.contains(card.spec.title()) {
                    continue;
                }
                let (mut ok, mut bad) = (Vec::new(), Vec::new());
                // Eigenvalues at 0 have ω = −∞: left out.
                for (w, r) in spec.continuous().into_iter().zip(&spec.residuals) {
                    if !w[0].is_finite() {
                        continue;
                    }
                    if r.is_finite() && *r <= epsilon {
                        ok.push(w);
                    } else {
                        bad.push(w);
                    }
                }
                if !nyquist_drawn && spec.dt > 0.0 {
                    let ny = std::f64::consts::PI / spec.dt;
                    for sign in [1.0, -1.0] {
                        plot.hline(
                            egui_plot::HLine::new("Nyquist ±π/Δt", sign * ny)
                                .color(Color32::from_rgb(200, 120, 60))
                                .style(egui_plot::LineStyle::dashed_loose()),
                        );
                    }
                    nyquist_drawn = true;
                }
                eigenvalue_points(plot, card.spec.title(), card.color(), ok, bad);
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contour_levels_are_half_decades_below_one_or_decades_when_wide() {
        assert_eq!(
            contour_levels(&[-3.2, 1.0, f64::NAN, -0.7]),
            vec![-3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0]
        );
        assert_eq!(
            contour_levels(&[-9.5, -0.2]),
            vec![-9.0, -8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0]
        );
        // Nothing to draw without a spread of finite values at or below τ = 1.
        assert!(contour_levels(&[f64::NAN, f64::NAN]).is_empty());
        assert!(contour_levels(&[0.5, 2.0]).is_empty());
    }
}
