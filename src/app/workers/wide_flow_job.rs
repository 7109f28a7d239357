//! The particle flow of a target of more than two dimensions (the digits) in the main view: the
//! Sinkhorn flow of clouds of any dimension, one Euler step per job step on the app's
//! [`CloudKernels`] (eframe's GPU or the CPU's streaming kernels), streamed frame by frame as
//! the 2D flow is, with the plane of the target's first two principal components to show it on.

use super::super::jobs::{Extent, FlowRequest, WorkerEvent};
use super::{ComputeContext, EventSender};
use crate::PointCloud;
use crate::data::{seeded_rng, target_rng};
use crate::flow::Frame;
use crate::job::{Job, JobError, Progress};
use crate::ot::CloudKernels;
use crate::render::pca::Projection;
use std::sync::Arc;
use std::time::Duration;

/// The flow in progress: the particles, the target sample and the steps taken.
struct WideFlow {
    particles: PointCloud,
    target: PointCloud,
    step: usize,
}

/// The particle flow of a request whose target has d ≠ 2 dimensions.
pub(crate) struct WideFlowJob {
    request: FlowRequest,
    sender: EventSender,
    kernels: Arc<dyn CloudKernels>,
    flow: Option<WideFlow>,
}

impl WideFlowJob {
    /// The job for `request`, its velocities on `kernels`, sending to `sender`.
    pub(crate) fn new(
        request: FlowRequest,
        sender: EventSender,
        kernels: Arc<dyn CloudKernels>,
    ) -> Self {
        Self {
            request,
            sender,
            kernels,
            flow: None,
        }
    }

    /// Samples source and target (the seeding rule of `data::sample_source_and_target`) and
    /// announces the flow with its projection, colours and box.
    fn start(&mut self) -> Result<(), JobError> {
        let request = &self.request;
        let particles = request
            .source
            .sample_cloud(request.particles, &mut seeded_rng(request.seed))?;
        let target = request
            .target
            .sample_cloud(request.particles, &mut target_rng(request.seed))?;
        // A cloud holds len × dim coordinates, so the shape always fits.
        let rows = ndarray::ArrayView2::from_shape((target.len(), target.dim()), target.coords())
            .expect("a cloud holds len × dim coordinates");
        let projection = Projection::fit(rows).ok_or_else(|| {
            crate::model::ModelError::Invalid("the target samples have no spread".into())
        })?;
        let (start, goal) = (
            projection.project_cloud(&particles),
            projection.project_cloud(&target),
        );
        self.sender.send(WorkerEvent::FlowStarted {
            generation: request.generation,
            target: target.clone(),
            colors: Arc::new(crate::render::colors_by_start(&start)),
            extent: Extent::around(&[&start, &goal], 0.08),
            grid: Arc::new(Vec::new()),
            projection: Some(Arc::new(projection)),
        });
        self.flow = Some(WideFlow {
            particles,
            target,
            step: 0,
        });
        Ok(())
    }

    /// Starts the flow, or takes one Euler step, or sends the last frame.
    fn advance(&mut self) -> Result<Progress, JobError> {
        let generation = self.request.generation;
        let config = self.request.config;
        let Some(flow) = self.flow.as_mut() else {
            self.start()?;
            return Ok(Progress::Running(Some(0.0)));
        };
        if flow.step == config.steps {
            self.sender.send(WorkerEvent::FlowFrame {
                generation,
                frame: Frame::resting(config.time_of_step(flow.step), flow.particles.clone()),
                grid_field: Arc::new(Vec::new()),
            });
            self.sender.send(WorkerEvent::FlowFinished { generation });
            return Ok(Progress::Finished);
        }
        let velocity = self
            .kernels
            .velocity(&flow.particles, &flow.target, &config.sinkhorn)?;
        let moved: Vec<f64> = flow
            .particles
            .coords()
            .iter()
            .zip(velocity.coords())
            .map(|(x, v)| x + config.eta * v)
            .collect();
        let moved = PointCloud::from_flat(flow.particles.dim(), moved);
        if let Some(index) = moved.first_non_finite() {
            return Err(JobError::NonFinite { index });
        }
        let before = std::mem::replace(&mut flow.particles, moved);
        self.sender.send(WorkerEvent::FlowFrame {
            generation,
            frame: Frame::moving(config.time_of_step(flow.step), before, velocity, config.eta),
            grid_field: Arc::new(Vec::new()),
        });
        flow.step += 1;
        Ok(Progress::Running(Some(
            flow.step as f64 / config.steps.max(1) as f64,
        )))
    }
}

impl Job<ComputeContext> for WideFlowJob {
    fn name(&self) -> &'static str {
        "particle flow (d dimensions)"
    }

    fn step(&mut self, _context: &mut ComputeContext, _budget: Duration) -> Progress {
        let outcome = self.advance();
        self.progress_or_stop(outcome)
    }

    fn stop(&mut self, reason: JobError) {
        self.sender.flow_failed(self.request.generation, reason);
    }
}
