//! Seeded k-means: centres for radial-basis dictionaries.
//!
//! Takes row-major points and a count `k`; produces `k` centres (row-major). Seeding by
//! k-means++ (Arthur & Vassilvitskii, "k-means++: the advantages of careful seeding",
//! SODA 2007) from a PCG-64 stream, then Lloyd iterations until no assignment changes.
//! Colbrook's RBF dictionaries use k-means centres the same way (spec §1.7).

use rand::{Rng, SeedableRng};

/// Lloyd iterations stop after this many sweeps even if assignments still change.
pub const MAX_LLOYD_ITERATIONS: usize = 100;

/// `k` centres of `points` (row-major, `dim` columns) by k-means++ seeding and Lloyd
/// iterations. Requires `1 ≤ k ≤` number of points (checked by the caller).
pub fn kmeans(points: &[f64], dim: usize, k: usize, seed: u64) -> Vec<f64> {
    let m = points.len() / dim;
    debug_assert!(k >= 1 && k <= m);
    let row = |i: usize| &points[i * dim..(i + 1) * dim];
    let dist2 = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    // k-means++: first centre uniform, then proportional to squared distance.
    let mut centres = Vec::with_capacity(k * dim);
    centres.extend_from_slice(row(rng.random_range(0..m)));
    let mut nearest: Vec<f64> = (0..m).map(|i| dist2(row(i), &centres[..dim])).collect();
    while centres.len() < k * dim {
        let total: f64 = nearest.iter().sum();
        let pick = if total > 0.0 {
            let mut t = rng.random::<f64>() * total;
            let mut chosen = m - 1;
            for (i, d) in nearest.iter().enumerate() {
                t -= d;
                if t <= 0.0 {
                    chosen = i;
                    break;
                }
            }
            chosen
        } else {
            rng.random_range(0..m)
        };
        let start = centres.len();
        centres.extend_from_slice(row(pick));
        for i in 0..m {
            nearest[i] = nearest[i].min(dist2(row(i), &centres[start..start + dim]));
        }
    }
    // Lloyd iterations.
    let mut assign = vec![usize::MAX; m];
    for _ in 0..MAX_LLOYD_ITERATIONS {
        let mut changed = false;
        for i in 0..m {
            let best = (0..k)
                .map(|c| (c, dist2(row(i), &centres[c * dim..(c + 1) * dim])))
                .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a })
                .0;
            if assign[i] != best {
                assign[i] = best;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        let mut sums = vec![0.0; k * dim];
        let mut counts = vec![0usize; k];
        for i in 0..m {
            let c = assign[i];
            counts[c] += 1;
            for j in 0..dim {
                sums[c * dim + j] += row(i)[j];
            }
        }
        for c in 0..k {
            // An empty cluster keeps its centre.
            if counts[c] > 0 {
                for j in 0..dim {
                    centres[c * dim + j] = sums[c * dim + j] / counts[c] as f64;
                }
            }
        }
    }
    centres
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_two_separated_clusters_and_is_seeded() {
        // 50 points near (0, 0) and 50 near (10, 10): the centres are the two means.
        let mut pts = Vec::new();
        for i in 0..50 {
            let e = (i as f64 - 24.5) * 0.01;
            pts.extend_from_slice(&[e, -e]);
            pts.extend_from_slice(&[10.0 + e, 10.0 - e]);
        }
        let c = kmeans(&pts, 2, 2, 7);
        let mut firsts = [c[0], c[2]];
        firsts.sort_by(f64::total_cmp);
        // The cluster means are exactly 0 and 10 (symmetric offsets), up to rounding.
        assert!(
            firsts[0].abs() < 1e-12 && (firsts[1] - 10.0).abs() < 1e-12,
            "{c:?}"
        );
        assert_eq!(c, kmeans(&pts, 2, 2, 7));
    }
}
