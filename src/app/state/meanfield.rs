//! The mean-field panel's state: whether it is open, the study in progress or done (a snapshot
//! after every solved field), which size is shown beside the reference, with its own
//! [`MeanfieldCommand`]s.

use crate::job::CancelToken;
use crate::meanfield::MeanfieldStudy;

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
    pub(crate) fn apply(&mut self, command: MeanfieldCommand) -> MeanfieldEffect {
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
    pub(crate) fn start(&mut self, generation: u64) -> CancelToken {
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
    pub(crate) fn update(&mut self, generation: u64, study: MeanfieldStudy, finished: bool) {
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
    pub(crate) fn fail(&mut self, generation: u64, error: Option<String>) {
        if self.running.as_ref().map(|(g, _)| *g) == Some(generation) {
            self.running = None;
        }
        if error.is_some() {
            self.error = error;
        }
    }
}
