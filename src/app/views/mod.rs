//! Extra views of the live orbit, each in its own window, closed by default: the time
//! series (hovering a time marks that point on the attractor), a 2-D projection, the
//! Poincaré section filling in as the orbit runs, the power spectrum, the orbit
//! (bifurcation) diagram computed in the background, and the fitted models' attractors
//! side by side. A "Views" toggle in the left panel opens them;
//! a frame-time label for the 3-D view is toggled there too.

pub mod orbit_density;
pub mod orbit_diagram;
pub mod poincare;
pub mod power_spectrum;
pub mod projection;
pub mod side_by_side;
pub mod time_series;

pub use orbit_diagram::RunRequest;

use std::sync::Arc;

use egui::Ui;

use super::live::LiveSimulation;
use crate::jobs::Waker;
use crate::render::Curve;

/// Colour of the hovered-time marker in the 3-D view.
const MARKER_COLOR: [f32; 4] = [1.0, 0.95, 0.2, 1.0];

/// The view names a preset's `"views"` list may hold.
pub const VIEW_NAMES: [&str; 7] = [
    "time_series",
    "projection",
    "side_by_side",
    "poincare",
    "spectrum",
    "orbit_diagram",
    "frame_time",
];

/// The views and their toggles.
#[derive(Default)]
pub struct Views {
    /// Show the toggles in the left panel.
    pub menu_open: bool,
    /// Coordinates against time.
    pub time_series: time_series::TimeSeriesView,
    /// The orbit projected on two coordinates.
    pub projection: projection::ProjectionView,
    /// Crossings through a plane.
    pub poincare: poincare::PoincareView,
    /// Power spectrum of one coordinate.
    pub spectrum: power_spectrum::SpectrumView,
    /// Orbit diagram over a parameter range.
    pub orbit: orbit_diagram::OrbitDiagramView,
    /// The truth and every model's free run, with one camera.
    pub side_by_side: side_by_side::SideBySideView,
    /// Draw the frame time in the 3-D view's corner.
    pub frame_time: bool,
    frame_ms: f64,
}

impl Views {
    /// The "Views" toggle and, when open, one toggle per view.
    pub fn toggle_ui(&mut self, ui: &mut Ui) {
        ui.toggle_value(&mut self.menu_open, "Views").on_hover_text(
            "Time series, Poincaré section, power spectrum, orbit diagram, attractors side by side",
        );
        if self.menu_open {
            ui.indent("views_menu", |ui| {
                ui.checkbox(&mut self.time_series.open, "Time series");
                ui.checkbox(&mut self.projection.open, "2-D projection");
                ui.checkbox(&mut self.poincare.open, "Poincaré section");
                ui.checkbox(&mut self.spectrum.open, "Power spectrum");
                ui.checkbox(&mut self.orbit.open, "Orbit diagram");
                ui.checkbox(&mut self.side_by_side.open, "Attractors side by side");
                ui.checkbox(&mut self.frame_time, "Frame time");
            });
        }
    }

    /// Opens the views a preset names (`time_series`, `poincare`, `spectrum`,
    /// `orbit_diagram`, `frame_time`); an orbit diagram named there starts computing.
    pub fn open_named(&mut self, names: &[String], orbit: RunRequest) {
        for name in names {
            match name.as_str() {
                "time_series" => self.time_series.open = true,
                "projection" => self.projection.open = true,
                "poincare" => self.poincare.open = true,
                "spectrum" => self.spectrum.open = true,
                "orbit_diagram" => {
                    self.orbit.open = true;
                    self.orbit.request_run(orbit.clone());
                }
                "frame_time" => self.frame_time = true,
                "side_by_side" => self.side_by_side.open = true,
                _ => {}
            }
        }
    }

    /// True while the orbit diagram computes.
    pub fn busy(&self) -> bool {
        self.orbit.busy()
    }

    /// Whether a window that follows the live orbit is open (time series, projection,
    /// Poincaré section, spectrum).
    pub fn follows_the_orbit(&self) -> bool {
        self.time_series.open || self.projection.open || self.poincare.open || self.spectrum.open
    }

    /// Draws the open views of `live`; returns the marker curve for the 3-D view while
    /// a time is hovered in the time series.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        live: &LiveSimulation,
        waker: Option<Waker>,
    ) -> Option<Curve> {
        self.projection.show(ctx, live);
        self.poincare.update(live);
        self.poincare.show(ctx, live);
        self.spectrum.show(ctx, live);
        self.orbit.show(ctx, &live.system, live.state(), waker);
        let marked = self.time_series.show(ctx, live)?;
        Some(marker_curve(marked, &live.trail()))
    }

    /// The open view windows by name with where they were drawn (for PNG export).
    pub fn plot_rects(&self) -> Vec<(String, egui::Rect)> {
        [
            ("Time series", self.time_series.rect),
            ("2-D projection", self.projection.rect),
            ("Poincaré section", self.poincare.rect),
            ("Power spectrum", self.spectrum.rect),
            ("Orbit diagram", self.orbit.rect),
            ("Attractors side by side", self.side_by_side.rect),
        ]
        .into_iter()
        .filter_map(|(name, rect)| Some((name.to_string(), rect?)))
        .collect()
    }

    /// The frame-time label in the corner of `rect` (the 3-D view), when toggled on.
    pub fn overlay(&mut self, ui: &Ui, rect: egui::Rect) {
        if !self.frame_time {
            return;
        }
        let dt = ui.input(|i| f64::from(i.unstable_dt)) * 1e3;
        // A short exponential average, so the number is readable.
        self.frame_ms = if self.frame_ms > 0.0 {
            0.9 * self.frame_ms + 0.1 * dt
        } else {
            dt
        };
        ui.painter().text(
            rect.right_top() + egui::vec2(-8.0, 8.0),
            egui::Align2::RIGHT_TOP,
            format!("{:.1} ms/frame", self.frame_ms),
            egui::FontId::monospace(12.0),
            egui::Color32::from_gray(200),
        );
    }
}

/// Times of the trail's points: the newest at `live.last_sample_time()`, `dt` apart.
pub(crate) fn trail_time(live: &LiveSimulation, len: usize, i: usize) -> f64 {
    live.last_sample_time() - (len - 1 - i) as f64 * live.dt
}

/// Names of the trail's three drawn coordinates.
pub(crate) fn coordinate_names(live: &LiveSimulation) -> Vec<String> {
    let mut names: Vec<String> = live
        .system
        .observed_names()
        .iter()
        .take(3)
        .cloned()
        .collect();
    while names.len() < 3 {
        names.push(format!("x{}", names.len() + 1));
    }
    names
}

/// A small three-axis star at `p`, sized to 3 % of the trail's bounding box: visible
/// as a marker where a single dot would be one pixel.
fn marker_curve(p: [f32; 3], trail: &[[f32; 3]]) -> Curve {
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for q in trail {
        for j in 0..3 {
            lo[j] = lo[j].min(q[j]);
            hi[j] = hi[j].max(q[j]);
        }
    }
    let size = (0..3).map(|j| hi[j] - lo[j]).fold(0.0f32, f32::max);
    let r = if size.is_finite() && size > 0.0 {
        0.03 * size
    } else {
        0.1
    };
    let mut points = Vec::with_capacity(9);
    for j in 0..3 {
        let (mut a, mut b) = (p, p);
        a[j] -= r;
        b[j] += r;
        points.extend([a, b, p]);
    }
    Curve {
        points: Arc::new(points),
        color: MARKER_COLOR,
        // Its own generation space, keyed to the point so the renderer re-uploads it.
        generation: (7 << 40) + u64::from(p[0].to_bits() ^ p[1].to_bits() ^ p[2].to_bits()),
        appended: 0,
        fade: false,
        dots: false,
        colour_by: crate::render::ColourBy::Solid,
        scalars: None,
    }
}
