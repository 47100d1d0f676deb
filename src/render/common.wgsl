// Helpers shared by the render shaders; prepended to shader.wgsl and image.wgsl
// (`SCENE_SHADER` in pipelines.rs, `IMAGE_SHADER` in image.rs).

// (-1,-1), (3,-1), (-1,3) for vertices 0, 1, 2: one triangle covering the whole viewport.
fn viewport_triangle(index: u32) -> vec4<f32> {
    let x = f32(i32(index & 1u) * 4 - 1);
    let y = f32(i32(index >> 1u) * 4 - 1);
    return vec4<f32>(x, y, 0.0, 1.0);
}

// sRGB gamma 0..1 to linear 0..1 (for sRGB framebuffers, which encode on write).
fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let lo = c / 12.92;
    let hi = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, c <= vec3<f32>(0.04045));
}

