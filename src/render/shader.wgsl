//! Shaders for the 3-D attractor view.
//!
//! Scene: line strips with a per-vertex position and sRGB-gamma colour,
//! transformed by one view-projection matrix. `fs_scene` writes the colour
//! as is (gamma framebuffers, egui's preference); `fs_scene_linear` decodes
//! it first, for sRGB framebuffers that encode on write.
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

struct SceneIn {
    @location(0) pos: vec3<f32>,
    @location(1) color: vec4<f32>,
};

struct SceneOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) color: vec4<f32>,
};

@vertex
fn vs_scene(v: SceneIn) -> SceneOut {
    var out: SceneOut;
    out.clip = scene.view_proj * vec4<f32>(v.pos, 1.0);
    out.color = v.color;
    return out;
}

@fragment
fn fs_scene(v: SceneOut) -> @location(0) vec4<f32> {
    return v.color;
}

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let lo = c / 12.92;
    let hi = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, c <= vec3<f32>(0.04045));
}

@fragment
fn fs_scene_linear(v: SceneOut) -> @location(0) vec4<f32> {
    return vec4<f32>(srgb_to_linear(v.color.rgb), v.color.a);
}

@group(0) @binding(1) var blit_texture: texture_2d<f32>;

@vertex
fn vs_blit(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    // (-1,-1), (3,-1), (-1,3): one triangle covering the whole viewport.
    let x = f32(i32(index & 1u) * 4 - 1);
    let y = f32(i32(index >> 1u) * 4 - 1);
    return vec4<f32>(x, y, 0.0, 1.0);
}

@fragment
fn fs_blit(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let size = vec2<i32>(textureDimensions(blit_texture));
    let texel = clamp(vec2<i32>(floor(frag.xy - scene.blit_origin)), vec2<i32>(0), size - 1);
    return vec4<f32>(textureLoad(blit_texture, texel, 0).rgb, 1.0);
}
