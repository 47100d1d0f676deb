//! Forecast divergence: the normalised error of the model's forecast against the
//! held-out truth versus time in Lyapunov times, with the VPT threshold and crossing
//! marked; and the first variable, truth against forecast.

use egui::{Color32, Ui};
use egui_plot::{HLine, Legend, Line, Plot, PlotPoints, VLine};

use super::fit_job::FitOutcome;

/// Draws the error curve.
pub fn divergence_plot(ui: &mut Ui, outcome: Option<&FitOutcome>) {
    let unit = match outcome {
        Some(o) if o.lyapunov <= 0.0 => "time",
        _ => "Lyapunov times",
    };
    ui.strong("Forecast divergence");
    Plot::new("divergence")
        .legend(Legend::default())
        .x_axis_label(format!("t ({unit})"))
        .y_axis_label("normalised error")
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |plot| {
            let Some(o) = outcome else { return };
            let s = &o.held_out.score;
            let pts: PlotPoints = s
                .error
                .iter()
                .enumerate()
                .map(|(k, e)| [k as f64 * s.step_in_units, *e])
                .collect();
            plot.line(
                Line::new("DMD", pts)
                    .color(Color32::from_rgb(240, 150, 60))
                    .width(2.0),
            );
            plot.hline(HLine::new("threshold 0.4", 0.4).color(Color32::GRAY));
            if s.vpt_reached {
                plot.vline(
                    VLine::new(format!("VPT = {:.2}", s.vpt), s.vpt)
                        .color(Color32::from_rgb(120, 170, 255)),
                );
            }
        });
}

/// Draws the first state variable of truth and forecast against time.
pub fn series_plot(ui: &mut Ui, outcome: Option<&FitOutcome>) {
    let name = outcome
        .map(|o| o.test.names()[0].clone())
        .unwrap_or_else(|| "x".into());
    ui.strong(format!("{name}(t): truth and forecast"));
    Plot::new("series")
        .legend(Legend::default())
        .x_axis_label("t")
        .show(ui, |plot| {
            let Some(o) = outcome else { return };
            let n = o.test.dim();
            let truth: PlotPoints = (0..o.test.len())
                .map(|k| [o.test.time(k), o.test.row(k)[0]])
                .collect();
            let fc = &o.held_out.forecast;
            let forecast: PlotPoints = (0..fc.len() / n)
                .map(|k| [o.test.time(k), fc[k * n]])
                .collect();
            plot.line(Line::new("truth", truth).color(Color32::from_rgb(120, 170, 255)));
            plot.line(Line::new("DMD", forecast).color(Color32::from_rgb(240, 150, 60)));
        });
}
