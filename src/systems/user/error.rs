//! What can be wrong with a user-typed system, each case naming the problem and the fix.

/// An error in a user-typed system (its file, its names or one of its equations).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UserSystemError {
    /// The JSON text is not a valid `chaoslab-system` file (serde's message names the
    /// field, line and column).
    #[error("not a valid chaoslab-system file: {0}")]
    File(String),
    /// The file could not be read.
    #[error("could not read the system file '{path}': {reason}")]
    Read {
        /// The path given.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Another format or version.
    #[error(
        "this is a {format} version {version} file; chaoslab reads \"format\": \"chaoslab-system\", \"version\": 1"
    )]
    Format {
        /// The `format` field found.
        format: String,
        /// The `version` field found.
        version: u32,
    },
    /// A malformed equation: a bad token, a missing operand or parenthesis.
    #[error("equation {equation} ({text}), column {column} at '{token}': {message}")]
    Parse {
        /// 1-based equation number.
        equation: usize,
        /// The equation as typed.
        text: String,
        /// 1-based column (characters) in the equation.
        column: usize,
        /// The offending token (or `end of line`).
        token: String,
        /// What is wrong there.
        message: String,
    },
    /// A name in a right-hand side that is no state, parameter, function or constant.
    #[error(
        "equation {equation} ({text}), column {column}: unknown symbol '{name}'{}; {known}",
        did_you_mean(.suggestions)
    )]
    UnknownSymbol {
        /// 1-based equation number.
        equation: usize,
        /// The equation as typed.
        text: String,
        /// 1-based column.
        column: usize,
        /// The unknown name.
        name: String,
        /// Close state or parameter names.
        suggestions: Vec<String>,
        /// "the states are … and the parameters are …".
        known: String,
    },
    /// A left-hand side that is not `dx/dt` (flows) or `x_next` (maps) for a state `x`.
    #[error("equation {equation} ({text}): {message}")]
    LeftHandSide {
        /// 1-based equation number.
        equation: usize,
        /// The equation as typed.
        text: String,
        /// What is wrong and how to write it.
        message: String,
    },
    /// A state without an equation.
    #[error("state '{state}' has no equation; add one line '{example}'")]
    MissingEquation {
        /// The state.
        state: String,
        /// How its equation starts.
        example: String,
    },
    /// Two equations for one state.
    #[error("state '{state}' has two equations ({first} and {second}); keep one")]
    DuplicateEquation {
        /// The state.
        state: String,
        /// 1-based number of the first.
        first: usize,
        /// 1-based number of the second.
        second: usize,
    },
    /// A bad state or parameter name (empty, reserved, repeated, not an identifier).
    #[error("{0}")]
    Name(String),
    /// A value that must be a finite number.
    #[error("{what} must be a finite number, got {value}")]
    NotFinite {
        /// Which value.
        what: String,
        /// The value given.
        value: f64,
    },
    /// Any other inconsistency (wrong initial-condition length, slider range, period).
    #[error("{0}")]
    Invalid(String),
    /// exmex rejected an expression our own checks let through, or could not
    /// differentiate it.
    #[error("equation {equation} ({text}): {message}")]
    Expression {
        /// 1-based equation number.
        equation: usize,
        /// The equation as typed.
        text: String,
        /// exmex's message.
        message: String,
    },
}

pub(super) fn did_you_mean(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", s.join(" or "))
    }
}

/// "the states are x, y and the parameters are a, b", for error messages.
pub(super) fn known_names(states: &[String], params: &[String]) -> String {
    format!(
        "the states are {} and the parameters are {}",
        list(states),
        list(params)
    )
}

fn list(s: &[String]) -> String {
    if s.is_empty() {
        "(none)".into()
    } else {
        s.join(", ")
    }
}
