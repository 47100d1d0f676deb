//! `chaoslab preset run FILE`: a preset's jobs without a window — the fast-forward, the
//! perturbation ensemble, the fits and their comparison, the characterisation — then a
//! summary per model (VPT, sMAPE, fit seconds). `--quick` scales training epochs and
//! averaging spans down for CI and says so in the output.

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};

use super::json_out;
use crate::app::preset::Preset;
use crate::app::preset_run::{QUICK_EPOCH_DIVISOR, QUICK_SPAN_DIVISOR, run_preset};

/// Arguments of `preset`.
#[derive(Args, Debug)]
pub struct PresetArgs {
    /// What to do with the preset.
    #[command(subcommand)]
    pub action: PresetAction,
}

/// `preset` sub-commands.
#[derive(Subcommand, Debug)]
pub enum PresetAction {
    /// Load a preset and run its jobs headless, then print a summary.
    Run(RunArgs),
}

/// Arguments of `preset run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The preset file (JSON, as in presets/).
    pub file: PathBuf,
    /// Scale the work down for a smoke run: training epochs ÷ 20, Lyapunov averaging
    /// span ÷ 10 (the numbers are then not the preset's own).
    #[arg(long)]
    pub quick: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(args: &PresetArgs) -> anyhow::Result<String> {
    let PresetAction::Run(a) = &args.action;
    let preset = Preset::load(&a.file)?;
    let summary = run_preset(&preset, a.quick)?;
    let failed: Vec<String> = summary
        .models
        .iter()
        .filter_map(|m| Some(format!("{}: {}", m.model, m.error.as_deref()?)))
        .collect();
    if !failed.is_empty() {
        bail!(
            "the preset '{}' ran, but its fits failed: {}",
            a.file.display(),
            failed.join("; ")
        );
    }
    if let Some(e) = &summary.live_error {
        bail!("the preset '{}' blew up: {e}", a.file.display());
    }
    if a.json {
        return Ok(json_out(serde_json::to_value(&summary)?));
    }
    let mut out = format!("{} — {}\n", summary.title, summary.system);
    if summary.quick {
        out += &format!(
            "QUICK RUN: training epochs ÷ {QUICK_EPOCH_DIVISOR}, averaging spans ÷ {QUICK_SPAN_DIVISOR}; these are not the preset's own numbers\n"
        );
    }
    out += &format!("live orbit integrated to t = {:.3}\n", summary.live_time);
    if summary.separation_samples > 0 {
        out += &format!(
            "perturbation ensemble: {} separation samples\n",
            summary.separation_samples
        );
    }
    for m in &summary.models {
        let unit = match m.vpt_unit {
            Some("lyapunov_times") => "Lyapunov times",
            _ => "time units",
        };
        out += &format!(
            "{:<6} VPT {:>6.2} {unit}  sMAPE {:>6.1}  fit {:.3} s{}\n",
            m.model,
            m.vpt.unwrap_or(f64::NAN),
            m.smape.unwrap_or(f64::NAN),
            m.fit_seconds.unwrap_or(f64::NAN),
            m.epochs
                .map(|e| format!("  ({e} epochs)"))
                .unwrap_or_default()
        );
    }
    if let Some(c) = &summary.characterise {
        let exps: Vec<String> = c.exponents.iter().map(|x| format!("{x:.4}")).collect();
        out += &format!(
            "Lyapunov spectrum [{}], Kaplan–Yorke dimension {:.3}",
            exps.join(", "),
            c.kaplan_yorke
        );
        if let Some(d) = c.correlation_dimension {
            out += &format!(", correlation dimension {d:.3}");
        }
        out += "\n";
    }
    out += &format!("finished in {:.1} s\n", summary.elapsed_s);
    Ok(out)
}
