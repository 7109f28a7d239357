//! The Sinkhorn-flow velocity `v(x_i) = P_{x→y}(x_i) − P_{x→x}(x_i)` in any dimension, with
//! GeomLoss 0.3.1's algorithm (the same ε-schedule, symmetric averaged updates and projections
//! as [`crate::ot`]'s 2D kernels), on a dense cost matrix computed once per problem in f64.
//!
//! In d dimensions a cost costs d multiply-adds, but the points do not move during a solve: the
//! n×m matrix of ½‖x_i − y_j‖² is built once, and every one of the ~30–60 log-sum-exp passes of
//! the annealing then reads it like the 2D kernels read their implicit matrix.

use super::{HighDimError, Rows};
use crate::ot::{SinkhornParams, epsilon_schedule};
use ndarray::ArrayView2;
use rayon::prelude::*;

/// Rows per rayon task of a pass.
const ROWS_PER_TASK: usize = 16;

/// One OT problem: the cost matrix of `x` against `y` (or against itself) and its transpose.
struct Problem {
    /// `costs[i·m + j] = ½‖x_i − y_j‖²`.
    costs: Vec<f64>,
    /// The transpose (`None` for the symmetric problem, whose matrix is its own transpose).
    costs_t: Option<Vec<f64>>,
    n: usize,
    m: usize,
    log_a: f64,
    log_b: f64,
}

/// Potentials at the last ε of a schedule.
struct Potentials {
    g: Vec<f64>,
    eps: f64,
}

impl Problem {
    fn new(x: ArrayView2<f64>, y: Option<ArrayView2<f64>>) -> Self {
        let other = y.unwrap_or(x);
        let (n, m) = (x.nrows(), other.nrows());
        let mut costs = vec![0.0; n * m];
        costs
            .par_chunks_mut(m.max(1))
            .enumerate()
            .for_each(|(i, row)| {
                let xi = x.row(i);
                for (j, cost) in row.iter_mut().enumerate() {
                    let squared: f64 = xi
                        .iter()
                        .zip(other.row(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum();
                    *cost = 0.5 * squared;
                }
            });
        let costs_t = y.map(|_| {
            let mut transposed = vec![0.0; n * m];
            for i in 0..n {
                for j in 0..m {
                    transposed[j * n + i] = costs[i * m + j];
                }
            }
            transposed
        });
        Self {
            costs,
            costs_t,
            n,
            m,
            log_a: -(n as f64).ln(),
            log_b: -(m as f64).ln(),
        }
    }

    /// `f_i = −ε log Σ_j exp(log w + h_j/ε − C_ij/ε)` for every row of `costs` (rows × cols).
    fn softmin(costs: &[f64], cols: usize, eps: f64, log_w: f64, h: Option<&[f64]>) -> Vec<f64> {
        let rows = costs.len() / cols.max(1);
        let mut out = vec![0.0; rows];
        out.par_chunks_mut(ROWS_PER_TASK)
            .enumerate()
            .for_each(|(chunk, values)| {
                let mut terms = vec![0.0; cols];
                for (k, value) in values.iter_mut().enumerate() {
                    let row = &costs[(chunk * ROWS_PER_TASK + k) * cols..][..cols];
                    let mut largest = f64::NEG_INFINITY;
                    for (j, (term, cost)) in terms.iter_mut().zip(row).enumerate() {
                        let potential = h.map_or(0.0, |h| h[j]);
                        *term = log_w + (potential - cost) / eps;
                        largest = largest.max(*term);
                    }
                    let sum: f64 = terms.iter().map(|t| (t - largest).exp()).sum();
                    *value = -eps * (largest + sum.ln());
                }
            });
        out
    }

    /// `(softmin_ε(C_xy, log b + g/ε), softmin_ε(C_yx, log a + f/ε))`.
    fn update(&self, eps: f64, f: Option<&[f64]>, g: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
        let f_new = Self::softmin(&self.costs, self.m, eps, self.log_b, g);
        let g_new = match &self.costs_t {
            Some(costs_t) => Self::softmin(costs_t, self.n, eps, self.log_a, f),
            None => f_new.clone(),
        };
        (f_new, g_new)
    }

    /// GeomLoss's loop: initialise at `schedule[0]`, then one averaged update per entry.
    fn anneal(&self, schedule: &[f64]) -> Potentials {
        let (mut f, mut g) = self.update(schedule[0], None, None);
        for &eps in schedule {
            let (f_t, g_t) = self.update(eps, Some(&f), Some(&g));
            for (value, update) in f.iter_mut().zip(&f_t) {
                *value = 0.5 * (*value + update);
            }
            for (value, update) in g.iter_mut().zip(&g_t) {
                *value = 0.5 * (*value + update);
            }
        }
        Potentials {
            g,
            eps: schedule[schedule.len() - 1],
        }
    }

    /// `P(x_i) = Σ_j softmax_j(log b + g_j/ε − C_ij/ε) y_j` for every row of `x`.
    fn project(&self, potentials: &Potentials, y: ArrayView2<f64>) -> Rows {
        let (m, eps, dim) = (self.m, potentials.eps, y.ncols());
        let mut out = vec![0.0; self.n * dim];
        out.par_chunks_mut(dim.max(1))
            .enumerate()
            .for_each(|(i, projected)| {
                let row = &self.costs[i * m..][..m];
                let terms: Vec<f64> = row
                    .iter()
                    .zip(&potentials.g)
                    .map(|(cost, g)| self.log_b + (g - cost) / eps)
                    .collect();
                let largest = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = terms.iter().map(|t| (t - largest).exp()).collect();
                let total: f64 = weights.iter().sum();
                for (weight, point) in weights.iter().zip(y.rows()) {
                    let share = weight / total;
                    for (value, coordinate) in projected.iter_mut().zip(point) {
                        *value += share * coordinate;
                    }
                }
            });
        Rows::from_shape_vec((self.n, dim), out).expect("n × d values")
    }
}

/// The diagonal of the bounding box of the rows of `x` and `y` (GeomLoss `max_diameter`).
pub fn max_diameter(x: ArrayView2<f64>, y: Option<ArrayView2<f64>>) -> f64 {
    let dim = x.ncols();
    let mut lo = vec![f64::INFINITY; dim];
    let mut hi = vec![f64::NEG_INFINITY; dim];
    for cloud in [Some(x), y].into_iter().flatten() {
        for row in cloud.rows() {
            for (k, &value) in row.iter().enumerate() {
                lo[k] = lo[k].min(value);
                hi[k] = hi[k].max(value);
            }
        }
    }
    lo.iter()
        .zip(&hi)
        .map(|(a, b)| (b - a) * (b - a))
        .sum::<f64>()
        .sqrt()
}

/// Checks that `cloud` is non-empty, finite and of dimension `dim`.
pub fn check_cloud(cloud: ArrayView2<f64>, what: &str, dim: usize) -> Result<(), HighDimError> {
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

/// The empirical Sinkhorn-flow velocity at every row of `x` toward `y`:
/// `P_{x→y}(x_i) − P_{x→x}(x_i)` with GeomLoss's potentials (`(x, y)` with the schedule of
/// `x ∪ y`, `(x, x)` with that of `x` alone), in f64. Equals GeomLoss's autograd velocity
/// `∇f_{x,x} − ∇f_{x,y}` (`tests/it/highdim.rs` checks it in 64 dimensions).
pub fn flow_velocity(
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    params: &SinkhornParams,
) -> Result<Rows, HighDimError> {
    params.validate()?;
    check_cloud(x, "source", x.ncols())?;
    check_cloud(y, "target", x.ncols())?;
    crate::limits::check(
        "the points of a d-dimensional Sinkhorn problem",
        x.nrows().max(y.nrows()),
        crate::limits::MAX_W2_POINTS,
        8 * x.nrows().max(y.nrows()) as u64,
    )?;
    let cross = Problem::new(x, Some(y));
    let own = Problem::new(x, None);
    let xy = cross.anneal(&epsilon_schedule(max_diameter(x, Some(y)), params)?);
    let xx = own.anneal(&epsilon_schedule(max_diameter(x, None), params)?);
    let velocity = cross.project(&xy, y) - own.project(&xx, x);
    if velocity.iter().any(|v| !v.is_finite()) {
        return Err(HighDimError::Invalid(
            "the d-dimensional velocity is not finite: rescale the data".into(),
        ));
    }
    Ok(velocity)
}
