//! Judging d-dimensional samples: exact W2 by linear assignment, the noise floor between two
//! disjoint halves of held-out data, and each sample's distance to its nearest training point
//! (memorisation shows as distances near zero).

use super::{HighDimError, Rows};
use ndarray::ArrayView2;
use rayon::prelude::*;

/// The matrix of squared distances ‖a_i − b_j‖², row-major.
fn squared_distances(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Vec<f64> {
    let m = b.nrows();
    let mut costs = vec![0.0; a.nrows() * m];
    costs
        .par_chunks_mut(m.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (j, cost) in row.iter_mut().enumerate() {
                *cost = a
                    .row(i)
                    .iter()
                    .zip(b.row(j))
                    .map(|(p, q)| (p - q) * (p - q))
                    .sum();
            }
        });
    costs
}

/// Checks two clouds for an exact W2 (same size and dimension, non-empty, finite, within the
/// size limit).
fn check_pair(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Result<(), HighDimError> {
    crate::limits::check(
        "the points of an exact W2",
        a.nrows().max(b.nrows()),
        crate::limits::MAX_W2_POINTS,
        8 * a.nrows().max(b.nrows()) as u64,
    )?;
    if a.nrows() != b.nrows() {
        return Err(HighDimError::Invalid(format!(
            "W2 needs two clouds of the same size (got {} and {})",
            a.nrows(),
            b.nrows()
        )));
    }
    check_cloud(a, "first", a.ncols())?;
    check_cloud(b, "second", a.ncols())
}

/// Checks that `cloud` is non-empty, finite and of dimension `dim`.
fn check_cloud(cloud: ArrayView2<f64>, what: &str, dim: usize) -> Result<(), HighDimError> {
    if cloud.nrows() == 0 {
        return Err(HighDimError::Invalid(format!("the {what} cloud is empty")));
    }
    if cloud.ncols() != dim {
        return Err(HighDimError::Dimension {
            what: format!("the {what} cloud"),
            got: cloud.ncols(),
            expected: dim,
        });
    }
    if let Some(index) = cloud.iter().position(|v| !v.is_finite()) {
        return Err(HighDimError::Invalid(format!(
            "point {} of the {what} cloud holds a non-finite coordinate",
            index / dim.max(1)
        )));
    }
    Ok(())
}

/// The exact 2-Wasserstein distance between two equal-size clouds with uniform weights.
pub fn exact_w2(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Result<f64, HighDimError> {
    check_pair(a, b)?;
    crate::metrics::exact_w2_of_squared_distances(a.nrows(), squared_distances(a, b))
        .map_err(|error| HighDimError::Invalid(error.to_string()))
}

/// The optimal pairing of two equal-size clouds: `result[i]` is the row of `b` paired with
/// row `i` of `a`.
pub fn assignment(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Result<Vec<usize>, HighDimError> {
    check_pair(a, b)?;
    Ok(crate::metrics::assignment_of_costs(
        a.nrows(),
        squared_distances(a, b),
    ))
}

/// The distance from every row of `samples` to its nearest row of `reference`.
pub fn nearest_distances(samples: ArrayView2<f64>, reference: ArrayView2<f64>) -> Vec<f64> {
    let m = reference.nrows();
    squared_distances(samples, reference)
        .chunks(m.max(1))
        .map(|row| row.iter().copied().fold(f64::INFINITY, f64::min).sqrt())
        .collect()
}

/// The median of `values` (NaN for none).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        0.5 * (sorted[middle - 1] + sorted[middle])
    } else {
        sorted[middle]
    }
}

/// Rows `first..first + n` of `rows` (a view).
pub fn slice_rows(rows: &Rows, first: usize, n: usize) -> ArrayView2<'_, f64> {
    rows.slice(ndarray::s![first..first + n, ..])
}
