//! Driving jobs: round-robin, one bounded step at a time, on the caller's thread or on a named
//! worker thread. A panicking job is stopped with [`JobError::Panicked`]; the runner goes on.

use super::{CancelToken, Job, JobError, Progress};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::Duration;
use web_time::Instant;

/// The budget of one step on a worker thread: long enough to do real work, short enough that
/// a cancel or a newer job is seen within a blink.
const WORKER_STEP_BUDGET: Duration = Duration::from_millis(20);

/// A job and its cancel token.
struct Entry<C> {
    job: Box<dyn Job<C>>,
    cancel: CancelToken,
}

/// Jobs waiting for steps and the context every step borrows.
pub struct Runner<C> {
    context: C,
    entries: Vec<Entry<C>>,
    next: usize,
}

impl<C> Runner<C> {
    /// A runner lending `context` to its jobs.
    pub fn new(context: C) -> Self {
        Self {
            context,
            entries: Vec::new(),
            next: 0,
        }
    }

    /// Queues `job`; it stops before its next step once `cancel` is set.
    pub fn submit(&mut self, job: Box<dyn Job<C>>, cancel: CancelToken) {
        self.entries.push(Entry { job, cancel });
    }

    /// Whether no job is waiting.
    pub fn is_idle(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of jobs waiting.
    pub fn pending(&self) -> usize {
        self.entries.len()
    }

    /// The context the jobs borrow.
    pub fn context_mut(&mut self) -> &mut C {
        &mut self.context
    }

    /// Steps the jobs round-robin until `budget` is spent or none is left; every job gets at
    /// least one step when the budget allows one. This is how the UI thread drives jobs.
    pub fn run_for(&mut self, budget: Duration) {
        let started = Instant::now();
        let mut waiting_in_a_row = 0;
        while !self.entries.is_empty() && waiting_in_a_row < self.entries.len() {
            let left = budget.saturating_sub(started.elapsed());
            if left.is_zero() {
                return;
            }
            let slice = left / self.entries.len() as u32;
            if self.step_next(slice.max(Duration::from_micros(100))) {
                waiting_in_a_row += 1;
            } else {
                waiting_in_a_row = 0;
            }
        }
    }

    /// One step of the next job in turn (a cancelled job is stopped instead). Returns whether
    /// the job is waiting ([`Progress::Waiting`]).
    pub fn step_next(&mut self, budget: Duration) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let index = self.next % self.entries.len();
        let entry = &mut self.entries[index];
        let mut waiting = false;
        let finished = if entry.cancel.is_cancelled() {
            entry.job.stop(JobError::Cancelled);
            true
        } else {
            let (job, context) = (&mut entry.job, &mut self.context);
            match std::panic::catch_unwind(AssertUnwindSafe(|| job.step(context, budget))) {
                Ok(Progress::Running(_)) => false,
                Ok(Progress::Waiting) => {
                    waiting = true;
                    false
                }
                Ok(Progress::Finished) => true,
                Err(payload) => {
                    let error = JobError::from_panic(&*payload);
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| entry.job.stop(error)));
                    true
                }
            }
        };
        if finished {
            self.entries.remove(index);
        } else {
            self.next = index + 1;
        }
        waiting
    }
}

impl<C: Send + 'static> Runner<C> {
    /// Moves the runner onto a worker thread named `name`; with `pool`, every step runs inside
    /// that rayon pool (training gets its own, so the live flow keeps the global one).
    pub fn spawn(
        self,
        name: &str,
        pool: Option<rayon::ThreadPool>,
    ) -> Result<RunnerHandle<C>, JobError> {
        let (jobs, incoming) = channel();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || self.serve(&incoming, pool.as_ref()))
            .map_err(|source| JobError::Spawn {
                name: name.to_string(),
                source,
            })?;
        Ok(RunnerHandle {
            jobs: Some(jobs),
            thread: Some(thread),
            local: None,
        })
    }

    /// The worker loop: waits while idle, takes new jobs, steps the queued ones; ends when the
    /// handle is dropped (after stopping what is left as cancelled).
    fn serve(mut self, incoming: &Receiver<Entry<C>>, pool: Option<&rayon::ThreadPool>) {
        let mut waiting_in_a_row = 0;
        loop {
            if self.entries.is_empty() {
                match incoming.recv() {
                    Ok(entry) => self.entries.push(entry),
                    Err(_) => return,
                }
            }
            loop {
                match incoming.try_recv() {
                    Ok(entry) => self.entries.push(entry),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        for entry in &mut self.entries {
                            entry.job.stop(JobError::Cancelled);
                        }
                        return;
                    }
                }
            }
            let waiting = match pool {
                Some(pool) => pool.install(|| self.step_next(WORKER_STEP_BUDGET)),
                None => self.step_next(WORKER_STEP_BUDGET),
            };
            waiting_in_a_row = if waiting { waiting_in_a_row + 1 } else { 0 };
            if waiting_in_a_row >= self.entries.len() {
                // Every job waits on something outside: rest instead of spinning.
                std::thread::sleep(Duration::from_millis(1));
                waiting_in_a_row = 0;
            }
        }
    }
}

/// The handle of a runner: on a worker thread (submits go over a channel; dropping the handle
/// ends the thread), or kept on the caller's thread where threads do not exist (the browser),
/// stepped by [`RunnerHandle::pump`] within a budget.
pub struct RunnerHandle<C> {
    /// None once the handle is being dropped.
    jobs: Option<Sender<Entry<C>>>,
    thread: Option<JoinHandle<()>>,
    /// The runner itself, when it lives on the caller's thread.
    local: Option<std::cell::RefCell<Runner<C>>>,
}

impl<C> Runner<C> {
    /// Keeps the runner on the caller's thread behind a handle, to be stepped by
    /// [`RunnerHandle::pump`] (where threads cannot be spawned: the browser).
    pub fn local(self) -> RunnerHandle<C> {
        RunnerHandle {
            jobs: None,
            thread: None,
            local: Some(std::cell::RefCell::new(self)),
        }
    }
}

impl<C> RunnerHandle<C> {
    /// Queues `job` on the worker. Fails when the worker thread is gone.
    pub fn submit(&self, job: Box<dyn Job<C>>, cancel: CancelToken) -> Result<(), JobError> {
        let name = job.name();
        if let Some(local) = &self.local {
            let mut runner = local
                .try_borrow_mut()
                .map_err(|_| JobError::WorkerGone(name))?;
            runner.submit(job, cancel);
            return Ok(());
        }
        self.jobs
            .as_ref()
            .ok_or(JobError::WorkerGone(name))?
            .send(Entry { job, cancel })
            .map_err(|_| JobError::WorkerGone(name))
    }

    /// A runner on the caller's thread steps its jobs for up to `budget`; a worker thread's
    /// handle does nothing (its thread steps them).
    pub fn pump(&self, budget: Duration) {
        if let Some(local) = &self.local
            && let Ok(mut runner) = local.try_borrow_mut()
        {
            runner.run_for(budget);
        }
    }

    /// Whether a runner on the caller's thread has jobs queued (false for a worker thread's
    /// handle, whose thread steps them).
    pub fn is_busy(&self) -> bool {
        self.local
            .as_ref()
            .and_then(|local| local.try_borrow().ok())
            .is_some_and(|runner| !runner.is_idle())
    }

    /// Closes the queue and returns at once: the worker stops its jobs as cancelled and ends.
    /// Later submits fail with [`JobError::WorkerGone`]. Closing several handles before
    /// dropping them lets their workers stop side by side.
    pub(crate) fn close(&mut self) {
        drop(self.jobs.take());
        if let Some(local) = self.local.take() {
            for entry in &mut local.into_inner().entries {
                entry.job.stop(JobError::Cancelled);
            }
        }
    }

    /// The worker thread's name.
    pub fn thread_name(&self) -> Option<&str> {
        self.thread.as_ref().and_then(|t| t.thread().name())
    }
}

/// How long dropping a [`RunnerHandle`] waits for its worker to stop its jobs: a step takes at
/// most a few [`WORKER_STEP_BUDGET`]s, but a native file dialog can block far longer, and
/// closing the app must not hang on it.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

impl<C> Drop for RunnerHandle<C> {
    /// Closes the queue, so that the worker stops every job as cancelled (a GIF export removes
    /// its temporary file), and waits for it, up to 10 s: when the app closes
    /// mid-export or mid-training the process exits only after the jobs cleaned up.
    fn drop(&mut self) {
        self.close();
        let Some(thread) = self.thread.take() else {
            return;
        };
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        if thread.is_finished() {
            // The worker catches every job's panic; a panic outside a job has been printed.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::channel;

    /// Counts to `steps`, reporting each step and how it ended.
    struct Counter {
        steps: usize,
        done: usize,
        log: Sender<String>,
        panic_at: Option<usize>,
    }

    impl Job<usize> for Counter {
        fn name(&self) -> &'static str {
            "counter"
        }

        fn step(&mut self, calls: &mut usize, _budget: Duration) -> Progress {
            *calls += 1;
            assert!(self.panic_at != Some(self.done), "boom at {}", self.done);
            self.done += 1;
            if self.done == self.steps {
                let _ = self.log.send(format!("finished {}", self.steps));
                Progress::Finished
            } else {
                Progress::Running(Some(self.done as f64 / self.steps as f64))
            }
        }

        fn stop(&mut self, reason: JobError) {
            let _ = self.log.send(format!("stopped: {reason}"));
        }
    }

    /// Waits (on nothing) at every step until `ready` is set, then finishes.
    struct Waiter {
        ready: Arc<AtomicBool>,
    }

    impl Job<usize> for Waiter {
        fn name(&self) -> &'static str {
            "waiter"
        }

        fn step(&mut self, calls: &mut usize, _budget: Duration) -> Progress {
            *calls += 1;
            if self.ready.load(Ordering::Relaxed) {
                Progress::Finished
            } else {
                Progress::Waiting
            }
        }

        fn stop(&mut self, _reason: JobError) {}
    }

    #[test]
    fn a_waiting_job_ends_the_turn_instead_of_spinning_through_the_budget() {
        let ready = Arc::new(AtomicBool::new(false));
        let mut runner = Runner::new(0_usize);
        runner.submit(
            Box::new(Waiter {
                ready: Arc::clone(&ready),
            }),
            CancelToken::new(),
        );
        let started = Instant::now();
        runner.run_for(Duration::from_secs(30));
        assert!(started.elapsed() < Duration::from_secs(5), "it spun");
        assert_eq!(*runner.context_mut(), 1, "one step, then the turn ended");
        // Beside a working job, the working one keeps its steps.
        let (log, events) = channel();
        runner.submit(Box::new(counter(3, &log)), CancelToken::new());
        runner.run_for(Duration::from_secs(30));
        assert_eq!(events.try_recv().as_deref(), Ok("finished 3"));
        assert_eq!(runner.pending(), 1, "the waiter still waits");
        ready.store(true, Ordering::Relaxed);
        runner.run_for(Duration::from_secs(30));
        assert!(runner.is_idle());
    }

    fn counter(steps: usize, log: &Sender<String>) -> Counter {
        Counter {
            steps,
            done: 0,
            log: log.clone(),
            panic_at: None,
        }
    }

    #[test]
    fn jobs_take_turns_on_the_callers_thread_until_done() {
        let (log, events) = channel();
        let mut runner = Runner::new(0_usize);
        runner.submit(Box::new(counter(3, &log)), CancelToken::new());
        runner.submit(Box::new(counter(1, &log)), CancelToken::new());
        runner.step_next(Duration::from_millis(1));
        runner.step_next(Duration::from_millis(1));
        assert_eq!(
            runner.pending(),
            1,
            "the one-step job is done after its first turn"
        );
        assert_eq!(events.try_recv().as_deref(), Ok("finished 1"));
        runner.run_for(Duration::from_secs(5));
        assert!(runner.is_idle());
        assert_eq!(events.try_recv().as_deref(), Ok("finished 3"));
        assert_eq!(
            *runner.context_mut(),
            4,
            "every step borrowed the context once"
        );
    }

    #[test]
    fn a_cancelled_job_stops_before_its_next_step_and_a_panic_stops_only_its_job() {
        let (log, events) = channel();
        let mut runner = Runner::new(0_usize);
        let cancel = CancelToken::new();
        runner.submit(Box::new(counter(10, &log)), cancel.clone());
        runner.step_next(Duration::from_millis(1));
        cancel.cancel();
        runner.step_next(Duration::from_millis(1));
        assert!(runner.is_idle());
        assert_eq!(events.try_recv().as_deref(), Ok("stopped: cancelled"));
        assert_eq!(*runner.context_mut(), 1, "no step after the cancel");

        let mut panicking = counter(5, &log);
        panicking.panic_at = Some(1);
        runner.submit(Box::new(panicking), CancelToken::new());
        runner.submit(Box::new(counter(2, &log)), CancelToken::new());
        runner.run_for(Duration::from_secs(5));
        assert!(runner.is_idle());
        let messages: Vec<String> = events.try_iter().collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("stopped: internal error: boom at 1")),
            "{messages:?}"
        );
        assert!(messages.contains(&"finished 2".to_string()), "{messages:?}");
    }

    #[test]
    fn a_spawned_runner_steps_jobs_on_its_named_thread() {
        let (log, events) = channel();
        let handle = Runner::new(0_usize)
            .spawn("nsgf-test-runner", None)
            .expect("a thread");
        assert_eq!(handle.thread_name(), Some("nsgf-test-runner"));
        handle
            .submit(Box::new(counter(4, &log)), CancelToken::new())
            .expect("the worker takes jobs");
        let message = events
            .recv_timeout(Duration::from_secs(10))
            .expect("the job ends");
        assert_eq!(message, "finished 4");
    }

    #[test]
    fn dropping_the_handle_stops_running_jobs_before_it_returns() {
        let (log, events) = channel();
        let handle = Runner::new(0_usize)
            .spawn("nsgf-test-shutdown", None)
            .expect("a thread");
        // A job far too long to finish: only the shutdown can end it.
        handle
            .submit(Box::new(counter(usize::MAX, &log)), CancelToken::new())
            .expect("the worker takes jobs");
        std::thread::sleep(Duration::from_millis(30));
        drop(handle);
        // stop() ran before drop returned: its message is already there.
        let messages: Vec<String> = events.try_iter().collect();
        assert!(
            messages.iter().any(|m| m.starts_with("stopped")),
            "{messages:?}"
        );
    }
}
