//! Preset files: a system with parameters and the jobs to start, loaded by
//! `chaoslab gui --preset FILE`. A preset only sets values; it cannot run code.
//!
//! Format (JSON): `{"format": "chaoslab-preset", "version": 1, "title": "…",
//! "description": "one line for the menu", "system": "Lorenz" (or "user_system": {a
//! chaoslab-system object, see [`crate::systems::user`]}, and "open_editor": true to
//! show it in the typed-system editor),
//! "params": {"rho": 28.0}, "initial_condition": [..] (optional),
//! "fast_forward_periods": 20 (optional), "fit": ["DMD"] (card titles, optional),
//! "data_periods": 60 (optional), "perturb": true (optional: start the butterfly-effect
//! ensemble), "after_perturb_periods": 3 (optional), "characterise": true (optional: open
//! the Characterise panel and compute the Lyapunov spectrum and dimensions), "views":
//! ["time_series", "poincare", "spectrum", "orbit_diagram", "frame_time"] (optional: open
//! those windows; an orbit diagram starts computing), "orbit_range": [2.8, 4.0]
//! (optional: its parameter range), "orbit_parameter": "rho" (optional: the parameter
//! it varies; default the system's first), "dataset": {"file": "data/rossler-recording.csv",
//! "resample": "cubic" (optional), "dt": 0.1 (optional), "lyapunov": 0.0714 (optional)}
//! (optional: fit this data file, read like "Your data", instead of the system; the path
//! is relative to the preset file), "colour_by": "solid" | "time" | "speed" |
//! "stretching" (optional),
//! "paint_eigenfunction": {"card": "EDMD", "index": 1, "phase": true} (optional: paint
//! that eigenvalue's eigenfunction on the attractor once the card has fitted)}`.
//!
//! The presets shipped in `presets/` are compiled into the binary ([`builtin`]) and
//! listed in the window's Presets menu; so are their data files, which are written to the
//! user's cache folder on first use so that a saved session can refer to them by path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::io::Resampling;
use crate::systems::user::{UserSystem, UserSystemSpec};
use crate::systems::{Catalog, System};

/// A parsed preset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    format: String,
    version: u32,
    /// Menu title.
    pub title: String,
    /// One line for the menu.
    pub description: String,
    /// Catalog name (empty when `user_system` is given).
    #[serde(default)]
    pub system: String,
    /// A typed system, in place of a catalog name.
    #[serde(default)]
    pub user_system: Option<UserSystemSpec>,
    /// Open the typed-system editor.
    #[serde(default)]
    pub open_editor: bool,
    /// Parameter overrides.
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
    /// Start state (default: the catalog's).
    pub initial_condition: Option<Vec<f64>>,
    /// Periods to integrate before the first frame, so the attractor is filled in.
    #[serde(default)]
    pub fast_forward_periods: f64,
    /// Model cards to fit at start, by title (`"DMD"`).
    #[serde(default)]
    pub fit: Vec<String>,
    /// Card settings by card title, as sessions store them (`{"EDMD": {"degree": 4}}`);
    /// fields left out keep their defaults.
    #[serde(default)]
    pub card_settings: BTreeMap<String, serde_json::Value>,
    /// Periods of training data (default: the bench's).
    pub data_periods: Option<f64>,
    /// Start a perturbation ensemble (the butterfly effect) after the fast-forward.
    #[serde(default)]
    pub perturb: bool,
    /// Periods to integrate after perturbing, so the separation is under way.
    #[serde(default)]
    pub after_perturb_periods: f64,
    /// Open the Characterise panel and compute the spectrum and dimensions.
    #[serde(default)]
    pub characterise: bool,
    /// View windows to open: `time_series`, `poincare`, `spectrum`, `orbit_diagram`
    /// (which then starts computing), `frame_time`.
    #[serde(default)]
    pub views: Vec<String>,
    /// The orbit diagram's parameter range (default: the parameter's slider range).
    #[serde(default)]
    pub orbit_range: Option<[f64; 2]>,
    /// The orbit diagram's parameter (default: the system's first).
    #[serde(default)]
    pub orbit_parameter: Option<String>,
    /// A data file to fit instead of the system.
    #[serde(default)]
    pub dataset: Option<PresetDataset>,
    /// How the orbit is coloured: `solid` (default), `time`, `speed` or `stretching`.
    #[serde(default)]
    pub colour_by: crate::render::ColourBy,
    /// Paint a Koopman eigenfunction on the attractor once the card has fitted.
    #[serde(default)]
    pub paint_eigenfunction: Option<PaintEigenfunction>,
    /// The folder of the preset file (`None`: a shipped preset, whose data files are
    /// compiled in).
    #[serde(skip)]
    folder: Option<PathBuf>,
}

/// A preset's data file and how to read it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetDataset {
    /// The file, relative to the preset's folder.
    pub file: String,
    /// How to resample uneven time stamps (`None`: refuse them).
    #[serde(default)]
    pub resample: Option<Resampling>,
    /// The sampling interval (files without a time column) or resampling step.
    #[serde(default)]
    pub dt: Option<f64>,
    /// The data's largest Lyapunov exponent, for scoring forecasts in Lyapunov times.
    #[serde(default)]
    pub lyapunov: Option<f64>,
}

/// A preset's eigenfunction painting: the card, the eigenvalue's index in the card's
/// spectrum (largest modulus first), and whether to paint the phase.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaintEigenfunction {
    /// The card's title (`"EDMD"`).
    pub card: String,
    /// The eigenvalue's index.
    pub index: usize,
    /// Paint `arg φ` (else `|φ|`).
    #[serde(default)]
    pub phase: bool,
}

/// Data files of the shipped presets: (path relative to `presets/`, contents).
const BUILTIN_DATA: &[(&str, &[u8])] = &[(
    "data/rossler-recording.csv",
    include_bytes!("../../presets/data/rossler-recording.csv"),
)];

/// The presets shipped in `presets/`, in menu order: (file name, contents).
const BUILTIN: &[(&str, &str)] = &[
    (
        "lorenz-dmd.json",
        include_str!("../../presets/lorenz-dmd.json"),
    ),
    (
        "lorenz-below-threshold.json",
        include_str!("../../presets/lorenz-below-threshold.json"),
    ),
    (
        "vanderpol-dmd.json",
        include_str!("../../presets/vanderpol-dmd.json"),
    ),
    ("henon.json", include_str!("../../presets/henon.json")),
    (
        "lorenz-butterfly.json",
        include_str!("../../presets/lorenz-butterfly.json"),
    ),
    (
        "lorenz-sindy.json",
        include_str!("../../presets/lorenz-sindy.json"),
    ),
    (
        "lorenz-compare.json",
        include_str!("../../presets/lorenz-compare.json"),
    ),
    (
        "lorenz-plrnn.json",
        include_str!("../../presets/lorenz-plrnn.json"),
    ),
    (
        "typed-thomas.json",
        include_str!("../../presets/typed-thomas.json"),
    ),
    (
        "lorenz-characterise.json",
        include_str!("../../presets/lorenz-characterise.json"),
    ),
    (
        "lorenz-views.json",
        include_str!("../../presets/lorenz-views.json"),
    ),
    (
        "lorenz-stretching.json",
        include_str!("../../presets/lorenz-stretching.json"),
    ),
    (
        "logistic-orbit-diagram.json",
        include_str!("../../presets/logistic-orbit-diagram.json"),
    ),
    (
        "rossler-recording.json",
        include_str!("../../presets/rossler-recording.json"),
    ),
];

/// The shipped presets, parsed.
pub fn builtin() -> Vec<Preset> {
    BUILTIN
        .iter()
        .filter_map(|(name, text)| Preset::from_json(text, name).ok())
        .collect()
}

impl Preset {
    /// Reads and checks a preset file.
    pub fn load(path: &Path) -> anyhow::Result<Preset> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("could not read the preset '{}'", path.display()))?;
        let mut preset = Preset::from_json(&text, &path.display().to_string())?;
        let folder = path.parent().unwrap_or(Path::new("."));
        preset.folder = Some(folder.to_path_buf());
        if let Some(d) = &preset.dataset
            && !folder.join(&d.file).is_file()
        {
            bail!(
                "the preset '{}' names the data file '{}', which is not in its folder {}",
                path.display(),
                d.file,
                folder.display()
            );
        }
        Ok(preset)
    }

    /// The path of the preset's data file: beside the preset file, or for a shipped
    /// preset its compiled-in copy written (once, atomically) to the cache folder.
    pub fn dataset_path(&self) -> anyhow::Result<Option<PathBuf>> {
        let Some(d) = &self.dataset else {
            return Ok(None);
        };
        if let Some(folder) = &self.folder {
            return Ok(Some(folder.join(&d.file)));
        }
        let Some((_, bytes)) = BUILTIN_DATA.iter().find(|(name, _)| *name == d.file) else {
            bail!(
                "the shipped preset '{}' names the data file '{}', which is not compiled in",
                self.title,
                d.file
            );
        };
        let path = cache_folder().join("presets").join(&d.file);
        if std::fs::read(&path).ok().as_deref() != Some(*bytes) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).with_context(|| {
                    format!(
                        "could not create the folder {} for the preset's data",
                        parent.display()
                    )
                })?;
            }
            crate::io::write_atomic(&path, bytes)?;
        }
        Ok(Some(path))
    }

    /// Parses and checks a preset's text; `shown` names it in errors.
    pub fn from_json(text: &str, shown: &str) -> anyhow::Result<Preset> {
        let p: Preset = serde_json::from_str(text)
            .with_context(|| format!("'{shown}' is not a valid preset"))?;
        if p.format != "chaoslab-preset" || p.version != 1 {
            bail!(
                "'{shown}' is a {} version {} file; this chaoslab reads chaoslab-preset version 1",
                p.format,
                p.version
            );
        }
        let titles: Vec<&str> = super::cards::all_cards()
            .iter()
            .map(|c| c.title())
            .collect();
        for f in &p.fit {
            if !titles.iter().any(|t| t.eq_ignore_ascii_case(f)) {
                bail!(
                    "the preset asks to fit '{f}', which has no model card; use one of {}",
                    titles.join(", ")
                );
            }
        }
        for v in &p.views {
            if !super::views::VIEW_NAMES.contains(&v.as_str()) {
                bail!(
                    "the preset asks to open the view '{v}', which does not exist; use one of {}",
                    super::views::VIEW_NAMES.join(", ")
                );
            }
        }
        if let Some(d) = &p.dataset {
            if let Some(dt) = d.dt
                && !(dt.is_finite() && dt > 0.0)
            {
                bail!("the preset's dataset dt must be a positive number, got {dt}");
            }
            if let Some(l) = d.lyapunov
                && !(l.is_finite() && l > 0.0)
            {
                bail!("the preset's dataset lyapunov must be a positive number, got {l}");
            }
        }
        p.system()?;
        Ok(p)
    }

    /// The system with the preset's parameters and initial condition.
    pub fn system(&self) -> anyhow::Result<(System, Vec<f64>)> {
        let mut sys = match (&self.user_system, self.system.as_str()) {
            (Some(spec), "") => System::from_user(std::sync::Arc::new(
                UserSystem::compile(spec.clone()).context("the preset's user_system")?,
            )),
            (Some(_), _) => bail!("a preset names either \"system\" or \"user_system\", not both"),
            (None, "") => {
                bail!("the preset names no system: add \"system\": \"Lorenz\" or a \"user_system\"")
            }
            (None, name) => Catalog::builtin().system(name)?,
        };
        for (k, v) in &self.params {
            sys.set_param(k, *v)?;
        }
        let ic = self
            .initial_condition
            .clone()
            .unwrap_or_else(|| sys.info().initial_conditions.clone());
        sys.check_state(&ic)?;
        Ok((sys, ic))
    }
}

/// `$XDG_CACHE_HOME/chaoslab`, else `~/.cache/chaoslab` (`%LOCALAPPDATA%\\chaoslab` on
/// Windows), else the temporary folder.
fn cache_folder() -> PathBuf {
    let from = |var: &str, tail: &[&str]| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(|v| tail.iter().fold(PathBuf::from(v), |p, t| p.join(t)))
    };
    from("XDG_CACHE_HOME", &["chaoslab"])
        .or_else(|| from("LOCALAPPDATA", &["chaoslab"]))
        .or_else(|| from("HOME", &[".cache", "chaoslab"]))
        .unwrap_or_else(|| std::env::temp_dir().join("chaoslab"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_presets_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).expect("presets folder") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if name.ends_with(".json") && name != "systems.json" {
                Preset::load(&path).expect("valid preset");
                n += 1;
            }
        }
        assert!(n >= 1);
        // A shipped preset's data file is written out byte for byte.
        let recording = builtin()
            .into_iter()
            .find(|p| p.dataset.is_some())
            .expect("a shipped preset with data");
        let path = recording
            .dataset_path()
            .expect("written")
            .expect("a data path");
        let original = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("presets")
            .join(&recording.dataset.as_ref().expect("dataset").file);
        assert_eq!(
            std::fs::read(path).expect("cached copy"),
            std::fs::read(original).expect("original")
        );
        // Every file in presets/ is also in the menu.
        assert_eq!(
            builtin().len(),
            n,
            "a preset file is missing from BUILTIN or invalid"
        );
    }
}
