//! GPU side of the attractor view: per-view offscreen targets, one vertex ring per
//! curve, and the egui-wgpu paint callback.
//!
//! A curve that grows by appending (the live trail) uploads only its new points into
//! its ring ([`ring`]); fading and colour by time are computed in the vertex shader
//! from each vertex's age, so old vertices never need rewriting. A new stream, a new
//! colouring or a trail longer than the ring re-uploads the whole curve.
//!
//! Each view renders its curves with depth testing into its own offscreen
//! texture during `prepare` (on egui's encoder, before egui's pass), and
//! `paint` copies that texture into egui's pass with a depth-less pipeline. A view
//! whose camera, size and curves are what its texture already shows (the side-by-side
//! free runs, a paused orbit) skips its pass and keeps its texture: on a GPU that is
//! free time, on a software rasteriser each pass of a large view costs CPU.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use eframe::egui;
use eframe::egui_wgpu::{self, wgpu};

use super::attractor_view::Curve;
use super::colour::{ColourBy, speed_scale, step_length};
use super::pipelines::Pipelines;
use super::ring;

/// Background of the 3-D view, sRGB gamma, 0..1.
pub(super) const BACKGROUND: [f32; 3] = [12.0 / 255.0, 14.0 / 255.0, 20.0 / 255.0];
/// Depth buffer format of the offscreen pass.
pub(super) const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// Smallest ring allocated for a curve, in slots.
const MIN_CAPACITY: usize = 1024;
/// Vertices written to GPU buffers since start, all views together (for benchmarks).
static UPLOADED_VERTICES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Offscreen passes recorded on this thread, all views together.
    static OFFSCREEN_PASSES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many curve vertices the renderer has uploaded since the program started: with
/// the ring buffers a growing trail adds only its new points per frame.
pub fn uploaded_vertices() -> u64 {
    UPLOADED_VERTICES.load(Ordering::Relaxed)
}

/// How many offscreen passes the renderer has recorded on the calling thread (the one
/// that paints the window): a view renders again only when its camera, size or curves
/// changed.
pub fn offscreen_passes() -> u64 {
    OFFSCREEN_PASSES.get()
}

/// Colours of the x, y and z axes of the gizmo (sRGB gamma).
const AXIS_COLOURS: [[f32; 4]; 3] = [
    [0.95, 0.30, 0.30, 1.0],
    [0.35, 0.85, 0.35, 1.0],
    [0.40, 0.55, 1.00, 1.0],
];

/// One vertex: world position and the scalar a colour map reads (the step length for
/// colour by speed, a painted value), unused by solid curves.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct Vertex {
    /// World-space position.
    pub pos: [f32; 3],
    /// Scalar for the colour map.
    pub value: f32,
}

pub(super) const VERTEX_SIZE: usize = std::mem::size_of::<Vertex>();

/// How the shader colours a curve (`DrawParams::mode`).
mod mode {
    pub const SOLID: u32 = 0;
    /// Viridis by age along the trail, oldest dark.
    pub const TIME: u32 = 1;
    /// Viridis of `value / scale`.
    pub const VALUE: u32 = 2;
    /// Hue wheel of `value` (phases).
    pub const CYCLIC: u32 = 3;
}

/// Per-view uniforms, shared by the scene and the blit shader.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Uniforms {
    view_proj: [f32; 16],
    /// Top-left pixel of the view in egui's framebuffer.
    blit_origin: [f32; 2],
    _pad: [f32; 2],
}

/// Per-draw uniforms (one entry per curve and per axis, bound at a dynamic offset):
/// the colouring and where the newest point sits in the curve's ring, from which the
/// vertex shader derives each vertex's age for fading and colour by time.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
struct DrawParams {
    colour: [f32; 4],
    mode: u32,
    fade: u32,
    newest: u32,
    count: u32,
    capacity: u32,
    scale: f32,
    _pad: [u32; 2],
}

/// Size of [`DrawParams`] in bytes (the shader's binding size).
pub(super) const DRAW_PARAMS_SIZE: u64 = std::mem::size_of::<DrawParams>() as u64;

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
    /// Axis gizmo as three 2-vertex segments along x, y, z (empty when there is no data).
    pub axes: Vec<Vertex>,
}

/// Shared pipelines plus every view's GPU objects, stored in egui-wgpu's
/// callback resources by [`super::install`].
pub(super) struct Resources {
    pipelines: Pipelines,
    max_dim: u32,
    max_vertices: usize,
    /// Bytes between two [`DrawParams`] entries (the device's offset alignment).
    params_stride: usize,
    scratch: Vec<Vertex>,
    views: HashMap<u64, ViewGpu>,
}

/// GPU objects owned by one view.
struct ViewGpu {
    uniforms: wgpu::Buffer,
    scene_group: wgpu::BindGroup,
    axes: wgpu::Buffer,
    axes_count: u32,
    /// One [`DrawParams`] entry per axis and curve.
    params: wgpu::Buffer,
    params_group: wgpu::BindGroup,
    params_entries: usize,
    target: Option<Target>,
    curves: Vec<CurveGpu>,
    /// What the target shows (`None`: nothing yet, or a new target).
    drawn: Option<Drawn>,
}

/// Everything an offscreen pass depends on: equal values draw equal pixels, so a view
/// whose state equals its last pass's keeps its texture.
#[derive(PartialEq)]
struct Drawn {
    view_proj: [f32; 16],
    size: [u32; 2],
    axes: Vec<Vertex>,
    /// Per curve: which stream, how much of it is uploaded, and its draw parameters
    /// (colouring, fading, count and newest slot).
    curves: Vec<(Option<StreamKey>, u64, bool, DrawParams)>,
}

impl Drawn {
    fn of(cb: &SceneCallback, size: [u32; 2], axes: &[Vertex], curves: &[CurveGpu]) -> Self {
        Self {
            view_proj: cb.view_proj,
            size,
            axes: axes.to_vec(),
            curves: curves
                .iter()
                .map(|c| (c.key, c.uploaded, c.dots, c.params))
                .collect(),
        }
    }
}

/// Offscreen render target of one view.
struct Target {
    size: [u32; 2],
    msaa: Option<wgpu::TextureView>,
    resolved: wgpu::TextureView,
    depth: wgpu::TextureView,
    blit_group: wgpu::BindGroup,
}

/// What a curve's ring holds; a change means a full re-upload (appending to the same
/// stream does not change it).
#[derive(Clone, Copy, PartialEq)]
struct StreamKey {
    generation: u64,
    /// Colour by speed stores step lengths in the vertices; the others do not.
    speed: bool,
    scalars: Option<u64>,
}

impl StreamKey {
    fn of(curve: &Curve) -> Self {
        Self {
            generation: curve.generation,
            speed: curve.colour_by == ColourBy::Speed,
            scalars: painted(curve).map(|s| s.id),
        }
    }
}

/// The per-point colours a curve carries, when there is one per point.
fn painted(curve: &Curve) -> Option<&super::colour::ScalarColours> {
    curve
        .scalars
        .as_ref()
        .filter(|s| s.values.len() == curve.points.len())
}

/// A curve's vertex ring (see [`ring`]).
struct CurveGpu {
    key: Option<StreamKey>,
    buffer: Option<wgpu::Buffer>,
    /// Ring slots, not counting the mirror slot.
    capacity: usize,
    /// Stream points uploaded so far.
    uploaded: u64,
    /// Newest points drawn.
    count: usize,
    fade: bool,
    dots: bool,
    params: DrawParams,
}

/// Rounds `size` up to a multiple of `align` (a power of two).
fn align_up(size: usize, align: usize) -> usize {
    size.div_ceil(align.max(1)) * align.max(1)
}

impl Resources {
    /// The pipeline that fills a viewport with one opaque colour.
    pub(super) fn backdrop_pipeline(&self) -> &wgpu::RenderPipeline {
        &self.pipelines.backdrop
    }

    /// Builds the pipelines; views get their GPU objects on first use.
    pub(super) fn new(rs: &egui_wgpu::RenderState) -> Self {
        let limits = rs.device.limits();
        let max_bytes = limits.max_buffer_size.min(u64::from(u32::MAX));
        let align = limits.min_uniform_buffer_offset_alignment as usize;
        Self {
            pipelines: Pipelines::new(rs),
            max_dim: limits.max_texture_dimension_2d,
            // One slot is the ring's mirror.
            max_vertices: (usize::try_from(max_bytes).unwrap_or(usize::MAX) / VERTEX_SIZE)
                .saturating_sub(1)
                .max(1),
            params_stride: align_up(std::mem::size_of::<DrawParams>(), align),
            scratch: Vec::new(),
            views: HashMap::new(),
        }
    }

    fn params_buffer(
        &self,
        device: &wgpu::Device,
        entries: usize,
    ) -> (wgpu::Buffer, wgpu::BindGroup) {
        let params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("chaoslab draw parameters"),
            size: (entries.max(1) * self.params_stride) as wgpu::BufferAddress,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("chaoslab draw group"),
            layout: &self.pipelines.draw_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &params,
                    offset: 0,
                    size: wgpu::BufferSize::new(DRAW_PARAMS_SIZE),
                }),
            }],
        });
        (params, group)
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
        let params_entries = 8;
        let (params, params_group) = self.params_buffer(device, params_entries);
        ViewGpu {
            uniforms,
            scene_group,
            axes,
            axes_count: 0,
            params,
            params_group,
            params_entries,
            target: None,
            curves: Vec::new(),
            drawn: None,
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
            view.drawn = None;
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
                    uploaded: 0,
                    count: 0,
                    fade: false,
                    dots: false,
                    params: DrawParams::default(),
                });
            }
            self.upload(device, queue, &mut view.curves[i], curve);
        }
        let drawn = Drawn::of(cb, size, axes, &view.curves);
        if view.drawn.as_ref() != Some(&drawn) {
            self.write_params(device, queue, &mut view);
            self.draw(encoder, &view);
            OFFSCREEN_PASSES.set(OFFSCREEN_PASSES.get() + 1);
            view.drawn = Some(drawn);
        }
        self.views.insert(cb.view_id, view);
    }

    /// Writes the axes' and curves' draw parameters, growing the buffer if needed.
    fn write_params(&self, device: &wgpu::Device, queue: &wgpu::Queue, view: &mut ViewGpu) {
        let entries = AXIS_COLOURS.len() + view.curves.len();
        if entries > view.params_entries {
            let grown = entries.next_power_of_two();
            (view.params, view.params_group) = self.params_buffer(device, grown);
            view.params_entries = grown;
        }
        let mut bytes = vec![0u8; entries * self.params_stride];
        let all = AXIS_COLOURS
            .iter()
            .map(|&colour| DrawParams {
                colour,
                capacity: 1,
                ..DrawParams::default()
            })
            .chain(view.curves.iter().map(|c| c.params));
        for (k, p) in all.enumerate() {
            let at = k * self.params_stride;
            bytes[at..at + std::mem::size_of::<DrawParams>()]
                .copy_from_slice(bytemuck::bytes_of(&p));
        }
        queue.write_buffer(&view.params, 0, &bytes);
    }

    /// Brings a curve's ring up to date: nothing, its new points only, or everything
    /// (a new stream, colouring or size); then sets its draw parameters.
    fn upload(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        gpu: &mut CurveGpu,
        curve: &Curve,
    ) {
        let key = StreamKey::of(curve);
        let all = curve.points.as_slice();
        // Keep the newest points if the curve is too long for one buffer.
        let len = all.len().min(self.max_vertices);
        let appended = curve.appended.max(all.len() as u64);
        let update = if gpu.key != Some(key) || gpu.buffer.is_none() {
            ring::Update::Full
        } else {
            ring::plan(gpu.uploaded, appended, len, gpu.capacity)
        };
        let fresh = match update {
            ring::Update::None => 0,
            ring::Update::Append(n) => n,
            ring::Update::Full => {
                let capacity = len
                    .next_power_of_two()
                    .max(MIN_CAPACITY)
                    .min(self.max_vertices);
                if gpu.buffer.is_none() || gpu.capacity != capacity {
                    gpu.buffer = Some(device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("chaoslab curve ring"),
                        size: ((capacity + 1) * VERTEX_SIZE) as wgpu::BufferAddress,
                        usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    }));
                    gpu.capacity = capacity;
                }
                len
            }
        };
        if fresh > 0
            && let Some(buffer) = &gpu.buffer
        {
            let painted = painted(curve).map(|s| s.values.as_slice());
            let from = all.len() - fresh;
            self.scratch.clear();
            self.scratch.extend((from..all.len()).map(|i| Vertex {
                pos: all[i],
                value: match painted {
                    Some(values) => values[i],
                    None if key.speed => step_length(all, i),
                    None => 0.0,
                },
            }));
            UPLOADED_VERTICES.fetch_add(fresh as u64, Ordering::Relaxed);
            for w in ring::writes(appended - fresh as u64, fresh, gpu.capacity) {
                let offset = (w.slot * VERTEX_SIZE) as wgpu::BufferAddress;
                queue.write_buffer(
                    buffer,
                    offset,
                    bytemuck::cast_slice(&self.scratch[w.source]),
                );
            }
        }
        gpu.key = Some(key);
        gpu.uploaded = appended;
        gpu.count = len;
        gpu.fade = curve.fade;
        gpu.dots = curve.dots;
        let (mode, scale) = match (painted(curve), curve.colour_by) {
            (Some(s), _) if s.cyclic => (mode::CYCLIC, 1.0),
            (Some(_), _) => (mode::VALUE, 1.0),
            // Stretching arrives as `scalars`; without them the curve is solid.
            (None, ColourBy::Solid | ColourBy::Stretching) => (mode::SOLID, 1.0),
            (None, ColourBy::Time) => (mode::TIME, 1.0),
            (None, ColourBy::Speed) => (mode::VALUE, speed_scale(&all[all.len() - len..])),
        };
        gpu.params = DrawParams {
            colour: curve.color,
            mode,
            fade: u32::from(curve.fade),
            newest: ring::newest_slot(appended, gpu.capacity),
            count: u32::try_from(len).unwrap_or(u32::MAX),
            capacity: u32::try_from(gpu.capacity).unwrap_or(u32::MAX),
            scale,
            _pad: [0; 2],
        };
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
        let offset = |entry: usize| u32::try_from(entry * self.params_stride).unwrap_or(0);
        pass.set_bind_group(0, &view.scene_group, &[]);
        pass.set_pipeline(&self.pipelines.opaque);
        if view.axes_count >= 2 {
            pass.set_vertex_buffer(0, view.axes.slice(..));
            for (axis, start) in (0..view.axes_count - 1).step_by(2).enumerate() {
                pass.set_bind_group(1, &view.params_group, &[offset(axis)]);
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
            for (i, curve) in view.curves.iter().enumerate() {
                if curve.fade != fade || curve.dots != dots || curve.count < least {
                    continue;
                }
                let Some(buffer) = &curve.buffer else {
                    continue;
                };
                pass.set_bind_group(1, &view.params_group, &[offset(AXIS_COLOURS.len() + i)]);
                pass.set_vertex_buffer(0, buffer.slice(..));
                for range in ring::draw_ranges(curve.uploaded, curve.count, curve.capacity, !dots) {
                    pass.draw(range, 0..1);
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
