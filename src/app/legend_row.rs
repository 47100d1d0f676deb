//! A plot's legend as a wrapped row of coloured labels above the plot, instead of
//! egui_plot's box over the data: on the comparison panel's small plots that box
//! covered a third to a half of the plot once four models were fitted. Clicking an
//! entry hides or shows its series, as clicking egui_plot's legend does.

use std::collections::BTreeSet;

use egui::{Color32, RichText, Sense, TextStyle, TextWrapMode, Ui, WidgetText};

/// One legend entry.
pub struct Entry {
    /// What the plot knows the series by (a card title, "threshold").
    pub key: String,
    /// The text shown.
    pub label: String,
    /// The series' colour.
    pub colour: Color32,
}

impl Entry {
    /// An entry whose label is its key.
    pub fn new(key: impl Into<String>, colour: Color32) -> Self {
        let key = key.into();
        Self {
            label: key.clone(),
            key,
            colour,
        }
    }

    /// The same entry showing `label`.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
}

/// Draws `entries` as one wrapped row, after an optional weak `note`, and returns the
/// keys the user has hidden (remembered in `ui`'s memory under `id`).
pub fn legend_row(
    ui: &mut Ui,
    id: &str,
    note: Option<&str>,
    entries: &[Entry],
) -> BTreeSet<String> {
    let memory = egui::Id::unique(("legend_row", id));
    let mut hidden: BTreeSet<String> = ui.data(|d| d.get_temp(memory)).unwrap_or_default();
    if entries.is_empty() {
        return hidden;
    }
    ui.scope(|ui| {
        // Rows as tall as the small text, not as a button (the wrapped layout reads the
        // row height when it starts): a legend of seven models takes three short lines.
        // The scope keeps this spacing from the caller's widgets below.
        let row = ui.text_style_height(&TextStyle::Small) + 2.0;
        ui.spacing_mut().interact_size.y = row;
        ui.spacing_mut().item_spacing = egui::vec2(10.0, 1.0);
        ui.horizontal_wrapped(|ui| {
            if let Some(note) = note {
                ui.label(RichText::new(note).small().weak());
            }
            for entry in entries {
                let off = hidden.contains(&entry.key);
                if entry_ui(ui, entry, off).clicked() && !hidden.remove(&entry.key) {
                    hidden.insert(entry.key.clone());
                }
            }
        });
    });
    ui.data_mut(|d| d.insert_temp(memory, hidden.clone()));
    hidden
}

/// One entry as a single unbreakable widget: a dot in the series' colour and the label
/// (struck through and weak when hidden), clickable, named for screen readers.
fn entry_ui(ui: &mut Ui, entry: &Entry, off: bool) -> egui::Response {
    let weak = ui.visuals().weak_text_color();
    let mut text = RichText::new(&entry.label).small();
    if off {
        text = text.strikethrough();
    }
    let galley = WidgetText::from(text).into_galley(
        ui,
        Some(TextWrapMode::Extend),
        f32::INFINITY,
        TextStyle::Small,
    );
    let dot = 8.0;
    let gap = 4.0;
    let size = egui::vec2(dot + gap + galley.size().x, galley.size().y.max(dot));
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    let colour = if off { weak } else { entry.colour };
    let painter = ui.painter();
    painter.circle_filled(
        egui::pos2(rect.left() + dot / 2.0, rect.center().y),
        dot / 2.0 - 0.5,
        colour,
    );
    painter.galley(
        egui::pos2(
            rect.left() + dot + gap,
            rect.center().y - galley.size().y / 2.0,
        ),
        galley,
        colour,
    );
    response
        .widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, !off, &entry.label));
    response.on_hover_text(if off {
        "click to show"
    } else {
        "click to hide"
    })
}
