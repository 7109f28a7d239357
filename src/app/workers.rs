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

pub use super::compute_context::{ComputeContext, EventSender, SharedDevice, UiVelocity, Waker};
use super::field::{empirical_field, scaled};
use super::jobs::{
    Extent, FileOp, FileRequest, FlowRequest, GifRequest, LearnedRequest, MeanfieldRequest,
    MetricsRequest, Request, ShownFlow, TrainRequest, WorkerEvent,
};
use super::state::{DialogPurpose, MAX_W2_PARTICLES};
use crate::data::{sample_source_and_target, seeded_rng};
use crate::flow::{ParticleFlow, PointCloud, Trajectory};
use crate::job::{CancelToken, Job, JobError, Progress, Runner, RunnerHandle};
use crate::meanfield::MeanfieldStudy;
use crate::model::{TrainStep, TrainedModel, Trainer};
use crate::ot::VelocityBackend;
use crate::ot::{CloudKernels, CpuCloudKernels};
use crate::render::{GifExporter, GifOptions};
use std::path::{Path, PathBuf};
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
                let job =
                    super::wide_flow_job::WideFlowJob::new(request, sender, self.wide_kernels());
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
    pub fn busy(&self) -> bool {
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
    pub fn open_dropped_web(&self, file: eframe::egui::DroppedFileHandle) {
        let sender = self.sender.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let name = file.path().to_path_buf();
            let event = match file.bytes_async().await {
                Ok(bytes) => open_dropped_bytes(&bytes, &name).unwrap_or_else(|error| {
                    WorkerEvent::FileFailed {
                        op: FileOp::OpenDropped,
                        error,
                    }
                }),
                Err(reason) => WorkerEvent::FileFailed {
                    op: FileOp::OpenDropped,
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

/// The particle flow: first step samples, every further step is one Euler step.
pub struct FlowJob {
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
    pub fn new(request: FlowRequest, sender: EventSender) -> Self {
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
        match self.advance(context, budget) {
            Ok(progress) => progress,
            Err(error) => {
                self.stop(error);
                Progress::Finished
            }
        }
    }

    fn stop(&mut self, reason: JobError) {
        if !reason.is_cancelled() {
            self.sender.send(WorkerEvent::FlowFailed {
                generation: self.request.generation,
                error: reason,
            });
        }
    }
}

/// S_ε and W2 of one frame: in one step on a worker thread; a few milliseconds a step where
/// jobs share the UI thread (the browser), with both readouts computed on the CPU in pieces.
pub struct MetricsJob {
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
    pub fn new(request: MetricsRequest, sender: EventSender) -> Self {
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

/// Learned-flow sampling, in one step.
pub struct LearnedJob {
    request: LearnedRequest,
    sender: EventSender,
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

/// Training: one unit of progress per step.
pub struct TrainJob {
    request: TrainRequest,
    sender: EventSender,
    trainer: Option<Trainer>,
    kernels: Option<Arc<dyn CloudKernels>>,
}

impl TrainJob {
    /// The job for `request`, sending to `sender`; flows of more than two dimensions on
    /// `kernels` (None: the CPU's).
    pub fn new(
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

/// A mean-field study, one velocity field a step, with a snapshot sent after each.
pub struct MeanfieldJob {
    request: MeanfieldRequest,
    study: Option<MeanfieldStudy>,
    sender: EventSender,
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

/// A file dialog and what follows it, in one step.
pub struct FileJob {
    request: Option<FileRequest>,
    sender: EventSender,
}

impl Job<()> for FileJob {
    fn name(&self) -> &'static str {
        "file"
    }

    fn step(&mut self, _context: &mut (), _budget: Duration) -> Progress {
        if let Some(request) = self.request.take() {
            // In the browser a load without a path asks through the browser's file picker,
            // which answers asynchronously.
            #[cfg(target_arch = "wasm32")]
            if request.path().is_none() && !request.purpose().saves() {
                pick_and_load_web(request.purpose(), self.sender.clone());
                return Progress::Finished;
            }
            self.sender.send(run_file_request(request));
        }
        Progress::Finished
    }

    fn stop(&mut self, reason: JobError) {
        let op = self
            .request
            .take()
            .map_or(FileOp::LoadPoints, |request| request.op());
        self.sender
            .send(WorkerEvent::FileFailed { op, error: reason });
    }
}

/// A native dialog that returns in less than this found no portal to ask: no person cancels a
/// dialog that fast.
#[cfg(not(target_arch = "wasm32"))]
const NATIVE_DIALOG_GAVE_UP: Duration = Duration::from_millis(400);

/// In the browser: the browser's file picker (rfd's asynchronous dialog) for `purpose`, then the
/// chosen file loaded like a dropped one; the event goes to `sender` when the person answers.
#[cfg(target_arch = "wasm32")]
fn pick_and_load_web(purpose: DialogPurpose, sender: EventSender) {
    wasm_bindgen_futures::spawn_local(async move {
        let picked = rfd::AsyncFileDialog::new()
            .add_filter(purpose.kind_name(), purpose.extensions())
            .set_title(purpose.title())
            .pick_file()
            .await;
        let event = match picked {
            None => WorkerEvent::DialogCancelled,
            Some(handle) => {
                let name = PathBuf::from(handle.file_name());
                let bytes = handle.read().await;
                open_dropped_bytes(&bytes, &name).unwrap_or_else(|error| WorkerEvent::FileFailed {
                    op: FileOp::OpenDropped,
                    error,
                })
            }
        };
        sender.send(event);
    });
}

/// In the browser there is no blocking native dialog: saves become downloads and loads use the
/// browser's picker (both before this is reached).
#[cfg(target_arch = "wasm32")]
pub fn native_dialog(purpose: DialogPurpose) -> Result<PathBuf, Box<WorkerEvent>> {
    let message = if purpose.saves() {
        format!(
            "{}: not available in the browser yet (scenes, models, CSV, PNG frames and the \
             digits' GIF download)",
            purpose.title()
        )
    } else {
        format!(
            "{}: in the browser, drop the file on the page to load it",
            purpose.title()
        )
    };
    Err(Box::new(WorkerEvent::Notice { message }))
}

/// Runs a native (rfd) dialog for `purpose`: the chosen path, or the event to send instead
/// (cancelled, or no dialog at all: the in-app dialog takes over).
#[cfg(not(target_arch = "wasm32"))]
pub fn native_dialog(purpose: DialogPurpose) -> Result<PathBuf, Box<WorkerEvent>> {
    let dialog = rfd::FileDialog::new()
        .add_filter(purpose.kind_name(), purpose.extensions())
        .set_title(purpose.title());
    let started = web_time::Instant::now();
    let chosen = if purpose.saves() {
        dialog
            .set_file_name(purpose.default_file_name())
            .save_file()
    } else {
        dialog.pick_file()
    };
    match chosen {
        Some(path) => Ok(path),
        None if started.elapsed() < NATIVE_DIALOG_GAVE_UP => {
            Err(Box::new(WorkerEvent::NativeDialogUnavailable { purpose }))
        }
        None => Err(Box::new(WorkerEvent::DialogCancelled)),
    }
}

/// Runs one file request on the calling thread (a native dialog first, where it has no path)
/// and returns the event it ends with (the files worker, tests and tools).
pub fn run_file_request(request: FileRequest) -> WorkerEvent {
    let op = request.op();
    // In the browser a save without a path is a download.
    if cfg!(target_arch = "wasm32") && request.path().is_none() && request.purpose().saves() {
        return match download_bytes(request) {
            Ok((name, bytes)) => {
                let size = bytes.len();
                match super::platform::download(&name, bytes) {
                    Ok(()) => WorkerEvent::Saved {
                        message: format!("downloaded {name} ({size} bytes)"),
                    },
                    Err(reason) => WorkerEvent::FileFailed {
                        op,
                        error: JobError::Browser(format!("refused the download: {reason}")),
                    },
                }
            }
            Err(error) => WorkerEvent::FileFailed { op, error },
        };
    }
    let path = match request.path() {
        Some(path) => path.clone(),
        None => match native_dialog(request.purpose()) {
            Ok(path) => path,
            Err(event) => return *event,
        },
    };
    match carry_out(request, &path) {
        Ok(event) => event,
        Err(error) => WorkerEvent::FileFailed { op, error },
    }
}

/// What a save request writes, in memory, with the file name a download proposes.
pub fn download_bytes(request: FileRequest) -> Result<(String, Vec<u8>), JobError> {
    let name = request.purpose().default_file_name().to_string();
    let bytes = match request {
        FileRequest::SavePoints { points, .. } => {
            let mut out = Vec::new();
            crate::data::csv_points::write_points(&mut out, &points).map_err(|source| {
                JobError::from(crate::data::DataError::Unwritable {
                    path: name.clone(),
                    source,
                })
            })?;
            out
        }
        FileRequest::SaveModel { model, .. } => model.to_json()?.into_bytes(),
        FileRequest::SaveScene { scene, .. } => scene.to_json().into_bytes(),
        FileRequest::SavePng {
            animation,
            look,
            frame,
            ..
        } => frame_png(&animation, look, frame, &name)?,
        FileRequest::ExportDigitsGif { trajectory, .. } => {
            crate::render::image_grid::grid_gif_bytes(
                &trajectory,
                crate::render::image_grid::GridLayout::default(),
                super::wide_view_ui::GRID_GIF_FPS,
            )?
            .0
        }
        FileRequest::LoadPoints(_)
        | FileRequest::LoadPicture(_)
        | FileRequest::LoadModel(_)
        | FileRequest::OpenScene(_)
        | FileRequest::OpenDropped(_) => {
            return Err(JobError::Browser(
                "cannot download a load: pick or drop the file instead".into(),
            ));
        }
    };
    Ok((name, bytes))
}

/// Frame `frame` of `animation` drawn with `look`, as PNG bytes; errors name `destination`.
fn frame_png(
    animation: &crate::render::Animation,
    look: crate::render::LookOptions,
    frame: usize,
    destination: &str,
) -> Result<Vec<u8>, JobError> {
    let image = match animation.trajectory.frame(frame) {
        Some(shown) if shown.positions.dim() != 2 => grid_png(&animation.trajectory, frame)?,
        _ => crate::render::AnimationRenderer::new(animation, look)?.render(frame)?,
    };
    image.encode_png().map_err(|error| {
        JobError::from(crate::render::RenderError::Io {
            path: destination.to_string(),
            source: std::io::Error::other(error.to_string()),
        })
    })
}

/// Frame `frame` of a flow of 8×8 images as a grid of its first 64 images.
fn grid_png(trajectory: &Trajectory, frame: usize) -> Result<tiny_skia::Pixmap, JobError> {
    use crate::render::image_grid::{GridLayout, frame_caption, render_grid};
    let positions = crate::render::image_grid::first_images(&trajectory.frames()[frame].positions);
    let invalid =
        |reason: &str| JobError::from(crate::render::RenderError::InvalidFigure(reason.into()));
    let (width, height, grey) = render_grid(
        &positions,
        &frame_caption(trajectory, frame),
        GridLayout::default(),
    )
    .ok_or_else(|| invalid("the frame's points are not 8×8 images"))?;
    crate::render::image_grid::grey_pixmap(width, height, &grey)
        .ok_or_else(|| invalid("the grid is too large"))
}

/// Reads or writes `path` for `request`.
fn carry_out(request: FileRequest, path: &Path) -> Result<WorkerEvent, JobError> {
    let path_buf = path.to_path_buf();
    Ok(match request {
        FileRequest::LoadPoints(_) => WorkerEvent::PointsLoaded {
            label: path.display().to_string(),
            points: crate::data::csv_points::read_points(path)?,
        },
        FileRequest::SavePoints { points, .. } => {
            crate::data::csv_points::save_points(path, &points)?;
            WorkerEvent::Saved {
                message: format!("saved {} points to {}", points.len(), path.display()),
            }
        }
        FileRequest::LoadModel(_) => WorkerEvent::ModelLoaded {
            model: Box::new(TrainedModel::load(path)?),
            path: path_buf,
        },
        FileRequest::SaveModel { model, .. } => {
            model.save(path)?;
            WorkerEvent::Saved {
                message: format!("saved the model to {}", path.display()),
            }
        }
        FileRequest::SaveScene { scene, .. } => {
            scene.save(path)?;
            WorkerEvent::Saved {
                message: format!("saved the scene to {}", path.display()),
            }
        }
        FileRequest::OpenScene(_) => WorkerEvent::SceneOpened {
            scene: Box::new(crate::scene::Scene::load(path)?),
            path: path_buf,
        },
        FileRequest::OpenDropped(_) => open_dropped(path)?,
        FileRequest::LoadPicture(_) => WorkerEvent::PictureLoaded {
            mass: Box::new(crate::data::PictureMass::read(path)?),
        },
        FileRequest::SavePng {
            animation,
            look,
            frame,
            ..
        } => {
            let bytes = frame_png(&animation, look, frame, &path.display().to_string())?;
            crate::files::write_atomically(path, |out| std::io::Write::write_all(out, &bytes))
                .map_err(|source| {
                    JobError::from(crate::render::RenderError::Io {
                        path: path.display().to_string(),
                        source,
                    })
                })?;
            WorkerEvent::Saved {
                message: format!(
                    "saved frame {frame} ({} px) to {}",
                    look.size_px,
                    path.display()
                ),
            }
        }
        FileRequest::ExportDigitsGif { trajectory, .. } => {
            let frames = crate::render::image_grid::export_grid_gif(
                &trajectory,
                path,
                crate::render::image_grid::GridLayout::default(),
                super::wide_view_ui::GRID_GIF_FPS,
            )?;
            WorkerEvent::Saved {
                message: format!("wrote {frames} frames of digits to {}", path.display()),
            }
        }
    })
}

/// A dropped file, told apart by its content: a PNG, JPEG or WebP picture becomes the target,
/// JSON with `networks` is a model, JSON with a `target` a scene, anything else is read as CSV
/// points.
fn open_dropped(path: &Path) -> Result<WorkerEvent, JobError> {
    let bytes = std::fs::read(path).map_err(|source| {
        JobError::from(crate::scene::SceneError::Io {
            action: "read",
            path: path.display().to_string(),
            source,
        })
    })?;
    open_dropped_bytes(&bytes, path)
}

/// A dropped or picked file's `bytes` (from `path`, or a browser's file name), told apart by
/// their content: a picture by its first bytes, else text as [`open_dropped_text`] reads it.
pub fn open_dropped_bytes(bytes: &[u8], path: &Path) -> Result<WorkerEvent, JobError> {
    if image::guess_format(bytes).is_ok() {
        return Ok(WorkerEvent::PictureLoaded {
            mass: Box::new(crate::data::PictureMass::decode(
                bytes,
                &path.display().to_string(),
            )?),
        });
    }
    open_dropped_text(&String::from_utf8_lossy(bytes), path)
}

/// A dropped file's `text` (from `path`, or a browser's file name), told apart by its content.
pub fn open_dropped_text(text: &str, path: &Path) -> Result<WorkerEvent, JobError> {
    let json = serde_json::from_str::<serde_json::Value>(text).ok();
    let path_buf = path.to_path_buf();
    Ok(match json {
        Some(value) if value.get("networks").is_some() => WorkerEvent::ModelLoaded {
            model: Box::new(TrainedModel::from_json(text, path)?),
            path: path_buf,
        },
        Some(value) if value.get("target").is_some() || value.get("format_version").is_some() => {
            WorkerEvent::SceneOpened {
                scene: Box::new(crate::scene::Scene::from_json(text, path)?),
                path: path_buf,
            }
        }
        _ => WorkerEvent::PointsLoaded {
            label: path.display().to_string(),
            points: crate::data::csv_points::parse_points(text, &path.display().to_string())?,
        },
    })
}

/// GIF export: the dialog (unless a path is given), then one chunk of frames per step.
pub struct GifJob {
    request: GifRequest,
    sender: EventSender,
    exporter: Option<GifExporter>,
}

impl GifJob {
    /// The job for `request`, sending to `sender`.
    pub fn new(request: GifRequest, sender: EventSender) -> Self {
        Self {
            request,
            sender,
            exporter: None,
        }
    }

    /// Ok(None) while frames remain, Ok(Some(event)) at the end (saved, or dialog cancelled).
    fn advance(&mut self) -> Result<Option<WorkerEvent>, JobError> {
        let exporter = match &mut self.exporter {
            Some(exporter) => exporter,
            None => {
                let options = GifOptions {
                    look: self.request.look,
                    ..GifOptions::default()
                };
                // In the browser the GIF is made in memory and downloaded.
                if cfg!(target_arch = "wasm32") && self.request.path.is_none() {
                    let name = Path::new(DialogPurpose::ExportGif.default_file_name());
                    self.sender.send(WorkerEvent::GifProgress(0.0));
                    let exporter = GifExporter::in_memory(name, &self.request.animation, &options)?;
                    self.exporter.insert(exporter)
                } else {
                    let path = match &self.request.path {
                        Some(path) => path.clone(),
                        None => match native_dialog(DialogPurpose::ExportGif) {
                            Ok(path) => path,
                            Err(event) => return Ok(Some(*event)),
                        },
                    };
                    self.sender.send(WorkerEvent::GifProgress(0.0));
                    self.exporter.insert(GifExporter::new(
                        &path,
                        &self.request.animation,
                        &options,
                    )?)
                }
            }
        };
        let report = exporter.step()?;
        let fraction = exporter.frames_done() as f64 / exporter.total_frames().max(1) as f64;
        self.sender.send(WorkerEvent::GifProgress(fraction));
        if let (Some(report), Some(bytes)) = (&report, exporter.take_bytes()) {
            let name = report.path.display().to_string();
            return Ok(Some(match super::platform::download(&name, bytes) {
                Ok(()) => WorkerEvent::Saved {
                    message: format!(
                        "downloaded {name} ({} frames, {} KB)",
                        report.frames,
                        report.bytes / 1024
                    ),
                },
                Err(reason) => WorkerEvent::FileFailed {
                    op: FileOp::ExportGif,
                    error: JobError::Browser(format!("refused the download: {reason}")),
                },
            }));
        }
        Ok(report.map(|report| WorkerEvent::Saved {
            message: format!(
                "wrote {} frames ({} KB) to {}",
                report.frames,
                report.bytes / 1024,
                report.path.display()
            ),
        }))
    }
}

impl Job<()> for GifJob {
    fn name(&self) -> &'static str {
        "GIF export"
    }

    fn step(&mut self, _context: &mut (), _budget: Duration) -> Progress {
        match self.advance() {
            Ok(None) => Progress::Running(None),
            Ok(Some(event)) => {
                self.sender.send(event);
                Progress::Finished
            }
            Err(error) => {
                self.stop(error);
                Progress::Finished
            }
        }
    }

    fn stop(&mut self, reason: JobError) {
        // Dropping the exporter removes its temporary file; the destination is untouched.
        self.exporter = None;
        self.sender.send(WorkerEvent::FileFailed {
            op: FileOp::ExportGif,
            error: reason,
        });
    }
}

/// Runs a GIF request to the end on the calling thread (tests and tools: no dialog when the
/// request has a path) and returns the last event; `progress` sees every fraction.
pub fn export_gif_now(request: GifRequest, progress: &mut dyn FnMut(f64)) -> WorkerEvent {
    let (events_tx, events) = channel();
    let sender = EventSender::new(events_tx, Arc::new(|| {}));
    let cancel = request.cancel.clone();
    let mut runner = Runner::new(());
    runner.submit(Box::new(GifJob::new(request, sender)), cancel);
    let mut last = WorkerEvent::DialogCancelled;
    while !runner.is_idle() {
        runner.step_next(Duration::from_millis(20));
        for event in events.try_iter() {
            match event {
                WorkerEvent::GifProgress(fraction) => progress(fraction),
                other => last = other,
            }
        }
    }
    last
}
