//! Polynomial feature vectors shared by NVAR and the single-state lift: the constant,
//! the linear part, and the unique quadratic monomials `l_i l_j` (`i ≤ j`) of the linear
//! part (Gauthier et al. 2021, Eq. 5–6).

/// Number of unique quadratic monomials of `m` variables: `m (m + 1) / 2`.
pub fn quadratic_count(m: usize) -> usize {
    m * (m + 1) / 2
}

/// Length of `[1, l, quad(l)]` for a linear part of length `m`.
pub fn feature_count(m: usize) -> usize {
    1 + m + quadratic_count(m)
}

/// Writes `[1, l, l_0 l_0, l_0 l_1, …, l_{m−1} l_{m−1}]` into `out`
/// (length [`feature_count`]`(l.len())`).
pub fn polynomial_features(l: &[f64], out: &mut [f64]) {
    let m = l.len();
    out[0] = 1.0;
    out[1..=m].copy_from_slice(l);
    let mut k = 1 + m;
    for i in 0..m {
        for j in i..m {
            out[k] = l[i] * l[j];
            k += 1;
        }
    }
}

/// The directional derivative of [`polynomial_features`] at `l` along `dl`:
/// `[0, dl, l_i dl_j + dl_i l_j, …]`.
pub fn polynomial_features_tangent(l: &[f64], dl: &[f64], out: &mut [f64]) {
    let m = l.len();
    out[0] = 0.0;
    out[1..=m].copy_from_slice(dl);
    let mut k = 1 + m;
    for i in 0..m {
        for j in i..m {
            out[k] = l[i] * dl[j] + dl[i] * l[j];
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_list_each_monomial_once() {
        let mut out = vec![0.0; feature_count(3)];
        polynomial_features(&[2.0, 3.0, 5.0], &mut out);
        assert_eq!(
            out,
            vec![1.0, 2.0, 3.0, 5.0, 4.0, 6.0, 10.0, 9.0, 15.0, 25.0]
        );
    }

    #[test]
    fn tangent_matches_a_central_difference() {
        let (l, dl) = ([0.3, -1.2, 0.7], [0.5, 0.25, -1.0]);
        let mut t = vec![0.0; feature_count(3)];
        polynomial_features_tangent(&l, &dl, &mut t);
        let h = 1e-6;
        let (mut p, mut q) = (vec![0.0; t.len()], vec![0.0; t.len()]);
        let lp: Vec<f64> = l.iter().zip(&dl).map(|(a, b)| a + h * b).collect();
        let lm: Vec<f64> = l.iter().zip(&dl).map(|(a, b)| a - h * b).collect();
        polynomial_features(&lp, &mut p);
        polynomial_features(&lm, &mut q);
        for k in 0..t.len() {
            // Quadratics are exact under central differences up to rounding.
            assert!(
                ((p[k] - q[k]) / (2.0 * h) - t[k]).abs() < 1e-8,
                "feature {k}"
            );
        }
    }
}
