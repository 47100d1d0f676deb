//! Sessions in the window: "Save session…" and "Open session…" (file dialogs on helper
//! threads), and the functions behind them, which take a path so tests and the CLI can
//! call them. The file format is [`crate::io::session`].
//!
//! Opening builds everything first — the system, the dataset (its hash checked), every
//! card's settings and saved model — and only then replaces the window's state, so a
//! bad file leaves the session the user had untouched. Fitted cards come back by
//! scoring their saved model on the same training data (the same numbers, bit for
//! bit), or, for a file saved without weights, by fitting again with the saved settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use anyhow::{Context, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::bench::Bench;
use super::fit_job::{DataSettings, FitSource, FitWork};
use super::{ChaosApp, SourceKind, format_vector};
use crate::integrate::{Method, solve_defaults};
use crate::io::session::{
    CardState, DatasetRef, FitRecord, SESSION_FORMAT, SESSION_VERSION, Session, SessionSource,
    SolverSettings, SystemRef, TrainingSettings,
};
use crate::systems::user::UserSystem;
use crate::systems::{Catalog, System};

/// The live orbit is re-integrated for at most this many periods on opening: it is only
/// drawn (the fits keep their exact start states), and a hand-edited huge value must
/// not stall the window.
pub const MAX_REPLAY_PERIODS: f64 = 1_000.0;

/// A model card's hyperparameters as a JSON value, and back (every card derives serde).
pub trait CardSettings {
    /// The settings as a JSON object.
    fn settings(&self) -> serde_json::Value;
    /// Replaces the settings; fields missing from `value` take their defaults, unknown
    /// fields are an error naming them.
    fn set_settings(&mut self, value: &serde_json::Value) -> Result<(), String>;
}

impl<T: Serialize + DeserializeOwned> CardSettings for T {
    fn settings(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    fn set_settings(&mut self, value: &serde_json::Value) -> Result<(), String> {
        *self = T::deserialize(value).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// Whether a saved session carries the fitted models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weights {
    /// Embed every fitted model (opening scores it again, no refit).
    Embed,
    /// Only settings (opening refits the cards that were fitted).
    Omit,
}

/// The solver the window integrates with (the live orbit and the training data).
pub fn window_solver() -> SolverSettings {
    SolverSettings {
        method: Method::Dopri5,
        rtol: solve_defaults::RTOL,
        atol: solve_defaults::ATOL,
    }
}

fn training(d: &DataSettings) -> TrainingSettings {
    TrainingSettings {
        periods: d.periods,
        train_fraction: d.train_fraction,
        noise: d.noise,
        seed: d.seed,
    }
}

fn data_settings(t: &TrainingSettings) -> anyhow::Result<DataSettings> {
    if !(t.periods.is_finite() && t.periods > 0.0) {
        bail!(
            "the session's training periods must be a positive number, got {}",
            t.periods
        );
    }
    if !(t.train_fraction > 0.0 && t.train_fraction < 1.0) {
        bail!(
            "the session's train_fraction must lie between 0 and 1, got {}",
            t.train_fraction
        );
    }
    if !(t.noise.is_finite() && t.noise >= 0.0) {
        bail!("the session's noise must be a number ≥ 0, got {}", t.noise);
    }
    Ok(DataSettings {
        periods: t.periods,
        train_fraction: t.train_fraction,
        noise: t.noise,
        seed: t.seed,
    })
}

/// The session's system with its parameters and delay history, and its initial
/// condition checked against it.
fn build_system(s: &Session) -> anyhow::Result<(System, Vec<f64>)> {
    let mut system = match &s.system {
        SystemRef::Catalog(name) => Catalog::builtin().system(name)?,
        SystemRef::User(spec) => System::from_user(Arc::new(
            UserSystem::compile(spec.clone()).context("the session's typed system")?,
        )),
    };
    for (k, v) in &s.params {
        system
            .set_param(k, *v)
            .with_context(|| format!("the session's parameter '{k}'"))?;
    }
    system.set_delay_history(s.delay_history);
    system
        .check_state(&s.initial_condition)
        .context("the session's initial_condition")?;
    Ok((system, s.initial_condition.clone()))
}

/// One card's job to start once the session is applied.
struct Restore {
    card: usize,
    source: FitSource,
    work: FitWork,
    data: DataSettings,
}

impl ChaosApp {
    /// The session as it stands: system, dataset, solver, training settings, cards and
    /// (with [`Weights::Embed`]) every fitted model.
    pub fn session(&self, weights: Weights) -> anyhow::Result<Session> {
        let sys = &self.live.system;
        let system = match sys.user() {
            Some(user) => SystemRef::User(user.spec().clone()),
            None => SystemRef::Catalog(sys.name().to_string()),
        };
        let dataset = match (&self.data.loaded, &self.data.loaded_from) {
            (Some(_), Some(r)) => Some(DatasetRef {
                path: std::fs::canonicalize(&r.path).unwrap_or_else(|_| r.path.clone()),
                lyapunov: self.data.lyapunov(),
                ..r.clone()
            }),
            _ => None,
        };
        let source = match (self.source, &dataset) {
            (SourceKind::Dataset, Some(_)) => SessionSource::Dataset,
            _ => SessionSource::System,
        };
        let cards = self
            .bench
            .cards
            .iter()
            .map(|card| CardState {
                title: card.spec.title().to_string(),
                settings: card.spec.settings(),
                fit: card.outcome().map(|out| {
                    let (params, start_state, lyapunov) = match &out.source {
                        FitSource::System { system, x0 } => (
                            system.named_params().into_iter().collect(),
                            Some(x0.clone()),
                            None,
                        ),
                        FitSource::Dataset { lyapunov, .. } => {
                            (Default::default(), None, *lyapunov)
                        }
                    };
                    FitRecord {
                        params,
                        start_state,
                        lyapunov,
                        training: training(&out.data),
                        fit_seconds: out.fit_seconds,
                        model: (weights == Weights::Embed).then(|| out.model.to_saved()),
                    }
                }),
            })
            .collect();
        Ok(Session {
            format: SESSION_FORMAT.into(),
            version: SESSION_VERSION,
            saved_by: format!("chaoslab {}", env!("CARGO_PKG_VERSION")),
            source,
            system,
            params: sys.named_params().into_iter().collect(),
            initial_condition: self.live.initial_condition.clone(),
            delay_history: sys.delay_history(),
            live_periods: self.live.time() / sys.info().period,
            dataset,
            solver: window_solver(),
            training: training(&self.bench.data),
            cards,
        })
    }

    /// Writes the session to `path` atomically.
    pub fn save_session(&self, path: &Path, weights: Weights) -> anyhow::Result<()> {
        self.session(weights)?.save(path)
    }

    /// Reads the session at `path` and replaces the window's state with it (see
    /// [`ChaosApp::apply_session`]).
    pub fn open_session(&mut self, path: &Path) -> anyhow::Result<()> {
        let session = Session::load(path)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.apply_session(&session, dir)
            .with_context(|| format!("could not open the session '{}'", path.display()))
    }

    /// Replaces the window's state with `s` (a relative dataset path is read from
    /// `dir`) and starts the cards' restore jobs. Nothing changes when it fails.
    pub fn apply_session(&mut self, s: &Session, dir: &Path) -> anyhow::Result<()> {
        if s.solver != window_solver() {
            let w = window_solver();
            bail!(
                "the session was integrated with {:?} (rtol {}, atol {}), the window integrates with {:?} (rtol {}, atol {}); set \"solver\" to those values to open it anyway (its numbers will then differ slightly)",
                s.solver.method,
                s.solver.rtol,
                s.solver.atol,
                w.method,
                w.rtol,
                w.atol
            );
        }
        let (system, ic) = build_system(s)?;
        let bench_data = data_settings(&s.training)?;
        let dataset = match &s.dataset {
            Some(r) => Some((Arc::new(r.read(dir)?), r.clone())),
            None if s.source == SessionSource::Dataset => {
                bail!("the session fits a dataset but names none; add a \"dataset\" entry")
            }
            None => None,
        };
        if !(s.live_periods.is_finite() && s.live_periods >= 0.0) {
            bail!(
                "the session's live_periods must be a number ≥ 0, got {}",
                s.live_periods
            );
        }
        let mut bench = Bench {
            data: bench_data,
            ..Default::default()
        };
        let mut restores = Vec::new();
        for state in &s.cards {
            let i = bench.index_of(&state.title).with_context(|| {
                format!(
                    "the session has a '{}' card, which this chaoslab does not have",
                    state.title
                )
            })?;
            bench.cards[i]
                .spec
                .set_settings(&state.settings)
                .map_err(|e| anyhow::anyhow!("the '{}' card's settings: {e}", state.title))?;
            if let Some(fit) = &state.fit {
                restores.push(restore_job(i, state, fit, &bench, &system, &dataset, s)?);
            }
        }

        // Everything is valid: replace the state.
        self.bench.reset();
        self.bench = bench;
        self.source = match s.source {
            SessionSource::System => SourceKind::System,
            SessionSource::Dataset => SourceKind::Dataset,
        };
        if let Some(user) = system.user() {
            self.editor.fill(user.spec());
            self.remember_user_system(&system);
        }
        self.live.set_system(system);
        self.live.initial_condition = ic;
        self.live.reset();
        self.live
            .fast_forward(s.live_periods.min(MAX_REPLAY_PERIODS));
        self.ic_text = format_vector(&self.live.initial_condition);
        match dataset {
            Some((traj, reference)) => self.data.set_loaded(traj, reference),
            None => self.data = Default::default(),
        }
        self.view.request_frame();
        self.pending_fits.clear();
        for r in restores {
            self.bench
                .run(r.card, r.source, r.work, r.data, self.waker.clone());
        }
        Ok(())
    }
}

/// The job that brings back card `i`'s fit: score the saved model, or refit.
fn restore_job(
    i: usize,
    state: &CardState,
    fit: &FitRecord,
    bench: &Bench,
    system: &System,
    dataset: &Option<(Arc<crate::data::Trajectory>, DatasetRef)>,
    s: &Session,
) -> anyhow::Result<Restore> {
    let title = &state.title;
    let source = match (&fit.start_state, dataset, s.source) {
        (Some(x0), _, SessionSource::System) => {
            let mut sys = system.clone();
            for (k, v) in &fit.params {
                sys.set_param(k, *v)
                    .with_context(|| format!("the '{title}' fit's parameter '{k}'"))?;
            }
            sys.check_state(x0)
                .with_context(|| format!("the '{title}' fit's start_state"))?;
            FitSource::System {
                system: sys,
                x0: x0.clone(),
            }
        }
        (None, Some((data, _)), SessionSource::Dataset) => FitSource::Dataset {
            data: data.clone(),
            lyapunov: fit.lyapunov,
        },
        _ => bail!(
            "the '{title}' fit names no start_state for a system session (or has one in a dataset session); remove its \"fit\" entry to open the session unfitted"
        ),
    };
    let work = match &fit.model {
        Some(saved) => FitWork::Restore {
            model: saved.clone().into_fitted(),
            fit_seconds: fit.fit_seconds,
        },
        None => FitWork::Fit(bench.cards[i].spec.model()),
    };
    Ok(Restore {
        card: i,
        source,
        work,
        data: data_settings(&fit.training)
            .with_context(|| format!("the '{title}' fit's training settings"))?,
    })
}

/// What the session buttons asked for.
enum Pick {
    Save(PathBuf),
    Open(PathBuf),
}

/// The session menu's state: the dialog in flight and the last outcome.
#[derive(Default)]
pub struct SessionMenu {
    /// Save without the fitted models.
    pub settings_only: bool,
    /// The last save or open: `Ok(message)` or `Err(reason)`, shown under the buttons.
    pub status: Option<Result<String, String>>,
    dialog: Option<Receiver<Option<Pick>>>,
}

impl ChaosApp {
    /// Draws "Save session…", "Open session…" and the outcome label; carries out a
    /// picked file.
    pub(super) fn session_menu(&mut self, ui: &mut egui::Ui) {
        if let Some(rx) = &self.session_menu.dialog
            && let Ok(picked) = rx.try_recv()
        {
            self.session_menu.dialog = None;
            match picked {
                Some(Pick::Save(path)) => self.session_file_picked(true, &path),
                Some(Pick::Open(path)) => self.session_file_picked(false, &path),
                None => {}
            }
        }
        let idle = self.session_menu.dialog.is_none();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(idle, egui::Button::new("Save session…"))
                .clicked()
            {
                self.session_dialog(true);
            }
            if ui
                .add_enabled(idle, egui::Button::new("Open session…"))
                .clicked()
            {
                self.session_dialog(false);
            }
        });
        ui.checkbox(
            &mut self.session_menu.settings_only,
            "save settings only (refit on open)",
        );
        match &self.session_menu.status {
            Some(Ok(msg)) => {
                ui.label(egui::RichText::new(msg).small());
            }
            Some(Err(e)) => {
                ui.colored_label(egui::Color32::from_rgb(255, 110, 90), e);
            }
            None => {}
        }
    }

    /// Saves to (`save`) or opens `path`, as a file picked in the dialog does, and shows
    /// the outcome under the buttons.
    pub fn session_file_picked(&mut self, save: bool, path: &Path) {
        let weights = if self.session_menu.settings_only {
            Weights::Omit
        } else {
            Weights::Embed
        };
        let outcome = if save {
            self.save_session(path, weights)
                .map(|()| format!("saved {}", path.display()))
        } else {
            self.open_session(path)
                .map(|()| format!("opened {}", path.display()))
        };
        self.session_menu.status = Some(outcome.map_err(|e| format!("{e:#}")));
    }

    /// Asks for a file on a helper thread, so the window keeps drawing.
    fn session_dialog(&mut self, save: bool) {
        let (tx, rx) = channel();
        let waker = self.waker.clone();
        std::thread::spawn(move || {
            let dialog = rfd::FileDialog::new().add_filter("chaoslab session", &["json"]);
            let picked = if save {
                dialog
                    .set_file_name("session.chaoslab.json")
                    .save_file()
                    .map(Pick::Save)
            } else {
                dialog.pick_file().map(Pick::Open)
            };
            let _ = tx.send(picked);
            if let Some(w) = waker {
                w();
            }
        });
        self.session_menu.dialog = Some(rx);
    }
}
