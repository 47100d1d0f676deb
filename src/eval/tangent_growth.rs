//! The largest Lyapunov exponent of a fitted closed-loop map from its tangent dynamics:
//! one tangent vector propagated by the map's Jacobian and renormalised every step; the
//! mean log growth is λ_max per step (Benettin et al. 1980, with a single vector).
//! [`renormalise`] is the one renormalisation step, shared with the local stretching
//! along a live orbit ([`super::local_stretching`]).

/// Scales `tangent` to unit length and returns the log of its length before, or `None`
/// (leaving it unchanged) when the length is zero or not finite.
pub fn renormalise(tangent: &mut [f64]) -> Option<f64> {
    let norm = tangent.iter().map(|v| v * v).sum::<f64>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return None;
    }
    tangent.iter_mut().for_each(|v| *v /= norm);
    Some(norm.ln())
}

/// λ_max per step of the map that `advance` applies: `advance(state, tangent)` moves the
/// state one step and the tangent by the Jacobian at the old state, and returns `false`
/// if either left the finite range. The first `transient` steps align the tangent and
/// are not counted. `None` if the orbit or the tangent diverged or collapsed.
pub fn largest_lyapunov_per_step<S>(
    state: &mut S,
    tangent: &mut [f64],
    transient: usize,
    steps: usize,
    mut advance: impl FnMut(&mut S, &mut [f64]) -> bool,
) -> Option<f64> {
    let mut sum = 0.0;
    for k in 0..transient + steps {
        if !advance(state, tangent) {
            return None;
        }
        let log_norm = renormalise(tangent)?;
        if k >= transient {
            sum += log_norm;
        }
    }
    (steps > 0).then(|| sum / steps as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_map_gives_its_largest_eigenvalue() {
        // A = [[1.5, 1], [0, 0.5]]: eigenvalues 1.5 and 0.5, λ_max = ln 1.5 per step.
        let mut x = vec![1.0, 1.0];
        let mut v = vec![0.0, 1.0];
        let step = |z: &mut Vec<f64>| {
            let a = [1.5 * z[0] + z[1], 0.5 * z[1]];
            z.copy_from_slice(&a);
        };
        let l = largest_lyapunov_per_step(&mut x, &mut v, 50, 200, |s, t| {
            // Keep the orbit bounded (the exponent depends only on the tangent here).
            step(s);
            s.iter_mut().for_each(|v| *v *= 1e-3);
            let tv = [1.5 * t[0] + t[1], 0.5 * t[1]];
            t.copy_from_slice(&tv);
            true
        })
        .expect("finite");
        assert!((l - 1.5f64.ln()).abs() < 1e-12, "{l}");
    }
}
