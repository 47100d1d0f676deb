//! The 3-D attractor widget: an orbitable, depth-tested view of polylines.
//!
//! [`install`] registers the GPU pipelines once; each [`AttractorView`] then
//! draws a [`Scene`] every frame through an egui-wgpu paint callback. Without
//! the wgpu backend the view shows a short text note instead.

use std::cell::Cell;
use std::sync::Arc;

use eframe::egui;
use eframe::egui_wgpu;
use glam::Vec3;

use super::camera::{OrbitCamera, ZOOM_PER_POINT};
use super::colour::{ColourBy, ScalarColours};
use super::gpu::{BACKGROUND, Resources, SceneCallback, Vertex};

/// Text shown (and exposed to accessibility) when 3-D rendering is unavailable.
pub const NO_WGPU_NOTE: &str = "3-D view needs the wgpu backend";
/// Accessibility label of a working 3-D view.
pub const VIEW_LABEL: &str = "3-D attractor view";
/// Size used when the parent `Ui` offers unbounded space.
const FALLBACK_SIZE: egui::Vec2 = egui::vec2(480.0, 360.0);
/// Smallest size the view allocates, in points.
const MIN_SIZE: f32 = 32.0;
/// Axis gizmo length as a fraction of the data's largest extent.
const AXIS_FRACTION: f32 = 0.15;

thread_local! {
    /// Whether [`install`] succeeded on this thread (eframe creates and runs
    /// the app on one thread; each egui_kittest harness runs on its test's thread).
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

/// Whether [`install`] set up the pipelines for this thread's window.
pub(super) fn installed() -> bool {
    INSTALLED.get()
}

/// One polyline drawn in the 3-D view.
#[derive(Clone, Debug)]
pub struct Curve {
    /// Vertices in world coordinates, oldest first. Non-finite points are
    /// ignored for framing.
    pub points: Arc<Vec<[f32; 3]>>,
    /// Unmultiplied sRGB-gamma colour in 0..1, e.g. `Color32::to_normalized_gamma_f32()`.
    pub color: [f32; 4],
    /// Identifies the points: bump it whenever `points` is replaced by different
    /// points. A curve that only grows at its end (dropping its oldest points) keeps
    /// its generation and counts up `appended` instead; the renderer then uploads only
    /// the new points.
    pub generation: u64,
    /// How many points this curve's stream has received in all (`points` holds the
    /// newest `points.len()` of them); 0 for a curve that is replaced, not appended to.
    pub appended: u64,
    /// Fade from dim (oldest point) to full colour (newest) — a trail.
    pub fade: bool,
    /// Draw the points as dots, unconnected: a map's successive iterates are not
    /// neighbours, so joining them draws chords across the attractor.
    pub dots: bool,
    /// Solid `color`, or a colour map by time or speed (alpha from `color`).
    pub colour_by: ColourBy,
    /// Colours given point by point (an eigenfunction painted on the orbit); they
    /// replace `colour_by` when there is one per point.
    pub scalars: Option<ScalarColours>,
}

/// Everything a view draws this frame.
#[derive(Clone, Debug, Default)]
pub struct Scene {
    /// The polylines, drawn in order (fading ones after solid ones).
    pub curves: Vec<Curve>,
}

/// How much larger than the data the box is when the view follows a growing orbit.
const FOLLOW_MARGIN: f32 = 1.3;

/// Cached bounding box of one curve.
struct CachedBounds {
    generation: u64,
    appended: u64,
    len: usize,
    bounds: Option<(Vec3, Vec3)>,
}

/// An orbitable 3-D view of a [`Scene`]; keep one per on-screen view.
pub struct AttractorView {
    id: u64,
    /// The camera; change it freely between frames.
    pub camera: OrbitCamera,
    /// Frame the camera on the data as soon as there is some.
    auto_frame: bool,
    /// Until the user moves the camera, re-frame whenever the data grow out of the
    /// framed box (a live orbit starts as a dot and fills its attractor).
    follow: bool,
    /// The box the camera was last framed on.
    framed: Option<(Vec3, Vec3)>,
    bounds: Vec<CachedBounds>,
    /// Part of a [`super::LinkedViews`] group: a double-click is passed to the group.
    linked: bool,
    /// A double-click asked the group to frame.
    frame_requested: bool,
}

/// Registers pipelines in the wgpu renderer's callback resources; call once
/// from the app's creation context (`cc.wgpu_render_state.as_ref()`).
/// Returns false (and views then show a plain text note instead of 3-D) when
/// there is no wgpu render state or the pipelines fail validation.
pub fn install(render_state: Option<&egui_wgpu::RenderState>) -> bool {
    let Some(render_state) = render_state else {
        INSTALLED.set(false);
        return false;
    };
    let installed = install_into(
        &mut render_state.renderer.write().callback_resources,
        render_state,
    );
    INSTALLED.set(installed);
    installed
}

/// Registers the pipelines in another egui-wgpu renderer's `resources` (an offscreen
/// renderer drawing into a texture of `render_state.target_format` on the same device),
/// so paint callbacks of [`AttractorView`]s draw there too. Returns false when the
/// pipelines fail validation (the views then draw nothing in that renderer).
pub fn install_into(
    resources: &mut egui_wgpu::CallbackResources,
    render_state: &egui_wgpu::RenderState,
) -> bool {
    let scope = render_state
        .device
        .push_error_scope(egui_wgpu::wgpu::ErrorFilter::Validation);
    let built = Resources::new(render_state);
    let images = super::image::Images::new(render_state);
    // Native wgpu resolves error scopes immediately, so one poll suffices.
    let mut pending = std::pin::pin!(scope.pop());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    if let std::task::Poll::Ready(Some(error)) = pending.as_mut().poll(&mut cx) {
        eprintln!("chaoslab: 3-D view disabled, pipeline creation failed: {error}");
        return false;
    }
    resources.insert(built);
    resources.insert(images);
    true
}

fn curve_bounds(points: &[[f32; 3]]) -> Option<(Vec3, Vec3)> {
    points
        .iter()
        .map(|&p| Vec3::from_array(p))
        .filter(|p| p.is_finite())
        .fold(None, |acc, p| match acc {
            None => Some((p, p)),
            Some((lo, hi)) => Some((lo.min(p), hi.max(p))),
        })
}

/// Three 2-vertex segments along +x, +y, +z at `min` (coloured red, green, blue by
/// the renderer).
fn axis_vertices(bounds: Option<(Vec3, Vec3)>) -> Vec<Vertex> {
    let Some((min, max)) = bounds else {
        return Vec::new();
    };
    let length = AXIS_FRACTION * (max - min).max_element();
    if !(length.is_finite() && length > 0.0) {
        return Vec::new();
    }
    [Vec3::X, Vec3::Y, Vec3::Z]
        .iter()
        .flat_map(|&dir| {
            [min, min + length * dir].map(|p| Vertex {
                pos: p.to_array(),
                value: 0.0,
            })
        })
        .collect()
}

impl AttractorView {
    /// A view whose GPU objects are keyed by `id`; give each simultaneously
    /// visible view a distinct id.
    pub fn new(id: u64) -> Self {
        Self {
            id,
            camera: OrbitCamera::default(),
            auto_frame: true,
            follow: true,
            framed: None,
            bounds: Vec::new(),
            linked: false,
            frame_requested: false,
        }
    }

    /// A copy that draws what this view shows now (same id and camera) and never
    /// re-frames itself: for drawing the view once more elsewhere, e.g. offscreen at a
    /// higher resolution for export.
    pub fn still_copy(&self) -> Self {
        Self {
            camera: self.camera,
            auto_frame: false,
            follow: false,
            ..Self::new(self.id)
        }
    }

    /// Frame the camera on the scene's bounding box on the next call to ui.
    pub fn request_frame(&mut self) {
        self.auto_frame = true;
        self.follow = true;
    }

    /// Stop framing on its own: a view in [`super::LinkedViews`] takes the shared
    /// camera, and a double-click asks the group to frame instead
    /// ([`AttractorView::wants_frame`]).
    pub(super) fn unlink_framing(&mut self) {
        self.auto_frame = false;
        self.follow = false;
        self.linked = true;
    }

    /// Whether a double-click asked to frame the data since the last draw (linked
    /// views only); clears the request.
    pub(super) fn wants_frame(&mut self) -> bool {
        std::mem::take(&mut self.frame_requested)
    }

    /// Bounding box of `scene`'s finite points (cached per curve).
    pub(super) fn bounds_of(&mut self, scene: &Scene) -> Option<(Vec3, Vec3)> {
        self.scene_bounds(scene)
    }

    /// Bounding box of all finite points, recomputed only for changed curves.
    fn scene_bounds(&mut self, scene: &Scene) -> Option<(Vec3, Vec3)> {
        self.bounds.truncate(scene.curves.len());
        let mut total: Option<(Vec3, Vec3)> = None;
        for (i, curve) in scene.curves.iter().enumerate() {
            let fresh = |c: &Curve| CachedBounds {
                generation: c.generation,
                appended: c.appended,
                len: c.points.len(),
                bounds: curve_bounds(&c.points),
            };
            match self.bounds.get_mut(i) {
                Some(cached)
                    if cached.generation == curve.generation
                        && cached.appended == curve.appended
                        && cached.len == curve.points.len() => {}
                Some(cached) => *cached = fresh(curve),
                None => self.bounds.push(fresh(curve)),
            }
            if let Some((lo, hi)) = self.bounds[i].bounds {
                total = Some(total.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
            }
        }
        total
    }

    fn handle_input(&mut self, ui: &egui::Ui, response: &egui::Response) {
        if response.dragged_by(egui::PointerButton::Primary) {
            let d = response.drag_motion();
            self.camera.orbit(d.x, d.y);
        }
        if response.dragged_by(egui::PointerButton::Secondary)
            || response.dragged_by(egui::PointerButton::Middle)
        {
            let d = response.drag_delta();
            self.camera.pan(d.x, d.y);
        }
        if response.dragged() {
            self.follow = false;
        }
        if response.double_clicked() && self.linked {
            self.frame_requested = true;
        } else if response.double_clicked() {
            self.request_frame();
        }
        if response.hovered() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
            let mut amount = scroll;
            if zoom.is_finite() && zoom > 0.0 && zoom != 1.0 {
                amount += zoom.ln() / ZOOM_PER_POINT;
            }
            if amount != 0.0 {
                self.follow = false;
                self.camera.zoom(amount);
                ui.ctx().input_mut(|i| i.smooth_scroll_delta.y = 0.0);
            }
            let icon = if response.dragged() {
                egui::CursorIcon::Grabbing
            } else {
                egui::CursorIcon::Grab
            };
            ui.ctx().set_cursor_icon(icon);
        }
    }

    /// Draws the scene into the remaining space of `ui` (wrap the call in
    /// `ui.allocate_ui(size, ..)` for a fixed size), handles drag=orbit,
    /// right- or middle-drag=pan, scroll/pinch=zoom, double-click=frame the data.
    pub fn ui(&mut self, ui: &mut egui::Ui, scene: &Scene) {
        let available = ui.available_size();
        let size = if available.is_finite() {
            available
        } else {
            FALLBACK_SIZE
        };
        let size = size.max(egui::Vec2::splat(MIN_SIZE));
        let (rect, response) = ui.allocate_exact_size(size, egui::Sense::click_and_drag());
        let installed = INSTALLED.get();
        let label = if installed { VIEW_LABEL } else { NO_WGPU_NOTE };
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, label));

        let bounds = self.scene_bounds(scene);
        self.handle_input(ui, &response);
        if let Some((min, max)) = bounds {
            let outgrown = self
                .framed
                .is_none_or(|(lo, hi)| min.cmplt(lo).any() || max.cmpgt(hi).any());
            if self.auto_frame {
                self.camera.frame_for_aspect(min, max, rect.aspect_ratio());
                self.framed = Some((min, max));
                self.auto_frame = false;
            } else if self.follow && outgrown {
                // Frame a box a little larger than the data so a growing orbit
                // does not re-frame on every frame.
                let (centre, half) = ((min + max) * 0.5, (max - min) * 0.5 * FOLLOW_MARGIN);
                self.camera
                    .frame_for_aspect(centre - half, centre + half, rect.aspect_ratio());
                self.framed = Some((centre - half, centre + half));
            }
        }
        if !ui.is_rect_visible(rect) {
            return;
        }
        let [r, g, b] = BACKGROUND.map(|c| (c * 255.0).round() as u8);
        let background = egui::Color32::from_rgb(r, g, b);
        if !installed {
            let painter = ui.painter_at(rect);
            painter.rect_filled(rect, 0.0, background);
            let font = egui::FontId::proportional(14.0);
            let color = egui::Color32::from_gray(170);
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                NO_WGPU_NOTE,
                font,
                color,
            );
            return;
        }

        // egui rounds each edge to whole pixels the same way when it sets the viewport.
        let ppp = ui.ctx().pixels_per_point();
        let min_px = (rect.min.to_vec2() * ppp).round();
        let size_px = (rect.max.to_vec2() * ppp).round() - min_px;
        if size_px.x < 1.0 || size_px.y < 1.0 {
            return;
        }
        let callback = SceneCallback {
            view_id: self.id,
            view_proj: self.camera.view_proj(size_px.x / size_px.y).to_cols_array(),
            origin_px: [min_px.x, min_px.y],
            size_px: [size_px.x as u32, size_px.y as u32],
            curves: scene.curves.clone(),
            axes: axis_vertices(bounds),
        };
        ui.painter()
            .add(egui_wgpu::Callback::new_paint_callback(rect, callback));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_skip_non_finite_points() {
        let pts = [
            [1.0, 2.0, 3.0],
            [f32::NAN, 0.0, 0.0],
            [-1.0, 5.0, f32::INFINITY],
            [0.0, -2.0, 1.0],
        ];
        let (lo, hi) = curve_bounds(&pts).expect("two finite points");
        assert_eq!(lo, Vec3::new(0.0, -2.0, 1.0));
        assert_eq!(hi, Vec3::new(1.0, 2.0, 3.0));
        assert!(curve_bounds(&[]).is_none());
    }

    #[test]
    fn axes_have_three_segments() {
        let axes = axis_vertices(Some((Vec3::ZERO, Vec3::new(10.0, 20.0, 40.0))));
        assert_eq!(axes.len(), 6);
        assert_eq!(axes[0].pos, [0.0; 3]);
        assert_eq!(axes[5].pos, [0.0, 0.0, 6.0]);
        assert!(axis_vertices(Some((Vec3::ONE, Vec3::ONE))).is_empty());
        assert!(axis_vertices(None).is_empty());
    }

    #[test]
    fn bounds_cache_follows_generation() {
        let mut view = AttractorView::new(7);
        let mut scene = Scene {
            curves: vec![Curve {
                points: Arc::new(vec![[0.0; 3], [1.0; 3]]),
                color: [1.0; 4],
                generation: 1,
                appended: 0,
                fade: false,
                dots: false,
                colour_by: ColourBy::Solid,
                scalars: None,
            }],
        };
        assert_eq!(view.scene_bounds(&scene), Some((Vec3::ZERO, Vec3::ONE)));
        scene.curves[0].points = Arc::new(vec![[0.0; 3], [2.0; 3]]);
        scene.curves[0].generation = 2;
        assert_eq!(
            view.scene_bounds(&scene),
            Some((Vec3::ZERO, Vec3::splat(2.0)))
        );
        scene.curves.clear();
        assert_eq!(view.scene_bounds(&scene), None);
    }
}
