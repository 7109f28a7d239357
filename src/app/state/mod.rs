//! Everything the app shows, as plain Rust built from small owned parts, each with private
//! fields, its own commands and tests:
//! - [`inputs`]: source, target, n, seed and flow parameters ([`InputCommand`]);
//! - [`crate::app::drawing`]: the drawn target, brush and stroke ([`DrawCommand`]);
//! - [`runs`]: the particle run and the learned run, as their jobs deliver them;
//! - [`training`]: hyperparameters, the run in progress, curves, the model ([`TrainCommand`]);
//! - `crate::app::playback`: the timeline cursor ([`PlaybackCommand`]);
//! - [`view`]: which flow is shown and the overlays ([`ViewCommand`]);
//! - [`readouts`]: S_ε and W2 of the shown frames;
//! - [`messages`]: the status line and the GIF export in progress.
//!
//! [`AppState`] only routes: a [`Command`] goes to its part, and what the part reports changed
//! decides which flows start again; the workers' [`WorkerEvent`]s go to the run they belong
//! to; work to start is queued as [`Request`]s for the shell to take with
//! [`AppState::take_requests`]. Nothing here touches egui or runs numerics.

mod commands;
pub mod dialogs;
mod files;
pub mod inputs;
mod learning;
pub mod meanfield;
pub mod messages;
pub mod readouts;
pub mod runs;
pub mod shapes;
mod timeline;
pub mod training;
pub mod view;

pub use super::drawing::DrawCommand;
pub use super::playback::PlaybackCommand;
pub use commands::{Command, FileCommand};
pub use dialogs::{DialogKind, DialogPurpose};
pub(crate) use inputs::MAX_PARTICLES;
pub use inputs::{FlowSettings, InputCommand, SourceChoice, TargetChoice};
pub use meanfield::{MeanfieldCommand, MeanfieldPanel};
pub(crate) use readouts::MAX_W2_PARTICLES;
pub use readouts::Readout;
pub use shapes::{ShapeCommand, Shapes};
pub use training::TrainCommand;
pub use view::{FlowView, Overlays, ViewCommand, WideView};

use super::drawing::Drawing;
use super::jobs::{FlowRequest, MeanfieldRequest, Request, WorkerEvent};
use super::playback::Playback;
use crate::data::Distribution;
use dialogs::Dialogs;
use inputs::InputChange;
use messages::{GifExport, Messages};
use readouts::Readouts;
use runs::{LearnedRun, ParticleRun};
use std::path::PathBuf;
use training::{TrainEffect, Training};
use view::ViewSettings;

/// The label of a drawn target (as the brief and the model file name it).
pub const DRAWN_LABEL: &str = "drawn";
/// Cells per side of the quiver grid.
pub(crate) const GRID_CELLS: usize = 32;

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
    pub(crate) fn wide_view(&self) -> WideView {
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
    pub(crate) fn report_error(&mut self, error: &str) {
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
    pub(crate) fn dimension(&self) -> usize {
        match self.settings.target {
            TargetChoice::Digits => crate::data::digits::DIM,
            _ => 2,
        }
    }

    /// The target distribution (the drawn points for a drawn target).
    pub(crate) fn target_distribution(&self) -> Distribution {
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

    /// Applies one worker result; results of superseded jobs are dropped. Each family of
    /// events goes to the part of the state that owns it.
    pub fn on_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::BackendReady { note } => self.messages.set_backend(note),
            WorkerEvent::Notice { message } => self.messages.say(message),
            WorkerEvent::WorkerFailed { error } => self.messages.fail(error.describe()),
            event @ (WorkerEvent::FlowStarted { .. }
            | WorkerEvent::FlowFrame { .. }
            | WorkerEvent::FlowFinished { .. }
            | WorkerEvent::FlowFailed { .. }) => self.on_flow_event(event),
            WorkerEvent::Metrics {
                key,
                divergence,
                w2,
            } => self.readouts.record(key, divergence, w2),
            WorkerEvent::MetricsSkipped { key } => self.readouts.skipped(key),
            event @ (WorkerEvent::LearnedReady { .. }
            | WorkerEvent::LearnedFailed { .. }
            | WorkerEvent::TrainProgress { .. }
            | WorkerEvent::TrainFinished { .. }
            | WorkerEvent::ModelLoaded { .. }) => self.on_learning_event(event),
            event @ (WorkerEvent::PointsLoaded { .. }
            | WorkerEvent::SceneOpened { .. }
            | WorkerEvent::PictureLoaded { .. }
            | WorkerEvent::Saved { .. }
            | WorkerEvent::GifProgress(_)
            | WorkerEvent::FileFailed { .. }
            | WorkerEvent::DialogCancelled
            | WorkerEvent::NativeDialogUnavailable { .. }) => self.on_file_event(event),
            WorkerEvent::MeanfieldUpdate {
                generation,
                study,
                finished,
            } => self.meanfield.update(generation, *study, finished),
            WorkerEvent::MeanfieldFailed { generation, error } => {
                let message = (!error.is_cancelled()).then(|| error.describe());
                self.meanfield.fail(generation, message);
            }
        }
        self.request_shown_metrics();
    }

    /// The particle flow's events: frames of the current run extend it, a superseded run's
    /// are dropped.
    fn on_flow_event(&mut self, event: WorkerEvent) {
        let particle = self.particle.generation();
        match event {
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
            // A superseded run's events (on_event routes no other kind here).
            _ => {}
        }
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
}
