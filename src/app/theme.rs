//! The window's look, chosen for what a software rasteriser paints fast.
//!
//! Without a GPU (laptops with broken drivers, remote desktops, CI) wgpu draws through
//! Mesa's llvmpipe on the CPU, where every pixel egui fills costs a texture sample and
//! a blend. Measured with `gui --preset presets/lorenz-compare.json --frame-times` at
//! 1400 × 900 on 2 cores, CPU per idle frame: 217 ms with egui's defaults; window and
//! popup shadows (blurred, blended rectangles larger than their windows) cost about
//! 40 ms of it, the panels' background fill about 80 ms, and the plots' backgrounds
//! about 14 ms; rounded corners about another 12 ms ([`fast_visuals`]). So shadows are
//! off, corners are square, panels are left unfilled over one opaque backdrop
//! that our own pipeline paints as cheaply as a clear
//! ([`crate::render::paint_backdrop`]), and plots draw no background of their own.

use egui::{Color32, Frame};

/// Turns window and popup shadows off and squares every corner (once; later calls find
/// the style already so).
pub fn apply(ctx: &egui::Context) {
    let style = ctx.global_style();
    let mut visuals = style.visuals.clone();
    fast_visuals(&mut visuals);
    if visuals != style.visuals {
        ctx.global_style_mut(|s| s.visuals = visuals);
    }
}

/// `visuals` without what a software rasteriser pays most for beyond the pixels
/// themselves: shadows, and rounded corners. A rounded, feathered widget is 100–120
/// triangles (each corner a fan, each edge an anti-aliasing strip), a square one about
/// 10; llvmpipe sets up and bins every triangle and shades the 4 × 4 pixel blocks each
/// one touches, so thin corner slivers cost far more than their area. Measured with
/// `gui --preset … --frame-times` at 1400 × 900 on 2 cores: the default window's egui
/// triangles went from 29 700 to 17 400 and its CPU per idle frame from 63–72 ms to
/// 49–53 ms.
pub fn fast_visuals(visuals: &mut egui::Visuals) {
    visuals.window_shadow = egui::Shadow::NONE;
    visuals.popup_shadow = egui::Shadow::NONE;
    visuals.window_corner_radius = egui::CornerRadius::ZERO;
    visuals.menu_corner_radius = egui::CornerRadius::ZERO;
    let w = &mut visuals.widgets;
    for state in [
        &mut w.noninteractive,
        &mut w.inactive,
        &mut w.hovered,
        &mut w.active,
        &mut w.open,
    ] {
        state.corner_radius = egui::CornerRadius::ZERO;
    }
}

/// Paints the whole window in the panels' colour as one opaque backdrop, beneath
/// everything; call it first in a frame.
pub fn paint_window_backdrop(ctx: &egui::Context) {
    let painter = ctx.layer_painter(egui::LayerId::background());
    let fill = ctx.global_style().visuals.panel_fill;
    crate::render::paint_backdrop(&painter, ctx.content_rect(), fill);
}

/// A side, top or bottom panel's frame without its fill (the backdrop shows through).
pub fn side_panel(style: &egui::Style) -> Frame {
    Frame::side_top_panel(style).fill(Color32::TRANSPARENT)
}

/// The central panel's frame without its fill (the backdrop shows through).
pub fn central_panel(style: &egui::Style) -> Frame {
    Frame::central_panel(style).fill(Color32::TRANSPARENT)
}

/// A plot that draws no background of its own.
pub fn plot<'a>(id: impl egui::AsIdSalt) -> egui_plot::Plot<'a> {
    egui_plot::Plot::new(id).show_background(false)
}

/// Shows `window` with an opaque backdrop for its background instead of egui's blended
/// fill (a 560 × 420 view window's fill cost about 7 ms a frame on lavapipe; the
/// orbit-diagram load test's median frame went from 57 to 50 ms without it), and with
/// square corners so the backdrop fits. The backdrop goes in a place reserved at the
/// bottom of the window's layer before the window draws and is filled with the
/// window's rectangle of this frame after it; the layer is remembered from the last
/// frame, so a window's first frame gets egui's ordinary fill. `key` names the window
/// uniquely (its title).
pub fn show_window<R>(
    ctx: &egui::Context,
    key: &str,
    window: egui::Window<'_>,
    add_contents: impl FnOnce(&mut egui::Ui) -> R,
) -> Option<egui::InnerResponse<Option<R>>> {
    let memory_id = egui::Id::unique(("backdrop window layer", key));
    let slot = ctx
        .data(|d| d.get_temp::<egui::LayerId>(memory_id))
        .map(|layer| {
            let painter = ctx.layer_painter(layer);
            let place = painter.add(egui::Shape::Noop);
            (painter, place)
        });
    let style = ctx.global_style();
    let mut frame = Frame::window(&style).corner_radius(0);
    if slot.is_some() {
        frame = frame.fill(Color32::TRANSPARENT);
    }
    let shown = window.frame(frame).show(ctx, add_contents);
    if let Some(r) = &shown {
        ctx.data_mut(|d| d.insert_temp(memory_id, r.response.layer_id));
        if let Some((painter, place)) = slot
            && painter.layer_id() == r.response.layer_id
        {
            let inside = r.response.rect.shrink(frame.stroke.width);
            painter.set(
                place,
                crate::render::backdrop_shape(inside, style.visuals.window_fill),
            );
        }
    }
    shown
}
