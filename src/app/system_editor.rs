//! The typed-system editor: a window where the user writes a system as text (name,
//! state names, parameters, one equation per line, initial condition), sees the first
//! problem with its position while typing, and uses it live, saves it as a
//! `chaoslab-system` file or opens one ([`crate::systems::user`] has the format).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use egui::Ui;

use crate::systems::user::{
    FORMAT, UserParam, UserSystem, UserSystemError, UserSystemSpec, VERSION,
};
use crate::systems::{Kind, System};

/// The editor's text fields and the outcome of checking them.
pub struct SystemEditor {
    /// Whether the window is shown.
    pub open: bool,
    /// System name.
    pub name: String,
    /// Flow or map.
    pub kind: Kind,
    /// State names, comma-separated.
    pub states: String,
    /// One parameter per line: `name = default`, optionally `[min, max]` after it.
    pub params: String,
    /// One equation per line.
    pub equations: String,
    /// Initial condition, comma-separated.
    pub initial: String,
    /// Period (time scale); empty means 1.
    pub period: String,
    /// Description for the picker (optional).
    pub description: String,
    /// The checked system, or the first problem (with a caret line under the equation).
    pub status: Result<Arc<UserSystem>, String>,
    /// The last Save/Open outcome.
    pub file_status: Option<String>,
    checked: String,
    dialog: Option<Receiver<Dialog>>,
}

/// What a file dialog on its helper thread came back with.
enum Dialog {
    Open(Option<PathBuf>),
    Save(Option<PathBuf>),
}

impl Default for SystemEditor {
    fn default() -> Self {
        Self::from_spec(&UserSystemSpec::lorenz_example())
    }
}

impl SystemEditor {
    /// The editor filled in with `spec`.
    pub fn from_spec(spec: &UserSystemSpec) -> Self {
        let mut e = SystemEditor {
            open: false,
            name: String::new(),
            kind: Kind::Flow,
            states: String::new(),
            params: String::new(),
            equations: String::new(),
            initial: String::new(),
            period: String::new(),
            description: String::new(),
            status: Err(String::new()),
            file_status: None,
            checked: String::new(),
            dialog: None,
        };
        e.fill(spec);
        e
    }

    /// Replaces every field with `spec`'s values.
    pub fn fill(&mut self, spec: &UserSystemSpec) {
        self.name = spec.name.clone();
        self.kind = spec.kind;
        self.states = spec.state_names.join(", ");
        self.params = spec
            .params
            .iter()
            .map(|p| match (p.min, p.max) {
                (Some(lo), Some(hi)) => format!("{} = {} [{lo}, {hi}]", p.name, p.default),
                _ => format!("{} = {}", p.name, p.default),
            })
            .collect::<Vec<_>>()
            .join("\n");
        self.equations = spec.equations.join("\n");
        self.initial = join(&spec.initial_conditions);
        self.period = spec.period.map(|p| p.to_string()).unwrap_or_default();
        self.description = spec.description.clone().unwrap_or_default();
        self.checked.clear();
        self.check();
    }

    /// The spec the fields describe, or what is wrong with a field that is not an
    /// equation (the equations are checked by [`UserSystem::compile`]).
    pub fn spec(&self) -> Result<UserSystemSpec, String> {
        let params = self
            .params
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| parse_param(l).map_err(|e| format!("parameters, line {}: {e}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        let initial = crate::cli::parse_vector(&self.initial, "initial condition")
            .map_err(|e| format!("{e:#}"))?;
        let period = match self.period.trim() {
            "" => None,
            p => Some(
                p.parse::<f64>()
                    .map_err(|_| format!("period: '{p}' is not a number (leave it empty for 1)"))?,
            ),
        };
        Ok(UserSystemSpec {
            format: FORMAT.into(),
            version: VERSION,
            name: self.name.trim().to_string(),
            kind: self.kind,
            state_names: self
                .states
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            params,
            equations: self
                .equations
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
            initial_conditions: initial,
            period,
            description: Some(self.description.trim().to_string()).filter(|d| !d.is_empty()),
        })
    }

    /// Checks the fields again if they changed since the last check.
    pub fn check(&mut self) {
        let key = format!(
            "{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}",
            self.name,
            self.kind,
            self.states,
            self.params,
            self.equations,
            self.initial,
            self.period,
            self.description
        );
        if key == self.checked {
            return;
        }
        self.checked = key;
        self.status = self.spec().and_then(|spec| {
            UserSystem::compile(spec)
                .map(Arc::new)
                .map_err(|e| with_caret(&e))
        });
    }

    /// Writes the system as a `chaoslab-system` file (atomically).
    pub fn save_to(&self, path: &Path) -> anyhow::Result<()> {
        let spec = self.spec().map_err(anyhow::Error::msg)?;
        crate::io::write_atomic(path, spec.to_json().as_bytes())
    }

    /// Fills the editor from a `chaoslab-system` file.
    pub fn load_from(&mut self, path: &Path) -> Result<(), UserSystemError> {
        let spec = UserSystemSpec::load(path)?;
        self.fill(&spec);
        Ok(())
    }

    /// Draws the window; returns the system when the user presses "Use this system".
    pub fn show(&mut self, ctx: &egui::Context) -> Option<System> {
        self.poll_dialog();
        if !self.open {
            return None;
        }
        let mut open = true;
        let mut used = None;
        crate::app::theme::show_window(
            ctx,
            "Typed system",
            egui::Window::new("Typed system")
                .open(&mut open)
                .default_width(420.0)
                .default_pos([280.0, 60.0]),
            |ui| used = self.ui(ui),
        );
        self.open = open && used.is_none();
        if self.dialog.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        used
    }

    fn ui(&mut self, ui: &mut Ui) -> Option<System> {
        field(ui, "name", &mut self.name, false);
        ui.horizontal(|ui| {
            ui.label("kind");
            ui.selectable_value(&mut self.kind, Kind::Flow, "flow (dx/dt = ...)");
            ui.selectable_value(&mut self.kind, Kind::Map, "map (x_next = ...)");
        });
        field(ui, "state names", &mut self.states, false);
        ui.label(
            egui::RichText::new("one per line: name = default, optionally [min, max]")
                .small()
                .weak(),
        );
        field(ui, "parameters", &mut self.params, true);
        ui.label(
            egui::RichText::new(match self.kind {
                Kind::Map => "one per state: x_next = 1 - a*x^2 + y",
                _ => "one per state: dx/dt = sigma*(y - x)",
            })
            .small()
            .weak(),
        );
        field(ui, "equations", &mut self.equations, true);
        field(ui, "initial condition", &mut self.initial, false);
        field(ui, "period", &mut self.period, false);
        ui.label(
            egui::RichText::new(
                "period: the time scale (sets sampling and live speed); empty means 1",
            )
            .small()
            .weak(),
        );
        field(ui, "description", &mut self.description, false);
        self.check();
        ui.separator();
        let mut used = None;
        match &self.status {
            Ok(sys) => {
                ui.label(format!(
                    "OK: a {}-D {} with {} parameters",
                    sys.info().state_names.len(),
                    sys.info().kind,
                    sys.info().params.len()
                ));
            }
            Err(e) => {
                ui.label(
                    egui::RichText::new(e)
                        .monospace()
                        .color(egui::Color32::from_rgb(255, 110, 90)),
                );
            }
        }
        ui.horizontal(|ui| {
            let ok = self.status.as_ref().ok().cloned();
            if ui
                .add_enabled(ok.is_some(), egui::Button::new("Use this system"))
                .clicked()
                && let Some(sys) = ok
            {
                used = Some(System::from_user(sys));
            }
            if ui.button("Save...").clicked() {
                self.ask(true);
            }
            if ui.button("Open...").clicked() {
                self.ask(false);
            }
            if ui.button("Lorenz example").clicked() {
                self.fill(&UserSystemSpec::lorenz_example());
            }
        });
        if let Some(s) = &self.file_status {
            ui.label(egui::RichText::new(s).small());
        }
        used
    }

    /// Opens a file dialog on a helper thread (the window keeps drawing meanwhile).
    fn ask(&mut self, save: bool) {
        let (tx, rx) = channel();
        let name = format!("{}.json", self.name.trim().replace(' ', "-").to_lowercase());
        std::thread::spawn(move || {
            let dialog = rfd::FileDialog::new().add_filter("chaoslab system", &["json"]);
            let _ = tx.send(if save {
                Dialog::Save(dialog.set_file_name(name).save_file())
            } else {
                Dialog::Open(dialog.pick_file())
            });
        });
        self.dialog = Some(rx);
    }

    fn poll_dialog(&mut self) {
        let Some(Ok(answer)) = self.dialog.as_ref().map(|rx| rx.try_recv()) else {
            return;
        };
        self.dialog = None;
        self.file_status = Some(match answer {
            Dialog::Save(Some(path)) => match self.save_to(&path) {
                Ok(()) => format!("saved {}", path.display()),
                Err(e) => format!("not saved: {e:#}"),
            },
            Dialog::Open(Some(path)) => match self.load_from(&path) {
                Ok(()) => format!("opened {}", path.display()),
                Err(e) => format!("not opened: {e}"),
            },
            Dialog::Save(None) | Dialog::Open(None) => "cancelled (no file chosen)".into(),
        });
    }
}

/// A labelled text field (the label names it for screen readers and tests).
fn field(ui: &mut Ui, label: &str, text: &mut String, multiline: bool) {
    let l = ui.label(label);
    let edit = if multiline {
        egui::TextEdit::multiline(text)
            .code_editor()
            .desired_rows(3)
            .desired_width(f32::INFINITY)
    } else {
        egui::TextEdit::singleline(text).desired_width(f32::INFINITY)
    };
    ui.add(edit).labelled_by(l.id);
}

/// `name = default` or `name = default [min, max]`.
fn parse_param(line: &str) -> Result<UserParam, String> {
    let (name, rest) = line.split_once('=').ok_or_else(|| {
        format!(
            "'{}' must look like name = value, e.g. sigma = 10",
            line.trim()
        )
    })?;
    let (value, range) = match rest.split_once('[') {
        Some((v, r)) => (v, Some(r.trim().trim_end_matches(']'))),
        None => (rest, None),
    };
    let number = |s: &str, what: &str| {
        s.trim()
            .parse::<f64>()
            .map_err(|_| format!("{}: {what} '{}' is not a number", name.trim(), s.trim()))
    };
    let default = number(value, "value")?;
    let (min, max) = match range {
        None => (None, None),
        Some(r) => {
            let (lo, hi) = r
                .split_once(',')
                .ok_or_else(|| format!("{}: write the range as [min, max]", name.trim()))?;
            (Some(number(lo, "min")?), Some(number(hi, "max")?))
        }
    };
    Ok(UserParam {
        name: name.trim().to_string(),
        default,
        min,
        max,
    })
}

/// The error message, with the equation and a caret under the column where it has one.
fn with_caret(e: &UserSystemError) -> String {
    match e {
        UserSystemError::Parse { text, column, .. }
        | UserSystemError::UnknownSymbol { text, column, .. } => {
            // Columns count from the equation as typed; the text is trimmed the same way
            // (leading blanks of a line are dropped before checking).
            format!("{e}\n{text}\n{}^", " ".repeat(column.saturating_sub(1)))
        }
        _ => e.to_string(),
    }
}

fn join(v: &[f64]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lorenz_example_round_trips_through_the_fields_and_a_file() {
        let editor = SystemEditor::default();
        assert!(editor.status.is_ok(), "{:?}", editor.status.err());
        let spec = editor.spec().expect("fields parse");
        assert_eq!(spec, UserSystemSpec::lorenz_example());
        let dir = std::env::temp_dir().join(format!("chaoslab-editor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("typed.json");
        editor.save_to(&path).expect("saves");
        let mut other = SystemEditor::from_spec(&UserSystemSpec {
            name: "other".into(),
            ..UserSystemSpec::lorenz_example()
        });
        other.load_from(&path).expect("opens");
        assert_eq!(other.spec().expect("fields parse"), spec);
    }

    #[test]
    fn a_broken_equation_shows_its_position_under_the_text() {
        let mut editor = SystemEditor::default();
        editor.equations = editor
            .equations
            .replacen("(y - x)*sigma", "(y - x*sigma", 1);
        editor.check();
        let err = editor.status.expect_err("broken");
        assert!(err.contains("column 9 at '('"), "{err}");
        assert!(err.ends_with("dx/dt = (y - x*sigma\n        ^"), "{err}");
    }

    #[test]
    fn bad_parameter_lines_are_named() {
        let mut editor = SystemEditor {
            params: "beta = 2.667\nrho 28\nsigma = 10".into(),
            ..Default::default()
        };
        editor.check();
        let err = editor.status.expect_err("broken");
        assert!(
            err.starts_with("parameters, line 2: 'rho 28' must look like name = value"),
            "{err}"
        );
    }
}
