//! The digits window's state: NSGF or NSGF++ trained on the 64-dimensional digits, its learned
//! flow and the Sinkhorn particle flow of 64 samples, which flow is shown (one, or both side by
//! side paired by t), its own timeline and playback, the PCA view, with its own
//! [`DigitsCommand`]s.

use crate::app::time_sync::nearest_frame;
use crate::flow::Trajectory;
use crate::job::CancelToken;
use crate::model::{Method, TrainProgress};
use crate::model::{TrainConfig, TrainedModel};
use crate::render::pca::Projection;
use std::sync::Arc;

/// Samples shown as a grid (8 × 8).
pub const GRID_SAMPLES: usize = 64;
/// Frames per second of the window's playback.
pub const DIGITS_FPS: f64 = 4.0;

/// Which flow the window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitsView {
    /// The Sinkhorn particle flow of 64 noise samples toward 64 digits.
    Particle,
    /// The learned flow of the trained model.
    Learned,
    /// Both, paired by t.
    SideBySide,
}

/// What the user does in the window.
#[derive(Debug, Clone, PartialEq)]
pub enum DigitsCommand {
    /// Show or hide the window.
    SetOpen(bool),
    /// NSGF or NSGF++ (the run's defaults for the digits).
    SetMethod(Method),
    /// Outer iterations of the next run.
    SetIterations(usize),
    /// Train on the digits.
    Train,
    /// Cancel the run in progress.
    Cancel,
    /// Simulate the particle flow again (new samples).
    NewParticleFlow,
    /// Which flow is shown.
    SetView(DigitsView),
    /// Show frame `index` of the shown timeline (pauses).
    Seek(usize),
    /// Play from the shown frame; `now` is the UI clock in seconds.
    Play {
        /// The UI clock when Play was pressed.
        now: f64,
    },
    /// Pause at the frame reached by `now`.
    Pause {
        /// The UI clock.
        now: f64,
    },
    /// Show the flow as particles on the target's first two principal components.
    SetProjection(bool),
}

/// What the state must do after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitsEffect {
    /// Nothing more.
    None,
    /// Queue a training run.
    Train,
    /// Queue a particle flow.
    ParticleFlow,
}

/// The window's state.
#[derive(Debug)]
pub struct DigitsPanel {
    open: bool,
    config: TrainConfig,
    training: Option<(u64, CancelToken, Option<TrainProgress>)>,
    flow_running: Option<(u64, CancelToken)>,
    model: Option<Arc<TrainedModel>>,
    learned: Option<Arc<Trajectory>>,
    particle: Option<Arc<Trajectory>>,
    projection: Option<Arc<Projection>>,
    view: DigitsView,
    shown: usize,
    playing: Option<(f64, usize)>,
    show_projection: bool,
    autoplay: bool,
    /// Bumped whenever a flow is replaced: it keys the window's cached image textures, so a
    /// new flow never shows an old one's frames.
    flows_version: u64,
    seed: u64,
    error: Option<String>,
    /// What computed the last particle flow's velocities ("cpu …" or "gpu d-dim (…)").
    kernels: Option<String>,
}

impl Default for DigitsPanel {
    fn default() -> Self {
        Self {
            open: false,
            config: TrainConfig::defaults_for_dim(Method::NsgfPp, crate::data::digits::DIM),
            training: None,
            flow_running: None,
            model: None,
            learned: None,
            particle: None,
            projection: None,
            view: DigitsView::Particle,
            shown: 0,
            playing: None,
            show_projection: true,
            autoplay: false,
            flows_version: 0,
            seed: 0,
            error: None,
            kernels: None,
        }
    }
}

impl DigitsPanel {
    /// Whether the window is shown.
    pub fn open(&self) -> bool {
        self.open
    }

    /// The hyperparameters of the next run.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The latest progress of the run in progress (None: none runs, or no report yet).
    pub fn progress(&self) -> Option<&TrainProgress> {
        self.training.as_ref().and_then(|(_, _, p)| p.as_ref())
    }

    /// Whether a run is in progress.
    pub fn training(&self) -> bool {
        self.training.is_some()
    }

    /// Whether the particle flow is being computed.
    pub fn flow_running(&self) -> bool {
        self.flow_running.is_some()
    }

    /// The trained model.
    pub fn model(&self) -> Option<&Arc<TrainedModel>> {
        self.model.as_ref()
    }

    /// The learned flow of 64 samples.
    pub fn learned(&self) -> Option<&Arc<Trajectory>> {
        self.learned.as_ref()
    }

    /// The particle flow of 64 samples.
    pub fn particle(&self) -> Option<&Arc<Trajectory>> {
        self.particle.as_ref()
    }

    /// The projection on the digits' first two principal components.
    pub fn projection(&self) -> Option<&Arc<Projection>> {
        self.projection.as_ref()
    }

    /// Which flow is shown.
    pub fn view(&self) -> DigitsView {
        self.view
    }

    /// Changes whenever a shown flow is replaced (keys cached renderings of its frames).
    pub fn flows_version(&self) -> u64 {
        self.flows_version
    }

    /// Whether the PCA view is shown.
    pub fn show_projection(&self) -> bool {
        self.show_projection
    }

    /// What computed the last particle flow's velocities.
    pub fn kernels(&self) -> Option<&str> {
        self.kernels.as_deref()
    }

    /// Why the last run or flow failed.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The seed of the next particle flow and of the learned flow's samples.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The trajectory whose frames the timeline steps through: the learned flow when it is
    /// shown (alone or beside the particle flow) and exists, else the particle flow.
    pub fn timeline(&self) -> Option<&Arc<Trajectory>> {
        match self.view {
            DigitsView::Particle => self.particle.as_ref(),
            DigitsView::Learned | DigitsView::SideBySide => {
                self.learned.as_ref().or(self.particle.as_ref())
            }
        }
    }

    /// The frame of the timeline shown at UI time `now` (playing advances it at
    /// [`DIGITS_FPS`], stopping at the last frame).
    pub fn shown_at(&self, now: f64) -> usize {
        let last = self.timeline().map_or(0, |t| t.len().saturating_sub(1));
        let index = match self.playing {
            Some((started, from)) => from + ((now - started).max(0.0) * DIGITS_FPS) as usize,
            None => self.shown,
        };
        index.min(last)
    }

    /// The flow a grid GIF exports: the learned flow when it is shown (alone or beside the
    /// particle flow), else the particle flow.
    pub fn gif_trajectory(&self) -> Option<&Arc<Trajectory>> {
        self.timeline()
    }

    /// Whether playback runs.
    pub fn playing(&self) -> bool {
        self.playing.is_some()
    }

    /// The frames shown at `now`: (particle frame, learned frame) as the view asks, the other
    /// paired by t in the side-by-side view.
    pub fn frames_at(&self, now: f64) -> (Option<usize>, Option<usize>) {
        let index = self.shown_at(now);
        match self.view {
            DigitsView::Particle => (self.particle.as_ref().map(|_| index), None),
            DigitsView::Learned => (None, self.learned.as_ref().map(|_| index)),
            DigitsView::SideBySide => match (&self.learned, &self.particle) {
                (Some(learned), Some(particle)) => {
                    let t = learned.frames()[index.min(learned.len() - 1)].t;
                    (nearest_frame(particle.times(), t), Some(index))
                }
                (None, Some(_)) => (Some(index), None),
                (Some(_), None) => (None, Some(index)),
                (None, None) => (None, None),
            },
        }
    }

    /// Applies one command.
    pub fn apply(&mut self, command: DigitsCommand) -> DigitsEffect {
        match command {
            DigitsCommand::SetOpen(open) => {
                self.open = open;
                if open && self.particle.is_none() && self.flow_running.is_none() {
                    return DigitsEffect::ParticleFlow;
                }
            }
            DigitsCommand::SetMethod(method) if method != self.config.method => {
                self.config = TrainConfig {
                    seed: self.config.seed,
                    ..TrainConfig::defaults_for_dim(method, crate::data::digits::DIM)
                };
            }
            DigitsCommand::SetMethod(_) => {}
            DigitsCommand::SetIterations(iterations) => {
                self.config.iterations = iterations.max(1);
            }
            DigitsCommand::Train => return DigitsEffect::Train,
            DigitsCommand::Cancel => {
                if let Some((_, cancel, _)) = self.training.take() {
                    cancel.cancel();
                }
            }
            DigitsCommand::NewParticleFlow => {
                self.seed += 1;
                return DigitsEffect::ParticleFlow;
            }
            DigitsCommand::SetView(view) => {
                self.view = view;
                self.shown = 0;
                self.playing = None;
            }
            DigitsCommand::Seek(index) => {
                self.playing = None;
                self.shown = index;
            }
            DigitsCommand::Play { now } => {
                self.autoplay = false;
                let last = self.timeline().map_or(0, |t| t.len().saturating_sub(1));
                let from = if self.shown >= last { 0 } else { self.shown };
                self.playing = Some((now, from));
            }
            DigitsCommand::Pause { now } => {
                self.shown = self.shown_at(now);
                self.playing = None;
            }
            DigitsCommand::SetProjection(show) => self.show_projection = show,
        }
        DigitsEffect::None
    }

    /// A training run of `generation` starts (any other is cancelled); returns its token.
    pub fn begin_training(&mut self, generation: u64) -> CancelToken {
        if let Some((_, old, _)) = self.training.take() {
            old.cancel();
        }
        let cancel = CancelToken::new();
        self.training = Some((generation, cancel.clone(), None));
        self.error = None;
        cancel
    }

    /// A particle flow of `generation` starts (any other is cancelled); returns its token.
    pub fn begin_flow(&mut self, generation: u64) -> CancelToken {
        if let Some((_, old)) = self.flow_running.take() {
            old.cancel();
        }
        let cancel = CancelToken::new();
        self.flow_running = Some((generation, cancel.clone()));
        cancel
    }

    /// Progress of run `generation`.
    pub fn on_progress(&mut self, generation: u64, progress: TrainProgress) {
        if let Some((g, _, latest)) = self.training.as_mut()
            && *g == generation
        {
            *latest = Some(progress);
        }
    }

    /// Run `generation` ended with `model` and its learned flow: both are shown side by side,
    /// from the first frame, and play as soon as the window next draws ([`Self::wants_play`]).
    pub fn on_trained(
        &mut self,
        generation: u64,
        model: Arc<TrainedModel>,
        learned: Arc<Trajectory>,
    ) {
        if self.training.as_ref().map(|(g, _, _)| *g) != Some(generation) {
            return;
        }
        self.training = None;
        self.model = Some(model);
        self.learned = Some(learned);
        self.flows_version += 1;
        self.view = DigitsView::SideBySide;
        self.shown = 0;
        self.playing = None;
        self.autoplay = true;
    }

    /// Whether the window should start playing now (a new learned flow arrived).
    pub fn wants_play(&self) -> bool {
        self.autoplay
    }

    /// The particle flow of `generation` arrived (with the PCA projection of the digits),
    /// computed on `kernels`.
    pub fn on_particle_flow(
        &mut self,
        generation: u64,
        flow: Arc<Trajectory>,
        projection: Arc<Projection>,
        kernels: String,
    ) {
        if self.flow_running.as_ref().map(|(g, _)| *g) != Some(generation) {
            return;
        }
        self.flow_running = None;
        self.kernels = Some(kernels);
        self.particle = Some(flow);
        self.flows_version += 1;
        self.projection = Some(projection);
        self.shown = 0;
    }

    /// Run or flow `generation` failed (`None`: cancelled).
    pub fn on_failed(&mut self, generation: u64, error: Option<String>) {
        if self.training.as_ref().map(|(g, _, _)| *g) == Some(generation) {
            self.training = None;
        }
        if self.flow_running.as_ref().map(|(g, _)| *g) == Some(generation) {
            self.flow_running = None;
        }
        if error.is_some() {
            self.error = error;
        }
    }
}
