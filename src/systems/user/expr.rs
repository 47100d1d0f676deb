//! Our own pass over one right-hand side before exmex sees it: split into tokens with
//! their columns, check the syntax (operands, operators, parentheses, function calls)
//! and every name, so an error can say where it is and what to write instead; then
//! write the text exmex parses. exmex itself reports errors without a position, and
//! takes every unknown word for a variable.
//!
//! Two texts come out. The *value* text is the expression as typed (`pi` spelled `PI`,
//! exmex's name). The *derivative* text is the one exmex differentiates: exmex has no
//! derivative for `abs`, so each `abs(u)` becomes `((u)*_sK)` with a fresh variable
//! `_sK` that is set to `signum(u)` when the derivative is evaluated. Then
//! `∂/∂x (u · s) = s · ∂u/∂x`, which is the derivative of `|u|` wherever it exists (and a
//! one-sided one at the kink `u = 0`).

/// Functions a right-hand side may call (each one has a derivative in exmex, except
/// `abs`, which is rewritten as described in the module doc).
pub const FUNCTIONS: &[&str] = &[
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "exp", "log", "ln", "log10", "log2", "sqrt", "abs",
];

/// Constants a right-hand side may use, with exmex's spelling.
pub const CONSTANTS: &[(&str, &str)] = &[("pi", "PI"), ("e", "E")];

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(String),
    Ident(String),
    Op(char),
    Open,
    Close,
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Num(s) | Tok::Ident(s) => s.clone(),
            Tok::Op(c) => c.to_string(),
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
        }
    }
}

/// Where an error was found: the 1-based column, the token, the message.
#[derive(Debug)]
pub struct Located {
    /// 1-based column in the equation.
    pub column: usize,
    /// The token there.
    pub token: String,
    /// What is wrong.
    pub message: String,
}

/// An unknown name and where it is.
#[derive(Debug)]
pub struct Unknown {
    /// 1-based column in the equation.
    pub column: usize,
    /// The name.
    pub name: String,
}

/// A checked right-hand side, ready for exmex.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The text whose value exmex evaluates.
    pub value_text: String,
    /// The text exmex differentiates (`abs` rewritten).
    pub derivative_text: String,
    /// For each sign variable `_s0, _s1, …`: the value text of the `abs` argument.
    pub sign_arguments: Vec<String>,
}

/// Why a right-hand side was rejected.
#[derive(Debug)]
pub enum Rejected {
    /// A syntax error.
    Syntax(Located),
    /// A name that is no state, parameter, function or constant.
    Unknown(Unknown),
}

fn tokenize(text: &str, offset: usize) -> Result<Vec<(Tok, usize)>, Located> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = offset + i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            let mut dots = 0;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                dots += usize::from(chars[i] == '.');
                i += 1;
            }
            // An exponent: e or E, an optional sign, digits.
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let lexeme: String = chars[start..i].iter().collect();
            if dots > 1 || lexeme == "." || lexeme.parse::<f64>().is_err() {
                return Err(Located {
                    column,
                    token: lexeme,
                    message: "malformed number".into(),
                });
            }
            out.push((Tok::Num(lexeme), column));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), column));
        } else {
            let tok = match c {
                '+' | '-' | '*' | '/' | '^' => Tok::Op(c),
                '(' => Tok::Open,
                ')' => Tok::Close,
                _ => {
                    let hint = match c {
                        '[' | ']' | '{' | '}' => "; use ( ) for grouping",
                        ',' => "; functions take one argument",
                        '=' => "; one '=' per equation",
                        _ => "",
                    };
                    return Err(Located {
                        column,
                        token: c.to_string(),
                        message: format!("unexpected character{hint}"),
                    });
                }
            };
            out.push((tok, column));
            i += 1;
        }
    }
    Ok(out)
}

/// Checks the syntax with a two-state machine (expecting a value, or an operator) and a
/// stack of open parentheses.
fn check_syntax(tokens: &[(Tok, usize)], end_column: usize) -> Result<(), Located> {
    let mut open: Vec<usize> = Vec::new();
    let mut want_value = true;
    let mut last = String::new();
    for (k, (tok, column)) in tokens.iter().enumerate() {
        let err = |message: String| Located {
            column: *column,
            token: tok.text(),
            message,
        };
        match tok {
            Tok::Num(_) | Tok::Ident(_) if !want_value => {
                return Err(err(format!(
                    "missing operator after '{last}' (write 2*x, not 2x or 2 x)"
                )));
            }
            Tok::Open if !want_value => {
                return Err(err(format!(
                    "missing operator after '{last}' (write a*(b + c), not a(b + c))"
                )));
            }
            Tok::Ident(name) if FUNCTIONS.contains(&name.as_str()) => {
                if !matches!(tokens.get(k + 1), Some((Tok::Open, _))) {
                    return Err(err(format!("{name} is a function; write {name}(...)")));
                }
            }
            Tok::Num(_) | Tok::Ident(_) => want_value = false,
            Tok::Open => open.push(*column),
            Tok::Close => {
                if want_value {
                    return Err(err(format!(
                        "a value is missing before ')' (after '{last}')"
                    )));
                }
                if open.pop().is_none() {
                    return Err(err("')' closes no '('".into()));
                }
            }
            Tok::Op(c) => {
                if want_value && !matches!(c, '-' | '+') {
                    return Err(err(format!("'{c}' needs a value before it")));
                }
                want_value = true;
            }
        }
        last = tok.text();
    }
    if want_value {
        return Err(Located {
            column: end_column,
            token: "end of line".into(),
            message: if tokens.is_empty() {
                "the right-hand side is empty".into()
            } else {
                format!("the expression ends after '{last}' where a value is expected")
            },
        });
    }
    if let Some(&column) = open.first() {
        return Err(Located {
            column,
            token: "(".into(),
            message: "'(' is never closed; add ')'".into(),
        });
    }
    Ok(())
}

/// Tokenizes and checks `text` (which starts at 0-based character `offset` of its
/// equation) against the known names, and writes exmex's texts.
pub fn check(text: &str, offset: usize, known: &[&str]) -> Result<Checked, Rejected> {
    let tokens = tokenize(text, offset).map_err(Rejected::Syntax)?;
    check_syntax(&tokens, offset + text.chars().count() + 1).map_err(Rejected::Syntax)?;
    for (tok, column) in &tokens {
        if let Tok::Ident(name) = tok
            && !FUNCTIONS.contains(&name.as_str())
            && !CONSTANTS.iter().any(|(c, _)| c == name)
            && !known.contains(&name.as_str())
        {
            return Err(Rejected::Unknown(Unknown {
                column: *column,
                name: name.clone(),
            }));
        }
    }
    let toks: Vec<Tok> = tokens.into_iter().map(|(t, _)| t).collect();
    let mut sign_arguments = Vec::new();
    Ok(Checked {
        value_text: emit(&toks, false, &mut Vec::new()),
        derivative_text: emit(&toks, true, &mut sign_arguments),
        sign_arguments,
    })
}

/// Writes tokens as exmex text; with `rewrite_abs`, each `abs(u)` becomes `((u)*_sK)` and
/// `u`'s value text is pushed to `signs`. A sign in front of a power is moved outside
/// it, `-x^2` → `-(x^2)`, because exmex would read `(-x)^2`.
fn emit(toks: &[Tok], rewrite_abs: bool, signs: &mut Vec<String>) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < toks.len() {
        let unary = i == 0 || matches!(toks[i - 1], Tok::Op(_) | Tok::Open);
        if unary && matches!(toks[i], Tok::Op('-' | '+')) {
            let (atom, chain) = (atom_end(toks, i + 1), chain_end(toks, i + 1));
            if chain > atom {
                out.push_str(&format!(
                    "{}({}) ",
                    toks[i].text(),
                    emit(&toks[i + 1..chain], rewrite_abs, signs)
                ));
                i = chain;
                continue;
            }
        }
        match &toks[i] {
            Tok::Ident(name) if rewrite_abs && name == "abs" => {
                // toks[i + 1] is '(' (checked); find its partner.
                let close = matching_close(toks, i + 1);
                let inner = &toks[i + 2..close];
                let k = signs.len();
                signs.push(emit(inner, false, &mut Vec::new()));
                out.push_str(&format!("((({})*_s{k})) ", emit(inner, true, signs)));
                i = close + 1;
                continue;
            }
            Tok::Ident(name) => {
                let spelled = CONSTANTS
                    .iter()
                    .find(|(c, _)| c == name)
                    .map_or(name.as_str(), |(_, e)| e);
                out.push_str(spelled);
            }
            t => out.push_str(&t.text()),
        }
        out.push(' ');
        i += 1;
    }
    out.trim_end().to_string()
}

/// One past the end of the operand starting at `i`: a number, a name, a function call or
/// a parenthesized group, with any signs in front.
fn atom_end(toks: &[Tok], i: usize) -> usize {
    match toks.get(i) {
        Some(Tok::Op('-' | '+')) => atom_end(toks, i + 1),
        Some(Tok::Open) => matching_close(toks, i) + 1,
        Some(Tok::Ident(f)) if FUNCTIONS.contains(&f.as_str()) => matching_close(toks, i + 1) + 1,
        _ => i + 1,
    }
}

/// One past the end of the power chain `a ^ b ^ …` starting at `i`.
fn chain_end(toks: &[Tok], i: usize) -> usize {
    let mut j = atom_end(toks, i);
    while matches!(toks.get(j), Some(Tok::Op('^'))) {
        j = atom_end(toks, j + 1);
    }
    j
}

fn matching_close(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax_error(text: &str) -> Located {
        match check(text, 0, &["x", "y", "sigma"]) {
            Err(Rejected::Syntax(l)) => l,
            other => panic!("expected a syntax error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn unclosed_parenthesis_points_at_it() {
        let e = syntax_error("sigma*(y - x");
        assert_eq!((e.column, e.token.as_str()), (7, "("));
    }

    #[test]
    fn syntax_errors_point_at_the_offending_token() {
        let e = syntax_error("x + * y");
        assert_eq!((e.column, e.token.as_str()), (5, "*"));
        let e = syntax_error("2 x");
        assert_eq!((e.column, e.token.as_str()), (3, "x"));
        let e = syntax_error("x)");
        assert_eq!((e.column, e.token.as_str()), (2, ")"));
        let e = syntax_error("x +");
        assert_eq!((e.column, e.token.as_str()), (4, "end of line"));
        let e = syntax_error("x # y");
        assert_eq!((e.column, e.token.as_str()), (3, "#"));
        let e = syntax_error("sin x");
        assert_eq!((e.column, e.token.as_str()), (1, "sin"));
        let e = syntax_error("1.2.3 * x");
        assert_eq!((e.column, e.token.as_str()), (1, "1.2.3"));
    }

    #[test]
    fn unknown_names_are_reported_with_their_column() {
        match check("sgma*(y - x)", 8, &["x", "y", "sigma"]) {
            Err(Rejected::Unknown(u)) => assert_eq!((u.column, u.name.as_str()), (9, "sgma")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn abs_is_rewritten_for_the_derivative_only() {
        let c = check("abs(x - 1)*y + pi", 0, &["x", "y"]).expect("valid");
        assert_eq!(c.value_text, "abs ( x - 1 ) * y + PI");
        assert_eq!(c.derivative_text, "(((x - 1)*_s0)) * y + PI");
        assert_eq!(c.sign_arguments, vec!["x - 1".to_string()]);
        let nested = check("abs(abs(x) - 1)", 0, &["x"]).expect("valid");
        assert_eq!(nested.sign_arguments, vec!["abs ( x ) - 1", "x"]);
        assert_eq!(nested.derivative_text, "((((((x)*_s1)) - 1)*_s0))");
    }

    #[test]
    fn a_sign_in_front_of_a_power_applies_to_the_power() {
        let c = check("-x^2 + y*-sin(x)^-2 - (-x)^3", 0, &["x", "y"]).expect("valid");
        assert_eq!(
            c.value_text,
            "-(x ^ 2) + y * -(sin ( x ) ^ - 2) - ( - x ) ^ 3"
        );
    }

    #[test]
    fn numbers_with_exponents_are_one_token() {
        let c = check("1.5e-3*x + 2E+2 - e", 0, &["x"]).expect("valid");
        assert_eq!(c.value_text, "1.5e-3 * x + 2E+2 - E");
    }
}
