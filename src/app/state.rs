//! Everything the app shows, as plain Rust: settings, the recorded particle flow, the learned
//! flow, the timeline, draw mode, training, readouts and messages. The UI turns input into
//! [`Command`]s for [`AppState::apply`]; the workers' [`WorkerEvent`]s go to
//! [`AppState::on_event`]; work to start is queued as [`Request`]s for the shell to take with
//! [`AppState::take_requests`]. Nothing here touches egui or runs numerics, so it is tested without a
//! window.

use super::drawing::{Brush, DrawnPoints};
use super::jobs::{
    Extent, FileOp, FileRequest, FlowRequest, GifRequest, LearnedRequest, MetricsKey,
    MetricsRequest, Request, Run, ShownFlow, TrainRequest, WorkerEvent,
};
use super::playback::{FrameSupply, Playback};
use super::time_sync::nearest_frame;
use crate::Point;
use crate::data::{Distribution, Preset, SeededRng, seeded_rng};
use crate::flow::{FlowConfig, Frame, PointCloud};
use crate::gpu::BackendNote;
use crate::job::{CancelToken, JobError};
use crate::model::{Method, TrainConfig, TrainProgress, TrainedModel};
use crate::ot::SinkhornParams;
use crate::render::{Animation, LookOptions};
use std::collections::HashMap;
use std::sync::Arc;

/// The label of a drawn target (as the brief and the model file name it).
pub const DRAWN_LABEL: &str = "drawn";
/// Exact W2 is O(n³): readouts skip it above this many particles.
pub const MAX_W2_PARTICLES: usize = 2000;
/// The most particles the app simulates.
pub const MAX_PARTICLES: usize = 20_000;
/// Cells per side of the quiver grid.
pub const GRID_CELLS: usize = 32;
/// The most network evaluations the learned flow may use.
pub const MAX_NFE: usize = 1000;
/// Seed offset of the fresh target sample that readouts compare against.
const READOUT_SEED_OFFSET: u64 = 0x5eed;

/// Which target the flows go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetChoice {
    /// A named preset.
    Preset(Preset),
    /// The drawn (or loaded) point set.
    Drawn,
}

/// Which flow the plot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowView {
    /// The empirical Sinkhorn particle flow.
    Particle,
    /// The learned NSGF / NSGF++ flow.
    Learned,
    /// Both side by side at the same time t (the timeline steps through the particle flow;
    /// the learned flow shows its frame nearest in t).
    Split,
}

/// The overlays of the plot, each toggled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overlays {
    /// Colour particles by their starting position (else one colour).
    pub colors_by_start: bool,
    /// Trails of recent positions.
    pub trails: bool,
    /// The target samples.
    pub target: bool,
    /// Velocity arrows at the particles.
    pub particle_arrows: bool,
    /// Velocity arrows on a regular grid.
    pub grid_arrows: bool,
    /// NSGF++: mark the straight phase.
    pub phase_boundary: bool,
}

impl Default for Overlays {
    fn default() -> Self {
        Self {
            colors_by_start: true,
            trails: false,
            target: true,
            particle_arrows: false,
            grid_arrows: false,
            phase_boundary: true,
        }
    }
}

/// The inputs of the particle flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowSettings {
    /// Source preset.
    pub source: Preset,
    /// Target.
    pub target: TargetChoice,
    /// Particles (and target samples).
    pub particles: usize,
    /// Seed of the samples.
    pub seed: u64,
    /// Steps, η, blur and scaling.
    pub flow: FlowConfig,
}

impl Default for FlowSettings {
    fn default() -> Self {
        Self {
            source: Preset::Gaussian,
            target: TargetChoice::Preset(Preset::Moons),
            particles: 1000,
            seed: 0,
            flow: FlowConfig {
                steps: 40,
                eta: 0.25,
                sinkhorn: SinkhornParams {
                    blur: 0.05,
                    scaling: 0.8,
                },
            },
        }
    }
}

/// The recorded particle flow of the current settings.
#[derive(Debug, Clone, Default)]
pub struct ParticleRun {
    /// Generation of the job that records it.
    pub generation: u64,
    /// Target samples it flows to (empty until sampled).
    pub target: PointCloud,
    /// The box holding source and target.
    pub extent: Option<Extent>,
    /// The frames recorded so far, their grid fields and colours.
    pub flow: ShownFlow,
    /// Whether every frame is recorded.
    pub finished: bool,
    /// Why it stopped, if it failed.
    pub failure: Option<String>,
    /// Cancels the job that records it.
    pub cancel: CancelToken,
}

/// The learned flow of the current model.
#[derive(Debug, Clone, Default)]
pub struct LearnedRun {
    /// Generation of the sampling job.
    pub generation: u64,
    /// The flow, once sampled.
    pub flow: Option<ShownFlow>,
    /// Whether a sampling job is running.
    pub computing: bool,
    /// Cancels the sampling job.
    pub cancel: CancelToken,
}

/// What a model was trained on: when the current inputs differ, the model is stale.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInputs {
    /// Source distribution.
    pub source: Distribution,
    /// Target distribution.
    pub target: Distribution,
    /// Hyperparameters.
    pub config: TrainConfig,
}

/// A training run in progress.
#[derive(Debug, Clone)]
pub struct RunningTraining {
    /// Its generation.
    pub generation: u64,
    /// Cancels the run.
    pub cancel: CancelToken,
    /// The latest progress report.
    pub progress: Option<TrainProgress>,
    /// What it trains on.
    pub inputs: ModelInputs,
}

/// Training state: hyperparameters, the run in progress, curves, and the model.
#[derive(Debug, Clone)]
pub struct Training {
    /// Hyperparameters of the next run.
    pub config: TrainConfig,
    /// The run in progress.
    pub running: Option<RunningTraining>,
    /// (iteration, loss) of the current or last run.
    pub losses: Vec<[f64; 2]>,
    /// (iteration, W2) checkpoints of the current or last run.
    pub w2_curve: Vec<[f64; 2]>,
    /// The model shown as the learned flow.
    pub model: Option<Arc<TrainedModel>>,
    /// What the model was trained on.
    pub model_inputs: Option<ModelInputs>,
    /// Whether the model no longer matches the current target or hyperparameters.
    pub stale: bool,
    /// Network evaluations for sampling (None: the model's default).
    pub nfe: Option<usize>,
}

/// A readout of one frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Readout {
    /// Being computed.
    Pending,
    /// The value.
    Value(f64),
    /// Not computed (too large, or failed): the reason.
    Unavailable(String),
}

/// S_ε and W2 of one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameReadouts {
    /// S_ε to the target.
    pub divergence: Readout,
    /// W2 to a fresh target sample.
    pub w2: Readout,
}

/// Every user action, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Pick the source preset.
    SetSource(Preset),
    /// Pick the target.
    SetTarget(TargetChoice),
    /// Set the number of particles.
    SetParticles(usize),
    /// Set the sample seed.
    SetSeed(u64),
    /// Draw fresh samples (next seed).
    NewSamples,
    /// Set the particle flow's steps, η, blur and scaling.
    SetFlowConfig(FlowConfig),
    /// Start playing.
    Play,
    /// Pause.
    Pause,
    /// Play or pause.
    TogglePlay,
    /// One frame forward.
    StepForward,
    /// One frame back.
    StepBack,
    /// Back to frame 0, paused.
    Reset,
    /// Playback speed, frames per second.
    SetSpeed(f64),
    /// Jump to a frame.
    Seek(usize),
    /// Advance the playback clock by this many seconds.
    Tick(f64),
    /// Which flow the plot shows.
    SetView(FlowView),
    /// Overlay toggles.
    SetOverlays(Overlays),
    /// Draw mode on or off.
    SetDrawMode(bool),
    /// Erase instead of paint in draw mode.
    SetEraser(bool),
    /// Brush radius and density.
    SetBrush(Brush),
    /// The pointer went down on the plot in draw mode.
    BeginStroke,
    /// A dab of the brush (or eraser) at this plot position.
    StrokeAt(Point),
    /// The pointer was released.
    EndStroke,
    /// Remove every drawn point (undoable).
    ClearDrawn,
    /// Undo the last stroke, clear or load.
    UndoDrawn,
    /// Open a CSV file as the drawn target.
    LoadPoints,
    /// Save the drawn points as CSV.
    SavePoints,
    /// Training method (resets the hyperparameters to that method's defaults).
    SetMethod(Method),
    /// Training hyperparameters.
    SetTrainConfig(TrainConfig),
    /// Start training.
    Train,
    /// Cancel training.
    CancelTraining,
    /// Save the model as JSON.
    SaveModel,
    /// Load a model from JSON (file dialog).
    LoadModel,
    /// Load the model at this path (no dialog).
    LoadModelFile(std::path::PathBuf),
    /// Network evaluations of the learned flow (None: the model's default).
    SetNfe(Option<usize>),
    /// Export the shown flow as a GIF (a file dialog asks where).
    ExportGif,
    /// Export the shown flow as a GIF to this path (no dialog).
    ExportGifTo(std::path::PathBuf),
    /// Cancel the GIF export in progress (nothing is written).
    CancelGif,
    /// Hide the error message.
    DismissError,
}

/// The whole state of the app.
pub struct AppState {
    /// Inputs of the particle flow.
    pub settings: FlowSettings,
    /// The drawn target.
    pub drawn: DrawnPoints,
    /// Whether pointer drags on the plot paint.
    pub draw_mode: bool,
    /// Whether strokes erase.
    pub eraser: bool,
    /// Brush of draw mode.
    pub brush: Brush,
    /// Which flow is shown.
    pub view: FlowView,
    /// Overlay toggles.
    pub overlays: Overlays,
    /// The timeline.
    pub playback: Playback,
    /// The particle flow.
    pub particle: ParticleRun,
    /// The learned flow.
    pub learned: LearnedRun,
    /// Training.
    pub training: Training,
    /// Which backend computes the particle flow, and why.
    pub backend_note: Option<BackendNote>,
    /// An error to show (bad file, failed flow, diverged training); the state is kept.
    pub error: Option<String>,
    /// An informational status line (saved files, cancelled dialogs).
    pub status: Option<String>,
    /// GIF export progress, while exporting.
    pub gif_progress: Option<f64>,
    gif_cancel: Option<CancelToken>,
    metrics_cancel: HashMap<Run, CancelToken>,
    readouts: HashMap<MetricsKey, FrameReadouts>,
    last_metrics_request: Option<MetricsKey>,
    drawn_changed_in_stroke: bool,
    play_when_learned_ready: bool,
    next_generation: u64,
    brush_rng: SeededRng,
    requests: Vec<Request>,
}

impl AppState {
    /// The state for `settings`, with the first particle flow queued.
    pub fn new(settings: FlowSettings) -> Self {
        let mut state = Self {
            settings,
            drawn: DrawnPoints::default(),
            draw_mode: false,
            eraser: false,
            brush: Brush::default(),
            view: FlowView::Particle,
            overlays: Overlays::default(),
            playback: Playback::default(),
            particle: ParticleRun::default(),
            learned: LearnedRun::default(),
            training: Training {
                config: TrainConfig::defaults_for(Method::Nsgf),
                running: None,
                losses: Vec::new(),
                w2_curve: Vec::new(),
                model: None,
                model_inputs: None,
                stale: false,
                nfe: None,
            },
            backend_note: None,
            error: None,
            status: None,
            gif_progress: None,
            gif_cancel: None,
            metrics_cancel: HashMap::new(),
            readouts: HashMap::new(),
            last_metrics_request: None,
            drawn_changed_in_stroke: false,
            play_when_learned_ready: false,
            next_generation: 0,
            brush_rng: seeded_rng(0xb405),
            requests: Vec::new(),
        };
        state.restart_particle_flow();
        state
    }

    /// Takes the queued requests (the shell starts their jobs on workers).
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    /// The queued requests, for inspection.
    pub fn queued_requests(&self) -> &[Request] {
        &self.requests
    }

    /// The source distribution.
    pub fn source_distribution(&self) -> Distribution {
        Distribution::Preset(self.settings.source)
    }

    /// The target distribution (the drawn points for a drawn target).
    pub fn target_distribution(&self) -> Distribution {
        match self.settings.target {
            TargetChoice::Preset(preset) => Distribution::Preset(preset),
            TargetChoice::Drawn => Distribution::Points {
                label: DRAWN_LABEL.to_string(),
                points: self.drawn.points().to_vec(),
            },
        }
    }

    /// A short name of the target for labels.
    pub fn target_label(&self) -> &'static str {
        match self.settings.target {
            TargetChoice::Preset(preset) => preset.name(),
            TargetChoice::Drawn => DRAWN_LABEL,
        }
    }

    /// Frames available for `kind` and whether more are coming.
    pub fn supply_of(&self, kind: Run) -> FrameSupply {
        match kind {
            Run::Particle => FrameSupply {
                available: self.particle.flow.trajectory.len(),
                more_coming: !self.particle.finished && self.particle.failure.is_none(),
            },
            Run::Learned => FrameSupply {
                available: self
                    .learned
                    .flow
                    .as_ref()
                    .map_or(0, |flow| flow.trajectory.len()),
                more_coming: self.learned.computing,
            },
        }
    }

    /// Frames of the timeline of the current view and whether more are coming: the frames of
    /// [`AppState::timeline_kind`].
    pub fn supply(&self) -> FrameSupply {
        self.supply_of(self.timeline_kind())
    }

    /// The flow whose frames the timeline steps through. Side by side that is the particle flow
    /// (the finer time grid, usually), or the learned flow while the particle flow has no frame;
    /// the other flow shows its frame nearest in t.
    pub fn timeline_kind(&self) -> Run {
        match self.view {
            FlowView::Particle => Run::Particle,
            FlowView::Learned => Run::Learned,
            FlowView::Split => {
                if self.particle.flow.trajectory.is_empty()
                    && !self.frames_of(Run::Learned).is_empty()
                {
                    Run::Learned
                } else {
                    Run::Particle
                }
            }
        }
    }

    /// The time t in [0, 1] at the timeline position (None before the first frame).
    pub fn shown_time(&self) -> Option<f64> {
        let kind = self.timeline_kind();
        let index = self.timeline_index(kind)?;
        self.frames_of(kind).get(index).map(|frame| frame.t)
    }

    /// The frame of `kind` at timeline `position`: the position itself for the timeline's flow;
    /// side by side, the other flow's frame nearest in t.
    pub fn frame_at_position(&self, kind: Run, position: usize) -> Option<usize> {
        let available = self.supply_of(kind).available;
        if available == 0 {
            return None;
        }
        let timeline_kind = self.timeline_kind();
        if kind == timeline_kind {
            return Some(position.min(available - 1));
        }
        let timeline_frames = self.frames_of(timeline_kind);
        let Some(frame) =
            timeline_frames.get(position.min(timeline_frames.len().saturating_sub(1)))
        else {
            return Some(position.min(available - 1));
        };
        nearest_frame(self.frames_of(kind).iter().map(|f| f.t), frame.t)
    }

    /// NSGF++: the first timeline position whose learned frame lies in the straight phase
    /// (where the timeline marks the phase boundary); None when no learned flow is shown or it
    /// has no straight phase.
    pub fn phase_boundary_position(&self) -> Option<usize> {
        if self.view == FlowView::Particle {
            return None;
        }
        let boundary = self.learned.flow.as_ref()?.trajectory.boundary_frame()?;
        (0..self.supply().available).find(|&position| {
            self.frame_at_position(Run::Learned, position)
                .is_some_and(|index| index >= boundary)
        })
    }

    /// The total frames the particle flow will have when finished.
    pub fn particle_frames_expected(&self) -> usize {
        self.settings.flow.steps + 1
    }

    /// The flows the plot shows, left to right.
    pub fn shown_kinds(&self) -> &'static [Run] {
        match self.view {
            FlowView::Particle => &[Run::Particle],
            FlowView::Learned => &[Run::Learned],
            FlowView::Split => &[Run::Particle, Run::Learned],
        }
    }

    /// The index of the frame of `kind` shown at the timeline position (see
    /// [`AppState::frame_at_position`]).
    pub fn shown_index(&self, kind: Run) -> Option<usize> {
        self.frame_at_position(kind, self.playback.position)
    }

    fn timeline_index(&self, kind: Run) -> Option<usize> {
        let available = self.supply_of(kind).available;
        (available > 0).then(|| self.playback.position.min(available - 1))
    }

    /// The NFE budget the learned flow is sampled with: the chosen one, raised to what the model
    /// needs (NSGF++ needs its flow steps + 2), or None for the model's default.
    pub fn effective_nfe(&self) -> Option<usize> {
        let nfe = self.training.nfe?;
        Some(match &self.training.model {
            Some(model) => nfe.max(model.min_nfe()),
            None => nfe,
        })
    }

    /// The frame of `kind` shown at the timeline position.
    pub fn shown_frame(&self, kind: Run) -> Option<&Frame> {
        let index = self.shown_index(kind)?;
        self.frames_of(kind).get(index)
    }

    /// The flow of `kind` as shown (frames, grid fields, colours), if it has begun.
    pub fn flow_of(&self, kind: Run) -> Option<&ShownFlow> {
        match kind {
            Run::Particle => Some(&self.particle.flow),
            Run::Learned => self.learned.flow.as_ref(),
        }
    }

    /// All frames of `kind`.
    pub fn frames_of(&self, kind: Run) -> &[Frame] {
        self.flow_of(kind)
            .map_or(&[], |flow| flow.trajectory.frames())
    }

    /// Colours by starting position of `kind`'s particles.
    pub fn colors_of(&self, kind: Run) -> Option<&Arc<Vec<[u8; 3]>>> {
        self.flow_of(kind).map(|flow| &flow.colors)
    }

    /// The box the plot shows by default.
    pub fn extent(&self) -> Extent {
        self.particle.extent.unwrap_or(Extent {
            min: [-4.0, -4.0],
            max: [4.0, 4.0],
        })
    }

    /// Readouts of the shown frame of `kind`, if requested.
    pub fn readouts(&self, kind: Run) -> Option<&FrameReadouts> {
        let key = self.metrics_key(kind)?;
        self.readouts.get(&key)
    }

    /// NSGF++: whether the shown learned frame lies in the straight phase.
    pub fn in_straight_phase(&self) -> bool {
        let Some(flow) = &self.learned.flow else {
            return false;
        };
        match (
            flow.trajectory.boundary_frame(),
            self.shown_index(Run::Learned),
        ) {
            (Some(boundary), Some(index)) => index >= boundary,
            _ => false,
        }
    }

    /// Whether any worker is busy (the UI keeps repainting while so).
    pub fn work_pending(&self) -> bool {
        self.supply_of(Run::Particle).more_coming
            || self.learned.computing
            || self.training.running.is_some()
            || self.gif_progress.is_some()
            || self
                .last_metrics_request
                .and_then(|key| self.readouts.get(&key))
                .is_some_and(|r| r.divergence == Readout::Pending || r.w2 == Readout::Pending)
    }

    /// Applies one user action.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::SetSource(preset) => {
                if self.settings.source != preset {
                    self.settings.source = preset;
                    self.inputs_changed();
                }
            }
            Command::SetTarget(choice) => {
                if self.settings.target != choice {
                    self.settings.target = choice;
                    self.inputs_changed();
                }
            }
            Command::SetParticles(n) => {
                let n = n.clamp(1, MAX_PARTICLES);
                if self.settings.particles != n {
                    self.settings.particles = n;
                    self.inputs_changed();
                }
            }
            Command::SetSeed(seed) => {
                if self.settings.seed != seed {
                    self.settings.seed = seed;
                    self.inputs_changed();
                }
            }
            Command::NewSamples => {
                self.settings.seed = self.settings.seed.wrapping_add(1);
                self.inputs_changed();
            }
            Command::SetFlowConfig(config) => {
                if self.settings.flow != config {
                    self.settings.flow = config;
                    self.restart_particle_flow();
                }
            }
            Command::Play => {
                let supply = self.supply();
                self.playback.play(supply);
            }
            Command::Pause => self.playback.pause(),
            Command::TogglePlay => {
                if self.playback.playing {
                    self.playback.pause();
                } else {
                    let supply = self.supply();
                    self.playback.play(supply);
                }
            }
            Command::StepForward => {
                self.playback.pause();
                let supply = self.supply();
                self.playback.step_forward(supply);
            }
            Command::StepBack => {
                self.playback.pause();
                self.playback.step_back();
            }
            Command::Reset => self.playback.reset(),
            Command::SetSpeed(speed) => self.playback.set_speed(speed),
            Command::Seek(position) => {
                let supply = self.supply();
                self.playback.seek(position, supply);
            }
            Command::Tick(seconds) => {
                let supply = self.supply();
                self.playback.tick(seconds, supply);
            }
            Command::SetView(view) => self.view = view,
            Command::SetOverlays(overlays) => self.overlays = overlays,
            Command::SetDrawMode(on) => {
                self.draw_mode = on;
                if on {
                    self.playback.pause();
                }
            }
            Command::SetEraser(on) => self.eraser = on,
            Command::SetBrush(brush) => {
                self.brush = Brush {
                    radius: brush.radius.clamp(0.01, 5.0),
                    density: brush.density.clamp(1, 200),
                };
            }
            Command::BeginStroke => {
                self.drawn.checkpoint();
                self.drawn_changed_in_stroke = false;
            }
            Command::StrokeAt(center) => {
                if self.eraser {
                    if self.drawn.erase(center, self.brush.radius) > 0 {
                        self.drawn_changed_in_stroke = true;
                    }
                } else {
                    self.drawn.paint(center, self.brush, &mut self.brush_rng);
                    self.drawn_changed_in_stroke = true;
                }
            }
            Command::EndStroke => {
                self.drawn.drop_unchanged_checkpoint();
                if std::mem::take(&mut self.drawn_changed_in_stroke) {
                    self.drawn_target_changed();
                }
            }
            Command::ClearDrawn => {
                self.drawn.clear();
                self.drawn_target_changed();
            }
            Command::UndoDrawn => {
                if self.drawn.undo() {
                    self.drawn_target_changed();
                }
            }
            Command::LoadPoints => self.requests.push(Request::File(FileRequest::LoadPoints)),
            Command::SavePoints => {
                if self.drawn.is_empty() {
                    self.error = Some("nothing to save: the drawn target is empty".into());
                } else {
                    self.requests.push(Request::File(FileRequest::SavePoints(
                        self.drawn.points().to_vec(),
                    )));
                }
            }
            Command::SetMethod(method) => {
                if self.training.config.method != method {
                    let seed = self.training.config.seed;
                    self.training.config = TrainConfig {
                        seed,
                        ..TrainConfig::defaults_for(method)
                    };
                    self.refresh_staleness();
                }
            }
            Command::SetTrainConfig(config) => {
                if self.training.config != config {
                    self.training.config = config;
                    self.refresh_staleness();
                }
            }
            Command::Train => self.start_training(),
            Command::CancelTraining => {
                if let Some(running) = &self.training.running {
                    running.cancel.cancel();
                    self.status = Some("cancelling training…".into());
                }
            }
            Command::SaveModel => match &self.training.model {
                Some(model) => self
                    .requests
                    .push(Request::File(FileRequest::SaveModel(Arc::clone(model)))),
                None => self.error = Some("no model to save: train or load one first".into()),
            },
            Command::LoadModel => self.requests.push(Request::File(FileRequest::LoadModel)),
            Command::LoadModelFile(path) => {
                self.requests
                    .push(Request::File(FileRequest::LoadModelFrom(path)));
            }
            Command::SetNfe(nfe) => {
                let least = self.training.model.as_ref().map_or(1, |m| m.min_nfe());
                let nfe = nfe.map(|n| n.clamp(least, MAX_NFE.max(least)));
                if self.training.nfe != nfe {
                    self.training.nfe = nfe;
                    self.resample_learned_flow();
                }
            }
            Command::ExportGif => self.export_gif(None),
            Command::ExportGifTo(path) => self.export_gif(Some(path)),
            Command::CancelGif => {
                if let Some(cancel) = &self.gif_cancel {
                    cancel.cancel();
                    self.status = Some("cancelling the GIF export…".into());
                }
            }
            Command::DismissError => self.error = None,
        }
        self.request_shown_metrics();
    }

    /// Applies one worker result; results of superseded jobs are dropped.
    pub fn on_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::BackendReady { note } => self.backend_note = Some(note),
            WorkerEvent::FlowStarted {
                generation,
                target,
                colors,
                extent,
                grid,
            } if generation == self.particle.generation => {
                self.particle.target = target;
                self.particle.flow.colors = colors;
                self.particle.flow.grid = grid;
                self.particle.extent = Some(extent);
            }
            WorkerEvent::FlowFrame {
                generation,
                frame,
                grid_field,
            } if generation == self.particle.generation => {
                self.particle.flow.trajectory.push(frame);
                self.particle.flow.grid_fields.push(grid_field);
            }
            WorkerEvent::FlowFinished { generation } if generation == self.particle.generation => {
                self.particle.finished = true;
            }
            WorkerEvent::FlowFailed { generation, error }
                if generation == self.particle.generation =>
            {
                self.error = Some(format!("particle flow stopped: {error}"));
                self.particle.failure = Some(error.to_string());
            }
            WorkerEvent::Metrics {
                key,
                divergence,
                w2,
            } => {
                let to_readout = |result: Result<f64, JobError>| match result {
                    Ok(value) => Readout::Value(value),
                    Err(error) => Readout::Unavailable(error.to_string()),
                };
                let w2 = match w2 {
                    Some(result) => to_readout(result),
                    None => Readout::Unavailable(format!("n > {MAX_W2_PARTICLES}")),
                };
                self.readouts.insert(
                    key,
                    FrameReadouts {
                        divergence: to_readout(divergence),
                        w2,
                    },
                );
            }
            WorkerEvent::MetricsSkipped { key } => self.forget_pending_readout(key),
            WorkerEvent::LearnedReady { generation, flow }
                if generation == self.learned.generation =>
            {
                self.learned.flow = Some(flow);
                self.learned.computing = false;
                if std::mem::take(&mut self.play_when_learned_ready) {
                    if self.view == FlowView::Particle {
                        self.view = FlowView::Learned;
                    }
                    self.playback.reset();
                    let supply = self.supply();
                    self.playback.play(supply);
                }
            }
            WorkerEvent::LearnedFailed { generation, error }
                if generation == self.learned.generation =>
            {
                self.learned.computing = false;
                self.play_when_learned_ready = false;
                self.error = Some(format!("sampling the learned flow failed: {error}"));
            }
            WorkerEvent::TrainProgress {
                generation,
                progress,
            } => self.on_train_progress(generation, progress),
            WorkerEvent::TrainFinished { generation, result } => {
                self.on_train_finished(generation, result);
            }
            WorkerEvent::PointsLoaded { label, points } => {
                if points.is_empty() {
                    self.error = Some(format!("{label}: holds no points; the target is kept"));
                } else {
                    self.status = Some(format!("loaded {} points from {label}", points.len()));
                    self.drawn.replace(points);
                    self.drawn_target_changed();
                }
            }
            WorkerEvent::ModelLoaded { path, model } => {
                self.status = Some(format!("loaded model {}", path.display()));
                // The model's hyperparameters become the ones shown, so only a later edit (or
                // another target) makes it stale.
                self.training.config = model.config.clone();
                self.training.model_inputs = Some(ModelInputs {
                    source: model.source.clone(),
                    target: model.target.clone(),
                    config: model.config.clone(),
                });
                self.training.losses = model
                    .log
                    .losses
                    .iter()
                    .map(|&(i, loss)| [i as f64, loss])
                    .collect();
                self.training.w2_curve = model
                    .log
                    .w2
                    .iter()
                    .map(|c| [c.iteration as f64, c.w2])
                    .collect();
                self.training.model = Some(Arc::from(model));
                self.refresh_staleness();
                self.play_when_learned_ready = true;
                self.resample_learned_flow();
            }
            WorkerEvent::Saved { message } => {
                self.end_gif_export();
                self.status = Some(message);
            }
            WorkerEvent::GifProgress(fraction) => self.gif_progress = Some(fraction),
            WorkerEvent::FileFailed { op, error } => self.on_file_failed(op, &error),
            WorkerEvent::DialogCancelled => {
                self.end_gif_export();
                self.status =
                    Some("no file chosen (dialog cancelled, or no file-dialog portal)".into());
            }
            WorkerEvent::WorkerFailed { error } => {
                self.error = Some(error.to_string());
            }
            // Results of superseded jobs.
            WorkerEvent::FlowStarted { .. }
            | WorkerEvent::FlowFrame { .. }
            | WorkerEvent::FlowFinished { .. }
            | WorkerEvent::FlowFailed { .. }
            | WorkerEvent::LearnedReady { .. }
            | WorkerEvent::LearnedFailed { .. } => {}
        }
        self.request_shown_metrics();
    }

    fn fresh_generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    /// Source, target, n or seed changed: new particle flow, new learned samples, staleness.
    fn inputs_changed(&mut self) {
        self.restart_particle_flow();
        self.resample_learned_flow();
        self.refresh_staleness();
    }

    fn drawn_target_changed(&mut self) {
        self.settings.target = TargetChoice::Drawn;
        self.inputs_changed();
    }

    /// Drops the recorded particle flow and queues a new one for the current settings.
    fn restart_particle_flow(&mut self) {
        let generation = self.fresh_generation();
        let keep_extent = self.particle.extent;
        self.particle.cancel.cancel();
        self.particle = ParticleRun {
            generation,
            extent: keep_extent,
            ..ParticleRun::default()
        };
        self.playback.position = 0;
        let target = self.target_distribution();
        if let Distribution::Points { points, .. } = &target
            && points.is_empty()
        {
            self.particle.failure = Some("the drawn target is empty".into());
            return;
        }
        self.requests.push(Request::Flow(FlowRequest {
            generation,
            source: self.source_distribution(),
            target,
            particles: self.settings.particles,
            seed: self.settings.seed,
            config: self.settings.flow,
            grid_cells: GRID_CELLS,
            cancel: self.particle.cancel.clone(),
        }));
    }

    /// Re-integrates the learned flow of the current model from fresh source samples.
    fn resample_learned_flow(&mut self) {
        let Some(model) = self.training.model.clone() else {
            return;
        };
        let generation = self.fresh_generation();
        self.learned.cancel.cancel();
        self.learned = LearnedRun {
            generation,
            flow: None,
            computing: true,
            cancel: CancelToken::new(),
        };
        let extent = self.extent();
        self.requests.push(Request::Learned(LearnedRequest {
            generation,
            model,
            particles: self.settings.particles,
            nfe: self.effective_nfe(),
            seed: self.settings.seed,
            extent,
            grid_cells: GRID_CELLS,
            cancel: self.learned.cancel.clone(),
        }));
    }

    fn current_model_inputs(&self) -> ModelInputs {
        ModelInputs {
            source: self.source_distribution(),
            target: self.target_distribution(),
            config: self.training.config.clone(),
        }
    }

    /// Recomputes whether the model matches the current inputs.
    fn refresh_staleness(&mut self) {
        self.training.stale = match &self.training.model_inputs {
            Some(inputs) => *inputs != self.current_model_inputs(),
            None => false,
        };
    }

    fn start_training(&mut self) {
        if self.training.running.is_some() {
            self.status = Some("training is already running".into());
            return;
        }
        let inputs = self.current_model_inputs();
        if let Distribution::Points { points, .. } = &inputs.target
            && points.is_empty()
        {
            self.error = Some("cannot train: the drawn target is empty".into());
            return;
        }
        let generation = self.fresh_generation();
        let cancel = CancelToken::new();
        self.training.losses.clear();
        self.training.w2_curve.clear();
        self.training.running = Some(RunningTraining {
            generation,
            cancel: cancel.clone(),
            progress: None,
            inputs: inputs.clone(),
        });
        self.status = Some("training…".into());
        self.requests.push(Request::Train(TrainRequest {
            generation,
            config: inputs.config,
            source: inputs.source,
            target: inputs.target,
            cancel,
        }));
    }

    fn on_train_progress(&mut self, generation: u64, progress: TrainProgress) {
        let Some(running) = &mut self.training.running else {
            return;
        };
        if running.generation != generation {
            return;
        }
        // Iterations over all stages, for the curves' x axis.
        let x = self.training.losses.len() as f64;
        if progress.loss.is_finite() {
            self.training.losses.push([x, progress.loss]);
        }
        if let Some(w2) = progress.w2.filter(|w2| w2.is_finite()) {
            self.training.w2_curve.push([x, w2]);
        }
        running.progress = Some(progress);
    }

    fn on_train_finished(&mut self, generation: u64, result: Result<Box<TrainedModel>, JobError>) {
        let Some(running) = &self.training.running else {
            return;
        };
        if running.generation != generation {
            return;
        }
        let inputs = running.inputs.clone();
        self.training.running = None;
        match result {
            Ok(model) => {
                self.status = Some(format!(
                    "trained {} in {:.1} s",
                    model.method.display_name(),
                    model.log.seconds
                ));
                if !model.log.w2.is_empty() {
                    self.training.w2_curve = model
                        .log
                        .w2
                        .iter()
                        .map(|c| [c.iteration as f64, c.w2])
                        .collect();
                }
                self.training.model = Some(Arc::from(model));
                self.training.model_inputs = Some(inputs);
                self.refresh_staleness();
                self.play_when_learned_ready = true;
                self.resample_learned_flow();
            }
            Err(error) if error.is_cancelled() => {
                self.status = Some("training cancelled; the previous model is kept".into());
            }
            Err(error) => {
                self.status = None;
                self.error = Some(format!("training failed: {error}"));
            }
        }
    }

    /// Queues the GIF of the shown flow: its trajectory shared, not copied, with the caption
    /// the flow's kind gives it (the same as `nsgf gif`'s).
    fn export_gif(&mut self, path: Option<std::path::PathBuf>) {
        if self.gif_cancel.is_some() {
            self.status = Some("a GIF export is already running".into());
            return;
        }
        let run = match self.view {
            FlowView::Learned => Run::Learned,
            FlowView::Particle | FlowView::Split => Run::Particle,
        };
        let Some(flow) = self.flow_of(run).filter(|flow| !flow.trajectory.is_empty()) else {
            self.error = Some("nothing to export yet: no frames recorded".into());
            return;
        };
        let title = format!(
            "{} to {}: {}",
            self.settings.source.name(),
            self.target_label(),
            flow.trajectory.kind().title()
        );
        let target = if self.overlays.target {
            self.particle.target.clone()
        } else {
            PointCloud::default()
        };
        let animation = Animation::new(title, flow.trajectory.clone(), target);
        let look = LookOptions {
            trails: if self.overlays.trails { 6 } else { 0 },
            arrows: self.overlays.particle_arrows,
            show_target: self.overlays.target,
            ..LookOptions::default()
        };
        let cancel = CancelToken::new();
        self.gif_cancel = Some(cancel.clone());
        self.gif_progress = Some(0.0);
        self.requests.push(Request::ExportGif(GifRequest {
            animation,
            look,
            path,
            cancel,
        }));
    }

    /// Whether a GIF export is running (it can be cancelled).
    pub fn gif_exporting(&self) -> bool {
        self.gif_cancel.is_some()
    }

    fn end_gif_export(&mut self) {
        self.gif_progress = None;
        self.gif_cancel = None;
    }

    fn on_file_failed(&mut self, op: FileOp, error: &JobError) {
        if op == FileOp::ExportGif {
            self.end_gif_export();
            if error.is_cancelled() {
                self.status = Some("GIF export cancelled; nothing was written".into());
                return;
            }
            self.error = Some(format!("GIF export failed: {error}"));
            return;
        }
        self.error = Some(match op {
            FileOp::LoadPoints => format!("{error}; the current target is kept"),
            _ => error.to_string(),
        });
    }

    fn metrics_key(&self, kind: Run) -> Option<MetricsKey> {
        let generation = match kind {
            Run::Particle => self.particle.generation,
            Run::Learned => self.learned.generation,
        };
        Some(MetricsKey {
            run: kind,
            generation,
            frame: self.shown_index(kind)?,
        })
    }

    /// Queues S_ε and W2 of the shown frame(s) when not yet known.
    fn request_shown_metrics(&mut self) {
        for &kind in self.shown_kinds() {
            let Some(key) = self.metrics_key(kind) else {
                continue;
            };
            if self.readouts.contains_key(&key) {
                continue;
            }
            let Some(particles) = self.shown_frame(kind).map(|frame| frame.positions.clone())
            else {
                continue;
            };
            // A newer readout of the same flow supersedes a pending one.
            let cancel = CancelToken::new();
            if let Some(previous) = self.metrics_cancel.insert(kind, cancel.clone()) {
                previous.cancel();
            }
            let job = MetricsRequest {
                key,
                particles,
                target: self.target_distribution(),
                params: self.settings.flow.sinkhorn,
                seed: self.settings.seed.wrapping_add(READOUT_SEED_OFFSET),
                cancel,
            };
            self.readouts.insert(
                key,
                FrameReadouts {
                    divergence: Readout::Pending,
                    w2: Readout::Pending,
                },
            );
            self.last_metrics_request = Some(key);
            self.requests.push(Request::Metrics(job));
        }
        // Forget readouts of superseded flows.
        if self.readouts.len() > 4096 {
            let (particle, learned) = (self.particle.generation, self.learned.generation);
            self.readouts.retain(|key, _| match key.run {
                Run::Particle => key.generation == particle,
                Run::Learned => key.generation == learned,
            });
        }
    }

    /// The metrics worker skips requests that were superseded before it got to them: this marks
    /// their readouts as not pending, so they are requested again when shown.
    fn forget_pending_readout(&mut self, key: MetricsKey) {
        if self
            .readouts
            .get(&key)
            .is_some_and(|r| r.divergence == Readout::Pending)
        {
            self.readouts.remove(&key);
        }
    }
}
