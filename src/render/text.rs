//! Captions in real type: lines of text in the built-in font ([`crate::font`], Hack Regular
//! rasterised by ab_glyph) blended onto a pixmap. Sizes are in `scale` units of
//! `PX_PER_SCALE` pixels, so captions grow with the image that carries them.

use crate::font;
use tiny_skia::{Pixmap, PremultipliedColorU8};

/// Font size in pixels of one `scale` unit (a capital is about 7 pixels tall at scale 1).
const PX_PER_SCALE: f32 = 10.0;

/// The font size in pixels at `scale`.
fn font_px(scale: u32) -> f32 {
    PX_PER_SCALE * scale.max(1) as f32
}

/// Vertical advance in pixels from one line to the next at `scale`.
pub(crate) fn line_advance(scale: u32) -> u32 {
    font::line_height(font_px(scale))
}

/// Width and height in pixels of `text` (lines split at '\n') drawn at `scale`.
pub fn text_size(text: &str, scale: u32) -> (u32, u32) {
    let px = font_px(scale);
    let lines: Vec<&str> = text.lines().collect();
    let width = lines
        .iter()
        .map(|line| font::line_width(line, px))
        .max()
        .unwrap_or(0);
    let height = match lines.len() {
        0 => 0,
        count => (count as u32 - 1) * line_advance(scale) + font::box_height(px),
    };
    (width, height)
}

/// Draws `text` (lines split at '\n') with its top-left corner at (`left`, `top`) at `scale`,
/// anti-aliased in the colour `ink` over what is there. Pixels outside the image are skipped.
pub fn draw_text(pixmap: &mut Pixmap, text: &str, left: u32, top: u32, scale: u32, ink: [u8; 3]) {
    let px = font_px(scale);
    let (width, height) = (pixmap.width(), pixmap.height());
    let pixels = pixmap.pixels_mut();
    for (line_index, line) in text.lines().enumerate() {
        let coverage = font::rasterize_line(line, px);
        let line_top = top + line_index as u32 * line_advance(scale);
        for y in 0..coverage.height {
            let py = line_top + y;
            if py >= height {
                break;
            }
            for x in 0..coverage.width {
                let px_x = left + x;
                if px_x >= width {
                    break;
                }
                let c = coverage.values[(y * coverage.width + x) as usize];
                if c <= 0.0 {
                    continue;
                }
                let pixel = &mut pixels[(py * width + px_x) as usize];
                *pixel = blend(*pixel, ink, c);
            }
        }
    }
}

/// `ink` at opacity `coverage` over the premultiplied pixel `under`.
fn blend(under: PremultipliedColorU8, ink: [u8; 3], coverage: f32) -> PremultipliedColorU8 {
    let keep = 1.0 - coverage;
    let mix = |over: u8, under: u8| (f32::from(over) * coverage + f32::from(under) * keep).round();
    let alpha = mix(255, under.alpha()) as u8;
    let channel = |over: u8, under: u8| (mix(over, under) as u8).min(alpha);
    PremultipliedColorU8::from_rgba(
        channel(ink[0], under.red()),
        channel(ink[1], under.green()),
        channel(ink[2], under.blue()),
        alpha,
    )
    .unwrap_or(under)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_grow_with_scale_and_lines() {
        let (w1, h1) = text_size("t = 0.50", 1);
        let (w2, h2) = text_size("t = 0.50", 2);
        assert!(w1 > 30 && w2 >= 2 * w1 - 2, "{w1} {w2}");
        assert!(h2 > h1);
        assert!(text_size("a\nb", 1).1 > h1);
    }

    #[test]
    fn drawing_inks_pixels_inside_the_text_box_only() {
        let mut pixmap = Pixmap::new(120, 40).unwrap();
        pixmap.fill(tiny_skia::Color::WHITE);
        draw_text(&mut pixmap, "ε → φ", 5, 5, 1, [0, 0, 0]);
        let (w, h) = text_size("ε → φ", 1);
        let mut inked = 0;
        for (index, pixel) in pixmap.pixels().iter().enumerate() {
            let (x, y) = (index as u32 % 120, index as u32 / 120);
            if pixel.red() < 128 {
                inked += 1;
                assert!(
                    (5..5 + w).contains(&x) && (5..5 + h).contains(&y),
                    "({x}, {y})"
                );
            }
            assert_eq!(pixel.alpha(), 255);
        }
        assert!(inked > 20);
    }
}
