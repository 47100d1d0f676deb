//! The left panel: system picker, parameter sliders (live), initial condition,
//! play/pause/reset and speed.

use egui::Ui;

use super::live::LiveSimulation;
use crate::systems::Catalog;

/// What the user asked for in the system panel this frame.
#[derive(Default)]
pub struct SystemPanelActions {
    /// Pick another system by name.
    pub pick: Option<String>,
}

/// Draws the panel; parameter edits are applied to `live` directly.
pub fn system_panel(
    ui: &mut Ui,
    live: &mut LiveSimulation,
    ic_text: &mut String,
) -> SystemPanelActions {
    let mut actions = SystemPanelActions::default();
    ui.heading("System");
    let current = live.system.name().to_string();
    egui::ComboBox::from_label("system")
        .selected_text(&current)
        .show_ui(ui, |ui| {
            for info in Catalog::builtin().infos() {
                let label = format!(
                    "{} ({}, {}-D)",
                    info.name,
                    info.kind,
                    info.state_names.len()
                );
                if ui.selectable_label(info.name == current, label).clicked()
                    && info.name != current
                {
                    actions.pick = Some(info.name.clone());
                }
            }
        });
    ui.label(egui::RichText::new(&live.system.info().description).small());
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
    ui.label(format!("t = {:.2}", live.time()));
    let state: Vec<String> = live.state().iter().map(|v| format!("{v:.3}")).collect();
    ui.label(format!("state = ({})", state.join(", ")));
    if let Some(err) = &live.error {
        ui.colored_label(egui::Color32::from_rgb(255, 110, 90), err);
    }
    ui.separator();
    ui.label(
        egui::RichText::new(&live.system.info().citation)
            .small()
            .weak(),
    );
    actions
}
