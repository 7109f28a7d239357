//! One global GIF palette for every frame, and a fast nearest-colour index for RGBA pixels.
//!
//! The palette is the fixed colour set of `super::colors::palette_colors`, so the same particle
//! keeps the same palette entry in every frame (no per-frame quantiser, no flicker). A pixel that
//! is exactly a palette colour maps to that entry; any other pixel (an anti-aliased edge) maps to
//! the nearest entry through a 15-bit lookup table.

use super::colors::palette_colors;
use std::sync::OnceLock;

/// Bits kept per channel in the lookup table.
const LUT_BITS: u32 = 5;

/// The global palette and its lookup tables.
pub struct GlobalPalette {
    colors: Vec<[u8; 3]>,
    /// Nearest palette index per 5:5:5 RGB cell.
    nearest_by_cell: Vec<u8>,
    /// Exact palette colours as `0xRRGGBB`, sorted, with their indices.
    exact: Vec<(u32, u8)>,
}

impl GlobalPalette {
    /// The shared palette (built once per process).
    pub fn shared() -> &'static GlobalPalette {
        static PALETTE: OnceLock<GlobalPalette> = OnceLock::new();
        PALETTE.get_or_init(|| GlobalPalette::new(palette_colors()))
    }

    /// A palette of `colors` (at most 256).
    fn new(colors: Vec<[u8; 3]>) -> Self {
        debug_assert!(!colors.is_empty() && colors.len() <= 256);
        let cells_per_channel = 1usize << LUT_BITS;
        let half_cell = 1u32 << (7 - LUT_BITS);
        let nearest_by_cell = (0..cells_per_channel.pow(3))
            .map(|cell| {
                let channel = |shift: u32| {
                    (((cell >> shift) as u32 & (cells_per_channel as u32 - 1)) << (8 - LUT_BITS))
                        + half_cell
                };
                let center = [channel(2 * LUT_BITS), channel(LUT_BITS), channel(0)];
                nearest_index(&colors, center)
            })
            .collect();
        let mut exact: Vec<(u32, u8)> = colors
            .iter()
            .enumerate()
            .map(|(index, &c)| (pack(c), index as u8))
            .collect();
        exact.sort_unstable();
        Self {
            colors,
            nearest_by_cell,
            exact,
        }
    }

    /// The palette as `[r, g, b, r, g, b, …]`, for the GIF encoder.
    pub(crate) fn rgb_bytes(&self) -> Vec<u8> {
        self.colors.iter().flatten().copied().collect()
    }

    /// The palette's colours.
    pub fn colors(&self) -> &[[u8; 3]] {
        &self.colors
    }

    /// The palette index of `color`: exact when `color` is in the palette, else the nearest entry
    /// of its lookup cell.
    fn index_of(&self, color: [u8; 3]) -> u8 {
        let cell = ((usize::from(color[0]) >> (8 - LUT_BITS)) << (2 * LUT_BITS))
            | ((usize::from(color[1]) >> (8 - LUT_BITS)) << LUT_BITS)
            | (usize::from(color[2]) >> (8 - LUT_BITS));
        let nearest = self.nearest_by_cell[cell];
        if self.colors[usize::from(nearest)] == color {
            return nearest;
        }
        match self.exact.binary_search_by_key(&pack(color), |e| e.0) {
            Ok(position) => self.exact[position].1,
            Err(_) => nearest,
        }
    }

    /// Palette indices of opaque RGBA8 pixels (alpha is ignored: frames are drawn opaque).
    pub(crate) fn index_rgba(&self, rgba: &[u8]) -> Vec<u8> {
        let mut indices = Vec::with_capacity(rgba.len() / 4);
        let mut last: Option<([u8; 3], u8)> = None;
        for pixel in rgba.chunks_exact(4) {
            let color = [pixel[0], pixel[1], pixel[2]];
            let index = match last {
                Some((last_color, last_index)) if last_color == color => last_index,
                _ => self.index_of(color),
            };
            last = Some((color, index));
            indices.push(index);
        }
        indices
    }
}

/// `0xRRGGBB`.
fn pack(color: [u8; 3]) -> u32 {
    (u32::from(color[0]) << 16) | (u32::from(color[1]) << 8) | u32::from(color[2])
}

/// The index of the palette colour nearest to `target` (squared RGB distance).
fn nearest_index(colors: &[[u8; 3]], target: [u32; 3]) -> u8 {
    let mut best = (u32::MAX, 0u8);
    for (index, color) in colors.iter().enumerate() {
        let distance: u32 = (0..3)
            .map(|c| {
                let d = u32::from(color[c]).abs_diff(target[c]);
                d * d
            })
            .sum();
        if distance < best.0 {
            best = (distance, index as u8);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_palette_colour_maps_to_itself() {
        let palette = GlobalPalette::shared();
        for (index, &color) in palette.colors().iter().enumerate() {
            assert_eq!(usize::from(palette.index_of(color)), index, "{color:?}");
        }
    }

    #[test]
    fn off_palette_colours_map_near() {
        let palette = GlobalPalette::shared();
        let white_ish = palette.index_of([253, 254, 255]);
        assert_eq!(palette.colors()[usize::from(white_ish)], [255, 255, 255]);
    }
}
