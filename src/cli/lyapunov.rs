//! `chaoslab lyapunov`: the Lyapunov spectrum of a system at chosen parameters.

use clap::Args;
use serde_json::json;

use super::{SystemArgs, json_out};
use crate::eval::{LyapunovOptions, lyapunov_spectrum};
use crate::jobs::JobContext;

/// Arguments of `lyapunov`.
#[derive(Args, Debug)]
pub struct LyapunovArgs {
    #[command(flatten)]
    system: SystemArgs,
    /// Averaging span in dominant periods (iterations for maps).
    #[arg(long)]
    periods: Option<f64>,
    /// Discarded transient in dominant periods (iterations for maps).
    #[arg(long)]
    transient: Option<f64>,
    /// Number of exponents (default: all).
    #[arg(long)]
    count: Option<usize>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &LyapunovArgs) -> anyhow::Result<String> {
    let (system, ic) = args.system.resolve()?;
    let mut opts = LyapunovOptions {
        count: args.count,
        initial_condition: Some(ic),
        ..LyapunovOptions::default()
    };
    if system.kind() == crate::systems::Kind::Map {
        opts.transient_periods = 1_000.0;
        opts.periods = 100_000.0;
    }
    if let Some(p) = args.periods {
        opts.periods = p;
    }
    if let Some(t) = args.transient {
        opts.transient_periods = t;
    }
    let res = lyapunov_spectrum(&system, &opts, &JobContext::detached())?;
    if args.json {
        return Ok(json_out(json!({
            "system": system.name(),
            "exponents": res.exponents,
            "kaplan_yorke": res.kaplan_yorke,
            "sum": res.sum,
            "mean_divergence": res.mean_divergence,
            "averaging_time": res.time,
            "elapsed_s": res.elapsed_s,
        })));
    }
    let unit = if system.kind() == crate::systems::Kind::Map {
        "per iteration"
    } else {
        "per time unit"
    };
    Ok(format!(
        "{}: exponents {:?} ({unit})\nKaplan–Yorke dimension {:.4}\nsum {:.6}, mean divergence {:.6}\naveraged over {} in {:.3} s\n",
        system.name(),
        res.exponents,
        res.kaplan_yorke,
        res.sum,
        res.mean_divergence,
        res.time,
        res.elapsed_s
    ))
}
