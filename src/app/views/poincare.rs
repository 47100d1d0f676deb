//! The Poincaré-section window: the live orbit's crossings of a coordinate plane
//! (`z = 27` for Lorenz by default: the plane through the orbit's mean), accumulating as
//! the orbit runs. Crossings are located by linear interpolation between the trail's
//! samples ([`SectionTracker`]); the core's [`crate::eval::poincare`] does the same on
//! the dense output for exact sections.

use egui::Color32;
use egui_plot::{PlotPoints, Points};

use super::{coordinate_names, trail_time};
use crate::app::live::LiveSimulation;
use crate::eval::poincare::{Direction, Plane, SectionTracker};
use crate::systems::Kind;

/// At most this many crossings are kept (oldest dropped first).
const MAX_CROSSINGS: usize = 50_000;

/// State of the Poincaré window.
pub struct PoincareView {
    /// Window shown.
    pub open: bool,
    /// Where the window was drawn last frame (`None` while closed), for PNG export.
    pub rect: Option<egui::Rect>,
    /// The coordinate held fixed (0..3 of the drawn coordinates).
    pub coordinate: usize,
    /// Its value on the plane; `None` until set from the orbit's mean.
    pub value: Option<f64>,
    /// Which crossings count.
    pub direction: Direction,
    crossings: Vec<[f64; 2]>,
    tracker: Option<SectionTracker>,
    /// Time of the last trail sample processed.
    last_t: f64,
    /// The system name and parameters the crossings belong to.
    key: (String, Vec<f64>),
}

impl Default for PoincareView {
    fn default() -> Self {
        PoincareView {
            open: false,
            rect: None,
            coordinate: 2,
            value: None,
            direction: Direction::Increasing,
            crossings: Vec::new(),
            tracker: None,
            last_t: f64::NEG_INFINITY,
            key: Default::default(),
        }
    }
}

impl PoincareView {
    /// The crossings so far, in the plane's two in-plane coordinates.
    pub fn crossings(&self) -> &[[f64; 2]] {
        &self.crossings
    }

    /// Clears the crossings; the next update starts again from the whole trail.
    pub fn restart(&mut self) {
        self.crossings.clear();
        self.tracker = None;
        self.last_t = f64::NEG_INFINITY;
    }

    /// Feeds the trail's new samples (while the window is open).
    pub fn update(&mut self, live: &LiveSimulation) {
        if !self.open || live.system.kind() == Kind::Map {
            return;
        }
        let key = (
            live.system.name().to_string(),
            live.system.params().to_vec(),
        );
        // Systems with fewer than three drawn coordinates: hold the last one fixed.
        self.coordinate = self
            .coordinate
            .min(live.system.observed_dim().clamp(1, 3) - 1);
        let t_now = live.last_sample_time();
        if key != self.key || t_now < self.last_t {
            // A new system, new parameters or a reset: a different orbit.
            self.key = key;
            self.restart();
        }
        let trail = live.trail();
        let n = trail.len();
        if n < 2 {
            return;
        }
        let value = *self.value.get_or_insert_with(|| {
            trail
                .iter()
                .map(|p| f64::from(p[self.coordinate]))
                .sum::<f64>()
                / n as f64
        });
        let tracker = match &mut self.tracker {
            Some(t) => t,
            None => match Plane::coordinate(3, self.coordinate, value, self.direction) {
                Ok(plane) => self.tracker.insert(SectionTracker::new(plane)),
                Err(_) => return,
            },
        };
        for (i, p) in trail.iter().enumerate() {
            let t = trail_time(live, n, i);
            if t <= self.last_t + 0.5 * live.dt {
                continue;
            }
            let x = p.map(f64::from);
            if let Some(c) = tracker.push(t, &x) {
                self.crossings.push([c.coords[0], c.coords[1]]);
            }
        }
        self.last_t = t_now;
        if self.crossings.len() > MAX_CROSSINGS {
            self.crossings.drain(..MAX_CROSSINGS / 10);
        }
    }

    /// Draws the window.
    pub fn show(&mut self, ctx: &egui::Context, live: &LiveSimulation) {
        if !self.open {
            self.rect = None;
            return;
        }
        let mut open = self.open;
        let shown = crate::app::theme::show_window(
            ctx,
            "Poincaré section",
            egui::Window::new("Poincaré section")
                .open(&mut open)
                .default_size([290.0, 320.0])
                .default_pos([775.0, 36.0]),
            |ui| self.ui(ui, live),
        );
        self.rect = shown.map(|r| r.response.rect);
        self.open = open;
    }

    fn ui(&mut self, ui: &mut egui::Ui, live: &LiveSimulation) {
        if live.system.kind() == Kind::Map {
            ui.label("A map's iterates already are a section: the 3-D view shows them as dots.");
            return;
        }
        let names = coordinate_names(live);
        let before = (self.coordinate, self.value, self.direction);
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("poincare_coordinate")
                .selected_text(names[self.coordinate].as_str())
                .width(50.0)
                .show_ui(ui, |ui| {
                    for (j, name) in names.iter().enumerate() {
                        ui.selectable_value(&mut self.coordinate, j, name.as_str());
                    }
                });
            let l = ui.label("=");
            let mut v = self.value.unwrap_or(0.0);
            if ui
                .add(egui::DragValue::new(&mut v).speed(0.1).max_decimals(3))
                .labelled_by(l.id)
                .changed()
            {
                self.value = Some(v);
            }
            if ui
                .button("Mean")
                .on_hover_text("The plane through the orbit's mean")
                .clicked()
            {
                self.value = None;
            }
        });
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.direction, Direction::Increasing, "upward");
            ui.selectable_value(&mut self.direction, Direction::Decreasing, "downward");
            ui.selectable_value(&mut self.direction, Direction::Both, "both");
            if ui.button("Clear").clicked() {
                self.restart();
            }
        });
        if before != (self.coordinate, self.value, self.direction) {
            self.restart();
        }
        let (a, b) = other_two(self.coordinate);
        ui.label(format!("{} crossings", self.crossings.len()));
        crate::app::theme::plot("poincare_section")
            .x_axis_label(names[a].as_str())
            .y_axis_label(names[b].as_str())
            .data_aspect(1.0)
            .allow_scroll(false)
            .show(ui, |plot| {
                let pts: PlotPoints = self.crossings.iter().copied().collect();
                plot.points(
                    Points::new("crossings", pts)
                        .color(Color32::from_rgb(90, 190, 255))
                        .radius(1.5),
                );
            });
    }
}

/// The in-plane coordinates of the plane `x_k = c` in 3-D, in order.
fn other_two(k: usize) -> (usize, usize) {
    match k {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    }
}
