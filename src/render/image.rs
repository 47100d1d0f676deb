//! Translucent images drawn by our own pipeline instead of egui's.
//!
//! egui draws an image as a textured, blended mesh through its one pipeline, whose
//! fragment shader samples the texture through the general filtering path. On a
//! software rasteriser (Mesa's llvmpipe: machines and CI without a GPU) that costs
//! 70–80 ns of CPU per pixel: the orbit diagram's density image, about 110 000 pixels,
//! cost 8–10 ms a frame (measured with `gui --preset
//! benches/presets/plrnn-and-orbit-diagram.json --frame-times`, the image left out).
//! Here each pixel loads the one texel under it (nearest, as egui's
//! `TextureOptions::NEAREST`) and blends it premultiplied, as egui does; the image
//! uploads only when its generation changes.
//!
//! Each image has a key ([`new_image_key`]) naming its GPU texture in the renderer's
//! resources; a renderer keeps one texture and one on-screen size per key, so a key is
//! drawn at most once a frame (a second draw's size replaces the first's), and every key
//! should belong to a view that lives as long as the window (keys are never freed).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use eframe::egui_wgpu::{self, wgpu};

use super::attractor_view::installed;
use super::pipelines::{ViewportEntry, viewport_pipeline};

/// The image shader (`image.wgsl`, after the shared helpers).
const IMAGE_SHADER: &str = concat!(include_str!("common.wgsl"), include_str!("image.wgsl"));

/// The next key [`new_image_key`] hands out.
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// A key for [`image_shape`], unique in this process: one per view that shows an image.
pub fn new_image_key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

/// Whether [`image_shape`] draws on this thread's window (the renderer is installed);
/// where not, draw images with egui.
pub fn own_images_available() -> bool {
    installed()
}

/// The shape that draws `image` (premultiplied, as egui stores colours) stretched over
/// `rect`, nearest texel per pixel, blended over what is beneath, through our own
/// pipeline; `pixels_per_point` is the drawing context's. `generation` must change
/// whenever the pixels of the image under `key` change (the texture is uploaded again
/// then, and only then). `None` where the renderer is not installed (no wgpu) or the
/// image is empty: draw it with egui then.
pub fn image_shape(
    rect: egui::Rect,
    pixels_per_point: f32,
    image: &Arc<egui::ColorImage>,
    key: u64,
    generation: u64,
) -> Option<egui::Shape> {
    let [w, h] = image.size;
    if !installed() || w == 0 || h == 0 || !rect.is_positive() {
        return None;
    }
    let size = rect.size() * pixels_per_point;
    let callback = ImageCallback {
        key,
        generation,
        image: image.clone(),
        size_px: [size.x, size.y],
    };
    Some(egui_wgpu::Callback::new_paint_callback(rect, callback).into())
}

/// The framebuffer pixel `min` (a rect's top-left corner in points) falls on, packed as
/// the image shader reads it from the instance index: x and y offset by 32768, 16 bits
/// each (so corners up to 32768 pixels left of or above the screen stay right).
/// The corner is known only when the pass is recorded ([`egui::PaintCallbackInfo`]): a
/// high-resolution export moves a view window's shapes after they were made.
fn pack_origin(min: egui::Pos2, pixels_per_point: f32) -> u32 {
    let px = |v: f32| ((v * pixels_per_point).round() as i64 + 32768).clamp(0, 0xffff) as u32;
    px(min.x) | (px(min.y) << 16)
}

/// What one image asks the GPU to draw this frame.
struct ImageCallback {
    key: u64,
    generation: u64,
    image: Arc<egui::ColorImage>,
    /// The image's size on screen, framebuffer pixels.
    size_px: [f32; 2],
}

/// One key's texture, placement uniforms and bind group.
struct Slot {
    generation: u64,
    size: [usize; 2],
    texture: wgpu::Texture,
    place: wgpu::Buffer,
    group: wgpu::BindGroup,
}

/// The image pipeline and every key's GPU objects, stored in egui-wgpu's callback
/// resources by [`super::install`].
pub(super) struct Images {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    max_dim: usize,
    slots: HashMap<u64, Slot>,
}

impl Images {
    /// Compiles the image shader and builds its pipeline for `rs.target_format`.
    pub(super) fn new(rs: &egui_wgpu::RenderState) -> Self {
        let device = &rs.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("chaoslab image shader"),
            source: wgpu::ShaderSource::Wgsl(IMAGE_SHADER.into()),
        });
        let visible = wgpu::ShaderStages::FRAGMENT;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("chaoslab image layout"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: visible,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: visible,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("chaoslab image pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let fs = if rs.target_format.is_srgb() {
            "fs_image_linear"
        } else {
            "fs_image"
        };
        let entry = ViewportEntry {
            module: &module,
            vs: "vs_image",
            fs,
        };
        let pipeline = viewport_pipeline(
            device,
            "chaoslab image",
            &pipeline_layout,
            entry,
            rs.target_format,
            Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
        );
        Self {
            pipeline,
            layout,
            max_dim: device.limits().max_texture_dimension_2d as usize,
            slots: HashMap::new(),
        }
    }

    /// Brings `cb.key`'s texture up to `cb.generation` (a new texture when the size
    /// changed) and writes its placement.
    fn update(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, cb: &ImageCallback) {
        let size = cb.image.size;
        if size[0] > self.max_dim || size[1] > self.max_dim {
            self.slots.remove(&cb.key);
            return;
        }
        let stale = self
            .slots
            .get(&cb.key)
            .is_none_or(|s| s.size != size || s.generation != cb.generation);
        if self.slots.get(&cb.key).is_none_or(|s| s.size != size) {
            let slot = self.new_slot(device, size);
            self.slots.insert(cb.key, slot);
        }
        let Some(slot) = self.slots.get_mut(&cb.key) else {
            return;
        };
        if stale {
            let bytes: &[u8] = bytemuck::cast_slice(&cb.image.pixels);
            queue.write_texture(
                slot.texture.as_image_copy(),
                bytes,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(4 * size[0] as u32),
                    rows_per_image: Some(size[1] as u32),
                },
                extent(size),
            );
            slot.generation = cb.generation;
        }
        let place = [cb.size_px[0], cb.size_px[1], 0.0, 0.0];
        queue.write_buffer(&slot.place, 0, bytemuck::cast_slice(&place));
    }

    fn new_slot(&self, device: &wgpu::Device, size: [usize; 2]) -> Slot {
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("chaoslab image"),
            size: extent(size),
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let place = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("chaoslab image place"),
            size: std::mem::size_of::<[f32; 4]>() as wgpu::BufferAddress,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("chaoslab image group"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: place.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&view),
                },
            ],
        });
        Slot {
            // Never a caller's generation before the first upload.
            generation: u64::MAX,
            size,
            texture,
            place,
            group,
        }
    }
}

fn extent([w, h]: [usize; 2]) -> wgpu::Extent3d {
    wgpu::Extent3d {
        width: w as u32,
        height: h as u32,
        depth_or_array_layers: 1,
    }
}

impl egui_wgpu::CallbackTrait for ImageCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen_descriptor: &egui_wgpu::ScreenDescriptor,
        _egui_encoder: &mut wgpu::CommandEncoder,
        callback_resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(images) = callback_resources.get_mut::<Images>() {
            images.update(device, queue, self);
        }
        Vec::new()
    }

    fn paint(
        &self,
        info: egui::PaintCallbackInfo,
        render_pass: &mut wgpu::RenderPass<'static>,
        callback_resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(images) = callback_resources.get::<Images>() else {
            return;
        };
        let Some(slot) = images.slots.get(&self.key) else {
            return;
        };
        render_pass.set_pipeline(&images.pipeline);
        render_pass.set_bind_group(0, &slot.group, &[]);
        let origin = pack_origin(info.viewport.min, info.pixels_per_point);
        render_pass.draw(0..3, origin..origin + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::pack_origin;

    /// What the shader decodes: `(packed & 0xffff) - 32768`, `(packed >> 16) - 32768`.
    fn unpack(packed: u32) -> [i64; 2] {
        [
            i64::from(packed & 0xffff) - 32768,
            i64::from(packed >> 16) - 32768,
        ]
    }

    #[test]
    fn origins_pack_to_whole_framebuffer_pixels_and_back() {
        assert_eq!(unpack(pack_origin(egui::pos2(10.4, 20.0), 1.0)), [10, 20]);
        assert_eq!(unpack(pack_origin(egui::pos2(10.5, 20.25), 2.0)), [21, 41]);
        // Left of and above the screen (a window dragged partly off it).
        assert_eq!(
            unpack(pack_origin(egui::pos2(-300.0, -2.0), 1.0)),
            [-300, -2]
        );
        assert_eq!(
            unpack(pack_origin(egui::pos2(4000.0, 2500.0), 4.0)),
            [16000, 10000]
        );
    }

    /// The shader must compile on every backend; checked without a GPU.
    #[test]
    fn the_image_shader_validates() {
        let module = super::super::pipelines::validated_module(super::IMAGE_SHADER);
        for entry in ["vs_image", "fs_image", "fs_image_linear"] {
            assert!(module.entry_points.iter().any(|e| e.name == entry));
        }
    }
}
