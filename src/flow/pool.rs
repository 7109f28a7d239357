//! The trajectory pool (experience replay): the last P simulated flows as aligned triples.

use super::{PointCloud, Trajectory};
use rand::RngExt;
use std::collections::VecDeque;

/// A minibatch of aligned triples drawn from the pool, in the flows' dimension.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolBatch {
    /// Positions `x_k`.
    pub positions: PointCloud,
    /// Times `t_k`.
    pub times: Vec<f64>,
    /// Velocities `v_k` at `x_k`.
    pub velocities: PointCloud,
}

/// One simulated flow, flattened into aligned triples (coordinates point after point).
#[derive(Debug, Clone, Default)]
struct StoredFlow {
    positions: Vec<f64>,
    times: Vec<f64>,
    velocities: Vec<f64>,
}

/// Keeps the triples of the last `capacity` flows (of one dimension) and hands out uniform
/// random minibatches.
#[derive(Debug, Clone)]
pub struct TrajectoryPool {
    capacity: usize,
    flows: VecDeque<StoredFlow>,
    len: usize,
    dim: usize,
}

impl TrajectoryPool {
    /// A pool keeping the last `capacity` flows (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            flows: VecDeque::new(),
            len: 0,
            dim: 2,
        }
    }

    /// Number of triples held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the pool holds no triple.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of flows held.
    pub fn flow_count(&self) -> usize {
        self.flows.len()
    }

    /// Adds the triples of one flow (frames without a velocity are skipped), evicting the oldest
    /// flow when full. A flow of another dimension than the flows held replaces them all.
    pub fn push_flow(&mut self, trajectory: &Trajectory) {
        let mut stored = StoredFlow::default();
        let mut dim = self.dim;
        for frame in trajectory.frames() {
            let Some(velocities) = &frame.velocities else {
                continue;
            };
            debug_assert_eq!(frame.len(), velocities.len());
            dim = frame.positions.dim();
            stored.positions.extend_from_slice(frame.positions.coords());
            stored.velocities.extend_from_slice(velocities.coords());
            stored
                .times
                .extend(std::iter::repeat_n(frame.t, frame.len()));
        }
        if stored.times.is_empty() {
            return;
        }
        if dim != self.dim {
            self.flows.clear();
            self.len = 0;
            self.dim = dim;
        }
        if self.flows.len() == self.capacity
            && let Some(old) = self.flows.pop_front()
        {
            self.len -= old.times.len();
        }
        self.len += stored.times.len();
        self.flows.push_back(stored);
    }

    /// A minibatch of `batch_size` triples drawn uniformly with replacement; empty when the pool
    /// is empty.
    pub fn sample<R: rand::Rng + ?Sized>(&self, batch_size: usize, rng: &mut R) -> PoolBatch {
        let dim = self.dim;
        if self.is_empty() {
            return PoolBatch {
                positions: PointCloud::from_flat(dim, Vec::new()),
                times: Vec::new(),
                velocities: PointCloud::from_flat(dim, Vec::new()),
            };
        }
        let mut positions = Vec::with_capacity(batch_size * dim);
        let mut velocities = Vec::with_capacity(batch_size * dim);
        let mut times = Vec::with_capacity(batch_size);
        for _ in 0..batch_size {
            let mut index = rng.random_range(0..self.len);
            for flow in &self.flows {
                if index < flow.times.len() {
                    let coords = index * dim..(index + 1) * dim;
                    positions.extend_from_slice(&flow.positions[coords.clone()]);
                    velocities.extend_from_slice(&flow.velocities[coords]);
                    times.push(flow.times[index]);
                    break;
                }
                index -= flow.times.len();
            }
        }
        PoolBatch {
            positions: PointCloud::from_flat(dim, positions),
            times,
            velocities: PointCloud::from_flat(dim, velocities),
        }
    }
}
