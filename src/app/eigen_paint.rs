//! Painting a Koopman eigenfunction on the attractor: click an eigenvalue in the
//! eigenvalue plane and the orbit (or the loaded data) is coloured by the modulus
//! `|φ(x)|` or the phase `arg φ(x)` of its eigenfunction `φ(x) = ψ(x)·c` at every drawn
//! point (Williams, Kevrekidis & Rowley 2015, eq. 14; Mezić 2005 for why level sets of
//! `|φ|` and `arg φ` show the state space's slow structure and its phase).

use std::sync::Arc;

use crate::models::FittedModel;
use crate::render::ScalarColours;

/// Which eigenfunction is painted, and how.
#[derive(Default)]
pub struct EigenPaint {
    /// (card index, eigenvalue index) of the clicked eigenvalue.
    pub selected: Option<(usize, usize)>,
    /// Paint the phase (cyclic colours) instead of the modulus.
    pub phase: bool,
    /// The last colours with what they were computed from and the stride used.
    cache: Option<(CacheKey, ScalarColours, usize)>,
    next_id: u64,
    /// Seconds one eigenfunction evaluation took last time (sets the stride).
    seconds_per_point: Option<f64>,
}

/// The UI thread spends at most about this long per frame painting: expensive
/// dictionaries (kernel EDMD evaluates a kernel at every expansion point) are evaluated
/// at every `stride`-th point and interpolated along the orbit in between.
pub const PAINT_BUDGET_SECONDS: f64 = 0.010;

#[derive(Clone, Copy, PartialEq)]
struct CacheKey {
    selected: (usize, usize),
    phase: bool,
    points_generation: u64,
    model_id: u64,
}

impl EigenPaint {
    /// The colours computed last, if any.
    pub fn last(&self) -> Option<&ScalarColours> {
        self.cache.as_ref().map(|(_, c, _)| c)
    }

    /// The colours for `points` (whose content is identified by `generation`) from
    /// `model` (identified by `model_id`), recomputed only when one of them or the
    /// selection changed; `None` when nothing is selected or the model keeps no
    /// eigenfunctions for states of this size.
    pub fn colours(
        &mut self,
        model: Option<(&dyn FittedModel, u64)>,
        points: &[[f32; 3]],
        generation: u64,
    ) -> Option<ScalarColours> {
        let (selected, (model, model_id)) = (self.selected?, model?);
        let key = CacheKey {
            selected,
            phase: self.phase,
            points_generation: generation,
            model_id,
        };
        // The first time, probe with about 64 points; then keep within the budget. A
        // coarse result is refined on a later frame even when the points do not change.
        let n = points.len().max(1);
        let stride = match self.seconds_per_point {
            Some(s) => ((s * n as f64 / PAINT_BUDGET_SECONDS).ceil() as usize).clamp(1, n),
            None => n.div_ceil(64),
        };
        if let Some((k, c, cached_stride)) = &self.cache
            && *k == key
            && *cached_stride <= stride
        {
            return Some(c.clone());
        }
        let started = std::time::Instant::now();
        let values = eigenfunction_scalars(model, selected.1, points, self.phase, stride)?;
        let evaluated = n.div_ceil(stride) + 1;
        self.seconds_per_point = Some(started.elapsed().as_secs_f64() / evaluated as f64);
        self.next_id += 1;
        let colours = ScalarColours {
            values: Arc::new(values),
            cyclic: self.phase,
            id: self.next_id,
        };
        self.cache = Some((key, colours.clone(), stride));
        Some(colours)
    }
}

/// `|φ_k(x)|` scaled by its 98th percentile over the points (clamped to 1), or
/// `(arg φ_k(x) + π)/2π`, at every point; the model's state is the first
/// `state_names().len()` (at most 3) coordinates of a drawn point. `φ` is evaluated at
/// every `stride`-th point and the last, and interpolated linearly (as a complex number)
/// in between. `None` when the model has no eigenfunctions or its states do not fit in
/// the drawn coordinates.
pub fn eigenfunction_scalars(
    model: &dyn FittedModel,
    k: usize,
    points: &[[f32; 3]],
    phase: bool,
    stride: usize,
) -> Option<Vec<f32>> {
    let dim = model.state_names().len();
    if dim == 0 || dim > 3 {
        return None;
    }
    let mut x = vec![0.0; dim];
    let mut at = |p: &[f32; 3]| {
        for (xi, pi) in x.iter_mut().zip(p) {
            *xi = f64::from(*pi);
        }
        model.eigenfunction(k, &x)
    };
    let n = points.len();
    let stride = stride.max(1);
    let mut phi = vec![[0.0; 2]; n];
    let mut known: Vec<usize> = (0..n).step_by(stride).collect();
    if n > 0 && known.last() != Some(&(n - 1)) {
        known.push(n - 1);
    }
    for &i in &known {
        phi[i] = at(&points[i])?;
    }
    for w in known.windows(2) {
        let (a, b) = (w[0], w[1]);
        for i in a + 1..b {
            let s = (i - a) as f64 / (b - a) as f64;
            phi[i] = [0, 1].map(|c| phi[a][c] * (1.0 - s) + phi[b][c] * s);
        }
    }
    if phase {
        let tau = std::f64::consts::TAU;
        return Some(
            phi.iter()
                .map(|[re, im]| ((im.atan2(*re) + std::f64::consts::PI) / tau) as f32)
                .collect(),
        );
    }
    let modulus: Vec<f64> = phi.iter().map(|[re, im]| re.hypot(*im)).collect();
    let mut sorted: Vec<f64> = modulus.iter().copied().filter(|m| m.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    let q = ((sorted.len() - 1) as f64 * 0.98).round() as usize;
    let (_, top, _) = sorted.select_nth_unstable_by(q, f64::total_cmp);
    let top = *top;
    Some(
        modulus
            .iter()
            .map(|m| {
                if top > 0.0 {
                    (m / top).min(1.0) as f32
                } else {
                    0.0
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::JobContext;
    use crate::models::koopman::{Dictionary, Edmd, SnapshotPairs, fit_edmd_pairs};

    /// EDMD with linear monomials on `pairs` snapshot pairs of the linear map
    /// x' = 0.9 x, y' = 0.5 y from states spread over the square: its eigenfunctions are
    /// φ = x (λ = 0.9) and φ = y (λ = 0.5), up to scale.
    fn linear_map_edmd(pairs: usize) -> Box<dyn FittedModel> {
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for i in 0..pairs {
            let (x, y) = ((i as f64 * 0.7).sin(), (i as f64 * 1.3).cos());
            xs.extend_from_slice(&[x, y]);
            ys.extend_from_slice(&[0.9 * x, 0.5 * y]);
        }
        let pairs = SnapshotPairs::uniform(2, 1.0, xs, ys);
        let edmd = Edmd {
            dictionary: Dictionary::Monomials { degree: 1 },
            ..Edmd::default()
        };
        Box::new(fit_edmd_pairs(&edmd, &pairs, &JobContext::detached()).expect("fits"))
    }

    #[test]
    fn the_painted_modulus_is_the_eigenfunction_up_to_scale() {
        let model = linear_map_edmd(400);
        let spec = model.spectrum().expect("spectral");
        let k = spec
            .eigenvalues
            .iter()
            .position(|l| (l[0] - 0.9).abs() < 1e-9 && l[1].abs() < 1e-9)
            .expect("λ = 0.9");
        let points: Vec<[f32; 3]> = (0..50)
            .map(|i| [(i as f32 * 0.37).sin(), (i as f32 * 0.91).cos(), 0.0])
            .collect();
        let values = eigenfunction_scalars(model.as_ref(), k, &points, false, 1).expect("values");
        // |φ| ∝ |x − x̄| where x̄ is where φ vanishes: ratios of values equal ratios of |φ|.
        let phi: Vec<f64> = points
            .iter()
            .map(|p| {
                let v = model
                    .eigenfunction(k, &[f64::from(p[0]), f64::from(p[1])])
                    .expect("φ");
                v[0].hypot(v[1])
            })
            .collect();
        assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
        // Below the 98th percentile the colours are proportional to |φ|: compare the
        // five points of smallest |φ| with the sixth.
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by(|&i, &j| phi[i].total_cmp(&phi[j]));
        let j = order[5];
        for &i in &order[..5] {
            let ratio = f64::from(values[i]) / f64::from(values[j]);
            assert!(
                (ratio - phi[i] / phi[j]).abs() < 1e-4,
                "{ratio} vs {}",
                phi[i] / phi[j]
            );
        }
        let top = order[points.len() - 1];
        assert_eq!(values[top], 1.0);
        // φ for λ = 0.9 does not depend on y: two points differing only in y agree.
        let a = model.eigenfunction(k, &[0.3, -0.8]).expect("φ");
        let b = model.eigenfunction(k, &[0.3, 0.6]).expect("φ");
        assert!((a[0] - b[0]).hypot(a[1] - b[1]) < 1e-9, "{a:?} {b:?}");
        // Real eigenvalue, real data: the phase is 0 or π everywhere.
        let phase = eigenfunction_scalars(model.as_ref(), k, &points, true, 1).expect("phase");
        assert!(
            phase
                .iter()
                .all(|p| p.abs() < 1e-6 || (p - 0.5).abs() < 1e-6 || (p - 1.0).abs() < 1e-6),
            "{phase:?}"
        );
    }

    /// Every third point evaluated, the rest interpolated: on a linear eigenfunction
    /// and points along a straight line the interpolation is exact.
    #[test]
    fn a_stride_interpolates_between_evaluated_points() {
        let model = linear_map_edmd(200);
        let line: Vec<[f32; 3]> = (0..31).map(|i| [0.1 + i as f32 * 0.02, 0.3, 0.0]).collect();
        for k in 0..3 {
            let every = eigenfunction_scalars(model.as_ref(), k, &line, false, 1).expect("φ");
            let third = eigenfunction_scalars(model.as_ref(), k, &line, false, 3).expect("φ");
            for (a, b) in every.iter().zip(&third) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
        }
    }
}
