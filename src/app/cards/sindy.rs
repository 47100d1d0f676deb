//! The SINDy card: STLSQ threshold, ridge weight and polynomial degree. The recovered
//! equations are part of the fitted model's report and appear with its result.

use super::{ModelCard, labelled_f64, labelled_usize};
use crate::models::Model;
use crate::models::sindy::library::{DEFAULT_DEGREE, MAX_DEGREE};
use crate::models::sindy::stlsq::{DEFAULT_ALPHA, DEFAULT_THRESHOLD};
use crate::models::sindy::{
    Differentiation, FiniteDifference, Library, PolynomialLibrary, Sindy, Stlsq,
};

/// Finite-difference order the card starts with: 4, not PySINDy's 2 — at the window's
/// 100 samples per period order 2 biases Lorenz's ρ to 27.55, order 4 gives 27.988
/// (three digits, which is what a class should see).
const CARD_FD_ORDER: usize = 4;

/// SINDy card settings (PySINDy's defaults, except the differentiation order).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SindyCard {
    threshold: f64,
    alpha: f64,
    degree: usize,
    fd_order: usize,
}

impl Default for SindyCard {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            alpha: DEFAULT_ALPHA,
            degree: DEFAULT_DEGREE,
            fd_order: CARD_FD_ORDER,
        }
    }
}

impl ModelCard for SindyCard {
    fn title(&self) -> &'static str {
        "SINDy"
    }

    fn blurb(&self) -> &'static str {
        "SINDy: sparse polynomial equations found by sequentially thresholded least squares (Brunton, Proctor & Kutz 2016), as PySINDy."
    }

    fn color(&self) -> [u8; 3] {
        [120, 220, 120]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        labelled_f64(ui, "threshold", &mut self.threshold, 0.0..=100.0);
        labelled_f64(ui, "ridge alpha", &mut self.alpha, 0.0..=100.0);
        labelled_usize(ui, "polynomial degree", &mut self.degree, 1..=MAX_DEGREE);
        labelled_usize(
            ui,
            "derivative order (2, 4, 6, 8)",
            &mut self.fd_order,
            2..=8,
        );
        // Only even orders exist; round an odd entry up.
        self.fd_order += self.fd_order % 2;
    }

    fn model(&self) -> Box<dyn Model> {
        Box::new(Sindy {
            library: Library::Polynomial(PolynomialLibrary {
                degree: self.degree,
                ..PolynomialLibrary::default()
            }),
            optimizer: Stlsq {
                threshold: self.threshold,
                alpha: self.alpha,
                ..Stlsq::default()
            },
            differentiation: Differentiation::FiniteDifference(FiniteDifference {
                order: self.fd_order,
                ..FiniteDifference::default()
            }),
        })
    }
}
