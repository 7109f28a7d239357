//! Grids of 8×8 images: a frame of a 64-dimensional flow drawn as `columns × rows` small grey
//! images (each pixel a `scale`×`scale` square, −1 black, 1 white) under a caption, and a whole
//! trajectory written as a looping GIF with a 256-level grey palette.

use crate::data::digits::{SIDE, grey_level};
use crate::flow::{PointCloud, Trajectory};
use crate::render::text::{draw_text, text_size};
use std::io::Write;
use std::path::Path;
use tiny_skia::Pixmap;

/// Gap between two images, in output pixels.
const GAP: u32 = 2;
/// Caption height and margin, in output pixels.
const CAPTION_SCALE: u32 = 2;

/// Images in a grid at most (the app's view, `gif` and `figure` of a 64-dimensional flow).
pub const GRID_IMAGES: usize = 64;

/// The first [`GRID_IMAGES`] points of `cloud`, the images a grid shows.
pub fn first_images(cloud: &PointCloud) -> PointCloud {
    let shown = cloud.len().min(GRID_IMAGES) * cloud.dim();
    PointCloud::from_flat(cloud.dim(), cloud.coords()[..shown].to_vec())
}

/// How a grid is laid out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridLayout {
    /// Images per row.
    pub columns: usize,
    /// Output pixels per image pixel.
    pub scale: u32,
}

impl Default for GridLayout {
    fn default() -> Self {
        Self {
            columns: 8,
            scale: 5,
        }
    }
}

/// Width and height of the grid of `images` images, caption band included.
pub fn grid_size(images: usize, layout: GridLayout) -> (u32, u32) {
    let columns = layout.columns.max(1) as u32;
    let rows = images.div_ceil(layout.columns.max(1)) as u32;
    let cell = SIDE as u32 * layout.scale.max(1);
    let (_, caption) = text_size("X\nX", CAPTION_SCALE);
    let width = columns * cell + (columns + 1) * GAP;
    let height = caption + 2 * GAP + rows * cell + (rows + 1) * GAP;
    (width, height)
}

/// The images of `cloud` (one 64-dimensional point each) drawn as a grid with `caption` above,
/// as grey levels 0–255, row-major. None when the points are not 8×8 images.
pub fn render_grid(
    cloud: &PointCloud,
    caption: &str,
    layout: GridLayout,
) -> Option<(u32, u32, Vec<u8>)> {
    if cloud.dim() != SIDE * SIDE || cloud.is_empty() {
        return None;
    }
    let (width, height) = grid_size(cloud.len(), layout);
    let mut pixmap = Pixmap::new(width, height)?;
    pixmap.fill(tiny_skia::Color::from_rgba8(40, 40, 40, 255));
    let (_, caption_height) = text_size("X\nX", CAPTION_SCALE);
    draw_text(
        &mut pixmap,
        caption,
        GAP + 2,
        GAP,
        CAPTION_SCALE,
        [230, 230, 230],
    );
    let mut grey: Vec<u8> = pixmap.pixels().iter().map(|p| p.red()).collect();
    let scale = layout.scale.max(1);
    let cell = SIDE as u32 * scale;
    let top = caption_height + 2 * GAP;
    let columns = layout.columns.max(1);
    for (index, image) in cloud.coords().chunks(SIDE * SIDE).enumerate() {
        let left = GAP + (index % columns) as u32 * (cell + GAP);
        let image_top = top + GAP + (index / columns) as u32 * (cell + GAP);
        for (pixel, &value) in image.iter().enumerate() {
            let level = grey_level(value);
            let (px, py) = ((pixel % SIDE) as u32, (pixel / SIDE) as u32);
            for y in 0..scale {
                let row = (image_top + py * scale + y) * width;
                for x in 0..scale {
                    grey[(row + left + px * scale + x) as usize] = level;
                }
            }
        }
    }
    Some((width, height, grey))
}

/// The frames of `trajectory` nearest to `times` (on its [0, 1] timeline) as grids side by
/// side, each under its caption, as grey levels 0–255 row-major: a figure of a 64-dimensional
/// flow. Returns the width, height, levels and the frames shown; None when the frames are not
/// 8×8 images.
pub fn render_strip(
    trajectory: &Trajectory,
    times: &[f64],
    layout: GridLayout,
) -> Option<(u32, u32, Vec<u8>, Vec<usize>)> {
    let frames = trajectory.frames();
    let shown: Vec<usize> = times.iter().map(|&t| trajectory.nearest_frame(t)).collect();
    let panels: Vec<(u32, u32, Vec<u8>)> = shown
        .iter()
        .map(|&index| {
            let caption = frame_caption(trajectory, index);
            render_grid(&frames.get(index)?.positions, &caption, layout)
        })
        .collect::<Option<_>>()?;
    let height = panels.iter().map(|p| p.1).max()?;
    let width = panels.iter().map(|p| p.0 + GAP).sum::<u32>() + GAP;
    let mut strip = vec![255_u8; (width * height) as usize];
    let mut left = GAP;
    for (panel_width, panel_height, grey) in &panels {
        for y in 0..*panel_height {
            let from = (y * panel_width) as usize;
            let to = (y * width + left) as usize;
            strip[to..to + *panel_width as usize]
                .copy_from_slice(&grey[from..from + *panel_width as usize]);
        }
        left += panel_width + GAP;
    }
    Some((width, height, strip, shown))
}

/// The caption of frame `index` of `trajectory`, on two lines: its flow and t, then the NFE so
/// far and, for NSGF++, the phase (for the particle flow: the Euler step).
pub fn frame_caption(trajectory: &Trajectory, index: usize) -> String {
    let frame = &trajectory.frames()[index];
    let kind = trajectory.kind();
    if !kind.is_learned() {
        return format!(
            "{} t={:.2}\nstep {index}/{}",
            kind.display_name(),
            frame.t,
            trajectory.len().saturating_sub(1)
        );
    }
    let phase = match trajectory.boundary_frame() {
        Some(boundary) if index >= boundary => " straight",
        Some(_) => " Sinkhorn",
        None => "",
    };
    format!(
        "{} t={:.2}\nNFE {}/{}{phase}",
        kind.display_name(),
        frame.t,
        trajectory.nfe_at(index),
        trajectory.nfe()
    )
}

/// A `width × height` opaque pixmap of grey `levels` (row-major), for PNG output; None when
/// the size is zero or too large.
pub(crate) fn grey_pixmap(width: u32, height: u32, levels: &[u8]) -> Option<Pixmap> {
    let mut pixmap = Pixmap::new(width, height)?;
    for (pixel, &level) in pixmap.pixels_mut().iter_mut().zip(levels) {
        *pixel = tiny_skia::PremultipliedColorU8::from_rgba(level, level, level, 255)?;
    }
    Some(pixmap)
}

/// Writes `trajectory` (64-dimensional frames) as a looping GIF of image grids at `fps`, the
/// last frame held for a second; atomically, so a failure leaves no partial file. Returns the
/// number of frames.
pub fn export_grid_gif(
    trajectory: &Trajectory,
    path: &Path,
    layout: GridLayout,
    fps: u16,
) -> Result<usize, super::RenderError> {
    let (bytes, count) = grid_gif_bytes(trajectory, layout, fps)?;
    crate::files::write_atomically(path, |out| out.write_all(&bytes)).map_err(|source| {
        super::RenderError::Io {
            path: path.display().to_string(),
            source,
        }
    })?;
    Ok(count)
}

/// The GIF of [`export_grid_gif`] in memory, and its number of frames (the browser downloads
/// it).
pub(crate) fn grid_gif_bytes(
    trajectory: &Trajectory,
    layout: GridLayout,
    fps: u16,
) -> Result<(Vec<u8>, usize), super::RenderError> {
    let invalid = super::RenderError::InvalidFigure;
    let frames: Vec<(u32, u32, Vec<u8>)> = (0..trajectory.len())
        .map(|index| {
            render_grid(
                &trajectory.frames()[index].positions,
                &frame_caption(trajectory, index),
                layout,
            )
            .ok_or_else(|| invalid("the grid GIF draws 64-dimensional (8×8) points".into()))
        })
        .collect::<Result<_, _>>()?;
    let Some((width, height, _)) = frames.first() else {
        return Err(invalid("the trajectory has no frame".into()));
    };
    let (width, height) = (
        u16::try_from(*width).map_err(|_| invalid("the grid is too wide for a GIF".into()))?,
        u16::try_from(*height).map_err(|_| invalid("the grid is too tall for a GIF".into()))?,
    );
    let palette: Vec<u8> = (0..=255u8).flat_map(|g| [g, g, g]).collect();
    let delay = (100 / fps.max(1)).max(2);
    let count = frames.len();
    let mut bytes = Vec::new();
    {
        let encode = |error: gif::EncodingError| invalid(format!("GIF encoding failed: {error}"));
        let mut encoder = gif::Encoder::new(&mut bytes, width, height, &palette).map_err(encode)?;
        encoder.set_repeat(gif::Repeat::Infinite).map_err(encode)?;
        for (index, (_, _, pixels)) in frames.into_iter().enumerate() {
            let mut frame = gif::Frame::from_indexed_pixels(width, height, pixels, None);
            frame.delay = if index + 1 == count { 100 } else { delay };
            encoder.write_frame(&frame).map_err(encode)?;
        }
    }
    Ok((bytes, count))
}
