//! The continuous-time eigenvalue table of a spectral fit and its CSV export: for each
//! eigenvalue `λ` with residual, `ω = log(λ)/Δt` split into the growth rate `Re ω`, the
//! angular frequency `Im ω` and the period `2π/|Im ω|`, with a warning where `|Im ω|`
//! reaches the Nyquist limit `π/Δt` (spec §1.3: only `|Im ω| < π/Δt` is identifiable).

use egui::{RichText, Ui};

use crate::models::Spectrum;

/// Share of the Nyquist limit `π/Δt` from which a frequency is flagged as aliased.
pub const NYQUIST_WARNING: f64 = 0.95;

/// One table row: `λ`, residual and the continuous-time quantities.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContinuousRow {
    /// `λ` as `[re, im]`.
    pub lambda: [f64; 2],
    /// ResDMD residual (`NaN` when not computed).
    pub residual: f64,
    /// `Re ω = log|λ|/Δt`.
    pub growth: f64,
    /// `Im ω = arg λ/Δt` (rad per time unit).
    pub angular_frequency: f64,
    /// `2π/|Im ω|` (infinite for a real eigenvalue).
    pub period: f64,
    /// `|Im ω| ≥ NYQUIST_WARNING · π/Δt`.
    pub near_nyquist: bool,
}

/// The rows of `spec` in its order.
pub fn continuous_rows(spec: &Spectrum) -> Vec<ContinuousRow> {
    let nyquist = std::f64::consts::PI / spec.dt;
    spec.eigenvalues
        .iter()
        .zip(&spec.residuals)
        .zip(spec.continuous())
        .map(|((l, r), w)| ContinuousRow {
            lambda: *l,
            residual: *r,
            growth: w[0],
            angular_frequency: w[1],
            period: if w[1] == 0.0 {
                f64::INFINITY
            } else {
                std::f64::consts::TAU / w[1].abs()
            },
            near_nyquist: w[1].abs() >= NYQUIST_WARNING * nyquist,
        })
        .collect()
}

/// CSV with header `re,im,modulus,residual,growth_rate,angular_frequency,period,near_nyquist`.
pub fn spectrum_csv(spec: &Spectrum) -> String {
    let mut out =
        String::from("re,im,modulus,residual,growth_rate,angular_frequency,period,near_nyquist\n");
    for r in continuous_rows(spec) {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            r.lambda[0],
            r.lambda[1],
            r.lambda[0].hypot(r.lambda[1]),
            r.residual,
            r.growth,
            r.angular_frequency,
            r.period,
            r.near_nyquist
        ));
    }
    out
}

/// Several fits' spectra as one CSV: a `model` column, then the columns of
/// [`spectrum_csv`].
pub fn spectra_csv(fits: &[(&str, &Spectrum)]) -> String {
    let mut out = String::from("model,");
    out.push_str(
        spectrum_csv(&Spectrum::default())
            .lines()
            .next()
            .unwrap_or(""),
    );
    out.push('\n');
    for (name, spec) in fits {
        for line in spectrum_csv(spec).lines().skip(1) {
            out.push_str(&format!("{name},{line}\n"));
        }
    }
    out
}

/// Where the window keeps the ε slider's value for the cards' tables (egui temp data).
pub fn epsilon_id() -> egui::Id {
    egui::Id::unique("koopman_epsilon")
}

/// Draws the table (collapsed by default); rows with residual above the window's ε
/// slider greyed.
pub fn continuous_table(ui: &mut Ui, spec: &Spectrum, id: &str) {
    let epsilon = ui
        .ctx()
        .data(|d| d.get_temp::<f64>(epsilon_id()))
        .unwrap_or(0.05);
    let rows = continuous_rows(spec);
    let aliased = rows.iter().filter(|r| r.near_nyquist).count();
    egui::CollapsingHeader::new(format!("continuous time ({} eigenvalues)", rows.len()))
        .id_salt(("continuous_table", id))
        .show(ui, |ui| {
            if aliased > 0 {
                ui.label(
                    RichText::new(format!(
                        "⚠ {aliased} frequencies reach the Nyquist limit π/Δt = {:.3}: they may be aliased; sample faster",
                        std::f64::consts::PI / spec.dt
                    ))
                    .color(ui.visuals().warn_fg_color)
                    .small(),
                );
            }
            egui::ScrollArea::vertical()
                .id_salt(("continuous_scroll", id))
                .max_height(160.0)
                .show(ui, |ui| {
                    egui::Grid::new(("continuous_grid", id))
                        .striped(true)
                        .show(ui, |ui| {
                            for h in ["λ", "residual", "growth", "ω (rad/t)", "period", ""] {
                                ui.label(RichText::new(h).small().strong());
                            }
                            ui.end_row();
                            for r in &rows {
                                let verified = r.residual.is_finite() && r.residual <= epsilon;
                                let text = |s: String| {
                                    let t = RichText::new(s).small().monospace();
                                    if verified { t } else { t.weak() }
                                };
                                ui.label(text(format!("{:+.4}{:+.4}i", r.lambda[0], r.lambda[1])));
                                ui.label(text(format!("{:.2e}", r.residual)));
                                ui.label(text(format!("{:+.4}", r.growth)));
                                ui.label(text(format!("{:+.4}", r.angular_frequency)));
                                ui.label(text(if r.period.is_finite() {
                                    format!("{:.4}", r.period)
                                } else {
                                    "∞".into()
                                }));
                                ui.label(text(if r.near_nyquist { "⚠ Nyquist".into() } else { String::new() }));
                                ui.end_row();
                            }
                        });
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_log_lambda_and_flag_the_nyquist_limit() {
        let dt = 0.1;
        let spec = Spectrum {
            // e^{(−0.5 + 2i)Δt}, and −0.9 (arg = π: exactly the Nyquist frequency).
            eigenvalues: vec![
                [
                    (-0.05f64).exp() * 0.2f64.cos(),
                    (-0.05f64).exp() * 0.2f64.sin(),
                ],
                [-0.9, 0.0],
            ],
            residuals: vec![1e-3, 0.5],
            dt,
        };
        let rows = continuous_rows(&spec);
        assert!((rows[0].growth + 0.5).abs() < 1e-12);
        assert!((rows[0].angular_frequency - 2.0).abs() < 1e-12);
        assert!((rows[0].period - std::f64::consts::PI).abs() < 1e-12);
        assert!(!rows[0].near_nyquist);
        assert!(rows[1].near_nyquist);
        assert!((rows[1].growth - 0.9f64.ln() / dt).abs() < 1e-12);
        let csv = spectrum_csv(&spec);
        assert_eq!(csv.lines().count(), 3);
        assert!(csv.lines().nth(2).expect("row").ends_with(",true"));
    }
}
