//! Training a model on the training worker, a budget of work a step.

use super::super::jobs::{TrainRequest, WorkerEvent};
use super::EventSender;
use crate::job::{Job, JobError, Progress};
use crate::model::{TrainStep, TrainedModel, Trainer};
use crate::ot::CloudKernels;
use std::sync::Arc;
use std::time::Duration;

/// Training: one unit of progress per step.
pub(crate) struct TrainJob {
    request: TrainRequest,
    sender: EventSender,
    trainer: Option<Trainer>,
    kernels: Option<Arc<dyn CloudKernels>>,
}

impl TrainJob {
    /// The job for `request`, sending to `sender`; flows of more than two dimensions on
    /// `kernels` (None: the CPU's).
    pub(crate) fn new(
        request: TrainRequest,
        sender: EventSender,
        kernels: Option<Arc<dyn CloudKernels>>,
    ) -> Self {
        Self {
            request,
            sender,
            trainer: None,
            kernels,
        }
    }

    /// Trains for about `budget`; the model once the run is done.
    fn advance(&mut self, budget: Duration) -> Result<Option<Box<TrainedModel>>, JobError> {
        let request = &self.request;
        let trainer = match &mut self.trainer {
            Some(trainer) => trainer,
            None => {
                let mut trainer = Trainer::guided(
                    &request.config,
                    &request.source,
                    &request.target,
                    request.teacher.clone(),
                )?;
                if let Some(kernels) = &self.kernels {
                    trainer.set_kernels(kernels.clone());
                }
                self.trainer.insert(trainer)
            }
        };
        let Some(step) = trainer.step_for(budget)? else {
            return Ok(None);
        };
        match step {
            TrainStep::Progress(progress) => {
                self.sender.send(WorkerEvent::TrainProgress {
                    generation: request.generation,
                    progress,
                });
                Ok(None)
            }
            TrainStep::Finished(model) => Ok(Some(model)),
        }
    }
}

impl Job<()> for TrainJob {
    fn name(&self) -> &'static str {
        "training"
    }

    fn step(&mut self, _context: &mut (), budget: Duration) -> Progress {
        // A unit pauses within the budget: a frame's share on the UI thread (the browser), a
        // worker step elsewhere (so a cancel is seen soon); the model is the same.
        match self.advance(budget) {
            Ok(None) => Progress::Running(self.trainer.as_ref().map(Trainer::fraction_done)),
            Ok(Some(model)) => {
                self.sender.send(WorkerEvent::TrainFinished {
                    generation: self.request.generation,
                    result: Ok(model),
                });
                Progress::Finished
            }
            Err(error) => {
                self.stop(error);
                Progress::Finished
            }
        }
    }

    fn stop(&mut self, reason: JobError) {
        self.sender.send(WorkerEvent::TrainFinished {
            generation: self.request.generation,
            result: Err(reason),
        });
    }
}
