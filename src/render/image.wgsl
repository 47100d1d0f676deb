//! Image: a translucent RGBA image (premultiplied alpha, sRGB gamma, as egui stores
//! colours) drawn over what egui painted before it, one texel looked up per pixel
//! (nearest) and blended premultiplied (see image.rs). The image covers `place`: its
//! top-left pixel and size in egui's framebuffer, so the lookup stays right when egui
//! clamps the viewport of an image that sticks out of the window.

struct Place {
    size: vec2<f32>,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> place: Place;
@group(0) @binding(1) var image_texture: texture_2d<f32>;

struct ImageOut {
    @builtin(position) position: vec4<f32>,
    // Top-left pixel of the image (image.rs `pack_origin`: x and y + 32768 in 16 bits each).
    @location(0) @interpolate(flat) origin: u32,
};

@vertex
fn vs_image(
    @builtin(vertex_index) index: u32,
    @builtin(instance_index) origin: u32,
) -> ImageOut {
    var out: ImageOut;
    out.position = viewport_triangle(index);
    out.origin = origin;
    return out;
}

// The texel under framebuffer position `frag`: the image stretched from `origin` over
// `place.size` pixels, as a texture sampled with nearest filtering at the pixel's centre.
fn texel_at(frag: vec2<f32>, packed: u32) -> vec4<f32> {
    let origin = vec2<f32>(f32(i32(packed & 0xffffu) - 32768), f32(i32(packed >> 16u) - 32768));
    let dims = vec2<i32>(textureDimensions(image_texture));
    let along = (frag - origin) / max(place.size, vec2<f32>(1e-6));
    let texel = clamp(vec2<i32>(floor(along * vec2<f32>(dims))), vec2<i32>(0), dims - 1);
    return textureLoad(image_texture, texel, 0);
}

@fragment
fn fs_image(v: ImageOut) -> @location(0) vec4<f32> {
    return texel_at(v.position.xy, v.origin);
}

// For sRGB framebuffers, which encode on write (egui decodes its gamma colours the same way).
@fragment
fn fs_image_linear(v: ImageOut) -> @location(0) vec4<f32> {
    let c = texel_at(v.position.xy, v.origin);
    return vec4<f32>(srgb_to_linear(c.rgb), c.a);
}
