//! The candidate library written as an expression in PySINDy's operator notation:
//! `+` concatenates libraries (`ConcatLibrary`, `lib_a + lib_b`), `*` takes their tensor
//! product (`TensoredLibrary`, `lib_a * lib_b`, binding tighter than `+`, left to right
//! as in Python: `a * b * c` is `(a * b) * c`), parentheses group. The CLI's `--library`
//! and the SINDy card's library field both go through [`parse_library`].
//!
//! Libraries:
//! - `poly` or `poly(d)`: monomials up to degree `d` with the constant (PySINDy
//!   `PolynomialLibrary`; without `(d)` the degree set elsewhere, `--degree`);
//! - `identity`: the states themselves (PySINDy `IdentityLibrary`, degree 1, no constant);
//! - `fourier` or `fourier(k)`: `sin(j x_i), cos(j x_i)` for `j ≤ k` (`FourierLibrary`);
//! - `custom`: the typed terms (`--terms "sin(x*y); x*exp(-z)"`, [`super::custom`]).
//!
//! Example: `poly + identity * fourier` is the quadratic library followed by every
//! product `x_i sin(1 x_j)`, `x_i cos(1 x_j)`.

use super::custom::CustomLibrary;
use super::library::{FourierLibrary, Library, MAX_DEGREE, PolynomialLibrary};

/// The most Fourier frequencies `fourier(k)` accepts.
pub const MAX_FREQUENCIES: usize = 20;

/// A library expression that could not be read: where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("library '{text}', column {column}: {message}")]
pub struct LibraryExprError {
    /// The expression as typed.
    pub text: String,
    /// 1-based column of the problem.
    pub column: usize,
    /// What is wrong and how to write it.
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Int(usize),
    Plus,
    Times,
    Open,
    Close,
    End,
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
    degree: usize,
    custom: &'a str,
}

/// Parses `text` into a [`Library`]; `degree` is the degree of a bare `poly`, `custom`
/// the typed terms that `custom` stands for.
pub fn parse_library(text: &str, degree: usize, custom: &str) -> Result<Library, LibraryExprError> {
    let err = |column: usize, message: String| LibraryExprError {
        text: text.trim().to_string(),
        column,
        message,
    };
    let mut toks = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            toks.push((Tok::Name(chars[start..i].iter().collect()), column));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let value = digits
                .parse()
                .map_err(|_| err(column, format!("'{digits}' is too large")))?;
            toks.push((Tok::Int(value), column));
        } else {
            let tok = match c {
                '+' => Tok::Plus,
                '*' => Tok::Times,
                '(' => Tok::Open,
                ')' => Tok::Close,
                _ => {
                    return Err(err(
                        column,
                        format!(
                            "unexpected '{c}'; combine libraries with + (concatenate) and * (tensor product)"
                        ),
                    ));
                }
            };
            toks.push((tok, column));
            i += 1;
        }
    }
    toks.push((Tok::End, chars.len() + 1));
    let mut p = Parser {
        text,
        toks,
        at: 0,
        degree,
        custom,
    };
    let lib = p.sum()?;
    match p.peek() {
        (Tok::End, _) => Ok(lib),
        (Tok::Close, column) => Err(p.err(column, "')' closes no '('".into())),
        (_, column) => Err(p.err(
            column,
            "missing + or * between two libraries (write poly + fourier)".into(),
        )),
    }
}

impl Parser<'_> {
    fn err(&self, column: usize, message: String) -> LibraryExprError {
        LibraryExprError {
            text: self.text.trim().to_string(),
            column,
            message,
        }
    }

    fn peek(&self) -> (Tok, usize) {
        self.toks[self.at].clone()
    }

    fn next(&mut self) -> (Tok, usize) {
        let t = self.peek();
        if t.0 != Tok::End {
            self.at += 1;
        }
        t
    }

    /// `product ('+' product)*`, flattened into one concatenation.
    fn sum(&mut self) -> Result<Library, LibraryExprError> {
        let mut parts = vec![self.product()?];
        while self.peek().0 == Tok::Plus {
            self.next();
            parts.push(self.product()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Library::Concat { libraries: parts }
        })
    }

    /// `atom ('*' atom)*`, left to right.
    fn product(&mut self) -> Result<Library, LibraryExprError> {
        let mut lib = self.atom()?;
        while self.peek().0 == Tok::Times {
            self.next();
            let rhs = self.atom()?;
            lib = Library::Tensor {
                libraries: vec![lib, rhs],
            };
        }
        Ok(lib)
    }

    fn atom(&mut self) -> Result<Library, LibraryExprError> {
        match self.next() {
            (Tok::Open, column) => {
                let lib = self.sum()?;
                match self.next() {
                    (Tok::Close, _) => Ok(lib),
                    _ => Err(self.err(column, "'(' is never closed; add ')'".into())),
                }
            }
            (Tok::Name(name), column) => self.named(&name, column),
            (Tok::End, column) => Err(self.err(
                column,
                "a library is missing here (poly, identity, fourier or custom)".into(),
            )),
            (t, column) => Err(self.err(
                column,
                format!(
                    "expected a library (poly, identity, fourier or custom), found {}",
                    describe(&t)
                ),
            )),
        }
    }

    /// An optional `(k)` after a library name.
    fn argument(&mut self, name: &str) -> Result<Option<(usize, usize)>, LibraryExprError> {
        if self.peek().0 != Tok::Open {
            return Ok(None);
        }
        let (_, open) = self.next();
        let (value, column) = match self.next() {
            (Tok::Int(v), c) => (v, c),
            (t, c) => {
                return Err(self.err(
                    c,
                    format!("{name}( takes a whole number, found {}", describe(&t)),
                ));
            }
        };
        match self.next() {
            (Tok::Close, _) => Ok(Some((value, column))),
            (_, c) => Err(self.err(c.max(open), format!("{name}({value} needs a closing ')'"))),
        }
    }

    fn named(&mut self, name: &str, column: usize) -> Result<Library, LibraryExprError> {
        match name {
            "poly" => {
                let degree = match self.argument(name)? {
                    Some((d, c)) if d == 0 || d > MAX_DEGREE => {
                        return Err(self.err(
                            c,
                            format!("the degree must be 1 to {MAX_DEGREE}, got {d}"),
                        ));
                    }
                    Some((d, _)) => d,
                    None => self.degree,
                };
                Ok(Library::Polynomial(PolynomialLibrary {
                    degree,
                    ..PolynomialLibrary::default()
                }))
            }
            "identity" => Ok(Library::Polynomial(PolynomialLibrary {
                degree: 1,
                include_bias: false,
                ..PolynomialLibrary::default()
            })),
            "fourier" => {
                let k = match self.argument(name)? {
                    Some((k, c)) if k == 0 || k > MAX_FREQUENCIES => {
                        return Err(self.err(
                            c,
                            format!("the number of frequencies must be 1 to {MAX_FREQUENCIES}, got {k}"),
                        ));
                    }
                    Some((k, _)) => k,
                    None => 1,
                };
                Ok(Library::Fourier(FourierLibrary {
                    n_frequencies: k,
                    ..FourierLibrary::default()
                }))
            }
            "custom" => {
                if self.custom.split(';').all(|t| t.trim().is_empty()) {
                    return Err(self.err(
                        column,
                        "'custom' stands for the typed terms, but none were typed; give them with --terms \"sin(x*y); x*exp(-z)\" (or the card's custom terms field)".into(),
                    ));
                }
                Ok(Library::Custom(CustomLibrary::new(self.custom)))
            }
            other => Err(self.err(
                column,
                format!(
                    "unknown library '{other}'; the libraries are poly, poly(d), identity, fourier, fourier(k) and custom"
                ),
            )),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Name(n) => format!("'{n}'"),
        Tok::Int(v) => format!("'{v}'"),
        Tok::Plus => "'+'".into(),
        Tok::Times => "'*'".into(),
        Tok::Open => "'('".into(),
        Tok::Close => "')'".into(),
        Tok::End => "the end".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::sindy::library::feature_names;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn columns(text: &str, custom: &str, states: &[&str]) -> Vec<String> {
        let states = names(states);
        let lib = parse_library(text, 2, custom).expect("valid");
        feature_names(&lib.terms(&states).expect("terms"), &states)
    }

    #[test]
    fn tensor_product_order_and_names_follow_pysindy() {
        // PySINDy `IdentityLibrary() * FourierLibrary()` on inputs x0, x1: a-major
        // products, names joined by a space (TensoredLibrary._name_combinations).
        let got = columns("identity * fourier", "", &["x0", "x1"]);
        let want = [
            "x0 sin(1 x0)",
            "x0 cos(1 x0)",
            "x0 sin(1 x1)",
            "x0 cos(1 x1)",
            "x1 sin(1 x0)",
            "x1 cos(1 x0)",
            "x1 sin(1 x1)",
            "x1 cos(1 x1)",
        ];
        assert_eq!(got, want);
        // A polynomial with its bias keeps PySINDy's "1 …" names.
        let got = columns("poly(1) * custom", "sin(x)", &["x"]);
        assert_eq!(got, ["1 sin(x)", "x sin(x)"]);
    }

    #[test]
    fn plus_concatenates_and_star_binds_tighter() {
        let got = columns("poly(1) + identity * custom", "exp(y)", &["x", "y"]);
        assert_eq!(got, ["1", "x", "y", "x exp(y)", "y exp(y)"]);
        let got = columns("(identity + custom) * custom", "z", &["z"]);
        assert_eq!(got, ["z z", "z z"]);
        // a * b * c = (a * b) * c: 2·2·1 columns, names in order.
        let got = columns("identity * identity * custom", "1", &["a", "b"]);
        assert_eq!(got, ["a a 1", "a b 1", "b a 1", "b b 1"]);
        let lib = parse_library("poly", 3, "").expect("valid");
        assert_eq!(
            lib.terms(&names(&["x", "y", "z"])).expect("terms").len(),
            20
        );
    }

    #[test]
    fn product_values_and_gradients_follow_the_product_rule() {
        let states = names(&["x", "y"]);
        let lib = parse_library("identity * custom", 2, "sin(x*y)").expect("valid");
        let terms = lib.terms(&states).expect("terms");
        let p = [0.3, -1.7];
        let h = 1e-6;
        for t in &terms {
            let mut g = [0.0; 2];
            t.gradient(&p, &mut g);
            for j in 0..2 {
                let (mut a, mut b) = (p, p);
                a[j] += h;
                b[j] -= h;
                let fd = (t.eval(&a) - t.eval(&b)) / (2.0 * h);
                assert!((g[j] - fd).abs() < 1e-8, "{t:?} d/dx{j}: {} vs {fd}", g[j]);
            }
        }
        assert_eq!(terms[0].eval(&p), 0.3 * (0.3f64 * -1.7).sin());
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = parse_library("poly + fourer", 2, "").expect_err("typo");
        assert_eq!(e.column, 8);
        assert!(e.message.contains("unknown library 'fourer'"), "{e}");
        let e = parse_library("poly custom", 2, "x").expect_err("no operator");
        assert_eq!(e.column, 6);
        let e = parse_library("poly + custom", 2, " ").expect_err("no terms");
        assert_eq!(e.column, 8);
        assert!(e.message.contains("--terms"), "{e}");
        let e = parse_library("(poly * fourier", 2, "").expect_err("unclosed");
        assert_eq!(e.column, 1);
        let e = parse_library("poly(9)", 2, "").expect_err("degree");
        assert_eq!(e.column, 6);
        let e = parse_library("poly +", 2, "").expect_err("dangling");
        assert_eq!(e.column, 7);
        let e = parse_library("poly - fourier", 2, "").expect_err("minus");
        assert_eq!(e.column, 6);
    }
}
