//! Offscreen rendering of one view at K× the window's pixel density, for PNG export at
//! a higher resolution than the screen.
//!
//! The view is drawn once more, with the same state, into a fresh `egui::Context`
//! whose screen is the view's rectangle (in points) and whose pixels per point are K
//! times the window's: text is laid out identically but rasterised at K× resolution,
//! lines are tessellated K× finer, and the 3-D view's paint callback renders its
//! offscreen target at K× size. The frame is painted by a second `egui_wgpu::Renderer`
//! (on the window's device and queue, with the attractor pipelines installed in its own
//! callback resources) into a texture of the window's colour format, copied into a
//! buffer and mapped.
//!
//! A view window (an `egui::Window`) is drawn in a context that copies the window's
//! whole memory (so the window sits where it does on screen) over the whole screen,
//! and only its rectangle is painted ([`Region::Window`]).
//!
//! The GPU work runs on the UI thread (it must); what comes back is a [`Readback`]
//! whose row-padding removal and channel swizzle ([`Readback::into_rgba`]) run, with
//! the PNG encoding, on the export's helper thread.

use eframe::egui_wgpu::{self, RenderState, wgpu};
use egui::{Pos2, Rect, Vec2};

/// The resolutions offered, as multiples of the window's pixels.
pub const SCALES: [u32; 4] = [1, 2, 3, 4];

/// How long the UI thread waits for the GPU before giving up on an export.
const GPU_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The image size in pixels of the view at `rect` (in points) drawn at `scale` times
/// the window's `ppp` pixels per point: `scale` times the pixels the window shows it
/// on (whose edges are rounded to whole pixels, as a screenshot crop rounds them), at
/// least 1 a side.
pub fn pixel_size(rect: Rect, ppp: f32, scale: u32) -> [u32; 2] {
    let px = |lo: f32, hi: f32| ((hi * ppp).round() - (lo * ppp).round()).max(1.0) as u32 * scale;
    [px(rect.min.x, rect.max.x), px(rect.min.y, rect.max.y)]
}

/// Checks that a `size` pixel image fits in one texture of the device (both sides at
/// most `max_dim`, the device's `max_texture_dimension_2d`).
pub fn check_size(size: [u32; 2], max_dim: u32, scale: u32) -> anyhow::Result<()> {
    let [w, h] = size;
    if w > max_dim || h > max_dim {
        anyhow::bail!(
            "a {scale}× export would be {w} × {h} pixels, more than this GPU's largest texture \
             ({max_dim} pixels a side); choose a lower resolution or export a smaller view"
        );
    }
    Ok(())
}

/// Bytes per row of a `width`-pixel RGBA8 image in a buffer that a texture is copied
/// into: rounded up to wgpu's copy alignment (256 bytes).
pub fn padded_row_bytes(width: u32) -> usize {
    let row = width as usize * 4;
    let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT as usize;
    row.div_ceil(align) * align
}

/// The tightly packed rows (`width` × 4 bytes each) of `height` rows stored
/// `padded_row` bytes apart in `data`.
pub fn unpad_rows(data: &[u8], width: u32, height: u32, padded_row: usize) -> Vec<u8> {
    let row = width as usize * 4;
    data.chunks(padded_row)
        .take(height as usize)
        .flat_map(|r| &r[..row.min(r.len())])
        .copied()
        .collect()
}

/// Swaps the first and third byte of every pixel: BGRA ↔ RGBA.
pub fn swap_red_blue(pixels: &mut [u8]) {
    for p in pixels.chunks_exact_mut(4) {
        p.swap(0, 2);
    }
}

/// Whether pixels of `format` are stored BGRA (`true`) or RGBA (`false`); an error for
/// formats other than 8-bit RGBA/BGRA, which the export cannot write.
pub fn is_bgra(format: wgpu::TextureFormat) -> anyhow::Result<bool> {
    use wgpu::TextureFormat as F;
    match format {
        F::Bgra8Unorm | F::Bgra8UnormSrgb => Ok(true),
        F::Rgba8Unorm | F::Rgba8UnormSrgb => Ok(false),
        other => anyhow::bail!(
            "the window draws in {other:?}, which the high-resolution export cannot read; \
             export at 1× instead"
        ),
    }
}

/// The mapped pixels of an offscreen frame, as the GPU laid them out.
pub struct Readback {
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    padded_row: usize,
    bgra: bool,
    bytes: Vec<u8>,
}

impl Readback {
    /// The image as packed RGBA8 rows, top first (cheap enough, but meant for a helper
    /// thread: a 4× window is ~80 MB).
    pub fn into_rgba(self) -> Vec<u8> {
        let mut rgba = unpad_rows(&self.bytes, self.width, self.height, self.padded_row);
        if self.bgra {
            swap_red_blue(&mut rgba);
        }
        rgba
    }

    /// The image as an egui `ColorImage` (for tests and comparisons).
    pub fn into_color_image(self) -> egui::ColorImage {
        let size = [self.width as usize, self.height as usize];
        egui::ColorImage::from_rgba_unmultiplied(size, &self.into_rgba())
    }
}

/// What the offscreen pass draws and which part of it becomes the image.
#[derive(Clone, Copy, Debug)]
pub enum Region {
    /// `draw` fills a screen the size of this rectangle (the view's place in the
    /// window), with `main`'s options, theme and widget data (so plots keep the bounds
    /// the user zoomed to, when `draw` gives them the same ids).
    Plot(Rect),
    /// `draw` shows an `egui::Window` on a screen as large as `main`'s, with all of
    /// `main`'s memory (window positions included); the image is this rectangle of it.
    Window(Rect),
}

/// Draws `draw` once offscreen (see [`Region`]) at `scale` times `main`'s pixels per
/// point and reads back the region's [`pixel_size`] pixels.
///
/// Fails, naming the limit, when the image would exceed the device's largest texture,
/// when the window's colour format is not 8-bit RGBA/BGRA, or when the GPU does not
/// finish within 30 s.
pub fn render(
    rs: &RenderState,
    main: &egui::Context,
    region: Region,
    scale: u32,
    draw: impl FnMut(&mut egui::Ui),
) -> anyhow::Result<Readback> {
    let rect = match region {
        Region::Plot(r) | Region::Window(r) => r,
    };
    let [width, height] = pixel_size(rect, main.pixels_per_point(), scale);
    check_size(
        [width, height],
        rs.device.limits().max_texture_dimension_2d,
        scale,
    )?;
    let bgra = is_bgra(rs.target_format)?;
    let ppp = main.pixels_per_point() * scale as f32;
    // The image's pixels at `ppp`, in points.
    let size_points = Vec2::new(width as f32, height as f32) / ppp;
    let (ctx, mut output) = match region {
        Region::Plot(_) => run_pass(
            main,
            Rect::from_min_size(Pos2::ZERO, size_points),
            false,
            ppp,
            draw,
        ),
        Region::Window(_) => {
            let (ctx, mut output) = run_pass(main, main.content_rect(), true, ppp, draw);
            // Move the region to the origin by whole pixels (its corner, rounded as
            // `pixel_size` rounds it), so nothing is resampled.
            let ppp1 = main.pixels_per_point();
            let origin = (rect.min.to_vec2() * ppp1).round() / ppp1;
            for clipped in &mut output.shapes {
                clipped.clip_rect = clipped.clip_rect.translate(-origin);
                clipped.shape.translate(-origin);
            }
            (ctx, output)
        }
    };
    let shapes = std::mem::take(&mut output.shapes);
    let jobs = ctx.tessellate(shapes, output.pixels_per_point);
    let screen = egui_wgpu::ScreenDescriptor {
        size_in_pixels: [width, height],
        pixels_per_point: output.pixels_per_point,
    };

    let (device, queue) = (&rs.device, &rs.queue);
    let mut renderer = egui_wgpu::Renderer::new(
        device,
        rs.target_format,
        egui_wgpu::RendererOptions::default(),
    );
    crate::render::install_into(&mut renderer.callback_resources, rs);
    for (id, deltas) in &output.textures_delta.set {
        for delta in deltas {
            renderer.update_texture(device, queue, *id, delta);
        }
    }
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("chaoslab export frame"),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: rs.target_format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let target = texture.create_view(&wgpu::TextureViewDescriptor::default());
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("chaoslab export encoder"),
    });
    let user_buffers = renderer.update_buffers(device, queue, &mut encoder, &jobs, &screen);
    {
        let mut pass = encoder
            .begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("chaoslab export pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            })
            .forget_lifetime();
        renderer.render(&mut pass, &jobs, &screen);
    }
    let padded_row = padded_row_bytes(width);
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("chaoslab export readback"),
        size: (padded_row * height as usize) as wgpu::BufferAddress,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded_row as u32),
                rows_per_image: None,
            },
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    let submission = queue.submit(user_buffers.into_iter().chain([encoder.finish()]));
    let slice = buffer.slice(..);
    let (tx, rx) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    device
        .poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: Some(GPU_TIMEOUT),
        })
        .map_err(|e| anyhow::anyhow!("the GPU did not finish the export frame: {e}"))?;
    rx.recv_timeout(GPU_TIMEOUT)
        .map_err(|_| anyhow::anyhow!("the GPU did not hand back the export frame"))?
        .map_err(|e| anyhow::anyhow!("reading the export frame back from the GPU: {e}"))?;
    let bytes = slice
        .get_mapped_range()
        .map_err(|e| anyhow::anyhow!("reading the export frame back from the GPU: {e}"))?
        .to_vec();
    buffer.unmap();
    for id in &output.textures_delta.free {
        renderer.free_texture(id);
    }
    Ok(Readback {
        width,
        height,
        padded_row,
        bgra,
        bytes,
    })
}

/// One egui pass of `draw` in a fresh context copying `main`'s options, theme and
/// widget data (all its memory with `whole_memory`), on `screen` at `ppp` pixels per
/// point.
fn run_pass(
    main: &egui::Context,
    screen: Rect,
    whole_memory: bool,
    ppp: f32,
    mut draw: impl FnMut(&mut egui::Ui),
) -> (egui::Context, egui::FullOutput) {
    let ctx = egui::Context::default();
    ctx.options_mut(|o| {
        *o = main.options(|m| m.clone());
        // `ppp` already includes the window's zoom.
        o.zoom_factor = 1.0;
    });
    if whole_memory {
        let memory = main.memory(|m| m.clone());
        ctx.memory_mut(|m| *m = memory);
    } else {
        let memory = main.data(|d| d.clone());
        ctx.data_mut(|d| *d = memory);
    }
    let mut input = egui::RawInput {
        screen_rect: Some(screen),
        // The window's clock: a view window that appeared at time t fades in from t, so
        // a clock behind it would draw it transparent.
        time: Some(main.input(|i| i.time)),
        system_theme: Some(main.theme()),
        ..Default::default()
    };
    input
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .native_pixels_per_point = Some(ppp);
    let output = ctx.run_ui(input, |ui| {
        let fill = ui.visuals().panel_fill;
        ui.painter().rect_filled(ui.max_rect(), 0.0, fill);
        draw(ui);
    });
    (ctx, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_scale_with_the_window_and_respect_the_device_limit() {
        // A 700 × 450 point view on a 1.5 ppp screen: 1050 × 675 pixels at 1×.
        let rect = Rect::from_min_size(egui::pos2(10.0, 20.0), egui::vec2(700.0, 450.0));
        assert_eq!(pixel_size(rect, 1.5, 1), [1050, 675]);
        assert_eq!(pixel_size(rect, 1.5, 2), [2100, 1350]);
        assert_eq!(pixel_size(rect, 1.5, 4), [4200, 2700]);
        // Edges round as the screenshot crop rounds them: x 260.5..1032 is pixels
        // 261..1032 (771 wide, though the width is 771.5), and K× is exactly K × that.
        let odd = Rect::from_min_max(egui::pos2(260.5, 0.0), egui::pos2(1032.0, 10.0));
        assert_eq!(pixel_size(odd, 1.0, 1), [771, 10]);
        assert_eq!(pixel_size(odd, 1.0, 3), [2313, 30]);
        let frame = egui::ColorImage::filled([1400, 900], egui::Color32::BLACK);
        assert_eq!(
            super::super::png_export::crop(&frame, Some(odd), 1.0).size,
            [771, 10]
        );
        // A side thinner than a pixel still gets one (times the scale).
        let thin = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(5.0, 0.2));
        assert_eq!(pixel_size(thin, 1.0, 2), [10, 2]);
        assert!(check_size([8192, 8192], 8192, 4).is_ok());
        let err = check_size([8193, 100], 8192, 4).expect_err("too wide");
        assert!(format!("{err}").contains("8193 × 100"), "{err}");
        assert!(format!("{err}").contains("8192"), "{err}");
    }

    #[test]
    fn rows_lose_their_padding_and_channels_swap() {
        // 3 pixels = 12 bytes a row, padded to 256.
        assert_eq!(padded_row_bytes(3), 256);
        assert_eq!(padded_row_bytes(64), 256);
        assert_eq!(padded_row_bytes(65), 512);
        let (w, h) = (3u32, 2u32);
        let padded = padded_row_bytes(w);
        let mut data = vec![0xEEu8; padded * h as usize];
        for y in 0..h as usize {
            for x in 0..w as usize {
                let i = y * padded + 4 * x;
                data[i..i + 4].copy_from_slice(&[10 * x as u8, 100 + y as u8, 200, 255]);
            }
        }
        let mut packed = unpad_rows(&data, w, h, padded);
        assert_eq!(packed.len(), 24);
        assert!(!packed.contains(&0xEE), "padding left in");
        assert_eq!(&packed[12..16], &[0, 101, 200, 255]);
        swap_red_blue(&mut packed);
        assert_eq!(&packed[20..24], &[200, 101, 20, 255]);

        let read = Readback {
            width: w,
            height: h,
            padded_row: padded,
            bgra: true,
            bytes: data,
        };
        let img = read.into_color_image();
        assert_eq!(img.size, [3, 2]);
        assert_eq!(img[(2, 1)], egui::Color32::from_rgb(200, 101, 20));
    }

    #[test]
    fn only_8_bit_rgba_and_bgra_formats_are_read() {
        assert!(is_bgra(wgpu::TextureFormat::Bgra8UnormSrgb).expect("bgra"));
        assert!(!is_bgra(wgpu::TextureFormat::Rgba8Unorm).expect("rgba"));
        let err = is_bgra(wgpu::TextureFormat::Rgba16Float).expect_err("unsupported");
        assert!(format!("{err}").contains("1×"), "{err}");
    }
}
