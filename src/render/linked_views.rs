//! Small multiples: several [`AttractorView`]s side by side sharing one camera, so the
//! truth and each model's attractor are seen from the same angle (Tufte's small
//! multiples; the compare view's "attractors side by side"). Turning, panning or
//! zooming any one of them moves all; a double-click frames them together on the
//! first scene.

use super::attractor_view::{AttractorView, Scene};
use super::camera::OrbitCamera;

/// A grid of views with one camera.
pub struct LinkedViews {
    first_id: u64,
    views: Vec<AttractorView>,
    /// The camera every view draws with.
    pub camera: OrbitCamera,
    /// Frame the camera on the first scene at the next draw.
    frame: bool,
}

impl LinkedViews {
    /// Views keyed `first_id`, `first_id + 1`, … for the renderer (keep the range
    /// apart from other views' ids).
    pub fn new(first_id: u64) -> Self {
        Self {
            first_id,
            views: Vec::new(),
            camera: OrbitCamera::default(),
            frame: true,
        }
    }

    /// A copy that draws what these views show now (same ids and camera) and never
    /// re-frames itself: for drawing them once more offscreen at a higher resolution.
    pub fn still_copy(&self) -> Self {
        Self {
            first_id: self.first_id,
            views: self.views.iter().map(AttractorView::still_copy).collect(),
            camera: self.camera,
            frame: false,
        }
    }

    /// Frame the shared camera on the first scene at the next draw.
    pub fn request_frame(&mut self) {
        self.frame = true;
    }

    /// Draws `scenes` with their titles in a grid of `columns`, each cell
    /// `cell` points in size.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        scenes: &[(String, Scene)],
        columns: usize,
        cell: egui::Vec2,
    ) {
        while self.views.len() < scenes.len() {
            let mut view = AttractorView::new(self.first_id + self.views.len() as u64);
            view.unlink_framing();
            self.views.push(view);
        }
        self.views.truncate(scenes.len());
        if self.frame
            && let Some((lo, hi)) = scenes
                .first()
                .and_then(|(_, s)| self.views.first_mut().and_then(|v| v.bounds_of(s)))
        {
            self.camera
                .frame_for_aspect(lo, hi, cell.x / cell.y.max(1.0));
            self.frame = false;
        }
        for view in &mut self.views {
            view.camera = self.camera;
        }
        egui::Grid::new(("linked_views", self.first_id))
            .spacing(egui::vec2(6.0, 6.0))
            .show(ui, |ui| {
                for (k, ((title, scene), view)) in scenes.iter().zip(&mut self.views).enumerate() {
                    ui.vertical(|ui| {
                        ui.label(egui::RichText::new(title).small());
                        ui.allocate_ui(cell, |ui| view.ui(ui, scene));
                    });
                    if (k + 1) % columns.max(1) == 0 {
                        ui.end_row();
                    }
                }
            });
        // Every view's request is cleared, whichever asked.
        if self
            .views
            .iter_mut()
            .fold(false, |any, v| v.wants_frame() | any)
        {
            self.frame = true;
        }
        self.sync();
    }

    /// Adopts the camera of the first view the user moved and gives it to all.
    fn sync(&mut self) {
        if let Some(moved) = self
            .views
            .iter()
            .map(|v| v.camera)
            .find(|c| *c != self.camera)
        {
            self.camera = moved;
        }
        for view in &mut self.views {
            view.camera = self.camera;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_one_view_moves_them_all() {
        let mut linked = LinkedViews::new(100);
        for k in 0..3 {
            linked.views.push(AttractorView::new(100 + k));
        }
        linked.sync();
        assert!(linked.views.iter().all(|v| v.camera == linked.camera));
        // The user turns the second view.
        linked.views[1].camera.orbit(40.0, -10.0);
        let turned = linked.views[1].camera;
        assert_ne!(turned, linked.camera);
        linked.sync();
        assert_eq!(linked.camera, turned);
        assert!(linked.views.iter().all(|v| v.camera == turned));
        // Nothing moved: nothing changes.
        linked.sync();
        assert_eq!(linked.camera, turned);
    }
}
