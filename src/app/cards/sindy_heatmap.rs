//! The SINDy coefficient heat map: one row per equation, one column per library term,
//! each cell coloured by its coefficient on a diverging scale (blue negative, red
//! positive), zero entries left blank, the value shown when the pointer rests on a
//! cell. It reads the fitted model's report (`coefficients`, `feature_names`,
//! `equations`), so it shows exactly what the CLI prints.
//!
//! Colour: the magnitude goes through `t = ln(1 + |c|/c₀) / ln(1 + M/c₀)` with `M` the
//! largest magnitude and `c₀ = M/100` (a symmetric log scale), so Lorenz's `−1` terms
//! are visible next to `28`; `t` blends the panel background into the end colour.

use egui::{Color32, Pos2, Rect, Sense, Stroke, Vec2};

/// Libraries wider than this show only the columns some equation uses.
pub const MAX_COLUMNS: usize = 40;
const CELL: Vec2 = Vec2::new(26.0, 20.0);
const NEGATIVE: Color32 = Color32::from_rgb(59, 110, 230);
const POSITIVE: Color32 = Color32::from_rgb(220, 60, 45);

/// The coefficient matrix of a report, or `None` when it has none.
struct Matrix {
    rows: Vec<String>,
    columns: Vec<String>,
    /// `values[i][k]` for the shown columns `k`.
    values: Vec<Vec<f64>>,
    hidden: usize,
}

fn matrix(report: &serde_json::Value) -> Option<Matrix> {
    let coef = report["coefficients"].as_array()?;
    let names: Vec<String> = report["feature_names"]
        .as_array()?
        .iter()
        .map(|n| n.as_str().unwrap_or("?").to_string())
        .collect();
    let values: Vec<Vec<f64>> = coef
        .iter()
        .map(|row| {
            row.as_array()
                .map(|r| r.iter().map(|v| v.as_f64().unwrap_or(0.0)).collect())
                .unwrap_or_default()
        })
        .collect();
    if values.is_empty() || values.iter().any(|r| r.len() != names.len()) {
        return None;
    }
    let shown: Vec<usize> = if names.len() <= MAX_COLUMNS {
        (0..names.len()).collect()
    } else {
        (0..names.len())
            .filter(|&j| values.iter().any(|r| r[j] != 0.0))
            .collect()
    };
    let rows = (0..values.len())
        .map(|i| {
            report["equations"][i]
                .as_str()
                .and_then(|e| e.split(" = ").next())
                .map_or(format!("eq {i}"), str::to_string)
        })
        .collect();
    Some(Matrix {
        rows,
        hidden: names.len() - shown.len(),
        columns: shown.iter().map(|&j| names[j].clone()).collect(),
        values: values
            .iter()
            .map(|r| shown.iter().map(|&j| r[j]).collect())
            .collect(),
    })
}

/// The position of `c` on the colour scale, in [0, 1] (see the module doc).
pub fn intensity(c: f64, max_abs: f64) -> f64 {
    if max_abs <= 0.0 || c == 0.0 {
        return 0.0;
    }
    let c0 = max_abs / 100.0;
    ((c.abs() / c0).ln_1p() / (max_abs / c0).ln_1p()).clamp(0.0, 1.0)
}

/// The cell colour of `c` over the background `bg`; `None` for zero (blank).
pub fn cell_color(c: f64, max_abs: f64, bg: Color32) -> Option<Color32> {
    if c == 0.0 || !c.is_finite() {
        return None;
    }
    let end = if c < 0.0 { NEGATIVE } else { POSITIVE };
    // At least a quarter of the way, so the smallest kept term is still visible.
    let t = 0.25 + 0.75 * intensity(c, max_abs) as f32;
    Some(bg.lerp_to_gamma(end, t))
}

/// Draws the heat map of the report's coefficients (nothing if it has none).
pub fn heat_map_ui(ui: &mut egui::Ui, report: &serde_json::Value) {
    let Some(m) = matrix(report) else {
        return;
    };
    let max_abs = m
        .values
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |a, v| a.max(v.abs()));
    egui::CollapsingHeader::new("coefficient heat map")
        .default_open(true)
        .show(ui, |ui| {
            let font = egui::TextStyle::Monospace.resolve(ui.style());
            let text_color = ui.visuals().text_color();
            let label_galleys: Vec<_> = m
                .columns
                .iter()
                .map(|c| {
                    ui.painter()
                        .layout_no_wrap(c.clone(), font.clone(), text_color)
                })
                .collect();
            let row_galleys: Vec<_> = m
                .rows
                .iter()
                .map(|r| {
                    ui.painter()
                        .layout_no_wrap(r.clone(), font.clone(), text_color)
                })
                .collect();
            let left = row_galleys.iter().map(|g| g.size().x).fold(0.0, f32::max) + 6.0;
            // Column names stand upright above their column (rotated a quarter turn).
            let top = label_galleys.iter().map(|g| g.size().x).fold(0.0, f32::max) + 6.0;
            let size = Vec2::new(
                left + CELL.x * m.columns.len() as f32,
                top + CELL.y * m.rows.len() as f32,
            );
            let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
            let painter = ui.painter_at(rect);
            let bg = ui.visuals().extreme_bg_color;
            let grid = Stroke::new(1.0, ui.visuals().widgets.noninteractive.bg_stroke.color);
            for (k, g) in label_galleys.into_iter().enumerate() {
                let x = rect.left() + left + CELL.x * k as f32 + (CELL.x - g.size().y) / 2.0;
                let pos = Pos2::new(x, rect.top() + top - 3.0);
                painter.add(
                    egui::epaint::TextShape::new(pos, g, text_color)
                        .with_angle(-std::f32::consts::FRAC_PI_2),
                );
            }
            for (i, g) in row_galleys.into_iter().enumerate() {
                let y = rect.top() + top + CELL.y * i as f32 + (CELL.y - g.size().y) / 2.0;
                painter.galley(Pos2::new(rect.left(), y), g, text_color);
            }
            for (i, row) in m.values.iter().enumerate() {
                for (k, &c) in row.iter().enumerate() {
                    let cell = Rect::from_min_size(
                        Pos2::new(
                            rect.left() + left + CELL.x * k as f32,
                            rect.top() + top + CELL.y * i as f32,
                        ),
                        CELL,
                    );
                    if let Some(color) = cell_color(c, max_abs, bg) {
                        painter.rect_filled(cell.shrink(1.0), 2.0, color);
                    }
                    painter.rect_stroke(cell, 0.0, grid, egui::StrokeKind::Inside);
                    let label = format!("{} {}", m.rows[i], m.columns[k]);
                    let id = ui.make_persistent_id(("sindy_heat", i, k));
                    let response = ui.interact(cell, id, Sense::hover());
                    response.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Cell, true, label.clone())
                    });
                    response.on_hover_text(if c == 0.0 {
                        format!("{label}: 0 (not in the model)")
                    } else {
                        format!("{label}: {c:.6}")
                    });
                }
            }
            ui.horizontal_wrapped(|ui| {
                swatch(ui, NEGATIVE);
                ui.label("negative");
                swatch(ui, POSITIVE);
                ui.label("positive");
                ui.weak(format!("log scale up to |c| = {max_abs:.3}; blank = 0"));
            });
            if m.hidden > 0 {
                ui.weak(format!(
                    "{} terms that every equation dropped are not shown",
                    m.hidden
                ));
            }
        });
}

/// A small filled square in `color` (the legend's key).
fn swatch(ui: &mut egui::Ui, color: Color32) {
    let (r, _) = ui.allocate_exact_size(Vec2::splat(10.0), Sense::hover());
    ui.painter().rect_filled(r, 2.0, color);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_symmetric_logarithmic_and_blank_at_zero() {
        assert_eq!(intensity(28.0, 28.0), 1.0);
        assert_eq!(intensity(-28.0, 28.0), 1.0);
        // |c| = M/100 sits at ln 2 / ln 101 of the way.
        let t = intensity(0.28, 28.0);
        assert!((t - 2f64.ln() / 101f64.ln()).abs() < 1e-12, "{t}");
        let bg = Color32::from_gray(20);
        assert_eq!(cell_color(0.0, 28.0, bg), None);
        let neg = cell_color(-10.0, 28.0, bg).expect("coloured");
        let pos = cell_color(10.0, 28.0, bg).expect("coloured");
        assert!(neg.b() > neg.r() && pos.r() > pos.b(), "{neg:?} {pos:?}");
        assert_eq!(cell_color(28.0, 28.0, bg), Some(POSITIVE));
    }
}
