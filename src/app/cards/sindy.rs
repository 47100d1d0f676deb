//! The SINDy card: the library (an expression such as `poly + custom`, `identity *
//! fourier`, with the polynomial degree and the typed custom terms), optimizer (STLSQ / SR3-L0 / SR3-L1) with its
//! threshold, derivative method (finite differences, Savitzky–Golay, spectral, total
//! variation, exact), weak form, ensemble and threshold sweep. The recovered equations
//! are part of the fitted model's report and appear with its result, followed by the
//! coefficient heat map ([`super::sindy_heatmap`]); after an ensemble
//! the card also shows each term's inclusion probability, after a sweep the Pareto
//! front (terms vs held-out error) with the chosen threshold.

use egui_plot::{Legend, Line, PlotPoints, Points};

use super::sindy_heatmap::heat_map_ui;
use super::{ModelCard, labelled_f64, labelled_usize};
use crate::data::Trajectory;
use crate::jobs::JobContext;
use crate::models::sindy::library::{DEFAULT_DEGREE, MAX_DEGREE};
use crate::models::sindy::savgol::{DEFAULT_POLYORDER, DEFAULT_WINDOW};
use crate::models::sindy::sr3::DEFAULT_NU;
use crate::models::sindy::stlsq::{DEFAULT_ALPHA, DEFAULT_THRESHOLD};
use crate::models::sindy::tv::DEFAULT_TV_ALPHA;
use crate::models::sindy::weak::DEFAULT_SUBDOMAINS;
use crate::models::sindy::{
    Differentiation, Ensemble, FiniteDifference, Library, Regularizer, SavitzkyGolay, Sindy, Sr3,
    Stlsq, Sweep, TotalVariation, WeakForm, parse_library,
};
use crate::models::{FitError, FittedModel, Model};

/// Finite-difference order the card starts with: 8, not PySINDy's 2 — at the window's
/// 100 samples per period order 2 biases Lorenz's ρ to 27.55, order 4 to 27.988, order 8
/// gives 28.000; the forecast's median VPT goes from 1.3 (order 2) and 5.2 (order 4) to
/// 12.3 Lyapunov times. The same default as `compare` and `bench` (models/registry.rs).
const CARD_FD_ORDER: usize = 8;

/// The card's optimizer choices (saved in sessions by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
enum OptimizerChoice {
    Stlsq,
    Sr3L0,
    Sr3L1,
}

impl OptimizerChoice {
    const ALL: [OptimizerChoice; 3] = [Self::Stlsq, Self::Sr3L0, Self::Sr3L1];
    fn label(self) -> &'static str {
        match self {
            Self::Stlsq => "STLSQ",
            Self::Sr3L0 => "SR3 (L0)",
            Self::Sr3L1 => "SR3 (L1)",
        }
    }
}

/// The card's derivative choices (saved in sessions by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
enum DerivativeChoice {
    FiniteDifference,
    SavitzkyGolay,
    Spectral,
    TotalVariation,
    Exact,
}

impl DerivativeChoice {
    const ALL: [DerivativeChoice; 5] = [
        Self::FiniteDifference,
        Self::SavitzkyGolay,
        Self::Spectral,
        Self::TotalVariation,
        Self::Exact,
    ];
    fn label(self) -> &'static str {
        match self {
            Self::FiniteDifference => "finite differences",
            Self::SavitzkyGolay => "Savitzky–Golay + FD",
            Self::Spectral => "spectral (periodic data)",
            Self::TotalVariation => "total variation",
            Self::Exact => "exact (the system's f)",
        }
    }
}

/// SINDy card settings (PySINDy's defaults, except the differentiation order).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SindyCard {
    threshold: f64,
    alpha: f64,
    degree: usize,
    /// The library expression (`poly + custom`; see `models::sindy::library_expr`).
    library: String,
    /// Custom terms, `;`-separated expressions of the state names.
    custom_terms: String,
    fd_order: usize,
    optimizer: OptimizerChoice,
    nu: f64,
    derivative: DerivativeChoice,
    savgol_window: usize,
    savgol_order: usize,
    tv_alpha: f64,
    weak: bool,
    weak_subdomains: usize,
    /// Models in the ensemble; 0 is no ensemble.
    ensemble: usize,
    ensemble_seed: usize,
    sweep: bool,
}

impl Default for SindyCard {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            alpha: DEFAULT_ALPHA,
            degree: DEFAULT_DEGREE,
            library: "poly".into(),
            custom_terms: String::new(),
            fd_order: CARD_FD_ORDER,
            optimizer: OptimizerChoice::Stlsq,
            nu: DEFAULT_NU,
            derivative: DerivativeChoice::FiniteDifference,
            savgol_window: DEFAULT_WINDOW,
            savgol_order: DEFAULT_POLYORDER,
            tv_alpha: DEFAULT_TV_ALPHA,
            weak: false,
            weak_subdomains: DEFAULT_SUBDOMAINS,
            ensemble: 0,
            ensemble_seed: 0,
            sweep: false,
        }
    }
}

/// What the card fits when its library text does not parse: a model whose fit fails
/// with the parser's message (column included), so the card shows it as the reason.
struct InvalidLibrary(String);

impl Model for InvalidLibrary {
    fn family(&self) -> &'static str {
        "sindy"
    }

    fn fit(&self, _data: &Trajectory, _job: &JobContext) -> Result<Box<dyn FittedModel>, FitError> {
        Err(FitError::Options(self.0.clone()))
    }
}

impl SindyCard {
    /// The library the card's text describes.
    fn library(&self) -> Result<Library, String> {
        let lib = parse_library(&self.library, self.degree, &self.custom_terms)
            .map_err(|e| e.to_string())?;
        if !self.custom_terms.trim().is_empty() && !lib.uses_custom() {
            return Err(
                "custom terms are typed but the library does not use them; add custom to it (poly + custom)"
                    .into(),
            );
        }
        Ok(lib)
    }

    fn options(&self, library: Library) -> Sindy {
        let fd = FiniteDifference {
            order: self.fd_order,
            ..FiniteDifference::default()
        };
        Sindy {
            library,
            optimizer: match self.optimizer {
                OptimizerChoice::Stlsq => Stlsq {
                    threshold: self.threshold,
                    alpha: self.alpha,
                    ..Stlsq::default()
                }
                .into(),
                OptimizerChoice::Sr3L0 | OptimizerChoice::Sr3L1 => Sr3 {
                    threshold: self.threshold,
                    nu: self.nu,
                    regularizer: if self.optimizer == OptimizerChoice::Sr3L0 {
                        Regularizer::L0
                    } else {
                        Regularizer::L1
                    },
                    ..Sr3::default()
                }
                .into(),
            },
            differentiation: match self.derivative {
                DerivativeChoice::FiniteDifference => Differentiation::FiniteDifference(fd),
                DerivativeChoice::SavitzkyGolay => Differentiation::SavitzkyGolay(SavitzkyGolay {
                    window: self.savgol_window,
                    polyorder: self.savgol_order,
                    fd,
                    smoothed_x: true,
                }),
                DerivativeChoice::Spectral => Differentiation::Spectral,
                DerivativeChoice::TotalVariation => {
                    Differentiation::TotalVariation(TotalVariation {
                        alpha: self.tv_alpha,
                        smoothed_x: true,
                    })
                }
                DerivativeChoice::Exact => Differentiation::Exact,
            },
            ensemble: (self.ensemble >= 2).then_some(Ensemble {
                n_models: self.ensemble,
                seed: self.ensemble_seed as u64,
                ..Ensemble::default()
            }),
            weak: self.weak.then_some(WeakForm {
                subdomains: self.weak_subdomains,
                ..WeakForm::default()
            }),
            sweep: self.sweep.then_some(Sweep::default()),
        }
    }
}

impl ModelCard for SindyCard {
    fn title(&self) -> &'static str {
        "SINDy"
    }

    fn blurb(&self) -> &'static str {
        "SINDy: sparse polynomial equations (Brunton, Proctor & Kutz 2016) by STLSQ or SR3, from finite-difference, smoothed, spectral, TV or exact derivatives, or in weak form; ensembles give inclusion probabilities, a sweep picks the threshold — as PySINDy."
    }

    fn color(&self) -> [u8; 3] {
        [120, 220, 120]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        labelled_text(
            ui,
            "library",
            &mut self.library,
            "poly",
            "+ concatenates, * takes the tensor product (PySINDy's lib_a + lib_b, lib_a * lib_b). \
             Libraries: poly (the degree below), poly(d), identity, fourier, fourier(k), custom \
             (the custom terms). Example: poly + identity * fourier",
        );
        labelled_text(
            ui,
            "custom terms",
            &mut self.custom_terms,
            "sin(x*y); x*exp(-z)",
            "expressions of the state names separated by ';', written as in a typed system; \
             one library column each, named as typed. Use them with custom in the library.",
        );
        if let Err(e) = self.library() {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 90), e);
        }
        labelled_usize(ui, "polynomial degree", &mut self.degree, 1..=MAX_DEGREE);
        ui.horizontal(|ui| {
            let l = ui.label("optimizer");
            egui::ComboBox::from_id_salt("sindy_optimizer")
                .selected_text(self.optimizer.label())
                .show_ui(ui, |ui| {
                    for c in OptimizerChoice::ALL {
                        ui.selectable_value(&mut self.optimizer, c, c.label());
                    }
                })
                .response
                .labelled_by(l.id);
        });
        labelled_f64(ui, "threshold", &mut self.threshold, 0.0..=100.0);
        match self.optimizer {
            OptimizerChoice::Stlsq => {
                labelled_f64(ui, "ridge alpha", &mut self.alpha, 0.0..=100.0);
            }
            OptimizerChoice::Sr3L0 | OptimizerChoice::Sr3L1 => {
                labelled_f64(ui, "SR3 relaxation nu", &mut self.nu, 1e-3..=1e3);
            }
        }
        ui.checkbox(&mut self.weak, "weak form (no derivatives)");
        if self.weak {
            labelled_usize(ui, "weak subdomains", &mut self.weak_subdomains, 10..=2000);
        } else {
            ui.horizontal(|ui| {
                let l = ui.label("derivative");
                egui::ComboBox::from_id_salt("sindy_derivative")
                    .selected_text(self.derivative.label())
                    .show_ui(ui, |ui| {
                        for c in DerivativeChoice::ALL {
                            ui.selectable_value(&mut self.derivative, c, c.label());
                        }
                    })
                    .response
                    .labelled_by(l.id);
            });
            match self.derivative {
                DerivativeChoice::FiniteDifference | DerivativeChoice::SavitzkyGolay => {
                    labelled_usize(
                        ui,
                        "derivative order (2, 4, 6, 8)",
                        &mut self.fd_order,
                        2..=8,
                    );
                    // Only even orders exist; round an odd entry up.
                    self.fd_order += self.fd_order % 2;
                    if self.derivative == DerivativeChoice::SavitzkyGolay {
                        labelled_usize(ui, "smoothing window", &mut self.savgol_window, 3..=201);
                        self.savgol_window += 1 - self.savgol_window % 2;
                        labelled_usize(
                            ui,
                            "smoothing polynomial order",
                            &mut self.savgol_order,
                            1..=8,
                        );
                    }
                }
                DerivativeChoice::TotalVariation => {
                    labelled_f64(ui, "TV weight alpha", &mut self.tv_alpha, 0.0..=10.0);
                }
                DerivativeChoice::Spectral | DerivativeChoice::Exact => {}
            }
        }
        labelled_usize(ui, "ensemble models (0 = off)", &mut self.ensemble, 0..=500);
        if self.ensemble == 1 {
            self.ensemble = 2;
        }
        if self.ensemble >= 2 {
            labelled_usize(ui, "ensemble seed", &mut self.ensemble_seed, 0..=1_000_000);
        }
        ui.checkbox(
            &mut self.sweep,
            "choose the threshold by a sweep (Pareto knee)",
        );
    }

    fn model(&self) -> Box<dyn Model> {
        match self.library() {
            Ok(library) => Box::new(self.options(library)),
            Err(reason) => Box::new(InvalidLibrary(reason)),
        }
    }

    fn result_ui(&self, ui: &mut egui::Ui, model: &dyn FittedModel) {
        let report = model.report();
        heat_map_ui(ui, &report);
        if let (Some(probs), Some(names)) = (
            report["inclusion_probabilities"].as_array(),
            report["feature_names"].as_array(),
        ) {
            inclusion_ui(ui, &report, probs, names);
        }
        if let Some(points) = report["pareto"].as_array() {
            pareto_ui(ui, &report, points);
        }
    }
}

/// A labelled one-line text field with a hint and a hover explanation.
fn labelled_text(ui: &mut egui::Ui, label: &str, value: &mut String, hint: &str, help: &str) {
    ui.horizontal(|ui| {
        let l = ui.label(label).on_hover_text(help);
        ui.add(
            egui::TextEdit::singleline(value)
                .hint_text(hint)
                .desired_width(150.0),
        )
        .labelled_by(l.id)
        .on_hover_text(help);
    });
}

/// A grid of inclusion probabilities: one row per term that any model used, one
/// column per equation.
fn inclusion_ui(
    ui: &mut egui::Ui,
    report: &serde_json::Value,
    probs: &[serde_json::Value],
    names: &[serde_json::Value],
) {
    let p = |i: usize, j: usize| probs[i][j].as_f64().unwrap_or(0.0);
    let lhs: Vec<String> = (0..probs.len())
        .map(|i| {
            report["equations"][i]
                .as_str()
                .and_then(|e| e.split(" = ").next())
                .unwrap_or("?")
                .to_string()
        })
        .collect();
    egui::CollapsingHeader::new(format!(
        "inclusion probabilities ({} models)",
        report["ensemble_models"].as_u64().unwrap_or(0)
    ))
    .default_open(true)
    .show(ui, |ui| {
        egui::Grid::new("sindy_inclusion")
            .striped(true)
            .show(ui, |ui| {
                ui.label("term");
                for l in &lhs {
                    ui.strong(l);
                }
                ui.end_row();
                for (j, name) in names.iter().enumerate() {
                    if (0..probs.len()).all(|i| p(i, j) == 0.0) {
                        continue;
                    }
                    ui.monospace(name.as_str().unwrap_or("?"));
                    for i in 0..probs.len() {
                        let v = p(i, j);
                        let text = egui::RichText::new(format!("{v:.2}")).monospace();
                        if v >= 0.5 {
                            ui.label(text.strong());
                        } else if v > 0.0 {
                            ui.label(text.weak());
                        } else {
                            ui.label("");
                        }
                    }
                    ui.end_row();
                }
            });
    });
}

/// The Pareto front: number of terms against log10 of the held-out error, the chosen
/// threshold highlighted.
fn pareto_ui(ui: &mut egui::Ui, report: &serde_json::Value, points: &[serde_json::Value]) {
    let chosen = report["chosen_threshold"].as_f64();
    let pts: Vec<[f64; 2]> = points
        .iter()
        .filter_map(|p| {
            let err = p["error"].as_f64()?;
            Some([p["nonzero"].as_f64()?, err.max(1e-300).log10()])
        })
        .collect();
    let picked: Vec<[f64; 2]> = points
        .iter()
        .filter(|p| p["threshold"].as_f64() == chosen)
        .filter_map(|p| {
            Some([
                p["nonzero"].as_f64()?,
                p["error"].as_f64()?.max(1e-300).log10(),
            ])
        })
        .collect();
    ui.label(format!(
        "threshold sweep: chosen {} ({})",
        chosen.map_or("?".into(), |c| format!("{c:.3e}")),
        report["selection"].as_str().unwrap_or("?")
    ));
    crate::app::theme::plot("sindy_pareto")
        .height(120.0)
        .x_axis_label("terms")
        .y_axis_label("log10 held-out error")
        .legend(Legend::default())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(Line::new("front", PlotPoints::from(pts.clone())));
            plot.points(Points::new("models", PlotPoints::from(pts)).radius(2.5));
            plot.points(
                Points::new("chosen", PlotPoints::from(picked))
                    .radius(5.0)
                    .color(egui::Color32::from_rgb(255, 200, 60)),
            );
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrate::{Simulation, solve};
    use crate::jobs::JobContext;
    use crate::systems::Catalog;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    #[test]
    fn ensemble_and_sweep_results_appear_on_the_card() {
        // 30 periods of the catalog Lorenz, fitted through the card's own options with a
        // 10-model ensemble and the sweep: the card shows the inclusion-probability grid
        // (header, the terms and their probabilities) and the Pareto plot's caption.
        let system = Catalog::builtin().system("Lorenz").expect("catalog");
        let sim = Simulation::for_system(&system, 30.0);
        let (data, _) = solve(&system, &sim, &JobContext::detached()).expect("integrates");
        let card = SindyCard {
            ensemble: 10,
            sweep: true,
            ..SindyCard::default()
        };
        let fitted = card
            .model()
            .fit(&data, &JobContext::detached())
            .expect("fits");
        let mut h = Harness::new_ui(move |ui| card.result_ui(ui, fitted.as_ref()));
        h.run();
        h.get_by_label("inclusion probabilities (10 models)");
        h.get_by_label("x z");
        assert!(
            h.query_all_by_label("1.00").count() >= 7,
            "seven certain terms"
        );
        assert!(
            h.query_by_label_contains("threshold sweep: chosen")
                .is_some(),
            "the sweep's caption"
        );
        // Without an ensemble or a sweep the card adds nothing.
        let plain = SindyCard::default();
        let fitted = plain
            .model()
            .fit(&data, &JobContext::detached())
            .expect("fits");
        let mut h = Harness::new_ui(move |ui| plain.result_ui(ui, fitted.as_ref()));
        h.run();
        assert!(
            h.query_by_label_contains("inclusion probabilities")
                .is_none()
        );
    }

    #[test]
    fn heat_map_shows_every_coefficient_and_its_value_on_hover() {
        // Lorenz through the card's defaults: a 3 × 10 heat map whose cells are named
        // "(equation) term"; resting the pointer on ẏ's x z cell shows its value
        // (−1.000 to three digits at the card's order-8 differences).
        let system = Catalog::builtin().system("Lorenz").expect("catalog");
        let sim = Simulation::for_system(&system, 30.0);
        let (data, _) = solve(&system, &sim, &JobContext::detached()).expect("integrates");
        let card = SindyCard::default();
        let fitted = card
            .model()
            .fit(&data, &JobContext::detached())
            .expect("fits");
        let xz = fitted.report()["coefficients"][1][6]
            .as_f64()
            .expect("number");
        assert!((xz + 1.0).abs() < 1e-3, "{xz}");
        let mut h = Harness::new_ui(move |ui| card.result_ui(ui, fitted.as_ref()));
        h.run();
        h.get_by_label("coefficient heat map");
        assert_eq!(h.query_all_by_label_contains("(x)' ").count(), 10);
        assert_eq!(h.query_all_by_label_contains("(z)' ").count(), 10);
        assert!(h.query_by_label_contains("(y)' x z: ").is_none());
        h.get_by_label("(y)' x z").hover();
        h.run();
        h.get_by_label(&format!("(y)' x z: {xz:.6}"));
        // A term the model dropped says so.
        h.get_by_label("(x)' z^2").hover();
        h.run();
        h.get_by_label("(x)' z^2: 0 (not in the model)");
    }

    #[test]
    fn typed_terms_fit_from_the_card_and_a_bad_library_says_where() {
        // Thomas (ẋ = −1.85 x + 10 sin y, cyclic) at the window's sampling, with the
        // library `identity + custom` and typed sines; order-8 differences (at 100
        // samples per period order 4 is off by 1e-2, order 8 by 1e-4).
        let system = Catalog::builtin().system("Thomas").expect("catalog");
        let sim = Simulation::for_system(&system, 20.0);
        let (data, _) = solve(&system, &sim, &JobContext::detached()).expect("integrates");
        let card = SindyCard {
            library: "identity + custom".into(),
            custom_terms: "sin(x); sin(y); sin(z)".into(),
            fd_order: 8,
            ..SindyCard::default()
        };
        let fitted = card
            .model()
            .fit(&data, &JobContext::detached())
            .expect("fits");
        let report = fitted.report();
        assert_eq!(report["feature_names"][4], "sin(y)");
        let b = report["coefficients"][0][4].as_f64().expect("number");
        assert!((b - 10.0).abs() < 1e-3, "{b}");
        assert_eq!(fitted.equations().expect("text").len(), 3);
        let bad = SindyCard {
            library: "poly + sine".into(),
            ..SindyCard::default()
        };
        let err = bad
            .model()
            .fit(&data, &JobContext::detached())
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("column 8: unknown library 'sine'"), "{err}");
        // The settings show the same message while typing.
        let mut h = Harness::new_ui(move |ui| {
            let mut c = SindyCard {
                library: "poly + sine".into(),
                ..SindyCard::default()
            };
            c.settings_ui(ui)
        });
        h.run();
        assert!(
            h.query_by_label_contains("unknown library 'sine'")
                .is_some()
        );
    }
}
