//! The particle flow of 2D clouds: one Euler step a job step, streamed frame by frame.

use super::super::field::empirical_field;
use super::super::jobs::{Extent, FlowRequest, WorkerEvent};
use super::{ComputeContext, EventSender, UiVelocity};
use crate::data::sample_source_and_target;
use crate::flow::{ParticleFlow, PointCloud};
use crate::job::{Job, JobError, Progress};
use crate::ot::VelocityBackend;
use std::sync::Arc;
use std::time::Duration;

/// The particle flow: first step samples, every further step is one Euler step.
pub(crate) struct FlowJob {
    request: FlowRequest,
    sender: EventSender,
    flow: Option<ParticleFlow>,
    grid: Arc<Vec<crate::Point>>,
    bandwidth: f64,
    /// This job's number, which owns its submissions to a polled GPU.
    owner: u64,
}

/// The next [`FlowJob`]'s number.
static NEXT_FLOW_JOB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl FlowJob {
    /// The job for `request`, sending to `sender`.
    pub(crate) fn new(request: FlowRequest, sender: EventSender) -> Self {
        Self {
            request,
            sender,
            flow: None,
            grid: Arc::new(Vec::new()),
            bandwidth: 1.0,
            owner: NEXT_FLOW_JOB.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    fn start(&mut self, backend: &mut dyn VelocityBackend) -> Result<(), JobError> {
        let request = &self.request;
        let (source, target) = sample_source_and_target(
            &request.source,
            &request.target,
            request.particles,
            request.seed,
        )?;
        let extent = Extent::around(&[&source, &target], 0.08);
        // One cell beyond the shown box on every side: the square plot shows the box plus its
        // axes' rounding, and the arrows reach its edges.
        self.grid = Arc::new(
            extent
                .grown(1.0 / request.grid_cells.max(1) as f64)
                .grid(request.grid_cells),
        );
        self.bandwidth = extent.cell_size(request.grid_cells);
        self.sender.send(WorkerEvent::FlowStarted {
            generation: request.generation,
            target: PointCloud::from_points(&target),
            colors: Arc::new(crate::render::colors_by_start(&source)),
            extent,
            grid: Arc::clone(&self.grid),
            projection: None,
        });
        backend.reset_warm_start();
        self.flow = Some(ParticleFlow::new(source, target, request.config)?);
        Ok(())
    }

    /// One Euler step, or the last frame, or (on a polled GPU) a look whether the step's
    /// velocity is ready.
    fn advance(
        &mut self,
        context: &mut ComputeContext,
        budget: Duration,
    ) -> Result<Progress, JobError> {
        let generation = self.request.generation;
        let Some(flow) = self.flow.as_mut() else {
            context.use_solver(self.request.solver);
            self.start(context.backend())?;
            return Ok(Progress::Running(None));
        };
        if flow.finished() {
            let last = flow.current_frame();
            if let Some(index) = last.positions.first_non_finite() {
                return Err(JobError::NonFinite { index });
            }
            self.sender.send(WorkerEvent::FlowFrame {
                generation,
                frame: last,
                grid_field: Arc::new(Vec::new()),
            });
            self.sender.send(WorkerEvent::FlowFinished { generation });
            return Ok(Progress::Finished);
        }
        let (particles, target, params) = flow.velocity_inputs();
        let frame =
            match context.ui_thread_velocity(self.owner, particles, target, params, budget)? {
                UiVelocity::Ready(velocity) => flow.apply_velocity(&velocity)?,
                UiVelocity::Waiting => return Ok(Progress::Waiting),
                UiVelocity::Working => return Ok(Progress::Running(None)),
                UiVelocity::Direct => flow.advance(context.backend())?,
            };
        context.report_notice();
        let moves = frame.displacements().unwrap_or_default();
        let grid_field = empirical_field(&self.grid, frame.points(), &moves, self.bandwidth);
        self.sender.send(WorkerEvent::FlowFrame {
            generation,
            frame,
            grid_field: Arc::new(grid_field),
        });
        Ok(Progress::Running(None))
    }
}

impl Job<ComputeContext> for FlowJob {
    fn name(&self) -> &'static str {
        "particle flow"
    }

    fn step(&mut self, context: &mut ComputeContext, budget: Duration) -> Progress {
        let outcome = self.advance(context, budget);
        self.progress_or_stop(outcome)
    }

    fn stop(&mut self, reason: JobError) {
        self.sender.flow_failed(self.request.generation, reason);
    }
}
