//! `chaoslab fit`: fit a model to a system's trajectory or a data file, score its
//! forecast on held-out data, optionally save it.

mod koopman;
mod reservoir;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde_json::json;

use super::simulate::SamplingArgs;
use super::{SystemArgs, json_out};
use crate::data::Trajectory;
use crate::eval::forecast::DEFAULT_VPT_THRESHOLD;
use crate::eval::forecast_held_out;
use crate::eval::lyapunov::forecast_time_scale;
use crate::jobs::JobContext;
use crate::models::Model;
use crate::models::dmd::{Dmd, HankelDmd, Rank};
use crate::models::koopman::{Dictionary, Edmd, PseudospectrumGrid, StateFeatures};
use crate::models::plrnn::gtf::AlphaRule;
use crate::models::plrnn::model::Nonlinearity;
use crate::models::plrnn::{Plrnn, Precision, Readout};
use crate::models::sindy::Sindy;

/// Model families the CLI can fit.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Exact DMD with ResDMD residuals.
    Dmd,
    /// Hankel (time-delay) DMD: exact DMD on `--delays` stacked samples.
    HankelDmd,
    /// EDMD with a `--dictionary` and ResDMD residuals on held-out pairs.
    Edmd,
    /// Kernel EDMD (Williams, Rowley & Kevrekidis 2015) with a `--kernel`.
    KernelEdmd,
    /// EDMD plus the ResDMD pseudospectrum on a `--grid`.
    Resdmd,
    /// SINDy: sparse polynomial equations (STLSQ, PySINDy 2.1 semantics).
    Sindy,
    /// Clipped shallow PLRNN trained with generalized teacher forcing.
    Plrnn,
    /// Echo-state network (reservoir computer) with a ridge read-out.
    Esn,
    /// NVAR, the next-generation reservoir computer: delays, quadratic features, ridge.
    Nvar,
}

/// Arguments of `fit`.
#[derive(Args, Debug)]
pub struct FitArgs {
    /// The model family.
    #[arg(long)]
    model: Family,
    /// A data file (.csv or .npy) instead of --system.
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
    #[command(flatten)]
    system: SystemArgs,
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Evaluate on this file instead of a held-out part of the training data (then
    /// all the data train, unless --train-fraction says otherwise).
    #[arg(long)]
    test: Option<PathBuf>,
    /// Fraction of the data used for training, the rest being the test part (default
    /// 0.8; 1 with --test).
    #[arg(long)]
    train_fraction: Option<f64>,
    /// DMD, Hankel DMD: rank rule — a number, 'full', 'energy:0.99', 'svht' (Gavish–Donoho,
    /// unknown noise) or 'svht:SIGMA' (known noise level); default: full.
    #[arg(long)]
    rank: Option<Rank>,
    /// DMD: fraction of training pairs held out for the residuals.
    #[arg(long, default_value_t = crate::models::dmd::DEFAULT_RESIDUAL_HOLDOUT)]
    residual_holdout: f64,
    /// SINDy: STLSQ threshold (coefficients below it are cut).
    #[arg(long, default_value_t = crate::models::sindy::stlsq::DEFAULT_THRESHOLD)]
    threshold: f64,
    /// SINDy: STLSQ ridge weight.
    #[arg(long, default_value_t = crate::models::sindy::stlsq::DEFAULT_ALPHA)]
    alpha: f64,
    /// SINDy: polynomial library degree.
    #[arg(long, default_value_t = crate::models::sindy::library::DEFAULT_DEGREE)]
    degree: usize,
    /// SINDy: finite-difference accuracy order (2, 4, 6 or 8).
    #[arg(long, default_value_t = crate::models::sindy::derivative::DEFAULT_FD_ORDER)]
    fd_order: usize,
    #[command(flatten)]
    sindy: super::sindy_args::SindyArgs,
    /// PLRNN: latent dimension M (default: the data's dimension).
    #[arg(long)]
    latent: Option<usize>,
    /// PLRNN: hidden width L.
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_HIDDEN)]
    hidden: usize,
    /// PLRNN: training epochs (of 50 gradient steps).
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_EPOCHS)]
    epochs: usize,
    /// PLRNN: a fixed teacher-forcing strength α in [0, 1] instead of the adaptive one
    /// (`--alpha` is SINDy's ridge weight).
    #[arg(long, conflicts_with = "adaptive_alpha")]
    gtf_alpha: Option<f64>,
    /// PLRNN: adaptive α (aGTF, starting at 1; the default).
    #[arg(long)]
    adaptive_alpha: bool,
    /// PLRNN: steps per training sequence.
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_SEQ_LEN)]
    seq_len: usize,
    /// PLRNN: sequences per batch.
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_BATCH_SIZE)]
    batch: usize,
    /// PLRNN: learning rate after the last epoch (exponential decay per epoch).
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_LR_END)]
    lr_end: f64,
    /// PLRNN: the plain shPLRNN relu(W2 z + h2) instead of the clipped one.
    #[arg(long)]
    unclipped: bool,
    /// PLRNN: score the free run (D_stsp, D_H) every this many epochs; 0: never.
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_EVAL_EVERY)]
    eval_every: usize,
    /// PLRNN: float type of the training kernel (f32 or f64; the affine read-out
    /// trains in f64).
    #[arg(long, value_enum, default_value = "f32")]
    precision: PrecisionArg,
    /// PLRNN: observation model: identity (the first N latents; needs --latent ≥ N)
    /// or affine (x̂ = B z with a trained B; allows --latent < N).
    #[arg(long, value_enum, default_value = "identity")]
    readout: ReadoutArg,
    /// PLRNN, affine read-out: weight of the condition-number penalty on B.
    #[arg(long, default_value_t = crate::models::plrnn::readout::DEFAULT_OBSERVATION_REGULARIZATION)]
    readout_reg: f64,
    /// PLRNN: report the model's fixed points (observed coordinates, original units)
    /// with the spectral radius of the Jacobian there.
    #[arg(long)]
    fixed_points: bool,
    /// PLRNN: starting learning rate (decays to 1e-6). The PLRNN's seed is --seed.
    #[arg(long, default_value_t = crate::models::plrnn::DEFAULT_LR_START)]
    lr: f64,
    /// Hankel DMD, EDMD, kernel EDMD, ResDMD, NVAR: number of delays (stacked samples per
    /// delay vector); default: 10 for Hankel DMD, 1 (no delays) for the EDMD family, 3
    /// for NVAR.
    #[arg(long)]
    delays: Option<usize>,
    /// EDMD, ResDMD: the dictionary; join several with '+' (e.g. monomials+rbf) for
    /// their functions side by side.
    #[arg(long, value_enum, value_delimiter = '+', default_value = "monomials")]
    dictionary: Vec<DictionaryArg>,
    /// EDMD, ResDMD: number of RBF or thin-plate centres (k-means).
    #[arg(long, default_value_t = crate::models::koopman::dictionary::DEFAULT_CENTERS)]
    centers: usize,
    /// EDMD, ResDMD: seed of the k-means centres.
    #[arg(long, default_value_t = crate::models::koopman::dictionary::DEFAULT_KMEANS_SEED)]
    kmeans_seed: u64,
    /// ResDMD: pseudospectrum grid points per axis.
    #[arg(long, default_value_t = crate::models::koopman::pseudospectrum::DEFAULT_GRID_POINTS)]
    grid: usize,
    /// ResDMD: the grid covers [-R, R] on both axes.
    #[arg(long, default_value_t = 1.5)]
    grid_radius: f64,
    /// ResDMD: write log10 τ(z) on the grid here (CSV: re,im,log10_tau).
    #[arg(long)]
    pseudospectrum_out: Option<PathBuf>,
    /// Spectral models: count eigenvalues with residual ≤ ε as verified.
    #[arg(long, default_value_t = 0.1)]
    epsilon: f64,
    #[command(flatten)]
    koopman: koopman::KoopmanArgs,
    #[command(flatten)]
    edmd: koopman::EdmdArgs,
    #[command(flatten)]
    reservoir: reservoir::ReservoirArgs,
    /// Normalised-error threshold of the valid prediction time.
    #[arg(long, default_value_t = DEFAULT_VPT_THRESHOLD)]
    vpt_threshold: f64,
    /// Largest Lyapunov exponent of the data (for --data; systems compute their own).
    #[arg(long)]
    lyapunov: Option<f64>,
    /// Save the fitted model here (JSON, see `models::saved`).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &FitArgs) -> anyhow::Result<String> {
    if !(args.epsilon >= 0.0 && args.epsilon.is_finite()) {
        bail!(
            "--epsilon must be a finite residual bound ≥ 0, got {}; e.g. --epsilon 0.1",
            args.epsilon
        );
    }
    if args.fixed_points && args.model != Family::Plrnn {
        bail!("--fixed-points needs --model plrnn");
    }
    let fraction = args
        .train_fraction
        .unwrap_or(if args.test.is_some() { 1.0 } else { 0.8 });
    let full = args.test.is_some() && fraction == 1.0;
    if !(fraction > 0.0 && (fraction < 1.0 || full)) {
        bail!("--train-fraction must be between 0 and 1 (1 only with --test), got {fraction}");
    }
    let (data, true_lyapunov) = load_data(args)?;
    // With --test and a fraction of 1 the held-out part is empty and unused.
    let (train, held_out) = data.split(fraction);
    let test = match &args.test {
        Some(p) => crate::io::read_trajectory(
            p,
            &crate::io::ImportOptions {
                dt: args.data_dt.or(Some(data.dt())),
                resample: args.resample,
            },
        )?,
        None => held_out,
    };
    if test.dim() != train.dim() {
        bail!(
            "the test data have {} columns, the training data {}",
            test.dim(),
            train.dim()
        );
    }
    let model: Box<dyn Model> = match args.model {
        Family::Dmd => Box::new(Dmd {
            rank: args.rank.unwrap_or(Rank::Full),
            variant: args.koopman.dmd_variant,
            residual_holdout: args.residual_holdout,
        }),
        Family::HankelDmd => Box::new(HankelDmd {
            delays: args
                .delays
                .unwrap_or(crate::models::dmd::hankel::DEFAULT_DELAYS),
            rank: args.rank.unwrap_or(Rank::Full),
            variant: args.koopman.dmd_variant,
            residual_holdout: args.residual_holdout,
        }),
        Family::Edmd | Family::KernelEdmd | Family::Resdmd => Box::new(edmd_options(args)?),
        Family::Sindy => Box::new(sindy_options(args)?),
        Family::Plrnn => Box::new(plrnn_options(args)),
        Family::Esn => Box::new(args.reservoir.esn(args.sampling.seed)),
        Family::Nvar => Box::new(args.reservoir.nvar(args.delays)),
    };
    let started = Instant::now();
    let fitted = model.fit(&train, &JobContext::detached())?;
    let fit_seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.save {
        crate::io::write_atomic(path, fitted.to_saved().to_json().as_bytes())?;
    }
    if let Some(path) = &args.pseudospectrum_out {
        write_pseudospectrum(args, fitted.as_ref(), path)?;
    }
    let lyap = true_lyapunov.unwrap_or(0.0);
    let held = forecast_held_out(fitted.as_ref(), &train, &test, lyap, args.vpt_threshold)?;
    let (score, diverged_at) = (held.score, held.diverged_at);
    let mut text_extra = String::new();
    let mut out = json!({
        "model": model.family(),
        "fit_seconds": fit_seconds,
        "train_samples": train.len(),
        "test_samples": test.len(),
        "dt": train.dt(),
        "vpt_lyapunov_times": if lyap > 0.0 { json!(score.vpt) } else { json!(null) },
        "vpt_time": if lyap > 0.0 { score.vpt / lyap } else { score.vpt },
        "smape": score.smape,
        "true_max_lyapunov": true_lyapunov,
        "forecast_diverged_at_step": diverged_at,
    });
    if let (Some(obj), serde_json::Value::Object(extra)) = (out.as_object_mut(), fitted.report()) {
        obj.extend(extra);
    }
    if let (Some(obj), Some(spec)) = (out.as_object_mut(), fitted.spectrum()) {
        let verified = spec
            .residuals
            .iter()
            .filter(|r| **r <= args.epsilon)
            .count();
        obj.insert("epsilon".into(), json!(args.epsilon));
        obj.insert("verified_eigenvalues".into(), json!(verified));
    }
    if args.model == Family::Plrnn {
        // Long-term statistics of a free run against the test data (specs/plrnn.md §3.1).
        let scores = crate::models::plrnn::invariants::free_run_scores(fitted.as_ref(), &test);
        out["d_stsp"] = json!(scores.d_stsp);
        out["d_h"] = json!(scores.d_h);
        // PE(20) from at most 2000 evenly spaced test states (the paper uses all).
        out["pe20"] = json!(crate::models::plrnn::invariants::prediction_error(
            fitted.as_ref(),
            &test,
            crate::models::plrnn::invariants::PE_STEPS,
            2000
        ));
        if args.fixed_points
            && let crate::models::saved::SavedModel::Plrnn(m) = fitted.to_saved()
        {
            out["fixed_points"] = json!(m.fixed_points());
        }
        text_extra = format!(
            "free run vs test data: D_stsp {}, D_H {}; model λ_max {} (true {})\n",
            fmt_opt(scores.d_stsp),
            fmt_opt(scores.d_h),
            fmt_opt(out["max_lyapunov"].as_f64()),
            fmt_opt(true_lyapunov)
        );
        if let Some(fps) = out["fixed_points"].as_array() {
            for fp in fps {
                text_extra.push_str(&format!(
                    "fixed point {} (spectral radius {})\n",
                    fp["state"], fp["spectral_radius"]
                ));
            }
        }
    }
    if args.json {
        return Ok(json_out(out));
    }
    let mut text = format!(
        "{} fitted on {} samples in {:.4} s\n",
        model.family(),
        train.len(),
        fit_seconds
    );
    if let Some(equations) = fitted.equations() {
        for line in equations {
            text.push_str(&line);
            text.push('\n');
        }
    }
    if let Some(spec) = fitted.spectrum() {
        text.push_str("eigenvalue (re, im)          |λ|       residual   ω = log(λ)/dt\n");
        for ((l, r), w) in spec
            .eigenvalues
            .iter()
            .zip(&spec.residuals)
            .zip(spec.continuous())
        {
            text.push_str(&format!(
                "{:>12.6} {:>+12.6}i  {:>9.6}  {:>9.3e}  {:>+9.4} {:>+9.4}i\n",
                l[0],
                l[1],
                l[0].hypot(l[1]),
                r,
                w[0],
                w[1]
            ));
        }
    }
    if lyap > 0.0 {
        text.push_str(&format!(
            "forecast: valid for {:.3} Lyapunov times (λ_max = {:.4}), sMAPE {:.2}\n",
            score.vpt, lyap, score.smape
        ));
    } else {
        text.push_str(&format!(
            "forecast: valid for {:.3} time units, sMAPE {:.2}\n",
            score.vpt, score.smape
        ));
    }
    text.push_str(&text_extra);
    if args.model == Family::Sindy {
        text.push_str(&super::sindy_args::summary(&out));
    }
    if let Some(path) = &args.save {
        text.push_str(&format!("saved to {}\n", path.display()));
    }
    Ok(text)
}

/// SINDy with the command line's library degree, derivative, optimizer and the suite's
/// options (`--optimizer --derivative --ensemble --weak --sweep`, see `sindy_args`).
fn sindy_options(args: &FitArgs) -> anyhow::Result<Sindy> {
    args.sindy
        .options(args.threshold, args.alpha, args.degree, args.fd_order)
}

/// The PLRNN options from the command line (the seed is the shared `--seed`).
fn plrnn_options(args: &FitArgs) -> Plrnn {
    Plrnn {
        latent: args.latent,
        hidden: args.hidden,
        epochs: args.epochs,
        alpha: match args.gtf_alpha {
            Some(alpha) => AlphaRule::Fixed { alpha },
            None => AlphaRule::adaptive(),
        },
        seq_len: args.seq_len,
        batch_size: args.batch,
        lr_start: args.lr,
        lr_end: args.lr_end,
        seed: args.sampling.seed,
        nonlinearity: if args.unclipped {
            Nonlinearity::Plain
        } else {
            Nonlinearity::Clipped
        },
        eval_every: args.eval_every,
        precision: match args.precision {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F64 => Precision::F64,
        },
        readout: match args.readout {
            ReadoutArg::Identity => Readout::Identity,
            ReadoutArg::Affine => Readout::Affine,
        },
        observation_regularization: args.readout_reg,
        ..Plrnn::default()
    }
}

/// Float type of the PLRNN training kernel.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecisionArg {
    /// f32 arithmetic (as the lab trains; the default).
    F32,
    /// f64 arithmetic.
    F64,
}

/// The PLRNN's observation model (Hess et al. 2023, `specs/plrnn.md` §1.4).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadoutArg {
    /// The first N latents are the observations.
    Identity,
    /// x̂ = B z with a trainable N × M matrix B.
    Affine,
}

/// A number with four significant digits, or "n/a".
fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"))
}

/// EDMD dictionaries on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DictionaryArg {
    /// Monomials up to `--degree` (the constant and the state included).
    Monomials,
    /// Gaussian RBFs at `--centers` k-means centres, plus the constant and the state.
    Rbf,
    /// Thin-plate splines at `--centers` k-means centres, plus the constant and the state.
    ThinPlate,
    /// `--features` random Fourier features (cos and sin), plus the constant and the state.
    Rff,
    /// Kernel EDMD's learned dictionary: `--kernel`, `--kernel-functions`, `--kernel-points`.
    Kernel,
    /// Fourier modes cos(k x), sin(k x), k ≤ `--degree`, of periodic (radian) coordinates.
    Fourier,
}

/// One dictionary family with the command line's sizes.
fn dictionary_part(args: &FitArgs, part: DictionaryArg) -> Dictionary {
    let e = &args.edmd;
    match part {
        DictionaryArg::Monomials => Dictionary::Monomials {
            degree: args.degree,
        },
        DictionaryArg::Rbf => Dictionary::Rbf {
            centers: args.centers,
            seed: args.kmeans_seed,
            state: StateFeatures::Include,
        },
        DictionaryArg::ThinPlate => Dictionary::ThinPlate {
            centers: args.centers,
            seed: args.kmeans_seed,
            state: StateFeatures::Include,
        },
        DictionaryArg::Rff => Dictionary::Rff {
            features: e.features,
            seed: args.sampling.seed,
            state: StateFeatures::Include,
        },
        DictionaryArg::Kernel => Dictionary::Kernel {
            kernel: e.kernel,
            functions: e.kernel_functions,
            points: e.kernel_points,
        },
        DictionaryArg::Fourier => Dictionary::Fourier { modes: args.degree },
    }
}

/// EDMD, kernel EDMD or ResDMD with the command line's dictionary, delays and grid.
fn edmd_options(args: &FitArgs) -> anyhow::Result<Edmd> {
    let parts: Vec<DictionaryArg> = if args.model == Family::KernelEdmd {
        if args.dictionary != [DictionaryArg::Monomials]
            && args.dictionary != [DictionaryArg::Kernel]
        {
            bail!(
                "--model kernel-edmd uses the kernel dictionary; drop --dictionary, or use --model edmd --dictionary {}",
                args.dictionary
                    .iter()
                    .map(|d| d
                        .to_possible_value()
                        .map_or("?".into(), |v| v.get_name().to_string()))
                    .collect::<Vec<_>>()
                    .join("+")
            );
        }
        vec![DictionaryArg::Kernel]
    } else {
        args.dictionary.clone()
    };
    let mut unique = parts.clone();
    unique.sort_by_key(|d| *d as u8);
    unique.dedup();
    if unique.len() != parts.len() {
        bail!("--dictionary names a family twice; list each once, e.g. monomials+rbf");
    }
    let inner = match parts.as_slice() {
        [one] => dictionary_part(args, *one),
        many => Dictionary::Concat {
            parts: many.iter().map(|d| dictionary_part(args, *d)).collect(),
        },
    };
    let dictionary = match args.delays {
        None | Some(1) => inner,
        Some(0) => bail!("--delays must be at least 1 (1 = no delays), got 0"),
        Some(delays) => Dictionary::Delay {
            delays,
            inner: Box::new(inner),
        },
    };
    Ok(Edmd {
        dictionary,
        residual_holdout: args.residual_holdout,
        pseudospectrum: (args.model == Family::Resdmd)
            .then(|| PseudospectrumGrid::square(args.grid_radius, args.grid)),
        measure_preserving: args.edmd.measure_preserving,
    })
}

/// Writes the fitted ResDMD pseudospectrum as CSV, or says how to get one.
fn write_pseudospectrum(
    args: &FitArgs,
    fitted: &dyn crate::models::FittedModel,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    if args.model != Family::Resdmd {
        bail!("--pseudospectrum-out needs --model resdmd");
    }
    let report = fitted.to_saved();
    let crate::models::saved::SavedModel::Edmd(model) = report else {
        bail!("--pseudospectrum-out needs --model resdmd");
    };
    let ps = model
        .pseudospectrum
        .context("the ResDMD fit returned no pseudospectrum")?;
    crate::io::write_atomic(path, ps.to_csv().as_bytes())?;
    Ok(())
}

/// The trajectory to fit and, for systems, their largest Lyapunov exponent.
fn load_data(args: &FitArgs) -> anyhow::Result<(Trajectory, Option<f64>)> {
    if let Some(path) = &args.data {
        let options = crate::io::ImportOptions {
            dt: args.data_dt,
            resample: args.resample,
        };
        let data = crate::io::read_trajectory(path, &options)?;
        return Ok((data, args.lyapunov));
    }
    if args.system.system.is_none() && args.system.system_file.is_none() {
        bail!(
            "give the data to fit: --system NAME or --system-file FILE (with optional --param, \
             --ic) or --data FILE"
        );
    }
    let (system, ic) = args.system.resolve()?;
    let sim = args.sampling.simulation(&system, ic.clone(), 100.0)?;
    let data = args.sampling.trajectory(&system, &sim)?;
    let lyap = forecast_time_scale(&system, ic, &JobContext::detached())
        .context("computing the largest Lyapunov exponent for the forecast time scale")?;
    Ok((data, Some(lyap)))
}
