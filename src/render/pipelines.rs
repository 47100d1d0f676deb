//! Shader module, bind-group layouts and render pipelines of the attractor
//! view, built once by [`super::install`] for the window's colour format.

use eframe::egui_wgpu::{self, wgpu};

use super::gpu::{BACKGROUND, DEPTH_FORMAT, DRAW_PARAMS_SIZE, VERTEX_SIZE};

/// The scene, blit and backdrop shader (`shader.wgsl`, after the shared helpers).
const SCENE_SHADER: &str = concat!(include_str!("common.wgsl"), include_str!("shader.wgsl"));

/// Everything view-independent the renderer needs on the GPU.
pub(super) struct Pipelines {
    /// Line strips that write depth (solid curves and axes).
    pub opaque: wgpu::RenderPipeline,
    /// Line strips that test but do not write depth (fading trails).
    pub fade: wgpu::RenderPipeline,
    /// Point lists that write depth (a map's iterates).
    pub opaque_dots: wgpu::RenderPipeline,
    /// Point lists that test but do not write depth (a map's fading iterates).
    pub fade_dots: wgpu::RenderPipeline,
    /// Copies a view's offscreen texture into egui's pass (no depth, 1 sample).
    pub blit: wgpu::RenderPipeline,
    /// Fills the viewport with one opaque colour, without blending (see `backdrop.rs`).
    pub backdrop: wgpu::RenderPipeline,
    /// Group 0 of the scene pipelines: the view's uniform buffer.
    pub scene_layout: wgpu::BindGroupLayout,
    /// Group 1 of the scene pipelines: one draw's parameters at a dynamic offset.
    pub draw_layout: wgpu::BindGroupLayout,
    /// Group 0 of the blit pipeline: uniform buffer and resolved texture.
    pub blit_layout: wgpu::BindGroupLayout,
    /// Colour format of egui's target, also used for offscreen textures.
    pub format: wgpu::TextureFormat,
    /// MSAA sample count of the offscreen pass (4 where supported, else 1).
    pub samples: u32,
    /// Clear colour of the offscreen pass, encoded for `format`.
    pub clear: wgpu::Color,
}

/// 4× multisampling where the adapter supports it on a GPU; 1 on a software rasteriser
/// (Mesa's lavapipe), which pays for every sample on the CPU: there 4× cost a third of
/// the frame time at 1400 × 900 (62 → 39 ms per frame for 100 points, measured).
fn sample_count(render_state: &egui_wgpu::RenderState) -> u32 {
    if render_state.adapter.get_info().device_type == wgpu::DeviceType::Cpu {
        return 1;
    }
    let features = render_state.device.features();
    let supports_4x = |format: wgpu::TextureFormat| {
        let f = if features.contains(wgpu::Features::TEXTURE_ADAPTER_SPECIFIC_FORMAT_FEATURES) {
            render_state.adapter.get_texture_format_features(format)
        } else {
            format.guaranteed_format_features(features)
        };
        f.flags.sample_count_supported(4)
    };
    if supports_4x(render_state.target_format) && supports_4x(DEPTH_FORMAT) {
        4
    } else {
        1
    }
}

fn srgb_to_linear(c: f32) -> f64 {
    let c = f64::from(c);
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn layout_entry(binding: u32, ty: wgpu::BindingType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
        ty,
        count: None,
    }
}

const UNIFORM_BINDING: wgpu::BindingType = wgpu::BindingType::Buffer {
    ty: wgpu::BufferBindingType::Uniform,
    has_dynamic_offset: false,
    min_binding_size: None,
};

/// A shader module and the vertex and fragment entry points of a viewport pipeline.
pub(super) struct ViewportEntry<'a> {
    pub module: &'a wgpu::ShaderModule,
    pub vs: &'a str,
    pub fs: &'a str,
}

/// A pipeline that draws one viewport-covering triangle (no vertex buffers, no depth,
/// one sample) into `format` with `blend`; without blending it draws opaquely, so a
/// software rasteriser can drop what it covers.
pub(super) fn viewport_pipeline(
    device: &wgpu::Device,
    label: &str,
    layout: &wgpu::PipelineLayout,
    entry: ViewportEntry<'_>,
    format: wgpu::TextureFormat,
    blend: Option<wgpu::BlendState>,
) -> wgpu::RenderPipeline {
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(label),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module: entry.module,
            entry_point: Some(entry.vs),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: entry.module,
            entry_point: Some(entry.fs),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format,
                blend,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

impl Pipelines {
    /// Compiles the shaders and builds the three pipelines for `rs.target_format`.
    pub(super) fn new(rs: &egui_wgpu::RenderState) -> Self {
        let device = &rs.device;
        let format = rs.target_format;
        let samples = sample_count(rs);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("chaoslab attractor shader"),
            source: wgpu::ShaderSource::Wgsl(SCENE_SHADER.into()),
        });
        let scene_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("chaoslab scene layout"),
            entries: &[layout_entry(0, UNIFORM_BINDING)],
        });
        let draw_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("chaoslab draw layout"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: wgpu::BufferSize::new(DRAW_PARAMS_SIZE),
                },
                count: None,
            }],
        });
        let blit_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("chaoslab blit layout"),
            entries: &[
                layout_entry(0, UNIFORM_BINDING),
                layout_entry(
                    1,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                ),
            ],
        });
        let scene_pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("chaoslab scene pipeline layout"),
            bind_group_layouts: &[Some(&scene_layout), Some(&draw_layout)],
            immediate_size: 0,
        });
        let blit_pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("chaoslab blit pipeline layout"),
            bind_group_layouts: &[Some(&blit_layout)],
            immediate_size: 0,
        });
        let scene_fs = if format.is_srgb() {
            "fs_scene_linear"
        } else {
            "fs_scene"
        };
        let scene_pipeline = |label, depth_write, topology| {
            let attributes = wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32];
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(&scene_pl),
                vertex: wgpu::VertexState {
                    module: &module,
                    entry_point: Some("vs_scene"),
                    compilation_options: Default::default(),
                    buffers: &[Some(wgpu::VertexBufferLayout {
                        array_stride: VERTEX_SIZE as wgpu::BufferAddress,
                        step_mode: wgpu::VertexStepMode::Vertex,
                        attributes: &attributes,
                    })],
                },
                primitive: wgpu::PrimitiveState {
                    topology,
                    ..Default::default()
                },
                depth_stencil: Some(wgpu::DepthStencilState {
                    format: DEPTH_FORMAT,
                    depth_write_enabled: Some(depth_write),
                    depth_compare: Some(wgpu::CompareFunction::Less),
                    stencil: Default::default(),
                    bias: Default::default(),
                }),
                multisample: wgpu::MultisampleState {
                    count: samples,
                    ..Default::default()
                },
                fragment: Some(wgpu::FragmentState {
                    module: &module,
                    entry_point: Some(scene_fs),
                    compilation_options: Default::default(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format,
                        blend: Some(wgpu::BlendState::ALPHA_BLENDING),
                        write_mask: wgpu::ColorWrites::ALL,
                    })],
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let (lines, points) = (
            wgpu::PrimitiveTopology::LineStrip,
            wgpu::PrimitiveTopology::PointList,
        );
        let opaque = scene_pipeline("chaoslab scene (depth write)", true, lines);
        // Fading trails are translucent: test depth but do not occlude.
        let fade = scene_pipeline("chaoslab scene (fading)", false, lines);
        let opaque_dots = scene_pipeline("chaoslab dots (depth write)", true, points);
        let fade_dots = scene_pipeline("chaoslab dots (fading)", false, points);
        // Pipelines that draw one viewport-covering triangle opaquely (no blending, no
        // depth, one sample), so a software rasteriser can drop what they cover.
        let opaque_viewport = |label, layout: &wgpu::PipelineLayout, vs, fs| {
            let entry = ViewportEntry {
                module: &module,
                vs,
                fs,
            };
            viewport_pipeline(device, label, layout, entry, format, None)
        };
        let blit = opaque_viewport("chaoslab blit", &blit_pl, "vs_blit", "fs_blit");
        let backdrop_pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("chaoslab backdrop pipeline layout"),
            bind_group_layouts: &[],
            immediate_size: 0,
        });
        let backdrop_fs = if format.is_srgb() {
            "fs_backdrop_linear"
        } else {
            "fs_backdrop"
        };
        let backdrop = opaque_viewport(
            "chaoslab backdrop",
            &backdrop_pl,
            "vs_backdrop",
            backdrop_fs,
        );
        let [r, g, b] = BACKGROUND;
        let clear = if format.is_srgb() {
            wgpu::Color {
                r: srgb_to_linear(r),
                g: srgb_to_linear(g),
                b: srgb_to_linear(b),
                a: 1.0,
            }
        } else {
            wgpu::Color {
                r: r.into(),
                g: g.into(),
                b: b.into(),
                a: 1.0,
            }
        };
        Self {
            opaque,
            fade,
            opaque_dots,
            fade_dots,
            blit,
            backdrop,
            scene_layout,
            draw_layout,
            blit_layout,
            format,
            samples,
            clear,
        }
    }
}

/// Parses and validates WGSL `source` as every backend would (without a GPU), panicking
/// with the compiler's message if it does not.
#[cfg(test)]
pub(super) fn validated_module(source: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{}", e.emit_to_string(source)));
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module);
    assert!(info.is_ok(), "{info:?}");
    module
}

#[cfg(test)]
mod tests {
    use super::super::gpu::DRAW_PARAMS_SIZE;
    use super::{SCENE_SHADER, validated_module};

    /// The shader must compile on every backend, and its per-draw struct must match
    /// the bytes `gpu.rs` writes; checked without a GPU.
    #[test]
    fn the_shader_validates_and_its_draw_parameters_match_the_rust_layout() {
        let module = validated_module(SCENE_SHADER);
        let draw = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some("DrawParams"))
            .map(|(_, t)| t.inner.size(module.to_ctx()));
        assert_eq!(draw, Some(DRAW_PARAMS_SIZE as u32));
        for entry in [
            "vs_scene",
            "fs_scene",
            "fs_scene_linear",
            "vs_blit",
            "fs_blit",
            "vs_backdrop",
            "fs_backdrop",
            "fs_backdrop_linear",
        ] {
            assert!(
                module.entry_points.iter().any(|e| e.name == entry),
                "{entry} missing"
            );
        }
    }
}
