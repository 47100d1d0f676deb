//! Custom 3-D attractor renderer (egui + wgpu).
//!
//! Takes a [`Scene`] — a list of [`Curve`]s, each a shared `Arc` of 3-D
//! points with a colour, a `generation` counter and an optional fading-trail
//! flag, coloured solid or by time, speed or local stretching ([`ColourBy`]) — and draws it as depth-tested, multisampled line strips inside an
//! egui widget ([`AttractorView`]), together with a small x/y/z axis gizmo
//! (red/green/blue) at the data's min corner. The camera ([`OrbitCamera`])
//! orbits on drag, pans on right/middle drag, zooms on scroll and frames the
//! data on double-click.
//!
//! Call [`install`] once with the app's wgpu render state; without it (or
//! without the wgpu backend) views show a short text note instead.
//!
//! Besides the 3-D view, two cheap 2-D primitives for a software rasteriser: opaque
//! backgrounds ([`paint_backdrop`]) and translucent images ([`image_shape`], the orbit
//! diagram's density), both drawn by our own pipelines instead of egui's.

mod attractor_view;
mod backdrop;
mod camera;
mod colour;
mod gpu;
mod image;
mod linked_views;
mod pipelines;
mod ring;

pub use attractor_view::{
    AttractorView, Curve, NO_WGPU_NOTE, Scene, VIEW_LABEL, install, install_into,
};
pub use backdrop::{backdrop_shape, paint_backdrop};
pub use camera::OrbitCamera;
pub use colour::{ColourBy, ScalarColours, hue_wheel, robust_unit_scale, unit_scale, viridis};
pub use gpu::{offscreen_passes, uploaded_vertices};
pub use image::{image_shape, new_image_key, own_images_available};
pub use linked_views::LinkedViews;
