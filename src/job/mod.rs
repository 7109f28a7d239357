//! One shape for all long work: a [`Job`] advances in bounded steps, says how far it is, and can
//! be cancelled between steps. A [`Runner`] drives jobs: on a named worker thread on the desktop
//! ([`Runner::spawn`]), or on the caller's thread within a time budget ([`Runner::run_for`]),
//! which is how the browser build, with no threads, keeps its page responsive.
//!
//! Jobs send their results themselves (for the app, over its event channel); a runner only
//! steps them, drops the finished ones and tells the cancelled ones.

mod error;
mod runner;

pub use error::{JobError, describe};
pub use runner::{Runner, RunnerHandle};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How far a job is after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// More steps to go; the fraction done in [0, 1] when the job knows it.
    Running(Option<f64>),
    /// More to do, but nothing until something outside the job happens (the GPU finishing a
    /// submission): the runner steps the other jobs, or rests, before stepping it again.
    Waiting,
    /// The job is done (it has sent its result or its error).
    Finished,
}

/// A long piece of work that advances in bounded steps. `C` is what its runner lends every
/// step (for the app's compute runner: the one velocity backend).
pub trait Job<C>: Send {
    /// What the job does, for logs ("particle flow", "training").
    fn name(&self) -> &'static str;

    /// Does about `budget` of work or less (at least one unit, however small the budget), then
    /// returns.
    fn step(&mut self, context: &mut C, budget: Duration) -> Progress;

    /// The job ends without finishing: cancelled between steps ([`JobError::Cancelled`]) or
    /// after a panic ([`JobError::Panicked`]). It reports so; no result follows.
    fn stop(&mut self, reason: JobError);

    /// The progress of a step that may fail: on an error the job stops with it (reporting as
    /// [`Job::stop`] does) and is finished.
    fn progress_or_stop(&mut self, outcome: Result<Progress, JobError>) -> Progress
    where
        Self: Sized,
    {
        outcome.unwrap_or_else(|error| {
            self.stop(error);
            Progress::Finished
        })
    }
}

/// A shared flag that cancels a job between two of its steps.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the job to stop before its next step.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The flag itself (for code that polls an `AtomicBool`).
    pub fn flag(&self) -> &AtomicBool {
        &self.0
    }
}
