//! The one trajectory type: frames of shared point clouds on a single [0, 1] timeline, with the
//! velocity that moves each frame to the next, the flow's kind and, for NSGF++, the phase
//! boundary. The particle flow and model sampling produce it; the pool, the renderer, the GIF
//! export, the app and the CLI read it without copying a frame.

use super::{FlowKind, PointCloud};
use crate::Point;
use std::sync::Arc;

/// One instant of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The frame's time on the flow's one timeline, in [0, 1].
    pub t: f64,
    /// Particle positions `x_k`.
    pub positions: PointCloud,
    /// The velocity computed at `x_k` (the Sinkhorn `v_k`, or the network's output), if the flow
    /// moves on from this frame; None on the last frame.
    pub velocities: Option<PointCloud>,
    /// The Euler step size that takes this frame to the next:
    /// `x_{k+1} = x_k + step_size · velocities_k` (η for the particle flow).
    pub step_size: f64,
}

impl Frame {
    /// A frame with positions only (the last frame of a flow).
    pub fn resting(t: f64, positions: impl Into<PointCloud>) -> Self {
        Self {
            t,
            positions: positions.into(),
            velocities: None,
            step_size: 0.0,
        }
    }

    /// A frame that moves on by `step_size · velocities`.
    pub fn moving(
        t: f64,
        positions: impl Into<PointCloud>,
        velocities: impl Into<PointCloud>,
        step_size: f64,
    ) -> Self {
        Self {
            t,
            positions: positions.into(),
            velocities: Some(velocities.into()),
            step_size,
        }
    }

    /// The number of particles.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Whether the frame holds no particle.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// The particle positions (planar).
    pub fn points(&self) -> &[Point] {
        self.positions.points()
    }

    /// Where each particle moves in the next step, `step_size · v` (computed, not stored); None
    /// on the last frame.
    pub fn displacements(&self) -> Option<Vec<Point>> {
        let velocities = self.velocities.as_ref()?;
        let h = self.step_size;
        Some(
            velocities
                .points()
                .iter()
                .map(|v| [h * v[0], h * v[1]])
                .collect(),
        )
    }
}

/// NSGF++: where the straight phase begins.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseBoundary {
    /// The index of the last Sinkhorn-phase frame, from which the straight flow starts.
    pub frame: usize,
    /// The predicted phase-transition time τ = t_φ(x) of every particle.
    pub transition_times: Arc<[f64]>,
}

/// A whole flow: its kind, its frames in time order, the network evaluations it took and, for
/// NSGF++, its phase boundary. Cloning shares every frame's buffers.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    kind: FlowKind,
    frames: Vec<Frame>,
    phase_boundary: Option<PhaseBoundary>,
    nfe: usize,
}

impl Trajectory {
    /// An empty trajectory of `kind`.
    pub(crate) fn new(kind: FlowKind) -> Self {
        Self {
            kind,
            frames: Vec::new(),
            phase_boundary: None,
            nfe: 0,
        }
    }

    /// A trajectory of `kind` from `frames`.
    pub fn from_frames(kind: FlowKind, frames: Vec<Frame>) -> Self {
        Self {
            frames,
            ..Self::new(kind)
        }
    }

    /// Appends a frame.
    pub(crate) fn push(&mut self, frame: Frame) {
        self.frames.push(frame);
    }

    /// Which flow this is.
    pub fn kind(&self) -> FlowKind {
        self.kind
    }

    /// The frames in time order.
    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    /// Frame `index`, if it exists.
    pub(crate) fn frame(&self, index: usize) -> Option<&Frame> {
        self.frames.get(index)
    }

    /// The number of frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether the trajectory holds no frame.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The index of the frame whose t is nearest `t` (the first on a tie; 0 without frames):
    /// what a figure's panel at time `t` shows.
    pub(crate) fn nearest_frame(&self, t: f64) -> usize {
        let frames = &self.frames;
        (0..frames.len())
            .min_by(|&a, &b| (frames[a].t - t).abs().total_cmp(&(frames[b].t - t).abs()))
            .unwrap_or(0)
    }

    /// The time of every frame.
    pub fn times(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        self.frames.iter().map(|frame| frame.t)
    }

    /// NSGF++: where the straight phase begins.
    pub fn phase_boundary(&self) -> Option<&PhaseBoundary> {
        self.phase_boundary.as_ref()
    }

    /// The frame index of the phase boundary, if any.
    pub fn boundary_frame(&self) -> Option<usize> {
        self.phase_boundary.as_ref().map(|b| b.frame)
    }

    /// Sets the phase boundary.
    pub(crate) fn set_phase_boundary(&mut self, boundary: PhaseBoundary) {
        self.phase_boundary = Some(boundary);
    }

    /// Whether frame `index` lies in NSGF++'s straight phase (after the boundary frame).
    fn in_straight_phase(&self, index: usize) -> bool {
        self.boundary_frame().is_some_and(|b| index > b)
    }

    /// Network evaluations of the whole trajectory (0 for the particle flow).
    pub fn nfe(&self) -> usize {
        self.nfe
    }

    /// Counts `evaluations` more network evaluations.
    pub(crate) fn add_nfe(&mut self, evaluations: usize) {
        self.nfe += evaluations;
    }

    /// Network evaluations spent to reach frame `index`: one per step for a learned flow, plus
    /// NSGF++'s time predictor t_φ once the straight phase has begun; 0 for the particle flow.
    pub fn nfe_at(&self, index: usize) -> usize {
        if !self.kind.is_learned() {
            return 0;
        }
        if self.in_straight_phase(index) {
            index + 1
        } else {
            index
        }
    }

    /// The final positions, if there is a frame.
    pub fn end_points(&self) -> Option<&PointCloud> {
        self.frames.last().map(|frame| &frame.positions)
    }
}
