//! The trajectory pool (experience replay): the last P simulated flows as aligned triples.

use super::Trajectory;
use crate::Point;
use rand::RngExt;
use std::collections::VecDeque;

/// A minibatch of aligned triples drawn from the pool.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolBatch {
    /// Positions `x_k`.
    pub positions: Vec<Point>,
    /// Times `t_k`.
    pub times: Vec<f64>,
    /// Velocities `v_k` at `x_k`.
    pub velocities: Vec<Point>,
}

/// One simulated flow, flattened into aligned triples.
#[derive(Debug, Clone, Default)]
struct StoredFlow {
    positions: Vec<Point>,
    times: Vec<f64>,
    velocities: Vec<Point>,
}

/// Keeps the triples of the last `capacity` flows and hands out uniform random minibatches.
#[derive(Debug, Clone)]
pub struct TrajectoryPool {
    capacity: usize,
    flows: VecDeque<StoredFlow>,
    len: usize,
}

impl TrajectoryPool {
    /// A pool keeping the last `capacity` flows (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            flows: VecDeque::new(),
            len: 0,
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
    /// flow when full.
    pub fn push_flow(&mut self, trajectory: &Trajectory) {
        let mut stored = StoredFlow::default();
        for frame in trajectory.frames() {
            let Some(velocities) = &frame.velocities else {
                continue;
            };
            debug_assert_eq!(frame.len(), velocities.len());
            stored.positions.extend_from_slice(frame.points());
            stored.velocities.extend_from_slice(velocities.points());
            stored
                .times
                .extend(std::iter::repeat_n(frame.t, frame.len()));
        }
        if stored.positions.is_empty() {
            return;
        }
        if self.flows.len() == self.capacity
            && let Some(old) = self.flows.pop_front()
        {
            self.len -= old.positions.len();
        }
        self.len += stored.positions.len();
        self.flows.push_back(stored);
    }

    /// A minibatch of `batch_size` triples drawn uniformly with replacement; empty when the pool
    /// is empty.
    pub fn sample<R: rand::Rng + ?Sized>(&self, batch_size: usize, rng: &mut R) -> PoolBatch {
        let mut batch = PoolBatch::default();
        if self.is_empty() {
            return batch;
        }
        for _ in 0..batch_size {
            let mut index = rng.random_range(0..self.len);
            for flow in &self.flows {
                if index < flow.positions.len() {
                    batch.positions.push(flow.positions[index]);
                    batch.times.push(flow.times[index]);
                    batch.velocities.push(flow.velocities[index]);
                    break;
                }
                index -= flow.positions.len();
            }
        }
        batch
    }
}
