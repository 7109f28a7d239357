//! The plain description of ONE frame to draw (no egui, no window): particles and their colours,
//! optional trails, target samples, velocity arrows, a caption and a progress bar, plus the
//! style (sizes in pixels) it is drawn with.

use crate::Point;

/// Where a frame lies in its animation, drawn as a thin bar at the bottom of the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameProgress {
    /// Fraction of the animation shown so far, in [0, 1].
    pub fraction: f64,
    /// Fraction at which a phase boundary (NSGF++: the straight flow starts) is marked, if any.
    pub marker: Option<f64>,
}

/// One frame of a flow.
#[derive(Debug, Clone, Default)]
pub struct FrameScene<'a> {
    /// Particle positions (data units).
    pub particles: &'a [Point],
    /// Colour of every particle (same length as `particles`), e.g. from
    /// [`super::colors_by_start`].
    pub colors: &'a [[u8; 3]],
    /// Earlier positions of the same particles, oldest first (each the length of `particles`);
    /// each particle's trail runs through them to its current position. Empty: no trails.
    pub trails: Vec<&'a [Point]>,
    /// Target samples, drawn in grey underneath everything else. Empty: none.
    pub target: &'a [Point],
    /// Per-particle arrow vectors in data units (an arrow from `x` to `x + vector`), e.g. η·v for
    /// the Euler step about to be taken. Only a subsample is drawn (see [`FrameStyle`]).
    pub arrows: Option<&'a [Point]>,
    /// Caption in the top-left corner; '\n' separates lines. Drawn in real type (`render::text`).
    pub caption: String,
    /// The progress bar, if any.
    pub progress: Option<FrameProgress>,
}

/// Sizes (in image pixels) a frame is drawn with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameStyle {
    /// Side of the square image.
    pub size_px: u32,
    /// Radius of a particle dot.
    pub particle_radius_px: f32,
    /// Radius of a target dot.
    pub target_radius_px: f32,
    /// Width of a trail line.
    pub trail_width_px: f32,
    /// At most this many arrows are drawn (an evenly spaced subsample of the particles).
    pub max_arrows: usize,
    /// Caption size in units of `render::text::PX_PER_SCALE` pixels of font size, growing with
    /// the image (a caption too wide for the image is drawn smaller).
    pub text_scale: u32,
    /// The caption's text scale (≤ `text_scale`); an animation sets it once so that its longest
    /// caption fits, and the caption keeps one size from frame to frame.
    pub caption_scale: u32,
}

impl FrameStyle {
    /// A style that reads well for `particle_count` particles in a `size_px`-wide image: dots
    /// shrink as the cloud gets denser, text grows with the image.
    pub fn for_size(size_px: u32, particle_count: usize) -> Self {
        let image_scale = size_px as f32 / 480.0;
        let dot = match particle_count {
            0..=300 => 3.2,
            301..=1000 => 2.6,
            1001..=3000 => 2.1,
            _ => 1.6,
        };
        let particle_radius_px = (dot * image_scale).max(1.2);
        Self {
            size_px,
            particle_radius_px,
            target_radius_px: (particle_radius_px * 0.75).max(1.0),
            trail_width_px: (1.2 * image_scale).max(0.8),
            max_arrows: 250,
            text_scale: (size_px / 160).clamp(1, 6),
            caption_scale: (size_px / 160).clamp(1, 6),
        }
    }
}
