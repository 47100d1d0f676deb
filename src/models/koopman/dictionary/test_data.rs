//! Data shared by the dictionary tests.

/// 200 points of a 2-D spiral (data for the random-feature and kernel tests).
pub(super) fn spiral() -> Vec<f64> {
    (0..200)
        .flat_map(|k| {
            let t = k as f64 * 0.07;
            [t.cos() * (1.0 + 0.3 * t), t.sin() * (0.5 + 0.2 * t)]
        })
        .collect()
}
