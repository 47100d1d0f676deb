//! Monomials `u^α`, `|α| ≤ degree`, in the scaled state (Williams, Kevrekidis & Rowley,
//! J. Nonlinear Sci. 25 (2015), the EDMD paper's first dictionary): their exponent
//! vectors, the size check, evaluation and names.

use super::spec::MAX_DICTIONARY_SIZE;
use crate::models::FitError;

/// The exponent vectors of the monomials of total degree ≤ `degree` in `dim` variables,
/// refused with advice when there are more than [`MAX_DICTIONARY_SIZE`]; inside a
/// concatenation only degrees ≥ 2 (the leading affine part has the constant and `u`).
pub(super) fn fit(dim: usize, degree: usize, in_concat: bool) -> Result<Vec<Vec<u32>>, FitError> {
    let count = monomial_count(dim, degree);
    if count > MAX_DICTIONARY_SIZE {
        return Err(FitError::Options(format!(
            "monomials of degree ≤ {degree} in {dim} variables are {count} functions, more than {MAX_DICTIONARY_SIZE}; lower --degree"
        )));
    }
    let mut exponents = monomial_exponents(dim, degree);
    if in_concat {
        exponents.retain(|e| e.iter().sum::<u32>() >= 2);
    }
    Ok(exponents)
}

/// Exponent vectors of all monomials in `n` variables of total degree ≤ `degree`,
/// ordered by degree (the constant first, then `u_1 … u_n`).
fn monomial_exponents(n: usize, degree: usize) -> Vec<Vec<u32>> {
    let mut out = vec![vec![0u32; n]];
    let mut last: Vec<Vec<u32>> = out.clone();
    for _ in 0..degree {
        let mut next = Vec::new();
        for e in &last {
            // Raise variables at or after the last one raised, so each monomial appears once.
            let start = e.iter().rposition(|&p| p > 0).unwrap_or(0);
            for j in start..n {
                let mut f = e.clone();
                f[j] += 1;
                next.push(f);
            }
        }
        out.extend(next.iter().cloned());
        last = next;
    }
    out
}

/// `C(n + d, d)`, saturating, for the size check before building anything.
fn monomial_count(n: usize, degree: usize) -> usize {
    let mut c: u128 = 1;
    for i in 1..=degree as u128 {
        c = c * (n as u128 + i) / i;
        if c > u128::from(u32::MAX) {
            return usize::MAX;
        }
    }
    c as usize
}

/// `u^α` for each exponent vector `α` into `out`.
pub(super) fn eval(exponents: &[Vec<u32>], u: &[f64], out: &mut [f64]) {
    for (o, e) in out.iter_mut().zip(exponents) {
        *o = e
            .iter()
            .zip(u.iter())
            .map(|(&p, &v)| v.powi(p as i32))
            .product();
    }
}

/// Names such as `1`, `x`, `x^2 y` (variable names from `var`) into `out`.
pub(super) fn names(exponents: &[Vec<u32>], var: &dyn Fn(usize) -> String, out: &mut Vec<String>) {
    for e in exponents {
        let parts: Vec<String> = e
            .iter()
            .enumerate()
            .filter(|(_, p)| **p > 0)
            .map(|(j, p)| {
                if *p == 1 {
                    var(j)
                } else {
                    format!("{}^{p}", var(j))
                }
            })
            .collect();
        out.push(if parts.is_empty() {
            "1".into()
        } else {
            parts.join(" ")
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Dictionary, FittedDictionary};
    use super::*;

    #[test]
    fn monomials_count_and_order() {
        // C(2 + 3, 3) = 10 monomials of degree ≤ 3 in two variables.
        let e = monomial_exponents(2, 3);
        assert_eq!(e.len(), 10);
        assert_eq!(monomial_count(2, 3), 10);
        assert_eq!(monomial_count(3, 4), 35);
        assert_eq!(e[0], vec![0, 0]);
        assert_eq!(&e[1..3], &[vec![1, 0], vec![0, 1]]);
        let mut sorted = e.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 10, "no duplicates");
    }

    #[test]
    fn monomials_evaluate_in_scaled_coordinates() {
        // Data x ∈ {1, 3}: mean 2, std 1 ⇒ u = x − 2.
        let d = FittedDictionary::fit(&Dictionary::Monomials { degree: 2 }, &[1.0, 3.0], 1)
            .expect("fits");
        assert_eq!(d.eval(&[5.0]), vec![1.0, 3.0, 9.0]);
        assert_eq!(d.names(&["x".into()]), vec!["1", "x", "x^2"]);
    }

    #[test]
    fn too_large_a_dictionary_is_refused_with_advice() {
        let err = FittedDictionary::fit(&Dictionary::Monomials { degree: 40 }, &[0.0; 9], 3)
            .expect_err("refused");
        assert!(err.to_string().contains("lower --degree"), "{err}");
    }
}
