//! Session files: everything needed to reopen a piece of work and get the same numbers
//! back, bit for bit — the system (catalog name or the whole typed system) with its
//! parameters, initial condition and delay history, or the dataset (path and SHA-256 of
//! its bytes); the solver and tolerances; the training-data settings and seeds; every
//! model card's hyperparameters and, for each fitted card, what it was fitted on and
//! (optionally) its trained weights as a [`SavedModel`].
//!
//! # Format (`chaoslab-session`, version 1)
//! One JSON object:
//! ```json
//! {"format": "chaoslab-session", "version": 1, "saved_by": "chaoslab 0.1.0",
//!  "source": "system" | "dataset",
//!  "system": {"catalog": "Lorenz"} | {"user": {<a chaoslab-system object>}},
//!  "params": {"rho": 28.0, ...}, "initial_condition": [..], "delay_history": "constant",
//!  "live_periods": 8.0,
//!  "dataset": null | {"path": "data.csv", "sha256": "…", "dt": null, "lyapunov": 0.9},
//!  "solver": {"method": "dopri5", "rtol": 1e-9, "atol": 1e-12},
//!  "training": {"periods": 60.0, "train_fraction": 0.8, "noise": 0.0, "seed": 0},
//!  "cards": [{"title": "DMD", "settings": {"rank": 0, "holdout": 0.2},
//!             "fit": null | {"params": {..}, "start_state": [..] | null, "lyapunov": null,
//!                            "training": {..}, "fit_seconds": 0.01,
//!                            "model": null | {"family": "dmd", ...}}}]}
//! ```
//! A relative dataset path is read from the session file's folder.
//!
//! JSON, not TOML or RON, for three reasons: a truncated JSON object never parses (its
//! closing brace is missing), whereas a TOML file cut at a line end is a valid, silently
//! shorter file; saved models and presets are already JSON with the same
//! `format`/`version` envelope, so a session embeds a model file verbatim; and
//! `serde_json`'s `float_roundtrip` reads back every f64 bit for bit (checked on save:
//! a file that would not read back is not written).
//!
//! A session only sets values: it names no commands and no programs, and the only path
//! in it (the dataset's) is read, never executed. Writes are atomic
//! ([`super::write_atomic`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::integrate::Method;
use crate::models::saved::SavedModel;
use crate::systems::DelayHistory;
use crate::systems::user::UserSystemSpec;

/// The `format` field of a session file.
pub const SESSION_FORMAT: &str = "chaoslab-session";
/// The version this chaoslab writes; older versions are migrated on reading.
pub const SESSION_VERSION: u32 = 1;

/// Why a session file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The file could not be read.
    #[error("could not read the session '{path}': {reason}")]
    Read {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Not JSON, truncated, or a field has the wrong type.
    #[error(
        "'{shown}' is not a valid chaoslab session ({reason}); if it was cut short, open an earlier copy or save the session again"
    )]
    Parse {
        /// The file as named to the user.
        shown: String,
        /// The parser's message (with line and column).
        reason: String,
    },
    /// A JSON file of another kind.
    #[error(
        "'{shown}' is a '{format}' file, not a chaoslab session; open presets with Presets or `chaoslab gui --preset`, models with `chaoslab generate --model`"
    )]
    Format {
        /// The file as named to the user.
        shown: String,
        /// Its `format` field.
        format: String,
    },
    /// Written by a newer chaoslab (or a version number this chaoslab never wrote).
    #[error(
        "'{shown}' is a chaoslab session of version {version}; this chaoslab reads versions 1 to {SESSION_VERSION}. Open it with a newer chaoslab, or rebuild the session by hand"
    )]
    Version {
        /// The file as named to the user.
        shown: String,
        /// Its `version` field.
        version: u64,
    },
    /// The dataset the session was saved with is gone or has changed.
    #[error(
        "the session's dataset '{path}' {problem}; put the original file back at that path, or load the data again and save a new session"
    )]
    Dataset {
        /// The dataset's path.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// What the models are fitted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionSource {
    /// The system in the left panel.
    System,
    /// The dataset in `dataset`.
    Dataset,
}

/// Which system: a catalog name or a whole typed system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum SystemRef {
    /// A catalog system by name.
    Catalog(String),
    /// A user-typed system, as its `chaoslab-system` file holds it.
    User(UserSystemSpec),
}

/// A dataset by path and content hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRef {
    /// The file (relative paths are read from the session file's folder).
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    /// The sampling interval typed for files without a time column.
    pub dt: Option<f64>,
    /// The user's largest Lyapunov exponent of the data.
    pub lyapunov: Option<f64>,
}

/// The solver the live orbit and the training data are integrated with.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverSettings {
    /// The method.
    pub method: Method,
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

/// The shared training-data settings (the window's "Training data" box).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSettings {
    /// Training-plus-test span in dominant periods.
    pub periods: f64,
    /// Share of the samples used for training.
    pub train_fraction: f64,
    /// Measurement noise (fraction of each variable's standard deviation).
    pub noise: f64,
    /// Seed of the noise.
    pub seed: u64,
}

/// One model card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardState {
    /// The card's title (`"DMD"`).
    pub title: String,
    /// Its hyperparameters, as the card serialises them.
    pub settings: serde_json::Value,
    /// The card's finished fit, if it had one.
    pub fit: Option<FitRecord>,
}

/// What a finished fit was fitted on, and optionally the fitted model itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitRecord {
    /// The system's parameters at fit time (empty for a dataset).
    pub params: BTreeMap<String, f64>,
    /// The state the training data was integrated from (`None` for a dataset).
    pub start_state: Option<Vec<f64>>,
    /// The largest Lyapunov exponent a dataset fit's time axis used (`None`: unknown,
    /// or a system fit, which estimates its own).
    pub lyapunov: Option<f64>,
    /// The training-data settings at fit time.
    pub training: TrainingSettings,
    /// Seconds the original fit took (shown again, not re-measured).
    pub fit_seconds: f64,
    /// The trained model; `None` when saved without weights (it is refitted on open).
    pub model: Option<SavedModel>,
}

/// A whole session (see the [module doc](self) for the file format).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Always [`SESSION_FORMAT`].
    pub format: String,
    /// The version the file was written as (after reading: [`SESSION_VERSION`]).
    pub version: u32,
    /// `chaoslab <version>` that wrote the file (informative).
    #[serde(default)]
    pub saved_by: String,
    /// What the models are fitted on.
    pub source: SessionSource,
    /// The system in the left panel.
    pub system: SystemRef,
    /// Parameter values by name.
    pub params: BTreeMap<String, f64>,
    /// The initial condition the live orbit starts (and resets) from.
    pub initial_condition: Vec<f64>,
    /// How a delay system's history is built from its initial condition.
    pub delay_history: DelayHistory,
    /// Dominant periods the live orbit had run when saved (it is re-integrated to there).
    pub live_periods: f64,
    /// The loaded dataset, if any.
    pub dataset: Option<DatasetRef>,
    /// The solver and tolerances.
    pub solver: SolverSettings,
    /// The training-data settings and seed.
    pub training: TrainingSettings,
    /// Every model card, in display order.
    pub cards: Vec<CardState>,
}

impl Session {
    /// The file's text: pretty JSON ending in a newline.
    ///
    /// Fails when a value has no JSON form (a non-finite number), since such a file
    /// would not read back.
    pub fn to_json(&self) -> anyhow::Result<String> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        let back = Session::from_json(&text, "the session being saved").ok();
        if back.as_ref() != Some(self) {
            anyhow::bail!(
                "the session holds a number with no exact JSON form (NaN or infinity, perhaps in a model's weights); save it without weights"
            );
        }
        Ok(text)
    }

    /// Parses a session's text, migrating older versions; `shown` names it in errors.
    pub fn from_json(text: &str, shown: &str) -> Result<Session, SessionError> {
        let parse = |reason: String| SessionError::Parse {
            shown: shown.to_string(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| parse(e.to_string()))?;
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != SESSION_FORMAT {
            return Err(SessionError::Format {
                shown: shown.to_string(),
                format: if format.is_empty() {
                    "unknown (no \"format\" field)".into()
                } else {
                    format.into()
                },
            });
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        let value = migrate(value, version).ok_or_else(|| SessionError::Version {
            shown: shown.to_string(),
            version,
        })?;
        serde_json::from_value(value).map_err(|e| parse(e.to_string()))
    }

    /// Reads a session file.
    pub fn load(path: &Path) -> Result<Session, SessionError> {
        let text = std::fs::read_to_string(path).map_err(|e| SessionError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Session::from_json(&text, &path.display().to_string())
    }

    /// Writes the session atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let text = self.to_json()?;
        super::write_atomic(path, text.as_bytes())
    }
}

/// Brings a session of `version` up to [`SESSION_VERSION`]; `None` for a version this
/// chaoslab does not know (newer, or never written).
fn migrate(value: serde_json::Value, version: u64) -> Option<serde_json::Value> {
    match version {
        // Version 1 is the first; a future version 2 adds a step `1 => ...` here that
        // rewrites the value and falls through to the next.
        1 => Some(value),
        _ => None,
    }
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl DatasetRef {
    /// Refers to the file at `path`, hashing its current bytes.
    pub fn new(
        path: &Path,
        dt: Option<f64>,
        lyapunov: Option<f64>,
    ) -> Result<DatasetRef, SessionError> {
        let bytes = std::fs::read(path).map_err(|e| SessionError::Dataset {
            path: path.display().to_string(),
            problem: format!("cannot be read ({e})"),
        })?;
        Ok(DatasetRef {
            path: path.to_path_buf(),
            sha256: sha256_hex(&bytes),
            dt,
            lyapunov,
        })
    }

    /// The dataset's path, relative ones taken from `session_dir`.
    pub fn resolve(&self, session_dir: &Path) -> PathBuf {
        if self.path.is_absolute() {
            self.path.clone()
        } else {
            session_dir.join(&self.path)
        }
    }

    /// Reads the dataset after checking that its bytes still hash to [`Self::sha256`].
    pub fn read(&self, session_dir: &Path) -> anyhow::Result<crate::data::Trajectory> {
        let path = self.resolve(session_dir);
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| SessionError::Dataset {
            path: shown.clone(),
            problem: format!("cannot be read ({e})"),
        })?;
        let found = sha256_hex(&bytes);
        if found != self.sha256 {
            return Err(SessionError::Dataset {
                path: shown,
                problem: format!(
                    "has changed since the session was saved (SHA-256 {found}, the session expects {})",
                    self.sha256
                ),
            }
            .into());
        }
        super::read_trajectory(&path, self.dt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Session {
        Session {
            format: SESSION_FORMAT.into(),
            version: SESSION_VERSION,
            saved_by: "test".into(),
            source: SessionSource::System,
            system: SystemRef::Catalog("Lorenz".into()),
            params: BTreeMap::from([("rho".to_string(), 28.0)]),
            initial_condition: vec![1.0, 0.1, 0.0],
            delay_history: DelayHistory::Constant,
            live_periods: 8.0,
            dataset: None,
            solver: SolverSettings {
                method: Method::Dopri5,
                rtol: 1e-9,
                atol: 1e-12,
            },
            training: TrainingSettings {
                periods: 60.0,
                train_fraction: 0.8,
                noise: 0.1,
                seed: 7,
            },
            cards: vec![],
        }
    }

    #[test]
    fn round_trips_awkward_floats_exactly() {
        let mut s = minimal();
        // Values whose shortest decimal forms are long, and subnormals.
        s.initial_condition = vec![0.1 + 0.2, f64::MIN_POSITIVE / 3.0, -1e308];
        s.training.noise = 1.0 / 3.0;
        let back = Session::from_json(&s.to_json().expect("text"), "x").expect("reads");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back.initial_condition), bits(&s.initial_condition));
        assert_eq!(back.training.noise.to_bits(), (1.0f64 / 3.0).to_bits());
    }

    #[test]
    fn non_finite_values_are_refused_on_save() {
        let mut s = minimal();
        s.initial_condition[0] = f64::NAN;
        let err = s.to_json().expect_err("NaN has no JSON form");
        assert!(err.to_string().contains("without weights"), "{err:#}");
    }

    #[test]
    fn other_versions_and_formats_get_advice() {
        let text = minimal().to_json().expect("text");
        let v2 = text.replace("\"version\": 1", "\"version\": 2");
        let err = Session::from_json(&v2, "s.json").expect_err("newer");
        let msg = err.to_string();
        assert!(
            msg.contains("version 2") && msg.contains("newer chaoslab"),
            "{msg}"
        );
        let preset = r#"{"format": "chaoslab-preset", "version": 1}"#;
        let msg = Session::from_json(preset, "p.json")
            .expect_err("a preset")
            .to_string();
        assert!(msg.contains("'chaoslab-preset' file"), "{msg}");
        let msg = Session::from_json("[1, 2]", "a.json")
            .expect_err("not ours")
            .to_string();
        assert!(msg.contains("no \"format\" field"), "{msg}");
    }

    #[test]
    fn a_changed_dataset_is_detected() {
        let dir = std::env::temp_dir().join(format!("chaoslab-session-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("d.csv");
        std::fs::write(&path, "t,x\n0,1\n1,2\n2,3\n").expect("write");
        let r = DatasetRef::new(&path, None, None).expect("hash");
        // An independent truth: the SHA-256 of the empty string.
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(r.read(&dir).expect("unchanged").len(), 3);
        std::fs::write(&path, "t,x\n0,1\n1,2\n2,4\n").expect("write");
        let msg = format!("{:#}", r.read(&dir).expect_err("changed"));
        assert!(
            msg.contains("has changed since the session was saved"),
            "{msg}"
        );
    }
}
