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
//! (optional: its parameter range)}`.
//!
//! The presets shipped in `presets/` are compiled into the binary ([`builtin`]) and
//! listed in the window's Presets menu.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

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
}

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
        "logistic-orbit-diagram.json",
        include_str!("../../presets/logistic-orbit-diagram.json"),
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
        Preset::from_json(&text, &path.display().to_string())
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
        // Every file in presets/ is also in the menu.
        assert_eq!(
            builtin().len(),
            n,
            "a preset file is missing from BUILTIN or invalid"
        );
    }
}
