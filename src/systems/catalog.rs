//! The catalog of built-in systems, read from `presets/systems.json` (embedded in the
//! binary at compile time, so the program needs no files beside it).
//!
//! File format (`"format": "chaoslab-catalog"`, `"version": 1`): a list of systems, each
//! with `name`, `kind` (`flow` or `map`), `state_names`, `params` (`name`, `default`,
//! `min`, `max` — the slider range), `initial_conditions`, `period` (dominant time scale),
//! `dt` (dysts' integration step), `max_lyapunov` with its `max_lyapunov_source`,
//! `citation` and `description`. Every name must have compiled equations in
//! [`super::equations`].

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::{System, SystemError, equations};

/// Continuous-time flow or discrete-time map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `dx/dt = f(x)`.
    Flow,
    /// `x_{n+1} = f(x_n)`.
    Map,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Flow => "flow",
            Kind::Map => "map",
        })
    }
}

/// A named parameter with its default and slider range.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParamSpec {
    /// Name as in the equations.
    pub name: String,
    /// Default (dysts) value.
    pub default: f64,
    /// Lower end of the slider.
    pub min: f64,
    /// Upper end of the slider.
    pub max: f64,
}

/// Catalog metadata of one system.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SystemInfo {
    /// Catalog name (dysts spelling).
    pub name: String,
    /// Flow or map.
    pub kind: Kind,
    /// Names of the state variables, in state order.
    pub state_names: Vec<String>,
    /// Parameters in the order the equations take them (sorted by name, as dysts).
    pub params: Vec<ParamSpec>,
    /// A default initial condition on or near the attractor.
    pub initial_conditions: Vec<f64>,
    /// Dominant period of the power spectrum (1 for maps).
    pub period: f64,
    /// dysts' integration step (1 for maps).
    pub dt: f64,
    /// A published largest Lyapunov exponent at the default parameters (per time unit).
    pub max_lyapunov: f64,
    /// Where `max_lyapunov` comes from.
    pub max_lyapunov_source: String,
    /// The reference for the equations.
    pub citation: String,
    /// One or two sentences for the picker.
    pub description: String,
}

#[derive(Deserialize)]
struct CatalogFile {
    format: String,
    version: u32,
    systems: Vec<SystemInfo>,
}

/// All built-in systems.
#[derive(Clone, Debug)]
pub struct Catalog {
    systems: Vec<Arc<SystemInfo>>,
}

const CATALOG_JSON: &str = include_str!("../../presets/systems.json");

impl Catalog {
    /// The catalog shipped with the binary (parsed once).
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::from_json(CATALOG_JSON)
                .expect("presets/systems.json is validated by the catalog test")
        })
    }

    /// Parses and validates a catalog file.
    pub fn from_json(text: &str) -> Result<Catalog, SystemError> {
        let file: CatalogFile =
            serde_json::from_str(text).map_err(|e| SystemError::Catalog(e.to_string()))?;
        if file.format != "chaoslab-catalog" || file.version != 1 {
            return Err(SystemError::Catalog(format!(
                "expected format chaoslab-catalog version 1, found {} version {}",
                file.format, file.version
            )));
        }
        for s in &file.systems {
            if equations::by_name(&s.name).is_none() {
                return Err(SystemError::Catalog(format!(
                    "{} has no compiled equations",
                    s.name
                )));
            }
            if s.initial_conditions.len() != s.state_names.len() {
                return Err(SystemError::Catalog(format!(
                    "{}: {} initial conditions for {} states",
                    s.name,
                    s.initial_conditions.len(),
                    s.state_names.len()
                )));
            }
            if s.params
                .iter()
                .any(|p| !(p.min <= p.default && p.default <= p.max))
            {
                return Err(SystemError::Catalog(format!(
                    "{}: a default lies outside its slider range",
                    s.name
                )));
            }
        }
        Ok(Catalog {
            systems: file.systems.into_iter().map(Arc::new).collect(),
        })
    }

    /// Every system's metadata, in file order.
    pub fn infos(&self) -> impl Iterator<Item = &SystemInfo> {
        self.systems.iter().map(|s| s.as_ref())
    }

    /// A system with its default parameters, or an error that suggests close names.
    pub fn system(&self, name: &str) -> Result<System, SystemError> {
        let info = self
            .systems
            .iter()
            .find(|s| s.name == name)
            .or_else(|| {
                self.systems
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| SystemError::Unknown {
                name: name.to_string(),
                suggestions: self.close_matches(name),
            })?;
        let eq = equations::by_name(&info.name)
            .expect("every catalog entry was checked to have equations");
        Ok(System::new(info.clone(), eq))
    }

    /// Catalog names within a small edit distance of `name`, closest first.
    pub fn close_matches(&self, name: &str) -> Vec<String> {
        let lower = name.to_lowercase();
        let mut scored: Vec<(f64, &str)> = self
            .systems
            .iter()
            .map(|s| {
                (
                    strsim::jaro_winkler(&lower, &s.name.to_lowercase()),
                    s.name.as_str(),
                )
            })
            .filter(|(score, _)| *score > 0.7)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored
            .into_iter()
            .take(3)
            .map(|(_, n)| n.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalog_is_valid_and_complete() {
        let cat = Catalog::from_json(CATALOG_JSON).expect("valid");
        let names: Vec<_> = cat.infos().map(|s| s.name.clone()).collect();
        for n in ["Lorenz", "Rossler", "VanDerPol", "Duffing", "Henon"] {
            assert!(names.iter().any(|m| m == n), "{n} missing");
            cat.system(n).expect("loads");
        }
    }

    #[test]
    fn rejects_entry_without_equations() {
        let bad = CATALOG_JSON.replacen("\"Rossler\"", "\"Nosuch\"", 1);
        assert!(Catalog::from_json(&bad).is_err());
    }
}
