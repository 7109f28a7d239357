//! The app's two flows as they arrive from their jobs: the particle flow of the current inputs
//! (streamed frame by frame) and the learned flow of the current model (sampled at once). Each
//! run carries the generation of its request; results of older generations are dropped.

use crate::Point;
use crate::app::jobs::{Extent, ShownFlow};
use crate::flow::{Frame, PointCloud};
use crate::job::{CancelToken, JobError};
use std::sync::Arc;
use web_time::Instant;

/// The recorded particle flow of the current inputs.
#[derive(Debug, Clone, Default)]
pub struct ParticleRun {
    generation: u64,
    target: PointCloud,
    extent: Option<Extent>,
    flow: ShownFlow,
    finished: bool,
    failure: Option<String>,
    cancel: CancelToken,
    /// When the first and the latest frame arrived (the first step anneals the whole
    /// schedule, so the rate is timed from the first frame on).
    frame_times: Option<(Instant, Instant)>,
}

impl ParticleRun {
    /// A new run of `generation`, keeping the plot extent of the one it replaces (the old
    /// run's job is cancelled).
    pub(crate) fn restart(&mut self, generation: u64) {
        self.cancel.cancel();
        *self = Self {
            generation,
            extent: self.extent,
            ..Self::default()
        };
    }

    /// The generation of the job that records it.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The target samples it flows to (empty until sampled).
    pub fn target(&self) -> &PointCloud {
        &self.target
    }

    /// The box holding source and target, once sampled.
    pub(crate) fn extent(&self) -> Option<Extent> {
        self.extent
    }

    /// The frames recorded so far, their grid fields and colours.
    pub fn flow(&self) -> &ShownFlow {
        &self.flow
    }

    /// Whether every frame is recorded.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Why it stopped, if it failed.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// The token that cancels its job.
    pub(crate) fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Whether more frames are coming.
    pub(crate) fn more_coming(&self) -> bool {
        !self.finished && self.failure.is_none()
    }

    /// Marks the run failed before it started (nothing to flow to).
    pub(crate) fn fail_early(&mut self, why: impl Into<String>) {
        self.failure = Some(why.into());
    }

    /// The job sampled its clouds.
    pub(crate) fn started(
        &mut self,
        target: PointCloud,
        colors: Arc<Vec<[u8; 3]>>,
        extent: Extent,
        grid: Arc<Vec<Point>>,
        projection: Option<Arc<crate::render::pca::Projection>>,
    ) {
        self.target = target;
        self.flow.colors = colors;
        self.flow.grid = grid;
        self.flow.projection = projection;
        self.extent = Some(extent);
    }

    /// One more frame arrived.
    pub(crate) fn push(&mut self, frame: Frame, grid_field: Arc<Vec<Point>>) {
        self.flow.trajectory.push(frame);
        self.flow.grid_fields.push(grid_field);
        let now = Instant::now();
        self.frame_times = Some(
            self.frame_times
                .map_or((now, now), |(first, _)| (first, now)),
        );
    }

    /// Euler steps per second since the first frame (what a live flow sustains, the first
    /// step's whole annealing left out); `None` before three frames.
    pub(crate) fn steps_per_second(&self) -> Option<f64> {
        let (first, last) = self.frame_times?;
        let steps = self.flow.trajectory.len().checked_sub(1)?;
        let seconds = last.duration_since(first).as_secs_f64();
        (steps >= 2 && seconds > 0.0).then(|| steps as f64 / seconds)
    }

    /// The last frame arrived.
    pub(crate) fn finish(&mut self) {
        self.finished = true;
    }

    /// The job failed.
    pub(crate) fn fail(&mut self, error: &JobError) {
        self.failure = Some(error.describe());
    }
}

/// The learned flow of the current model.
#[derive(Debug, Clone, Default)]
pub struct LearnedRun {
    generation: u64,
    flow: Option<ShownFlow>,
    computing: bool,
    cancel: CancelToken,
}

impl LearnedRun {
    /// A new sampling job of `generation` (the old one is cancelled).
    pub(crate) fn restart(&mut self, generation: u64) {
        self.cancel.cancel();
        *self = Self {
            generation,
            flow: None,
            computing: true,
            cancel: CancelToken::new(),
        };
    }

    /// The generation of the sampling job.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The flow, once sampled.
    pub fn flow(&self) -> Option<&ShownFlow> {
        self.flow.as_ref()
    }

    /// Whether a sampling job is running.
    pub(crate) fn computing(&self) -> bool {
        self.computing
    }

    /// The token that cancels its job.
    pub(crate) fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// The sampled flow arrived.
    pub(crate) fn ready(&mut self, flow: ShownFlow) {
        self.flow = Some(flow);
        self.computing = false;
    }

    /// Sampling failed.
    pub(crate) fn failed(&mut self) {
        self.computing = false;
    }
}
