//! The orbit diagram drawn as one image: its points binned into pixels over the part of
//! the (parameter, value) plane on screen, each pixel's alpha growing with the log of
//! its count. Drawing hundreds of thousands of points as separate plot markers makes
//! egui tessellate a small circle for each on every frame (a third of a second per
//! frame on a software renderer for a 300-value Lorenz diagram); one texture costs the
//! same however many points there are, and only new points are binned while the view
//! stays put.

use egui::{Color32, ColorImage};

/// A rectangle of the plane: `[x_min, x_max, y_min, y_max]`.
pub type PlaneRect = [f64; 4];

/// The largest image side, in pixels.
pub const MAX_SIDE: usize = 2048;

/// Pixel counts of the diagram's points over one rectangle.
#[derive(Clone, Debug, Default)]
pub struct OrbitDensity {
    rect: PlaneRect,
    size: [usize; 2],
    counts: Vec<u32>,
    /// Points binned so far (a prefix of the diagram's points).
    binned: usize,
}

impl OrbitDensity {
    /// Bins `points` over `rect` at `size` pixels (width, height): only the points
    /// added since the last call when neither changed, all of them otherwise. Returns
    /// whether the counts changed.
    pub fn update(&mut self, points: &[[f64; 2]], rect: PlaneRect, size: [usize; 2]) -> bool {
        let size = size.map(|s| s.clamp(1, MAX_SIDE));
        if rect != self.rect || size != self.size || points.len() < self.binned {
            self.rect = rect;
            self.size = size;
            self.counts = vec![0; size[0] * size[1]];
            self.binned = 0;
        }
        let new = &points[self.binned..];
        for p in new {
            if let Some(i) = self.pixel(*p) {
                self.counts[i] = self.counts[i].saturating_add(1);
            }
        }
        self.binned = points.len();
        !new.is_empty() || self.counts.is_empty()
    }

    /// The rectangle the image covers.
    pub fn rect(&self) -> PlaneRect {
        self.rect
    }

    /// Index of the pixel holding `p` (row 0 at the top, the largest value), if inside.
    fn pixel(&self, [x, y]: [f64; 2]) -> Option<usize> {
        let [x0, x1, y0, y1] = self.rect;
        let u = (x - x0) / (x1 - x0);
        let v = (y1 - y) / (y1 - y0);
        if !(0.0..=1.0).contains(&u) || !(0.0..=1.0).contains(&v) {
            return None; // outside, or a NaN
        }
        let [w, h] = self.size;
        let col = ((u * w as f64) as usize).min(w - 1);
        let row = ((v * h as f64) as usize).min(h - 1);
        Some(row * w + col)
    }

    /// The image: transparent where no point fell, `colour` elsewhere with an alpha
    /// from 110 (one point) to 255 (the densest pixel), logarithmic in the count, so a
    /// single periodic orbit's points stand out as clearly as a chaotic band.
    pub fn image(&self, colour: Color32) -> ColorImage {
        let top = self.counts.iter().copied().max().unwrap_or(0);
        let scale = f64::from(top).ln_1p().max(f64::MIN_POSITIVE);
        let [r, g, b, _] = colour.to_srgba_unmultiplied();
        let pixels = self
            .counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    Color32::TRANSPARENT
                } else {
                    let a = 110.0 + 145.0 * f64::from(c).ln_1p() / scale;
                    Color32::from_rgba_unmultiplied(r, g, b, a.round().clamp(0.0, 255.0) as u8)
                }
            })
            .collect();
        ColorImage::new(self.size, pixels)
    }
}

/// Where the image goes: the data's rectangle, or only its part inside `view` when the
/// user has zoomed in (so zooming gains resolution). `None` when they do not meet.
pub fn drawn_rect(data: PlaneRect, view: PlaneRect) -> Option<PlaneRect> {
    if !view.iter().all(|v| v.is_finite()) || view[1] <= view[0] || view[3] <= view[2] {
        return Some(data);
    }
    let r = [
        data[0].max(view[0]),
        data[1].min(view[1]),
        data[2].max(view[2]),
        data[3].min(view[3]),
    ];
    (r[1] > r[0] && r[3] > r[2]).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_land_in_their_pixels_and_only_new_ones_are_binned() {
        let mut d = OrbitDensity::default();
        let rect = [0.0, 4.0, 0.0, 2.0];
        // x = 0.5 is column 0 of 4, y = 1.5 is row 0 of 2 (the top row).
        let mut pts = vec![[0.5, 1.5], [0.5, 1.5], [3.9, 0.1]];
        assert!(d.update(&pts, rect, [4, 2]));
        assert_eq!(d.counts, vec![2, 0, 0, 0, 0, 0, 0, 1]);
        // Outside and NaN points are skipped; nothing new leaves the counts alone.
        pts.extend([[5.0, 1.0], [f64::NAN, 1.0], [2.5, 0.5]]);
        assert!(d.update(&pts, rect, [4, 2]));
        assert_eq!(d.counts, vec![2, 0, 0, 0, 0, 0, 1, 1]);
        assert!(!d.update(&pts, rect, [4, 2]));
        // A new rectangle rebins everything: the upper half alone at 1 × 1.
        d.update(&pts, [0.0, 4.0, 1.0, 2.0], [1, 1]);
        assert_eq!(d.counts, vec![2]);
        // A shorter list (a new run) starts over.
        d.update(&pts[..1], [0.0, 4.0, 1.0, 2.0], [1, 1]);
        assert_eq!(d.counts, vec![1]);
    }

    #[test]
    fn the_image_is_transparent_where_empty_and_densest_is_opaque() {
        let mut d = OrbitDensity::default();
        let pts: Vec<[f64; 2]> = std::iter::repeat_n([0.25, 0.75], 9)
            .chain([[0.75, 0.25]])
            .collect();
        d.update(&pts, [0.0, 1.0, 0.0, 1.0], [2, 2]);
        let img = d.image(Color32::from_rgb(90, 190, 255));
        assert_eq!(img.size, [2, 2]);
        assert_eq!(img.pixels[0].a(), 255, "nine points: the densest pixel");
        assert_eq!(img.pixels[1], Color32::TRANSPARENT);
        assert_eq!(
            img.pixels[3].a(),
            110 + (145.0 * 2f64.ln() / 10f64.ln()).round() as u8
        );
    }

    #[test]
    fn zooming_in_draws_only_the_visible_part() {
        let data = [2.8, 4.0, 0.0, 1.0];
        // Auto-fitted view: a margin around the data; the image covers the data.
        assert_eq!(drawn_rect(data, [2.74, 4.06, -0.05, 1.05]), Some(data));
        assert_eq!(
            drawn_rect(data, [3.8, 3.9, 0.4, 0.6]),
            Some([3.8, 3.9, 0.4, 0.6])
        );
        assert_eq!(drawn_rect(data, [5.0, 6.0, 0.0, 1.0]), None);
        assert_eq!(drawn_rect(data, [f64::NAN, 1.0, 0.0, 1.0]), Some(data));
    }
}
