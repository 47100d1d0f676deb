//! The metrics table: one row per fitted model — median VPT with its inter-quartile
//! range, sMAPE, D_stsp and D_H of the free run, PE(20), the model's own largest Lyapunov
//! exponent beside the true system's, the model's fit time — sortable by any column and
//! exportable as CSV (with a provenance comment line).

use egui::{Color32, Ui};

use super::bench::Bench;

/// Column the table is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    /// Card order.
    #[default]
    Model,
    /// Longest VPT first.
    Vpt,
    /// Smallest sMAPE first.
    Smape,
    /// Smallest D_stsp first.
    DStsp,
    /// Smallest D_H first.
    DH,
    /// Smallest PE(20) first.
    Pe20,
    /// Model exponent closest to the true one first.
    Lyapunov,
}

/// One row of numbers.
struct Row {
    model: String,
    color: Color32,
    vpt: f64,
    vpt_iqr: [f64; 2],
    smape: f64,
    d_stsp: Option<f64>,
    d_h: Option<f64>,
    pe20: Option<f64>,
    max_lyapunov: Option<f64>,
    true_lyapunov: f64,
    fit_ms: f64,
    note: String,
}

fn rows(bench: &Bench, sort: SortBy) -> Vec<Row> {
    let mut rows: Vec<Row> = bench
        .cards
        .iter()
        .filter_map(|c| {
            let o = c.outcome()?;
            let m = &o.comparison;
            Some(Row {
                model: c.spec.title().to_string(),
                color: c.color(),
                vpt: m.vpt,
                vpt_iqr: m.vpt_iqr,
                smape: m.smape,
                d_stsp: m.d_stsp,
                d_h: m.d_h,
                pe20: m.pe20,
                max_lyapunov: m.max_lyapunov,
                true_lyapunov: o.lyapunov,
                fit_ms: o.fit_seconds * 1e3,
                note: match (&m.error, m.free_run_diverged_at) {
                    (Some(e), _) => e.clone(),
                    (None, Some(step)) => format!("free run diverged at step {step}"),
                    _ => String::new(),
                },
            })
        })
        .collect();
    let key = |r: &Row| -> f64 {
        match sort {
            SortBy::Model => 0.0,
            SortBy::Vpt => -r.vpt,
            SortBy::Smape => r.smape,
            SortBy::DStsp => r.d_stsp.unwrap_or(f64::INFINITY),
            SortBy::DH => r.d_h.unwrap_or(f64::INFINITY),
            SortBy::Pe20 => r.pe20.unwrap_or(f64::INFINITY),
            SortBy::Lyapunov => r
                .max_lyapunov
                .map_or(f64::INFINITY, |l| (l - r.true_lyapunov).abs()),
        }
    };
    rows.sort_by(|a, b| key(a).total_cmp(&key(b)));
    rows
}

/// The table as CSV text with a provenance comment line first.
pub fn to_csv(bench: &Bench, provenance: &str) -> String {
    let mut out = format!(
        "# {provenance}\nmodel,vpt,vpt_q25,vpt_q75,smape,d_stsp,d_h,pe20,max_lyapunov,true_max_lyapunov,fit_ms,note\n"
    );
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in rows(bench, SortBy::Model) {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},\"{}\"\n",
            r.model,
            r.vpt,
            r.vpt_iqr[0],
            r.vpt_iqr[1],
            r.smape,
            opt(r.d_stsp),
            opt(r.d_h),
            opt(r.pe20),
            opt(r.max_lyapunov),
            r.true_lyapunov,
            r.fit_ms,
            r.note.replace('"', "'")
        ));
    }
    out
}

/// Draws the table; returns true when the user asked to export it.
pub fn metrics_table(ui: &mut Ui, bench: &Bench, sort: &mut SortBy) -> bool {
    let mut export = false;
    ui.horizontal(|ui| {
        ui.strong("Metrics");
        export = ui.button("Export CSV…").clicked();
    });
    let rows = rows(bench, *sort);
    let lyapunov_header = rows.first().map_or("λ_max".to_string(), |r| {
        format!("λ_max (true {:.3})", r.true_lyapunov)
    });
    egui::ScrollArea::horizontal().show(ui, |ui| {
        egui::Grid::new("metrics")
            .striped(true)
            .num_columns(8)
            .show(ui, |ui| {
                for (label, key) in [
                    ("model", SortBy::Model),
                    ("VPT", SortBy::Vpt),
                    ("sMAPE", SortBy::Smape),
                    ("D_stsp", SortBy::DStsp),
                    ("D_H", SortBy::DH),
                    ("PE(20)", SortBy::Pe20),
                    (lyapunov_header.as_str(), SortBy::Lyapunov),
                ] {
                    if ui
                        .selectable_label(*sort == key, label)
                        .on_hover_text("sort by this column")
                        .clicked()
                    {
                        *sort = key;
                    }
                }
                ui.label("fit ms");
                ui.end_row();
                let opt =
                    |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "—".into());
                for r in &rows {
                    ui.colored_label(r.color, &r.model).on_hover_text(&r.note);
                    ui.label(format!("{:.2}", r.vpt)).on_hover_text(format!(
                        "median over the starts; IQR {:.2}–{:.2}",
                        r.vpt_iqr[0], r.vpt_iqr[1]
                    ));
                    ui.label(format!("{:.1}", r.smape));
                    ui.label(opt(r.d_stsp));
                    ui.label(opt(r.d_h));
                    ui.label(
                        r.pe20
                            .map(|x| format!("{x:.3e}"))
                            .unwrap_or_else(|| "—".into()),
                    )
                    .on_hover_text(
                        "mean squared 20-step error from the test states, standardised units²",
                    );
                    ui.label(opt(r.max_lyapunov)).on_hover_text(
                        "the model's own largest Lyapunov exponent per time unit, along its free run",
                    );
                    ui.label(format!("{:.1}", r.fit_ms));
                    ui.end_row();
                }
            });
    });
    if rows.is_empty() {
        ui.weak("Fit a model (or Compare all) to fill the table.");
    }
    export
}
