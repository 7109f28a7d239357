//! The mean-field panel's state: whether it is open, the study in progress or done (a snapshot
//! after every solved field), which size is shown beside the reference, with its own
//! [`MeanfieldCommand`]s: the mean-field slice, which starts its studies and takes their
//! snapshots.

pub(crate) mod ui;

use crate::app::jobs::{MeanfieldRequest, Request, WorkerEvent};
use crate::app::state::context::Context;
use crate::app::state::setup::Setup;
use crate::job::CancelToken;
use crate::meanfield::{MeanfieldConfig, MeanfieldStudy};

/// The sizes the app studies: small enough that every field takes at most a few seconds on two
/// cores (the CLI goes to 30 000).
pub(crate) const APP_SIZES: [usize; 5] = [100, 300, 1000, 3000, 10_000];
/// Seeds per size in the app.
pub(crate) const APP_SEEDS: u64 = 3;
/// Query points per side in the app.
pub(crate) const APP_GRID: usize = 12;

/// What the user does in the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeanfieldCommand {
    /// Show or hide the panel.
    SetOpen(bool),
    /// Start a study on the current source, target and blur (replacing any other).
    Run,
    /// Stop the study in progress.
    Cancel,
    /// Show the field at the `index`-th size beside the reference.
    ShowSize(usize),
}

/// What the state must do after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MeanfieldEffect {
    /// Nothing more.
    None,
    /// Queue a new study.
    Start,
}

/// The panel's state.
#[derive(Debug, Default)]
pub struct MeanfieldPanel {
    open: bool,
    study: Option<MeanfieldStudy>,
    running: Option<(u64, CancelToken)>,
    shown: usize,
    /// Whether the shown size follows the largest one solved (until the user picks one).
    picked: bool,
    error: Option<String>,
}

impl MeanfieldPanel {
    /// Whether the panel is shown.
    pub(crate) fn open(&self) -> bool {
        self.open
    }

    /// The latest snapshot of the study.
    pub fn study(&self) -> Option<&MeanfieldStudy> {
        self.study.as_ref()
    }

    /// Whether a study is running.
    pub fn running(&self) -> bool {
        self.running.is_some()
    }

    /// The index of the size shown beside the reference.
    pub fn shown(&self) -> usize {
        self.shown
    }

    /// Why the last study failed.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Applies one command.
    fn apply(&mut self, command: MeanfieldCommand) -> MeanfieldEffect {
        match command {
            MeanfieldCommand::SetOpen(open) => self.open = open,
            MeanfieldCommand::Run => return MeanfieldEffect::Start,
            MeanfieldCommand::Cancel => {
                if let Some((_, cancel)) = self.running.take() {
                    cancel.cancel();
                }
            }
            MeanfieldCommand::ShowSize(index) => {
                self.shown = index;
                self.picked = true;
            }
        }
        MeanfieldEffect::None
    }

    /// A new study with `generation` starts (any older one is cancelled); returns its token.
    fn start(&mut self, generation: u64) -> CancelToken {
        if let Some((_, old)) = self.running.take() {
            old.cancel();
        }
        let cancel = CancelToken::new();
        self.running = Some((generation, cancel.clone()));
        self.study = None;
        self.error = None;
        self.picked = false;
        self.open = true;
        cancel
    }

    /// A snapshot of study `generation` arrived (`finished`: its last).
    fn update(&mut self, generation: u64, study: MeanfieldStudy, finished: bool) {
        if self.running.as_ref().map(|(g, _)| *g) != Some(generation) {
            return;
        }
        let solved = study.errors().len();
        if solved > 0 && !self.picked {
            self.shown = solved - 1;
        }
        self.study = Some(study);
        if finished {
            self.running = None;
        }
    }

    /// Study `generation` failed or was cancelled.
    fn fail(&mut self, generation: u64, error: Option<String>) {
        if self.running.as_ref().map(|(g, _)| *g) == Some(generation) {
            self.running = None;
        }
        if error.is_some() {
            self.error = error;
        }
    }

    /// Handles a panel command; a run starts a study of the current source, target and blur.
    pub(crate) fn handle(
        &mut self,
        command: MeanfieldCommand,
        setup: Setup,
        context: &mut Context,
    ) {
        if self.apply(command) == MeanfieldEffect::Start {
            self.start_study(setup, context);
        }
    }

    /// The study's events: a snapshot, or its failure (a cancelled study says nothing).
    pub(crate) fn on_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::MeanfieldUpdate {
                generation,
                study,
                finished,
            } => self.update(generation, *study, finished),
            WorkerEvent::MeanfieldFailed { generation, error } => {
                let message = (!error.is_cancelled()).then(|| error.describe());
                self.fail(generation, message);
            }
            // The router sends no other kind here.
            _ => {}
        }
    }

    /// Queues a study of the current source, target and blur.
    fn start_study(&mut self, setup: Setup, context: &mut Context) {
        if setup.drawn_target_is_empty() {
            context.fail("the drawn target is empty: draw or load points first");
            return;
        }
        let target = setup.target_distribution();
        let generation = context.fresh_generation();
        let cancel = self.start(generation);
        context.request(Request::Meanfield(MeanfieldRequest {
            generation,
            config: MeanfieldConfig {
                source: setup.source_distribution(),
                target,
                sizes: APP_SIZES.to_vec(),
                seeds: APP_SEEDS,
                grid: APP_GRID,
                params: setup.settings().flow.sinkhorn,
            },
            cancel,
        }));
    }
}
