//! The readouts S_ε and W2 of one frame.

use super::super::jobs::{MetricsRequest, WorkerEvent};
use super::super::state::MAX_W2_PARTICLES;
use super::{ComputeContext, EventSender};
use crate::data::seeded_rng;
use crate::job::{Job, JobError, Progress};
use std::time::Duration;

/// S_ε and W2 of one frame: in one step on a worker thread; a few milliseconds a step where
/// jobs share the UI thread (the browser), with both readouts computed on the CPU in pieces.
pub(crate) struct MetricsJob {
    request: MetricsRequest,
    sender: EventSender,
    /// The readouts under way on the UI thread.
    stepped: Option<SteppedReadouts>,
}

/// The two readouts of a frame, each computed a step at a time, or already done.
struct SteppedReadouts {
    divergence: Readout<crate::ot::stepped::SteppedDivergence, f64>,
    w2: Option<Readout<crate::metrics::SteppedW2, f64>>,
}

/// A readout being computed, or its result.
enum Readout<S, T> {
    Working(S),
    Done(Result<T, JobError>),
}

impl<S, T> Readout<S, T> {
    /// The result of a finished readout.
    fn into_result(self) -> Result<T, JobError> {
        match self {
            Readout::Done(result) => result,
            Readout::Working(_) => Err(JobError::Browser(
                "a readout was handed out before it finished".into(),
            )),
        }
    }
}

impl MetricsJob {
    /// The job for `request`, sending to `sender`.
    pub(crate) fn new(request: MetricsRequest, sender: EventSender) -> Self {
        Self {
            request,
            sender,
            stepped: None,
        }
    }

    /// The target sample the readouts compare with (the same draw every time: seeded).
    fn target(&self) -> Result<Vec<crate::Point>, crate::data::DataError> {
        let count = self.request.particles.points().len();
        self.request
            .target
            .sample(count, &mut seeded_rng(self.request.seed))
    }

    /// Both readouts of a frame of more than two dimensions, in one go on the CPU's kernels.
    fn wide(&self) {
        let request = &self.request;
        let particles = &request.particles;
        let target = request
            .target
            .sample_cloud(particles.len(), &mut seeded_rng(request.seed));
        let (divergence, w2) = match target {
            Ok(target) => (
                crate::ot::cloud_divergence(
                    particles,
                    &target,
                    &request.params,
                    crate::ot::Precision::F32,
                )
                .map_err(JobError::from),
                (target.len() <= MAX_W2_PARTICLES).then(|| {
                    crate::metrics::cloud_exact_w2(particles, &target).map_err(JobError::from)
                }),
            ),
            Err(error) => (Err(error.into()), None),
        };
        self.sender.send(WorkerEvent::Metrics {
            key: request.key,
            divergence,
            w2,
        });
    }

    /// Both readouts in one go (on a worker thread).
    fn whole(&self, context: &mut ComputeContext) {
        let request = &self.request;
        let particles = request.particles.points();
        let (divergence, w2) = match self.target() {
            Ok(target) => {
                let divergence = context
                    .backend()
                    .divergence(particles, &target, &request.params)
                    .map_err(JobError::from);
                let w2 = (target.len() <= MAX_W2_PARTICLES)
                    .then(|| crate::metrics::exact_w2(particles, &target).map_err(JobError::from));
                (divergence, w2)
            }
            // Both readouts need the target sample. Sampling is deterministic, so drawing again
            // gives the W2 readout the same error (JobError is not Clone: it keeps sources).
            Err(error) => {
                let again = self.target().err();
                (Err(error.into()), again.map(|e| Err(e.into())))
            }
        };
        self.sender.send(WorkerEvent::Metrics {
            key: request.key,
            divergence,
            w2,
        });
    }

    /// The readouts a piece at a time within `budget`; true once sent.
    fn stepped(&mut self, context: &mut ComputeContext, budget: Duration) -> bool {
        let started = web_time::Instant::now();
        if self.stepped.is_none() {
            let request = &self.request;
            let particles = request.particles.points();
            // A target that cannot be sampled: both readouts report why, at once.
            let Ok(target) = self.target() else {
                self.whole(context);
                return true;
            };
            let divergence = match context.backend().start_stepped_divergence(
                particles,
                &target,
                &request.params,
            ) {
                Some(Ok(stepped)) => Readout::Working(stepped),
                Some(Err(error)) => Readout::Done(Err(error.into())),
                None => Readout::Done(
                    context
                        .backend()
                        .divergence(particles, &target, &request.params)
                        .map_err(JobError::from),
                ),
            };
            let w2 =
                (target.len() <= MAX_W2_PARTICLES).then(|| {
                    match crate::metrics::SteppedW2::new(particles, &target) {
                        Ok(stepped) => Readout::Working(stepped),
                        Err(error) => Readout::Done(Err(error.into())),
                    }
                });
            self.stepped = Some(SteppedReadouts { divergence, w2 });
        }
        let readouts = self.stepped.as_mut().expect("set above");
        let left = || budget.saturating_sub(started.elapsed());
        if let Readout::Working(stepped) = &mut readouts.divergence {
            match stepped.run_for(left()) {
                Some(done) => readouts.divergence = Readout::Done(done.map_err(JobError::from)),
                None => return false,
            }
        }
        if let Some(Readout::Working(stepped)) = &mut readouts.w2 {
            match stepped.run_for(left()) {
                Some(done) => readouts.w2 = Some(Readout::Done(done.map_err(JobError::from))),
                None => return false,
            }
        }
        let Some(SteppedReadouts { divergence, w2 }) = self.stepped.take() else {
            return true;
        };
        self.sender.send(WorkerEvent::Metrics {
            key: self.request.key,
            divergence: divergence.into_result(),
            w2: w2.map(Readout::into_result),
        });
        true
    }
}

impl Job<ComputeContext> for MetricsJob {
    fn name(&self) -> &'static str {
        "readouts"
    }

    fn step(&mut self, context: &mut ComputeContext, budget: Duration) -> Progress {
        if self.request.particles.dim() != 2 {
            self.wide();
            return Progress::Finished;
        }
        if !context.polls() {
            self.whole(context);
            return Progress::Finished;
        }
        if self.stepped(context, budget) {
            Progress::Finished
        } else {
            Progress::Running(None)
        }
    }

    fn stop(&mut self, reason: JobError) {
        if reason.is_cancelled() {
            self.sender.send(WorkerEvent::MetricsSkipped {
                key: self.request.key,
            });
        } else {
            self.sender.send(WorkerEvent::Metrics {
                key: self.request.key,
                divergence: Err(reason),
                w2: None,
            });
        }
    }
}
