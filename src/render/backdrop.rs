//! Opaque single-colour rectangles drawn by our own pipeline instead of egui's.
//!
//! egui fills every shape through one blended, textured pipeline. On a software
//! rasteriser (Mesa's llvmpipe/lavapipe: machines and CI without a GPU) each filled
//! pixel then costs a texture sample and a blend, about 60 ns of CPU; a panel
//! background over a 1400 × 900 window cost 75–80 ms of CPU a frame (measured with
//! `gui --frame-times`). A draw without blending is different: llvmpipe sees that it
//! covers whole tiles opaquely and drops everything drawn there before, as for a
//! clear, and shades the rest with a one-line fragment shader. So the window's
//! backgrounds are painted here, and egui's panels are left unfilled
//! (`app/theme.rs`).

use eframe::egui_wgpu::{self, wgpu};

use super::attractor_view::installed;
use super::gpu::Resources;

/// Paints `rect` in `color` (opaque: a translucent colour is drawn as over black) with the
/// opaque backdrop pipeline ([`backdrop_shape`]).
pub fn paint_backdrop(painter: &egui::Painter, rect: egui::Rect, color: egui::Color32) {
    painter.add(backdrop_shape(rect, color));
}

/// The shape that fills `rect` in `color` (opaque) with the backdrop pipeline, or an
/// ordinary egui rectangle where the attractor renderer is not installed (no wgpu); for
/// a place reserved earlier with `Painter::add(Shape::Noop)` and filled by `Painter::set`.
pub fn backdrop_shape(rect: egui::Rect, color: egui::Color32) -> egui::Shape {
    if !installed() {
        let [r, g, b, _] = color.to_array();
        return egui::Shape::rect_filled(rect, 0.0, egui::Color32::from_rgb(r, g, b));
    }
    let callback = BackdropCallback {
        packed: pack_rgba(color),
    };
    egui_wgpu::Callback::new_paint_callback(rect, callback).into()
}

/// `color`'s (premultiplied) sRGB-gamma bytes as the shader's `unpack4x8unorm` reads
/// them (red in the lowest byte), alpha forced to 255.
fn pack_rgba(color: egui::Color32) -> u32 {
    let [r, g, b, _] = color.to_array();
    u32::from_le_bytes([r, g, b, 255])
}

/// The paint callback: one viewport-covering triangle whose instance index carries
/// the colour.
struct BackdropCallback {
    packed: u32,
}

impl egui_wgpu::CallbackTrait for BackdropCallback {
    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        render_pass: &mut wgpu::RenderPass<'static>,
        callback_resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(resources) = callback_resources.get::<Resources>() else {
            return;
        };
        render_pass.set_pipeline(resources.backdrop_pipeline());
        render_pass.draw(0..3, self.packed..self.packed + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::pack_rgba;

    #[test]
    fn colours_pack_red_first_and_opaque() {
        let packed = pack_rgba(egui::Color32::from_rgb(27, 100, 200));
        assert_eq!(packed & 0xff, 27);
        assert_eq!((packed >> 8) & 0xff, 100);
        assert_eq!((packed >> 16) & 0xff, 200);
        assert_eq!(packed >> 24, 255);
        // A translucent colour is drawn as it would look over black (egui stores
        // colours premultiplied), and opaque.
        let half = egui::Color32::from_rgba_unmultiplied(200, 100, 0, 128);
        assert_eq!(pack_rgba(half) & 0xff, u32::from(half.r()));
        assert!(u32::from(half.r()) < 110, "premultiplied: {}", half.r());
        assert_eq!(pack_rgba(half) >> 24, 255);
    }
}
