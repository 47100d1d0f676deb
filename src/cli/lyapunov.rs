//! `chaoslab lyapunov`: the Lyapunov spectrum of a system at chosen parameters, and the
//! correlation dimension of its attractor, beside dysts' published values.

use clap::Args;
use serde_json::json;

use super::{SystemArgs, json_out};
use crate::eval::correlation_dimension::{
    AttractorSampling, CorrelationDimension, attractor_correlation_dimension,
};
use crate::eval::{CorrelationOptions, LyapunovOptions, lyapunov_spectrum};
use crate::jobs::JobContext;
use crate::systems::SystemInfo;

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
    /// Skip the correlation dimension (it integrates a second trajectory and counts
    /// 12.5 million pairs: about a second).
    #[arg(long)]
    no_dimension: bool,
    /// Points the correlation sum is counted on (the cost grows as their square).
    #[arg(long, default_value_t = crate::eval::correlation_dimension::DEFAULT_MAX_POINTS)]
    dimension_points: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &LyapunovArgs) -> anyhow::Result<String> {
    let (system, ic) = args.system.resolve()?;
    let min_points = crate::eval::correlation_dimension::MIN_POINTS;
    if !args.no_dimension && args.dimension_points < min_points {
        anyhow::bail!(
            "--dimension-points must be at least {min_points} (got {}); or pass --no-dimension",
            args.dimension_points
        );
    }
    let mut opts = LyapunovOptions {
        count: args.count,
        initial_condition: Some(ic.clone()),
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
    let job = JobContext::detached();
    let res = lyapunov_spectrum(&system, &opts, &job)?;
    // The spectrum stands on its own: a dimension that cannot be computed (a fixed
    // point, a diverging orbit) is reported, not turned into a failed command.
    let dimension = (!args.no_dimension).then(|| {
        let sampling = AttractorSampling {
            initial_condition: Some(ic),
            ..AttractorSampling::for_system(&system)
        };
        let options = CorrelationOptions {
            max_points: args.dimension_points,
            ..CorrelationOptions::default()
        };
        attractor_correlation_dimension(&system, &sampling, &options, &job)
            .map_err(|e| e.to_string())
    });
    let info = system.info();
    if args.json {
        let mut out = json!({
            "system": system.name(),
            "exponents": res.exponents,
            "kaplan_yorke": res.kaplan_yorke,
            "sum": res.sum,
            "mean_divergence": res.mean_divergence,
            "averaging_time": res.time,
            "elapsed_s": res.elapsed_s,
            "published": {
                "lyapunov_spectrum": info.lyapunov_spectrum,
                "lyapunov_spectrum_source": info.lyapunov_spectrum_source,
                "kaplan_yorke_dimension": info.kaplan_yorke_dimension,
                "correlation_dimension": info.correlation_dimension,
            },
        });
        match &dimension {
            Some(Ok(d)) => {
                out["correlation_dimension"] = json!(d.dimension);
                out["correlation_dimension_range"] = json!(d.r_range);
                out["correlation_dimension_r_squared"] = json!(d.r_squared);
                out["correlation_dimension_points"] = json!(d.points);
            }
            Some(Err(e)) => {
                out["correlation_dimension"] = serde_json::Value::Null;
                out["correlation_dimension_error"] = json!(e);
            }
            None => {}
        }
        return Ok(json_out(out));
    }
    let unit = if system.kind() == crate::systems::Kind::Map {
        "per iteration"
    } else {
        "per time unit"
    };
    let mut text = format!(
        "{}: exponents {} ({unit})\n",
        system.name(),
        list(&res.exponents)
    );
    if let Some(p) = &info.lyapunov_spectrum {
        text += &format!(
            "  published {} ({})\n",
            list(p),
            info.lyapunov_spectrum_source.as_deref().unwrap_or("dysts")
        );
    }
    if system.kind() == crate::systems::Kind::Delay {
        text += &format!(
            "largest exponent only (a delay equation is infinite-dimensional: no Kaplan–Yorke dimension or sum)\naveraged over {} in {:.3} s\n",
            res.time, res.elapsed_s
        );
    } else {
        text += &format!(
            "Kaplan–Yorke dimension {:.4}{}\n",
            res.kaplan_yorke,
            published(info.kaplan_yorke_dimension)
        );
        text += &format!(
            "sum {:.6}, mean divergence {:.6}\naveraged over {} in {:.3} s\n",
            res.sum, res.mean_divergence, res.time, res.elapsed_s
        );
    }
    match &dimension {
        Some(Ok(d)) => text += &dimension_line(d, info),
        Some(Err(e)) => text += &format!("correlation dimension: not computed: {e}\n"),
        None => {}
    }
    Ok(text)
}

fn dimension_line(d: &CorrelationDimension, info: &SystemInfo) -> String {
    format!(
        "correlation dimension {:.3}{} (Grassberger–Procaccia on {} points; fit over r = {:.3}–{:.3} std, R² {:.5})\n",
        d.dimension,
        published(info.correlation_dimension),
        d.points,
        d.r_range[0],
        d.r_range[1],
        d.r_squared
    )
}

fn published(v: Option<f64>) -> String {
    v.map(|v| format!(" (published {v:.4})"))
        .unwrap_or_default()
}

fn list(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:.5}")).collect();
    format!("[{}]", parts.join(", "))
}
