//! The time-series window: the live orbit's drawn coordinates against time over the
//! last few periods. Hovering a time marks the orbit's point at that time in the 3-D
//! view (the window returns it; the app draws the marker); a click pins the mark.

use egui::Color32;
use egui_plot::{Legend, Line, PlotPoints, Points, VLine};

use super::{coordinate_names, trail_time};
use crate::app::live::LiveSimulation;
use crate::systems::Kind;

/// Line colours of the three coordinates.
const COLORS: [Color32; 3] = [
    Color32::from_rgb(90, 190, 255),
    Color32::from_rgb(255, 170, 80),
    Color32::from_rgb(140, 230, 120),
];

/// State of the time-series window.
pub struct TimeSeriesView {
    /// Window shown.
    pub open: bool,
    /// Where the window was drawn last frame (`None` while closed), for PNG export.
    pub rect: Option<egui::Rect>,
    /// Span shown: dominant periods (iterations for maps).
    pub periods: f64,
    /// Which of the three coordinates are drawn.
    pub shown: [bool; 3],
    /// The time under the pointer last frame, if any.
    pub hovered: Option<f64>,
    /// A time pinned by a click (marked while nothing is hovered).
    pub pinned: Option<f64>,
}

impl Default for TimeSeriesView {
    fn default() -> Self {
        TimeSeriesView {
            open: false,
            rect: None,
            periods: 10.0,
            shown: [true; 3],
            hovered: None,
            pinned: None,
        }
    }
}

impl TimeSeriesView {
    /// Draws the window; returns the hovered point of the trail (in drawn coordinates).
    pub fn show(&mut self, ctx: &egui::Context, live: &LiveSimulation) -> Option<[f32; 3]> {
        if !self.open {
            self.rect = None;
            self.hovered = None;
            return None;
        }
        let mut open = self.open;
        let shown = crate::app::theme::show_window(
            ctx,
            "Time series",
            egui::Window::new("Time series")
                .open(&mut open)
                .default_size([470.0, 230.0])
                .default_pos([275.0, 20.0]),
            |ui| self.ui(ui, live),
        );
        self.rect = shown.map(|r| r.response.rect);
        self.open = open;
        self.marked_point(live)
    }

    /// The trail's point at the hovered (else the pinned) time, if it is still in the
    /// trail.
    pub fn marked_point(&self, live: &LiveSimulation) -> Option<[f32; 3]> {
        let t = self.hovered.or(self.pinned)?;
        let trail = live.trail();
        let n = trail.len();
        if n == 0 {
            return None;
        }
        let k = (t - trail_time(live, n, 0)) / live.dt;
        (-0.5..=(n as f64 - 0.5))
            .contains(&k)
            .then(|| trail[(k.round().max(0.0) as usize).min(n - 1)])
    }

    fn ui(&mut self, ui: &mut egui::Ui, live: &LiveSimulation) {
        let map = live.system.kind() == Kind::Map;
        let names = coordinate_names(live);
        ui.horizontal(|ui| {
            let l = ui.label(if map {
                "iterations shown"
            } else {
                "periods shown"
            });
            let range = if map { 10.0..=20_000.0 } else { 1.0..=200.0 };
            ui.add(egui::DragValue::new(&mut self.periods).range(range))
                .labelled_by(l.id);
            for (j, name) in names.iter().enumerate() {
                ui.checkbox(&mut self.shown[j], name.as_str());
            }
        });
        ui.small("hover: mark that time on the attractor; click: pin the mark");
        let trail = live.trail();
        let n = trail.len();
        if n < 2 {
            ui.label("The orbit has no samples yet.");
            return;
        }
        let span = self.periods * live.system.info().period;
        let take = ((span / live.dt).ceil() as usize).clamp(2, n);
        let first = n - take;
        let time = |i: usize| trail_time(live, n, i);
        let response = crate::app::theme::plot("time_series")
            .legend(Legend::default())
            .x_axis_label(if map { "iteration" } else { "time" })
            .allow_scroll(false)
            .show(ui, |plot| {
                for j in (0..3).filter(|&j| self.shown[j]) {
                    let pts: PlotPoints = (first..n)
                        .map(|i| [time(i), f64::from(trail[i][j])])
                        .collect();
                    if map {
                        plot.points(
                            Points::new(names[j].clone(), pts)
                                .color(COLORS[j])
                                .radius(1.5),
                        );
                    } else {
                        plot.line(Line::new(names[j].clone(), pts).color(COLORS[j]));
                    }
                }
                if let Some(t) = self.hovered.or(self.pinned) {
                    plot.vline(VLine::new("marked", t).color(Color32::YELLOW));
                }
                plot.pointer_coordinate().map(|p| p.x)
            });
        self.hovered = response
            .inner
            .filter(|_| response.response.hovered())
            .filter(|t| (time(first)..=time(n - 1)).contains(t));
        if response.response.clicked() {
            self.pinned = self.hovered;
        }
    }
}
