//! Everything the app shows, as plain Rust built from small owned parts, each with private
//! fields, its own commands and tests:
//! - [`inputs`]: source, target, n, seed and flow parameters ([`InputCommand`]);
//! - [`crate::app::drawing`]: the drawn target, brush and stroke ([`DrawCommand`]);
//! - [`runs`]: the particle run and the learned run, as their jobs deliver them;
//! - [`training`]: hyperparameters, the run in progress, curves, the model ([`TrainCommand`]);
//! - [`crate::app::playback`]: the timeline cursor ([`PlaybackCommand`]);
//! - [`view`]: which flow is shown and the overlays ([`ViewCommand`]);
//! - [`readouts`]: S_ε and W2 of the shown frames;
//! - [`messages`]: the status line and the GIF export in progress.
//!
//! [`AppState`] only routes: a [`Command`] goes to its part, and what the part reports changed
//! decides which flows start again; the workers' [`WorkerEvent`]s go to the run they belong
//! to; work to start is queued as [`Request`]s for the shell to take with
//! [`AppState::take_requests`]. Nothing here touches egui or runs numerics.

pub mod dialogs;
pub mod inputs;
pub mod meanfield;
pub mod messages;
pub mod readouts;
pub mod runs;
pub mod shapes;
pub mod training;
pub mod view;

pub use super::drawing::DrawCommand;
pub use super::playback::PlaybackCommand;
pub use dialogs::{DialogKind, DialogPurpose};
pub use inputs::{FlowSettings, InputCommand, MAX_PARTICLES, SourceChoice, TargetChoice};
pub use meanfield::{MeanfieldCommand, MeanfieldPanel};
pub use readouts::{FrameReadouts, MAX_W2_PARTICLES, Readout};
pub use shapes::{ShapeCommand, Shapes};
pub use training::{MAX_NFE, ModelInputs, RunningTraining, TrainCommand};
pub use view::{FlowView, Overlays, ViewCommand, WideView};

use super::drawing::Drawing;
use super::jobs::{
    Extent, FileOp, FileRequest, FlowRequest, GifRequest, LearnedRequest, MeanfieldRequest,
    MetricsKey, Request, Run, ShownFlow, TrainRequest, WorkerEvent,
};
use super::playback::{FrameSupply, Playback};
use super::time_sync::nearest_frame;
use crate::data::Distribution;
use crate::flow::{Frame, PointCloud, Trajectory};
use crate::job::JobError;
use crate::model::{TrainProgress, TrainedModel};
use crate::render::{Animation, LookOptions, SIZE_RANGE};
use crate::scene::{SCENE_FORMAT_VERSION, Scene, SceneTarget};
use dialogs::Dialogs;
use inputs::InputChange;
use messages::{GifExport, Messages};
use readouts::Readouts;
use runs::{LearnedRun, ParticleRun};
use std::path::PathBuf;
use std::sync::Arc;
use training::{TrainEffect, Training};
use view::ViewSettings;

/// The label of a drawn target (as the brief and the model file name it).
pub const DRAWN_LABEL: &str = "drawn";
/// Cells per side of the quiver grid.
pub const GRID_CELLS: usize = 32;
/// Seed offset of the fresh target sample that readouts compare against.
const READOUT_SEED_OFFSET: u64 = 0x5eed;

/// What the user does with files. The commands without a path ask for one with a file dialog
/// (native, or the in-app one: [`dialogs`]); the in-app dialog answers with the `…To`/`…From`
/// command of its purpose.
#[derive(Debug, Clone, PartialEq)]
pub enum FileCommand {
    /// Open a CSV file as the drawn target.
    LoadPoints,
    /// Open the CSV file at this path as the drawn target.
    LoadPointsFrom(PathBuf),
    /// Open a picture as the target (file dialog).
    LoadPicture,
    /// Open the picture at this path as the target.
    LoadPictureFrom(PathBuf),
    /// Save the drawn points as CSV.
    SavePoints,
    /// Save the drawn points to this path.
    SavePointsTo(PathBuf),
    /// Save the model as JSON.
    SaveModel,
    /// Save the model to this path.
    SaveModelTo(PathBuf),
    /// Load a model from JSON (file dialog).
    LoadModel,
    /// Load the model at this path (no dialog).
    LoadModelFile(PathBuf),
    /// Export the shown flow as a GIF (a file dialog asks where).
    ExportGif,
    /// Export the shown flow as a GIF to this path (no dialog).
    ExportGifTo(PathBuf),
    /// Cancel the GIF export in progress (nothing is written).
    CancelGif,
    /// Save the shown frame as a PNG image (a file dialog asks where).
    SavePng,
    /// Save the shown frame as a PNG image to this path.
    SavePngTo(PathBuf),
    /// The side in pixels of saved PNG frames (clamped to 64..=2048).
    SetPngSize(u32),
    /// Save the whole setup as a scene file (a file dialog asks where).
    SaveScene,
    /// Save the scene to this path (no dialog).
    SaveSceneTo(PathBuf),
    /// Open a scene file (file dialog).
    OpenScene,
    /// Open the scene at this path (no dialog).
    OpenSceneFrom(PathBuf),
    /// A file dropped on the window: a CSV becomes the drawn target, a model loads, a scene
    /// opens.
    OpenDropped(PathBuf),
    /// Which file dialog asks for paths.
    SetDialogKind(DialogKind),
    /// The in-app dialog was cancelled.
    DialogCancelled,
    /// Export the shown flow of more than two dimensions as a grid GIF (a file dialog asks
    /// where).
    ExportDigitsGif,
    /// Export the shown flow of more than two dimensions as a grid GIF to this path.
    ExportDigitsGifTo(PathBuf),
}

impl DialogPurpose {
    /// The command that carries out this purpose on `path` (the in-app dialog's answer).
    pub fn command(self, path: PathBuf) -> FileCommand {
        match self {
            Self::LoadPoints => FileCommand::LoadPointsFrom(path),
            Self::LoadPicture => FileCommand::LoadPictureFrom(path),
            Self::SavePoints => FileCommand::SavePointsTo(path),
            Self::LoadModel => FileCommand::LoadModelFile(path),
            Self::SaveModel => FileCommand::SaveModelTo(path),
            Self::ExportGif => FileCommand::ExportGifTo(path),
            Self::SavePng => FileCommand::SavePngTo(path),
            Self::SaveScene => FileCommand::SaveSceneTo(path),
            Self::OpenScene => FileCommand::OpenSceneFrom(path),
            Self::ExportDigitsGif => FileCommand::ExportDigitsGifTo(path),
        }
    }
}

/// Every user action, as data: each part's own commands.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// The flow's inputs.
    Input(InputCommand),
    /// Draw mode.
    Draw(DrawCommand),
    /// The timeline.
    Playback(PlaybackCommand),
    /// The view and overlays.
    View(ViewCommand),
    /// Training and the learned flow's NFE.
    Train(TrainCommand),
    /// Files and exports.
    File(FileCommand),
    /// The mean-field panel.
    Meanfield(MeanfieldCommand),
    /// Pictures and words as source or target.
    Shape(ShapeCommand),
    /// Show a message in the status line.
    Say(String),
    /// Show an error in the status line.
    Fail(String),
    /// Hide the error message.
    DismissError,
}

macro_rules! command_from {
    ($($part:ident => $variant:ident),* $(,)?) => {
        $(impl From<$part> for Command {
            fn from(command: $part) -> Self {
                Command::$variant(command)
            }
        })*
    };
}

command_from!(
    InputCommand => Input,
    MeanfieldCommand => Meanfield,
    DrawCommand => Draw,
    PlaybackCommand => Playback,
    ViewCommand => View,
    TrainCommand => Train,
    FileCommand => File,
    ShapeCommand => Shape,
);

/// The whole state of the app.
pub struct AppState {
    settings: FlowSettings,
    drawing: Drawing,
    shapes: Shapes,
    view: ViewSettings,
    playback: Playback,
    particle: ParticleRun,
    learned: LearnedRun,
    training: Training,
    readouts: Readouts,
    messages: Messages,
    gif: GifExport,
    play_when_learned_ready: bool,
    /// The file the shown model was loaded from (a scene refers to it).
    model_path: Option<PathBuf>,
    dialogs: Dialogs,
    png_size: u32,
    meanfield: MeanfieldPanel,
    next_generation: u64,
    requests: Vec<Request>,
}

impl AppState {
    /// The state for `settings`, with the first particle flow queued.
    pub fn new(settings: FlowSettings) -> Self {
        let mut state = Self {
            settings,
            drawing: Drawing::default(),
            shapes: Shapes::default(),
            view: ViewSettings::default(),
            playback: Playback::default(),
            particle: ParticleRun::default(),
            learned: LearnedRun::default(),
            training: Training::default(),
            readouts: Readouts::default(),
            messages: Messages::default(),
            gif: GifExport::default(),
            play_when_learned_ready: false,
            model_path: None,
            dialogs: Dialogs::default(),
            png_size: 960,
            meanfield: MeanfieldPanel::default(),
            next_generation: 0,
            requests: Vec::new(),
        };
        state.training.set_dimension(state.dimension());
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

    /// The inputs of the particle flow.
    pub fn settings(&self) -> &FlowSettings {
        &self.settings
    }

    /// Draw mode, the drawn target and the brush.
    pub fn drawing(&self) -> &Drawing {
        &self.drawing
    }

    /// Which flow is shown.
    pub fn view(&self) -> FlowView {
        self.view.view()
    }

    /// How a flow of more than two dimensions is drawn.
    pub fn wide_view(&self) -> WideView {
        self.view.wide_view()
    }

    /// The overlay toggles.
    pub fn overlays(&self) -> Overlays {
        self.view.overlays()
    }

    /// The timeline.
    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    /// The particle flow.
    pub fn particle(&self) -> &ParticleRun {
        &self.particle
    }

    /// The learned flow.
    pub fn learned(&self) -> &LearnedRun {
        &self.learned
    }

    /// Training.
    pub fn training(&self) -> &Training {
        &self.training
    }

    /// The status line: backend, error, message.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// Shows `error` in the status line.
    pub fn report_error(&mut self, error: &str) {
        self.messages.fail(error.to_string());
    }

    /// The error shown, if any.
    pub fn error(&self) -> Option<&str> {
        self.messages.error()
    }

    /// The status message, if any.
    pub fn status(&self) -> Option<&str> {
        self.messages.status()
    }

    /// GIF export progress in [0, 1], while exporting.
    pub fn gif_progress(&self) -> Option<f64> {
        self.gif.progress()
    }

    /// Whether a GIF export is running (it can be cancelled).
    pub fn gif_exporting(&self) -> bool {
        self.gif.running()
    }

    /// The source distribution: the source preset, or N(0, I) in the target's dimension when
    /// that is not 2.
    pub fn source_distribution(&self) -> Distribution {
        match (
            self.settings.target,
            self.settings.source,
            self.shapes.source(),
        ) {
            (TargetChoice::Digits, _, _) => Distribution::StandardNormal {
                dim: crate::data::digits::DIM,
            },
            (_, SourceChoice::Shape, Some(shape)) => shape.clone(),
            (_, SourceChoice::Preset(preset), _) => Distribution::Preset(preset),
            // `Shape` is only chosen together with a shape.
            (_, SourceChoice::Shape, None) => Distribution::Preset(crate::data::Preset::Gaussian),
        }
    }

    /// The dimension of the flows' points (2, or 64 for the digits).
    pub fn dimension(&self) -> usize {
        match self.settings.target {
            TargetChoice::Digits => crate::data::digits::DIM,
            _ => 2,
        }
    }

    /// The target distribution (the drawn points for a drawn target).
    pub fn target_distribution(&self) -> Distribution {
        match self.settings.target {
            TargetChoice::Preset(preset) => Distribution::Preset(preset),
            TargetChoice::Drawn => Distribution::Points {
                label: DRAWN_LABEL.to_string(),
                points: self.drawing.drawn().points().to_vec(),
            },
            TargetChoice::Digits => Distribution::Digits,
            TargetChoice::Shape => self
                .shapes
                .target()
                .cloned()
                .unwrap_or(Distribution::Points {
                    label: DRAWN_LABEL.to_string(),
                    points: Vec::new(),
                }),
        }
    }

    /// A short name of the source for labels.
    pub fn source_label(&self) -> String {
        self.source_distribution().label()
    }

    /// A short name of the target for labels.
    pub fn target_label(&self) -> String {
        match self.settings.target {
            TargetChoice::Preset(preset) => preset.name().to_string(),
            TargetChoice::Drawn => DRAWN_LABEL.to_string(),
            TargetChoice::Digits => "digits".to_string(),
            TargetChoice::Shape => self
                .shapes
                .target()
                .map_or_else(|| DRAWN_LABEL.to_string(), Distribution::label),
        }
    }

    /// The pictures and words of the data-source menu.
    pub fn shapes(&self) -> &Shapes {
        &self.shapes
    }

    /// Frames available for `run` and whether more are coming.
    pub fn supply_of(&self, run: Run) -> FrameSupply {
        match run {
            Run::Particle => FrameSupply {
                available: self.particle.flow().trajectory.len(),
                more_coming: self.particle.more_coming(),
            },
            Run::Learned => FrameSupply {
                available: self.frames_of(Run::Learned).len(),
                more_coming: self.learned.computing(),
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
        match self.view() {
            FlowView::Particle => Run::Particle,
            FlowView::Learned => Run::Learned,
            FlowView::Split => {
                if self.frames_of(Run::Particle).is_empty()
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
        let run = self.timeline_kind();
        let index = self.timeline_index(run)?;
        self.frames_of(run).get(index).map(|frame| frame.t)
    }

    /// The frame of `run` at timeline `position`: the position itself for the timeline's flow;
    /// side by side, the other flow's frame nearest in t.
    pub fn frame_at_position(&self, run: Run, position: usize) -> Option<usize> {
        let available = self.supply_of(run).available;
        if available == 0 {
            return None;
        }
        let timeline_run = self.timeline_kind();
        if run == timeline_run {
            return Some(position.min(available - 1));
        }
        let timeline_frames = self.frames_of(timeline_run);
        let Some(frame) =
            timeline_frames.get(position.min(timeline_frames.len().saturating_sub(1)))
        else {
            return Some(position.min(available - 1));
        };
        nearest_frame(self.frames_of(run).iter().map(|f| f.t), frame.t)
    }

    /// NSGF++: the first timeline position whose learned frame lies in the straight phase
    /// (where the timeline marks the phase boundary); None when no learned flow is shown or it
    /// has no straight phase.
    pub fn phase_boundary_position(&self) -> Option<usize> {
        if self.view() == FlowView::Particle {
            return None;
        }
        let boundary = self.learned.flow()?.trajectory.boundary_frame()?;
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
        match self.view() {
            FlowView::Particle => &[Run::Particle],
            FlowView::Learned => &[Run::Learned],
            FlowView::Split => &[Run::Particle, Run::Learned],
        }
    }

    /// The index of the frame of `run` shown at the timeline position (see
    /// [`AppState::frame_at_position`]).
    pub fn shown_index(&self, run: Run) -> Option<usize> {
        self.frame_at_position(run, self.playback.position())
    }

    fn timeline_index(&self, run: Run) -> Option<usize> {
        let available = self.supply_of(run).available;
        (available > 0).then(|| self.playback.position().min(available - 1))
    }

    /// The NFE budget the learned flow is sampled with (see [`Training::effective_nfe`]).
    pub fn effective_nfe(&self) -> Option<usize> {
        self.training.effective_nfe()
    }

    /// The frame of `run` shown at the timeline position.
    pub fn shown_frame(&self, run: Run) -> Option<&Frame> {
        let index = self.shown_index(run)?;
        self.frames_of(run).get(index)
    }

    /// The flow of `run` as shown (frames, grid fields, colours), if it has begun.
    pub fn flow_of(&self, run: Run) -> Option<&ShownFlow> {
        match run {
            Run::Particle => Some(self.particle.flow()),
            Run::Learned => self.learned.flow(),
        }
    }

    /// All frames of `run`.
    pub fn frames_of(&self, run: Run) -> &[Frame] {
        self.flow_of(run)
            .map_or(&[], |flow| flow.trajectory.frames())
    }

    /// Colours by starting position of `run`'s particles.
    pub fn colors_of(&self, run: Run) -> Option<&Arc<Vec<[u8; 3]>>> {
        self.flow_of(run).map(|flow| &flow.colors)
    }

    /// The box the plot shows by default.
    pub fn extent(&self) -> Extent {
        self.particle.extent().unwrap_or(Extent {
            min: [-4.0, -4.0],
            max: [4.0, 4.0],
        })
    }

    /// Readouts of the shown frame of `run`, if requested.
    pub fn readouts(&self, run: Run) -> Option<&FrameReadouts> {
        let key = self.metrics_key(run)?;
        self.readouts.get(&key)
    }

    /// NSGF++: whether the shown learned frame lies in the straight phase.
    pub fn in_straight_phase(&self) -> bool {
        let Some(flow) = self.learned.flow() else {
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
        self.particle.more_coming()
            || self.learned.computing()
            || self.training.running().is_some()
            || self.gif.running()
            || self.readouts.pending()
    }

    /// The mean-field panel.
    pub fn meanfield(&self) -> &MeanfieldPanel {
        &self.meanfield
    }

    /// Queues a mean-field study of the current source, target and blur.
    fn start_meanfield(&mut self) {
        if self.settings.target == TargetChoice::Drawn && self.drawing.drawn().points().is_empty() {
            self.messages
                .fail("the drawn target is empty: draw or load points first");
            return;
        }
        let target = self.target_distribution();
        let generation = self.fresh_generation();
        let cancel = self.meanfield.start(generation);
        self.requests.push(Request::Meanfield(MeanfieldRequest {
            generation,
            config: crate::meanfield::MeanfieldConfig {
                source: self.source_distribution(),
                target,
                sizes: meanfield::APP_SIZES.to_vec(),
                seeds: meanfield::APP_SEEDS,
                grid: meanfield::APP_GRID,
                params: self.settings.flow.sinkhorn,
            },
            cancel,
        }));
    }

    /// Applies one user action: routes it to its part, then acts on what the part reports.
    pub fn apply(&mut self, command: impl Into<Command>) {
        match command.into() {
            Command::Input(command) => match self.settings.apply(command) {
                InputChange::None => {}
                InputChange::Samples => self.inputs_changed(),
                InputChange::FlowParameters => self.restart_particle_flow(),
            },
            Command::Draw(command) => {
                if command == DrawCommand::SetDrawMode(true) {
                    self.playback.pause();
                }
                if self.drawing.apply(command) {
                    self.drawn_target_changed();
                }
            }
            Command::Playback(command) => {
                let supply = self.supply();
                self.playback.apply(command, supply);
            }
            Command::View(command) => self.view.apply(command),
            Command::Train(command) => match self.training.apply(command) {
                TrainEffect::None => {}
                TrainEffect::ConfigChanged => self.refresh_staleness(),
                TrainEffect::Start => self.start_training(),
                TrainEffect::Cancelling => self.messages.say("cancelling training…"),
                TrainEffect::NfeChanged => self.resample_learned_flow(),
            },
            Command::File(command) => self.apply_file(command),
            Command::Meanfield(command) => {
                if self.meanfield.apply(command) == meanfield::MeanfieldEffect::Start {
                    self.start_meanfield();
                }
            }
            Command::Shape(command) => self.apply_shape(command),
            Command::Say(message) => self.messages.say(message),
            Command::Fail(error) => self.messages.fail(error),
            Command::DismissError => self.messages.dismiss_error(),
        }
        self.request_shown_metrics();
    }

    fn apply_file(&mut self, command: FileCommand) {
        match command {
            FileCommand::LoadPoints => self.ask_path(DialogPurpose::LoadPoints),
            FileCommand::LoadPicture => self.ask_path(DialogPurpose::LoadPicture),
            FileCommand::LoadPictureFrom(path) => {
                self.file_request(FileRequest::LoadPicture(Some(path)));
            }
            FileCommand::LoadPointsFrom(path) => {
                self.file_request(FileRequest::LoadPoints(Some(path)));
            }
            FileCommand::SavePoints | FileCommand::SavePointsTo(_)
                if self.drawing.drawn().is_empty() =>
            {
                self.messages
                    .fail("nothing to save: the drawn target is empty");
            }
            FileCommand::SavePoints => self.ask_path(DialogPurpose::SavePoints),
            FileCommand::SavePointsTo(path) => {
                let points = self.drawing.drawn().points().to_vec();
                self.file_request(FileRequest::SavePoints {
                    points,
                    path: Some(path),
                });
            }
            FileCommand::SaveModel | FileCommand::SaveModelTo(_)
                if self.training.model().is_none() =>
            {
                self.messages
                    .fail("no model to save: train or load one first");
            }
            FileCommand::SaveModel => self.ask_path(DialogPurpose::SaveModel),
            FileCommand::SaveModelTo(path) => {
                if let Some(model) = self.training.model() {
                    let model = Arc::clone(model);
                    self.file_request(FileRequest::SaveModel {
                        model,
                        path: Some(path),
                    });
                }
            }
            FileCommand::LoadModel => self.ask_path(DialogPurpose::LoadModel),
            FileCommand::LoadModelFile(path) => {
                self.file_request(FileRequest::LoadModel(Some(path)));
            }
            FileCommand::ExportGif => {
                if self.gif.running() {
                    self.messages.say("a GIF export is already running");
                } else {
                    self.ask_path(DialogPurpose::ExportGif);
                }
            }
            FileCommand::ExportGifTo(path) => self.export_gif(Some(path)),
            FileCommand::SavePng => {
                if self.shown_animation().is_some() {
                    self.ask_path(DialogPurpose::SavePng);
                } else {
                    self.messages
                        .fail("nothing to save yet: no frames recorded");
                }
            }
            FileCommand::SavePngTo(path) => self.save_png(Some(path)),
            FileCommand::SetPngSize(size) => {
                self.png_size = size.clamp(*SIZE_RANGE.start(), *SIZE_RANGE.end());
            }
            FileCommand::CancelGif => {
                if self.gif.cancel() {
                    self.messages.say("cancelling the GIF export…");
                }
            }
            FileCommand::SaveScene | FileCommand::SaveSceneTo(_)
                if matches!(self.settings.target, TargetChoice::Drawn)
                    && self.drawing.drawn().is_empty() =>
            {
                self.messages
                    .fail("nothing to save: the drawn target is empty");
            }
            FileCommand::SaveScene => self.ask_path(DialogPurpose::SaveScene),
            FileCommand::SaveSceneTo(path) => {
                let scene = Box::new(self.scene());
                self.file_request(FileRequest::SaveScene {
                    scene,
                    path: Some(path),
                });
            }
            FileCommand::OpenScene => self.ask_path(DialogPurpose::OpenScene),
            FileCommand::OpenSceneFrom(path) => {
                self.file_request(FileRequest::OpenScene(Some(path)));
            }
            FileCommand::OpenDropped(path) => self.file_request(FileRequest::OpenDropped(path)),
            FileCommand::ExportDigitsGif => {
                if self.wide_gif_trajectory().is_some() {
                    self.ask_path(DialogPurpose::ExportDigitsGif);
                } else {
                    self.messages
                        .fail("nothing to export yet: no frames of 8×8 images");
                }
            }
            FileCommand::ExportDigitsGifTo(path) => {
                if let Some(trajectory) = self.wide_gif_trajectory() {
                    self.file_request(FileRequest::ExportDigitsGif {
                        trajectory,
                        path: Some(path),
                    });
                }
            }
            FileCommand::SetDialogKind(kind) => self.dialogs.set_kind(kind),
            FileCommand::DialogCancelled => {
                if self.dialogs.close().is_some() {
                    self.messages.say("no file chosen");
                }
            }
        }
    }

    /// Asks for a path for `purpose`: the in-app dialog opens, or the native one runs on the
    /// files worker (a request without a path).
    fn ask_path(&mut self, purpose: DialogPurpose) {
        if self.dialogs.kind() == DialogKind::InApp {
            self.dialogs.ask(purpose);
            return;
        }
        let request = match purpose {
            DialogPurpose::LoadPoints => FileRequest::LoadPoints(None),
            DialogPurpose::LoadPicture => FileRequest::LoadPicture(None),
            DialogPurpose::SavePoints => FileRequest::SavePoints {
                points: self.drawing.drawn().points().to_vec(),
                path: None,
            },
            DialogPurpose::LoadModel => FileRequest::LoadModel(None),
            DialogPurpose::SaveModel => match self.training.model() {
                Some(model) => FileRequest::SaveModel {
                    model: Arc::clone(model),
                    path: None,
                },
                None => return,
            },
            DialogPurpose::ExportGif => return self.export_gif(None),
            DialogPurpose::SavePng => return self.save_png(None),
            DialogPurpose::SaveScene => FileRequest::SaveScene {
                scene: Box::new(self.scene()),
                path: None,
            },
            DialogPurpose::OpenScene => FileRequest::OpenScene(None),
            DialogPurpose::ExportDigitsGif => match self.wide_gif_trajectory() {
                Some(trajectory) => FileRequest::ExportDigitsGif {
                    trajectory,
                    path: None,
                },
                None => return,
            },
        };
        self.file_request(request);
    }

    /// Queues `request` for the files worker; a path chosen in the in-app dialog closes it.
    fn file_request(&mut self, request: FileRequest) {
        if let Some(path) = request.path() {
            self.dialogs.chose(path);
            self.dialogs.close();
        }
        self.requests.push(Request::File(request));
    }

    /// The in-app dialog to show, if one is asked for.
    pub fn pending_dialog(&self) -> Option<DialogPurpose> {
        self.dialogs.pending()
    }

    /// The folder the in-app dialog opens in (the last chosen one).
    pub fn dialog_folder(&self) -> Option<&PathBuf> {
        self.dialogs.folder()
    }

    /// The whole setup as a scene: inputs (the drawn points themselves when the target is
    /// drawn), flow and training parameters, overlays, and the model's file when it came from
    /// one.
    pub fn scene(&self) -> Scene {
        let target = match self.settings.target {
            TargetChoice::Preset(name) => SceneTarget::Preset { name },
            TargetChoice::Drawn => SceneTarget::Points {
                label: DRAWN_LABEL.to_string(),
                points: self.drawing.drawn().points().to_vec(),
            },
            TargetChoice::Digits => SceneTarget::Digits,
            TargetChoice::Shape => SceneTarget::from_distribution(&self.target_distribution()),
        };
        Scene {
            format_version: SCENE_FORMAT_VERSION,
            title: format!("{} to {}", self.source_label(), self.target_label()),
            source: SceneTarget::from_distribution(&self.source_distribution()),
            target,
            particles: self.settings.particles,
            seed: self.settings.seed,
            flow: self.settings.flow,
            solver: self.settings.solver,
            training: self.training.config().clone(),
            overlays: self.overlays(),
            model: self.model_path.clone(),
        }
    }

    /// Takes `scene` (opened from `path`) as the whole setup: inputs, parameters and overlays,
    /// then the flows start again and its model, if it names one, loads.
    pub fn open_scene(&mut self, scene: Scene, path: &std::path::Path) {
        let particles = scene.particles.clamp(1, MAX_PARTICLES);
        // A scene is checked when read: its word renders and its picture has mass.
        let shape = |part: &SceneTarget| part.distribution().ok();
        match &scene.source {
            SceneTarget::Preset { name } => self.settings.source = SourceChoice::Preset(*name),
            // The source of a d-dimensional target follows from the target.
            SceneTarget::StandardNormal { .. } | SceneTarget::Digits | SceneTarget::Rows { .. } => {
            }
            other => {
                if let Some(source) = shape(other) {
                    self.shapes.set_source(source);
                    self.settings.source = SourceChoice::Shape;
                }
            }
        }
        self.settings.particles = particles;
        self.settings.seed = scene.seed;
        self.settings.flow = scene.flow;
        self.settings.solver = scene.solver;
        match &scene.target {
            SceneTarget::Preset { name } => self.settings.target = TargetChoice::Preset(*name),
            SceneTarget::Points { points, .. } => {
                self.drawing.load(points.clone());
                self.settings.target = TargetChoice::Drawn;
            }
            SceneTarget::Digits => self.settings.target = TargetChoice::Digits,
            other @ (SceneTarget::Word { .. } | SceneTarget::Picture { .. }) => {
                if let Some(target) = shape(other) {
                    self.shapes.set_target(target);
                    self.settings.target = TargetChoice::Shape;
                }
            }
            // Targets the app does not offer (a file of another width, the normal).
            SceneTarget::StandardNormal { .. } | SceneTarget::Rows { .. } => {
                self.messages
                    .fail("this scene's target is not one the app shows: opened its preset");
            }
        }
        self.training.set_dimension(self.dimension());
        let _ = self
            .training
            .apply(TrainCommand::SetTrainConfig(scene.training.clone()));
        self.view.apply(ViewCommand::SetOverlays(scene.overlays));
        self.inputs_changed();
        let title = if scene.title.is_empty() {
            path.display().to_string()
        } else {
            scene.title.clone()
        };
        if particles == scene.particles {
            self.messages.say(format!("opened scene: {title}"));
        } else {
            self.messages.say(format!(
                "opened scene: {title} ({} particles lowered to the app's {MAX_PARTICLES})",
                scene.particles
            ));
        }
        if let Some(model) = scene.model_path(path) {
            self.requests
                .push(Request::File(FileRequest::LoadModel(Some(model))));
        }
    }

    /// Applies one worker result; results of superseded jobs are dropped.
    pub fn on_event(&mut self, event: WorkerEvent) {
        let particle = self.particle.generation();
        let learned = self.learned.generation();
        match event {
            WorkerEvent::BackendReady { note } => self.messages.set_backend(note),
            WorkerEvent::FlowStarted {
                generation,
                target,
                colors,
                extent,
                grid,
                projection,
            } if generation == particle => {
                self.particle
                    .started(target, colors, extent, grid, projection);
            }
            WorkerEvent::FlowFrame {
                generation,
                frame,
                grid_field,
            } if generation == particle => self.particle.push(frame, grid_field),
            WorkerEvent::FlowFinished { generation } if generation == particle => {
                self.particle.finish();
            }
            WorkerEvent::FlowFailed { generation, error } if generation == particle => {
                self.messages
                    .fail(format!("particle flow stopped: {}", error.describe()));
                self.particle.fail(&error);
            }
            WorkerEvent::Metrics {
                key,
                divergence,
                w2,
            } => self.readouts.record(key, divergence, w2),
            WorkerEvent::MetricsSkipped { key } => self.readouts.skipped(key),
            WorkerEvent::LearnedReady { generation, flow } if generation == learned => {
                self.learned.ready(flow);
                if std::mem::take(&mut self.play_when_learned_ready) {
                    self.view.reveal_learned();
                    self.playback.reset();
                    let supply = self.supply();
                    self.playback.play(supply);
                }
            }
            WorkerEvent::LearnedFailed { generation, error } if generation == learned => {
                self.learned.failed();
                self.play_when_learned_ready = false;
                self.messages.fail(format!(
                    "sampling the learned flow failed: {}",
                    error.describe()
                ));
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
                    self.messages
                        .fail(format!("{label}: holds no points; the target is kept"));
                } else {
                    self.messages
                        .say(format!("loaded {} points from {label}", points.len()));
                    self.drawing.load(points);
                    self.drawn_target_changed();
                }
            }
            WorkerEvent::SceneOpened { path, scene } => self.open_scene(*scene, &path),
            WorkerEvent::PictureLoaded { mass } => {
                let label = mass.label.clone();
                match self.shapes.set_picture(*mass) {
                    Ok(()) => {
                        self.messages.say(format!("opened the picture {label}"));
                        self.settings.target = TargetChoice::Shape;
                        self.inputs_changed();
                    }
                    Err(error) => self
                        .messages
                        .fail(format!("{error}; the current target is kept")),
                }
            }
            WorkerEvent::ModelLoaded { path, model } => {
                self.messages
                    .say(format!("loaded model {}", path.display()));
                self.model_path = Some(path);
                // The model's hyperparameters become the ones shown, so only a later edit (or
                // another target) makes it stale.
                let inputs = ModelInputs {
                    source: model.source.clone(),
                    target: model.target.clone(),
                    config: model.config.clone(),
                };
                self.training.show_model(*model, inputs, true);
                self.refresh_staleness();
                self.play_when_learned_ready = true;
                self.resample_learned_flow();
            }
            WorkerEvent::Saved { message } => {
                self.gif.end();
                self.messages.say(message);
            }
            WorkerEvent::Notice { message } => self.messages.say(message),
            WorkerEvent::GifProgress(fraction) => self.gif.advance(fraction),
            WorkerEvent::FileFailed { op, error } => self.on_file_failed(op, &error),
            WorkerEvent::DialogCancelled => {
                self.gif.end();
                self.messages.say("no file chosen");
            }
            WorkerEvent::NativeDialogUnavailable { purpose } => {
                self.gif.end();
                self.dialogs.set_kind(DialogKind::InApp);
                self.dialogs.ask(purpose);
                self.messages.say(
                    "the desktop's file dialog did not answer (no xdg portal?): using the \
                     in-app file dialog from now on",
                );
            }
            WorkerEvent::WorkerFailed { error } => self.messages.fail(error.describe()),
            WorkerEvent::MeanfieldUpdate {
                generation,
                study,
                finished,
            } => self.meanfield.update(generation, *study, finished),
            WorkerEvent::MeanfieldFailed { generation, error } => {
                let message = (!error.is_cancelled()).then(|| error.describe());
                self.meanfield.fail(generation, message);
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
        self.training.set_dimension(self.dimension());
        self.restart_particle_flow();
        self.resample_learned_flow();
        self.refresh_staleness();
    }

    /// Applies a picture or word command; an unusable word or picture is an error that keeps
    /// the current source and target.
    fn apply_shape(&mut self, command: ShapeCommand) {
        let result = match command {
            ShapeCommand::SetWord(text) => self.shapes.set_word(text).map(|()| true),
            ShapeCommand::SetPictureOptions(options) => self.shapes.set_options(options),
            ShapeCommand::TargetAsSource => match self.shapes.target().cloned() {
                Some(target) if self.settings.target == TargetChoice::Shape => {
                    self.shapes.set_source(target);
                    self.settings.source = SourceChoice::Shape;
                    self.inputs_changed();
                    return;
                }
                _ => {
                    self.messages
                        .fail("the target is not a picture or a word".to_string());
                    return;
                }
            },
        };
        match result {
            Ok(true) => {
                self.messages.dismiss_error();
                self.settings.target = TargetChoice::Shape;
                self.inputs_changed();
            }
            Ok(false) => {}
            Err(error) => self
                .messages
                .fail(format!("{error}; the current target is kept")),
        }
    }

    fn drawn_target_changed(&mut self) {
        self.settings.target = TargetChoice::Drawn;
        self.inputs_changed();
    }

    /// Drops the recorded particle flow and queues a new one for the current settings.
    fn restart_particle_flow(&mut self) {
        let generation = self.fresh_generation();
        self.particle.restart(generation);
        self.playback.rewind();
        let target = self.target_distribution();
        if let Distribution::Points { points, .. } = &target
            && points.is_empty()
        {
            self.particle.fail_early("the drawn target is empty");
            return;
        }
        self.requests.push(Request::Flow(FlowRequest {
            generation,
            source: self.source_distribution(),
            target,
            particles: self.settings.particles,
            seed: self.settings.seed,
            config: self.settings.flow,
            solver: self.settings.solver,
            grid_cells: GRID_CELLS,
            cancel: self.particle.cancel_token(),
        }));
    }

    /// Re-integrates the learned flow of the current model from fresh source samples.
    fn resample_learned_flow(&mut self) {
        let Some(model) = self.training.model().cloned() else {
            return;
        };
        let generation = self.fresh_generation();
        self.learned.restart(generation);
        let extent = self.extent();
        self.requests.push(Request::Learned(LearnedRequest {
            generation,
            model,
            particles: self.settings.particles,
            nfe: self.effective_nfe(),
            seed: self.settings.seed,
            extent,
            grid_cells: GRID_CELLS,
            projection: self.particle.flow().projection.clone(),
            cancel: self.learned.cancel_token(),
        }));
    }

    fn current_model_inputs(&self) -> ModelInputs {
        ModelInputs {
            source: self.source_distribution(),
            target: self.target_distribution(),
            config: self.training.config().clone(),
        }
    }

    /// Recomputes whether the model matches the current inputs.
    fn refresh_staleness(&mut self) {
        let current = self.current_model_inputs();
        self.training.refresh_staleness(&current);
    }

    fn start_training(&mut self) {
        if self.training.running().is_some() {
            self.messages.say("training is already running");
            return;
        }
        let inputs = self.current_model_inputs();
        if let Distribution::Points { points, .. } = &inputs.target
            && points.is_empty()
        {
            self.messages
                .fail("cannot train: the drawn target is empty");
            return;
        }
        let teacher = match self.training.teacher() {
            Ok(teacher) => teacher,
            Err(reason) => {
                self.messages.fail(format!("cannot train: {reason}"));
                return;
            }
        };
        let generation = self.fresh_generation();
        let cancel = self.training.begin(generation, inputs.clone());
        self.messages.say("training…");
        self.requests.push(Request::Train(TrainRequest {
            generation,
            config: inputs.config,
            source: inputs.source,
            target: inputs.target,
            teacher,
            cancel,
        }));
    }

    fn on_train_progress(&mut self, generation: u64, progress: TrainProgress) {
        self.training.progress(generation, progress);
    }

    fn on_train_finished(&mut self, generation: u64, result: Result<Box<TrainedModel>, JobError>) {
        let Some(inputs) = self.training.end(generation) else {
            return;
        };
        match result {
            Ok(model) => {
                self.messages.say(format!(
                    "trained {} in {:.1} s",
                    model.method.display_name(),
                    model.log.seconds
                ));
                self.training.show_model(*model, inputs, false);
                self.model_path = None;
                self.refresh_staleness();
                self.play_when_learned_ready = true;
                self.resample_learned_flow();
            }
            Err(error) if error.is_cancelled() => {
                self.messages
                    .say("training cancelled; the previous model is kept");
            }
            Err(error) => {
                self.messages.clear_status();
                self.messages
                    .fail(format!("training failed: {}", error.describe()));
            }
        }
    }

    /// Queues the GIF of the shown flow: its trajectory shared, not copied, with the caption
    /// the flow's kind gives it (the same as `nsgf gif`'s).
    fn export_gif(&mut self, path: Option<PathBuf>) {
        if self.dimension() != 2 {
            // A flow of 8×8 images is exported as a GIF of image grids.
            return match path {
                Some(path) => self.apply_file(FileCommand::ExportDigitsGifTo(path)),
                None => self.apply_file(FileCommand::ExportDigitsGif),
            };
        }
        if let Some(path) = &path {
            self.dialogs.chose(path);
            self.dialogs.close();
        }
        if self.gif.running() {
            self.messages.say("a GIF export is already running");
            return;
        }
        let Some((animation, look, _)) = self.shown_animation() else {
            self.messages
                .fail("nothing to export yet: no frames recorded");
            return;
        };
        let cancel = self.gif.start();
        self.requests.push(Request::ExportGif(GifRequest {
            animation,
            look,
            path,
            cancel,
        }));
    }

    /// The shown flow of more than two dimensions, its first 64 points a frame, for a GIF of
    /// image grids (None in 2D or before its first frame).
    fn wide_gif_trajectory(&self) -> Option<Arc<Trajectory>> {
        let run = match self.view() {
            FlowView::Learned => Run::Learned,
            FlowView::Particle | FlowView::Split => Run::Particle,
        };
        let flow = self.flow_of(run).filter(|flow| {
            flow.trajectory
                .frame(0)
                .is_some_and(|frame| frame.positions.dim() != 2)
        })?;
        let mut shown = Trajectory::new(flow.trajectory.kind());
        for frame in flow.trajectory.frames() {
            shown.push(Frame {
                positions: crate::render::image_grid::first_images(&frame.positions),
                velocities: frame
                    .velocities
                    .as_ref()
                    .map(crate::render::image_grid::first_images),
                ..frame.clone()
            });
        }
        shown.add_nfe(flow.trajectory.nfe());
        if let Some(boundary) = flow.trajectory.phase_boundary() {
            shown.set_phase_boundary(boundary.clone());
        }
        Some(Arc::new(shown))
    }

    /// The shown flow as an animation (its trajectory shared, not copied, captioned as
    /// `nsgf gif` captions it), how the overlays make it look, and the shown frame's index.
    fn shown_animation(&self) -> Option<(Animation, LookOptions, usize)> {
        let run = match self.view() {
            FlowView::Learned => Run::Learned,
            FlowView::Particle | FlowView::Split => Run::Particle,
        };
        let flow = self
            .flow_of(run)
            .filter(|flow| !flow.trajectory.is_empty())?;
        let title = format!(
            "{} to {}: {}",
            self.source_label(),
            self.target_label(),
            flow.trajectory.kind().title()
        );
        let overlays = self.overlays();
        let target = if overlays.target {
            self.particle.target().clone()
        } else {
            PointCloud::default()
        };
        let animation = Animation::new(title, flow.trajectory.clone(), target);
        let look = LookOptions {
            trails: if overlays.trails { 6 } else { 0 },
            arrows: overlays.particle_arrows,
            show_target: overlays.target,
            ..LookOptions::default()
        };
        let shown = self.shown_index(run).unwrap_or(0);
        Some((animation, look, shown))
    }

    /// Queues the shown frame as a PNG of [`AppState::png_size`] pixels.
    fn save_png(&mut self, path: Option<PathBuf>) {
        let Some((animation, look, frame)) = self.shown_animation() else {
            self.messages
                .fail("nothing to save yet: no frames recorded");
            return;
        };
        let look = LookOptions {
            size_px: self.png_size,
            ..look
        };
        self.file_request(FileRequest::SavePng {
            animation: Box::new(animation),
            look,
            frame,
            path,
        });
    }

    /// The side in pixels of saved PNG frames.
    pub fn png_size(&self) -> u32 {
        self.png_size
    }

    fn on_file_failed(&mut self, op: FileOp, error: &JobError) {
        if op == FileOp::ExportGif {
            self.gif.end();
            if error.is_cancelled() {
                self.messages
                    .say("GIF export cancelled; nothing was written");
            } else {
                self.messages
                    .fail(format!("GIF export failed: {}", error.describe()));
            }
            return;
        }
        self.messages.fail(match op {
            FileOp::LoadPoints | FileOp::LoadPicture => {
                format!("{}; the current target is kept", error.describe())
            }
            _ => error.describe(),
        });
    }

    fn metrics_key(&self, run: Run) -> Option<MetricsKey> {
        let generation = match run {
            Run::Particle => self.particle.generation(),
            Run::Learned => self.learned.generation(),
        };
        Some(MetricsKey {
            run,
            generation,
            frame: self.shown_index(run)?,
        })
    }

    /// Queues S_ε and W2 of the shown frame(s) when not yet known.
    fn request_shown_metrics(&mut self) {
        for &run in self.shown_kinds() {
            let Some(key) = self.metrics_key(run) else {
                continue;
            };
            if self.readouts.get(&key).is_some() {
                continue;
            }
            let Some(particles) = self.shown_frame(run).map(|frame| frame.positions.clone()) else {
                continue;
            };
            let request = self.readouts.request(
                key,
                particles,
                self.target_distribution(),
                self.settings.flow.sinkhorn,
                self.settings.seed.wrapping_add(READOUT_SEED_OFFSET),
            );
            if let Some(request) = request {
                self.requests.push(Request::Metrics(request));
            }
        }
        self.readouts
            .prune(self.particle.generation(), self.learned.generation());
    }
}
