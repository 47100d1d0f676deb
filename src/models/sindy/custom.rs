//! Custom library terms typed by the user (`sin(x*y); x*exp(-z)`): each term is an
//! expression of the state names, parsed and differentiated with the same machinery as
//! user-typed systems ([`crate::systems::user::TypedFunction`]: our column-aware checker,
//! then exmex for the value and the symbolic partial derivatives). A term's column in
//! `Θ` is its value on every sample; its gradient (needed by the simulator's Jacobian)
//! is exmex's `∂θ/∂x_j`. Names are the terms as typed.
//!
//! This is our counterpart of PySINDy's `CustomLibrary`, which takes Python functions
//! (and applies each to every combination of inputs); here each typed term names its
//! inputs itself, so one term is one column.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::models::FitError;
use crate::systems::user::{ExpressionError, TypedFunction};

/// The separator between typed terms.
pub const TERM_SEPARATOR: char = ';';

/// One typed term `θ(x)` with its compiled value and gradient.
///
/// Saved as its text and the state names it was compiled for; loading compiles it again.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "CustomTermText", into = "CustomTermText")]
pub struct CustomTerm {
    text: String,
    states: Vec<String>,
    function: Arc<TypedFunction>,
}

/// The saved form of a [`CustomTerm`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomTermText {
    text: String,
    states: Vec<String>,
}

impl TryFrom<CustomTermText> for CustomTerm {
    type Error = ExpressionError;
    fn try_from(t: CustomTermText) -> Result<Self, Self::Error> {
        CustomTerm::parse(&t.text, 0, &t.states)
    }
}

impl From<CustomTerm> for CustomTermText {
    fn from(t: CustomTerm) -> Self {
        CustomTermText {
            text: t.text,
            states: t.states,
        }
    }
}

impl PartialEq for CustomTerm {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.states == other.states
    }
}

impl Eq for CustomTerm {}

impl CustomTerm {
    /// Compiles `text` (trimmed) as a function of `states`; `offset` is its 0-based
    /// character position in the line the user typed, so errors point into that line.
    pub fn parse(text: &str, offset: usize, states: &[String]) -> Result<Self, ExpressionError> {
        let function = TypedFunction::parse(text, offset, states)?;
        Ok(CustomTerm {
            text: text.trim().to_string(),
            states: states.to_vec(),
            function: Arc::new(function),
        })
    }

    /// `θ(x)`.
    pub fn eval(&self, x: &[f64]) -> f64 {
        self.function.eval(x, &[])
    }

    /// `∂θ/∂x_j` for every `j`, written into `grad` (overwritten).
    pub fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        for (j, g) in grad.iter_mut().enumerate() {
            *g = self.function.partial(j, x, &[]);
        }
    }

    /// The term as typed.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Terms typed by the user, separated by `;` (`sin(x*y); x*exp(-z)`), one column each
/// in the order typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomLibrary {
    /// The line as typed.
    pub text: String,
}

impl CustomLibrary {
    /// A library from the typed line.
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into() }
    }

    /// Each non-empty term with its 0-based character offset in the line.
    fn pieces(&self) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        let mut offset = 0;
        for piece in self.text.split(TERM_SEPARATOR) {
            if !piece.trim().is_empty() {
                out.push((offset, piece));
            }
            offset += piece.chars().count() + 1;
        }
        out
    }

    /// Compiles every term for the given state names; the first bad term is reported
    /// with its number, its text and the column (in the typed line) of the bad token.
    pub fn terms(&self, states: &[String]) -> Result<Vec<CustomTerm>, FitError> {
        let pieces = self.pieces();
        if pieces.is_empty() {
            return Err(FitError::Options(
                "the custom library has no terms; type expressions of the states separated by ';', e.g. sin(x*y); x*exp(-z)".into(),
            ));
        }
        pieces
            .into_iter()
            .enumerate()
            .map(|(k, (offset, piece))| {
                CustomTerm::parse(piece, offset, states).map_err(|e| {
                    FitError::Options(format!("custom term {} ('{}'), {e}", k + 1, piece.trim()))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xyz() -> Vec<String> {
        ["x", "y", "z"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn terms_keep_their_text_and_order() {
        let lib = CustomLibrary::new(" sin(x*y);x*exp(-z) ; ;z^2");
        let terms = lib.terms(&xyz()).expect("valid");
        let texts: Vec<&str> = terms.iter().map(CustomTerm::text).collect();
        assert_eq!(texts, ["sin(x*y)", "x*exp(-z)", "z^2"]);
        let p = [0.5, 2.0, -1.0];
        assert_eq!(terms[2].eval(&p), 1.0);
        let mut g = [0.0; 3];
        terms[1].gradient(&p, &mut g);
        assert_eq!(g, [1.0f64.exp(), 0.0, -0.5 * 1.0f64.exp()]);
    }

    #[test]
    fn a_bad_term_names_its_number_and_column_in_the_line() {
        // 'w' is character 18 (1-based) of the whole line.
        let lib = CustomLibrary::new("sin(x*y); x*exp(-w)");
        let msg = lib.terms(&xyz()).expect_err("w is no state").to_string();
        assert!(msg.contains("custom term 2 ('x*exp(-w)')"), "{msg}");
        assert!(msg.contains("column 18"), "{msg}");
        assert!(msg.contains("unknown symbol 'w'"), "{msg}");
        let lib = CustomLibrary::new("sin(x y)");
        let msg = lib.terms(&xyz()).expect_err("missing operator").to_string();
        assert!(msg.contains("column 7 at 'y'"), "{msg}");
        assert!(CustomLibrary::new(" ; ").terms(&xyz()).is_err());
    }

    #[test]
    fn a_term_survives_a_save_and_load() {
        let t = CustomTerm::parse("x*exp(-z)", 0, &xyz()).expect("valid");
        let json = serde_json::to_string(&t).expect("serializes");
        assert_eq!(json, r#"{"text":"x*exp(-z)","states":["x","y","z"]}"#);
        let back: CustomTerm = serde_json::from_str(&json).expect("loads");
        assert_eq!(back, t);
        assert_eq!(back.eval(&[2.0, 0.0, 0.0]), 2.0);
        let bad = r#"{"text":"x*(","states":["x"]}"#;
        assert!(serde_json::from_str::<CustomTerm>(bad).is_err());
    }
}
