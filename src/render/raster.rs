//! Draws a [`FrameScene`] into an opaque tiny-skia [`Pixmap`] (CPU only, no window, no GPU).

use super::RenderError;
use super::colors::{ARROW_GREY, AXIS_GREY, BACKGROUND, CAPTION_INK, TARGET_GREY, trail_color};
use super::scene::{FrameScene, FrameStyle};
use super::text;
use super::viewport::Viewport;
use crate::Point;
use std::collections::BTreeMap;
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform,
};

/// Allowed image sides in pixels.
pub const SIZE_RANGE: std::ops::RangeInclusive<u32> = 64..=2048;

/// Points farther than this many image sides outside the image are not drawn (keeps tiny-skia's
/// fixed-point rasteriser away from huge coordinates).
const DRAW_REACH: f32 = 2.0;

/// Light grey of the progress bar's track.
const TRACK_GREY: [u8; 3] = [232, 232, 232];
/// Grey of the progress bar's filled part.
const PROGRESS_GREY: [u8; 3] = [160, 160, 160];

/// Draws `scene` in the square window `viewport` with `style` on an opaque white background.
/// Errors when the image size is outside [`SIZE_RANGE`] or when `colors`, `trails` or `arrows`
/// do not match the particles in length. Non-finite or far-away points are skipped.
///
/// Drawing order, bottom to top: background, axes, target dots, progress bar, caption, trails,
/// particles, arrows (nothing hides a particle but an arrow).
pub fn render_frame(
    scene: &FrameScene<'_>,
    viewport: &Viewport,
    style: &FrameStyle,
) -> Result<Pixmap, RenderError> {
    check_size(style.size_px)?;
    let count = scene.particles.len();
    let check_len = |what: &'static str, len: usize| {
        if len == count {
            Ok(())
        } else {
            Err(RenderError::LengthMismatch {
                what,
                len,
                expected: count,
            })
        }
    };
    check_len("colors", scene.colors.len())?;
    for trail in &scene.trails {
        check_len("trail positions", trail.len())?;
    }
    if let Some(arrows) = scene.arrows {
        check_len("arrows", arrows.len())?;
    }
    let size = style.size_px;
    let mut pixmap = Pixmap::new(size, size).ok_or(RenderError::InvalidSize {
        size,
        min: *SIZE_RANGE.start(),
        max: *SIZE_RANGE.end(),
    })?;
    pixmap.fill(Color::from_rgba8(
        BACKGROUND[0],
        BACKGROUND[1],
        BACKGROUND[2],
        255,
    ));
    let project = |p: Point| -> Option<(f32, f32)> {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return None;
        }
        let (x, y) = viewport.to_pixel(p, size);
        let reach = DRAW_REACH * size as f32;
        (x.abs() <= reach && y.abs() <= reach).then_some((x, y))
    };

    draw_axes(&mut pixmap, viewport, size);
    draw_dots(
        &mut pixmap,
        scene.target.iter().filter_map(|&p| project(p)),
        style.target_radius_px,
        TARGET_GREY,
    );
    // Caption and progress bar go under the flow, so that no particle is ever hidden.
    draw_progress(&mut pixmap, scene, style);
    let text_scale = caption_scale(&scene.caption, style);
    let margin = 4 * style.text_scale;
    text::draw_text(
        &mut pixmap,
        &scene.caption,
        margin,
        margin,
        text_scale,
        CAPTION_INK,
    );
    draw_trails(&mut pixmap, scene, style, &project);
    draw_particles(&mut pixmap, scene, style, &project);
    if let Some(arrows) = scene.arrows {
        draw_arrows(&mut pixmap, scene.particles, arrows, style, &project);
    }
    Ok(pixmap)
}

/// Errors unless `size_px` lies in [`SIZE_RANGE`].
pub(crate) fn check_size(size_px: u32) -> Result<(), RenderError> {
    if SIZE_RANGE.contains(&size_px) {
        Ok(())
    } else {
        Err(RenderError::InvalidSize {
            size: size_px,
            min: *SIZE_RANGE.start(),
            max: *SIZE_RANGE.end(),
        })
    }
}

/// The style's caption scale, reduced (down to 1) until `caption` fits the image width.
pub(crate) fn caption_scale(caption: &str, style: &FrameStyle) -> u32 {
    let room = style.size_px.saturating_sub(8 * style.text_scale);
    let mut scale = style.caption_scale.clamp(1, style.text_scale.max(1));
    while scale > 1 && text::text_size(caption, scale).0 > room {
        scale -= 1;
    }
    scale
}

/// An opaque paint of `color`.
fn solid(color: [u8; 3], anti_alias: bool) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(color[0], color[1], color[2], 255);
    paint.anti_alias = anti_alias;
    paint
}

/// The lines x = 0 and y = 0 where they cross the window, crisp (no anti-aliasing).
fn draw_axes(pixmap: &mut Pixmap, viewport: &Viewport, size: u32) {
    let (origin_x, origin_y) = viewport.to_pixel([0.0, 0.0], size);
    let extent = size as f32;
    let paint = solid(AXIS_GREY, false);
    if (0.0..extent).contains(&origin_x)
        && let Some(rect) = Rect::from_xywh(origin_x.floor(), 0.0, 1.0, extent)
    {
        pixmap.fill_rect(rect, &paint, Transform::identity(), None);
    }
    if (0.0..extent).contains(&origin_y)
        && let Some(rect) = Rect::from_xywh(0.0, origin_y.floor(), extent, 1.0)
    {
        pixmap.fill_rect(rect, &paint, Transform::identity(), None);
    }
}

/// Filled circles of one colour, in one path.
fn draw_dots(
    pixmap: &mut Pixmap,
    centers: impl Iterator<Item = (f32, f32)>,
    radius: f32,
    color: [u8; 3],
) {
    let mut builder = PathBuilder::new();
    for (x, y) in centers {
        builder.push_circle(x, y, radius);
    }
    if let Some(path) = builder.finish() {
        pixmap.fill_path(
            &path,
            &solid(color, true),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
}

/// Every particle's trail through its earlier positions, one stroked path per trail colour.
fn draw_trails(
    pixmap: &mut Pixmap,
    scene: &FrameScene<'_>,
    style: &FrameStyle,
    project: &dyn Fn(Point) -> Option<(f32, f32)>,
) {
    if scene.trails.is_empty() {
        return;
    }
    let mut by_color: BTreeMap<[u8; 3], PathBuilder> = BTreeMap::new();
    for (index, (&current, &color)) in scene.particles.iter().zip(scene.colors).enumerate() {
        let builder = by_color.entry(trail_color(color)).or_default();
        let mut pen_down = false;
        let positions = scene.trails.iter().map(|t| t[index]).chain([current]);
        for point in positions {
            match project(point) {
                Some((x, y)) if pen_down => builder.line_to(x, y),
                Some((x, y)) => {
                    builder.move_to(x, y);
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
    }
    let stroke = Stroke {
        width: style.trail_width_px,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    for (color, builder) in by_color {
        if let Some(path) = builder.finish() {
            pixmap.stroke_path(
                &path,
                &solid(color, true),
                &stroke,
                Transform::identity(),
                None,
            );
        }
    }
}

/// The particles as dots, one filled path per colour.
fn draw_particles(
    pixmap: &mut Pixmap,
    scene: &FrameScene<'_>,
    style: &FrameStyle,
    project: &dyn Fn(Point) -> Option<(f32, f32)>,
) {
    let mut by_color: BTreeMap<[u8; 3], Vec<(f32, f32)>> = BTreeMap::new();
    for (&point, &color) in scene.particles.iter().zip(scene.colors) {
        if let Some(pixel) = project(point) {
            by_color.entry(color).or_default().push(pixel);
        }
    }
    for (color, centers) in by_color {
        draw_dots(pixmap, centers.into_iter(), style.particle_radius_px, color);
    }
}

/// Arrows from an evenly spaced subsample of the particles to `particle + vector`.
fn draw_arrows(
    pixmap: &mut Pixmap,
    particles: &[Point],
    vectors: &[Point],
    style: &FrameStyle,
    project: &dyn Fn(Point) -> Option<(f32, f32)>,
) {
    let stride = particles.len().div_ceil(style.max_arrows.max(1)).max(1);
    let head_max = 3.0 * style.text_scale as f32 + 2.0;
    let mut builder = PathBuilder::new();
    for (point, vector) in particles.iter().zip(vectors).step_by(stride) {
        let tip = [point[0] + vector[0], point[1] + vector[1]];
        let (Some((x0, y0)), Some((x1, y1))) = (project(*point), project(tip)) else {
            continue;
        };
        let (dx, dy) = (x1 - x0, y1 - y0);
        let length = dx.hypot(dy);
        if length < 1.0 {
            continue;
        }
        builder.move_to(x0, y0);
        builder.line_to(x1, y1);
        let head = (0.35 * length).min(head_max);
        let (ux, uy) = (dx / length, dy / length);
        let (cos, sin) = (0.906_f32, 0.423_f32); // ±25°
        for side in [1.0_f32, -1.0] {
            let hx = -(ux * cos - side * uy * sin);
            let hy = -(side * ux * sin + uy * cos);
            builder.move_to(x1, y1);
            builder.line_to(x1 + head * hx, y1 + head * hy);
        }
    }
    let stroke = Stroke {
        width: (style.size_px as f32 / 480.0).max(0.8),
        line_cap: LineCap::Round,
        ..Stroke::default()
    };
    if let Some(path) = builder.finish() {
        pixmap.stroke_path(
            &path,
            &solid(ARROW_GREY, true),
            &stroke,
            Transform::identity(),
            None,
        );
    }
}

/// A thin bar along the bottom: the track, the part done, and the phase-boundary tick.
fn draw_progress(pixmap: &mut Pixmap, scene: &FrameScene<'_>, style: &FrameStyle) {
    let Some(progress) = scene.progress else {
        return;
    };
    let scale = style.text_scale as f32;
    let size = style.size_px as f32;
    let (left, width) = (4.0 * scale, size - 8.0 * scale);
    let (top, height) = (size - 5.0 * scale, 2.0 * scale);
    let mut fill = |x: f32, w: f32, y: f32, h: f32, color: [u8; 3]| {
        if let Some(rect) = Rect::from_xywh(x.round(), y.round(), w.round().max(1.0), h.round()) {
            pixmap.fill_rect(rect, &solid(color, false), Transform::identity(), None);
        }
    };
    fill(left, width, top, height, TRACK_GREY);
    let done = progress.fraction.clamp(0.0, 1.0) as f32;
    if done > 0.0 {
        fill(left, width * done, top, height, PROGRESS_GREY);
    }
    if let Some(marker) = progress.marker {
        let x = left + width * marker.clamp(0.0, 1.0) as f32;
        fill(
            x - scale / 2.0,
            scale,
            top - 2.0 * scale,
            height + 4.0 * scale,
            CAPTION_INK,
        );
    }
}
