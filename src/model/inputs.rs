//! Packing points (and times) into the f32 matrices the networks read, and back.

use crate::Point;
use ndarray::Array2;

/// Rows `(x, y, t)` for a velocity network, one per point.
pub(super) fn points_with_times(points: &[Point], times: &[f64]) -> Array2<f32> {
    debug_assert_eq!(points.len(), times.len());
    let mut input = Array2::<f32>::zeros((points.len(), 3));
    for (mut row, (point, t)) in input.rows_mut().into_iter().zip(points.iter().zip(times)) {
        row[0] = point[0] as f32;
        row[1] = point[1] as f32;
        row[2] = *t as f32;
    }
    input
}

/// Rows `(x, y, t)` with one shared time.
pub(super) fn points_at_time(points: &[Point], t: f64) -> Array2<f32> {
    let mut input = Array2::<f32>::zeros((points.len(), 3));
    for (mut row, point) in input.rows_mut().into_iter().zip(points) {
        row[0] = point[0] as f32;
        row[1] = point[1] as f32;
        row[2] = t as f32;
    }
    input
}

/// Rows `(x, y)`.
pub(super) fn points_only(points: &[Point]) -> Array2<f32> {
    let mut input = Array2::<f32>::zeros((points.len(), 2));
    for (mut row, point) in input.rows_mut().into_iter().zip(points) {
        row[0] = point[0] as f32;
        row[1] = point[1] as f32;
    }
    input
}

/// Rows `(vx, vy)` of 2D vectors.
pub(super) fn vectors(values: &[Point]) -> Array2<f32> {
    points_only(values)
}

/// The first two columns of every row, back as points.
pub(super) fn rows_to_points(output: &Array2<f32>) -> Vec<Point> {
    output
        .rows()
        .into_iter()
        .map(|row| [f64::from(row[0]), f64::from(row[1])])
        .collect()
}
