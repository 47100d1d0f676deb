//! Shaders for the 3-D attractor view.
//!
//! Scene: line strips or points with a per-vertex position and scalar, transformed by
//! one view-projection matrix. Each draw binds its curve's parameters (group 1): a
//! solid colour, or viridis by age (colour by time) or by the vertex's scalar (speed, a
//! painted value), or a hue wheel for phases; and a fade from dim (oldest) to full
//! (newest). A vertex's age comes from its slot in the curve's ring buffer and the slot
//! of the newest point, so appending points never rewrites older vertices.
//! `fs_scene` writes the colour as is (gamma framebuffers, egui's preference);
//! `fs_scene_linear` decodes it first, for sRGB framebuffers that encode on write.
//!
//! Blit: one full-screen triangle that copies the offscreen scene texture
//! into egui's render pass, texel for pixel. It reads texels at framebuffer
//! position minus the view's origin, so it stays right when egui clamps the
//! viewport of a view that sticks out of the window.

struct SceneUniforms {
    view_proj: mat4x4<f32>,
    // Top-left pixel of the view in egui's framebuffer (blit only).
    blit_origin: vec2<f32>,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> scene: SceneUniforms;

// One curve's colouring and ring position (gpu.rs `DrawParams`).
struct DrawParams {
    colour: vec4<f32>,
    // 0 solid, 1 viridis by age, 2 viridis of value / scale, 3 hue wheel of value.
    mode: u32,
    fade: u32,
    // Ring slot of the newest point, points drawn, ring slots (without the mirror).
    newest: u32,
    count: u32,
    capacity: u32,
    scale: f32,
    _pad0: u32,
    _pad1: u32,
};

@group(1) @binding(0) var<uniform> params: DrawParams;

// Alpha factor at the oldest point of a fading curve (the newest gets 1).
const FADE_FLOOR: f32 = 0.06;

// Viridis at 0, 1/8, ..., 1 (sRGB gamma; colour.rs VIRIDIS).
const VIRIDIS: array<vec3<f32>, 9> = array<vec3<f32>, 9>(
    vec3<f32>(68.0, 1.0, 84.0) / 255.0,
    vec3<f32>(71.0, 44.0, 122.0) / 255.0,
    vec3<f32>(59.0, 81.0, 139.0) / 255.0,
    vec3<f32>(44.0, 113.0, 142.0) / 255.0,
    vec3<f32>(33.0, 144.0, 141.0) / 255.0,
    vec3<f32>(39.0, 173.0, 129.0) / 255.0,
    vec3<f32>(92.0, 200.0, 99.0) / 255.0,
    vec3<f32>(170.0, 220.0, 50.0) / 255.0,
    vec3<f32>(253.0, 231.0, 37.0) / 255.0,
);

// colour.rs `viridis`: clamped to 0..1, non-finite as 0, linear between the stops.
fn viridis(s: f32) -> vec3<f32> {
    var v = s;
    if !(v == v) || abs(v) > 3.0e38 {
        v = 0.0;
    }
    let x = clamp(v, 0.0, 1.0) * 8.0;
    let i = min(u32(floor(x)), 7u);
    let f = x - f32(i);
    return mix(VIRIDIS[i], VIRIDIS[i + 1u], f);
}

// colour.rs `hue_wheel`: saturation 0.75, value 0.95, 0 and 1 both red.
fn hue_wheel(s: f32) -> vec3<f32> {
    var v = s;
    if !(v == v) || abs(v) > 3.0e38 {
        v = 0.0;
    }
    v = v - floor(v);
    let sat = 0.75;
    let val = 0.95;
    let h = v * 6.0;
    let f = h - floor(h);
    let p = val * (1.0 - sat);
    let q = val * (1.0 - sat * f);
    let t = val * (1.0 - sat * (1.0 - f));
    switch u32(floor(h)) % 6u {
        case 0u: { return vec3<f32>(val, t, p); }
        case 1u: { return vec3<f32>(q, val, p); }
        case 2u: { return vec3<f32>(p, val, t); }
        case 3u: { return vec3<f32>(p, q, val); }
        case 4u: { return vec3<f32>(t, p, val); }
        default: { return vec3<f32>(val, p, q); }
    }
}

struct SceneIn {
    @location(0) pos: vec3<f32>,
    @location(1) value: f32,
};

struct SceneOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) color: vec4<f32>,
};

@vertex
fn vs_scene(v: SceneIn, @builtin(vertex_index) index: u32) -> SceneOut {
    let capacity = max(params.capacity, 1u);
    // Slot `capacity` mirrors slot 0.
    let slot = index % capacity;
    let age = (params.newest + capacity - slot) % capacity;
    // Position along the trail, 0 at the oldest drawn point and 1 at the newest.
    let last = max(params.count, 2u) - 1u;
    let rank = max(i32(params.count) - 1 - i32(age), 0);
    let along = f32(rank) / f32(last);
    var rgb = params.colour.rgb;
    if params.mode == 1u {
        rgb = viridis(along);
    } else if params.mode == 2u {
        rgb = viridis(select(0.0, v.value / params.scale, params.scale > 0.0));
    } else if params.mode == 3u {
        rgb = hue_wheel(v.value);
    }
    var alpha = params.colour.a;
    if params.fade == 1u {
        alpha = alpha * (FADE_FLOOR + (1.0 - FADE_FLOOR) * along);
    }
    var out: SceneOut;
    out.clip = scene.view_proj * vec4<f32>(v.pos, 1.0);
    out.color = vec4<f32>(rgb, alpha);
    return out;
}

@fragment
fn fs_scene(v: SceneOut) -> @location(0) vec4<f32> {
    return v.color;
}

@fragment
fn fs_scene_linear(v: SceneOut) -> @location(0) vec4<f32> {
    return vec4<f32>(srgb_to_linear(v.color.rgb), v.color.a);
}

@group(0) @binding(1) var blit_texture: texture_2d<f32>;

@vertex
fn vs_blit(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    return viewport_triangle(index);
}

@fragment
fn fs_blit(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let size = vec2<i32>(textureDimensions(blit_texture));
    let texel = clamp(vec2<i32>(floor(frag.xy - scene.blit_origin)), vec2<i32>(0), size - 1);
    return vec4<f32>(textureLoad(blit_texture, texel, 0).rgb, 1.0);
}

// Backdrop: an opaque rectangle in one colour (see backdrop.rs). The colour arrives
// packed as RGBA8 (sRGB gamma) in the draw's first instance index, so the pipeline
// needs no buffer or bind group and each draw can have its own colour.
struct BackdropOut {
    @builtin(position) position: vec4<f32>,
    @location(0) @interpolate(flat) color: vec4<f32>,
};

@vertex
fn vs_backdrop(
    @builtin(vertex_index) index: u32,
    @builtin(instance_index) packed: u32,
) -> BackdropOut {
    var out: BackdropOut;
    out.position = viewport_triangle(index);
    out.color = unpack4x8unorm(packed);
    return out;
}

@fragment
fn fs_backdrop(v: BackdropOut) -> @location(0) vec4<f32> {
    return vec4<f32>(v.color.rgb, 1.0);
}

@fragment
fn fs_backdrop_linear(v: BackdropOut) -> @location(0) vec4<f32> {
    return vec4<f32>(srgb_to_linear(v.color.rgb), 1.0);
}
