//! Forecast divergence: each model's normalised forecast error against the held-out
//! truth versus time in Lyapunov times, with the VPT threshold and each crossing
//! marked; and the first variable, truth against every forecast.

use egui::{Color32, Ui};
use egui_plot::{FilledArea, HLine, Legend, Line, Plot, PlotPoints, VLine};

use super::bench::Bench;
use crate::eval::forecast::DEFAULT_VPT_THRESHOLD;

const TRUTH: Color32 = Color32::from_rgb(120, 170, 255);

/// Draws each model's median error over the held-out starts with its inter-quartile
/// band, the threshold, and the median VPT.
pub fn divergence_plot(ui: &mut Ui, bench: &Bench) {
    let outcomes: Vec<_> = bench
        .cards
        .iter()
        .filter_map(|c| c.outcome().map(|o| (c, o)))
        .collect();
    let unit = match outcomes.first() {
        Some((_, o)) if o.lyapunov <= 0.0 => "time",
        _ => "Lyapunov times",
    };
    ui.strong("Forecast error: median, IQR of 20 starts");
    Plot::new("divergence")
        .legend(Legend::default())
        .x_axis_label(format!("t ({unit})"))
        .y_axis_label("normalised error")
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |plot| {
            plot.hline(
                HLine::new(
                    format!("threshold {DEFAULT_VPT_THRESHOLD}"),
                    DEFAULT_VPT_THRESHOLD,
                )
                .color(Color32::GRAY),
            );
            for (card, o) in &outcomes {
                let c = &o.comparison;
                let title = card.spec.title();
                // Infinite errors (diverged forecasts) are clipped so the band stays drawable.
                let clip = |v: &[f64]| v.iter().map(|e| e.min(1e3)).collect::<Vec<f64>>();
                let xs: Vec<f64> = (0..c.error_median.len())
                    .map(|k| k as f64 * c.step_in_units)
                    .collect();
                if !xs.is_empty() {
                    plot.add(
                        FilledArea::new(
                            format!("{title} IQR"),
                            &xs,
                            &clip(&c.error_q25),
                            &clip(&c.error_q75),
                        )
                        .fill_color(card.color().gamma_multiply(0.25)),
                    );
                }
                let pts: PlotPoints = xs
                    .iter()
                    .zip(clip(&c.error_median))
                    .map(|(x, e)| [*x, e])
                    .collect();
                plot.line(Line::new(title, pts).color(card.color()).width(2.0));
                if c.vpt.is_finite() {
                    plot.vline(
                        VLine::new(format!("{title} VPT = {:.2}", c.vpt), c.vpt)
                            .color(card.color()),
                    );
                }
            }
        });
}

/// Draws the first state variable of the truth and of every forecast against time.
pub fn series_plot(ui: &mut Ui, bench: &Bench) {
    let outcomes: Vec<_> = bench
        .cards
        .iter()
        .filter_map(|c| c.outcome().map(|o| (c, o)))
        .collect();
    let name = outcomes
        .first()
        .map(|(_, o)| o.test.names()[0].clone())
        .unwrap_or_else(|| "x".into());
    ui.strong(format!("{name}(t): truth and forecasts"));
    Plot::new("series")
        .legend(Legend::default())
        .x_axis_label("t")
        .show(ui, |plot| {
            let Some((_, first)) = outcomes.first() else {
                return;
            };
            let test = &first.test;
            let truth: PlotPoints = (0..test.len())
                .map(|k| [test.time(k), test.row(k)[0]])
                .collect();
            plot.line(Line::new("truth", truth).color(TRUTH));
            for (card, o) in &outcomes {
                let n = o.test.dim();
                let fc = &o.held_out.forecast;
                let forecast: PlotPoints = (0..fc.len() / n)
                    .map(|k| [o.test.time(k), fc[k * n]])
                    .collect();
                plot.line(Line::new(card.spec.title(), forecast).color(card.color()));
            }
        });
}
