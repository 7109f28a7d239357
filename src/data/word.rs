//! Words as densities: one line of text in the built-in font ([`crate::font`]), its ink cropped
//! and averaged down to a [`DensityGrid`].

use super::DataError;
use super::density::{DensityGrid, MAX_GRID_SIDE};
use crate::font;

/// The most characters of a word target.
const MAX_WORD_CHARS: usize = 40;
/// The font size words are rasterised at, in pixels (before averaging down), unless the word
/// is long: then the size that makes it twice [`MAX_GRID_SIDE`] wide, so that the work stays
/// bounded (under a millisecond; the app redraws the word on every keystroke).
const WORD_PX: f32 = 128.0;

/// The density of `text` drawn in the built-in font. Errors on an empty word, a word longer
/// than [`MAX_WORD_CHARS`], a character the font lacks, or a word with no printable glyph.
pub(crate) fn word_density(text: &str) -> Result<DensityGrid, DataError> {
    let bad = |reason: String| DataError::BadWord {
        text: text.to_string(),
        reason,
    };
    let count = text.chars().count();
    if count == 0 {
        return Err(bad("the word is empty".into()));
    }
    if count > MAX_WORD_CHARS {
        return Err(bad(format!(
            "{count} characters, over the limit of {MAX_WORD_CHARS}"
        )));
    }
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_control() || !(c.is_whitespace() || font::covers(c)))
    {
        return Err(bad(format!(
            "{c:?} (U+{:04X}) is not in the font ({})",
            u32::from(c),
            font::FONT_NAME
        )));
    }
    if !text.chars().any(font::is_printable) {
        return Err(bad("it has no printable glyph (only spaces)".into()));
    }
    let full_width = font::line_width(text, WORD_PX).max(1) as f32;
    let px = WORD_PX * (2.0 * MAX_GRID_SIDE as f32 / full_width).min(1.0);
    let coverage = font::rasterize_line(text, px);
    let (width, height) = (coverage.width as usize, coverage.height as usize);
    let inked = |index: usize| coverage.values[index] > 0.0;
    let rows: Vec<usize> = (0..height)
        .filter(|&y| (0..width).any(|x| inked(y * width + x)))
        .collect();
    let columns: Vec<usize> = (0..width)
        .filter(|&x| (0..height).any(|y| inked(y * width + x)))
        .collect();
    let (Some(&top), Some(&bottom), Some(&left), Some(&right)) =
        (rows.first(), rows.last(), columns.first(), columns.last())
    else {
        return Err(bad("it has no printable glyph".into()));
    };
    let (crop_width, crop_height) = (right - left + 1, bottom - top + 1);
    let cropped: Vec<f32> = (top..=bottom)
        .flat_map(|y| {
            coverage.values[y * width + left..=y * width + right]
                .iter()
                .copied()
        })
        .collect();
    DensityGrid::from_densities(
        crop_width as u32,
        crop_height as u32,
        &cropped,
        MAX_GRID_SIDE,
    )
    .map_err(|source| DataError::Grid {
        what: format!("text:{text:?}"),
        source,
    })
}
