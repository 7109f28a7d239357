//! Particle colours: a fixed, quantised 2D colour map of each particle's STARTING position (hue from
//! the angle around the source centroid, lightness and saturation from the radius), so that the
//! mixing done by a flow stays visible. The app and the GIF export use the same map, and because
//! the map has a fixed number of entries, every GIF frame can share one global palette.

use crate::Point;

/// Number of hue bins (angle around the source centroid).
const HUE_BINS: usize = 24;
/// Number of radius bins (distance from the source centroid, normalised).
const RADIUS_BINS: usize = 8;

/// The background of every frame (opaque white).
pub const BACKGROUND: [u8; 3] = [255, 255, 255];
/// Target samples, drawn underneath the particles.
pub const TARGET_GREY: [u8; 3] = [196, 196, 196];
/// The axes through the origin.
pub(crate) const AXIS_GREY: [u8; 3] = [232, 232, 232];
/// Velocity arrows.
pub(crate) const ARROW_GREY: [u8; 3] = [64, 64, 64];
/// Caption text.
pub const CAPTION_INK: [u8; 3] = [32, 32, 32];

/// Colour of a particle whose starting position is not finite (the map's centre colour).
const NEUTRAL_COLOR: [u8; 3] = [96, 96, 96];

/// The radius (as a quantile of all starting radii) that maps to the outermost bin.
const RADIUS_QUANTILE: f64 = 0.9;

/// Opacity of a trail relative to its particle: trails are drawn as this blend over white.
const TRAIL_BLEND: f64 = 0.35;

/// The colour of hue bin `hue_bin` and radius bin `radius_bin` (both wrapped/clamped into range).
/// Centre bins are dark and greyish, outer bins vivid, so radius reads as lightness.
fn map_color(hue_bin: usize, radius_bin: usize) -> [u8; 3] {
    let hue = (hue_bin % HUE_BINS) as f64 + 0.5;
    let hue_degrees = hue * 360.0 / HUE_BINS as f64;
    let radius = (radius_bin.min(RADIUS_BINS - 1) as f64 + 0.5) / RADIUS_BINS as f64;
    let saturation = 0.30 + 0.62 * radius;
    let lightness = 0.28 + 0.30 * radius;
    hsl_to_rgb(hue_degrees, saturation, lightness)
}

/// Every entry of the particle colour map: `HUE_BINS × RADIUS_BINS` colours, hue-major.
pub fn particle_color_map() -> Vec<[u8; 3]> {
    (0..HUE_BINS)
        .flat_map(|h| (0..RADIUS_BINS).map(move |r| map_color(h, r)))
        .collect()
}

/// The colour of every particle from its starting position: hue from the angle around the
/// centroid of `initial`, lightness from the radius (normalised by the 90 % quantile of the
/// radii). Every colour is an entry of [`particle_color_map`]. Non-finite points get a neutral grey
/// (which is also in the GIF palette).
pub fn colors_by_start(initial: &[Point]) -> Vec<[u8; 3]> {
    let finite: Vec<&Point> = initial
        .iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
        .collect();
    if finite.is_empty() {
        return vec![NEUTRAL_COLOR; initial.len()];
    }
    let count = finite.len() as f64;
    let cx = finite.iter().map(|p| p[0]).sum::<f64>() / count;
    let cy = finite.iter().map(|p| p[1]).sum::<f64>() / count;
    let mut radii: Vec<f64> = finite
        .iter()
        .map(|p| (p[0] - cx).hypot(p[1] - cy))
        .collect();
    radii.sort_by(f64::total_cmp);
    let quantile_index = ((radii.len() - 1) as f64 * RADIUS_QUANTILE).round() as usize;
    let radius_scale = radii[quantile_index];
    let radius_scale = if radius_scale > 0.0 {
        radius_scale
    } else {
        1.0
    };

    initial
        .iter()
        .map(|p| {
            if !(p[0].is_finite() && p[1].is_finite()) {
                return NEUTRAL_COLOR;
            }
            let (dx, dy) = (p[0] - cx, p[1] - cy);
            let turn = (dy.atan2(dx) / std::f64::consts::TAU).rem_euclid(1.0);
            let hue_bin = ((turn * HUE_BINS as f64) as usize).min(HUE_BINS - 1);
            let radius = (dx.hypot(dy) / radius_scale).min(1.0);
            let radius_bin = ((radius * RADIUS_BINS as f64) as usize).min(RADIUS_BINS - 1);
            map_color(hue_bin, radius_bin)
        })
        .collect()
}

/// The colour a trail of a particle of colour `color` is drawn in: [`TRAIL_BLEND`] of it over
/// the white background (opaque, so overlapping trails do not darken).
pub(crate) fn trail_color(color: [u8; 3]) -> [u8; 3] {
    color.map(|c| {
        let blended = TRAIL_BLEND * f64::from(c) + (1.0 - TRAIL_BLEND) * 255.0;
        blended.round().clamp(0.0, 255.0) as u8
    })
}

/// Every colour a frame is meant to contain: background, greys, the particle colour map, one
/// trail tint per hue bin and the neutral colour. At most 256 entries (the GIF limit).
pub(crate) fn palette_colors() -> Vec<[u8; 3]> {
    let mut colors = vec![BACKGROUND, AXIS_GREY, TARGET_GREY, ARROW_GREY, CAPTION_INK];
    // A grey ramp for anti-aliased edges of text, arrows and target dots.
    for level in [244u8, 220, 208, 180, 160, 140, 120, 100, 80, 48, 16, 0] {
        colors.push([level; 3]);
    }
    colors.push(NEUTRAL_COLOR);
    colors.extend(particle_color_map());
    // One trail tint per hue (of the middle radius bin).
    for hue_bin in 0..HUE_BINS {
        colors.push(trail_color(map_color(hue_bin, RADIUS_BINS / 2)));
    }
    colors.push(trail_color(NEUTRAL_COLOR));
    let mut unique = Vec::with_capacity(colors.len());
    for color in colors {
        if !unique.contains(&color) {
            unique.push(color);
        }
    }
    unique
}

/// HSL (hue in degrees, saturation and lightness in [0, 1]) to 8-bit RGB.
fn hsl_to_rgb(hue_degrees: f64, saturation: f64, lightness: f64) -> [u8; 3] {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let sector = (hue_degrees / 60.0).rem_euclid(6.0);
    let second = chroma * (1.0 - (sector.rem_euclid(2.0) - 1.0).abs());
    let (r, g, b) = match sector as u32 {
        0 => (chroma, second, 0.0),
        1 => (second, chroma, 0.0),
        2 => (0.0, chroma, second),
        3 => (0.0, second, chroma),
        4 => (second, 0.0, chroma),
        _ => (chroma, 0.0, second),
    };
    let offset = lightness - chroma / 2.0;
    [r, g, b].map(|c| ((c + offset) * 255.0).round().clamp(0.0, 255.0) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_fits_a_gif_and_holds_every_particle_color() {
        let palette = palette_colors();
        assert!(palette.len() <= 256, "{} colours", palette.len());
        for color in particle_color_map() {
            assert!(palette.contains(&color));
        }
    }

    #[test]
    fn hsl_primaries() {
        assert_eq!(hsl_to_rgb(0.0, 1.0, 0.5), [255, 0, 0]);
        assert_eq!(hsl_to_rgb(120.0, 1.0, 0.5), [0, 255, 0]);
        assert_eq!(hsl_to_rgb(240.0, 1.0, 0.5), [0, 0, 255]);
        assert_eq!(hsl_to_rgb(77.0, 0.0, 1.0), [255, 255, 255]);
    }
}
