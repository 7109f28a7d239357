//! The first two principal components of a cloud, to show a d-dimensional flow as particles in
//! the plane: power iteration with deflation on the covariance matrix (d × d, f64).

use ndarray::{Array1, Array2, ArrayView2, Axis};

/// Iterations of the power method per component (the covariance of the digits separates its
/// leading eigenvalues well; 200 iterations bring them to machine precision).
const POWER_ITERATIONS: usize = 200;

/// A projection onto the two leading principal components of a reference cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    mean: Array1<f64>,
    /// The two components, one per row (orthonormal).
    components: Array2<f64>,
    /// The variance along each component.
    variances: [f64; 2],
    /// The reference cloud itself, projected.
    reference_points: Vec<crate::Point>,
}

impl Projection {
    /// The projection of `reference` (at least two points, d ≥ 2).
    pub fn fit(reference: ArrayView2<f64>) -> Option<Self> {
        let (n, d) = reference.dim();
        if n < 2 || d < 2 {
            return None;
        }
        let mean = reference.mean_axis(Axis(0))?;
        let centred = &reference - &mean;
        let mut covariance = centred.t().dot(&centred) / (n - 1) as f64;
        let mut components = Array2::zeros((2, d));
        let mut variances = [0.0; 2];
        for (k, variance) in variances.iter_mut().enumerate() {
            // A start that is not orthogonal to any eigenvector in practice.
            let mut vector = Array1::from_shape_fn(d, |i| 1.0 + (i as f64 * 0.618).sin());
            let mut value = 0.0;
            for _ in 0..POWER_ITERATIONS {
                let next = covariance.dot(&vector);
                let norm = next.dot(&next).sqrt();
                if norm == 0.0 {
                    break;
                }
                value = vector.dot(&next);
                vector = next / norm;
            }
            *variance = value;
            // Deflate: remove the found direction.
            let outer = vector
                .view()
                .insert_axis(Axis(1))
                .dot(&vector.view().insert_axis(Axis(0)));
            covariance = covariance - outer * value;
            components.row_mut(k).assign(&vector);
        }
        let mut projection = Self {
            mean,
            components,
            variances,
            reference_points: Vec::new(),
        };
        projection.reference_points = projection.project(reference);
        Some(projection)
    }

    /// The coordinates of every row of `cloud` on the two components.
    pub(crate) fn project(&self, cloud: ArrayView2<f64>) -> Vec<crate::Point> {
        let centred = &cloud - &self.mean;
        let coordinates = centred.dot(&self.components.t());
        coordinates
            .rows()
            .into_iter()
            .map(|r| [r[0], r[1]])
            .collect()
    }

    /// The points of `cloud` (of the reference's dimension) on the plane of the two components;
    /// empty for a cloud of another dimension.
    pub fn project_cloud(&self, cloud: &crate::PointCloud) -> Vec<crate::Point> {
        if cloud.dim() != self.mean.len() {
            return Vec::new();
        }
        match ArrayView2::from_shape((cloud.len(), cloud.dim()), cloud.coords()) {
            Ok(rows) => self.project(rows),
            Err(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_components_of_a_stretched_cloud_are_its_axes() {
        // Points at ±3 on the third axis and ±1 on the first: uncorrelated, mean zero.
        let cloud = ndarray::array![
            [0.0, 0.0, 3.0, 0.0],
            [0.0, 0.0, -3.0, 0.0],
            [1.0, 0.0, 0.0, 0.0],
            [-1.0, 0.0, 0.0, 0.0],
        ];
        let projection = Projection::fit(cloud.view()).unwrap();
        let components = &projection.components;
        assert!((components[[0, 2]].abs() - 1.0).abs() < 1e-9);
        assert!((components[[1, 0]].abs() - 1.0).abs() < 1e-9);
        assert!(components.row(0).dot(&components.row(1)).abs() < 1e-9);
        let [first, second] = projection.variances;
        assert!(first > second && second > 0.0);
        let projected = projection.project(cloud.view());
        assert!((projected[0][0].abs() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn the_digits_spread_most_along_the_first_component() {
        let digits = crate::data::digits::training();
        let projection = Projection::fit(digits.view()).unwrap();
        let [first, second] = projection.variances;
        let total: f64 = digits.var_axis(Axis(0), 1.0).sum();
        assert!(first >= second && first + second < total);
        assert!(first / total > 0.1, "{}", first / total);
    }
}
