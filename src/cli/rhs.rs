//! `chaoslab rhs`: the vector field or the map's image at one state.

use clap::Args;
use serde_json::json;

use super::{SystemArgs, json_out, parse_vector};

/// Arguments of `rhs`.
#[derive(Args, Debug)]
pub struct RhsArgs {
    #[command(flatten)]
    system: SystemArgs,
    /// The state, comma-separated.
    #[arg(long, allow_hyphen_values = true)]
    state: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &RhsArgs) -> anyhow::Result<String> {
    let (system, _) = args.system.resolve()?;
    let x = parse_vector(&args.state, "--state")?;
    system.check_state(&x)?;
    let mut out = vec![0.0; system.dim()];
    system.rhs(&x, &mut out);
    if args.json {
        return Ok(json_out(json!({ "rhs": out, "system": system.name() })));
    }
    let names = &system.info().state_names;
    let is_map = system.kind() == crate::systems::Kind::Map;
    Ok(names
        .iter()
        .zip(&out)
        .map(|(n, v)| {
            if is_map {
                format!("{n}' = {v}\n")
            } else {
                format!("d{n}/dt = {v}\n")
            }
        })
        .collect())
}
