//! Per-vertex colours of a curve: one solid colour, or a colour map along the curve
//! (by time: oldest to newest) or by speed (the length of each step, which for evenly
//! sampled orbits is the speed in phase space; slow passages near fixed points stand out).
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
}

impl ColourBy {
    /// Every choice with its label, for menus.
    pub const ALL: [(ColourBy, &'static str); 3] = [
        (ColourBy::Solid, "solid"),
        (ColourBy::Time, "time"),
        (ColourBy::Speed, "speed"),
    ];

    /// The label shown in menus.
    pub fn label(self) -> &'static str {
        match self {
            ColourBy::Solid => "solid",
            ColourBy::Time => "time",
            ColourBy::Speed => "speed",
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

impl ScalarColours {
    /// The colour of every value, keeping `alpha`.
    pub fn colours(&self, alpha: f32) -> Vec<[f32; 4]> {
        self.values
            .iter()
            .map(|&v| {
                let [r, g, b] = if self.cyclic {
                    hue_wheel(v)
                } else {
                    viridis(v)
                };
                [r, g, b, alpha]
            })
            .collect()
    }
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

/// The colour of every point of `points`: `base` for [`ColourBy::Solid`], the colour
/// map otherwise (keeping `base`'s alpha).
pub fn vertex_colours(points: &[[f32; 3]], base: [f32; 4], by: ColourBy) -> Vec<[f32; 4]> {
    let n = points.len();
    let with_alpha = |[r, g, b]: [f32; 3]| [r, g, b, base[3]];
    match by {
        ColourBy::Solid => vec![base; n],
        ColourBy::Time => {
            let last = n.saturating_sub(1).max(1) as f32;
            (0..n)
                .map(|i| with_alpha(viridis(i as f32 / last)))
                .collect()
        }
        ColourBy::Speed => {
            let step = |i: usize| {
                let (a, b) = (points[i - 1], points[i]);
                let d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
                let len = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                if len.is_finite() { len } else { 0.0 }
            };
            // The first point takes the first step's speed; one point has none.
            let steps: Vec<f32> = (0..n)
                .map(|i| if n < 2 { 0.0 } else { step(i.max(1)) })
                .collect();
            let scale = percentile(&steps, 0.98);
            steps
                .iter()
                .map(|&s| with_alpha(viridis(if scale > 0.0 { s / scale } else { 0.0 })))
                .collect()
        }
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
    fn time_runs_oldest_to_newest_and_speed_follows_the_step_length() {
        let pts: Vec<[f32; 3]> = (0..11).map(|i| [i as f32, 0.0, 0.0]).collect();
        let base = [0.1, 0.2, 0.3, 0.5];
        assert_eq!(vertex_colours(&pts, base, ColourBy::Solid), vec![base; 11]);
        let time = vertex_colours(&pts, base, ColourBy::Time);
        assert_eq!(time[0], [68.0 / 255.0, 1.0 / 255.0, 84.0 / 255.0, 0.5]);
        assert_eq!(time[10][..3], viridis(1.0));
        // Equal steps: one speed, the top of the scale.
        let even = vertex_colours(&pts, base, ColourBy::Speed);
        assert!(even.iter().all(|c| c[..3] == viridis(1.0)[..]));
        // A slow stretch in the middle is dark; the fast ends are bright.
        let mut xs = vec![0.0f32];
        for i in 1..100 {
            let step = if (40..60).contains(&i) { 0.1 } else { 1.0 };
            xs.push(xs[i - 1] + step);
        }
        let pts: Vec<[f32; 3]> = xs.iter().map(|&x| [x, 0.0, 0.0]).collect();
        let speed = vertex_colours(&pts, base, ColourBy::Speed);
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5);
        assert!(close(&speed[50][..3], &viridis(0.1)), "{:?}", speed[50]);
        assert_eq!(speed[90][..3], viridis(1.0)[..]);
        assert_eq!(
            speed[0], speed[1],
            "the first point takes the first step's speed"
        );
        assert!(vertex_colours(&[], base, ColourBy::Speed).is_empty());
        assert_eq!(vertex_colours(&pts[..1], base, ColourBy::Speed).len(), 1);
    }
}
