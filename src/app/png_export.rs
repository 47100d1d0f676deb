//! PNG export of the whole window or of one plot: at the window's resolution the next
//! frame is captured (egui's viewport screenshot) and cropped to the plot's rectangle;
//! at 2×–4× the plot is drawn again offscreen ([`super::hires_export`]) and handed in
//! with [`PngExport::save_rendered`]. Either way the image is written where the user
//! picks, with a provenance sidecar `<file>.provenance.json` (what was shown, the
//! system or dataset, the chaoslab version) as every exported file has.
//!
//! The capture needs a real renderer (the window, or `gui --screenshot`); the crop and the
//! file writing are plain functions, tested without one.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use anyhow::Context as _;
use egui::{ColorImage, Rect};
use image::ImageEncoder;

use super::hires_export::Readback;
use crate::jobs::Waker;

/// What is being exported: a plot by name and where it sits on screen (`None`: the
/// whole window).
#[derive(Clone, Debug, PartialEq)]
pub struct PngTarget {
    /// A file-name-friendly name (`eigenvalues`, `window`, …).
    pub name: String,
    /// The plot's rectangle in points; `None` for the whole window.
    pub rect: Option<Rect>,
}

enum Stage {
    /// Waiting for the renderer to deliver the frame.
    Capturing {
        target: PngTarget,
        provenance: String,
        rx: Receiver<Arc<ColorImage>>,
    },
    /// The file dialog and the write run on a helper thread.
    Saving(Receiver<Result<String, String>>),
}

/// The state of a PNG export in progress and the last outcome.
pub struct PngExport {
    stage: Option<Stage>,
    /// The last outcome ("saved …" or the error), shown in the window.
    pub status: Option<String>,
    /// The resolution of every PNG export, as a multiple of the window's pixels (1–4).
    pub scale: u32,
}

impl Default for PngExport {
    fn default() -> Self {
        Self {
            stage: None,
            status: None,
            scale: 1,
        }
    }
}

/// Pixels on their way to a file: a cropped window frame or an offscreen rendering.
pub enum Pixels {
    /// A (cropped) screenshot.
    Frame(ColorImage),
    /// A view drawn offscreen at a higher resolution, as read back from the GPU.
    Rendered(Readback),
}

impl Pixels {
    /// Width, height and packed RGBA8 rows.
    fn into_rgba(self) -> (u32, u32, Vec<u8>) {
        match self {
            Pixels::Frame(image) => {
                let [w, h] = image.size;
                let rgba = image.pixels.iter().flat_map(|c| c.to_array()).collect();
                (w as u32, h as u32, rgba)
            }
            Pixels::Rendered(read) => (read.width, read.height, read.into_rgba()),
        }
    }
}

impl PngExport {
    /// True while a capture or a save is under way.
    pub fn busy(&self) -> bool {
        self.stage.is_some()
    }

    /// Asks the renderer for the next frame; [`Self::poll`] crops and saves it.
    pub fn request(
        &mut self,
        ctx: &egui::Context,
        target: PngTarget,
        provenance: String,
        waker: Option<Waker>,
    ) {
        if self.busy() {
            return;
        }
        let (tx, rx) = channel();
        ctx.request_screenshot(move |img| {
            let _ = tx.send(img);
            if let Some(w) = waker {
                w();
            }
        });
        self.status = Some(format!("capturing {}…", target.name));
        self.stage = Some(Stage::Capturing {
            target,
            provenance,
            rx,
        });
    }

    /// Saves a view drawn offscreen (at [`Self::scale`]) through the save dialog on a
    /// helper thread, which also unpacks the GPU's rows and encodes the PNG.
    pub fn save_rendered(
        &mut self,
        image: Readback,
        name: String,
        provenance: String,
        waker: Option<Waker>,
    ) {
        if self.busy() {
            return;
        }
        self.save(Pixels::Rendered(image), name, provenance, waker);
    }

    /// Asks for a file name and writes `pixels` there, both on a helper thread.
    fn save(&mut self, pixels: Pixels, name: String, provenance: String, waker: Option<Waker>) {
        self.status = Some(format!("saving {name}…"));
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let picked = rfd::FileDialog::new()
                .add_filter("PNG", &["png"])
                .set_file_name(format!("{}.png", file_stem(&name)))
                .save_file();
            let result = match picked {
                Some(path) => {
                    let (w, h, rgba) = pixels.into_rgba();
                    write_png_rgba(&path, w, h, &rgba, &name, &provenance)
                        .map(|()| format!("saved {} ({w} × {h} px)", path.display()))
                        .map_err(|e| format!("{e:#}"))
                }
                None => Err("export cancelled (no file chosen)".into()),
            };
            let _ = tx.send(result);
            if let Some(w) = waker {
                w();
            }
        });
        self.stage = Some(Stage::Saving(rx));
    }

    /// Advances the export: a delivered frame is cropped and handed to a save dialog on
    /// a helper thread; a finished save updates [`Self::status`].
    pub fn poll(&mut self, ctx: &egui::Context, waker: Option<Waker>) {
        match &self.stage {
            Some(Stage::Capturing {
                target,
                provenance,
                rx,
            }) => {
                ctx.request_repaint();
                let Ok(frame) = rx.try_recv() else {
                    return;
                };
                let image = crop(&frame, target.rect, ctx.pixels_per_point());
                let (target, provenance) = (target.clone(), provenance.clone());
                self.save(Pixels::Frame(image), target.name, provenance, waker);
            }
            Some(Stage::Saving(rx)) => {
                if let Ok(result) = rx.try_recv() {
                    self.status = Some(result.unwrap_or_else(|e| e));
                    self.stage = None;
                }
            }
            None => {}
        }
    }
}

/// `name` as a file name: lower case, runs of other characters as one `-`
/// ("3-D view" → `3-d-view`, "Poincaré section" → `poincaré-section`).
pub fn file_stem(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The plot of `plots` (names with where they are drawn) that `name` means, matched by
/// [`file_stem`] so "eigenvalue plot" finds "Eigenvalue plot"; an error listing what is
/// on screen when none matches.
pub fn find_plot(plots: &[(String, Rect)], name: &str) -> anyhow::Result<(String, Rect)> {
    let wanted = file_stem(name);
    plots
        .iter()
        .find(|(n, _)| file_stem(n) == wanted)
        .cloned()
        .with_context(|| {
            format!(
                "no plot named '{name}' is on screen; the window shows: {}",
                plots
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// The part of `frame` under `rect` (in points, `ppp` pixels per point), clipped to the
/// frame; the whole frame for `None`.
pub fn crop(frame: &ColorImage, rect: Option<Rect>, ppp: f32) -> ColorImage {
    let Some(rect) = rect else {
        return frame.clone();
    };
    let [w, h] = frame.size;
    let px = |v: f32, max: usize| ((v * ppp).round().max(0.0) as usize).min(max);
    let (x0, y0) = (px(rect.min.x, w), px(rect.min.y, h));
    let (x1, y1) = (px(rect.max.x, w), px(rect.max.y, h));
    if x1 <= x0 || y1 <= y0 {
        return frame.clone();
    }
    frame.region_by_pixels([x0, y0], [x1 - x0, y1 - y0])
}

/// Writes `image` as a PNG at `path` (atomically) and its provenance sidecar
/// `<path>.provenance.json`.
pub fn write_png(
    path: &Path,
    image: &ColorImage,
    what: &str,
    provenance: &str,
) -> anyhow::Result<()> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    write_png_rgba(path, w as u32, h as u32, &rgba, what, provenance)
}

/// Writes `w` × `h` packed RGBA8 pixels as a PNG at `path` (atomically) and its
/// provenance sidecar `<path>.provenance.json`.
pub fn write_png_rgba(
    path: &Path,
    w: u32,
    h: u32,
    rgba: &[u8],
    what: &str,
    provenance: &str,
) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(rgba, w, h, image::ExtendedColorType::Rgba8)
        .context("encoding the PNG")?;
    crate::io::write_atomic(path, &bytes)?;
    let sidecar = serde_json::json!({
        "image": what,
        "width": w,
        "height": h,
        "provenance": provenance,
        "chaoslab_version": env!("CARGO_PKG_VERSION"),
    });
    let mut side: std::ffi::OsString = path.as_os_str().to_owned();
    side.push(".provenance.json");
    crate::io::write_atomic(
        &PathBuf::from(side),
        serde_json::to_string_pretty(&sidecar)
            .context("serialising the provenance")?
            .as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{Color32, pos2};

    /// A 40 × 30 frame whose pixel (x, y) has red = x, green = y.
    fn frame() -> ColorImage {
        let mut img = ColorImage::filled([40, 30], Color32::BLACK);
        for y in 0..30 {
            for x in 0..40 {
                img[(x, y)] = Color32::from_rgb(x as u8, y as u8, 7);
            }
        }
        img
    }

    #[test]
    fn crops_in_pixels_and_writes_a_png_that_reads_back() {
        // 2 pixels per point: the rectangle (5, 4)–(12, 10) points is pixels 10..24 × 8..20.
        let rect = Rect::from_min_max(pos2(5.0, 4.0), pos2(12.0, 10.0));
        let cut = crop(&frame(), Some(rect), 2.0);
        assert_eq!(cut.size, [14, 12]);
        assert_eq!(cut[(0, 0)], Color32::from_rgb(10, 8, 7));
        assert_eq!(cut[(13, 11)], Color32::from_rgb(23, 19, 7));
        // A rectangle reaching past the frame is clipped to it.
        let edge = crop(
            &frame(),
            Some(Rect::from_min_max(pos2(15.0, 10.0), pos2(99.0, 99.0))),
            2.0,
        );
        assert_eq!(edge.size, [10, 10]);
        assert_eq!(crop(&frame(), None, 2.0).size, [40, 30]);
        assert_eq!(file_stem("3-D view"), "3-d-view");
        assert_eq!(file_stem("Forecast-error plot"), "forecast-error-plot");

        let dir = std::env::temp_dir().join(format!("chaoslab-png-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("plot.png");
        write_png(&path, &cut, "eigenvalues", "system Lorenz").expect("written");
        let back = image::open(&path).expect("a PNG").to_rgba8();
        assert_eq!(back.dimensions(), (14, 12));
        assert_eq!(back.get_pixel(13, 11).0, [23, 19, 7, 255]);
        let side: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("plot.png.provenance.json")).expect("sidecar"),
        )
        .expect("JSON");
        assert_eq!(side["image"], "eigenvalues");
        assert_eq!(side["provenance"], "system Lorenz");
    }
}
