//! The arguments that pick a system and its settings, shared by several sub-commands.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;

use crate::systems::user::UserSystem;
use crate::systems::{Catalog, DelayHistory, System};

/// `(--system NAME | --system-file FILE) [--param k=v]... [--ic a,b,c] [--history H]`.
#[derive(Args, Debug, Clone)]
pub struct SystemArgs {
    /// Catalog name of the system (see `chaoslab list`).
    #[arg(long, group = "system_choice")]
    pub system: Option<String>,
    /// A user-typed system: a `chaoslab-system` JSON file (see presets/user/lorenz.json).
    #[arg(long, value_name = "FILE", group = "system_choice")]
    pub system_file: Option<PathBuf>,
    /// A parameter value, `name=value`; repeat for several.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Initial condition, comma-separated (default: the catalog's). For a delay
    /// equation: its ten-column delay embedding x(t0 - k tau/9), k = 0..9.
    #[arg(long, value_name = "A,B,C", allow_hyphen_values = true)]
    pub ic: Option<String>,
    /// Delay equations only: the history before the start, `constant` (dysts: the first
    /// initial value) or `embedding` (the ten initial values joined linearly over one
    /// delay).
    #[arg(long, value_name = "constant|embedding")]
    pub history: Option<String>,
}

impl SystemArgs {
    /// The chosen system with parameters applied, and its initial condition.
    pub fn resolve(&self) -> anyhow::Result<(System, Vec<f64>)> {
        let mut system = match (&self.system, &self.system_file) {
            (Some(name), _) => Catalog::builtin().system(name)?,
            (None, Some(path)) => System::from_user(Arc::new(
                UserSystem::load(path)
                    .with_context(|| format!("--system-file {}", path.display()))?,
            )),
            (None, None) => bail!(
                "no system given: add --system NAME (run `chaoslab list` to see the names) \
                 or --system-file FILE"
            ),
        };
        for p in &self.params {
            let (k, v) = p
                .split_once('=')
                .with_context(|| format!("--param '{p}' must look like name=value, e.g. rho=28"))?;
            let value: f64 = v
                .trim()
                .parse()
                .with_context(|| format!("--param {k}: '{v}' is not a number"))?;
            system.set_param(k.trim(), value)?;
        }
        if let Some(h) = &self.history {
            if system.kind() != crate::systems::Kind::Delay {
                bail!(
                    "--history applies to delay equations only; {} is a {}",
                    system.name(),
                    system.kind()
                );
            }
            system.set_delay_history(DelayHistory::parse(h).map_err(anyhow::Error::msg)?);
        }
        let ic = match &self.ic {
            Some(text) => parse_vector(text, "--ic")?,
            None => system.info().initial_conditions.clone(),
        };
        system.check_state(&ic)?;
        Ok((system, ic))
    }
}

/// Parses `a,b,c` into numbers, naming the flag in errors.
pub fn parse_vector(text: &str, flag: &str) -> anyhow::Result<Vec<f64>> {
    text.split(',')
        .map(|s| {
            s.trim().parse::<f64>().with_context(|| {
                format!(
                    "{flag}: '{}' is not a number (expected e.g. 1,2.5,-3)",
                    s.trim()
                )
            })
        })
        .collect()
}
