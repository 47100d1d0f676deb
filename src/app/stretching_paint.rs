//! Colouring the live orbit by its local stretching: `λ_loc` per trail point
//! ([`crate::eval::local_stretching`], recorded by [`super::live::LiveSimulation`]) scaled
//! between its 2nd and 98th percentiles along the trail ([`robust_unit_scale`]), so the
//! contracting stretches are dark and the strongest stretching is yellow in viridis.
//!
//! The scale is refitted when a tenth of the trail is new since the last fit (or the
//! orbit restarted); in between, new points are mapped with the current scale and the
//! colours keep their id, so the renderer appends only the new points' values instead of
//! re-uploading the whole trail each frame.

use std::sync::Arc;

use crate::render::{ScalarColours, robust_unit_scale, unit_scale};

/// Quantiles of `λ_loc` that map to the two ends of the colour map.
pub const STRETCHING_QUANTILES: [f32; 2] = [0.02, 0.98];

/// What the colours span, for the panel's legend line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StretchingRange {
    /// `λ_loc` at the dark end (2nd percentile at the last fit).
    pub low: f32,
    /// `λ_loc` at the yellow end (98th percentile at the last fit).
    pub high: f32,
    /// The mean of `λ_loc` along the trail: the largest Lyapunov exponent, once the
    /// trail is long.
    pub mean: f32,
}

/// The stretching colours of the live trail.
#[derive(Default)]
pub struct StretchingPaint {
    cache: Option<Cached>,
    next_id: u64,
}

struct Cached {
    stream: u64,
    /// Points ever appended when the colours were made, and when the scale was fitted.
    appended: u64,
    fitted_at: u64,
    colours: ScalarColours,
    range: StretchingRange,
}

impl StretchingPaint {
    /// The colours for the trail `stream` holding the newest `trail_len` of `appended`
    /// points, from its `values` (one per point); `None` when there are none (a delay
    /// equation) or they do not match the trail.
    pub fn colours(
        &mut self,
        values: &Arc<Vec<f32>>,
        trail_len: usize,
        stream: u64,
        appended: u64,
    ) -> Option<ScalarColours> {
        if values.len() != trail_len || trail_len == 0 {
            self.cache = None;
            return None;
        }
        let refit = match &self.cache {
            Some(c) if c.stream == stream && c.appended == appended => {
                return Some(c.colours.clone());
            }
            Some(c) if c.stream == stream => {
                appended.saturating_sub(c.fitted_at) >= (trail_len as u64 / 10).max(1)
            }
            _ => true,
        };
        let mean = {
            let (sum, n) = values
                .iter()
                .filter(|v| v.is_finite())
                .fold((0.0f64, 0usize), |(s, n), &v| (s + f64::from(v), n + 1));
            (sum / n.max(1) as f64) as f32
        };
        let (scaled, range, fitted_at) = match (&self.cache, refit) {
            (Some(c), false) => {
                let scale = [c.range.low, c.range.high];
                let scaled = values.iter().map(|&v| unit_scale(v, scale)).collect();
                (scaled, StretchingRange { mean, ..c.range }, c.fitted_at)
            }
            _ => {
                let [lo, hi] = STRETCHING_QUANTILES;
                let (scaled, [low, high]) = robust_unit_scale(values, lo, hi)?;
                self.next_id += 1;
                (scaled, StretchingRange { low, high, mean }, appended)
            }
        };
        let colours = ScalarColours {
            values: Arc::new(scaled),
            cyclic: false,
            // Apart from the eigenfunction painter's ids, so switching between the two
            // on a paused trail still re-uploads.
            id: (1 << 62) + self.next_id,
        };
        self.cache = Some(Cached {
            stream,
            appended,
            fitted_at,
            colours: colours.clone(),
            range,
        });
        Some(colours)
    }

    /// The colours computed last, if any.
    pub fn last(&self) -> Option<&ScalarColours> {
        self.cache.as_ref().map(|c| &c.colours)
    }

    /// What the last colours span.
    pub fn range(&self) -> Option<StretchingRange> {
        self.cache.as_ref().map(|c| c.range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scale is fitted once and kept (same id, new points mapped with it) until a
    /// tenth of the trail is new; then it is refitted with a new id.
    #[test]
    fn the_scale_is_kept_while_the_trail_grows_and_refitted_after_a_tenth() {
        let mut paint = StretchingPaint::default();
        let ramp: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let first = paint
            .colours(&Arc::new(ramp.clone()), 100, 7, 100)
            .expect("colours");
        // Nearest-rank 2nd and 98th percentiles of 0..99: 2 and 97.
        let range = paint.range().expect("range");
        assert_eq!((range.low, range.high), (2.0, 97.0));
        assert!((range.mean - 49.5).abs() < 1e-4);
        // Five new points of 1000: mapped with the old scale (clamped), same id.
        let mut grown = ramp[5..].to_vec();
        grown.extend([1000.0; 5]);
        let next = paint
            .colours(&Arc::new(grown.clone()), 100, 7, 105)
            .expect("colours");
        assert_eq!(next.id, first.id);
        assert_eq!(next.values[99], 1.0);
        assert_eq!(next.values[0], first.values[5]);
        // Ten new points since the fit: refitted.
        grown.drain(..5);
        grown.extend([1000.0; 5]);
        let refit = paint
            .colours(&Arc::new(grown), 100, 7, 110)
            .expect("colours");
        assert_ne!(refit.id, first.id);
        assert_eq!(paint.range().expect("range").high, 1000.0);
        // A restarted orbit (new stream) is refitted at once; no values, no colours.
        let other = paint
            .colours(&Arc::new(ramp), 100, 8, 100)
            .expect("colours");
        assert_ne!(other.id, refit.id);
        assert!(paint.colours(&Arc::new(Vec::new()), 100, 8, 101).is_none());
        assert!(paint.last().is_none());
    }
}
