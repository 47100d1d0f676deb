//! `chaoslab generate`: a free run of a saved model.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use super::{json_out, parse_vector};
use crate::data::{Provenance, Source, Trajectory};
use crate::models::ForecastError;
use crate::models::saved::SavedModel;

/// Arguments of `generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// A model file written by `chaoslab fit --save`.
    #[arg(long)]
    model: PathBuf,
    /// Number of steps.
    #[arg(long)]
    steps: usize,
    /// Start state (default: the last training state).
    #[arg(long, allow_hyphen_values = true)]
    from: Option<String>,
    /// Output CSV (or NPY).
    #[arg(long)]
    out: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &GenerateArgs) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(&args.model)
        .with_context(|| format!("could not read the model file '{}'", args.model.display()))?;
    let model = SavedModel::from_json(&text)
        .with_context(|| format!("'{}'", args.model.display()))?
        .into_fitted();
    let x0 = match &args.from {
        Some(s) => parse_vector(s, "--from")?,
        None => model.last_state().to_vec(),
    };
    let (rows, diverged) = match model.forecast(&x0, args.steps) {
        Ok(r) => (r, None),
        Err(ForecastError::Diverged { step, prefix }) => (prefix, Some(step)),
        Err(e) => return Err(e.into()),
    };
    let mut prov = Provenance::file(&args.model.display().to_string());
    prov.source = Source::Model {
        family: model.family().to_string(),
    };
    prov.initial_condition = x0;
    prov.method = "model".into();
    let traj = Trajectory::new(model.state_names().to_vec(), 0.0, model.dt(), rows, prov);
    crate::io::write_trajectory(&args.out, &traj)?;
    if let Some(step) = diverged {
        anyhow::bail!(
            "the model's free run diverged at step {step}; the {} valid rows were written to {}",
            traj.len(),
            args.out.display()
        );
    }
    if args.json {
        return Ok(json_out(json!({
            "model": model.family(),
            "samples": traj.len(),
            "dt": traj.dt(),
            "out": args.out.display().to_string(),
        })));
    }
    Ok(format!(
        "{} samples written to {}\n",
        traj.len(),
        args.out.display()
    ))
}
