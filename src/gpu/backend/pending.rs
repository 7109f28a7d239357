//! A velocity call in flight on the GPU: what was submitted ([`Submission`], inside a
//! [`PendingVelocity`] until it is collected) and how its read-back bytes decode into the
//! velocity and the warm iterations run ([`VelocityRun`]).

use super::super::context::PendingRead;
use crate::Point;
use crate::ot::SinkhornParams;

/// A velocity call submitted to the GPU whose result has not been collected yet
/// ([`GpuBackend::start_velocity`](super::GpuBackend::start_velocity),
/// [`GpuBackend::poll_velocity`](super::GpuBackend::poll_velocity)).
pub struct PendingVelocity {
    /// The particles in the order the GPU solves them (sorted along a Hilbert curve when
    /// truncated).
    pub(super) particles: Vec<Point>,
    /// The target, in the same order as on the GPU.
    pub(super) target: Vec<Point>,
    pub(super) params: SinkhornParams,
    /// The particles' sort order, when truncated.
    pub(super) order: Option<Vec<usize>>,
    pub(super) truncated: bool,
    /// What is on the GPU now.
    pub(super) submission: Submission,
    /// Iterations and softmin terms of a first submission that had to be redone.
    pub(super) spent: Option<(usize, u64)>,
}

/// One submitted velocity solve: its read-back and what is needed to read the result.
pub(super) struct Submission {
    pub(super) read: PendingRead,
    pub(super) n: usize,
    pub(super) m: usize,
    /// Iterations of the cold problems.
    pub(super) iterations: usize,
    /// Softmin terms of the recorded plan (warm iterations are counted as they ran).
    pub(super) softmin_terms: u64,
    /// Parity of the final potentials, (x, y) then (x, x).
    pub(super) parities: [usize; 2],
    /// Per warm problem: which one (0: (x, y), 1: (x, x)) and its first change slot.
    pub(super) warm_slots: Vec<(usize, usize)>,
    /// The warm stopping threshold on the largest potential change.
    pub(super) threshold: f64,
    /// The warm iterations recorded per problem.
    pub(super) max_warm: usize,
}

impl Submission {
    /// The velocity and, per problem, the warm iterations run and whether they converged, from
    /// the bytes this submission read back.
    pub(super) fn finish(&self, bytes: &[u8]) -> VelocityRun {
        let Submission { n, m, .. } = *self;
        let floats: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let (to_target, rest) = floats.split_at(2 * n);
        let (to_self, changes) = rest.split_at(2 * n);
        let velocity = to_target
            .chunks_exact(2)
            .zip(to_self.chunks_exact(2))
            .map(|(p, q)| {
                [
                    f64::from(p[0]) - f64::from(q[0]),
                    f64::from(p[1]) - f64::from(q[1]),
                ]
            })
            .collect();
        // Warm problems: the iterations that ran are those up to the first converged one.
        let mut warm = [None, None];
        let mut iterations = self.iterations;
        let mut softmin_terms = self.softmin_terms;
        let max_warm = self.max_warm;
        for &(k, first) in &self.warm_slots {
            let slots = &changes[first..first + max_warm];
            let ran = slots
                .iter()
                .position(|&c| f64::from(c) <= self.threshold)
                .map_or((max_warm, false), |i| (i + 1, true));
            let per_iteration = if k == 0 { 2 * n * m } else { n * n } as u64;
            softmin_terms += ran.0 as u64 * per_iteration;
            iterations += ran.0;
            warm[k] = Some(ran);
        }
        VelocityRun {
            velocity,
            iterations,
            softmin_terms,
            parities: self.parities,
            warm,
        }
    }
}

/// The result of one velocity submission.
pub(super) struct VelocityRun {
    pub(super) velocity: Vec<Point>,
    pub(super) iterations: usize,
    pub(super) softmin_terms: u64,
    /// Parity of the final potentials, (x, y) then (x, x).
    pub(super) parities: [usize; 2],
    /// Per problem: warm iterations run and whether they converged (None: cold).
    pub(super) warm: [Option<(usize, bool)>; 2],
}
