//! The learned flow: a trained model sampled from fresh source samples.

use super::super::field::{empirical_field, scaled};
use super::super::jobs::{LearnedRequest, ShownFlow, WorkerEvent};
use super::{ComputeContext, EventSender};
use crate::job::{Job, JobError, Progress};
use std::sync::Arc;
use std::time::Duration;

/// Learned-flow sampling, in one step.
pub(crate) struct LearnedJob {
    pub(super) request: LearnedRequest,
    pub(super) sender: EventSender,
}

impl Job<ComputeContext> for LearnedJob {
    fn name(&self) -> &'static str {
        "learned flow"
    }

    fn step(&mut self, _context: &mut ComputeContext, _budget: Duration) -> Progress {
        match learned_flow(&self.request) {
            Ok(flow) => self.sender.send(WorkerEvent::LearnedReady {
                generation: self.request.generation,
                flow,
            }),
            Err(error) => self.stop(error),
        }
        Progress::Finished
    }

    fn stop(&mut self, reason: JobError) {
        if !reason.is_cancelled() {
            self.sender.send(WorkerEvent::LearnedFailed {
                generation: self.request.generation,
                error: reason,
            });
        }
    }
}

/// Integrates the model and adds what drawing needs: on the grid, `step_size · v_θ(·, t)`
/// while v_θ drives the particles, else (NSGF++'s straight phase) the kernel average of the
/// particles' displacements.
pub fn learned_flow(request: &LearnedRequest) -> Result<ShownFlow, JobError> {
    let model = &request.model;
    let trajectory = model.sample_trajectory(request.particles, request.nfe, request.seed)?;
    let Some(first) = trajectory.frame(0) else {
        return Err(JobError::Model(crate::model::ModelError::Invalid(
            "the model returned an empty trajectory".into(),
        )));
    };
    if first.positions.dim() != 2 {
        let colors = request
            .projection
            .as_ref()
            .map_or_else(Vec::new, |projection| {
                crate::render::colors_by_start(&projection.project_cloud(&first.positions))
            });
        return Ok(ShownFlow {
            grid_fields: (0..trajectory.len())
                .map(|_| Arc::new(Vec::new()))
                .collect(),
            trajectory,
            grid: Arc::new(Vec::new()),
            colors: Arc::new(colors),
            projection: request.projection.clone(),
        });
    }
    let colors = Arc::new(crate::render::colors_by_start(first.points()));
    let grid = Arc::new(
        request
            .extent
            .grown(1.0 / request.grid_cells.max(1) as f64)
            .grid(request.grid_cells),
    );
    let bandwidth = request.extent.cell_size(request.grid_cells);
    let grid_fields = trajectory
        .frames()
        .iter()
        .enumerate()
        .map(|(index, frame)| {
            let Some(moves) = frame.displacements() else {
                return Arc::new(Vec::new());
            };
            Arc::new(match model.velocity_field_time(&trajectory, index) {
                Some(t) => scaled(&model.velocity_field(&grid, t), frame.step_size),
                None => empirical_field(&grid, frame.points(), &moves, bandwidth),
            })
        })
        .collect();
    Ok(ShownFlow {
        trajectory,
        grid,
        grid_fields,
        colors,
        projection: None,
    })
}
