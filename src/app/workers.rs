//! The app's worker threads. Every numeric job runs here, on a named thread, never on the UI
//! thread: the particle flow, S_ε / W2 readouts, learned-flow sampling, training, file dialogs
//! and GIF export. Results go back over one channel that the UI polls each frame; every send
//! wakes the UI. Long-lived workers (flow, metrics, learned flow) always jump to the newest
//! request; a panic inside a job becomes an error message, never a dead app.

use super::field::{displacements, empirical_field, scaled};
use super::jobs::{
    Extent, FileJob, FlowJob, GifJob, Job, LearnedFrames, LearnedJob, MetricsJob, RecordedFrame,
    TrainJob, WorkerEvent,
};
use super::state::MAX_W2_PARTICLES;
use super::time_sync::learned_timeline;
use crate::data::seeded_rng;
use crate::flow::ParticleFlow;
use crate::gpu::{BackendChoice, select_backend};
use crate::model::TrainedModel;
use crate::ot::cpu::CpuBackend;
use crate::ot::{Precision, VelocityBackend};
use crate::render::{Animation, GifOptions, LookOptions, export_gif};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};

/// Called after every event is sent, to wake the UI (egui's `request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Seed offset of the target sample relative to the source sample.
const TARGET_SEED_OFFSET: u64 = 0x7a59;

/// Sends events to the UI and wakes it.
#[derive(Clone)]
pub struct EventSender {
    events: Sender<WorkerEvent>,
    waker: Waker,
}

impl EventSender {
    /// Sends `event` (dropped silently once the app has closed) and wakes the UI.
    pub fn send(&self, event: WorkerEvent) {
        if self.events.send(event).is_ok() {
            (self.waker)();
        }
    }
}

/// The worker threads and the channels to them.
pub struct Workers {
    sender: EventSender,
    events: Receiver<WorkerEvent>,
    flow_jobs: Sender<FlowJob>,
    metrics_jobs: Sender<MetricsJob>,
    learned_jobs: Sender<LearnedJob>,
}

impl Workers {
    /// Starts the long-lived workers; `waker` is called after every event.
    pub fn start(waker: Waker) -> std::io::Result<Self> {
        let (events_tx, events) = channel();
        let sender = EventSender {
            events: events_tx,
            waker,
        };
        let (flow_jobs, flow_rx) = channel();
        let (metrics_jobs, metrics_rx) = channel();
        let (learned_jobs, learned_rx) = channel();
        let flow_sender = sender.clone();
        std::thread::Builder::new()
            .name("nsgf-particle-flow".into())
            .spawn(move || flow_worker(&flow_rx, &flow_sender))?;
        let metrics_sender = sender.clone();
        std::thread::Builder::new()
            .name("nsgf-metrics".into())
            .spawn(move || metrics_worker(&metrics_rx, &metrics_sender))?;
        let learned_sender = sender.clone();
        std::thread::Builder::new()
            .name("nsgf-learned-flow".into())
            .spawn(move || learned_worker(&learned_rx, &learned_sender))?;
        Ok(Self {
            sender,
            events,
            flow_jobs,
            metrics_jobs,
            learned_jobs,
        })
    }

    /// Starts `job` on its worker; a worker that cannot start is reported as an error event.
    pub fn dispatch(&self, job: Job) {
        let delivered = match job {
            Job::Flow(job) => self.flow_jobs.send(job).is_ok(),
            Job::Metrics(job) => self.metrics_jobs.send(job).is_ok(),
            Job::Learned(job) => self.learned_jobs.send(job).is_ok(),
            Job::Train(job) => self.spawn("nsgf-train", move |sender| train_job(job, sender)),
            Job::File(job) => self.spawn("nsgf-file-dialog", move |sender| file_job(job, sender)),
            Job::ExportGif(job) => {
                self.spawn("nsgf-gif-export", move |sender| gif_job(job, sender))
            }
        };
        if !delivered {
            self.sender.send(WorkerEvent::FileFailed {
                message: "a worker thread is gone; restart the app".into(),
            });
        }
    }

    /// Every event sent since the last call.
    pub fn poll(&self) -> Vec<WorkerEvent> {
        self.events.try_iter().collect()
    }

    fn spawn(&self, name: &str, work: impl FnOnce(&EventSender) + Send + 'static) -> bool {
        let sender = self.sender.clone();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || work(&sender))
            .is_ok()
    }
}

/// The message of a caught panic.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".into()
    }
}

/// Runs `work`, turning a panic into `Err(message)`.
fn guarded<T>(work: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|payload| Err(format!("internal error: {}", panic_message(&*payload))))
}

/// The newest of `first` and everything queued behind it; `skipped` sees the others.
fn newest<T>(first: T, jobs: &Receiver<T>, mut skipped: impl FnMut(T)) -> T {
    let mut newest = first;
    while let Ok(next) = jobs.try_recv() {
        skipped(std::mem::replace(&mut newest, next));
    }
    newest
}

fn velocity_backend() -> (Box<dyn VelocityBackend>, String) {
    match guarded(|| select_backend(BackendChoice::Auto, Precision::F32).map_err(|e| e.to_string()))
    {
        Ok(selected) => (selected.backend, selected.note),
        Err(reason) => (
            Box::new(CpuBackend::new(Precision::F32)),
            format!("backend: cpu f32 ({reason})"),
        ),
    }
}

fn flow_worker(jobs: &Receiver<FlowJob>, sender: &EventSender) {
    let (mut backend, note) = velocity_backend();
    sender.send(WorkerEvent::BackendReady { note });
    let mut next_job: Option<FlowJob> = None;
    loop {
        let job = match next_job.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let job = newest(job, jobs, drop);
        let generation = job.generation;
        let outcome = guarded(|| run_flow(&job, backend.as_mut(), jobs, sender, &mut next_job));
        if let Err(message) = outcome {
            sender.send(WorkerEvent::FlowFailed {
                generation,
                message,
            });
        }
    }
}

/// Samples, then records the flow frame by frame; stops early (Ok) when a newer job arrives,
/// leaving it in `next_job`.
fn run_flow(
    job: &FlowJob,
    backend: &mut dyn VelocityBackend,
    jobs: &Receiver<FlowJob>,
    sender: &EventSender,
    next_job: &mut Option<FlowJob>,
) -> Result<(), String> {
    let generation = job.generation;
    let source = job
        .source
        .sample(job.particles, &mut seeded_rng(job.seed))
        .map_err(|e| format!("source: {e}"))?;
    let target = job
        .target
        .sample(
            job.particles,
            &mut seeded_rng(job.seed.wrapping_add(TARGET_SEED_OFFSET)),
        )
        .map_err(|e| format!("target: {e}"))?;
    let extent = Extent::around(&[&source, &target], 0.08);
    let grid = Arc::new(extent.grid(job.grid_cells));
    let bandwidth = extent.cell_size(job.grid_cells);
    let colors = Arc::new(crate::render::colors_by_start(&source));
    sender.send(WorkerEvent::FlowStarted {
        generation,
        source: Arc::new(source.clone()),
        target: Arc::new(target.clone()),
        colors,
        extent,
    });
    backend.reset_warm_start();
    let mut flow = ParticleFlow::new(source, target, job.config).map_err(|e| e.to_string())?;
    let eta = job.config.eta;
    while !flow.finished() {
        match jobs.try_recv() {
            Ok(newer) => {
                *next_job = Some(newer);
                return Ok(());
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => return Ok(()),
        }
        let frame = flow.advance(backend).map_err(|e| e.to_string())?;
        if let Some(notice) = backend.take_notice() {
            // The GPU failed and the CPU took over: the status line says so.
            sender.send(WorkerEvent::BackendReady {
                note: format!("backend: {} ({notice})", backend.name()),
            });
        }
        let moves = scaled(&frame.velocities, eta);
        let grid_moves = empirical_field(&grid, &frame.particles, &moves, bandwidth);
        sender.send(WorkerEvent::FlowFrame {
            generation,
            frame: RecordedFrame {
                step: frame.step,
                t: frame.t,
                particles: Arc::new(frame.particles),
                displacements: Arc::new(moves),
                grid_displacements: Arc::new(grid_moves),
                grid: Arc::clone(&grid),
            },
        });
    }
    let last = flow.current_frame();
    if let Some(index) = last
        .particles
        .iter()
        .position(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        return Err(format!(
            "particle {index} left the plane (non-finite position): try a smaller η"
        ));
    }
    sender.send(WorkerEvent::FlowFrame {
        generation,
        frame: RecordedFrame {
            step: last.step,
            t: last.t,
            particles: Arc::new(last.particles),
            displacements: Arc::new(Vec::new()),
            grid_displacements: Arc::new(Vec::new()),
            grid,
        },
    });
    sender.send(WorkerEvent::FlowFinished { generation });
    Ok(())
}

fn metrics_worker(jobs: &Receiver<MetricsJob>, sender: &EventSender) {
    let (mut backend, _) = velocity_backend();
    while let Ok(job) = jobs.recv() {
        let job = newest(job, jobs, |skipped| {
            sender.send(WorkerEvent::MetricsSkipped { key: skipped.key });
        });
        let target = guarded(|| {
            job.target
                .sample(job.particles.len(), &mut seeded_rng(job.seed))
                .map_err(|e| e.to_string())
        });
        let (divergence, w2) = match target {
            Ok(target) => {
                let divergence = guarded(|| {
                    backend
                        .divergence(&job.particles, &target, &job.params)
                        .map_err(|e| e.to_string())
                });
                let w2 = (target.len() <= MAX_W2_PARTICLES).then(|| {
                    guarded(|| {
                        crate::metrics::exact_w2(&job.particles, &target).map_err(|e| e.to_string())
                    })
                });
                (divergence, w2)
            }
            Err(reason) => (Err(reason.clone()), Some(Err(reason))),
        };
        sender.send(WorkerEvent::Metrics {
            key: job.key,
            divergence,
            w2,
        });
    }
}

fn learned_worker(jobs: &Receiver<LearnedJob>, sender: &EventSender) {
    while let Ok(job) = jobs.recv() {
        let job = newest(job, jobs, drop);
        let generation = job.generation;
        match guarded(|| learned_frames(&job)) {
            Ok(trajectory) => sender.send(WorkerEvent::LearnedReady {
                generation,
                trajectory,
            }),
            Err(message) => sender.send(WorkerEvent::LearnedFailed {
                generation,
                message,
            }),
        }
    }
}

/// Integrates the model and prepares every frame for drawing: its time on the one [0, 1]
/// timeline ([`learned_timeline`]), per-particle displacements to the next frame, and on the grid Δt·v_θ(·, t) in the NSGF phase (the kernel average of the
/// displacements in NSGF++'s straight phase, where v_θ does not drive the particles).
pub fn learned_frames(job: &LearnedJob) -> Result<LearnedFrames, String> {
    let trajectory = job
        .model
        .sample_trajectory(job.particles, job.nfe, job.seed)
        .map_err(|e| e.to_string())?;
    let Some(first) = trajectory.frames.first() else {
        return Err("the model returned an empty trajectory".into());
    };
    let colors = Arc::new(crate::render::colors_by_start(first));
    let grid = Arc::new(job.extent.grid(job.grid_cells));
    let bandwidth = job.extent.cell_size(job.grid_cells);
    let boundary = trajectory.phase_boundary.unwrap_or(usize::MAX);
    let count = trajectory.frames.len();
    // NSGF++'s straight phase starts at the mean predicted transition time τ̄.
    let straight_start = trajectory
        .transition_times
        .as_ref()
        .filter(|taus| !taus.is_empty())
        .map(|taus| taus.iter().sum::<f64>() / taus.len() as f64);
    let timeline = learned_timeline(&trajectory.times, trajectory.phase_boundary, straight_start);
    let mut frames = Vec::with_capacity(count);
    for (index, positions) in trajectory.frames.iter().enumerate() {
        let t = trajectory.times.get(index).copied().unwrap_or(f64::NAN);
        let (moves, grid_moves) = match trajectory.frames.get(index + 1) {
            Some(next) => {
                let moves = displacements(positions, next);
                let dt = trajectory.times.get(index + 1).copied().unwrap_or(f64::NAN) - t;
                let grid_moves = if index + 1 < boundary && dt.is_finite() && dt > 0.0 {
                    scaled(&job.model.velocity_field(&grid, t), dt)
                } else {
                    empirical_field(&grid, positions, &moves, bandwidth)
                };
                (moves, grid_moves)
            }
            None => (Vec::new(), Vec::new()),
        };
        frames.push(RecordedFrame {
            step: index,
            t: timeline.get(index).copied().unwrap_or(f64::NAN),
            particles: Arc::new(positions.clone()),
            displacements: Arc::new(moves),
            grid_displacements: Arc::new(grid_moves),
            grid: Arc::clone(&grid),
        });
    }
    Ok(LearnedFrames {
        frames,
        phase_boundary: trajectory.phase_boundary,
        nfe: trajectory.nfe,
        colors,
    })
}

fn train_job(job: TrainJob, sender: &EventSender) {
    let generation = job.generation;
    let result = guarded(|| {
        let mut report = |progress: &crate::model::TrainProgress| {
            sender.send(WorkerEvent::TrainProgress {
                generation,
                progress: progress.clone(),
            });
        };
        TrainedModel::train(
            &job.config,
            &job.source,
            &job.target,
            &job.cancel,
            &mut report,
        )
        .map(Box::new)
        .map_err(|e| e.to_string())
    });
    sender.send(WorkerEvent::TrainFinished { generation, result });
}

fn file_job(job: FileJob, sender: &EventSender) {
    let event = guarded(|| Ok(run_file_job(job)))
        .unwrap_or_else(|message| WorkerEvent::FileFailed { message });
    sender.send(event);
}

fn run_file_job(job: FileJob) -> WorkerEvent {
    let csv = || rfd::FileDialog::new().add_filter("CSV point set", &["csv", "txt"]);
    let json = || rfd::FileDialog::new().add_filter("NSGF model", &["json"]);
    match job {
        FileJob::LoadPoints => {
            let Some(path) = csv().set_title("Load target points").pick_file() else {
                return WorkerEvent::DialogCancelled;
            };
            match crate::data::csv_points::read_points(&path) {
                Ok(points) => WorkerEvent::PointsLoaded {
                    label: path.display().to_string(),
                    points,
                },
                Err(e) => WorkerEvent::FileFailed {
                    message: format!("{e}; the current target is kept"),
                },
            }
        }
        FileJob::SavePoints(points) => {
            let Some(path) = csv()
                .set_title("Save drawn points")
                .set_file_name("drawn.csv")
                .save_file()
            else {
                return WorkerEvent::DialogCancelled;
            };
            match crate::data::csv_points::save_points(&path, &points) {
                Ok(()) => WorkerEvent::Saved {
                    message: format!("saved {} points to {}", points.len(), path.display()),
                },
                Err(e) => WorkerEvent::FileFailed {
                    message: e.to_string(),
                },
            }
        }
        FileJob::LoadModel => {
            let Some(path) = json().set_title("Load model").pick_file() else {
                return WorkerEvent::DialogCancelled;
            };
            match TrainedModel::load(&path) {
                Ok(model) => WorkerEvent::ModelLoaded {
                    path,
                    model: Box::new(model),
                },
                Err(e) => WorkerEvent::FileFailed {
                    message: e.to_string(),
                },
            }
        }
        FileJob::LoadModelFrom(path) => match TrainedModel::load(&path) {
            Ok(model) => WorkerEvent::ModelLoaded {
                path,
                model: Box::new(model),
            },
            Err(e) => WorkerEvent::FileFailed {
                message: e.to_string(),
            },
        },
        FileJob::SaveModel(model) => {
            let Some(path) = json()
                .set_title("Save model")
                .set_file_name("model.json")
                .save_file()
            else {
                return WorkerEvent::DialogCancelled;
            };
            match model.save(&path) {
                Ok(()) => WorkerEvent::Saved {
                    message: format!("saved the model to {}", path.display()),
                },
                Err(e) => WorkerEvent::FileFailed {
                    message: e.to_string(),
                },
            }
        }
    }
}

fn gif_job(job: GifJob, sender: &EventSender) {
    let event = guarded(|| Ok(run_gif_job(&job, sender)))
        .unwrap_or_else(|message| WorkerEvent::FileFailed { message });
    sender.send(event);
}

/// The animation the render module draws, from the app's recorded frames.
pub fn animation_of(job: &GifJob) -> Animation {
    let arrows = if job.arrows {
        job.frames
            .iter()
            .map(|frame| frame.displacements.as_ref().clone())
            .collect()
    } else {
        Vec::new()
    };
    Animation {
        title: job.title.clone(),
        kind: job.kind.clone(),
        frames: job
            .frames
            .iter()
            .map(|frame| frame.particles.as_ref().clone())
            .collect(),
        times: job.frames.iter().map(|frame| frame.t).collect(),
        labels: Vec::new(),
        target: if job.show_target {
            job.target.as_ref().clone()
        } else {
            Vec::new()
        },
        arrows,
        phase_boundary: job.phase_boundary,
    }
}

fn run_gif_job(job: &GifJob, sender: &EventSender) -> WorkerEvent {
    let Some(path) = rfd::FileDialog::new()
        .add_filter("GIF animation", &["gif"])
        .set_title("Export GIF")
        .set_file_name(format!("{}.gif", job.kind))
        .save_file()
    else {
        return WorkerEvent::DialogCancelled;
    };
    let mut progress = |done: usize, total: usize| {
        sender.send(WorkerEvent::GifProgress(done as f64 / total.max(1) as f64));
    };
    write_gif(job, &path, &mut progress)
}

/// Writes `job`'s animation to `path` (the export after its file dialog), reporting
/// `progress(frames done, frames)`; the event says what was written or why it failed.
pub fn write_gif(
    job: &GifJob,
    path: &std::path::Path,
    progress: &mut dyn FnMut(usize, usize),
) -> WorkerEvent {
    let animation = animation_of(job);
    let options = GifOptions {
        look: LookOptions {
            trails: if job.trails { 6 } else { 0 },
            arrows: job.arrows,
            show_target: job.show_target,
            ..LookOptions::default()
        },
        ..GifOptions::default()
    };
    match export_gif(path, &animation, &options, progress, None) {
        Ok(report) => WorkerEvent::Saved {
            message: format!(
                "wrote {} frames ({} KB) to {}",
                report.frames,
                report.bytes / 1024,
                report.path.display()
            ),
        },
        Err(e) => WorkerEvent::FileFailed {
            message: format!("GIF export failed: {e}"),
        },
    }
}
