//! The app's jobs and the workers that drive them. Every numeric job runs off the UI thread as
//! a [`crate::job::Job`] stepped by a [`Runner`] on a named worker thread:
//! - `nsgf-compute`: the particle flow, S_ε / W2 readouts and learned-flow sampling, all on the
//!   ONE velocity backend it owns, built on eframe's own wgpu device when the app has one (no
//!   second device is ever opened; without one it computes on the CPU);
//! - `nsgf-train`: training, inside its own rayon pool, so the live flow and the readouts keep
//!   the global pool;
//! - `nsgf-files`: file dialogs, loading and saving, and GIF export (chunk by chunk, cancellable).
//!
//! Jobs send results over one channel that the UI polls each frame; every send wakes the UI.
//! Superseded work is cancelled by the state through the request's [`CancelToken`].

mod file_job;
mod flow_job;
mod gif_job;
mod learned_job;
mod meanfield_job;
mod metrics_job;
mod train_job;
mod wide_flow_job;

pub use super::compute_context::{ComputeContext, EventSender, SharedDevice, UiVelocity, Waker};
pub use file_job::*;
use flow_job::FlowJob;
pub use gif_job::*;
pub use learned_job::*;
use meanfield_job::MeanfieldJob;
use metrics_job::MetricsJob;
use train_job::TrainJob;

use super::jobs::{Request, WorkerEvent};
use crate::job::{CancelToken, JobError, Runner, RunnerHandle};
use crate::ot::{CloudKernels, CpuCloudKernels};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// Where the digits' velocities are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DigitsCompute {
    /// On eframe's device when it is a hardware GPU with compute shaders (a software adapter
    /// is slower than the CPU, as for the 2D flow), else on the CPU.
    #[default]
    Auto,
    /// On eframe's device whenever it runs compute shaders, a software adapter included (what
    /// the tests on lavapipe use).
    AnyGpu,
    /// On the CPU.
    Cpu,
}

/// The kernels of the digits' flows and training on `device` as `choice` says: the
/// d-dimensional WGSL on eframe's one device (no second device), or the CPU's d-dimensional
/// kernels.
pub fn digits_kernels_on(
    device: Option<&SharedDevice>,
    choice: DigitsCompute,
) -> Arc<dyn CloudKernels> {
    let cpu = || -> Arc<dyn CloudKernels> {
        Arc::new(CpuCloudKernels {
            precision: crate::ot::Precision::F64,
        })
    };
    let Some(shared) = device.filter(|shared| shared.compute_shaders) else {
        return cpu();
    };
    let software = shared.adapter.device_type == wgpu::DeviceType::Cpu;
    match choice {
        DigitsCompute::Cpu => cpu(),
        DigitsCompute::Auto if software => cpu(),
        DigitsCompute::Auto | DigitsCompute::AnyGpu => Arc::new(crate::gpu::WideGpu::on_device(
            shared.device.clone(),
            shared.queue.clone(),
            shared.adapter.name.clone(),
        )),
    }
}

/// The three workers and the channel back from their jobs.
pub struct Workers {
    sender: EventSender,
    events: Receiver<WorkerEvent>,
    /// Where the digits' flows and training compute their velocities: eframe's device and the
    /// choice, turned into kernels on the first digits request (the WGSL pipelines are built
    /// only for a user who opens the digits window).
    digits_device: Option<SharedDevice>,
    digits_choice: DigitsCompute,
    digits_kernels: std::sync::OnceLock<Arc<dyn CloudKernels>>,
    compute: RunnerHandle<ComputeContext>,
    training: RunnerHandle<()>,
    files: RunnerHandle<()>,
}

impl Drop for Workers {
    /// Closing the app: every worker is told to stop at once, then each is waited for (bounded),
    /// so an export or a training run ends as cancelled, its temporary file removed.
    fn drop(&mut self) {
        self.compute.close();
        self.training.close();
        self.files.close();
    }
}

impl Workers {
    /// Starts the workers; the compute worker builds its backend on `device` (eframe's), or on
    /// the CPU without one. `waker` is called after every event.
    pub fn start(waker: Waker, device: Option<SharedDevice>) -> Result<Self, JobError> {
        Self::start_with(waker, device, DigitsCompute::Auto)
    }

    /// [`Workers::start`], the digits' velocities computed as `digits` says.
    pub fn start_with(
        waker: Waker,
        device: Option<SharedDevice>,
        digits: DigitsCompute,
    ) -> Result<Self, JobError> {
        let (events_tx, events) = channel();
        let sender = EventSender::new(events_tx, waker);
        #[cfg(target_arch = "wasm32")]
        {
            // No threads in the browser: every job is stepped on the UI thread.
            let _ = digits;
            Ok(Self::on_ui_thread(sender, events, device))
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let digits_device = device.clone();
            let compute = Runner::new(ComputeContext::new(device, sender.clone()))
                .spawn("nsgf-compute", None)?;
            // Training gets its own pool: its parallel loops never queue behind (or hold up)
            // the live flow's and the readouts' work in rayon's global pool.
            let training_threads =
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            let training_pool = rayon::ThreadPoolBuilder::new()
                .num_threads(training_threads)
                .thread_name(|index| format!("nsgf-train-{index}"))
                .build()
                .ok();
            let training = Runner::new(()).spawn("nsgf-train", training_pool)?;
            let files = Runner::new(()).spawn("nsgf-files", None)?;
            Ok(Self {
                sender,
                events,
                digits_device,
                digits_choice: digits,
                digits_kernels: std::sync::OnceLock::new(),
                compute,
                training,
                files,
            })
        }
    }

    /// Workers without threads, as in the browser: every job is stepped on the caller's thread
    /// by [`Workers::pump`], and the particle flow polls the GPU of `device` (when it computes)
    /// instead of waiting for it. `waker` is called after every event.
    pub fn on_the_callers_thread(waker: Waker, device: Option<SharedDevice>) -> Self {
        let (events_tx, events) = channel();
        let sender = EventSender::new(events_tx, waker);
        Self::on_ui_thread(sender, events, device)
    }

    fn on_ui_thread(
        sender: EventSender,
        events: Receiver<WorkerEvent>,
        device: Option<SharedDevice>,
    ) -> Self {
        Self {
            compute: Runner::new(ComputeContext::polling(device, sender.clone())).local(),
            training: Runner::new(()).local(),
            files: Runner::new(()).local(),
            sender,
            events,
            // Nothing may wait for the GPU on the UI thread: the digits compute on the CPU.
            digits_device: None,
            digits_choice: DigitsCompute::Cpu,
            digits_kernels: std::sync::OnceLock::new(),
        }
    }

    /// Where flows and training of more than two dimensions compute their velocities: the
    /// d-dimensional WGSL on eframe's device or the CPU's kernels (built on first use).
    fn wide_kernels(&self) -> Arc<dyn CloudKernels> {
        self.digits_kernels
            .get_or_init(|| digits_kernels_on(self.digits_device.as_ref(), self.digits_choice))
            .clone()
    }

    /// Starts the job for `request` on its worker; a worker that is gone is reported as an
    /// event.
    pub fn dispatch(&self, request: Request) {
        let sender = self.sender.clone();
        let submitted = match request {
            Request::Flow(request) if request.target.dim() != 2 => {
                let cancel = request.cancel.clone();
                let job = wide_flow_job::WideFlowJob::new(request, sender, self.wide_kernels());
                self.compute.submit(Box::new(job), cancel)
            }
            Request::Flow(request) => {
                let cancel = request.cancel.clone();
                self.compute
                    .submit(Box::new(FlowJob::new(request, sender)), cancel)
            }
            Request::Metrics(request) => {
                let cancel = request.cancel.clone();
                self.compute
                    .submit(Box::new(MetricsJob::new(request, sender)), cancel)
            }
            Request::Learned(request) => {
                let cancel = request.cancel.clone();
                self.compute
                    .submit(Box::new(LearnedJob { request, sender }), cancel)
            }
            Request::Train(request) => {
                let cancel = request.cancel.clone();
                let kernels = (request.target.dim() != 2).then(|| self.wide_kernels());
                self.training
                    .submit(Box::new(TrainJob::new(request, sender, kernels)), cancel)
            }
            Request::File(request) => self.files.submit(
                Box::new(FileJob {
                    request: Some(request),
                    sender,
                }),
                CancelToken::new(),
            ),
            Request::ExportGif(request) => {
                let cancel = request.cancel.clone();
                self.files
                    .submit(Box::new(GifJob::new(request, sender)), cancel)
            }
            // CPU work of seconds a step: beside training, not in the live flow's way.
            Request::Meanfield(request) => {
                let cancel = request.cancel.clone();
                self.training.submit(
                    Box::new(MeanfieldJob {
                        request,
                        study: None,
                        sender,
                    }),
                    cancel,
                )
            }
        };
        if let Err(error) = submitted {
            self.sender.send(WorkerEvent::WorkerFailed { error });
        }
    }

    /// Where the workers live on the UI thread (the browser): steps their jobs for up to
    /// `budget` in all, the live flow first; a no-op where they have threads of their own.
    /// The live flow gets half the budget when other work waits, training and files share the
    /// rest; alone, a runner gets it all.
    pub fn pump(&self, budget: Duration) {
        let started = web_time::Instant::now();
        let runners = [
            &self.compute as &dyn Pump,
            &self.training as &dyn Pump,
            &self.files as &dyn Pump,
        ];
        for (index, runner) in runners.iter().enumerate() {
            if !runner.busy() {
                continue;
            }
            let left = budget.saturating_sub(started.elapsed());
            if left.is_zero() {
                return;
            }
            let others_busy = runners[index + 1..].iter().any(|other| other.busy());
            runner.pump_for(if others_busy { left / 2 } else { left });
        }
    }

    /// Whether a job is queued on a runner of the caller's thread (so the UI must keep
    /// repainting to step it); false where the workers have threads.
    pub(crate) fn busy(&self) -> bool {
        [
            self.compute.is_busy(),
            self.training.is_busy(),
            self.files.is_busy(),
        ]
        .contains(&true)
    }

    /// In the browser, reads a dropped file (asynchronously, as browsers do) and loads it like
    /// the desktop does: a CSV becomes the drawn target, a model loads, a scene opens.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn open_dropped_web(&self, file: eframe::egui::DroppedFileHandle) {
        let sender = self.sender.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let name = file.path().to_path_buf();
            let event = match file.bytes_async().await {
                Ok(bytes) => open_dropped_bytes(&bytes, &name).unwrap_or_else(|error| {
                    WorkerEvent::FileFailed {
                        op: super::jobs::FileOp::OpenDropped,
                        error,
                    }
                }),
                Err(reason) => WorkerEvent::FileFailed {
                    op: super::jobs::FileOp::OpenDropped,
                    error: JobError::Browser(format!(
                        "could not read {}: {reason}",
                        name.display()
                    )),
                },
            };
            sender.send(event);
        });
    }

    /// Every event sent since the last call.
    pub fn poll(&self) -> Vec<WorkerEvent> {
        self.events.try_iter().collect()
    }
}

/// Pumping runners of different contexts through one list.
trait Pump {
    fn pump_for(&self, budget: Duration);
    fn busy(&self) -> bool;
}

impl<C> Pump for RunnerHandle<C> {
    fn pump_for(&self, budget: Duration) {
        self.pump(budget);
    }

    fn busy(&self) -> bool {
        self.is_busy()
    }
}
