//! Distances in the scaled state space shared by the RBF, random-feature and kernel
//! dictionaries: the bandwidth rule `d` = mean distance of the data to their centroid
//! (Colbrook & Townsend, CPAM 77 (2024); spec §1.8) and the squared distance.

/// Mean distance of the rows of `u` (scaled data, centroid ≈ 0) to their centroid.
pub(super) fn centroid_distance(u: &[f64], dim: usize) -> f64 {
    let m = u.len() / dim;
    let mut c = vec![0.0; dim];
    for r in u.chunks_exact(dim) {
        for j in 0..dim {
            c[j] += r[j] / m as f64;
        }
    }
    let d = u
        .chunks_exact(dim)
        .map(|r| {
            r.iter()
                .zip(&c)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        })
        .sum::<f64>()
        / m as f64;
    if d > 0.0 && d.is_finite() { d } else { 1.0 }
}

/// `‖a − b‖²`.
pub(super) fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}
