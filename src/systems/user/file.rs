//! The `chaoslab-system` file (version 1): what the user typed, as JSON. See the
//! [module doc](super) for the format.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::UserSystemError;
use crate::systems::Kind;

/// The `format` field of a system file.
pub const FORMAT: &str = "chaoslab-system";
/// The version this chaoslab writes and reads.
pub const VERSION: u32 = 1;

/// A parameter as typed: name, default value, optional slider range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserParam {
    /// Name as used in the equations.
    pub name: String,
    /// Default value.
    pub default: f64,
    /// Lower end of the slider (default: see [`UserParam::range`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper end of the slider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl UserParam {
    /// The slider range: the one given, else `[0.5 p, 1.5 p]` sorted (`[-1, 1]` for
    /// `p = 0`), the catalog's convention.
    pub fn range(&self) -> (f64, f64) {
        let p = self.default;
        let (lo, hi) = if p == 0.0 {
            (-1.0, 1.0)
        } else {
            let (a, b) = (0.5 * p, 1.5 * p);
            (a.min(b), a.max(b))
        };
        (self.min.unwrap_or(lo), self.max.unwrap_or(hi))
    }
}

/// A user-typed system as stored in a `chaoslab-system` file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSystemSpec {
    /// Always `chaoslab-system`.
    pub format: String,
    /// Always 1.
    pub version: u32,
    /// Display name.
    pub name: String,
    /// `flow` or `map`.
    pub kind: Kind,
    /// State variable names, in state order.
    pub state_names: Vec<String>,
    /// Parameters with defaults.
    #[serde(default)]
    pub params: Vec<UserParam>,
    /// One equation per state: `dx/dt = …` (flows) or `x_next = …` (maps).
    pub equations: Vec<String>,
    /// The initial condition, one value per state.
    pub initial_conditions: Vec<f64>,
    /// The dominant time scale (sets sampling and live speed); 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<f64>,
    /// One or two sentences for the picker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl UserSystemSpec {
    /// Parses a system file's text and checks its format and version (the equations are
    /// checked by [`super::UserSystem::compile`]).
    pub fn from_json(text: &str) -> Result<Self, UserSystemError> {
        let spec: UserSystemSpec =
            serde_json::from_str(text).map_err(|e| UserSystemError::File(e.to_string()))?;
        if spec.format != FORMAT || spec.version != VERSION {
            return Err(UserSystemError::Format {
                format: spec.format,
                version: spec.version,
            });
        }
        Ok(spec)
    }

    /// Reads a system file.
    pub fn load(path: &Path) -> Result<Self, UserSystemError> {
        let text = std::fs::read_to_string(path).map_err(|e| UserSystemError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_json(&text)
    }

    /// The file's text (pretty JSON, ending in a newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// Typed Lorenz (1963) with the catalog's parameters and initial condition, written
    /// with the compiled equations' order of operations so both round alike.
    pub fn lorenz_example() -> Self {
        UserSystemSpec {
            format: FORMAT.into(),
            version: VERSION,
            name: "Typed Lorenz".into(),
            kind: Kind::Flow,
            state_names: vec!["x".into(), "y".into(), "z".into()],
            params: [
                ("beta", 2.667, 0.0, 10.0),
                ("rho", 28.0, 0.0, 200.0),
                ("sigma", 10.0, 0.0, 40.0),
            ]
            .into_iter()
            .map(|(n, d, lo, hi)| UserParam {
                name: n.into(),
                default: d,
                min: Some(lo),
                max: Some(hi),
            })
            .collect(),
            equations: vec![
                "dx/dt = (y - x)*sigma".into(),
                "dy/dt = x*(rho - z) - y".into(),
                "dz/dt = x*y - z*beta".into(),
            ],
            initial_conditions: vec![-9.7869288, -15.03852, 20.533978],
            period: Some(1.5008),
            description: Some(
                "Lorenz (1963) typed in as equations: the same system as the catalog's Lorenz."
                    .into(),
            ),
        }
    }
}
