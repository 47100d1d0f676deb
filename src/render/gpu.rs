//! GPU side of the attractor view: per-view offscreen targets and vertex
//! buffers, and the egui-wgpu paint callback.
//!
//! Each view renders its curves with depth testing into its own offscreen
//! texture during `prepare` (on egui's encoder, before egui's pass), and
//! `paint` copies that texture into egui's pass with a depth-less pipeline.

use std::collections::HashMap;

use eframe::egui;
use eframe::egui_wgpu::{self, wgpu};

use super::attractor_view::Curve;
use super::colour::{ColourBy, vertex_colours};
use super::pipelines::Pipelines;

/// Background of the 3-D view, sRGB gamma, 0..1.
pub(super) const BACKGROUND: [f32; 3] = [12.0 / 255.0, 14.0 / 255.0, 20.0 / 255.0];
/// Alpha factor at the oldest point of a fading curve (the newest gets 1).
const FADE_FLOOR: f32 = 0.06;
/// Depth buffer format of the offscreen pass.
pub(super) const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// Smallest vertex buffer allocated for a curve, in vertices.
const MIN_CAPACITY: usize = 1024;

/// One vertex of a line strip: position and sRGB-gamma colour.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct Vertex {
    /// World-space position.
    pub pos: [f32; 3],
    /// Unmultiplied sRGB-gamma colour.
    pub color: [f32; 4],
}

pub(super) const VERTEX_SIZE: usize = std::mem::size_of::<Vertex>();

/// Per-view uniforms, shared by the scene and the blit shader.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Uniforms {
    view_proj: [f32; 16],
    /// Top-left pixel of the view in egui's framebuffer.
    blit_origin: [f32; 2],
    _pad: [f32; 2],
}

/// What one view asks the GPU to draw this frame.
pub(super) struct SceneCallback {
    /// Which view's GPU objects to use.
    pub view_id: u64,
    /// World-to-clip matrix, column-major.
    pub view_proj: [f32; 16],
    /// Top-left pixel of the view's rect in egui's framebuffer.
    pub origin_px: [f32; 2],
    /// Size of the view's rect in physical pixels (both > 0).
    pub size_px: [u32; 2],
    /// The curves, in draw order.
    pub curves: Vec<Curve>,
    /// Axis gizmo as three 2-vertex segments (empty when there is no data).
    pub axes: Vec<Vertex>,
}

/// Shared pipelines plus every view's GPU objects, stored in egui-wgpu's
/// callback resources by [`super::install`].
pub(super) struct Resources {
    pipelines: Pipelines,
    max_dim: u32,
    max_vertices: usize,
    scratch: Vec<Vertex>,
    views: HashMap<u64, ViewGpu>,
}

/// GPU objects owned by one view.
struct ViewGpu {
    uniforms: wgpu::Buffer,
    scene_group: wgpu::BindGroup,
    axes: wgpu::Buffer,
    axes_count: u32,
    target: Option<Target>,
    curves: Vec<CurveGpu>,
}

/// Offscreen render target of one view.
struct Target {
    size: [u32; 2],
    msaa: Option<wgpu::TextureView>,
    resolved: wgpu::TextureView,
    depth: wgpu::TextureView,
    blit_group: wgpu::BindGroup,
}

/// What a curve's vertex buffer was built from; a change means re-upload.
#[derive(Clone, Copy, PartialEq)]
struct CurveKey {
    generation: u64,
    len: usize,
    color: [u32; 4],
    fade: bool,
    dots: bool,
    colour_by: ColourBy,
    scalars: Option<u64>,
}

impl CurveKey {
    fn of(curve: &Curve) -> Self {
        Self {
            generation: curve.generation,
            len: curve.points.len(),
            color: curve.color.map(f32::to_bits),
            fade: curve.fade,
            dots: curve.dots,
            colour_by: curve.colour_by,
            scalars: curve.scalars.as_ref().map(|s| s.id),
        }
    }
}

/// A curve's grow-only vertex buffer.
struct CurveGpu {
    key: Option<CurveKey>,
    buffer: Option<wgpu::Buffer>,
    capacity: usize,
    count: u32,
    fade: bool,
    dots: bool,
}

impl Resources {
    /// Builds the pipelines; views get their GPU objects on first use.
    pub(super) fn new(rs: &egui_wgpu::RenderState) -> Self {
        let limits = rs.device.limits();
        let max_bytes = limits.max_buffer_size.min(u64::from(u32::MAX));
        Self {
            pipelines: Pipelines::new(rs),
            max_dim: limits.max_texture_dimension_2d,
            max_vertices: usize::try_from(max_bytes).unwrap_or(usize::MAX) / VERTEX_SIZE,
            scratch: Vec::new(),
            views: HashMap::new(),
        }
    }

    fn new_view(&self, device: &wgpu::Device) -> ViewGpu {
        let uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("chaoslab view uniforms"),
            size: std::mem::size_of::<Uniforms>() as wgpu::BufferAddress,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let scene_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("chaoslab scene group"),
            layout: &self.pipelines.scene_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: uniforms.as_entire_binding(),
            }],
        });
        let axes = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("chaoslab axes"),
            size: (6 * VERTEX_SIZE) as wgpu::BufferAddress,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        ViewGpu {
            uniforms,
            scene_group,
            axes,
            axes_count: 0,
            target: None,
            curves: Vec::new(),
        }
    }

    fn new_target(&self, device: &wgpu::Device, uniforms: &wgpu::Buffer, size: [u32; 2]) -> Target {
        let texture = |label, format, samples, usage| {
            device
                .create_texture(&wgpu::TextureDescriptor {
                    label: Some(label),
                    size: wgpu::Extent3d {
                        width: size[0],
                        height: size[1],
                        depth_or_array_layers: 1,
                    },
                    mip_level_count: 1,
                    sample_count: samples,
                    dimension: wgpu::TextureDimension::D2,
                    format,
                    usage,
                    view_formats: &[],
                })
                .create_view(&wgpu::TextureViewDescriptor::default())
        };
        let attach = wgpu::TextureUsages::RENDER_ATTACHMENT;
        let resolved = texture(
            "chaoslab view colour",
            self.pipelines.format,
            1,
            attach | wgpu::TextureUsages::TEXTURE_BINDING,
        );
        let msaa = (self.pipelines.samples > 1).then(|| {
            texture(
                "chaoslab view colour (msaa)",
                self.pipelines.format,
                self.pipelines.samples,
                attach,
            )
        });
        let depth = texture(
            "chaoslab view depth",
            DEPTH_FORMAT,
            self.pipelines.samples,
            attach,
        );
        let blit_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("chaoslab blit group"),
            layout: &self.pipelines.blit_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&resolved),
                },
            ],
        });
        Target {
            size,
            msaa,
            resolved,
            depth,
            blit_group,
        }
    }

    /// Updates one view's GPU objects and renders its scene offscreen.
    fn render(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        cb: &SceneCallback,
    ) {
        let size = cb.size_px.map(|s| s.clamp(1, self.max_dim));
        let mut view = match self.views.remove(&cb.view_id) {
            Some(view) => view,
            None => self.new_view(device),
        };
        if view.target.as_ref().is_none_or(|t| t.size != size) {
            view.target = Some(self.new_target(device, &view.uniforms, size));
        }
        let uniforms = Uniforms {
            view_proj: cb.view_proj,
            blit_origin: cb.origin_px,
            _pad: [0.0; 2],
        };
        queue.write_buffer(&view.uniforms, 0, bytemuck::bytes_of(&uniforms));
        let axes = &cb.axes[..cb.axes.len().min(6)];
        queue.write_buffer(&view.axes, 0, bytemuck::cast_slice(axes));
        view.axes_count = axes.len() as u32;

        view.curves.truncate(cb.curves.len());
        for (i, curve) in cb.curves.iter().enumerate() {
            if view.curves.len() <= i {
                view.curves.push(CurveGpu {
                    key: None,
                    buffer: None,
                    capacity: 0,
                    count: 0,
                    fade: false,
                    dots: false,
                });
            }
            self.upload(device, queue, &mut view.curves[i], curve);
        }
        self.draw(encoder, &view);
        self.views.insert(cb.view_id, view);
    }

    /// Rebuilds a curve's vertices if its key changed.
    fn upload(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        gpu: &mut CurveGpu,
        curve: &Curve,
    ) {
        let key = CurveKey::of(curve);
        if gpu.key == Some(key) {
            return;
        }
        // Keep the newest points if the curve is too long for one buffer.
        let all = curve.points.as_slice();
        let points = &all[all.len().saturating_sub(self.max_vertices)..];
        self.scratch.clear();
        let last = points.len().saturating_sub(1).max(1) as f32;
        let colours = match &curve.scalars {
            Some(s) if s.values.len() == all.len() => {
                let c = s.colours(curve.color[3]);
                c[c.len() - points.len()..].to_vec()
            }
            _ => vertex_colours(points, curve.color, curve.colour_by),
        };
        self.scratch
            .extend(
                points
                    .iter()
                    .zip(colours)
                    .enumerate()
                    .map(|(i, (&pos, mut color))| {
                        if curve.fade {
                            color[3] *= FADE_FLOOR + (1.0 - FADE_FLOOR) * (i as f32 / last);
                        }
                        Vertex { pos, color }
                    }),
            );
        if gpu.capacity < points.len() || gpu.buffer.is_none() {
            let capacity = points
                .len()
                .next_power_of_two()
                .max(MIN_CAPACITY)
                .min(self.max_vertices.max(1));
            gpu.buffer = Some(device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("chaoslab curve vertices"),
                size: (capacity * VERTEX_SIZE) as wgpu::BufferAddress,
                usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }));
            gpu.capacity = capacity;
        }
        if let Some(buffer) = gpu.buffer.as_ref().filter(|_| !self.scratch.is_empty()) {
            queue.write_buffer(buffer, 0, bytemuck::cast_slice(&self.scratch));
        }
        gpu.count = u32::try_from(points.len()).unwrap_or(u32::MAX);
        gpu.fade = curve.fade;
        gpu.dots = curve.dots;
        gpu.key = Some(key);
    }

    /// Records the offscreen pass: clear, axes and solid curves, then fading curves.
    fn draw(&self, encoder: &mut wgpu::CommandEncoder, view: &ViewGpu) {
        let Some(target) = &view.target else { return };
        let (color_view, resolve_target) = match &target.msaa {
            Some(msaa) => (msaa, Some(&target.resolved)),
            None => (&target.resolved, None),
        };
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("chaoslab attractor pass"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: color_view,
                depth_slice: None,
                resolve_target,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(self.pipelines.clear),
                    store: if resolve_target.is_some() {
                        wgpu::StoreOp::Discard
                    } else {
                        wgpu::StoreOp::Store
                    },
                },
            })],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &target.depth,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(1.0),
                    store: wgpu::StoreOp::Discard,
                }),
                stencil_ops: None,
            }),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_bind_group(0, &view.scene_group, &[]);
        pass.set_pipeline(&self.pipelines.opaque);
        if view.axes_count >= 2 {
            pass.set_vertex_buffer(0, view.axes.slice(..));
            for start in (0..view.axes_count - 1).step_by(2) {
                pass.draw(start..start + 2, 0..1);
            }
        }
        for (fade, dots) in [(false, false), (false, true), (true, false), (true, true)] {
            pass.set_pipeline(match (fade, dots) {
                (false, false) => &self.pipelines.opaque,
                (false, true) => &self.pipelines.opaque_dots,
                (true, false) => &self.pipelines.fade,
                (true, true) => &self.pipelines.fade_dots,
            });
            let least = if dots { 1 } else { 2 };
            for curve in view
                .curves
                .iter()
                .filter(|c| c.fade == fade && c.dots == dots && c.count >= least)
            {
                if let Some(buffer) = &curve.buffer {
                    pass.set_vertex_buffer(0, buffer.slice(..));
                    pass.draw(0..curve.count, 0..1);
                }
            }
        }
    }
}

impl egui_wgpu::CallbackTrait for SceneCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen_descriptor: &egui_wgpu::ScreenDescriptor,
        egui_encoder: &mut wgpu::CommandEncoder,
        callback_resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        // Missing resources mean `install` was not run for this renderer: draw nothing.
        if let Some(resources) = callback_resources.get_mut::<Resources>() {
            resources.render(device, queue, egui_encoder, self);
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        render_pass: &mut wgpu::RenderPass<'static>,
        callback_resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(resources) = callback_resources.get::<Resources>() else {
            return;
        };
        let Some(target) = resources
            .views
            .get(&self.view_id)
            .and_then(|v| v.target.as_ref())
        else {
            return;
        };
        render_pass.set_pipeline(&resources.pipelines.blit);
        render_pass.set_bind_group(0, &target.blit_group, &[]);
        render_pass.draw(0..3, 0..1);
    }
}
