//! The mean-field study: one velocity field a step.

use super::super::jobs::{MeanfieldRequest, WorkerEvent};
use super::EventSender;
use crate::job::{Job, JobError, Progress};
use crate::meanfield::MeanfieldStudy;
use std::time::Duration;

/// A mean-field study, one velocity field a step, with a snapshot sent after each.
pub(crate) struct MeanfieldJob {
    pub(super) request: MeanfieldRequest,
    pub(super) study: Option<MeanfieldStudy>,
    pub(super) sender: EventSender,
}

impl Job<()> for MeanfieldJob {
    fn name(&self) -> &'static str {
        "mean-field study"
    }

    fn step(&mut self, _context: &mut (), _budget: Duration) -> Progress {
        let generation = self.request.generation;
        let outcome = match self.study.as_mut() {
            None => MeanfieldStudy::new(self.request.config.clone()).map(|study| {
                self.study = Some(study);
                false
            }),
            Some(study) => study.step(),
        };
        match outcome {
            Ok(finished) => {
                let study = self.study.as_ref().expect("made above");
                self.sender.send(WorkerEvent::MeanfieldUpdate {
                    generation,
                    study: Box::new(study.clone()),
                    finished,
                });
                if finished {
                    return Progress::Finished;
                }
                let (done, total) = study.progress();
                Progress::Running(Some(done as f64 / total as f64))
            }
            Err(error) => {
                self.stop(error.into());
                Progress::Finished
            }
        }
    }

    fn stop(&mut self, reason: JobError) {
        self.sender.send(WorkerEvent::MeanfieldFailed {
            generation: self.request.generation,
            error: reason,
        });
    }
}
