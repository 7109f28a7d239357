//! Point clouds in the kernels' layout: structure of arrays, shifted by a common centre, in the
//! kernel precision, with the half squared norms the expanded cost needs.

use super::real::Real;
use crate::Point;

/// A point cloud as the softmin kernels read it: `xs[i], ys[i]` = point i − centre, plus
/// `half_sq_norm[i] = ½‖point i − centre‖²` (in f64: it only enters once per row or column).
///
/// The squared-distance cost is translation invariant, so every cloud of one problem is shifted
/// by the same centre (the middle of their bounding box); this keeps the expanded cost
/// `½‖x‖² + ½‖y‖² − x·y` free of cancellation when the clouds sit far from the origin.
pub(crate) struct Cloud<T> {
    /// First coordinates, shifted.
    pub xs: Vec<T>,
    /// Second coordinates, shifted.
    pub ys: Vec<T>,
    /// `½‖p − centre‖²`, computed from the kernel-precision coordinates.
    pub half_sq_norm: Vec<f64>,
}

impl<T: Real> Cloud<T> {
    /// The cloud `points − centre` in precision `T`.
    pub(crate) fn new(points: &[Point], centre: Point) -> Self {
        let xs: Vec<T> = points
            .iter()
            .map(|p| T::from_f64(p[0] - centre[0]))
            .collect();
        let ys: Vec<T> = points
            .iter()
            .map(|p| T::from_f64(p[1] - centre[1]))
            .collect();
        let half_sq_norm = xs
            .iter()
            .zip(&ys)
            .map(|(&a, &b)| {
                let (a, b) = (a.to_f64(), b.to_f64());
                0.5 * (a * a + b * b)
            })
            .collect();
        Self {
            xs,
            ys,
            half_sq_norm,
        }
    }

    /// Number of points.
    pub(crate) fn len(&self) -> usize {
        self.xs.len()
    }
}

/// Lower and upper corners of the bounding box of `x ∪ y` (both non-empty together).
pub(crate) fn bounding_box(x: &[Point], y: &[Point]) -> (Point, Point) {
    finite_bounding_box([x, y]).unwrap_or(([0.0; 2], [0.0; 2]))
}

/// Lower and upper corners of the smallest box holding every finite point of `sets`; None when
/// there is no finite point. The one bounding box of the crate (the solver's diameter and
/// centring, the app's plot extent).
pub(crate) fn finite_bounding_box<'a>(
    sets: impl IntoIterator<Item = &'a [Point]>,
) -> Option<(Point, Point)> {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for p in sets.into_iter().flatten() {
        if p[0].is_finite() && p[1].is_finite() {
            for axis in 0..2 {
                lo[axis] = lo[axis].min(p[axis]);
                hi[axis] = hi[axis].max(p[axis]);
            }
        }
    }
    (lo[0] <= hi[0]).then_some((lo, hi))
}
