//! Everything the app shows: [`AppState`] composes feature slices, each a module that owns its
//! state, the commands it accepts, the events it handles and its `_ui` functions:
//! - [`inputs`]: source, target, n, seed, flow parameters, pictures and words
//!   ([`InputCommand`], [`ShapeCommand`]);
//! - [`drawing`]: the drawn target, brush and stroke ([`DrawCommand`]);
//! - `particle_flow`: the particle flow of the current inputs ([`runs::ParticleRun`]);
//! - `learning`: training, the model and the learned flow ([`TrainCommand`]);
//! - `playback`: the timeline cursor and the frames each run shows ([`PlaybackCommand`]);
//! - [`view`]: which flow is shown and the overlays ([`ViewCommand`]);
//! - `files`: files, exports and scenes ([`FileCommand`]);
//! - [`meanfield`]: the mean-field panel ([`MeanfieldCommand`]);
//! - [`readouts`]: S_ε and W2 of the shown frames.
//!
//! A slice's handler gets its own state, a read-only look at what it reads of the others
//! (`setup::Setup`, `playback::timeline::Timeline`, `files::FileInputs`) and the shared
//! `context::Context`: the status line, the work to start, generations, commands for other
//! slices and notes of what changed. No slice holds or changes another's state.
//!
//! [`AppState::apply`] and [`AppState::on_event`] only route: a [`Command`] or a
//! [`WorkerEvent`] goes to the slice that owns it, the commands the slices send go to theirs in
//! order, and what changed is settled once (the particle flow, the learned flow and staleness
//! start again as needed). Work to start is taken with [`AppState::take_requests`].
//!
//! A slice's plain files have no egui and are tested without a window; its `ui` files draw
//! it with egui and only push commands. Nothing here runs numerics.

/// The read-only look at the inputs, built from the fields so that it can sit beside a slice
/// borrowed mutably (a method borrowing the whole state could not).
macro_rules! setup {
    ($state:ident) => {
        Setup {
            inputs: &$state.inputs,
            drawing: &$state.drawing,
        }
    };
}

/// The read-only look at the view, the cursor and both runs, built from the fields (see
/// `setup!`).
macro_rules! timeline {
    ($state:ident) => {
        Timeline {
            view: &$state.view,
            playback: &$state.playback,
            particle: &$state.particle,
            learned: $state.learning.learned(),
        }
    };
}

mod commands;
pub(crate) mod context;
pub mod drawing;
pub(crate) mod files;
pub mod inputs;
pub(crate) mod learning;
pub mod meanfield;
pub mod messages;
pub(crate) mod particle_flow;
pub(crate) mod playback;
mod queries;
pub mod readouts;
pub mod runs;
mod setup;
pub mod view;

pub use commands::{Command, FileCommand};
pub use dialogs::{DialogKind, DialogPurpose};
pub use drawing::DrawCommand;
pub use files::dialogs;
pub(crate) use inputs::MAX_PARTICLES;
pub use inputs::shapes;
pub use inputs::{FlowSettings, InputCommand, SourceChoice, TargetChoice};
pub use learning::training;
pub use meanfield::{MeanfieldCommand, MeanfieldPanel};
pub use playback::PlaybackCommand;
pub(crate) use readouts::MAX_W2_PARTICLES;
pub use readouts::Readout;
pub use shapes::{ShapeCommand, Shapes};
pub use training::TrainCommand;
pub use view::{FlowView, Overlays, ViewCommand, WideView};

use super::jobs::{Request, WorkerEvent};
use context::{Change, Changes, Context};
use drawing::Drawing;
use files::{FileInputs, Files};
use inputs::Inputs;
use learning::Learning;
use playback::Playback;
use playback::timeline::Timeline;
use readouts::Readouts;
use runs::ParticleRun;
use setup::Setup;
use view::ViewSettings;

/// The label of a drawn target (as the brief and the model file name it).
pub const DRAWN_LABEL: &str = "drawn";
/// Cells per side of the quiver grid.
pub(crate) const GRID_CELLS: usize = 32;

/// The whole state of the app: the slices and the context they share.
pub struct AppState {
    inputs: Inputs,
    drawing: Drawing,
    particle: ParticleRun,
    learning: Learning,
    playback: Playback,
    view: ViewSettings,
    files: Files,
    meanfield: MeanfieldPanel,
    readouts: Readouts,
    context: Context,
}

impl AppState {
    /// The state for `settings`, with the first particle flow queued.
    pub fn new(settings: FlowSettings) -> Self {
        let mut state = Self {
            inputs: Inputs::new(settings),
            drawing: Drawing::default(),
            particle: ParticleRun::default(),
            learning: Learning::default(),
            playback: Playback::default(),
            view: ViewSettings::default(),
            files: Files::default(),
            meanfield: MeanfieldPanel::default(),
            readouts: Readouts::default(),
            context: Context::default(),
        };
        state.context.note(Change::FlowParameters);
        state.settle();
        state
    }

    /// Takes the queued requests (the shell starts their jobs on workers).
    pub fn take_requests(&mut self) -> Vec<Request> {
        self.context.take_requests()
    }

    /// Applies one user action: routes it, and the commands it leads to, to their slices, then
    /// settles what changed.
    pub fn apply(&mut self, command: impl Into<Command>) {
        self.context.send(command);
        self.settle();
    }

    /// Applies one worker result, at the slice that owns its kind (results of superseded jobs
    /// are dropped there), then settles what changed.
    pub fn on_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::BackendReady { note } => self.context.messages_mut().set_backend(note),
            WorkerEvent::Notice { message } => self.context.say(message),
            WorkerEvent::WorkerFailed { error } => self.context.fail(error.describe()),
            event @ (WorkerEvent::FlowStarted { .. }
            | WorkerEvent::FlowFrame { .. }
            | WorkerEvent::FlowFinished { .. }
            | WorkerEvent::FlowFailed { .. }) => self.particle.on_event(event, &mut self.context),
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
            | WorkerEvent::ModelLoaded { .. }) => self.learning.on_event(event, &mut self.context),
            event @ (WorkerEvent::PointsLoaded { .. }
            | WorkerEvent::SceneOpened { .. }
            | WorkerEvent::PictureLoaded { .. }
            | WorkerEvent::Saved { .. }
            | WorkerEvent::GifProgress(_)
            | WorkerEvent::FileFailed { .. }
            | WorkerEvent::DialogCancelled
            | WorkerEvent::NativeDialogUnavailable { .. }) => {
                self.files.on_event(event, &mut self.context);
            }
            event @ (WorkerEvent::MeanfieldUpdate { .. } | WorkerEvent::MeanfieldFailed { .. }) => {
                self.meanfield.on_event(event);
            }
        }
        self.settle();
    }

    /// Takes `scene` (opened from `path`) as the whole setup: inputs, parameters and overlays,
    /// then the flows start again and its model, if it names one, loads.
    pub fn open_scene(&mut self, scene: crate::scene::Scene, path: &std::path::Path) {
        files::open_scene(scene, path, &mut self.context);
        self.settle();
    }

    /// Routes the commands sent until none is left, settling what they changed (which may
    /// send more), then asks for the shown frames' readouts.
    fn settle(&mut self) {
        self.follow_dimension();
        loop {
            while let Some(command) = self.context.next_command() {
                self.route(command);
                self.follow_dimension();
            }
            let changes = self.context.take_changes();
            if !changes.any() {
                break;
            }
            self.follow(changes);
        }
        let setup = setup!(self);
        let timeline = timeline!(self);
        self.readouts
            .request_shown(timeline, setup, &mut self.context);
    }

    /// Sends one command to the slice that owns it.
    fn route(&mut self, command: Command) {
        let setup = setup!(self);
        let context = &mut self.context;
        match command {
            Command::Input(command) => self.inputs.apply(command, context),
            Command::Shape(command) => self.inputs.apply_shape(command, context),
            Command::Draw(command) => self.drawing.handle(command, context),
            Command::Playback(command) => {
                let supply = self.timeline().supply();
                self.playback.apply(command, supply);
            }
            Command::View(command) => self.view.apply(command),
            Command::Train(command) => self.learning.apply(command, setup, context),
            Command::File(command) => {
                let read = FileInputs {
                    setup,
                    timeline: timeline!(self),
                    learning: &self.learning,
                    overlays: self.view.overlays(),
                };
                self.files.apply(command, read, context);
            }
            Command::Meanfield(command) => self.meanfield.handle(command, setup, context),
            Command::Say(message) => context.say(message),
            Command::Fail(error) => context.fail(error),
            Command::DismissError => context.messages_mut().dismiss_error(),
        }
    }

    /// The training defaults follow the flows' dimension (the digits are 64) at once, before
    /// the next command is routed: a scene's training configuration, sent after its target,
    /// must land on the new dimension, not be reset by it when the changes are settled.
    fn follow_dimension(&mut self) {
        let dimension = self.setup().dimension();
        self.learning.set_dimension(dimension);
    }

    /// Starts again what the changes call for: the particle flow, then the learned flow (in
    /// the particle flow's frame), then staleness.
    fn follow(&mut self, changes: Changes) {
        let setup = setup!(self);
        if changes.restart_particle_flow {
            self.particle.start(setup, &mut self.context);
        }
        if changes.resample_learned_flow {
            let plot = self.particle.plot_frame();
            self.learning.resample(setup, plot, &mut self.context);
        }
        if changes.refresh_staleness {
            self.learning.refresh_staleness(setup);
        }
    }
}

impl AppState {
    /// Shows `error` in the status line (the shell's own failures: a file it could not read).
    pub(crate) fn report_error(&mut self, error: &str) {
        self.context.fail(error);
    }
}
