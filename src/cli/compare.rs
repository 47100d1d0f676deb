//! `chaoslab compare`: every listed model fitted on the same training data, scored from
//! K held-out starts and by its free run's statistics.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use rayon::prelude::*;
use serde_json::json;

use super::simulate::SamplingArgs;
use super::{SystemArgs, json_out};
use crate::eval::compare::{
    CompareOptions, DEFAULT_HORIZON, DEFAULT_STARTS, ModelComparison, compare_model,
};
use crate::eval::lyapunov::forecast_time_scale;
use crate::jobs::JobContext;
use crate::models::registry;

/// Arguments of `compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Comma-separated model families (see `--help` of `fit`).
    #[arg(long, default_value = "dmd")]
    models: String,
    /// A data file instead of --system.
    #[arg(long, conflicts_with = "system_choice")]
    data: Option<PathBuf>,
    /// Sampling interval of the data file, when it has no time column (with --resample:
    /// the step to resample to; default the median time step).
    #[arg(long = "data-dt")]
    data_dt: Option<f64>,
    /// Resample a data file with uneven time stamps onto a fixed step: 'linear' or
    /// 'cubic' (natural spline). Without it uneven files are refused.
    #[arg(long)]
    resample: Option<crate::io::Resampling>,
    /// Largest Lyapunov exponent of the data file (systems compute their own).
    #[arg(long)]
    lyapunov: Option<f64>,
    #[command(flatten)]
    system: SystemArgs,
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Fraction of the data used for training.
    #[arg(long, default_value_t = 0.8)]
    train_fraction: f64,
    /// Number of held-out start states.
    #[arg(long, default_value_t = DEFAULT_STARTS)]
    starts: usize,
    /// Forecast horizon in Lyapunov times.
    #[arg(long, default_value_t = DEFAULT_HORIZON)]
    horizon: f64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &CompareArgs) -> anyhow::Result<String> {
    if !(args.train_fraction > 0.0 && args.train_fraction < 1.0) {
        bail!(
            "--train-fraction must be between 0 and 1, got {}",
            args.train_fraction
        );
    }
    let models = args
        .models
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(registry::default_model)
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    if models.is_empty() {
        bail!("--models is empty; give e.g. --models dmd,sindy");
    }
    let (data, lyapunov) = if let Some(path) = &args.data {
        (
            crate::io::read_trajectory(
                path,
                &crate::io::ImportOptions {
                    dt: args.data_dt,
                    resample: args.resample,
                },
            )?,
            args.lyapunov,
        )
    } else {
        let (system, ic) = args.system.resolve()?;
        let sim = args.sampling.simulation(&system, ic.clone(), 100.0)?;
        let data = args.sampling.trajectory(&system, &sim)?;
        let lyap = forecast_time_scale(&system, ic, &JobContext::detached())?;
        (data, Some(lyap))
    };
    let (train, test) = data.split(args.train_fraction);
    let options = CompareOptions {
        starts: args.starts,
        horizon: args.horizon,
        ..CompareOptions::default()
    };
    let lyap = lyapunov.unwrap_or(0.0);
    let results: Vec<ModelComparison> = models
        .par_iter()
        .map(|m| {
            compare_model(
                m.as_ref(),
                &train,
                &test,
                lyap,
                &options,
                &JobContext::detached(),
            )
        })
        .collect();
    if args.json {
        let per_model: Vec<_> = results
            .iter()
            .map(|r| {
                json!({
                    "model": r.model,
                    "error": r.error,
                    "fit_seconds": r.fit_seconds,
                    "vpt_lyapunov_times": if lyap > 0.0 { json!(finite(r.vpt)) } else { json!(null) },
                    "vpt_time": finite(if lyap > 0.0 { r.vpt / lyap } else { r.vpt }),
                    "vpt_iqr": r.vpt_iqr.map(finite),
                    "smape": finite(r.smape),
                    "d_stsp": r.d_stsp,
                    "d_h": r.d_h,
                    "pe20": r.pe20,
                    "max_lyapunov": r.max_lyapunov,
                    "diverged_starts": r.diverged_starts,
                    "free_run_diverged_at": r.free_run_diverged_at,
                })
            })
            .collect();
        return Ok(json_out(json!({
            "models": per_model,
            "true_max_lyapunov": lyapunov,
            "train_samples": train.len(),
            "test_samples": test.len(),
            "starts": options.starts,
            "horizon_lyapunov_times": options.horizon,
        })));
    }
    let unit = if lyap > 0.0 {
        "Lyapunov times"
    } else {
        "time units"
    };
    let mut text = format!(
        "{} training and {} test samples; λ_max = {}; VPT in {unit}, median over up to {} starts\n",
        train.len(),
        test.len(),
        lyapunov
            .map(|l| format!("{l:.4}"))
            .unwrap_or_else(|| "unknown".into()),
        options.starts
    );
    text.push_str(&format!(
        "{:<10} {:>8} {:>17} {:>8} {:>8} {:>8} {:>10} {:>9}\n",
        "model", "VPT", "VPT IQR", "sMAPE", "D_stsp", "D_H", "PE(20)", "fit (s)"
    ));
    for r in &results {
        if let Some(e) = &r.error {
            text.push_str(&format!("{:<10} failed: {e}\n", r.model));
            continue;
        }
        let opt = |v: Option<f64>| {
            v.map(|x| format!("{x:.3}"))
                .unwrap_or_else(|| "diverged".into())
        };
        text.push_str(&format!(
            "{:<10} {:>8.3} {:>8.3}–{:<8.3} {:>8.2} {:>8} {:>8} {:>10} {:>9.4}\n",
            r.model,
            r.vpt,
            r.vpt_iqr[0],
            r.vpt_iqr[1],
            r.smape,
            opt(r.d_stsp),
            opt(r.d_h),
            r.pe20
                .map(|x| format!("{x:.3e}"))
                .unwrap_or_else(|| "diverged".into()),
            r.fit_seconds
        ));
    }
    Ok(text)
}

/// JSON has no NaN or infinity: such values become null.
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}
