//! Figures for papers: a strip of snapshots of one flow at chosen times, side by side on shared
//! axes with ticks, as PNG (each panel drawn by the GIF export's renderer) and as SVG (the same
//! scene of each panel written as vector shapes), so both look like the GIF.

use super::RenderError;
use super::animation::{Animation, AnimationRenderer, LookOptions};
use super::colors::{ARROW_GREY, AXIS_GREY, BACKGROUND, CAPTION_INK, TARGET_GREY, trail_color};
use super::scene::FrameScene;
use super::text;
use super::viewport::Viewport;
use std::fmt::Write as _;
use std::path::Path;
use tiny_skia::{Color, Paint, Pixmap, PixmapPaint, Rect, Transform};

/// The times of the default strip.
pub const DEFAULT_TIMES: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
/// The most panels a strip holds.
const MAX_PANELS: usize = 12;

/// Grey of the panel frames and ticks.
const FRAME_GREY: [u8; 3] = [120, 120, 120];

/// Checks a strip's times: 1 to [`MAX_PANELS`] of them, each in [0, 1] (every figure, 2D
/// plots and image grids alike).
pub(crate) fn check_times(times: &[f64]) -> Result<(), RenderError> {
    if times.is_empty() || times.len() > MAX_PANELS {
        return Err(RenderError::InvalidFigure(format!(
            "a figure holds 1 to {MAX_PANELS} panels (got {} times)",
            times.len()
        )));
    }
    if let Some(t) = times.iter().find(|t| !(0.0..=1.0).contains(*t)) {
        return Err(RenderError::InvalidFigure(format!(
            "figure times lie in [0, 1] (got {t})"
        )));
    }
    Ok(())
}

/// A strip of snapshots of one animation.
pub struct Figure {
    renderer: AnimationRenderer,
    /// The frame shown in each panel, and the time it was asked for.
    panels: Vec<(usize, f64)>,
    /// Tick values on the x and the y axis (data units).
    ticks: (Vec<f64>, Vec<f64>),
    /// Font scale of the tick labels and panel titles.
    text_scale: u32,
}

impl Figure {
    /// The strip of `animation` at `times` (each in [0, 1] on the trajectory's timeline; the
    /// nearest frame is shown), each panel `look.size_px` wide.
    pub fn new(
        animation: &Animation,
        times: &[f64],
        look: LookOptions,
    ) -> Result<Self, RenderError> {
        check_times(times)?;
        let renderer = AnimationRenderer::new(animation, look)?;
        let panels = times
            .iter()
            .map(|&t| (animation.trajectory.nearest_frame(t), t))
            .collect();
        let viewport = renderer.viewport();
        let ticks = (
            nice_ticks(viewport.center[0], viewport.half_side),
            nice_ticks(viewport.center[1], viewport.half_side),
        );
        let text_scale = (look.size_px / 180).clamp(1, 4);
        Ok(Self {
            renderer,
            panels,
            ticks,
            text_scale,
        })
    }

    /// The frames shown, one per panel.
    pub fn frames(&self) -> Vec<usize> {
        self.panels.iter().map(|&(frame, _)| frame).collect()
    }

    /// Panel side, left margin (tick labels), bottom margin (tick labels, titles), gap.
    fn layout(&self) -> (u32, u32, u32, u32) {
        let size = self.renderer.style().size_px;
        let scale = self.text_scale;
        let label_width = self
            .ticks
            .1
            .iter()
            .map(|&v| text::text_size(&tick_label(v), scale).0)
            .max()
            .unwrap_or(0);
        let left = label_width + 6 * scale + 4;
        let bottom = text::line_advance(scale) * 2 + 6 * scale;
        (size, left, bottom, 8 * scale)
    }

    /// Width and height of the whole strip in pixels.
    pub fn dimensions(&self) -> (u32, u32) {
        let (size, left, bottom, gap) = self.layout();
        let count = self.panels.len() as u32;
        (
            left + count * size + (count - 1) * gap + gap,
            gap + size + bottom,
        )
    }

    /// The strip as one image.
    pub fn png(&self) -> Result<Pixmap, RenderError> {
        let (size, left, _, gap) = self.layout();
        let (width, height) = self.dimensions();
        let mut strip = Pixmap::new(width, height)
            .ok_or_else(|| RenderError::InvalidFigure(format!("a {width}×{height} image")))?;
        strip.fill(Color::from_rgba8(
            BACKGROUND[0],
            BACKGROUND[1],
            BACKGROUND[2],
            255,
        ));
        let scale = self.text_scale;
        let viewport = *self.renderer.viewport();
        for (panel, &(frame, t)) in self.panels.iter().enumerate() {
            let x0 = left + panel as u32 * (size + gap);
            let y0 = gap;
            let image = self.renderer.render(frame)?;
            strip.draw_pixmap(
                x0 as i32,
                y0 as i32,
                image.as_ref(),
                &PixmapPaint::default(),
                Transform::identity(),
                None,
            );
            let (fx, fy, fs) = (x0 as f32, y0 as f32, size as f32);
            fill_grey(&mut strip, fx - 1.0, fy - 1.0, fs + 2.0, 1.0);
            fill_grey(&mut strip, fx - 1.0, fy + fs, fs + 2.0, 1.0);
            fill_grey(&mut strip, fx - 1.0, fy - 1.0, 1.0, fs + 2.0);
            fill_grey(&mut strip, fx + fs, fy - 1.0, 1.0, fs + 2.0);
            let tick = 3.0 * scale as f32;
            if panel == 0 {
                for &value in &self.ticks.1 {
                    let (_, py) = viewport.to_pixel([0.0, value], size);
                    fill_grey(&mut strip, fx - 1.0 - tick, fy + py, tick, 1.0);
                    let label = tick_label(value);
                    let (w, h) = text::text_size(&label, scale);
                    let lx = (fx - tick - 3.0 - w as f32).max(0.0) as u32;
                    let ly = (fy + py - h as f32 / 2.0).max(0.0) as u32;
                    text::draw_text(&mut strip, &label, lx, ly, scale, CAPTION_INK);
                }
            }
            for &value in &self.ticks.0 {
                let (px, _) = viewport.to_pixel([value, 0.0], size);
                fill_grey(&mut strip, fx + px, fy + fs, 1.0, tick);
                let label = tick_label(value);
                let (w, _) = text::text_size(&label, scale);
                let lx = (fx + px - w as f32 / 2.0).max(0.0) as u32;
                let ly = (fy + fs + tick + 2.0) as u32;
                text::draw_text(&mut strip, &label, lx, ly, scale, CAPTION_INK);
            }
            let title = panel_title(t);
            let (w, _) = text::text_size(&title, scale);
            let tx = (fx + (fs - w as f32) / 2.0).max(0.0) as u32;
            let ty = (fy + fs + tick + 4.0) as u32 + text::line_advance(scale);
            text::draw_text(&mut strip, &title, tx, ty, scale, CAPTION_INK);
        }
        Ok(strip)
    }

    /// The strip as an SVG document: every panel's scene (target, trails, particles, arrows,
    /// caption) as vector shapes in the same colours, with frames, ticks and titles.
    pub fn svg(&self) -> Result<String, RenderError> {
        let (size, left, _, gap) = self.layout();
        let (width, height) = self.dimensions();
        let style = *self.renderer.style();
        let viewport = *self.renderer.viewport();
        let scale = self.text_scale as f32;
        let font_px = 8.0 * scale;
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, Helvetica, Arial, \
             sans-serif\" font-size=\"{font_px}\">"
        );
        let _ = writeln!(
            svg,
            "<rect width=\"100%\" height=\"100%\" fill=\"{}\"/>",
            hex(BACKGROUND)
        );
        for (panel, &(frame, t)) in self.panels.iter().enumerate() {
            let x0 = (left + panel as u32 * (size + gap)) as f32;
            let y0 = gap as f32;
            let body = self.renderer.with_scene(frame, |scene| {
                panel_svg(scene, &viewport, style.size_px, &style)
            })?;
            let _ = writeln!(
                svg,
                "<g transform=\"translate({x0} {y0})\">\n<clipPath id=\"panel{panel}\"><rect \
                 width=\"{size}\" height=\"{size}\"/></clipPath>\n<g clip-path=\"url(#panel{panel})\">"
            );
            svg.push_str(&body);
            let _ = writeln!(
                svg,
                "</g>\n<rect width=\"{size}\" height=\"{size}\" fill=\"none\" stroke=\"{}\"/>",
                hex(FRAME_GREY)
            );
            let tick = 3.0 * scale;
            let fs = size as f32;
            for &value in &self.ticks.0 {
                let (px, _) = viewport.to_pixel([value, 0.0], size);
                let label = tick_label(value);
                let _ = writeln!(
                    svg,
                    "<line x1=\"{px:.2}\" y1=\"{fs}\" x2=\"{px:.2}\" y2=\"{:.2}\" stroke=\"{g}\"/>\
                     <text x=\"{px:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{label}</text>",
                    fs + tick,
                    fs + tick + font_px + 1.0,
                    g = hex(FRAME_GREY)
                );
            }
            for &value in &self.ticks.1 {
                let (_, py) = viewport.to_pixel([0.0, value], size);
                let label = tick_label(value);
                if panel == 0 {
                    let _ = writeln!(
                        svg,
                        "<line x1=\"0\" y1=\"{py:.2}\" x2=\"{:.2}\" y2=\"{py:.2}\" \
                         stroke=\"{g}\"/><text x=\"{:.2}\" y=\"{:.2}\" \
                         text-anchor=\"end\">{label}</text>",
                        -tick,
                        -tick - 3.0,
                        py + font_px * 0.35,
                        g = hex(FRAME_GREY)
                    );
                }
            }
            let _ = writeln!(
                svg,
                "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>\n</g>",
                fs / 2.0,
                fs + tick + 2.2 * font_px + 2.0,
                panel_title(t)
            );
        }
        svg.push_str("</svg>\n");
        Ok(svg)
    }

    /// Writes the PNG to `path` (through a temporary file renamed into place).
    pub fn save_png(&self, path: &Path) -> Result<(), RenderError> {
        let bytes = self.png()?.encode_png().map_err(|error| RenderError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(error.to_string()),
        })?;
        write_file(path, &bytes)
    }

    /// Writes the SVG to `path` (through a temporary file renamed into place).
    pub fn save_svg(&self, path: &Path) -> Result<(), RenderError> {
        write_file(path, self.svg()?.as_bytes())
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), RenderError> {
    use std::io::Write;
    crate::files::write_atomically(path, |out| out.write_all(bytes))
        .map(drop)
        .map_err(|source| RenderError::Io {
            path: path.display().to_string(),
            source,
        })
}

/// One panel's scene as SVG shapes, in pixel units of a `size`-wide panel, drawn in the
/// raster's order: axes, target, caption, trails, particles, arrows.
fn panel_svg(
    scene: &FrameScene<'_>,
    viewport: &Viewport,
    size: u32,
    style: &super::scene::FrameStyle,
) -> String {
    let mut svg = String::new();
    let pixels = PanelPixels { viewport, size };
    svg_axes_and_target(&mut svg, scene, &pixels, style);
    svg_caption(&mut svg, scene, style);
    svg_trails(&mut svg, scene, &pixels, style);
    svg_particles_and_arrows(&mut svg, scene, &pixels, style);
    svg
}

/// Data coordinates to a panel's pixels.
struct PanelPixels<'a> {
    viewport: &'a Viewport,
    size: u32,
}

impl PanelPixels<'_> {
    /// The pixel of `p`, or None when it is not finite or lies far outside the panel.
    fn project(&self, p: crate::Point) -> Option<(f32, f32)> {
        let (x, y) = self.viewport.to_pixel(p, self.size);
        let reach = 2.0 * self.size as f32;
        (p[0].is_finite() && p[1].is_finite() && x.abs() <= reach && y.abs() <= reach)
            .then_some((x, y))
    }
}

/// The axes through the origin and the target samples.
fn svg_axes_and_target(
    svg: &mut String,
    scene: &FrameScene<'_>,
    pixels: &PanelPixels<'_>,
    style: &super::scene::FrameStyle,
) {
    let size = pixels.size;
    let (ox, oy) = pixels.viewport.to_pixel([0.0, 0.0], size);
    let _ = writeln!(
        svg,
        "<line x1=\"{ox:.2}\" y1=\"0\" x2=\"{ox:.2}\" y2=\"{size}\" stroke=\"{a}\"/><line x1=\"0\" \
         y1=\"{oy:.2}\" x2=\"{size}\" y2=\"{oy:.2}\" stroke=\"{a}\"/>",
        a = hex(AXIS_GREY)
    );
    let _ = write!(svg, "<g fill=\"{}\">", hex(TARGET_GREY));
    for (x, y) in scene.target.iter().filter_map(|&p| pixels.project(p)) {
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.2}\"/>",
            style.target_radius_px
        );
    }
    svg.push_str("</g>\n");
}

/// The caption's lines at the top left.
fn svg_caption(svg: &mut String, scene: &FrameScene<'_>, style: &super::scene::FrameStyle) {
    if scene.caption.is_empty() {
        return;
    }
    let font_px = 8.0 * style.caption_scale as f32;
    for (line, text) in scene.caption.lines().enumerate() {
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{font_px}\" fill=\"{}\">{}</text>",
            4.0 * style.text_scale as f32,
            4.0 * style.text_scale as f32 + font_px * (line as f32 + 1.0),
            hex(CAPTION_INK),
            escape(text)
        );
    }
}

/// Each particle's trail as a polyline in its trail colour.
fn svg_trails(
    svg: &mut String,
    scene: &FrameScene<'_>,
    pixels: &PanelPixels<'_>,
    style: &super::scene::FrameStyle,
) {
    if scene.trails.is_empty() {
        return;
    }
    let _ = write!(
        svg,
        "<g fill=\"none\" stroke-width=\"{:.2}\" stroke-linecap=\"round\">",
        style.trail_width_px
    );
    for (index, (&current, &color)) in scene.particles.iter().zip(scene.colors).enumerate() {
        let points: Vec<String> = scene
            .trails
            .iter()
            .map(|t| t[index])
            .chain([current])
            .filter_map(|p| pixels.project(p))
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        if points.len() > 1 {
            let _ = write!(
                svg,
                "<polyline points=\"{}\" stroke=\"{}\"/>",
                points.join(" "),
                hex(trail_color(color))
            );
        }
    }
    svg.push_str("</g>\n");
}

/// The particles in their colours, then their velocity arrows (at most `max_arrows`).
fn svg_particles_and_arrows(
    svg: &mut String,
    scene: &FrameScene<'_>,
    pixels: &PanelPixels<'_>,
    style: &super::scene::FrameStyle,
) {
    for (&p, &color) in scene.particles.iter().zip(scene.colors) {
        if let Some((x, y)) = pixels.project(p) {
            let _ = write!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.2}\" fill=\"{}\"/>",
                style.particle_radius_px,
                hex(color)
            );
        }
    }
    svg.push('\n');
    let Some(arrows) = scene.arrows else {
        return;
    };
    let stride = scene
        .particles
        .len()
        .div_ceil(style.max_arrows.max(1))
        .max(1);
    let _ = write!(svg, "<g stroke=\"{}\" stroke-width=\"1\">", hex(ARROW_GREY));
    for (p, v) in scene.particles.iter().zip(arrows).step_by(stride) {
        if let (Some((x0, y0)), Some((x1, y1))) = (
            pixels.project(*p),
            pixels.project([p[0] + v[0], p[1] + v[1]]),
        ) {
            let _ = write!(
                svg,
                "<line x1=\"{x0:.1}\" y1=\"{y0:.1}\" x2=\"{x1:.1}\" y2=\"{y1:.1}\"/>"
            );
        }
    }
    svg.push_str("</g>\n");
}

/// About six round tick values (1, 2 or 5 × 10^k apart) inside `[center − half, center + half]`.
fn nice_ticks(center: f64, half_side: f64) -> Vec<f64> {
    let raw = 2.0 * half_side / 7.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = ((center - half_side) / step).ceil() as i64;
    let last = ((center + half_side) / step).floor() as i64;
    (first..=last)
        .map(|k| k as f64 * step)
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .collect()
}

/// A tick value printed without needless digits.
fn tick_label(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.to_string()
    }
}

/// The title under a panel.
fn panel_title(t: f64) -> String {
    format!("t = {}", tick_label(t))
}

/// A crisp grey rectangle (frames and ticks).
fn fill_grey(strip: &mut Pixmap, x: f32, y: f32, w: f32, h: f32) {
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        strip.fill_rect(rect, &paint(FRAME_GREY), Transform::identity(), None);
    }
}

fn paint(color: [u8; 3]) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(color[0], color[1], color[2], 255);
    paint.anti_alias = false;
    paint
}

fn hex(color: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", color[0], color[1], color[2])
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside_the_window() {
        assert_eq!(nice_ticks(0.5, 3.2), vec![-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_ticks(0.0, 0.2), vec![-0.2, -0.1, 0.0, 0.1, 0.2]);
        assert_eq!(tick_label(-0.0), "0");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(2.0), "2");
        assert_eq!(tick_label(-1.5), "-1.5");
    }
}
