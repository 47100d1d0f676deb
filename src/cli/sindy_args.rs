//! The SINDy-suite flags of `chaoslab fit --model sindy` (optimizer, derivative,
//! ensemble, weak form, threshold sweep), flattened into the fit arguments, and the
//! text they add to the report (the Pareto table, inclusion probabilities).
//!
//! The original SINDy flags (`--threshold --alpha --degree --fd-order`) stay in
//! `fit.rs`; [`SindyArgs::options`] combines both.

use clap::{Args, ValueEnum};

use crate::models::sindy::savgol::{DEFAULT_POLYORDER, DEFAULT_WINDOW};
use crate::models::sindy::sr3::DEFAULT_NU;
use crate::models::sindy::tv::DEFAULT_TV_ALPHA;
use crate::models::sindy::weak::DEFAULT_SUBDOMAINS;
use crate::models::sindy::{
    Criterion, Differentiation, Ensemble, FiniteDifference, Library, Normalize, Optimizer,
    PolynomialLibrary, Regularizer, SavitzkyGolay, Sindy, Sr3, Stlsq, Sweep, TotalVariation,
    WeakForm,
};

/// `--optimizer` values.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerArg {
    /// Sequentially thresholded least squares (PySINDy's default).
    Stlsq,
    /// SR3 with the L0 penalty (hard threshold at --threshold).
    Sr3,
    /// SR3 with the L1 penalty (soft threshold: shrinks kept terms by --threshold).
    #[value(name = "sr3-l1")]
    Sr3L1,
}

/// `--derivative` values.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DerivativeArg {
    /// Finite differences of order --fd-order.
    Fd,
    /// Savitzky–Golay smoothing (--savgol-window, --savgol-order), then finite differences.
    Savgol,
    /// FFT differentiation (periodic data only).
    Spectral,
    /// Total-variation regularised differentiation (--tv-alpha).
    Tv,
    /// The generating system's own vector field (catalog systems only; for teaching).
    Exact,
}

/// `--selection` values.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectionArg {
    /// The sparsest model before the largest error jump on the Pareto front.
    Knee,
    /// The smallest AICc on the held-out rows.
    Aicc,
}

/// `--normalize` values.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormalizeArg {
    /// Raw library columns (PySINDy's default).
    None,
    /// Columns divided by their Euclidean norm (PySINDy's normalize_columns; the
    /// threshold then scales with √samples).
    L2,
    /// Columns divided by their RMS (sample-count invariant threshold).
    Rms,
}

/// SINDy-suite flags.
#[derive(Args, Debug, Clone)]
pub struct SindyArgs {
    /// SINDy: the sparse regression.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Stlsq)]
    pub optimizer: OptimizerArg,
    /// SINDy: the basis the threshold acts in.
    #[arg(long, value_enum, default_value_t = NormalizeArg::None)]
    pub normalize: NormalizeArg,
    /// SINDy SR3: relaxation nu (small ties the dense and the sparse variable together).
    #[arg(long, default_value_t = DEFAULT_NU)]
    pub nu: f64,
    /// SINDy SR3: refit each equation by least squares on its support (STLSQ always does).
    #[arg(long)]
    pub unbias: bool,
    /// SINDy: how derivatives are estimated.
    #[arg(long, value_enum, default_value_t = DerivativeArg::Fd)]
    pub derivative: DerivativeArg,
    /// SINDy --derivative savgol: window length in samples (odd).
    #[arg(long, default_value_t = DEFAULT_WINDOW)]
    pub savgol_window: usize,
    /// SINDy --derivative savgol: degree of the local polynomial.
    #[arg(long, default_value_t = DEFAULT_POLYORDER)]
    pub savgol_order: usize,
    /// SINDy --derivative tv: regularisation weight (units [x]·[t]²).
    #[arg(long, default_value_t = DEFAULT_TV_ALPHA)]
    pub tv_alpha: f64,
    /// SINDy savgol/tv: build the library from the raw states, not the smoothed ones.
    #[arg(long)]
    pub raw_library: bool,
    /// SINDy: fit N bootstrap models and take the median (E-SINDy); reports inclusion
    /// probabilities.
    #[arg(long, value_name = "N")]
    pub ensemble: Option<usize>,
    /// SINDy --ensemble: also drop this many random library terms from each model.
    #[arg(long, default_value_t = 0)]
    pub library_drop: usize,
    /// SINDy --ensemble: seed of the resampling.
    #[arg(long, default_value_t = 0)]
    pub ensemble_seed: u64,
    /// SINDy: weak form (integrals against test functions; no derivatives taken).
    #[arg(long)]
    pub weak: bool,
    /// SINDy --weak: number of subdomains.
    #[arg(long, default_value_t = DEFAULT_SUBDOMAINS)]
    pub weak_subdomains: usize,
    /// SINDy --weak: subdomain half-width in time units (default: span/20).
    #[arg(long)]
    pub weak_half_width: Option<f64>,
    /// SINDy: sweep the threshold on a log grid, print the Pareto table and fit with the
    /// chosen threshold (--threshold is then ignored).
    #[arg(long)]
    pub sweep: bool,
    /// SINDy --sweep: how the threshold is chosen.
    #[arg(long, value_enum, default_value_t = SelectionArg::Knee)]
    pub selection: SelectionArg,
}

impl SindyArgs {
    /// The SINDy options from these flags and the shared ones.
    pub fn options(
        &self,
        threshold: f64,
        alpha: f64,
        degree: usize,
        fd_order: usize,
    ) -> anyhow::Result<Sindy> {
        let fd = FiniteDifference {
            order: fd_order,
            ..FiniteDifference::default()
        };
        let normalize = match self.normalize {
            NormalizeArg::None => Normalize::None,
            NormalizeArg::L2 => Normalize::L2,
            NormalizeArg::Rms => Normalize::Rms,
        };
        let optimizer: Optimizer = match self.optimizer {
            OptimizerArg::Stlsq => Stlsq {
                threshold,
                alpha,
                normalize,
                ..Stlsq::default()
            }
            .into(),
            OptimizerArg::Sr3 | OptimizerArg::Sr3L1 => Sr3 {
                threshold,
                nu: self.nu,
                normalize,
                unbias: self.unbias,
                regularizer: if self.optimizer == OptimizerArg::Sr3 {
                    Regularizer::L0
                } else {
                    Regularizer::L1
                },
                ..Sr3::default()
            }
            .into(),
        };
        let differentiation = match self.derivative {
            DerivativeArg::Fd => Differentiation::FiniteDifference(fd),
            DerivativeArg::Savgol => Differentiation::SavitzkyGolay(SavitzkyGolay {
                window: self.savgol_window,
                polyorder: self.savgol_order,
                fd,
                smoothed_x: !self.raw_library,
            }),
            DerivativeArg::Spectral => Differentiation::Spectral,
            DerivativeArg::Tv => Differentiation::TotalVariation(TotalVariation {
                alpha: self.tv_alpha,
                smoothed_x: !self.raw_library,
            }),
            DerivativeArg::Exact => Differentiation::Exact,
        };
        if self.library_drop > 0 && self.ensemble.is_none() {
            anyhow::bail!("--library-drop needs --ensemble N");
        }
        if self.weak && self.derivative != DerivativeArg::Fd {
            anyhow::bail!(
                "--weak takes no derivatives, so --derivative does not apply; drop one of the two"
            );
        }
        Ok(Sindy {
            library: Library::Polynomial(PolynomialLibrary {
                degree,
                ..PolynomialLibrary::default()
            }),
            differentiation,
            optimizer,
            ensemble: self.ensemble.map(|n_models| Ensemble {
                n_models,
                library_drop: self.library_drop,
                seed: self.ensemble_seed,
                ..Ensemble::default()
            }),
            weak: self.weak.then_some(WeakForm {
                subdomains: self.weak_subdomains,
                half_width: self.weak_half_width,
                ..WeakForm::default()
            }),
            sweep: self.sweep.then_some(Sweep {
                criterion: match self.selection {
                    SelectionArg::Knee => Criterion::Knee,
                    SelectionArg::Aicc => Criterion::Aicc,
                },
                ..Sweep::default()
            }),
        })
    }
}

/// The Pareto table and the inclusion probabilities of a SINDy report, as text (empty
/// when neither ran).
pub fn summary(report: &serde_json::Value) -> String {
    let mut text = String::new();
    if let Some(points) = report["pareto"].as_array() {
        text.push_str("threshold sweep (held-out rows):\n");
        text.push_str("   threshold  terms   rel. error          AICc\n");
        let chosen = report["chosen_threshold"].as_f64();
        for p in points {
            let t = p["threshold"].as_f64().unwrap_or(f64::NAN);
            text.push_str(&format!(
                "{} {:>10.4e} {:>6} {:>12.4e} {:>13.1}\n",
                if Some(t) == chosen { "*" } else { " " },
                t,
                p["nonzero"].as_u64().unwrap_or(0),
                p["error"].as_f64().unwrap_or(f64::NAN),
                p["aicc"].as_f64().unwrap_or(f64::NAN),
            ));
        }
        text.push_str(&format!(
            "chosen threshold {} ({})\n",
            chosen.map_or("?".into(), |c| format!("{c:.4e}")),
            report["selection"].as_str().unwrap_or("?")
        ));
    }
    if let (Some(probs), Some(names)) = (
        report["inclusion_probabilities"].as_array(),
        report["feature_names"].as_array(),
    ) {
        text.push_str(&format!(
            "inclusion probabilities ({} models):\n",
            report["ensemble_models"].as_u64().unwrap_or(0)
        ));
        for (i, row) in probs.iter().enumerate() {
            let terms: Vec<String> = row
                .as_array()
                .into_iter()
                .flatten()
                .zip(names)
                .filter_map(|(p, name)| {
                    let p = p.as_f64()?;
                    (p > 0.0).then(|| format!("{} {p:.2}", name.as_str().unwrap_or("?")))
                })
                .collect();
            let lhs = report["equations"][i]
                .as_str()
                .and_then(|e| e.split(" = ").next())
                .map_or(format!("equation {i}"), str::to_string);
            text.push_str(&format!("  {lhs}: {}\n", terms.join(", ")));
        }
    }
    text
}
