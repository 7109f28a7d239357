//! The order the truncated kernels read points in: sorted along a Hilbert curve through a
//! 1024 × 1024 grid of cells over the problem's bounding box, so that every run of consecutive
//! points (a block of rows or of columns) sits in a small box, and blocks near each other in
//! the plane are mostly near each other in memory.

use crate::Point;

/// Cells per axis of the grid the curve runs through (2^10).
const GRID_BITS: u32 = 10;

/// The permutation that sorts `points` along the Hilbert curve through the grid over
/// `[lo, hi]`: `order[k]` is the original index of the k-th point in curve order (points of one
/// cell keep their original order).
pub(crate) fn hilbert_order(points: &[Point], lo: Point, hi: Point) -> Vec<usize> {
    let cells = f64::from(1u32 << GRID_BITS);
    let cell_of = |value: f64, axis: usize| -> u32 {
        let width = hi[axis] - lo[axis];
        if width > 0.0 && width.is_finite() {
            ((value - lo[axis]) / width * cells).clamp(0.0, cells - 1.0) as u32
        } else {
            0
        }
    };
    let mut keyed: Vec<(u32, usize)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (hilbert_key(cell_of(p[0], 0), cell_of(p[1], 1)), i))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// The distance along the Hilbert curve of cell `(x, y)` of the 2^[`GRID_BITS`] grid (the
/// classic `xy2d`).
fn hilbert_key(mut x: u32, mut y: u32) -> u32 {
    let side = 1u32 << GRID_BITS;
    let mut key = 0;
    let mut s = side / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        key += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = side - 1 - x;
                y = side - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    key
}

/// `values` in sorted order: `sorted[k] = values[order[k]]`.
pub(crate) fn to_sorted<V: Copy>(values: &[V], order: &[usize]) -> Vec<V> {
    order.iter().map(|&i| values[i]).collect()
}

/// `values` back in original order: `original[order[k]] = values[k]`.
pub(crate) fn to_original<V: Copy + Default>(values: &[V], order: &[usize]) -> Vec<V> {
    let mut original = vec![V::default(); values.len()];
    for (&i, &v) in order.iter().zip(values) {
        original[i] = v;
    }
    original
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hilbert_key_visits_every_cell_once_moving_one_cell_at_a_time() {
        let side = 1u32 << GRID_BITS;
        let mut cell_at = vec![(u32::MAX, u32::MAX); (side * side) as usize];
        for x in 0..side {
            for y in 0..side {
                cell_at[hilbert_key(x, y) as usize] = (x, y);
            }
        }
        for pair in cell_at.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            assert_eq!(x0.abs_diff(x1) + y0.abs_diff(y1), 1, "{pair:?}");
        }
    }

    #[test]
    fn sorting_is_a_permutation_and_round_trips() {
        let points: Vec<Point> = (0..500)
            .map(|i| [(i as f64 * 0.37).sin() * 3.0, (i as f64 * 0.91).cos()])
            .collect();
        let order = hilbert_order(&points, [-3.0, -1.0], [3.0, 1.0]);
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
        let sorted = to_sorted(&points, &order);
        assert_eq!(to_original(&sorted, &order), points);
        // Consecutive points are close: the mean step is far below a random pairing's.
        let step: f64 = sorted
            .windows(2)
            .map(|w| ((w[0][0] - w[1][0]).powi(2) + (w[0][1] - w[1][1]).powi(2)).sqrt())
            .sum::<f64>()
            / 499.0;
        assert!(step < 0.3, "mean step along the curve {step}");
    }
}
