//! One typed scalar expression compiled with exmex together with its symbolic partial
//! derivatives: the building block of a user-typed system (one per right-hand side) and
//! of a SINDy custom library term (one per typed term).
//!
//! The text first goes through our own checker ([`super::expr::check`]), which gives
//! errors a column and rewrites `abs` for the derivative; exmex then parses the value
//! and differentiates symbolically (`∂f/∂x_j` for each state `x_j` the expression reads).

use exmex::prelude::*;
use exmex::{Differentiate, FlatEx};

use super::expr::{self, Checked, Rejected};
use super::{EXMEX_WORDS, close_names};

/// Variables evaluated from a stack buffer; expressions with more use the heap.
const STACK_VARS: usize = 32;

/// Where the value of one exmex variable comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// State `i`.
    State(usize),
    /// Entry `i` of the packed parameter slice.
    Param(usize),
    /// Sign variable `_s<i>` of an `abs` rewrite.
    Sign(usize),
}

/// One compiled expression with the map from exmex's (alphabetical) variables to ours.
#[derive(Clone, Debug)]
struct Compiled {
    expr: FlatEx<f64>,
    sources: Vec<Source>,
    /// The arguments of `abs` whose signs the derivative reads (`_s0, _s1, …`).
    signs: Vec<Compiled>,
}

impl Compiled {
    fn new(expr: FlatEx<f64>, names: &Names, signs: Vec<Compiled>) -> Result<Compiled, String> {
        let sources = expr
            .var_names()
            .iter()
            .map(|v| names.source(v))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Compiled {
            expr,
            sources,
            signs,
        })
    }

    /// The value at state `x` with parameters `packed`; NaN if exmex fails (it cannot for
    /// a checked expression, but an integrator then stops with a clear message).
    fn eval(&self, x: &[f64], packed: &[f64]) -> f64 {
        let mut signs = [0.0; STACK_VARS];
        for (k, s) in self.signs.iter().enumerate().take(STACK_VARS) {
            signs[k] = s.eval(x, packed).signum();
        }
        let value = |s: &Source| match *s {
            Source::State(i) => x[i],
            Source::Param(i) => packed[i],
            Source::Sign(i) => signs.get(i).copied().unwrap_or(f64::NAN),
        };
        let n = self.sources.len();
        let result = if n <= STACK_VARS {
            let mut buf = [0.0; STACK_VARS];
            for (b, s) in buf.iter_mut().zip(&self.sources) {
                *b = value(s);
            }
            self.expr.eval(&buf[..n])
        } else {
            self.expr
                .eval(&self.sources.iter().map(value).collect::<Vec<_>>())
        };
        result.unwrap_or(f64::NAN)
    }
}

/// The names an expression may use and where their values live.
pub(super) struct Names<'a> {
    /// State names, in state order.
    pub states: &'a [String],
    /// `(name, index in the packed parameter slice)`.
    pub params: Vec<(&'a str, usize)>,
}

impl Names<'_> {
    fn source(&self, v: &str) -> Result<Source, String> {
        if let Some(i) = self.states.iter().position(|s| s == v) {
            return Ok(Source::State(i));
        }
        if let Some((_, at)) = self.params.iter().find(|(p, _)| *p == v) {
            return Ok(Source::Param(*at));
        }
        if let Some(k) = v.strip_prefix("_s").and_then(|k| k.parse().ok()) {
            return Ok(Source::Sign(k));
        }
        Err(format!("exmex found an unexpected variable '{v}'"))
    }
}

/// A typed expression `f(x; p)` and its symbolic gradient with respect to the states.
#[derive(Clone, Debug)]
pub struct TypedFunction {
    value: Compiled,
    /// `∂f/∂x_j` per state; `None` where `f` does not read `x_j`.
    partials: Vec<Option<Compiled>>,
}

impl TypedFunction {
    /// Compiles a checked expression: exmex parses the value text and differentiates the
    /// derivative text with respect to every state. The error is exmex's message.
    pub(super) fn from_checked(checked: &Checked, names: &Names) -> Result<Self, String> {
        let value = FlatEx::<f64>::parse(&checked.value_text).map_err(|e| e.msg().to_string())?;
        let value = Compiled::new(value, names, Vec::new())?;
        let derivative =
            FlatEx::<f64>::parse(&checked.derivative_text).map_err(|e| e.msg().to_string())?;
        let signs = checked
            .sign_arguments
            .iter()
            .map(|t| {
                let e = FlatEx::<f64>::parse(t).map_err(|e| e.msg().to_string())?;
                Compiled::new(e, names, Vec::new())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut partials = Vec::with_capacity(names.states.len());
        for state in names.states {
            let Some(at) = derivative.var_names().iter().position(|v| v == state) else {
                partials.push(None);
                continue;
            };
            let d = derivative.clone().partial(at).map_err(|e| {
                format!(
                    "could not differentiate with respect to {state}: {}",
                    e.msg()
                )
            })?;
            partials.push(Some(Compiled::new(d, names, signs.clone())?));
        }
        Ok(TypedFunction { value, partials })
    }

    /// Parses `text`, an expression of the `states` only (no parameters), as the typed
    /// systems do (same operators, functions, constants and error checks). `offset` is
    /// the 0-based character position of `text` in the line the user sees, so the
    /// error's column points into that line.
    pub fn parse(text: &str, offset: usize, states: &[String]) -> Result<Self, ExpressionError> {
        for name in states {
            if super::expr::FUNCTIONS.contains(&name.as_str())
                || super::expr::CONSTANTS
                    .iter()
                    .any(|(c, e)| c == name || e == name)
                || EXMEX_WORDS.contains(&name.as_str())
            {
                return Err(ExpressionError::ReservedState(name.clone()));
            }
        }
        let known: Vec<&str> = states.iter().map(String::as_str).collect();
        let checked = expr::check(text, offset, &known).map_err(|r| match r {
            Rejected::Syntax(l) => ExpressionError::Syntax {
                column: l.column,
                token: l.token,
                message: l.message,
            },
            Rejected::Unknown(u) => ExpressionError::Unknown {
                column: u.column,
                suggestions: close_names(&u.name, &known),
                name: u.name,
                states: states.to_vec(),
            },
        })?;
        let names = Names {
            states,
            params: Vec::new(),
        };
        TypedFunction::from_checked(&checked, &names).map_err(ExpressionError::Exmex)
    }

    /// `f(x)` with parameters `packed` (empty for a function of the states only).
    pub fn eval(&self, x: &[f64], packed: &[f64]) -> f64 {
        self.value.eval(x, packed)
    }

    /// `∂f/∂x_j` at `x` (0 where `f` does not read `x_j`).
    pub fn partial(&self, j: usize, x: &[f64], packed: &[f64]) -> f64 {
        match &self.partials[j] {
            Some(e) => e.eval(x, packed),
            None => 0.0,
        }
    }

    /// Whether `f` reads state `j` (its partial derivative is not identically zero by
    /// construction).
    pub fn reads(&self, j: usize) -> bool {
        self.partials[j].is_some()
    }
}

/// Why a typed expression of the states was rejected; columns are 1-based characters of
/// the line the user typed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExpressionError {
    /// A malformed expression: a bad token, a missing operand or parenthesis.
    #[error("column {column} at '{token}': {message}")]
    Syntax {
        /// 1-based column.
        column: usize,
        /// The offending token (or `end of line`).
        token: String,
        /// What is wrong there.
        message: String,
    },
    /// A name that is no state, function or constant.
    #[error(
        "column {column}: unknown symbol '{name}'{}; the states are {}",
        super::error::did_you_mean(.suggestions),
        .states.join(", ")
    )]
    Unknown {
        /// 1-based column.
        column: usize,
        /// The unknown name.
        name: String,
        /// Close state or function names.
        suggestions: Vec<String>,
        /// The states the expression may use.
        states: Vec<String>,
    },
    /// A state named like a function or constant, which an expression cannot address.
    #[error(
        "the state '{0}' has the name of a function or constant, so a typed term cannot refer to it; rename the column"
    )]
    ReservedState(String),
    /// exmex rejected an expression our own checks let through, or could not
    /// differentiate it.
    #[error("{0}")]
    Exmex(String),
}

impl ExpressionError {
    /// The 1-based column of the problem, where it has one.
    pub fn column(&self) -> Option<usize> {
        match self {
            ExpressionError::Syntax { column, .. } | ExpressionError::Unknown { column, .. } => {
                Some(*column)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xyz() -> Vec<String> {
        ["x", "y", "z"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn value_and_gradient_match_calculus_and_finite_differences() {
        // f = sin(x*y) + x*exp(-z): ∂f/∂x = y cos(xy) + exp(-z), ∂f/∂y = x cos(xy),
        // ∂f/∂z = -x exp(-z).
        let f = TypedFunction::parse("sin(x*y) + x*exp(-z)", 0, &xyz()).expect("valid");
        let p = [0.7, -1.3, 0.4];
        let (x, y, z) = (p[0], p[1], p[2]);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs().max(1.0);
        assert!(close(f.eval(&p, &[]), (x * y).sin() + x * (-z).exp()));
        assert!(close(f.partial(0, &p, &[]), y * (x * y).cos() + (-z).exp()));
        assert!(close(f.partial(1, &p, &[]), x * (x * y).cos()));
        assert!(close(f.partial(2, &p, &[]), -x * (-z).exp()));
        // And against central differences, for abs as well.
        let g = TypedFunction::parse("abs(x - y)*z^2", 0, &xyz()).expect("valid");
        let h = 1e-6;
        for j in 0..3 {
            let (mut a, mut b) = (p, p);
            a[j] += h;
            b[j] -= h;
            let fd = (g.eval(&a, &[]) - g.eval(&b, &[])) / (2.0 * h);
            assert!((g.partial(j, &p, &[]) - fd).abs() < 1e-8, "state {j}");
        }
        assert!(g.reads(0) && g.reads(1) && g.reads(2));
        let only_x = TypedFunction::parse("x^3", 0, &xyz()).expect("valid");
        assert!(only_x.reads(0) && !only_x.reads(1) && !only_x.reads(2));
        assert_eq!(only_x.partial(2, &p, &[]), 0.0);
    }

    #[test]
    fn errors_name_the_column_in_the_typed_line() {
        // The term starts at character 10 of the line the user typed.
        let e = TypedFunction::parse("x*exp(-w)", 10, &xyz()).expect_err("unknown w");
        assert_eq!(e.column(), Some(18));
        assert!(e.to_string().contains("unknown symbol 'w'"), "{e}");
        assert!(e.to_string().contains("the states are x, y, z"), "{e}");
        let e = TypedFunction::parse("sin(x*)", 0, &xyz()).expect_err("syntax");
        assert_eq!(e.column(), Some(7));
        let reserved = vec!["e".to_string()];
        assert!(matches!(
            TypedFunction::parse("e", 0, &reserved),
            Err(ExpressionError::ReservedState(_))
        ));
    }
}
