//! Forecast divergence: each model's normalised forecast error against the held-out
//! truth versus time in Lyapunov times, with the VPT threshold and each crossing
//! marked; and the first variable, truth against every forecast.

use egui::{Color32, Ui};
use egui_plot::{FilledArea, HLine, Line, PlotPoints, VLine};

use super::bench::Bench;
use super::legend_row::{Entry, legend_row};
use crate::eval::forecast::DEFAULT_VPT_THRESHOLD;

const TRUTH: Color32 = Color32::from_rgb(120, 170, 255);

/// Whose inter-quartile band the forecast-error plot fills.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum BandChoice {
    /// The model with the longest median VPT (the first on ties).
    #[default]
    Best,
    /// Every model's. Overlapping translucent bands are hard to read and, filled on a
    /// software rasteriser, cost about 15 ms of CPU per frame for four models.
    All,
    /// The model of this card (index into the bench).
    Card(usize),
}

/// Draws each model's median error over the held-out starts, the inter-quartile band
/// of the models chosen in the header ([`BandChoice`], kept in `ui`'s memory), the
/// threshold, and the median VPT; the legend is a row above the plot.
pub fn divergence_plot(ui: &mut Ui, bench: &Bench) {
    let outcomes: Vec<_> = bench
        .cards
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.outcome().map(|o| (i, c, o)))
        .collect();
    let unit = match outcomes.first() {
        Some((_, _, o)) if o.lyapunov <= 0.0 => "time",
        _ => "Lyapunov times",
    };
    let best = outcomes
        .iter()
        .filter(|(_, _, o)| !o.comparison.vpt.is_nan())
        .max_by(|a, b| {
            a.2.comparison
                .vpt
                .total_cmp(&b.2.comparison.vpt)
                .then(b.0.cmp(&a.0))
        })
        .map(|(i, _, _)| *i);
    let choice_id = egui::Id::unique("divergence_iqr_band");
    let mut choice: BandChoice = ui.data(|d| d.get_temp(choice_id)).unwrap_or_default();
    ui.horizontal(|ui| {
        ui.strong("Forecast error")
            .on_hover_text("Each model's normalised error from 20 held-out starts: the median as a line, the 25th–75th percentiles as a band");
        let title = |i: usize| bench.cards.get(i).map_or("–", |c| c.spec.title());
        let label = match choice {
            BandChoice::Best => format!("IQR: best ({})", best.map_or("–", title)),
            BandChoice::All => "IQR: all".into(),
            BandChoice::Card(i) => format!("IQR: {}", title(i)),
        };
        if outcomes.is_empty() {
            return;
        }
        egui::ComboBox::from_id_salt("iqr_band_choice")
            .selected_text(egui::RichText::new(label).small())
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut choice, BandChoice::Best, "the longest VPT's");
                for (i, card, _) in &outcomes {
                    ui.selectable_value(&mut choice, BandChoice::Card(*i), card.spec.title());
                }
                ui.selectable_value(&mut choice, BandChoice::All, "every model's");
            })
            .response
            .on_hover_text("Whose inter-quartile band (25th to 75th percentile of the error over the starts) is filled");
    });
    ui.data_mut(|d| d.insert_temp(choice_id, choice));
    let threshold = format!("threshold {DEFAULT_VPT_THRESHOLD}");
    let entries: Vec<Entry> = outcomes
        .iter()
        .map(|(_, card, o)| {
            let entry = Entry::new(card.spec.title(), card.color());
            if o.comparison.vpt.is_finite() {
                let label = format!("{}: VPT {:.2}", card.spec.title(), o.comparison.vpt);
                entry.labelled(label)
            } else {
                entry
            }
        })
        .chain(std::iter::once(Entry::new(
            threshold.clone(),
            Color32::GRAY,
        )))
        .collect();
    let hidden = if outcomes.is_empty() {
        Default::default()
    } else {
        legend_row(ui, "divergence", None, &entries)
    };
    let banded = |i: usize| match choice {
        BandChoice::Best => best == Some(i),
        BandChoice::All => true,
        BandChoice::Card(k) => k == i,
    };
    crate::app::theme::plot("divergence")
        .x_axis_label(format!("t ({unit})"))
        .y_axis_label("error, median of 20 starts")
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |plot| {
            if !hidden.contains(&threshold) {
                plot.hline(HLine::new(&threshold, DEFAULT_VPT_THRESHOLD).color(Color32::GRAY));
            }
            for (i, card, o) in &outcomes {
                let title = card.spec.title();
                if hidden.contains(title) {
                    continue;
                }
                let c = &o.comparison;
                // Infinite errors (diverged forecasts) are clipped so the band stays drawable.
                let clip = |v: &[f64]| v.iter().map(|e| e.min(1e3)).collect::<Vec<f64>>();
                let xs: Vec<f64> = (0..c.error_median.len())
                    .map(|k| k as f64 * c.step_in_units)
                    .collect();
                if !xs.is_empty() && banded(*i) {
                    plot.add(
                        FilledArea::new(title, &xs, &clip(&c.error_q25), &clip(&c.error_q75))
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
                    plot.vline(VLine::new(title, c.vpt).color(card.color()));
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
    let entries: Vec<Entry> = std::iter::once(Entry::new("truth", TRUTH))
        .chain(
            outcomes
                .iter()
                .map(|(card, _)| Entry::new(card.spec.title(), card.color())),
        )
        .collect();
    let hidden = if outcomes.is_empty() {
        Default::default()
    } else {
        legend_row(ui, "series", None, &entries)
    };
    crate::app::theme::plot("series")
        .x_axis_label("t")
        .show(ui, |plot| {
            let Some((_, first)) = outcomes.first() else {
                return;
            };
            let test = &first.test;
            let truth: PlotPoints = (0..test.len())
                .map(|k| [test.time(k), test.row(k)[0]])
                .collect();
            if !hidden.contains("truth") {
                plot.line(Line::new("truth", truth).color(TRUTH));
            }
            for (card, o) in &outcomes {
                if hidden.contains(card.spec.title()) {
                    continue;
                }
                let n = o.test.dim();
                let fc = &o.held_out.forecast;
                let forecast: PlotPoints = (0..fc.len() / n)
                    .map(|k| [o.test.time(k), fc[k * n]])
                    .collect();
                plot.line(Line::new(card.spec.title(), forecast).color(card.color()));
            }
        });
}
