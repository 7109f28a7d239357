//! What the compute worker lends its jobs ([`ComputeContext`]: the one velocity backend, made on
//! first use, on eframe's device or the CPU), the channel jobs report on ([`EventSender`]) and
//! the device the app shares with them ([`SharedDevice`]).

use super::jobs::WorkerEvent;
use super::polled_gpu::PolledGpu;
use crate::flow::FlowSolver;
use crate::gpu::{BackendNote, backend_on_device};
use crate::job::JobError;
use crate::ot::cpu::CpuBackend;
use crate::ot::{Precision, VelocityBackend, VelocityMode};
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Duration;

/// Called after every event is sent, to wake the UI (egui's `request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Sends events to the UI and wakes it.
#[derive(Clone)]
pub struct EventSender {
    events: Sender<WorkerEvent>,
    waker: Waker,
}

impl EventSender {
    /// Events go to `events`; `waker` wakes the UI after each.
    pub(crate) fn new(events: Sender<WorkerEvent>, waker: Waker) -> Self {
        Self { events, waker }
    }

    /// Sends `event` (dropped silently once the app has closed) and wakes the UI.
    pub(crate) fn send(&self, event: WorkerEvent) {
        if self.events.send(event).is_ok() {
            (self.waker)();
        }
    }

    /// Reports that the particle flow of `generation` ended with `reason`, unless it was
    /// cancelled (a cancelled flow was replaced, and its successor reports).
    pub(crate) fn flow_failed(&self, generation: u64, reason: JobError) {
        if !reason.is_cancelled() {
            self.send(WorkerEvent::FlowFailed {
                generation,
                error: reason,
            });
        }
    }
}

/// eframe's wgpu device, queue and adapter, which the compute worker borrows for its kernels.
#[derive(Clone)]
pub struct SharedDevice {
    /// The device eframe renders with.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// What adapter it runs on.
    pub adapter: wgpu::AdapterInfo,
    /// Whether the adapter runs compute shaders (WebGL2 does not).
    pub compute_shaders: bool,
}

/// What the compute worker lends its jobs: the one velocity backend, made on first use.
///
/// Where the jobs are stepped on the UI thread (the browser), nothing may wait for the GPU or
/// hold the thread for a whole solve: the particle flow then polls the GPU, or steps the CPU a
/// few Sinkhorn iterations a frame (`ComputeContext::ui_thread_velocity`), while the calls
/// that return at once (readouts, learned flows) use the CPU.
pub struct ComputeContext {
    device: Option<SharedDevice>,
    backend: Option<Box<dyn VelocityBackend>>,
    /// The polled GPU, in polling mode when the device computes.
    polled: Option<PolledGpu>,
    /// In polling mode on the CPU: the velocity being computed a step at a time, and the job
    /// it is for.
    stepping: Option<(u64, crate::ot::stepped::SteppedVelocity, StepTimes)>,
    /// Stepped velocities finished so far (the first few are timed in the browser's console).
    stepped_done: usize,
    /// Whether the GPU is polled rather than waited for.
    polling: bool,
    sender: EventSender,
    /// The last backend note sent, renamed when the solver changes the backend's name.
    note: Option<BackendNote>,
}

impl ComputeContext {
    /// A context that will build its backend on `device` (None: on the CPU).
    pub(crate) fn new(device: Option<SharedDevice>, sender: EventSender) -> Self {
        Self {
            device,
            backend: None,
            polled: None,
            stepping: None,
            stepped_done: 0,
            polling: false,
            sender,
            note: None,
        }
    }

    /// A context for jobs stepped on the UI thread: the particle flow polls the GPU of
    /// `device` (when it has compute shaders), everything else computes on the CPU.
    pub(crate) fn polling(device: Option<SharedDevice>, sender: EventSender) -> Self {
        Self {
            polling: true,
            ..Self::new(device, sender)
        }
    }

    /// The particle flow's next velocity for job `owner`, where jobs run on the UI thread:
    /// polled from the GPU, or computed on the CPU a few Sinkhorn iterations at a time within
    /// `budget` (the annealed mode). [`UiVelocity::Direct`] where neither applies (on a worker
    /// thread, or in a warm-started mode): compute it with [`ComputeContext::backend`]. A GPU
    /// failure hands over to the CPU for good, with a notice.
    pub(crate) fn ui_thread_velocity(
        &mut self,
        owner: u64,
        particles: &[crate::Point],
        target: &[crate::Point],
        params: &crate::ot::SinkhornParams,
        budget: Duration,
    ) -> Result<UiVelocity, JobError> {
        if !self.polling {
            return Ok(UiVelocity::Direct);
        }
        self.backend();
        if let Some(polled) = self.polled.as_mut() {
            match polled.velocity(owner, particles, target, params) {
                Ok(Some(velocity)) => return Ok(UiVelocity::Ready(velocity)),
                Ok(None) => return Ok(UiVelocity::Waiting),
                Err(crate::ot::OtError::Gpu(error)) => {
                    self.polled = None;
                    let backend = self.backend();
                    let note = BackendNote::because(
                        backend.name(),
                        format!("the GPU failed ({}); continuing on the CPU", error.reason()),
                    );
                    self.note = Some(note.clone());
                    self.sender.send(WorkerEvent::BackendReady { note });
                }
                Err(error) => return Err(error.into()),
            }
        }
        if self.stepping.as_ref().is_none_or(|(by, _, _)| *by != owner) {
            let started = self.backend().start_stepped(particles, target, params);
            self.stepping = match started {
                None => return Ok(UiVelocity::Direct),
                Some(stepped) => Some((owner, stepped?, StepTimes::default())),
            };
        }
        let Some((_, stepped, times)) = self.stepping.as_mut() else {
            return Ok(UiVelocity::Direct);
        };
        let started = web_time::Instant::now();
        let outcome = stepped.run_for(budget);
        times.work += started.elapsed();
        times.calls += 1;
        match outcome {
            None => Ok(UiVelocity::Working),
            Some(done) => {
                self.stepped_done += 1;
                if self.stepped_done <= 3 {
                    super::platform::console_note(&format!(
                        "nsgf: CPU velocity of {} particles in {:.0} ms of work over {} frames",
                        particles.len(),
                        times.work.as_secs_f64() * 1e3,
                        times.calls
                    ));
                }
                self.stepping = None;
                Ok(UiVelocity::Ready(done?.velocity))
            }
        }
    }

    /// Sets the backend's velocity mode for `solver` (the exact one where the backend cannot
    /// solve in it, saying why) and re-announces the backend when its name changes.
    pub(crate) fn use_solver(&mut self, solver: FlowSolver) {
        let before = self.shown_name();
        let backend = self.backend.as_mut().expect("built by backend()");
        let mut refused = backend.set_mode(solver.mode()).err();
        if refused.is_some() {
            // The GPU does not solve the converged mode: the exact mode always works.
            let _ = backend.set_mode(VelocityMode::Annealed);
        }
        if let Some(polled) = self.polled.as_mut() {
            let gpu = polled.backend_mut();
            refused = gpu.set_mode(solver.mode()).err();
            if refused.is_some() {
                let _ = gpu.set_mode(VelocityMode::Annealed);
            }
        }
        let name = self.shown_name();
        let mut note = self
            .note
            .clone()
            .unwrap_or_else(|| BackendNote::plain(&name));
        if let Some(refused) = refused {
            note.name.clone_from(&name);
            note.reason = Some(format!("{refused}; solving exact"));
        } else if name == before {
            return;
        } else {
            note.name = name;
        }
        self.note = Some(note.clone());
        self.sender.send(WorkerEvent::BackendReady { note });
    }

    /// The name of the backend the particle flow computes on.
    fn shown_name(&mut self) -> String {
        self.backend();
        match self.polled.as_mut() {
            Some(polled) => polled.backend_mut().name(),
            None => self.backend.as_ref().map(|b| b.name()).unwrap_or_default(),
        }
    }

    /// The velocity backend, built (and announced) on first use.
    pub(crate) fn backend(&mut self) -> &mut dyn VelocityBackend {
        let sender = &self.sender;
        let device = &mut self.device;
        let last_note = &mut self.note;
        let polled = &mut self.polled;
        let polling = self.polling;
        self.backend
            .get_or_insert_with(|| {
                let selected = match device.take() {
                    Some(shared) if polling => {
                        let (gpu, note) = polled_gpu_on(shared);
                        *polled = gpu;
                        let backend = Box::new(CpuBackend::new(Precision::F32));
                        crate::gpu::SelectedBackend { backend, note }
                    }
                    Some(shared) if !shared.compute_shaders => {
                        let backend = Box::new(CpuBackend::new(Precision::F32));
                        let reason =
                            format!("the adapter {} has no compute shaders", shared.adapter.name);
                        let note = BackendNote::because(backend.name(), reason);
                        crate::gpu::SelectedBackend { backend, note }
                    }
                    Some(shared) => backend_on_device(shared.device, shared.queue, &shared.adapter),
                    None => {
                        let backend = Box::new(CpuBackend::new(Precision::F32));
                        let reason = if cfg!(target_arch = "wasm32") {
                            "in the browser the CPU computes, single-threaded, a few Sinkhorn \
                             iterations a frame"
                        } else {
                            "no GPU device in this window"
                        };
                        let note = BackendNote::because(backend.name(), reason);
                        crate::gpu::SelectedBackend { backend, note }
                    }
                };
                *last_note = Some(selected.note.clone());
                sender.send(WorkerEvent::BackendReady {
                    note: selected.note,
                });
                selected.backend
            })
            .as_mut()
    }

    /// Whether the GPU is polled rather than waited for (the jobs are stepped on the UI thread).
    pub(crate) fn polls(&self) -> bool {
        self.polling
    }

    /// Reports a GPU failure that the CPU took over from, if one happened.
    pub(crate) fn report_notice(&mut self) {
        let Some(backend) = self.backend.as_mut() else {
            return;
        };
        if let Some(notice) = backend.take_notice() {
            let note = BackendNote::because(backend.name(), notice);
            self.note = Some(note.clone());
            self.sender.send(WorkerEvent::BackendReady { note });
        }
    }
}

/// The work a stepped velocity took: its time and the calls it was spread over.
#[derive(Debug, Default)]
struct StepTimes {
    work: Duration,
    calls: usize,
}

/// Where a flow's velocity stands when jobs run on the UI thread
/// (`ComputeContext::ui_thread_velocity`).
#[derive(Debug)]
pub enum UiVelocity {
    /// Computed.
    Ready(Vec<crate::Point>),
    /// The GPU is working on it: nothing to do until a later frame.
    Waiting,
    /// The CPU spent the budget on it; more to do.
    Working,
    /// Neither: compute it now with the backend.
    Direct,
}

/// The polled GPU on `shared` and the note saying what computes where (the CPU alone when the
/// adapter has no compute shaders, as under WebGL2, or refuses the kernels).
fn polled_gpu_on(shared: SharedDevice) -> (Option<PolledGpu>, BackendNote) {
    let cpu_name = CpuBackend::new(Precision::F32).name();
    if !shared.compute_shaders {
        let renderer = if shared.adapter.backend == wgpu::Backend::Gl {
            "WebGL2".to_string()
        } else {
            shared.adapter.name.clone()
        };
        let reason = format!(
            "{renderer} has no compute shaders: the CPU computes, single-threaded, a few \
             Sinkhorn iterations a frame"
        );
        return (None, BackendNote::because(cpu_name, reason));
    }
    let name = if shared.adapter.name.is_empty() {
        "WebGPU".to_string()
    } else {
        shared.adapter.name.clone()
    };
    match crate::gpu::GpuBackend::from_device(shared.device, shared.queue, name) {
        Ok(gpu) => {
            let note = BackendNote::because(
                gpu.name(),
                "the particle flow computes on the GPU, polled each frame; readouts, learned \
                 flows and training on the CPU",
            );
            (Some(PolledGpu::new(gpu)), note)
        }
        Err(error) => (
            None,
            BackendNote::because(cpu_name, format!("{error}; the CPU computes")),
        ),
    }
}
