//! Preset files: a system with parameters and the jobs to start, loaded by
//! `chaoslab gui --preset FILE`. A preset only sets values; it cannot run code.
//!
//! Format (JSON): `{"format": "chaoslab-preset", "version": 1, "system": "Lorenz",
//! "params": {"rho": 28.0}, "initial_condition": [..] (optional),
//! "fast_forward_periods": 20 (optional), "fit": ["DMD"] (card titles, optional),
//! "data_periods": 60 (optional)}`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::systems::{Catalog, System};

/// A parsed preset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    format: String,
    version: u32,
    /// Catalog name.
    pub system: String,
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
}

impl Preset {
    /// Reads and checks a preset file.
    pub fn load(path: &Path) -> anyhow::Result<Preset> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("could not read the preset '{}'", path.display()))?;
        let p: Preset = serde_json::from_str(&text)
            .with_context(|| format!("'{}' is not a valid preset", path.display()))?;
        if p.format != "chaoslab-preset" || p.version != 1 {
            bail!(
                "'{}' is a {} version {} file; this chaoslab reads chaoslab-preset version 1",
                path.display(),
                p.format,
                p.version
            );
        }
        let titles: Vec<&str> = super::cards::all_cards().iter().map(|c| c.title()).collect();
        for f in &p.fit {
            if !titles.iter().any(|t| t.eq_ignore_ascii_case(f)) {
                bail!(
                    "the preset asks to fit '{f}', which has no model card; use one of {}",
                    titles.join(", ")
                );
            }
        }
        p.system()?;
        Ok(p)
    }

    /// The system with the preset's parameters and initial condition.
    pub fn system(&self) -> anyhow::Result<(System, Vec<f64>)> {
        let mut sys = Catalog::builtin().system(&self.system)?;
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
    }
}
