//! Orbit camera for the 3-D attractor view.
//!
//! The world is z-up (the usual convention for the Lorenz attractor). The
//! camera sits on a sphere of radius `distance` around `target`, at azimuth
//! `yaw` (around +z, measured from +x) and elevation `pitch` (above the x-y
//! plane). Projections are right-handed with depth in `0..1`, as wgpu wants.

use glam::{Mat4, Vec3};

/// Radians of yaw/pitch per point of mouse drag.
pub const ORBIT_RADIANS_PER_POINT: f32 = 0.008;
/// Fraction of `distance` the target moves per point of pan drag.
pub const PAN_FRACTION_PER_POINT: f32 = 0.0015;
/// Zoom rate: `distance` is multiplied by `exp(-scroll * ZOOM_PER_POINT)`.
pub const ZOOM_PER_POINT: f32 = 0.0025;
/// Smallest allowed camera distance.
pub const MIN_DISTANCE: f32 = 1e-3;
/// Largest allowed camera distance.
pub const MAX_DISTANCE: f32 = 1e6;
/// Largest allowed |pitch|: just short of the pole, where `look_at` flips.
pub const MAX_PITCH: f32 = std::f32::consts::FRAC_PI_2 - 0.01;

/// Near plane as a fraction of `distance`.
const NEAR_FRACTION: f32 = 1e-3;
/// Far plane as a multiple of `distance`.
const FAR_FACTOR: f32 = 1e3;
/// Extra room around a framed bounding sphere.
const FRAME_MARGIN: f32 = 1.1;

/// A camera orbiting a target point; see the module docs for conventions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrbitCamera {
    /// Azimuth around the world z axis, radians, from +x towards +y.
    pub yaw: f32,
    /// Elevation above the x-y plane, radians, clamped to ±[`MAX_PITCH`].
    pub pitch: f32,
    /// Distance from the eye to `target`, clamped to [`MIN_DISTANCE`]..[`MAX_DISTANCE`].
    pub distance: f32,
    /// The point the camera looks at and orbits around.
    pub target: Vec3,
    /// Vertical field of view, radians.
    pub fov_y: f32,
}

impl Default for OrbitCamera {
    fn default() -> Self {
        Self {
            yaw: -std::f32::consts::FRAC_PI_4,
            pitch: 0.35,
            distance: 5.0,
            target: Vec3::ZERO,
            fov_y: 45f32.to_radians(),
        }
    }
}

impl OrbitCamera {
    /// Unit vector from the target towards the eye.
    fn back(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        Vec3::new(cp * cy, cp * sy, sp)
    }

    /// World-space position of the eye.
    pub fn eye(&self) -> Vec3 {
        self.target + self.distance * self.back()
    }

    /// World-to-clip matrix for a viewport of the given width/height ratio.
    ///
    /// Near and far planes scale with `distance`, so anything within a
    /// thousand `distance`s of the eye (and not nearer than a thousandth) is kept.
    pub fn view_proj(&self, aspect: f32) -> Mat4 {
        let aspect = if aspect.is_finite() && aspect > 0.0 {
            aspect
        } else {
            1.0
        };
        let distance = self.distance.clamp(MIN_DISTANCE, MAX_DISTANCE);
        let view = Mat4::look_at_rh(self.target + distance * self.back(), self.target, Vec3::Z);
        let proj = Mat4::perspective_rh(
            self.fov_y,
            aspect,
            distance * NEAR_FRACTION,
            distance * FAR_FACTOR,
        );
        proj * view
    }

    /// Rotates the camera by a mouse drag of `(dx, dy)` points.
    ///
    /// Dragging right turns the scene right; dragging down raises the eye.
    /// Pitch is clamped short of the poles; yaw wraps into `-π..π`.
    pub fn orbit(&mut self, dx: f32, dy: f32) {
        use std::f32::consts::{PI, TAU};
        self.yaw = (self.yaw - dx * ORBIT_RADIANS_PER_POINT + PI).rem_euclid(TAU) - PI;
        self.pitch = (self.pitch + dy * ORBIT_RADIANS_PER_POINT).clamp(-MAX_PITCH, MAX_PITCH);
    }

    /// Moves the target in the view plane by a drag of `(dx, dy)` points,
    /// so the content follows the mouse.
    pub fn pan(&mut self, dx: f32, dy: f32) {
        let back = self.back();
        let right = Vec3::Z.cross(back).normalize_or_zero();
        let up = back.cross(right);
        let step = self.distance * PAN_FRACTION_PER_POINT;
        self.target += (-dx * right + dy * up) * step;
    }

    /// Zooms by a scroll of `scroll_delta` points (positive = closer),
    /// multiplicatively, keeping `distance` within its clamps.
    pub fn zoom(&mut self, scroll_delta: f32) {
        let factor = (-scroll_delta * ZOOM_PER_POINT).exp();
        if factor.is_finite() {
            self.distance = (self.distance * factor).clamp(MIN_DISTANCE, MAX_DISTANCE);
        }
    }

    /// Centres on the box `min..max` and backs off until it fits a square viewport.
    pub fn frame(&mut self, min: Vec3, max: Vec3) {
        self.frame_for_aspect(min, max, 1.0);
    }

    /// Like [`Self::frame`], but fits the box into a viewport of the given
    /// width/height ratio (narrow viewports need a larger distance).
    /// Non-finite boxes are ignored.
    pub fn frame_for_aspect(&mut self, min: Vec3, max: Vec3, aspect: f32) {
        if !(min.is_finite() && max.is_finite()) {
            return;
        }
        let aspect = if aspect.is_finite() && aspect > 0.0 {
            aspect
        } else {
            1.0
        };
        let centre = 0.5 * (min + max);
        let radius = (0.5 * (max - min).abs().length()).max(MIN_DISTANCE);
        let half_y = 0.5 * self.fov_y;
        let half_x = (half_y.tan() * aspect).atan();
        let half = half_y.min(half_x);
        // A sphere of radius r seen from d subtends asin(r/d).
        let distance = FRAME_MARGIN * radius / half.sin();
        self.target = centre;
        self.distance = distance.clamp(MIN_DISTANCE, MAX_DISTANCE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::Vec4;

    fn ndc(m: Mat4, p: Vec3) -> Vec3 {
        let c = m * Vec4::new(p.x, p.y, p.z, 1.0);
        assert!(c.w > 0.0, "point behind the camera");
        c.truncate() / c.w
    }

    #[test]
    fn target_projects_to_centre() {
        let cam = OrbitCamera {
            target: Vec3::new(1.0, -2.0, 3.0),
            ..Default::default()
        };
        let p = ndc(cam.view_proj(1.6), cam.target);
        assert!(p.x.abs() < 1e-5 && p.y.abs() < 1e-5, "{p:?}");
        assert!(p.z > 0.0 && p.z < 1.0);
    }

    #[test]
    fn framed_box_is_inside_ndc() {
        let (min, max) = (Vec3::new(-20.0, -25.0, 0.0), Vec3::new(20.0, 28.0, 50.0));
        for aspect in [0.5, 1.0, 1.6, 3.0] {
            for (yaw, pitch) in [(0.0, 0.0), (1.0, 0.5), (-2.5, -1.2), (3.0, 1.5)] {
                let mut cam = OrbitCamera {
                    yaw,
                    pitch,
                    ..Default::default()
                };
                cam.frame_for_aspect(min, max, aspect);
                let m = cam.view_proj(aspect);
                for i in 0..8 {
                    let corner = Vec3::new(
                        if i & 1 == 0 { min.x } else { max.x },
                        if i & 2 == 0 { min.y } else { max.y },
                        if i & 4 == 0 { min.z } else { max.z },
                    );
                    let p = ndc(m, corner);
                    assert!(p.x.abs() <= 1.0 && p.y.abs() <= 1.0, "{aspect} {p:?}");
                    assert!(p.z > 0.0 && p.z < 1.0, "depth {}", p.z);
                }
            }
        }
        // `frame` is the square-viewport case.
        let mut cam = OrbitCamera::default();
        cam.frame(min, max);
        assert!((cam.target - 0.5 * (min + max)).length() < 1e-5);
    }

    #[test]
    fn full_yaw_turn_is_identity() {
        let mut cam = OrbitCamera::default();
        let before = cam.view_proj(1.5);
        let full_turn = std::f32::consts::TAU / ORBIT_RADIANS_PER_POINT;
        cam.orbit(full_turn, 0.0);
        let after = cam.view_proj(1.5);
        assert!(before.abs_diff_eq(after, 1e-4), "{before:?} vs {after:?}");
    }

    #[test]
    fn zoom_is_clamped() {
        let mut cam = OrbitCamera::default();
        cam.zoom(120.0);
        assert!(cam.distance < 5.0);
        for _ in 0..10_000 {
            cam.zoom(1e4);
        }
        assert_eq!(cam.distance, MIN_DISTANCE);
        for _ in 0..10_000 {
            cam.zoom(-1e4);
        }
        assert_eq!(cam.distance, MAX_DISTANCE);
        cam.zoom(f32::NAN);
        assert_eq!(cam.distance, MAX_DISTANCE);
    }

    #[test]
    fn pitch_is_clamped() {
        let mut cam = OrbitCamera::default();
        cam.orbit(0.0, 1e6);
        assert_eq!(cam.pitch, MAX_PITCH);
        assert!(cam.view_proj(1.0).is_finite());
        cam.orbit(0.0, -1e6);
        assert_eq!(cam.pitch, -MAX_PITCH);
        assert!(cam.view_proj(1.0).is_finite());
    }

    #[test]
    fn pan_moves_target_in_view_plane() {
        let mut cam = OrbitCamera::default();
        let eye_dir = cam.back();
        cam.pan(10.0, -7.0);
        assert!(cam.target.length() > 0.0);
        assert!(cam.target.dot(eye_dir).abs() < 1e-5);
    }
}
