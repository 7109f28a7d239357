//! Exact 2-Wasserstein distances between equal-size point clouds (dense linear assignment), the
//! optimal pairing itself, and the sampling noise floor of W2 at a given size: for 2D points
//! here, for clouds of any dimension in [`cloud_exact_w2`] and its neighbours; noisy figures as a
//! mean with its standard error and the "within noise" rule (`stats`).

mod assignment;
mod clouds;
mod stats;

pub use clouds::{
    cloud_assignment, cloud_exact_w2, held_out_and_floor, median, nearest_distances,
    two_held_out_samples,
};
pub use stats::{Comparison, Estimate, Verdict, compare, standard_error};

use crate::Point;
use crate::data::{DataError, Distribution, SeededRng};
use assignment::CostMatrix;

/// Errors of the metrics.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The two point sets differ in size.
    #[error("W2 needs two point sets of the same size (got {a} and {b} points)")]
    SizeMismatch {
        /// Size of the first set.
        a: usize,
        /// Size of the second set.
        b: usize,
    },
    /// A point set with no points.
    #[error("W2 needs at least one point in each set (got none)")]
    Empty,
    /// A NaN or infinite coordinate.
    #[error("point {index} of the {set} set is not finite: ({x}, {y})")]
    NonFinite {
        /// "first" or "second".
        set: &'static str,
        /// The index of the point.
        index: usize,
        /// Its x coordinate.
        x: f64,
        /// Its y coordinate.
        y: f64,
    },
    /// Two clouds of different dimensions.
    #[error("W2 needs two clouds of one dimension (got {a} and {b})")]
    DimensionMismatch {
        /// Dimension of the first cloud.
        a: usize,
        /// Dimension of the second cloud.
        b: usize,
    },
    /// A point of a cloud of any dimension holds a NaN or infinite coordinate.
    #[error("point {index} of the {set} cloud holds a non-finite coordinate")]
    NonFiniteCoordinate {
        /// "first" or "second".
        set: &'static str,
        /// The index of the point.
        index: usize,
    },
    /// A model judged on more samples than its target's held-out points allow.
    #[error(
        "judging {target} takes at most {most} samples: the floor needs two disjoint samples \
         of the same size from its held-out points (got n = {n})"
    )]
    TooFewHeldOut {
        /// The target.
        target: String,
        /// The most samples it can be judged on.
        most: usize,
        /// The samples asked for.
        n: usize,
    },
    /// Coordinates so large that a squared distance overflows f64.
    #[error("a squared distance or their sum overflows f64: the coordinates are too large")]
    Overflow,
    /// Sampling the distribution failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Too many points for the dense cost matrix.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::LimitError),
}

/// The optimal pairing of two equal-size point sets under squared Euclidean cost:
/// `result[i]` is the index in `b` paired with `a[i]`, minimising Σᵢ ‖a_i − b_{result(i)}‖².
///
/// O(n³) worst case and n² f64 of memory (n = 2000: 32 MB).
pub fn assignment(a: &[Point], b: &[Point]) -> Result<Vec<usize>, MetricsError> {
    let matrix = squared_distances(a, b)?;
    Ok(assignment::solve(&matrix))
}

/// The exact 2-Wasserstein distance between two equal-size point sets with uniform weights:
/// sqrt(min over permutations σ of (1/n)·Σᵢ ‖a_i − b_σ(i)‖²).
pub fn exact_w2(a: &[Point], b: &[Point]) -> Result<f64, MetricsError> {
    w2_of_costs(squared_distances(a, b)?)
}

/// W2 from the matrix of squared distances.
fn w2_of_costs(matrix: CostMatrix) -> Result<f64, MetricsError> {
    let pairing = assignment::solve(&matrix);
    w2_of_pairing(&matrix, &pairing)
}

/// W2 of `pairing` on the matrix of squared distances.
fn w2_of_pairing(matrix: &CostMatrix, pairing: &[usize]) -> Result<f64, MetricsError> {
    let n = matrix.n;
    let total: f64 = pairing
        .iter()
        .enumerate()
        .map(|(row, &column)| matrix.costs[row * n + column])
        .sum();
    let w2 = (total / n as f64).sqrt();
    if w2.is_finite() {
        Ok(w2)
    } else {
        Err(MetricsError::Overflow)
    }
}

/// [`exact_w2`] a step at a time (the auction's warm start in the first step, then one augmenting path per step), for callers that must pause
/// between steps: the browser computes between two frames. The value is [`exact_w2`]'s.
pub struct SteppedW2 {
    solve: assignment::SteppedSolve,
}

impl SteppedW2 {
    /// The W2 between `a` and `b`, checked (as [`exact_w2`]) but not yet computed.
    pub fn new(a: &[Point], b: &[Point]) -> Result<Self, MetricsError> {
        Ok(Self {
            solve: assignment::SteppedSolve::new(squared_distances(a, b)?),
        })
    }

    /// Runs steps until `budget` is spent (at least one); the distance once done.
    pub fn run_for(&mut self, budget: std::time::Duration) -> Option<Result<f64, MetricsError>> {
        let started = web_time::Instant::now();
        loop {
            if self.solve.step() {
                let pairing = self.solve.pairing()?;
                return Some(w2_of_pairing(self.solve.matrix(), pairing));
            }
            if started.elapsed() >= budget {
                return None;
            }
        }
    }
}

/// The sampling noise floor of W2 at size `n`: the exact W2 between two independent size-`n`
/// samples of `target` drawn from `rng`. A model whose W2 is near this is as good as W2 can tell.
pub fn noise_floor(
    target: &Distribution,
    n: usize,
    rng: &mut SeededRng,
) -> Result<f64, MetricsError> {
    let first = target.sample(n, rng)?;
    let second = target.sample(n, rng)?;
    exact_w2(&first, &second)
}

/// Checks the sizes of two point sets for an exact W2: within the limit, equal, not empty.
fn check_sizes(a: usize, b: usize) -> Result<(), MetricsError> {
    crate::limits::check(
        "the points of an exact W2",
        a.max(b),
        crate::limits::MAX_W2_POINTS,
        8 * a.max(b) as u64,
    )?;
    if a != b {
        return Err(MetricsError::SizeMismatch { a, b });
    }
    if a == 0 {
        return Err(MetricsError::Empty);
    }
    Ok(())
}

/// Checks the inputs and builds the matrix of squared distances ‖a_i − b_j‖².
fn squared_distances(a: &[Point], b: &[Point]) -> Result<CostMatrix, MetricsError> {
    check_sizes(a.len(), b.len())?;
    check_finite(a, "first")?;
    check_finite(b, "second")?;
    let n = a.len();
    let mut costs = Vec::with_capacity(n * n);
    for p in a {
        costs.extend(b.iter().map(|q| {
            let dx = p[0] - q[0];
            let dy = p[1] - q[1];
            dx * dx + dy * dy
        }));
    }
    if costs.iter().any(|c| !c.is_finite()) {
        return Err(MetricsError::Overflow);
    }
    Ok(CostMatrix { n, costs })
}

/// The first non-finite point of `points`, as an error.
fn check_finite(points: &[Point], set: &'static str) -> Result<(), MetricsError> {
    match points
        .iter()
        .position(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        Some(index) => Err(MetricsError::NonFinite {
            set,
            index,
            x: points[index][0],
            y: points[index][1],
        }),
        None => Ok(()),
    }
}
