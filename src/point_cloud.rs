//! Point clouds as one flat, shared buffer of coordinates with a dimension.

use crate::Point;
use std::sync::Arc;

/// `n` points in `dim` dimensions, stored flat (`x₀ y₀ x₁ y₁ …` in 2D) behind an [`Arc`]: cloning
/// a cloud shares its buffer, so frames travel between the flow, the app, the renderer and the
/// CLI without copying. The one cloud type of every dimension: planar clouds (`dim = 2`) are
/// also read through [`PointCloud::points`]; [`crate::ot::cloud_velocity`] takes clouds of any
/// dimension ([`PointCloud::from_flat`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PointCloud {
    dim: usize,
    coords: Arc<[f64]>,
}

impl PointCloud {
    /// A planar cloud holding `points` (copied once into the shared buffer).
    pub fn from_points(points: &[Point]) -> Self {
        Self {
            dim: 2,
            coords: Arc::from(bytemuck::cast_slice::<Point, f64>(points)),
        }
    }

    /// A cloud of `coords.len() / dim` points in `dim` dimensions, coordinates point after
    /// point (`dim` ≥ 1; trailing coordinates that do not fill a point are dropped).
    pub fn from_flat(dim: usize, mut coords: Vec<f64>) -> Self {
        let dim = dim.max(1);
        coords.truncate(coords.len() / dim * dim);
        Self {
            dim,
            coords: Arc::from(coords),
        }
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.coords.len() / self.dim
    }

    /// Whether the cloud holds no point.
    pub fn is_empty(&self) -> bool {
        self.coords.is_empty()
    }

    /// The dimension of every point.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// All coordinates, point after point.
    pub fn coords(&self) -> &[f64] {
        &self.coords
    }

    /// The points of a planar cloud, without copying.
    pub fn points(&self) -> &[Point] {
        debug_assert_eq!(self.dim, 2, "PointCloud::points reads planar clouds");
        bytemuck::cast_slice(&self.coords)
    }

    /// The points, copied into a vector (for the numerics that move them).
    pub fn to_vec(&self) -> Vec<Point> {
        self.points().to_vec()
    }

    /// The index of the first point with a NaN or infinite coordinate, if any.
    pub(crate) fn first_non_finite(&self) -> Option<usize> {
        self.coords
            .iter()
            .position(|c| !c.is_finite())
            .map(|index| index / self.dim)
    }

    /// Whether `self` and `other` share one buffer (a clone, not a copy).
    pub fn shares_buffer(&self, other: &PointCloud) -> bool {
        Arc::ptr_eq(&self.coords, &other.coords)
    }
}

impl From<Vec<Point>> for PointCloud {
    fn from(points: Vec<Point>) -> Self {
        Self::from_points(&points)
    }
}

impl From<&[Point]> for PointCloud {
    fn from(points: &[Point]) -> Self {
        Self::from_points(points)
    }
}

impl Default for PointCloud {
    fn default() -> Self {
        Self {
            dim: 2,
            coords: Arc::from(Vec::new()),
        }
    }
}
