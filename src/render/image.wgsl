//! Image: a translucent RGBA image (premultiplied alpha, sRGB gamma, as egui stores
//! colours) drawn over what egui painted before it, one texel looked up per pixel
//! (nearest) and blended premultiplied (see image.rs). The image covers `place`: its
//! top-left pixel and size in egui's framebuffer, so the lookup stays right when egui
//! clamps the viewport of an image that sticks out of the window.

struct Place {
    origin: vec2<f32>,
    size: vec2<f32>,
};

@group(0) @binding(0) var<uniform> place: Place;
@group(0) @binding(1) var image_texture: texture_2d<f32>;

// (-1,-1), (3,-1), (-1,3) for vertices 0, 1, 2: one triangle covering the whole viewport.
@vertex
fn vs_image(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let x = f32(i32(index & 1u) * 4 - 1);
    let y = f32(i32(index >> 1u) * 4 - 1);
    return vec4<f32>(x, y, 0.0, 1.0);
}

// The texel under framebuffer position `frag`: the image stretched over `place`, as a
// texture sampled with nearest filtering at the pixel's centre.
fn texel_at(frag: vec2<f32>) -> vec4<f32> {
    let dims = vec2<i32>(textureDimensions(image_texture));
    let along = (frag - place.origin) / max(place.size, vec2<f32>(1e-6));
    let texel = clamp(vec2<i32>(floor(along * vec2<f32>(dims))), vec2<i32>(0), dims - 1);
    return textureLoad(image_texture, texel, 0);
}

@fragment
fn fs_image(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    return texel_at(frag.xy);
}

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let lo = c / 12.92;
    let hi = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, c <= vec3<f32>(0.04045));
}

// For sRGB framebuffers, which encode on write (egui decodes its gamma colours the same way).
@fragment
fn fs_image_linear(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let c = texel_at(frag.xy);
    return vec4<f32>(srgb_to_linear(c.rgb), c.a);
}
