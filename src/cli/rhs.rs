//! `chaoslab rhs`: the vector field or the map's image at one state.

use clap::Args;
use serde_json::json;

use super::{SystemArgs, json_out, parse_vector};

/// Arguments of `rhs`.
#[derive(Args, Debug)]
pub struct RhsArgs {
    #[command(flatten)]
    system: SystemArgs,
    /// The state, comma-separated. For a delay system: `x(t),x(t-tau)` (or its whole
    /// delay embedding, whose first and last entries are those two values).
    #[arg(long, allow_hyphen_values = true)]
    state: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &RhsArgs) -> anyhow::Result<String> {
    let (system, _) = args.system.resolve()?;
    let x = parse_vector(&args.state, "--state")?;
    if system.kind() == crate::systems::Kind::Delay {
        return delay_rhs(&system, &x, args.json);
    }
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

/// `dx/dt = f(x(t), x(t − τ))` of a delay system.
fn delay_rhs(system: &crate::systems::System, x: &[f64], json: bool) -> anyhow::Result<String> {
    let (now, delayed) = match x {
        [a, b] => (*a, *b),
        v if v.len() == system.dim() => (v[0], v[v.len() - 1]),
        _ => anyhow::bail!(
            "{} is a delay equation: give --state x(t),x(t-tau) (2 values) or its {}-value delay embedding; got {} values",
            system.name(),
            system.dim(),
            x.len()
        ),
    };
    if !(now.is_finite() && delayed.is_finite()) {
        anyhow::bail!("--state values must be finite numbers");
    }
    let f = system.delay_rhs(now, delayed);
    if json {
        return Ok(json_out(json!({
            "rhs": [f],
            "system": system.name(),
            "state": [now, delayed],
            "tau": system.delay_tau(),
        })));
    }
    Ok(format!(
        "dx/dt = {f}  (x(t) = {now}, x(t - tau) = {delayed})\n"
    ))
}
