//! The empirical velocity field on a regular grid, for the quiver of the particle flow: the
//! Sinkhorn velocity is only known at the particles, so the grid shows its Gaussian-kernel
//! (Nadaraya–Watson) average. Runs on a worker thread.

use crate::Point;

/// The kernel average of `velocities` (known at `particles`) at every grid point, with bandwidth
/// `bandwidth`. Grid points with no particle within about three bandwidths get a zero vector, so
/// the quiver stays empty far from the particles.
pub fn empirical_field(
    grid: &[Point],
    particles: &[Point],
    velocities: &[Point],
    bandwidth: f64,
) -> Vec<Point> {
    let bandwidth = if bandwidth.is_finite() && bandwidth > 0.0 {
        bandwidth
    } else {
        1.0
    };
    let inv_two_h2 = 1.0 / (2.0 * bandwidth * bandwidth);
    let cutoff_sq = 9.0 * bandwidth * bandwidth;
    grid.iter()
        .map(|g| {
            let mut weight_sum = 0.0;
            let mut sum = [0.0, 0.0];
            for (p, v) in particles.iter().zip(velocities) {
                let dx = p[0] - g[0];
                let dy = p[1] - g[1];
                let d2 = dx * dx + dy * dy;
                if d2 < cutoff_sq {
                    let w = (-d2 * inv_two_h2).exp();
                    weight_sum += w;
                    sum[0] += w * v[0];
                    sum[1] += w * v[1];
                }
            }
            if weight_sum > 1e-12 {
                [sum[0] / weight_sum, sum[1] / weight_sum]
            } else {
                [0.0, 0.0]
            }
        })
        .collect()
}

/// Every vector of `field` multiplied by `factor`.
pub(crate) fn scaled(field: &[Point], factor: f64) -> Vec<Point> {
    field
        .iter()
        .map(|v| [v[0] * factor, v[1] * factor])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uniform_velocity_is_reproduced_on_the_grid() {
        let particles = vec![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
        let velocities = vec![[2.0, -1.0]; 3];
        let field = empirical_field(&[[0.5, 0.5], [0.1, 0.0]], &particles, &velocities, 0.5);
        for v in field {
            assert!((v[0] - 2.0).abs() < 1e-12 && (v[1] + 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn far_grid_points_get_zero() {
        let field = empirical_field(&[[100.0, 0.0]], &[[0.0, 0.0]], &[[1.0, 1.0]], 0.5);
        assert_eq!(field, vec![[0.0, 0.0]]);
    }

    #[test]
    fn the_nearest_particle_dominates_at_small_bandwidth() {
        let field = empirical_field(
            &[[0.0, 0.0]],
            &[[0.0, 0.0], [1.0, 0.0]],
            &[[1.0, 0.0], [0.0, 1.0]],
            0.1,
        );
        assert!((field[0][0] - 1.0).abs() < 1e-9);
    }

    #[test]
    fn scaling_multiplies_every_vector() {
        let d = vec![[1.0, 2.0], [0.0, -1.0]];
        assert_eq!(scaled(&d, 0.5), vec![[0.5, 1.0], [0.0, -0.5]]);
    }
}
