//! The live 3-D view's scene: the live orbit or the loaded data (coloured as chosen, by
//! a painted eigenfunction or by local stretching), the perturbation ensemble, each
//! fitted model's held-out forecast, a training PLRNN's current free run, the modal
//! forecasts and the time-series marker.

use super::{ChaosApp, ENSEMBLE_COLORS, SourceKind, bench, forecast_curve, modal_forecast};
use crate::render::{ColourBy, Curve};

impl ChaosApp {
    /// The curves of the live 3-D view this frame; `marker` is the time series' hovered
    /// point, drawn on top for the live system.
    pub(super) fn main_scene(&mut self, marker: Option<Curve>) -> Vec<Curve> {
        let is_map = self.live.system.kind() == crate::systems::Kind::Map;
        let (main_points, main_generation) = match self.source {
            SourceKind::System => (self.live.trail(), self.live.generation),
            SourceKind::Dataset => (self.data.points.clone(), self.data.generation),
        };
        let painted_model = self
            .eigen_paint
            .selected
            .and_then(|(c, _)| self.bench.cards.get(c)?.outcome())
            .map(|o| (o.model.as_ref(), o.id));
        let painted = self
            .eigen_paint
            .colours(painted_model, &main_points, main_generation);
        // Stretching colours the live orbit unless an eigenfunction is painted on it.
        let stretching = match (self.colour_by, self.source, &painted) {
            (ColourBy::Stretching, SourceKind::System, None) => {
                let trail = self.live.trail_stream();
                self.stretching_paint.colours(
                    &self.live.stretching(),
                    trail.points.len(),
                    trail.stream,
                    trail.appended,
                )
            }
            _ => None,
        };
        let mut curves = vec![match self.source {
            SourceKind::System => {
                let trail = self.live.trail_stream();
                Curve {
                    points: trail.points,
                    color: [0.35, 0.75, 1.0, 1.0],
                    generation: trail.stream,
                    appended: trail.appended,
                    fade: true,
                    dots: is_map,
                    colour_by: self.colour_by,
                    scalars: painted.clone().or(stretching),
                }
            }
            SourceKind::Dataset => Curve {
                points: self.data.points.clone(),
                color: [0.35, 0.75, 1.0, 1.0],
                // Offset so a dataset never shares a generation with the live trail.
                generation: self.data.generation + (1 << 40),
                appended: 0,
                fade: false,
                dots: false,
                colour_by: self.colour_by,
                scalars: painted.clone(),
            },
        }];
        if self.source == SourceKind::System {
            for (k, trail) in self.live.ensemble_trails().into_iter().enumerate() {
                curves.push(Curve {
                    points: trail.points,
                    color: ENSEMBLE_COLORS[k % ENSEMBLE_COLORS.len()],
                    generation: trail.stream,
                    appended: trail.appended,
                    fade: true,
                    dots: is_map,
                    colour_by: ColourBy::Solid,
                    scalars: None,
                });
            }
        }
        // While an eigenfunction is painted on the orbit, the forecasts (drawn on top)
        // are hidden so the colours can be seen.
        for (i, card) in self
            .bench
            .cards
            .iter()
            .enumerate()
            .filter(|_| painted.is_none())
        {
            if let Some(out) = card.outcome() {
                curves.push(forecast_curve(
                    out,
                    card.spec.color(),
                    is_map && self.source == SourceKind::System,
                ));
            }
            // A model that publishes its orbit while it trains (the PLRNN's free run).
            if let bench::FitStatus::Running(p) = &card.status
                && let Some((version, points)) = card.spec.live_orbit(p)
            {
                let [r, g, b] = card.spec.color();
                curves.push(Curve {
                    points,
                    color: [r, g, b, 255].map(|c| f32::from(c) / 255.0),
                    // Apart from outcome ids and ensemble trails.
                    generation: (1 << 48) + ((i as u64) << 32) + version,
                    appended: 0,
                    fade: false,
                    dots: false,
                    colour_by: ColourBy::Solid,
                    scalars: None,
                });
            }
        }
        for f in self.modal.forecasts.iter().filter(|_| painted.is_none()) {
            let Some(card) = self.bench.cards.get(f.card) else {
                continue;
            };
            let [r, g, b] = modal_forecast::lighter(card.spec.color());
            curves.push(Curve {
                points: f.points.clone(),
                color: [r, g, b, 255].map(|c| f32::from(c) / 255.0),
                generation: f.generation,
                appended: 0,
                fade: false,
                dots: is_map && self.source == SourceKind::System,
                colour_by: ColourBy::Solid,
                scalars: None,
            });
        }
        curves.extend(marker.filter(|_| self.source == SourceKind::System));
        curves
    }
}
