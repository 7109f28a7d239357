//! The metrics of point clouds of any dimension: exact W2 and the optimal pairing (the same
//! dense assignment as the 2D functions), the noise floor between two disjoint held-out
//! samples, and each sample's distance to its nearest training point (memorisation shows as
//! distances near zero).

use super::{MetricsError, assignment::CostMatrix};
use crate::PointCloud;
use crate::data::{Distribution, SeededRng};
use rayon::prelude::*;

/// The exact 2-Wasserstein distance between two equal-size clouds of one dimension with uniform
/// weights (at d = 2 the value of [`super::exact_w2`]).
pub fn cloud_exact_w2(a: &PointCloud, b: &PointCloud) -> Result<f64, MetricsError> {
    super::w2_of_costs(checked_costs(a, b)?)
}

/// The optimal pairing of two equal-size clouds: `result[i]` is the point of `b` paired with
/// point `i` of `a`.
pub fn cloud_assignment(a: &PointCloud, b: &PointCloud) -> Result<Vec<usize>, MetricsError> {
    Ok(super::assignment::solve(&checked_costs(a, b)?))
}

/// `n` held-out points of `target` and the floor: the W2 between them and `n` other held-out
/// points (two disjoint halves of the held-out digits or rows, else two independent draws).
pub fn held_out_and_floor(
    target: &Distribution,
    n: usize,
    rng: &mut SeededRng,
) -> Result<(PointCloud, f64), MetricsError> {
    let (first, second) = two_held_out_samples(target, n, rng)?;
    let floor = cloud_exact_w2(&first, &second)?;
    Ok((first, floor))
}

/// Two samples of `n` held-out points of `target`: disjoint halves of one draw of 2n where the
/// held-out points are finite (the digits, a file's rows: drawn without replacement), else two
/// independent draws of n (a preset's sampler may order its points, e.g. one moon after the
/// other, so halves of one draw would not be two samples of the target).
pub fn two_held_out_samples(
    target: &Distribution,
    n: usize,
    rng: &mut SeededRng,
) -> Result<(PointCloud, PointCloud), MetricsError> {
    let Some(most) = target.most_judged() else {
        return Ok((target.held_out(n, rng)?, target.held_out(n, rng)?));
    };
    if n > most {
        return Err(MetricsError::TooFewHeldOut {
            target: target.label(),
            most,
            n,
        });
    }
    let pool = target.held_out(2 * n, rng)?;
    let dim = pool.dim();
    Ok((
        PointCloud::from_flat(dim, pool.coords()[..n * dim].to_vec()),
        PointCloud::from_flat(dim, pool.coords()[n * dim..].to_vec()),
    ))
}

/// The distance from every point of `samples` to its nearest point of `reference`.
pub fn nearest_distances(samples: &PointCloud, reference: &PointCloud) -> Vec<f64> {
    let m = reference.len();
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

/// Checks two clouds (size limit, same size and dimension, non-empty, finite) and builds their
/// matrix of squared distances.
fn checked_costs(a: &PointCloud, b: &PointCloud) -> Result<CostMatrix, MetricsError> {
    super::check_sizes(a.len(), b.len())?;
    if a.dim() != b.dim() {
        return Err(MetricsError::DimensionMismatch {
            a: a.dim(),
            b: b.dim(),
        });
    }
    for (cloud, set) in [(a, "first"), (b, "second")] {
        if let Some(index) = cloud.first_non_finite() {
            return Err(MetricsError::NonFiniteCoordinate { set, index });
        }
    }
    let costs = squared_distances(a, b);
    if costs.iter().any(|c| !c.is_finite()) {
        return Err(MetricsError::Overflow);
    }
    Ok(CostMatrix { n: a.len(), costs })
}

/// The row-major matrix of squared distances ‖a_i − b_j‖² (rows in parallel).
fn squared_distances(a: &PointCloud, b: &PointCloud) -> Vec<f64> {
    let (m, dim) = (b.len(), a.dim());
    let mut costs = vec![0.0; a.len() * m];
    costs
        .par_chunks_mut(m.max(1))
        .zip(a.coords().par_chunks(dim.max(1)))
        .for_each(|(row, p)| {
            for (cost, q) in row.iter_mut().zip(b.coords().chunks(dim.max(1))) {
                *cost = p.iter().zip(q).map(|(p, q)| (p - q) * (p - q)).sum();
            }
        });
    costs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_w2_in_2d_is_the_planar_w2_and_nearest_distances_find_the_nearest() {
        let a = [[0.0, 0.0], [1.0, 2.0], [3.0, -1.0]];
        let b = [[1.0, 1.0], [3.0, 0.0], [0.0, 0.5]];
        let planar = super::super::exact_w2(&a, &b).unwrap();
        let clouds =
            cloud_exact_w2(&PointCloud::from_points(&a), &PointCloud::from_points(&b)).unwrap();
        assert_eq!(planar, clouds);
        let near = nearest_distances(&PointCloud::from_points(&a), &PointCloud::from_points(&b));
        assert_eq!(near[0], 0.5);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        let wide = PointCloud::from_flat(3, vec![0.0; 6]);
        assert!(matches!(
            cloud_exact_w2(&wide, &PointCloud::from_points(&a[..2])),
            Err(MetricsError::DimensionMismatch { a: 3, b: 2 })
        ));
    }
}
