//! Candidate-function libraries: they take the number of state variables and produce
//! the list of candidate terms `θ_j(x)` (monomials, sines, cosines), their names, and
//! the library matrix `Θ(X)` (one row per sample, one column per term).
//!
//! Column order and names follow PySINDy 2.1 (`PolynomialLibrary`, `FourierLibrary`,
//! `ConcatLibrary`) exactly, so coefficient matrices can be compared with it entry by
//! entry: polynomial terms by total degree, then combinations with replacement of the
//! inputs in lexicographic order (scikit-learn's `PolynomialFeatures` order); names join
//! factors with one space and write `^k` only for `k > 1` (`1, x, y, x^2, x y`).
//!
//! # References
//! - S. L. Brunton, J. L. Proctor, J. N. Kutz, "Discovering governing equations from data
//!   by sparse identification of nonlinear dynamical systems", PNAS 113 (2016) 3932, eq. 4
//!   (the library `Θ(X)`).
//! - B. de Silva et al., "PySINDy: a Python package for the sparse identification of
//!   nonlinear dynamical systems from data", JOSS 5 (2020) 2104.

use std::collections::HashMap;

use faer::Mat;
use serde::{Deserialize, Serialize};

use super::custom::{CustomLibrary, CustomTerm};
use crate::models::FitError;

/// PySINDy's default polynomial degree.
pub const DEFAULT_DEGREE: usize = 2;
/// The largest polynomial degree we accept (56 terms for 3 states at degree 5; degree 8
/// already gives 165).
pub const MAX_DEGREE: usize = 8;
/// PySINDy's default number of Fourier frequencies.
pub const DEFAULT_FREQUENCIES: usize = 1;

/// One candidate function `θ_j(x)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Term {
    /// `∏_i x_i^{powers_i}`; all powers zero is the constant `1`.
    Monomial {
        /// One exponent per state variable.
        powers: Vec<u32>,
    },
    /// `sin(k·x_input)`.
    Sin {
        /// The frequency `k ≥ 1`.
        k: u32,
        /// The state variable.
        input: usize,
    },
    /// `cos(k·x_input)`.
    Cos {
        /// The frequency `k ≥ 1`.
        k: u32,
        /// The state variable.
        input: usize,
    },
    /// A term typed by the user ([`super::custom`]).
    Custom(CustomTerm),
    /// The product of the factors (a column of a tensor-product library).
    Product {
        /// The factors, in library order.
        factors: Vec<Term>,
    },
}

impl Term {
    /// `θ(x)`.
    pub fn eval(&self, x: &[f64]) -> f64 {
        match self {
            Term::Monomial { powers } => powers
                .iter()
                .zip(x)
                .filter(|(p, _)| **p > 0)
                .fold(1.0, |acc, (&p, &xi)| acc * pow(xi, p)),
            Term::Sin { k, input } => (*k as f64 * x[*input]).sin(),
            Term::Cos { k, input } => (*k as f64 * x[*input]).cos(),
            Term::Custom(c) => c.eval(x),
            Term::Product { factors } => factors.iter().map(|f| f.eval(x)).product(),
        }
    }

    /// `∂θ/∂x_i` for every `i`, written into `grad` (overwritten).
    pub fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad.iter_mut().for_each(|g| *g = 0.0);
        match self {
            Term::Monomial { powers } => {
                for (i, &pi) in powers.iter().enumerate() {
                    if pi == 0 {
                        continue;
                    }
                    let mut v = pi as f64 * pow(x[i], pi - 1);
                    for (j, &pj) in powers.iter().enumerate() {
                        if j != i && pj > 0 {
                            v *= pow(x[j], pj);
                        }
                    }
                    grad[i] = v;
                }
            }
            Term::Sin { k, input } => {
                let k = *k as f64;
                grad[*input] = k * (k * x[*input]).cos();
            }
            Term::Cos { k, input } => {
                let k = *k as f64;
                grad[*input] = -k * (k * x[*input]).sin();
            }
            Term::Custom(c) => c.gradient(x, grad),
            Term::Product { factors } => {
                // Product rule: ∇∏f_l = Σ_k (∏_{l≠k} f_l) ∇f_k.
                let values: Vec<f64> = factors.iter().map(|f| f.eval(x)).collect();
                let mut g = vec![0.0; grad.len()];
                for (k, f) in factors.iter().enumerate() {
                    let others: f64 = values
                        .iter()
                        .enumerate()
                        .filter(|(l, _)| *l != k)
                        .map(|(_, v)| v)
                        .product();
                    f.gradient(x, &mut g);
                    for (o, gi) in grad.iter_mut().zip(&g) {
                        *o += others * gi;
                    }
                }
            }
        }
    }

    /// PySINDy's name for the term, with the given state names.
    pub fn name(&self, names: &[String]) -> String {
        match self {
            Term::Monomial { powers } => {
                let factors: Vec<String> = powers
                    .iter()
                    .zip(names)
                    .filter(|(p, _)| **p > 0)
                    .map(|(&p, n)| {
                        if p == 1 {
                            n.clone()
                        } else {
                            format!("{n}^{p}")
                        }
                    })
                    .collect();
                if factors.is_empty() {
                    "1".into()
                } else {
                    factors.join(" ")
                }
            }
            Term::Sin { k, input } => format!("sin({k} {})", names[*input]),
            Term::Cos { k, input } => format!("cos({k} {})", names[*input]),
            Term::Custom(c) => c.text().to_string(),
            // PySINDy's TensoredLibrary joins the factors' names with one space.
            Term::Product { factors } => factors
                .iter()
                .map(|f| f.name(names))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// Total polynomial degree (0 for the constant; `None` for trigonometric terms).
    pub fn degree(&self) -> Option<u32> {
        match self {
            Term::Monomial { powers } => Some(powers.iter().sum()),
            _ => None,
        }
    }
}

/// `x^p` by repeated multiplication, as scikit-learn builds its columns.
fn pow(x: f64, p: u32) -> f64 {
    (0..p).fold(1.0, |acc, _| acc * x)
}

/// Monomials up to a degree (PySINDy `PolynomialLibrary`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolynomialLibrary {
    /// Largest total degree.
    pub degree: usize,
    /// Whether the constant `1` is the first column.
    pub include_bias: bool,
    /// Whether products of different variables are included (false: pure powers only).
    pub include_interaction: bool,
    /// Only products of distinct variables (no squares); excludes pure powers above 1.
    pub interaction_only: bool,
}

impl Default for PolynomialLibrary {
    fn default() -> Self {
        Self {
            degree: DEFAULT_DEGREE,
            include_bias: true,
            include_interaction: true,
            interaction_only: false,
        }
    }
}

impl PolynomialLibrary {
    /// The monomials in PySINDy's column order for `n` inputs.
    pub fn terms(&self, n: usize) -> Result<Vec<Term>, FitError> {
        if self.degree > MAX_DEGREE {
            return Err(FitError::Options(format!(
                "polynomial degree {} is above the supported maximum {MAX_DEGREE}; choose a smaller degree",
                self.degree
            )));
        }
        if !self.include_interaction && self.interaction_only {
            return Err(FitError::Options(
                "a polynomial library cannot both exclude interactions and keep only interactions; turn one of the two options off".into(),
            ));
        }
        let mut terms = Vec::new();
        if self.include_bias {
            terms.push(Term::Monomial { powers: vec![0; n] });
        }
        for d in 1..=self.degree {
            if !self.include_interaction {
                for i in 0..n {
                    let mut powers = vec![0; n];
                    powers[i] = d as u32;
                    terms.push(Term::Monomial { powers });
                }
                continue;
            }
            for combo in combinations(n, d, !self.interaction_only) {
                let mut powers = vec![0; n];
                for i in combo {
                    powers[i] += 1;
                }
                terms.push(Term::Monomial { powers });
            }
        }
        Ok(terms)
    }
}

/// All `d`-combinations of `0..n` in lexicographic order, with or without repetition
/// (Python's `itertools.combinations_with_replacement` / `combinations`).
fn combinations(n: usize, d: usize, repeat: bool) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut current = Vec::with_capacity(d);
    fn rec(
        start: usize,
        n: usize,
        d: usize,
        repeat: bool,
        cur: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if cur.len() == d {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            cur.push(i);
            rec(if repeat { i } else { i + 1 }, n, d, repeat, cur, out);
            cur.pop();
        }
    }
    rec(0, n, d, repeat, &mut current, &mut out);
    out
}

/// Sines and cosines of integer multiples of each variable (PySINDy `FourierLibrary`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FourierLibrary {
    /// Frequencies `k = 1..=n_frequencies`.
    pub n_frequencies: usize,
    /// Include `sin(k x_j)`.
    pub include_sin: bool,
    /// Include `cos(k x_j)`.
    pub include_cos: bool,
}

impl Default for FourierLibrary {
    fn default() -> Self {
        Self {
            n_frequencies: DEFAULT_FREQUENCIES,
            include_sin: true,
            include_cos: true,
        }
    }
}

impl FourierLibrary {
    /// For `k = 1..K`, for each input `j`: `sin(k x_j)` then `cos(k x_j)`.
    pub fn terms(&self, n: usize) -> Result<Vec<Term>, FitError> {
        if self.n_frequencies == 0 || !(self.include_sin || self.include_cos) {
            return Err(FitError::Options(
                "a Fourier library needs at least one frequency and sines or cosines".into(),
            ));
        }
        let mut terms = Vec::new();
        for k in 1..=self.n_frequencies as u32 {
            for input in 0..n {
                if self.include_sin {
                    terms.push(Term::Sin { k, input });
                }
                if self.include_cos {
                    terms.push(Term::Cos { k, input });
                }
            }
        }
        Ok(terms)
    }
}

/// A candidate library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Library {
    /// Monomials.
    Polynomial(PolynomialLibrary),
    /// Sines and cosines.
    Fourier(FourierLibrary),
    /// Terms typed by the user.
    Custom(CustomLibrary),
    /// The columns of each library in turn (PySINDy `lib_a + lib_b`); duplicate
    /// columns are kept, as PySINDy keeps them.
    Concat {
        /// The libraries, in column order.
        libraries: Vec<Library>,
    },
    /// PySINDy's `TensoredLibrary`: for every pair of libraries `a` before `b` in the
    /// list, every product of a column of `a` with a column of `b`, `a`-major (for each
    /// column of `a`, every column of `b`), named by the two names joined by a space
    /// (`x sin(1 y)`); the pairs follow each other in list order. Two libraries give
    /// `lib_a * lib_b`; PySINDy's `a * b * c` is `Tensor[Tensor[a, b], c]`.
    Tensor {
        /// The libraries whose pairwise products are taken.
        libraries: Vec<Library>,
    },
}

impl Default for Library {
    fn default() -> Self {
        Library::Polynomial(PolynomialLibrary::default())
    }
}

impl Library {
    /// Whether the library contains typed custom terms.
    pub fn uses_custom(&self) -> bool {
        match self {
            Library::Custom(_) => true,
            Library::Concat { libraries: libs } | Library::Tensor { libraries: libs } => {
                libs.iter().any(Library::uses_custom)
            }
            Library::Polynomial(_) | Library::Fourier(_) => false,
        }
    }

    /// The terms for the state variables `names`, in column order.
    pub fn terms(&self, names: &[String]) -> Result<Vec<Term>, FitError> {
        let n = names.len();
        match self {
            Library::Polynomial(p) => p.terms(n),
            Library::Fourier(f) => f.terms(n),
            Library::Custom(c) => Ok(c.terms(names)?.into_iter().map(Term::Custom).collect()),
            Library::Concat { libraries: libs } => {
                let mut all = Vec::new();
                for lib in libs {
                    all.extend(lib.terms(names)?);
                }
                Ok(all)
            }
            Library::Tensor { libraries: libs } => {
                if libs.len() < 2 {
                    return Err(FitError::Options(
                        "a tensor product needs at least two libraries".into(),
                    ));
                }
                let each = libs
                    .iter()
                    .map(|l| l.terms(names))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut all = Vec::new();
                for (i, a) in each.iter().enumerate() {
                    for b in &each[i + 1..] {
                        for ta in a {
                            for tb in b {
                                all.push(Term::Product {
                                    factors: vec![ta.clone(), tb.clone()],
                                });
                            }
                        }
                    }
                }
                Ok(all)
            }
        }
    }
}

/// The column names of `terms` with the data's state names.
pub fn feature_names(terms: &[Term], names: &[String]) -> Vec<String> {
    terms.iter().map(|t| t.name(names)).collect()
}

/// The library matrix `Θ(X)`: `rows` (row-major, `m × n`) evaluated on every term,
/// `m × p`.
///
/// A monomial of degree ≥ 2 whose parent (the same monomial with its last factor
/// removed) is an earlier column is built as parent × that variable, one multiply per
/// entry — how scikit-learn builds `PolynomialFeatures`; other terms are evaluated
/// directly.
pub fn theta(terms: &[Term], rows: &[f64], n: usize) -> Mat<f64> {
    let m = rows.len() / n;
    let xs: Vec<Vec<f64>> = (0..n)
        .map(|i| rows.iter().skip(i).step_by(n).copied().collect())
        .collect();
    let mut out = Mat::<f64>::zeros(m, terms.len());
    let mut seen: HashMap<&[u32], usize> = HashMap::new();
    for (j, term) in terms.iter().enumerate() {
        let (done, rest) = out.as_mut().split_at_col_mut(j);
        let col = rest
            .col_mut(0)
            .try_as_col_major_mut()
            .expect("columns of an owned matrix are contiguous")
            .as_slice_mut();
        match term {
            Term::Monomial { powers } => {
                seen.entry(powers.as_slice()).or_insert(j);
                let degree: u32 = powers.iter().sum();
                let last = powers.iter().rposition(|p| *p > 0);
                let parent_col = last.and_then(|i| {
                    let mut parent = powers.clone();
                    parent[i] -= 1;
                    seen.get(parent.as_slice()).map(|&pj| (i, pj))
                });
                match (degree, parent_col) {
                    (0, _) => col.fill(1.0),
                    (_, Some((i, pj))) if degree >= 2 => {
                        let parent = done
                            .col(pj)
                            .try_as_col_major()
                            .expect("columns of an owned matrix are contiguous")
                            .as_slice();
                        for ((c, a), b) in col.iter_mut().zip(parent).zip(&xs[i]) {
                            *c = a * b;
                        }
                    }
                    _ => {
                        for (c, row) in col.iter_mut().zip(rows.chunks_exact(n)) {
                            *c = term.eval(row);
                        }
                    }
                }
            }
            _ => {
                for (c, row) in col.iter_mut().zip(rows.chunks_exact(n)) {
                    *c = term.eval(row);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn degree_two_order_and_names_match_pysindy() {
        // Spec §2.1: `1, x0, x1, x2, x0^2, x0 x1, x0 x2, x1^2, x1 x2, x2^2`.
        let terms = PolynomialLibrary::default().terms(3).expect("valid");
        let got = feature_names(&terms, &names(&["x", "y", "z"]));
        let want = ["1", "x", "y", "z", "x^2", "x y", "x z", "y^2", "y z", "z^2"];
        assert_eq!(got, want);
    }

    #[test]
    fn counts_are_binomial() {
        // With interactions and bias the count is C(n+d, d) (spec §2.1).
        for (d, want) in [(2, 10), (3, 20), (4, 35), (5, 56)] {
            let lib = PolynomialLibrary {
                degree: d,
                ..PolynomialLibrary::default()
            };
            assert_eq!(lib.terms(3).expect("valid").len(), want, "degree {d}");
        }
        let pure = PolynomialLibrary {
            degree: 3,
            include_interaction: false,
            ..PolynomialLibrary::default()
        };
        // 1 + n·d.
        assert_eq!(pure.terms(3).expect("valid").len(), 10);
    }

    #[test]
    fn degree_three_tail_and_interaction_only() {
        let lib = PolynomialLibrary {
            degree: 3,
            ..PolynomialLibrary::default()
        };
        let got = feature_names(&lib.terms(2).expect("valid"), &names(&["x0", "x1"]));
        let want = [
            "1", "x0", "x1", "x0^2", "x0 x1", "x1^2", "x0^3", "x0^2 x1", "x0 x1^2", "x1^3",
        ];
        assert_eq!(got, want);
        let only = PolynomialLibrary {
            degree: 3,
            interaction_only: true,
            ..PolynomialLibrary::default()
        };
        let got = feature_names(&only.terms(3).expect("valid"), &names(&["a", "b", "c"]));
        assert_eq!(got, ["1", "a", "b", "c", "a b", "a c", "b c", "a b c"]);
        let bad = PolynomialLibrary {
            include_interaction: false,
            interaction_only: true,
            ..PolynomialLibrary::default()
        };
        assert!(bad.terms(3).is_err());
    }

    #[test]
    fn fourier_and_concat_order() {
        let lib = Library::Concat {
            libraries: vec![
                Library::Polynomial(PolynomialLibrary {
                    degree: 1,
                    include_bias: false,
                    ..PolynomialLibrary::default()
                }),
                Library::Fourier(FourierLibrary {
                    n_frequencies: 2,
                    ..FourierLibrary::default()
                }),
            ],
        };
        let x01 = names(&["x0", "x1"]);
        let got = feature_names(&lib.terms(&x01).expect("valid"), &x01);
        let want = [
            "x0",
            "x1",
            "sin(1 x0)",
            "cos(1 x0)",
            "sin(1 x1)",
            "cos(1 x1)",
            "sin(2 x0)",
            "cos(2 x0)",
            "sin(2 x1)",
            "cos(2 x1)",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn incremental_columns_equal_direct_evaluation() {
        // Parent × variable must give the same monomial as the direct product (both are
        // products of the same factors; the order differs, so allow a few ulps).
        let lib = Library::Concat {
            libraries: vec![
                Library::Polynomial(PolynomialLibrary {
                    degree: 4,
                    ..PolynomialLibrary::default()
                }),
                Library::Fourier(FourierLibrary::default()),
            ],
        };
        let terms = lib.terms(&names(&["x", "y", "z"])).expect("valid");
        let rows: Vec<f64> = (0..60).map(|k| (k as f64 * 0.37).sin() * 3.0).collect();
        let th = theta(&terms, &rows, 3);
        for (k, row) in rows.chunks_exact(3).enumerate() {
            for (j, t) in terms.iter().enumerate() {
                let direct = t.eval(row);
                assert!((th[(k, j)] - direct).abs() <= 1e-14 * direct.abs().max(1.0));
            }
        }
    }

    #[test]
    fn values_and_gradients_are_exact() {
        let t = Term::Monomial {
            powers: vec![2, 0, 1],
        };
        let x = [1.5, -2.0, 3.0];
        assert_eq!(t.eval(&x), 1.5 * 1.5 * 3.0);
        let mut g = [0.0; 3];
        t.gradient(&x, &mut g);
        assert_eq!(g, [2.0 * 1.5 * 3.0, 0.0, 1.5 * 1.5]);
        let s = Term::Cos { k: 2, input: 1 };
        s.gradient(&x, &mut g);
        assert_eq!(g, [0.0, -2.0 * (-4.0f64).sin(), 0.0]);
        let th = theta(&[t, s], &x, 3);
        assert_eq!((th.nrows(), th.ncols()), (1, 2));
        assert_eq!(th[(0, 1)], (-4.0f64).cos());
    }
}
