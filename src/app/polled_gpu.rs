//! The GPU as the browser uses it: a velocity is submitted in one frame and collected in a
//! later one, never waited for. One submission is in flight at a time; it belongs to the job
//! that started it, and one left behind by a cancelled job is drained before the next starts
//! (its read-back still holds the staging buffer). Between two submissions the GPU rests as long
//! as the last one took, so the page keeps drawing on a slow adapter.

use crate::Point;
use crate::gpu::{GpuBackend, PendingVelocity};
use crate::ot::{OtError, SinkhornParams};
use std::time::Duration;
use web_time::Instant;

/// A [`GpuBackend`] driven by polling, with its one submission in flight.
pub(crate) struct PolledGpu {
    gpu: GpuBackend,
    /// The submission on the GPU, the job (its owner number) that started it, and when.
    in_flight: Option<(u64, PendingVelocity, Instant)>,
    /// Velocities computed so far (the first few are timed in the browser's console).
    solved: usize,
    /// No new submission before this: the GPU rests as long as its last velocity took (up to
    /// [`MAX_REST`]), so the page's own drawing, queued behind the compute on the same GPU,
    /// gets half the GPU's time even on a slow (software) adapter.
    rest_until: Option<Instant>,
}

/// The longest rest between two submissions.
const MAX_REST: Duration = Duration::from_secs(2);

impl PolledGpu {
    /// Polls `gpu`'s work instead of waiting for it.
    pub(crate) fn new(gpu: GpuBackend) -> Self {
        Self {
            gpu,
            in_flight: None,
            solved: 0,
            rest_until: None,
        }
    }

    /// The backend (for its name and mode).
    pub(crate) fn backend_mut(&mut self) -> &mut GpuBackend {
        &mut self.gpu
    }

    /// The velocity at `particles` for job `owner`: `Some` once the GPU has computed it, `None`
    /// while it works (the first call submits it; a submission of another job is drained
    /// first). Never blocks.
    pub(crate) fn velocity(
        &mut self,
        owner: u64,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<Option<Vec<Point>>, OtError> {
        if let Some((started_by, pending, started)) = self.in_flight.as_mut() {
            let result = self.gpu.poll_velocity(pending);
            let mine = *started_by == owner;
            let took = started.elapsed();
            match result {
                Ok(None) => return Ok(None),
                Ok(Some(velocity)) => {
                    self.in_flight = None;
                    self.rest_until = Some(Instant::now() + took.min(MAX_REST));
                    self.solved += 1;
                    if self.solved <= 3 {
                        super::platform::console_note(&format!(
                            "nsgf: GPU velocity of {} particles in {:.0} ms",
                            velocity.len(),
                            took.as_secs_f64() * 1e3
                        ));
                    }
                    if mine {
                        return Ok(Some(velocity));
                    }
                }
                Err(error) => {
                    self.in_flight = None;
                    if mine || matches!(error, OtError::Gpu(_)) {
                        return Err(error);
                    }
                }
            }
        }
        if self
            .rest_until
            .is_some_and(|rest_until| Instant::now() < rest_until)
        {
            return Ok(None);
        }
        let pending = self.gpu.start_velocity(particles, target, params)?;
        self.in_flight = Some((owner, pending, Instant::now()));
        Ok(None)
    }
}
