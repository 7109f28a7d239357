//! The one font of nsgf's own pictures: Hack Regular, the monospace font egui bundles (bytes from
//! the `epaint_default_fonts` crate; licence in `assets/fonts/Hack-Regular-LICENSE.txt`),
//! rasterised by `ab_glyph`. Words drawn as targets (`text:NSGF`) and the captions of GIFs and
//! figures are both laid out here, one line at a time.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use std::sync::OnceLock;

/// The font's name, for messages.
pub(crate) const FONT_NAME: &str = "Hack Regular";

/// The parsed font (parsed once).
fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        // The bytes are a font file shipped inside a crate we build against: parsing cannot
        // fail unless that crate is broken, which every caption test would show at once.
        FontRef::try_from_slice(epaint_default_fonts::HACK_REGULAR)
            .expect("egui's bundled Hack Regular parses")
    })
}

/// Whether the font has a glyph for `c` (whitespace counts as covered when it has an advance).
pub fn covers(c: char) -> bool {
    font().glyph_id(c) != GlyphId(0)
}

/// Whether `c` leaves ink: a covered character that is neither whitespace nor a control.
pub(crate) fn is_printable(c: char) -> bool {
    covers(c) && !c.is_whitespace() && !c.is_control()
}

/// Height in pixels of one line of text at font size `px` (ascent + descent + line gap).
pub(crate) fn line_height(px: f32) -> u32 {
    let scaled = font().as_scaled(PxScale::from(px));
    (scaled.height() + scaled.line_gap()).ceil().max(1.0) as u32
}

/// Height in pixels of the box one line is drawn in at font size `px` (ascent + descent).
pub(crate) fn box_height(px: f32) -> u32 {
    font().as_scaled(PxScale::from(px)).height().ceil().max(1.0) as u32
}

/// Width in pixels of one line of `text` at font size `px` (the sum of advances and kerning).
pub(crate) fn line_width(text: &str, px: f32) -> u32 {
    let scaled = font().as_scaled(PxScale::from(px));
    let mut caret = 0.0f32;
    let mut previous: Option<GlyphId> = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            caret += scaled.kern(previous, id);
        }
        caret += scaled.h_advance(id);
        previous = Some(id);
    }
    caret.ceil().max(0.0) as u32
}

/// One line of text rasterised: coverage in [0, 1], row-major, top row first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Coverage {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// `width × height` coverages.
    pub values: Vec<f32>,
}

/// Rasterises one line of `text` at font size `px` into a box from the ascent to the descent
/// (`line_height` rows, less the line gap) and from the first caret to the last advance; ink a
/// glyph puts outside that box is dropped.
pub(crate) fn rasterize_line(text: &str, px: f32) -> Coverage {
    let scale = PxScale::from(px);
    let scaled = font().as_scaled(scale);
    let width = line_width(text, px).max(1);
    let height = box_height(px);
    let mut values = vec![0.0f32; (width * height) as usize];
    let mut caret = 0.0f32;
    let mut previous: Option<GlyphId> = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            caret += scaled.kern(previous, id);
        }
        let glyph = id.with_scale_and_position(scale, point(caret, scaled.ascent()));
        caret += scaled.h_advance(id);
        previous = Some(id);
        let Some(outlined) = font().outline_glyph(glyph) else {
            continue;
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, c| {
            let x = bounds.min.x as i64 + i64::from(gx);
            let y = bounds.min.y as i64 + i64::from(gy);
            if (0..i64::from(width)).contains(&x) && (0..i64::from(height)).contains(&y) {
                let cell = &mut values[(y as u32 * width + x as u32) as usize];
                *cell = (*cell + c).min(1.0);
            }
        });
    }
    Coverage {
        width,
        height,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_lower_case_greek_and_arrows_but_not_everything() {
        for c in ['a', 'z', 'N', '0', 'ε', 'φ', '→', 'é'] {
            assert!(covers(c), "{c}");
        }
        assert!(!covers('\u{1F600}'));
        assert!(!is_printable(' '));
        assert!(is_printable('a'));
    }

    #[test]
    fn a_letter_leaves_ink_and_a_space_none() {
        let ink = |text: &str| rasterize_line(text, 20.0).values.iter().sum::<f32>();
        assert!(ink("a") > 10.0);
        assert_eq!(ink("   "), 0.0);
        assert!(ink("ab") > ink("a"));
    }
}
