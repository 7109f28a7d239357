//! Densities on a grid of cells (a picture's darkness or alpha, a rendered word's ink) and i.i.d.
//! sampling from them: a cell is drawn with probability proportional to its mass, then a point
//! uniformly inside it, and the grid is fitted into the data box keeping its aspect ratio.

use crate::Point;
use crate::encoding::{base64url_decode, base64url_encode, deflate, inflate};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Half the side of the data box a grid is fitted into: its longer side spans
/// [−`DATA_BOX_HALF_SIDE`, `DATA_BOX_HALF_SIDE`], where the presets live.
const DATA_BOX_HALF_SIDE: f64 = 4.0;
/// The longest side of a grid sampled from (a larger picture or word is averaged down to it).
pub(crate) const MAX_GRID_SIDE: u32 = 256;

/// Non-negative masses on `width × height` cells, row-major with the top row first, as bytes
/// (0: no mass, 255: full). Holds some mass, and no more cells than `MAX_GRID_SIDE`².
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EncodedGrid", into = "EncodedGrid")]
pub struct DensityGrid {
    width: u32,
    height: u32,
    cells: Vec<u8>,
}

/// Why cells do not make a [`DensityGrid`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    /// Zero mass everywhere.
    #[error("it has no mass: every cell is empty")]
    NoMass,
    /// A side of zero or beyond `MAX_GRID_SIDE`, or a cell count that does not match.
    #[error("a {width}×{height} grid of {cells} cells (each side must be 1 to {MAX_GRID_SIDE})")]
    Shape {
        /// Columns.
        width: u32,
        /// Rows.
        height: u32,
        /// Cells given.
        cells: usize,
    },
    /// The stored cells are not valid base64url deflate data.
    #[error("its cells are not valid compressed data")]
    Encoding,
}

impl DensityGrid {
    /// A grid of `cells` (row-major, top row first); errors on a bad shape or no mass.
    pub fn new(width: u32, height: u32, cells: Vec<u8>) -> Result<Self, GridError> {
        let side = 1..=MAX_GRID_SIDE;
        if !side.contains(&width)
            || !side.contains(&height)
            || cells.len() != (width * height) as usize
        {
            return Err(GridError::Shape {
                width,
                height,
                cells: cells.len(),
            });
        }
        if cells.iter().all(|&c| c == 0) {
            return Err(GridError::NoMass);
        }
        Ok(Self {
            width,
            height,
            cells,
        })
    }

    /// A grid from densities in [0, 1] of any size (row-major, top row first): averaged down
    /// ([`average_down`]) until both sides are at most `max_side`, then quantised to bytes (a
    /// cell with any mass keeps at least 1, so thin strokes never vanish).
    pub(crate) fn from_densities(
        width: u32,
        height: u32,
        densities: &[f32],
        max_side: u32,
    ) -> Result<Self, GridError> {
        let (width, height, means) = average_down(width, height, densities, max_side)?;
        let cells = means
            .iter()
            .map(|&mean| {
                let level = (mean.clamp(0.0, 1.0) * 255.0).round() as u8;
                if mean > 0.0 { level.max(1) } else { 0 }
            })
            .collect();
        Self::new(width, height, cells)
    }

    /// Columns.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The masses, row-major, top row first.
    pub fn cells(&self) -> &[u8] {
        &self.cells
    }

    /// The grid averaged down to at most `max_side` cells a side and its masses rounded to
    /// `levels` evenly spaced values (2 to 256) — the small form a share link carries.
    pub fn reduced(&self, max_side: u32, levels: u32) -> Result<Self, GridError> {
        let densities: Vec<f32> = self.cells.iter().map(|&c| f32::from(c) / 255.0).collect();
        let coarse = Self::from_densities(self.width, self.height, &densities, max_side)?;
        let steps = f64::from(levels.clamp(2, 256) - 1);
        let cells = coarse
            .cells
            .iter()
            .map(|&c| {
                if c == 0 {
                    return 0;
                }
                let step = (f64::from(c) / 255.0 * steps).round().max(1.0);
                (step / steps * 255.0).round() as u8
            })
            .collect();
        Self::new(coarse.width, coarse.height, cells)
    }

    /// Data units per cell side: the longer side spans the data box.
    fn cell_size(&self) -> f64 {
        2.0 * DATA_BOX_HALF_SIDE / f64::from(self.width.max(self.height))
    }

    /// The data point at grid position (`u`, `v`) (in cells, from the top-left corner; y up).
    fn to_data(&self, u: f64, v: f64) -> Point {
        let size = self.cell_size();
        [
            (u - f64::from(self.width) / 2.0) * size,
            (f64::from(self.height) / 2.0 - v) * size,
        ]
    }

    /// The cell (column, row) that holds the data point `p`, if the grid covers it.
    pub fn cell_at(&self, p: Point) -> Option<(u32, u32)> {
        let size = self.cell_size();
        let u = p[0] / size + f64::from(self.width) / 2.0;
        let v = f64::from(self.height) / 2.0 - p[1] / size;
        let inside =
            (0.0..f64::from(self.width)).contains(&u) && (0.0..f64::from(self.height)).contains(&v);
        inside.then_some((u as u32, v as u32))
    }

    /// `n` i.i.d. points: a cell with probability mass / total mass, then a uniform point
    /// inside it.
    pub(crate) fn sample<R: rand::Rng>(&self, n: usize, rng: &mut R) -> Vec<Point> {
        let mut cumulative = Vec::with_capacity(self.cells.len());
        let mut total = 0u64;
        for &c in &self.cells {
            total += u64::from(c);
            cumulative.push(total);
        }
        (0..n)
            .map(|_| {
                let r = rng.random_range(0..total);
                let index = cumulative.partition_point(|&c| c <= r);
                let (column, row) = (index as u32 % self.width, index as u32 / self.width);
                self.to_data(
                    f64::from(column) + rng.random::<f64>(),
                    f64::from(row) + rng.random::<f64>(),
                )
            })
            .collect()
    }

    /// The cells as base64url of their raw deflate stream.
    fn encoded_cells(&self) -> String {
        base64url_encode(&deflate(&self.cells))
    }

    /// A grid from [`DensityGrid::encoded_cells`]' text.
    fn from_encoded(width: u32, height: u32, text: &str) -> Result<Self, GridError> {
        let limit = (MAX_GRID_SIDE * MAX_GRID_SIDE) as usize;
        let cells = base64url_decode(text)
            .and_then(|packed| inflate(&packed, limit))
            .ok_or(GridError::Encoding)?;
        Self::new(width, height, cells)
    }
}

/// `values` (row-major, `width × height`) averaged over square blocks of k × k cells, k the
/// smallest factor that brings both sides to at most `max_side` (clamped to
/// [`MAX_GRID_SIDE`]); blocks at the right and bottom edges average the cells they have.
pub(crate) fn average_down(
    width: u32,
    height: u32,
    values: &[f32],
    max_side: u32,
) -> Result<(u32, u32, Vec<f32>), GridError> {
    if width == 0 || height == 0 || values.len() != (width as usize) * (height as usize) {
        return Err(GridError::Shape {
            width,
            height,
            cells: values.len(),
        });
    }
    let max_side = max_side.clamp(1, MAX_GRID_SIDE);
    let factor = width.max(height).div_ceil(max_side);
    let (out_width, out_height) = (width.div_ceil(factor), height.div_ceil(factor));
    let mut means = Vec::with_capacity((out_width * out_height) as usize);
    for row in 0..out_height {
        for column in 0..out_width {
            let (mut sum, mut count) = (0.0f64, 0u32);
            for y in row * factor..((row + 1) * factor).min(height) {
                for x in column * factor..((column + 1) * factor).min(width) {
                    sum += f64::from(values[(y * width + x) as usize]);
                    count += 1;
                }
            }
            means.push((sum / f64::from(count.max(1))) as f32);
        }
    }
    Ok((out_width, out_height, means))
}

/// A [`DensityGrid`] as stored in scenes and model files.
#[derive(Serialize, Deserialize)]
struct EncodedGrid {
    width: u32,
    height: u32,
    /// Base64url of the raw deflate stream of the cells.
    cells: String,
}

impl From<DensityGrid> for EncodedGrid {
    fn from(grid: DensityGrid) -> Self {
        Self {
            width: grid.width,
            height: grid.height,
            cells: grid.encoded_cells(),
        }
    }
}

impl TryFrom<EncodedGrid> for DensityGrid {
    type Error = GridError;

    fn try_from(stored: EncodedGrid) -> Result<Self, GridError> {
        Self::from_encoded(stored.width, stored.height, &stored.cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_mass_are_checked() {
        assert_eq!(DensityGrid::new(2, 1, vec![0, 0]), Err(GridError::NoMass));
        assert!(matches!(
            DensityGrid::new(2, 2, vec![1]),
            Err(GridError::Shape { .. })
        ));
        assert!(DensityGrid::new(MAX_GRID_SIDE + 1, 1, vec![1; 257]).is_err());
    }

    #[test]
    fn reduction_keeps_thin_strokes_and_aspect() {
        let mut densities = vec![0.0f32; 600 * 300];
        densities[150 * 600 + 7] = 1.0;
        let grid = DensityGrid::from_densities(600, 300, &densities, 64).unwrap();
        assert_eq!((grid.width(), grid.height()), (60, 30));
        assert_eq!(grid.cells().iter().filter(|&&c| c > 0).count(), 1);
        let small = grid.reduced(16, 16).unwrap();
        assert_eq!((small.width(), small.height()), (15, 8));
        assert!(small.cells().iter().any(|&c| c > 0));
    }

    #[test]
    fn points_map_back_to_their_cells_and_stay_in_the_box() {
        let grid = DensityGrid::new(4, 2, vec![0, 0, 0, 9, 0, 0, 0, 0]).unwrap();
        let points = grid.sample(500, &mut crate::data::seeded_rng(3));
        for p in points {
            assert_eq!(grid.cell_at(p), Some((3, 0)));
            assert!(p[0].abs() <= DATA_BOX_HALF_SIDE && p[1].abs() <= DATA_BOX_HALF_SIDE);
        }
    }

    #[test]
    fn serde_round_trips_through_compressed_cells() {
        let grid = DensityGrid::new(3, 2, vec![0, 5, 255, 0, 0, 1]).unwrap();
        let json = serde_json::to_string(&grid).unwrap();
        assert!(json.contains("\"cells\":\""));
        assert_eq!(serde_json::from_str::<DensityGrid>(&json).unwrap(), grid);
        let broken = json.replace("\"cells\":\"", "\"cells\":\"*");
        assert!(serde_json::from_str::<DensityGrid>(&broken).is_err());
    }
}
