//! Per-vertex colours of a curve: one solid colour, or a colour map along the curve
//! (by time: oldest to newest) or by speed (the length of each step, which for evenly
//! sampled orbits is the speed in phase space; slow passages near fixed points stand out),
//! or by local stretching (values given per point, scaled by [`robust_unit_scale`]).
//!
//! The vertex shader (`shader.wgsl`) evaluates the maps on the GPU from each vertex's
//! age or value, so a trail that grows never rewrites old vertices; the CPU versions here
//! are the reference the shader follows and what 2-D plots and legends use.
//!
//! The colour map is viridis (S. van der Walt and N. Smith, matplotlib, CC0): perceptually
//! uniform, readable by colour-blind viewers and on a washed-out projector. Nine of its
//! values, evenly spaced, are interpolated linearly here.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// How the main trail is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColourBy {
    /// The curve's own colour.
    #[default]
    Solid,
    /// Viridis from the oldest point (dark) to the newest (yellow).
    Time,
    /// Viridis by step length: slow (dark) to fast (yellow), scaled to the 98th percentile.
    Speed,
    /// Viridis by the local stretching rate `λ_loc` along the live orbit
    /// ([`crate::eval::local_stretching`]): contracting (dark) to stretching hardest
    /// (yellow), between its 2nd and 98th percentiles. The values come with the curve
    /// ([`ScalarColours`]); a curve without them is drawn solid.
    Stretching,
}

impl ColourBy {
    /// Every choice with its label, for menus.
    pub const ALL: [(ColourBy, &'static str); 4] = [
        (ColourBy::Solid, "solid"),
        (ColourBy::Time, "time"),
        (ColourBy::Speed, "speed"),
        (ColourBy::Stretching, "stretching"),
    ];

    /// The label shown in menus.
    pub fn label(self) -> &'static str {
        match self {
            ColourBy::Solid => "solid",
            ColourBy::Time => "time",
            ColourBy::Speed => "speed",
            ColourBy::Stretching => "stretching",
        }
    }
}

/// Colours given point by point: values in 0..1 through viridis, or through a hue wheel
/// when `cyclic` (for phases, where 0 and 1 are the same angle).
#[derive(Clone, Debug, PartialEq)]
pub struct ScalarColours {
    /// One value per point of the curve.
    pub values: Arc<Vec<f32>>,
    /// Map through the hue wheel instead of viridis.
    pub cyclic: bool,
    /// Changes whenever `values` do (the renderer re-uploads then).
    pub id: u64,
}

/// A fully saturated-ish hue wheel at `s` (0 and 1 are red): for cyclic quantities.
pub fn hue_wheel(s: f32) -> [f32; 3] {
    let s = if s.is_finite() {
        s.rem_euclid(1.0)
    } else {
        0.0
    };
    let (sat, val) = (0.75f32, 0.95f32);
    let h = s * 6.0;
    let f = h - h.floor();
    let (p, q, t) = (
        val * (1.0 - sat),
        val * (1.0 - sat * f),
        val * (1.0 - sat * (1.0 - f)),
    );
    match h.floor() as u32 % 6 {
        0 => [val, t, p],
        1 => [q, val, p],
        2 => [p, val, t],
        3 => [p, q, val],
        4 => [t, p, val],
        _ => [val, p, q],
    }
}

/// Viridis at 0, 1/8, …, 1 (sRGB, 0–255).
const VIRIDIS: [[u8; 3]; 9] = [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
];

/// Viridis at `s` (clamped to 0..1), sRGB-gamma in 0..1.
pub fn viridis(s: f32) -> [f32; 3] {
    let x = if s.is_finite() {
        s.clamp(0.0, 1.0)
    } else {
        0.0
    } * 8.0;
    let i = (x.floor() as usize).min(7);
    let f = x - i as f32;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    [0, 1, 2].map(|k| (f32::from(a[k]) * (1.0 - f) + f32::from(b[k]) * f) / 255.0)
}

/// Length of the step into point `i` (the first point takes the first step's).
pub(super) fn step_length(points: &[[f32; 3]], i: usize) -> f32 {
    if points.len() < 2 {
        return 0.0;
    }
    let i = i.max(1);
    let (a, b) = (points[i - 1], points[i]);
    let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2) + (b[2] - a[2]).powi(2)).sqrt();
    if len.is_finite() { len } else { 0.0 }
}

/// The step length that maps to the top of the colour scale: the 98th percentile of
/// the curve's step lengths, from at most 4 096 evenly spaced steps so a long trail
/// costs the same per frame as a short one.
pub(super) fn speed_scale(points: &[[f32; 3]]) -> f32 {
    let stride = points.len().div_ceil(4096).max(1);
    let steps: Vec<f32> = (0..points.len())
        .step_by(stride)
        .map(|i| step_length(points, i))
        .collect();
    percentile(&steps, 0.98)
}

/// `values` mapped linearly onto 0..1 between their `lo` and `hi` quantiles (clamped
/// outside), with those two levels; a robust scale, so a few extreme values do not wash
/// out the rest. Non-finite values are left out of the quantiles and map to 0. `None`
/// when no value is finite.
pub fn robust_unit_scale(values: &[f32], lo: f32, hi: f32) -> Option<(Vec<f32>, [f32; 2])> {
    let finite: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return None;
    }
    let (a, b) = (percentile(&finite, lo), percentile(&finite, hi));
    let scaled = values.iter().map(|&v| unit_scale(v, [a, b])).collect();
    Some((scaled, [a, b]))
}

/// `v` mapped linearly from `[a, b]` onto 0..1 (clamped; 0.5 when `a == b`; 0 when not
/// finite).
pub fn unit_scale(v: f32, [a, b]: [f32; 2]) -> f32 {
    if !v.is_finite() {
        0.0
    } else if b > a {
        ((v - a) / (b - a)).clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// The `q`-quantile of `values` (nearest rank), 0 when empty.
fn percentile(values: &[f32], q: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    let k = ((v.len() - 1) as f32 * q).round() as usize;
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    *x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_runs_from_purple_to_yellow_through_its_stops() {
        assert_eq!(viridis(0.0), [68.0 / 255.0, 1.0 / 255.0, 84.0 / 255.0]);
        assert_eq!(viridis(1.0), [253.0 / 255.0, 231.0 / 255.0, 37.0 / 255.0]);
        assert_eq!(viridis(0.5), [33.0 / 255.0, 144.0 / 255.0, 141.0 / 255.0]);
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(f32::NAN), viridis(0.0));
        // Halfway between the first two stops.
        let mid = viridis(1.0 / 16.0);
        assert!((mid[1] - 22.5 / 255.0).abs() < 1e-6, "{mid:?}");
    }

    #[test]
    fn the_hue_wheel_closes_on_itself() {
        let close = |a: [f32; 3], b: [f32; 3]| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-5);
        assert!(close(hue_wheel(0.0), hue_wheel(1.0)));
        assert!(close(hue_wheel(0.999_999), hue_wheel(0.0)));
        assert_eq!(hue_wheel(0.0), [0.95, 0.95 * 0.25, 0.95 * 0.25]);
        let third = hue_wheel(1.0 / 3.0);
        assert!(
            third[1] > third[0] && third[1] > third[2],
            "green at a third: {third:?}"
        );
    }

    #[test]
    fn speed_is_the_step_length_scaled_to_its_98th_percentile() {
        // A slow stretch in the middle among fast steps.
        let mut xs = vec![0.0f32];
        for i in 1..100 {
            let step = if (40..60).contains(&i) { 0.1 } else { 1.0 };
            xs.push(xs[i - 1] + step);
        }
        let pts: Vec<[f32; 3]> = xs.iter().map(|&x| [x, 0.0, 0.0]).collect();
        assert!((step_length(&pts, 50) - 0.1).abs() < 1e-5);
        assert!((step_length(&pts, 90) - 1.0).abs() < 1e-5);
        assert_eq!(
            step_length(&pts, 0),
            step_length(&pts, 1),
            "the first point takes the first step's length"
        );
        assert_eq!(step_length(&pts[..1], 0), 0.0);
        assert!((speed_scale(&pts) - 1.0).abs() < 1e-5);
        // A long trail is scaled from a strided sample: 98 % of 100 000 steps are 2.0.
        let long: Vec<[f32; 3]> = (0..100_000)
            .scan(0.0f32, |x, i| {
                *x += if i % 100 < 98 { 2.0 } else { 50.0 };
                Some([*x, 0.0, 0.0])
            })
            .collect();
        let scale = speed_scale(&long);
        assert!((scale - 2.0).abs() < 1e-3, "{scale}");
        assert_eq!(speed_scale(&[]), 0.0);
    }

    #[test]
    fn robust_scaling_maps_the_2nd_to_98th_percentile_onto_0_to_1() {
        // −50 … 50 in steps of 1 (101 values) and two wild outliers.
        let mut v: Vec<f32> = (-50..=50).map(|i| i as f32).collect();
        v.extend([1e6, -1e6, f32::NAN]);
        let (s, [lo, hi]) = robust_unit_scale(&v, 0.02, 0.98).expect("finite values");
        // 103 finite values: ranks round(102·0.02) = 2 and round(102·0.98) = 100.
        assert_eq!((lo, hi), (-49.0, 49.0));
        assert_eq!(s[50], 0.5, "zero sits halfway for a symmetric spread");
        assert_eq!(s[1], 0.0);
        assert_eq!(s[99], 1.0);
        assert!((s[75] - 74.0 / 98.0).abs() < 1e-6, "{}", s[75]);
        assert_eq!((s[101], s[102], s[103]), (1.0, 0.0, 0.0));
        assert!(robust_unit_scale(&[f32::NAN], 0.02, 0.98).is_none());
        let (flat, _) = robust_unit_scale(&[3.0; 4], 0.02, 0.98).expect("values");
        assert_eq!(flat, vec![0.5; 4]);
    }
}
