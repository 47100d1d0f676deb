//! Pixel snapshots of the whole window on Mesa's software Vulkan (lavapipe), behind the
//! `snapshots` feature: `cargo test --release --features snapshots --test snapshots`.
//! `UPDATE_SNAPSHOTS=1` accepts new images into `tests/snapshots/`.
#![cfg(feature = "snapshots")]

use std::time::{Duration, Instant};

use chaoslab::app::ChaosApp;
use chaoslab::app::bench::FitStatus;
use chaoslab::app::preset::Preset;
use egui_kittest::Harness;

/// The window on `presets/<preset>` with the live orbit stopped (a still attractor, so
/// images are reproducible), after `configure` has set up the app.
fn still_window(
    preset: &str,
    configure: impl FnOnce(&mut ChaosApp) + 'static,
) -> Harness<'static, ChaosApp> {
    let preset_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("presets")
        .join(preset);
    let preset = Preset::load(&preset_path).expect("preset");
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_step_dt(1.0 / 60.0)
        .wgpu()
        .build_eframe(move |cc| {
            let mut app = ChaosApp::new(cc, Some(preset)).expect("app");
            app.live.playing = false;
            configure(&mut app);
            app
        })
}

/// The window on the DMD preset, the side-by-side views shown or not, once its fits
/// are done.
fn lorenz_dmd_fitted(side_by_side: bool) -> Harness<'static, ChaosApp> {
    let mut h = still_window("lorenz-dmd.json", move |app| {
        app.views.side_by_side.open = side_by_side;
    });
    step_until_idle(&mut h, "the fits");
    h
}

/// Steps the window until its jobs (`what`) have finished, at most two minutes.
fn step_until_idle(h: &mut Harness<'static, ChaosApp>, what: &str) {
    let start = Instant::now();
    h.step();
    while h.state().busy() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{what} did not finish"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn lorenz_with_a_dmd_fit() {
    let mut h = lorenz_dmd_fitted(false);
    // The card prints the wall-clock fit time, which differs on every run: pin it so the
    // image compares equal (every other number on screen is deterministic).
    match &mut h.state_mut().bench.cards[0].status {
        FitStatus::Done(out) => out.fit_seconds = 0.01,
        _ => panic!("the preset's DMD fit did not succeed"),
    }
    h.run_steps(3);
    let image = h.render().expect("renders on lavapipe");
    // The 3-D view is drawn: the centre of the window is not the plain background.
    let centre = image.get_pixel(700, 300);
    assert!(
        image.pixels().filter(|p| p[2] > 150 && p[0] < 150).count() > 500,
        "no attractor pixels; centre {centre:?}"
    );
    h.snapshot("lorenz_dmd");
}

/// The window on the butterfly preset with the orbits stopped: no jobs, a fixed picture.
fn still_butterfly() -> Harness<'static, ChaosApp> {
    let mut h = still_window("lorenz-butterfly.json", |_| {});
    h.run_steps(5);
    h
}

/// A still 3-D view is rendered offscreen once and then kept (on lavapipe every pass of
/// a large multisampled view costs CPU); turning its camera renders it again.
#[test]
fn a_still_view_renders_once_and_again_when_its_camera_turns() {
    use chaoslab::render::offscreen_passes;
    let mut h = still_butterfly();
    let first = h.render().expect("renders on lavapipe");
    let passes = offscreen_passes();
    assert!(passes > 0, "the first frame rendered no view");
    h.run_steps(3);
    let kept = h.render().expect("renders");
    assert_eq!(
        offscreen_passes(),
        passes,
        "an unchanged view rendered again"
    );
    assert!(
        first.as_raw() == kept.as_raw(),
        "the kept texture does not show the same picture"
    );

    // Drag across the live view: the camera turns and the view renders again.
    let from = egui::pos2(700.0, 300.0);
    h.hover_at(from);
    h.drag_at(from);
    h.step();
    for dx in 1..=6 {
        h.hover_at(from + egui::vec2(20.0 * dx as f32, 0.0));
        h.step();
    }
    h.drop_at(from + egui::vec2(120.0, 0.0));
    h.run_steps(2);
    let turned = h.render().expect("renders");
    assert!(
        offscreen_passes() > passes,
        "the turned view was not rendered"
    );
    let changed = first
        .pixels()
        .zip(turned.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        changed > 1000,
        "turning the camera changed only {changed} pixels"
    );
}

/// `img` averaged over `k` × `k` boxes (its size must be a multiple of `k`).
fn box_downsample(img: &egui::ColorImage, k: usize) -> egui::ColorImage {
    let [w, h] = [img.size[0] / k, img.size[1] / k];
    let mut out = egui::ColorImage::filled([w, h], egui::Color32::BLACK);
    for y in 0..h {
        for x in 0..w {
            let mut sum = [0u32; 4];
            for dy in 0..k {
                for dx in 0..k {
                    let p = img[(k * x + dx, k * y + dy)].to_array();
                    for c in 0..4 {
                        sum[c] += u32::from(p[c]);
                    }
                }
            }
            let n = (k * k) as u32;
            let [r, g, b, a] = sum.map(|s| ((s + n / 2) / n) as u8);
            out[(x, y)] = egui::Color32::from_rgba_premultiplied(r, g, b, a);
        }
    }
    out
}

/// Mean absolute difference of the RGB channels of two equally large images, 0–255.
fn mean_abs_diff(a: &egui::ColorImage, b: &egui::ColorImage) -> f64 {
    assert_eq!(a.size, b.size);
    let total: u64 = a
        .pixels
        .iter()
        .zip(&b.pixels)
        .map(|(p, q)| {
            (0..3)
                .map(|c| u64::from(p.to_array()[c].abs_diff(q.to_array()[c])))
                .sum::<u64>()
        })
        .sum();
    total as f64 / (3 * a.pixels.len()) as f64
}

/// Whether `p` is farther than `tol` (in some channel) from every colour of `backgrounds`.
fn is_drawn(p: egui::Color32, backgrounds: &[egui::Color32], tol: u8) -> bool {
    let p = p.to_array();
    backgrounds.iter().all(|b| {
        let b = b.to_array();
        (0..3).any(|c| p[c].abs_diff(b[c]) > tol)
    })
}

/// The fraction of pixels drawn over `backgrounds` ([`is_drawn`]).
fn drawn_fraction(img: &egui::ColorImage, backgrounds: &[egui::Color32], tol: u8) -> f64 {
    let drawn = img
        .pixels
        .iter()
        .filter(|p| is_drawn(**p, backgrounds, tol))
        .count();
    drawn as f64 / img.pixels.len() as f64
}

/// The `n` most frequent colours of `img`: the backgrounds of a view (a 3-D view's
/// own; small multiples' and the panel's between them).
fn most_frequent(img: &egui::ColorImage, n: usize) -> Vec<egui::Color32> {
    let mut counts = std::collections::HashMap::new();
    for p in &img.pixels {
        *counts.entry(*p).or_insert(0usize) += 1;
    }
    let mut by_count: Vec<_> = counts.into_iter().collect();
    by_count.sort_by_key(|c| std::cmp::Reverse(c.1));
    by_count.into_iter().take(n).map(|(c, _)| c).collect()
}

#[test]
fn the_3d_view_exports_at_twice_and_four_times_the_pixels() {
    let mut h = still_butterfly();
    check_exports(&mut h, "3-D view", 1, &[2, 4], 0.95);
}

#[test]
fn the_side_by_side_views_export_at_twice_the_pixels() {
    let mut h = lorenz_dmd_fitted(true);
    h.run_steps(5);
    // Thin, sparse lines and small titles: a one-pixel line at 2× is half as bright
    // once downsampled, so fewer 8 × 8 blocks keep a drawn pixel than for the dense
    // butterfly (measured on lavapipe: 2× blocks overlap 1×'s by 0.92; the 1× picture
    // shifted by 12 pixels by 0.62, which the 0.85 bound must and does reject).
    check_exports(&mut h, "Attractors side by side", 2, &[2], 0.85);
}

/// The orbit-diagram window, whose density image our own pipeline draws, exports at
/// 2× with the image in place: a high-resolution export moves a view window's shapes
/// after they were made, which the image's placement must follow.
#[test]
fn the_orbit_diagram_window_exports_at_twice_the_pixels_with_its_image() {
    let mut h = still_window("logistic-orbit-diagram.json", |_| {});
    step_until_idle(&mut h, "the orbit diagram");
    h.run_steps(5);
    let ctx = h.ctx.clone();
    // The diagram's points: its blue (90, 190, 255) over the dark window, blended.
    let orbit_blue = |c: egui::Color32| c.b() > 120 && c.b() > c.r() + 60 && c.g() > c.r();
    let count = |img: &egui::ColorImage| img.pixels.iter().filter(|c| orbit_blue(**c)).count();
    let mut export = |k: u32| {
        h.state_mut()
            .render_view(&ctx, "Orbit diagram", k)
            .expect("renders offscreen")
            .into_color_image()
    };
    let (one, two) = (export(1), export(2));
    // One image pixel per screen pixel at either scale: at 2× a 1× pixel's points
    // spread over up to four pixels (a single point's pixel, box-downsampled, would
    // fade to a quarter, so the 2× image is counted as it is).
    let (blue_one, blue_two) = (count(&one), count(&two));
    eprintln!("orbit diagram: {blue_one} blue pixels at 1×, {blue_two} at 2×");
    assert!(blue_one > 2_000, "only {blue_one} diagram pixels at 1×");
    assert!(
        blue_two >= blue_one && blue_two <= 4 * blue_one,
        "{blue_two} diagram pixels at 2× against {blue_one} at 1×"
    );
    // And in the same places: a 2× blue pixel has a blue 1× pixel within one pixel of
    // its half-resolution position (a placement off by more fails this).
    let [w, h1] = one.size;
    let near_blue_one = |x: usize, y: usize| {
        (x.saturating_sub(1)..=(x + 1).min(w - 1))
            .any(|i| (y.saturating_sub(1)..=(y + 1).min(h1 - 1)).any(|j| orbit_blue(one[(i, j)])))
    };
    let placed = (0..two.size[1])
        .flat_map(|y| (0..two.size[0]).map(move |x| (x, y)))
        .filter(|&(x, y)| orbit_blue(two[(x, y)]))
        .filter(|&(x, y)| near_blue_one(x / 2, y / 2))
        .count();
    eprintln!("{placed} of {blue_two} 2× diagram pixels lie on 1× ones");
    assert!(
        placed as f64 > 0.95 * blue_two as f64,
        "only {placed} of {blue_two} 2× diagram pixels lie where 1× draws the diagram"
    );
}

/// Exports plot `name` at 1× and at each of `scales`: the 1× image must be the
/// window's own pixels, and each larger one must draw the same picture finer (what
/// counts as drawn: pixels unlike the image's `backgrounds` most frequent colours;
/// the 8 × 8 blocks holding drawn pixels must overlap 1×'s by more than `min_overlap`,
/// a bound the 1× picture shifted by 12 pixels must fail).
fn check_exports(
    h: &mut Harness<'static, ChaosApp>,
    name: &str,
    backgrounds: usize,
    scales: &[u32],
    min_overlap: f64,
) {
    let ctx = h.ctx.clone();
    let rect = h
        .state()
        .plot_rects()
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| panic!("{name} is on screen"));
    let window = h.render().expect("renders on lavapipe");
    let window = egui::ColorImage::from_rgba_unmultiplied(
        [window.width() as usize, window.height() as usize],
        window.as_raw(),
    );
    let on_screen = chaoslab::app::png_export::crop(&window, Some(rect), ctx.pixels_per_point());

    let mut export = |k: u32| {
        let start = Instant::now();
        let image = h
            .state_mut()
            .render_view(&ctx, name, k)
            .expect("renders offscreen");
        let gpu = start.elapsed();
        let image = image.into_color_image();
        eprintln!(
            "{name}, {k}× export: {} × {} px, render + read back {:.0} ms (with unpacking {:.0} ms)",
            image.size[0],
            image.size[1],
            gpu.as_secs_f64() * 1e3,
            start.elapsed().as_secs_f64() * 1e3
        );
        image
    };
    let one = export(1);
    assert_eq!(one.size, on_screen.size);

    // The 1× offscreen frame is the window's own pixels (measured: identical).
    let window_diff = mean_abs_diff(&one, &on_screen);
    assert!(
        window_diff < 0.5,
        "1× export differs from the window by {window_diff}"
    );

    // Higher resolutions draw the same picture finer. Lines stay one physical pixel
    // wide, so a box-downsampled 2× line is about half as bright as the 1× line and
    // pixel differences do not vanish (8 × 8-blurred mean difference, measured on the
    // 3-D view: 4.5 of 255 at 2×, 7.7 at 4×, but also 5.0 for the 1× picture shifted
    // by 12 pixels, so it cannot tell right from wrong). What must agree is where
    // something is drawn: measured on lavapipe for the 3-D view, drawn fraction 1×
    // 0.0845, 2× down 0.0888 (+5 %), 4× down 0.0865 (+2 %); the 8 × 8 blocks holding a
    // drawn pixel overlap 1×'s (intersection over union) by 1.000 (2×) and 0.999 (4×),
    // against 0.862 for the 1× picture shifted by 12 pixels, which must fail the same
    // bound (0.95 there).
    let background = most_frequent(&one, backgrounds);
    let drawn_one = drawn_fraction(&one, &background, 12);
    let shifted = block_overlap(&shift_right(&one, 12, background[0]), &one, &background, 8);
    eprintln!("1× drawn fraction {drawn_one:.4}; 1× shifted by 12 px: blocks overlap {shifted:.4}");
    for &k in scales {
        let img = export(k);
        assert_eq!(
            img.size,
            [k as usize * one.size[0], k as usize * one.size[1]]
        );
        let down = box_downsample(&img, k as usize);
        let drawn = drawn_fraction(&down, &background, 12);
        let blocks = block_overlap(&down, &one, &background, 8);
        eprintln!("{k}× downsampled: drawn fraction {drawn:.4}, blocks overlap {blocks:.4}");
        assert!(
            (drawn / drawn_one - 1.0).abs() < 0.10,
            "{k}×: drawn fraction {drawn} against {drawn_one} at 1×"
        );
        assert!(
            blocks > min_overlap,
            "{k}×: drawn blocks overlap 1×'s only {blocks}"
        );
    }
    assert!(
        shifted < min_overlap,
        "the comparison does not see a 12-pixel shift ({shifted})"
    );
}

/// `img` moved `dx` pixels to the right, the uncovered strip filled with `fill`.
fn shift_right(img: &egui::ColorImage, dx: usize, fill: egui::Color32) -> egui::ColorImage {
    let mut out = egui::ColorImage::filled(img.size, fill);
    for y in 0..img.size[1] {
        for x in dx..img.size[0] {
            out[(x, y)] = img[(x - dx, y)];
        }
    }
    out
}

/// Intersection over union of the `b` × `b` blocks of `x` and of `y` that hold a drawn
/// pixel ([`is_drawn`] over `backgrounds`, tolerance 12).
fn block_overlap(
    x: &egui::ColorImage,
    y: &egui::ColorImage,
    backgrounds: &[egui::Color32],
    b: usize,
) -> f64 {
    let drawn = |i: &egui::ColorImage, bx: usize, by: usize| {
        (0..b).any(|dy| (0..b).any(|dx| is_drawn(i[(bx * b + dx, by * b + dy)], backgrounds, 12)))
    };
    let [w, h] = [x.size[0] / b, x.size[1] / b];
    let (mut both, mut either) = (0usize, 0usize);
    for by in 0..h {
        for bx in 0..w {
            let (p, q) = (drawn(x, bx, by), drawn(y, bx, by));
            both += usize::from(p && q);
            either += usize::from(p || q);
        }
    }
    both as f64 / either.max(1) as f64
}

/// Draws one translucent image over a striped background, either through egui (a
/// textured mesh, nearest filtering) or through our own image pipeline.
struct ImageBoard {
    image: std::sync::Arc<egui::ColorImage>,
    ours: bool,
    /// One key per place: a key names one texture and one placement per frame.
    keys: [u64; 2],
    texture: Option<egui::TextureHandle>,
}

/// Where the board draws its image: 4 × 3 screen pixels per texel at (40, 30), and the
/// same image one texel per pixel at (300, 40).
const BOARD_PLACES: [egui::Rect; 2] = [
    egui::Rect::from_min_max(
        egui::pos2(40.0, 30.0),
        egui::pos2(40.0 + 4.0 * 60.0, 30.0 + 3.0 * 45.0),
    ),
    egui::Rect::from_min_max(egui::pos2(300.0, 40.0), egui::pos2(360.0, 85.0)),
];

impl eframe::App for ImageBoard {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let painter = ui.painter();
        for k in 0..40 {
            let x = 10.0 * k as f32;
            let colour = if k % 2 == 0 {
                egui::Color32::from_rgb(200, 60, 40)
            } else {
                egui::Color32::from_gray(230)
            };
            painter.rect_filled(
                egui::Rect::from_min_size(egui::pos2(x, 0.0), egui::vec2(10.0, 300.0)),
                0.0,
                colour,
            );
        }
        let ppp = ui.ctx().pixels_per_point();
        for (rect, key) in BOARD_PLACES.into_iter().zip(self.keys) {
            if self.ours {
                let shape = chaoslab::render::image_shape(rect, ppp, &self.image, key, 1)
                    .expect("the image pipeline is installed");
                painter.add(shape);
            } else {
                let texture = self.texture.get_or_insert_with(|| {
                    ui.ctx().load_texture(
                        "board",
                        egui::ColorImage::clone(&self.image),
                        egui::TextureOptions::NEAREST,
                    )
                });
                let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
                painter.image(texture.id(), rect, uv, egui::Color32::WHITE);
            }
        }
    }
}

/// Our image pipeline (used for the orbit diagram's density image, because egui's
/// textured meshes are slow on a software rasteriser) draws the same pixels as egui's
/// own image drawing: same texel under each pixel, same premultiplied blending.
#[test]
fn our_image_pipeline_draws_what_egui_draws() {
    // 60 × 45 texels: hue and alpha varying across, fully transparent and opaque ones.
    let (w, h) = (60, 45);
    let pixels = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let a = if x % 7 == 0 {
                0
            } else {
                (255 * y / (h - 1)) as u8
            };
            egui::Color32::from_rgba_unmultiplied((4 * x) as u8, 90, (255 - 5 * y) as u8, a)
        })
        .collect();
    let image = std::sync::Arc::new(egui::ColorImage::new([w, h], pixels));
    let render = |ours: bool| {
        let image = image.clone();
        let mut h = Harness::builder()
            .with_size(egui::vec2(400.0, 200.0))
            .wgpu()
            .build_eframe(move |cc| {
                assert!(chaoslab::render::install(cc.wgpu_render_state.as_ref()));
                ImageBoard {
                    image,
                    ours,
                    keys: [(); 2].map(|_| chaoslab::render::new_image_key()),
                    texture: None,
                }
            });
        h.run_steps(2);
        h.render().expect("renders on lavapipe")
    };
    let (egui_drawn, ours) = (render(false), render(true));
    assert_eq!(egui_drawn.dimensions(), ours.dimensions());
    let mut worst = 0;
    let mut differing = 0;
    for (a, b) in egui_drawn.pixels().zip(ours.pixels()) {
        let d = (0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap_or(0);
        worst = worst.max(d);
        differing += usize::from(d > 0);
    }
    assert!(
        worst <= 2,
        "largest channel difference {worst} ({differing} pixels differ)"
    );
    // The image is really there: a large part of its area is not the background.
    let covered = ours
        .enumerate_pixels()
        .filter(|(x, y, p)| {
            BOARD_PLACES[0].contains(egui::pos2(*x as f32 + 0.5, *y as f32 + 0.5))
                && !matches!(p.0, [200, 60, 40, _] | [230, 230, 230, _])
        })
        .count();
    assert!(covered > 20_000, "only {covered} image pixels drawn");
}
