//! The left panel: system picker (grouped by kind, with search), the typed-system
//! editor's buttons, parameter sliders (live), initial condition, play/pause/reset and
//! speed.

use egui::Ui;

use super::live::LiveSimulation;
use crate::systems::{Catalog, System, SystemInfo};

/// What the user asked for in the system panel this frame.
#[derive(Default)]
pub struct SystemPanelActions {
    /// Pick another catalog system by name.
    pub pick: Option<String>,
    /// Pick one of the user's typed systems (index into the list passed in).
    pub pick_user: Option<usize>,
    /// Open the typed-system editor: `true` to edit the current (typed) system, `false`
    /// for a new one.
    pub open_editor: Option<bool>,
}

/// The picker's groups in display order: `(key, heading)`, where the key is what
/// [`group_key`] returns. Adding a group is one line here.
pub const GROUPS: &[(&str, &str)] = &[
    ("flow", "Flows"),
    ("nonautonomous", "Non-autonomous flows"),
    ("delay", "Delay equations"),
    ("map", "Maps"),
    ("user", "Your typed systems"),
];

/// The picker group of a system: `user` for typed systems, `nonautonomous` for forced
/// flows (dysts' flag), otherwise its kind as written in the catalog (`flow`, `map`, …).
pub fn group_key(info: &SystemInfo) -> String {
    if info.user_defined {
        "user".into()
    } else if info.nonautonomous {
        "nonautonomous".into()
    } else {
        info.kind.to_string()
    }
}

/// Draws the panel; parameter edits are applied to `live` directly. `user_systems` are
/// the typed systems used in this session (listed in their own group).
pub fn system_panel(
    ui: &mut Ui,
    live: &mut LiveSimulation,
    ic_text: &mut String,
    query: &mut String,
    user_systems: &[System],
) -> SystemPanelActions {
    let mut actions = SystemPanelActions::default();
    ui.heading("System");
    let current = live.system.name().to_string();
    let current_is_user = live.system.user().is_some();
    ui.horizontal(|ui| {
        let l = ui.label("search");
        ui.add(
            egui::TextEdit::singleline(query)
                .desired_width(140.0)
                .hint_text("name or word"),
        )
        .labelled_by(l.id);
    });
    let needle = query.trim().to_lowercase();
    let matches = |i: &SystemInfo| {
        needle.is_empty()
            || i.name.to_lowercase().contains(&needle)
            || i.description.to_lowercase().contains(&needle)
    };
    egui::ComboBox::from_label("system")
        .selected_text(&current)
        .height(400.0)
        .show_ui(ui, |ui| {
            // (info, index among the user's systems) for every entry, catalog first.
            let entries: Vec<(&SystemInfo, Option<usize>)> = Catalog::builtin()
                .infos()
                .map(|i| (i, None))
                .chain(
                    user_systems
                        .iter()
                        .enumerate()
                        .map(|(k, s)| (s.info(), Some(k))),
                )
                .filter(|(i, _)| matches(i))
                .collect();
            for (key, heading) in GROUPS {
                let group: Vec<_> = entries
                    .iter()
                    .filter(|(i, _)| group_key(i) == *key)
                    .collect();
                if group.is_empty() {
                    continue;
                }
                ui.label(egui::RichText::new(format!("{heading} ({})", group.len())).strong());
                for (info, user) in group {
                    let label = format!("{} ({}-D)", info.name, info.state_names.len());
                    let selected = info.name == current && user.is_some() == current_is_user;
                    if ui
                        .selectable_label(selected, label)
                        .on_hover_text(&info.description)
                        .clicked()
                        && !selected
                    {
                        match user {
                            Some(k) => actions.pick_user = Some(*k),
                            None => actions.pick = Some(info.name.clone()),
                        }
                    }
                }
            }
        });
    ui.horizontal(|ui| {
        if ui
            .button("New system...")
            .on_hover_text("Type a system's equations (opens with the Lorenz example)")
            .clicked()
        {
            actions.open_editor = Some(false);
        }
        if current_is_user && ui.button("Edit typed system...").clicked() {
            actions.open_editor = Some(true);
        }
    });
    // The selected system: its description and citation.
    ui.label(egui::RichText::new(&live.system.info().description).small());
    ui.label(
        egui::RichText::new(&live.system.info().citation)
            .small()
            .weak(),
    );
    ui.separator();

    ui.strong("Parameters");
    let specs = live.system.info().params.clone();
    let mut changed = false;
    for (i, spec) in specs.iter().enumerate() {
        let mut v = live.system.params()[i];
        let slider = egui::Slider::new(&mut v, spec.min..=spec.max).text(&spec.name);
        if ui.add(slider).changed() {
            live.system.set_param_at(i, v);
            changed = true;
        }
    }
    if changed {
        live.parameters_changed();
    }
    ui.separator();

    ui.strong("Initial condition");
    let names = live.system.info().state_names.join(", ");
    let label = ui.label(format!("({names})"));
    let edit = ui.text_edit_singleline(ic_text).labelled_by(label.id);
    if live.system.kind() == crate::systems::Kind::Delay {
        delay_history(ui, live);
    }
    if edit.lost_focus() {
        match crate::cli::parse_vector(ic_text, "initial condition")
            .map_err(|e| e.to_string())
            .and_then(|v| {
                live.system
                    .check_state(&v)
                    .map(|_| v)
                    .map_err(|e| e.to_string())
            }) {
            Ok(v) => {
                live.initial_condition = v;
                live.reset();
            }
            Err(e) => live.error = Some(e),
        }
    }
    ui.separator();

    ui.horizontal(|ui| {
        let play = if live.playing { "Pause" } else { "Play" };
        if ui.button(play).clicked() {
            live.playing = !live.playing;
        }
        if ui.button("Reset").clicked() {
            live.reset();
        }
    });
    ui.add(
        egui::Slider::new(&mut live.periods_per_second, 0.05..=20.0)
            .logarithmic(true)
            .text("periods / s"),
    );
    ui.add(
        egui::Slider::new(&mut live.trail_capacity, super::live::TRAIL_RANGE)
            .logarithmic(true)
            .text("trail (samples)"),
    )
    .on_hover_text("How many recent samples the orbit keeps; the oldest fade out");
    ui.label(format!("t = {:.2}", live.time()));
    let state: Vec<String> = live.state().iter().map(|v| format!("{v:.3}")).collect();
    ui.label(format!("state = ({})", state.join(", ")));
    ui.separator();
    butterfly(ui, live);
    if let Some(err) = &live.error {
        ui.colored_label(egui::Color32::from_rgb(255, 110, 90), err);
    }
    actions
}

/// A delay equation's history before the start: dysts' constant, or the initial
/// condition's ten values joined linearly; a change restarts the orbit.
fn delay_history(ui: &mut Ui, live: &mut LiveSimulation) {
    use crate::systems::DelayHistory;
    let mut h = live.system.delay_history();
    let before = h;
    ui.horizontal(|ui| {
        let label = ui.label("history");
        egui::ComboBox::from_id_salt("delay history")
            .selected_text(h.name())
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut h, DelayHistory::Constant, "constant (dysts)");
                ui.selectable_value(&mut h, DelayHistory::Embedding, "embedding (linear)");
            })
            .response
            .labelled_by(label.id);
    });
    if h != before {
        live.system.set_delay_history(h);
        live.reset();
    }
}

/// The butterfly effect: perturb, and the log separation against time with the slope of
/// the catalog's largest Lyapunov exponent beside it.
fn butterfly(ui: &mut Ui, live: &mut LiveSimulation) {
    ui.strong("Butterfly effect");
    ui.horizontal(|ui| {
        if ui
            .button("Perturb")
            .on_hover_text(
                "Start 10 orbits within 1e-6 of the attractor's size around the current state",
            )
            .clicked()
        {
            live.perturb(
                super::live::DEFAULT_ENSEMBLE,
                super::live::DEFAULT_PERTURBATION,
                live.generation,
            );
        }
        if !live.separation.is_empty() && ui.button("Clear").clicked() {
            live.clear_ensemble();
        }
    });
    if live.separation.len() < 2 {
        return;
    }
    let [t0, s0] = live.separation[0];
    // Typed systems have no published exponent: no reference slope then.
    let known = !live.system.info().max_lyapunov_source.is_empty();
    let lambda = live.system.info().max_lyapunov;
    let t_end = live.separation[live.separation.len() - 1][0];
    let sep: egui_plot::PlotPoints = live.separation.iter().copied().collect();
    // log10 separation grows like λ t / ln 10.
    let slope: egui_plot::PlotPoints = vec![
        [t0, s0],
        [t_end, s0 + lambda * (t_end - t0) / std::f64::consts::LN_10],
    ]
    .into();
    crate::app::theme::plot("separation")
        .height(140.0)
        .x_axis_label("t")
        .y_axis_label("log10 separation")
        .legend(egui_plot::Legend::default().position(egui_plot::Corner::RightBottom))
        .show(ui, |plot| {
            plot.line(
                egui_plot::Line::new("mean separation", sep)
                    .color(egui::Color32::from_rgb(255, 120, 120)),
            );
            if known {
                plot.line(
                    egui_plot::Line::new(format!("slope λ = {lambda:.3}"), slope)
                        .color(egui::Color32::GRAY)
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
        });
}
