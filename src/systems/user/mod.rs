//! User-typed systems: the user writes a system as text (state names, parameters, one
//! right-hand side per state); it is parsed once with the [exmex] crate and evaluated
//! from then on with a small stack buffer of variable values, fast enough to integrate
//! live. The Jacobian is exmex's symbolic partial derivatives `∂f_i/∂x_j`, evaluated at
//! the state, so [`crate::systems::System::jvp`] and the Lyapunov spectrum work as for
//! the built-in systems.
//!
//! # Notation
//! - Flows: `dx/dt = sigma*(y - x)`, one line per state `x`.
//! - Maps: `x_next = 1 - a*x^2 + y`, one line per state; the right-hand side reads the
//!   current state.
//! - Operators `+ - * / ^` (power), parentheses; functions `sin cos tan asin acos atan
//!   sinh cosh tanh asinh acosh atanh exp log ln log10 log2 sqrt abs` (`log` is the
//!   natural logarithm); constants `pi`, `e`. Write every product: `2*x`, not `2x`.
//!   A sign binds weaker than a power, as in mathematics: `-x^2` is `-(x^2)` (exmex
//!   alone would read `(-x)^2`; we move the sign out before it parses). Write chains of
//!   powers with parentheses, `a^(b^c)`.
//! - Names (states and parameters) start with a letter and hold letters, digits and
//!   `_`; they cannot be a function or constant name.
//!
//! # File format `chaoslab-system`, version 1 (JSON)
//! ```json
//! {"format": "chaoslab-system", "version": 1, "name": "Typed Lorenz", "kind": "flow",
//!  "state_names": ["x", "y", "z"],
//!  "params": [{"name": "sigma", "default": 10, "min": 0, "max": 40}, ...],
//!  "equations": ["dx/dt = (y - x)*sigma", ...],
//!  "initial_conditions": [-9.79, -15.04, 20.53],
//!  "period": 1.5008, "description": "one or two sentences"}
//! ```
//! `kind` is `flow` or `map`. A parameter's `min`/`max` (the slider range) are optional:
//! `[0.5 p, 1.5 p]` sorted by default (`[-1, 1]` for `p = 0`). `period` is the dominant
//! time scale, which sets the sampling (100 samples per period) and the live speed; it
//! is 1 when absent (always 1 for maps). `description` is optional. Unknown fields are
//! an error (a misspelt field would otherwise be ignored silently).

mod error;
mod expr;
mod file;
mod function;

pub use error::UserSystemError;
pub use expr::{CONSTANTS, FUNCTIONS};
pub use file::{FORMAT, UserParam, UserSystemSpec, VERSION};
pub use function::{ExpressionError, TypedFunction};

use super::{Kind, ParamSpec, SystemInfo};
use expr::Rejected;
use function::Names;

/// Operator and constant names exmex reserves besides [`FUNCTIONS`] and [`CONSTANTS`]
/// (its float operator set): no state or parameter may be called so.
const EXMEX_WORDS: &[&str] = &[
    "atan2", "min", "max", "signum", "floor", "round", "ceil", "trunc", "fract", "cbrt", "TAU",
];

/// A parsed and compiled user-typed system: right-hand sides and their Jacobian.
#[derive(Clone, Debug)]
pub struct UserSystem {
    spec: UserSystemSpec,
    info: SystemInfo,
    /// `f_i` with its symbolic partial derivatives `∂f_i/∂x_j`.
    rhs: Vec<TypedFunction>,
}

impl UserSystem {
    /// Checks every name, value and equation of `spec` and compiles it; the first problem
    /// found is returned, naming the equation, column and token where it has one.
    pub fn compile(spec: UserSystemSpec) -> Result<UserSystem, UserSystemError> {
        if spec.format != FORMAT || spec.version != VERSION {
            return Err(UserSystemError::Format {
                format: spec.format.clone(),
                version: spec.version,
            });
        }
        let info = build_info(&spec)?;
        let n = spec.state_names.len();
        // Where each parameter sits in the packed slice `System` hands the equations.
        let layout = info.param_layout();
        let names = Names {
            states: &spec.state_names,
            params: layout.iter().map(|&(name, at, _)| (name, at)).collect(),
        };
        let known: Vec<&str> = spec
            .state_names
            .iter()
            .chain(spec.params.iter().map(|p| &p.name))
            .map(String::as_str)
            .collect();
        let mut slots: Vec<Option<(usize, expr::Checked)>> = vec![None; n];
        for (k, eq) in spec.equations.iter().enumerate() {
            // Columns count from the equation without its leading and trailing blanks,
            // the text error messages show.
            let eq = eq.trim();
            if eq.is_empty() {
                continue;
            }
            let (state, offset, rhs) = split_equation(&spec, k, eq)?;
            let checked = expr::check(rhs, offset, &known).map_err(|r| match r {
                Rejected::Syntax(l) => UserSystemError::Parse {
                    equation: k + 1,
                    text: eq.trim().to_string(),
                    column: l.column,
                    token: l.token,
                    message: l.message,
                },
                Rejected::Unknown(u) => UserSystemError::UnknownSymbol {
                    equation: k + 1,
                    text: eq.trim().to_string(),
                    column: u.column,
                    suggestions: close_names(&u.name, &known),
                    name: u.name,
                    known: error::known_names(
                        &spec.state_names,
                        &spec
                            .params
                            .iter()
                            .map(|p| p.name.clone())
                            .collect::<Vec<_>>(),
                    ),
                },
            })?;
            if let Some((first, _)) = &slots[state] {
                return Err(UserSystemError::DuplicateEquation {
                    state: spec.state_names[state].clone(),
                    first: first + 1,
                    second: k + 1,
                });
            }
            slots[state] = Some((k, checked));
        }
        let mut rhs = Vec::with_capacity(n);
        for (i, slot) in slots.into_iter().enumerate() {
            let Some((k, checked)) = slot else {
                let s = &spec.state_names[i];
                return Err(UserSystemError::MissingEquation {
                    state: s.clone(),
                    example: match spec.kind {
                        Kind::Map => format!("{s}_next = ..."),
                        _ => format!("d{s}/dt = ..."),
                    },
                });
            };
            let f = TypedFunction::from_checked(&checked, &names).map_err(|message| {
                UserSystemError::Expression {
                    equation: k + 1,
                    text: spec.equations[k].trim().to_string(),
                    message,
                }
            })?;
            rhs.push(f);
        }
        Ok(UserSystem { spec, info, rhs })
    }

    /// Reads and compiles a `chaoslab-system` file.
    pub fn load(path: &std::path::Path) -> Result<UserSystem, UserSystemError> {
        UserSystem::compile(UserSystemSpec::load(path)?)
    }

    /// What the user typed.
    pub fn spec(&self) -> &UserSystemSpec {
        &self.spec
    }

    /// The catalog-style metadata built from the spec (marked `user_defined`).
    pub fn info(&self) -> &SystemInfo {
        &self.info
    }

    /// `f(x)` (flows) or the image of `x` (maps); `packed` is the parameter slice in
    /// [`SystemInfo::param_layout`] order.
    pub fn rhs(&self, x: &[f64], packed: &[f64], out: &mut [f64]) {
        for (o, e) in out.iter_mut().zip(&self.rhs) {
            *o = e.eval(x, packed);
        }
    }

    /// Row `i`, column `j` of the Jacobian at `x`.
    pub fn jacobian_entry(&self, i: usize, j: usize, x: &[f64], packed: &[f64]) -> f64 {
        self.rhs[i].partial(j, x, packed)
    }

    /// `J(x) v` from the symbolic partial derivatives.
    pub fn jacobian_times(&self, x: &[f64], packed: &[f64], v: &[f64], out: &mut [f64]) {
        let n = self.rhs.len();
        for i in 0..n {
            let f = &self.rhs[i];
            out[i] = (0..n)
                .filter(|&j| f.reads(j))
                .map(|j| f.partial(j, x, packed) * v[j])
                .sum();
        }
    }
}

/// Splits `eq` at its `=`, returns the state it is for, the 0-based character offset of
/// the right-hand side and the right-hand side.
fn split_equation<'a>(
    spec: &UserSystemSpec,
    k: usize,
    eq: &'a str,
) -> Result<(usize, usize, &'a str), UserSystemError> {
    let (flow_form, map_form) = ("dx/dt = ...", "x_next = ...");
    let form = match spec.kind {
        Kind::Map => map_form,
        _ => flow_form,
    };
    let err = |message: String| UserSystemError::LeftHandSide {
        equation: k + 1,
        text: eq.trim().to_string(),
        message,
    };
    let Some((lhs, rhs)) = eq.split_once('=') else {
        return Err(err(format!(
            "no '='; write each equation as {form} for a state x"
        )));
    };
    let offset = lhs.chars().count() + 1;
    let compact: String = lhs.chars().filter(|c| !c.is_whitespace()).collect();
    let flow_name = compact
        .strip_prefix('d')
        .and_then(|s| s.strip_suffix("/dt"));
    let map_name = compact.strip_suffix("_next");
    let name = match (spec.kind, flow_name, map_name) {
        (Kind::Map, _, Some(n)) => n,
        (Kind::Map, Some(_), None) => {
            return Err(err(format!(
                "this system is a map: write {map_form} (dx/dt is for flows)"
            )));
        }
        (Kind::Map, None, None) => {
            return Err(err(format!("the left-hand side must be {map_form}")));
        }
        (_, Some(n), _) => n,
        (_, None, Some(_)) => {
            return Err(err(format!(
                "this system is a flow: write {flow_form} (x_next is for maps)"
            )));
        }
        (_, None, None) => {
            return Err(err(format!("the left-hand side must be {flow_form}")));
        }
    };
    let state = spec
        .state_names
        .iter()
        .position(|s| s == name)
        .ok_or_else(|| {
            err(format!(
                "'{}' names no state{}; the states are {}",
                lhs.trim(),
                close_names(
                    name,
                    &spec
                        .state_names
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                )
                .first()
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default(),
                spec.state_names.join(", ")
            ))
        })?;
    Ok((state, offset, rhs))
}

/// Known names close to `name` (Jaro–Winkler similarity above 0.75), closest first.
fn close_names(name: &str, known: &[&str]) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = known
        .iter()
        .chain(FUNCTIONS)
        .map(|k| (strsim::jaro_winkler(name, k), *k))
        .filter(|(s, _)| *s > 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(2)
        .map(|(_, k)| k.to_string())
        .collect()
}

/// Checks names and values and builds the catalog metadata.
fn build_info(spec: &UserSystemSpec) -> Result<SystemInfo, UserSystemError> {
    if spec.name.trim().is_empty() {
        return Err(UserSystemError::Name("the system needs a name".into()));
    }
    if spec.state_names.is_empty() {
        return Err(UserSystemError::Name(
            "the system needs at least one state name".into(),
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    let all = spec
        .state_names
        .iter()
        .map(|s| (s, "state"))
        .chain(spec.params.iter().map(|p| (&p.name, "parameter")));
    for (name, what) in all {
        check_name(name, what)?;
        if seen.contains(&name.as_str()) {
            return Err(UserSystemError::Name(format!(
                "the name '{name}' is used twice; states and parameters need distinct names"
            )));
        }
        seen.push(name);
    }
    let mut params = Vec::with_capacity(spec.params.len());
    for p in &spec.params {
        let (min, max) = p.range();
        for (what, v) in [("default", p.default), ("min", min), ("max", max)] {
            if !v.is_finite() {
                return Err(UserSystemError::NotFinite {
                    what: format!("parameter {} {what}", p.name),
                    value: v,
                });
            }
        }
        if !(min <= p.default && p.default <= max && min < max) {
            return Err(UserSystemError::Invalid(format!(
                "parameter {}: the default {} must lie in the slider range [{min}, {max}] \
                 (with min < max); widen the range",
                p.name, p.default
            )));
        }
        params.push(ParamSpec {
            name: p.name.clone(),
            default: p.default,
            min,
            max,
        });
    }
    let n = spec.state_names.len();
    if spec.initial_conditions.len() != n {
        return Err(UserSystemError::Invalid(format!(
            "the initial condition has {} values for {n} states ({})",
            spec.initial_conditions.len(),
            spec.state_names.join(", ")
        )));
    }
    if let Some((i, v)) = spec
        .initial_conditions
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite())
    {
        return Err(UserSystemError::NotFinite {
            what: format!("initial condition of {}", spec.state_names[i]),
            value: *v,
        });
    }
    let period = match spec.kind {
        Kind::Map => 1.0,
        _ => spec.period.unwrap_or(1.0),
    };
    if !(period.is_finite() && period > 0.0) {
        return Err(UserSystemError::Invalid(format!(
            "the period must be a positive number, got {period}"
        )));
    }
    let equations = spec
        .equations
        .iter()
        .filter(|e| !e.trim().is_empty())
        .map(|e| e.trim())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(SystemInfo {
        name: spec.name.trim().to_string(),
        kind: spec.kind,
        state_names: spec.state_names.clone(),
        params,
        initial_conditions: spec.initial_conditions.clone(),
        period,
        dt: match spec.kind {
            Kind::Map => 1.0,
            _ => period / 100.0,
        },
        max_lyapunov: 0.0,
        max_lyapunov_source: String::new(),
        citation: format!("typed by the user: {equations}"),
        description: spec
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| format!("A user-typed {}.", spec.kind)),
        vector_params: Vec::new(),
        output_names: None,
        lyapunov_spectrum: None,
        lyapunov_spectrum_source: None,
        kaplan_yorke_dimension: None,
        correlation_dimension: None,
        nonautonomous: false,
        hamiltonian: false,
        user_defined: true,
    })
}

fn check_name(name: &str, what: &str) -> Result<(), UserSystemError> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || c == '_');
    if !valid {
        return Err(UserSystemError::Name(format!(
            "the {what} name '{name}' must start with a letter and hold only letters, digits \
             and _"
        )));
    }
    if FUNCTIONS.contains(&name)
        || CONSTANTS.iter().any(|(c, e)| *c == name || *e == name)
        || EXMEX_WORDS.contains(&name)
    {
        return Err(UserSystemError::Name(format!(
            "the {what} name '{name}' is a function or constant; pick another name"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
