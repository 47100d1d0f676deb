//! Modified Gram–Schmidt QR of a small set of tangent vectors.

/// Orthonormalises the `k` vectors of length `n` stored consecutively in `q` (in place)
/// and returns the diagonal `|R_ii|` of the QR factorisation (Golub & Van Loan,
/// *Matrix Computations*, 4th ed., Alg. 5.2.6, modified Gram–Schmidt).
pub(crate) fn orthonormalize(q: &mut [f64], n: usize, k: usize, r_diag: &mut [f64]) {
    for i in 0..k {
        for j in 0..i {
            let (head, tail) = q.split_at_mut(i * n);
            let qj = &head[j * n..(j + 1) * n];
            let qi = &mut tail[..n];
            let d: f64 = qi.iter().zip(qj).map(|(a, b)| a * b).sum();
            qi.iter_mut().zip(qj).for_each(|(a, b)| *a -= d * b);
        }
        let qi = &mut q[i * n..(i + 1) * n];
        let norm = qi.iter().map(|a| a * a).sum::<f64>().sqrt();
        r_diag[i] = norm;
        if norm > 0.0 {
            qi.iter_mut().for_each(|a| *a /= norm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn produces_orthonormal_vectors_and_the_volume() {
        let mut q = vec![2.0, 0.0, 0.0, 1.0, 3.0, 0.0, 1.0, 1.0, 4.0];
        let mut r = [0.0; 3];
        orthonormalize(&mut q, 3, 3, &mut r);
        for i in 0..3 {
            for j in 0..3 {
                let d: f64 = (0..3).map(|l| q[i * 3 + l] * q[j * 3 + l]).sum();
                assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
            }
        }
        // Product of R_ii is |det| of the original (upper-triangular-by-rows) matrix: 24.
        assert!((r.iter().product::<f64>() - 24.0).abs() < 1e-12);
    }
}
