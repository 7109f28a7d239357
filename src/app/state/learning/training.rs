//! Training in the app: the hyperparameters of the next run, the run in progress, its loss and
//! W2 curves, the model shown as the learned flow, whether it is stale, and the NFE it is
//! sampled with; with its own [`TrainCommand`]s.

use crate::data::Distribution;
use crate::job::CancelToken;
use crate::model::{Method, OneStepMode, TrainConfig, TrainProgress, TrainedModel};
use std::sync::Arc;

/// The most network evaluations the learned flow may use.
pub const MAX_NFE: usize = 1000;

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

/// What the user does about training.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainCommand {
    /// Training method (resets the hyperparameters to that method's defaults, keeping the seed).
    SetMethod(Method),
    /// Training hyperparameters.
    SetTrainConfig(TrainConfig),
    /// Start training.
    Train,
    /// Cancel training.
    CancelTraining,
    /// Network evaluations of the learned flow (None: the model's default).
    SetNfe(Option<usize>),
}

/// What a training command asks of the rest of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrainEffect {
    /// Nothing more.
    None,
    /// The hyperparameters changed: staleness is to be checked again.
    ConfigChanged,
    /// A run is to start on the current inputs.
    Start,
    /// Cancellation was asked for.
    Cancelling,
    /// The NFE changed: the learned flow is to be sampled again.
    NfeChanged,
}

/// Training state: hyperparameters, the run in progress, curves, and the model.
#[derive(Debug, Clone)]
pub struct Training {
    config: TrainConfig,
    running: Option<RunningTraining>,
    losses: Vec<[f64; 2]>,
    w2_curve: Vec<[f64; 2]>,
    model: Option<Arc<TrainedModel>>,
    model_inputs: Option<ModelInputs>,
    stale: bool,
    /// Whether the model was trained on the current source and target (a teacher must be;
    /// its hyperparameters are its own).
    same_distributions: bool,
    nfe: Option<usize>,
    /// The dimension of the current target (the defaults depend on it).
    dim: usize,
}

impl Default for Training {
    fn default() -> Self {
        Self {
            config: TrainConfig::defaults_for(Method::Nsgf),
            running: None,
            losses: Vec::new(),
            w2_curve: Vec::new(),
            model: None,
            model_inputs: None,
            stale: false,
            same_distributions: true,
            nfe: None,
            dim: 2,
        }
    }
}

impl Training {
    /// Takes the current target's dimension: when it changes, the hyperparameters become that
    /// dimension's defaults for the same method (the seed kept). True when they changed.
    pub(crate) fn set_dimension(&mut self, dim: usize) -> bool {
        if dim == self.dim {
            return false;
        }
        self.dim = dim;
        self.config = TrainConfig {
            seed: self.config.seed,
            ..TrainConfig::defaults_for_dim(self.config.method, dim)
        };
        true
    }

    /// Hyperparameters of the next run.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The run in progress.
    pub fn running(&self) -> Option<&RunningTraining> {
        self.running.as_ref()
    }

    /// (iteration, loss) of the current or last run.
    pub fn losses(&self) -> &[[f64; 2]] {
        &self.losses
    }

    /// (iteration, W2) checkpoints of the current or last run.
    pub fn w2_curve(&self) -> &[[f64; 2]] {
        &self.w2_curve
    }

    /// The model shown as the learned flow.
    pub fn model(&self) -> Option<&Arc<TrainedModel>> {
        self.model.as_ref()
    }

    /// Whether the model no longer matches the current target or hyperparameters.
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// The chosen NFE (None: the model's default).
    pub fn nfe(&self) -> Option<usize> {
        self.nfe
    }

    /// The NFE budget the learned flow is sampled with: the chosen one, raised to what the model
    /// needs (NSGF++ needs its flow steps + 2) and lowered to what it takes (a one-step
    /// generator takes 1), or None for the model's default.
    pub fn effective_nfe(&self) -> Option<usize> {
        let nfe = self.nfe?;
        Some(match &self.model {
            Some(model) => nfe
                .max(model.min_nfe())
                .min(model.max_nfe().unwrap_or(usize::MAX)),
            None => nfe,
        })
    }

    /// The teacher the next run needs: the shown NSGF or NSGF++ model, when the next run is a
    /// distilled one-step generator (None for every other run); why not, when there is none.
    pub(crate) fn teacher(&self) -> Result<Option<Arc<TrainedModel>>, String> {
        if self.config.method != Method::OneStep
            || self.config.onestep_mode != OneStepMode::Distilled
        {
            return Ok(None);
        }
        match &self.model {
            Some(model) if model.method == Method::OneStep => Err(
                "a distilled generator learns from an NSGF or NSGF++ model, and the shown model is \
                 a one-step generator: train NSGF first, or choose the direct mode"
                    .into(),
            ),
            Some(_) if !self.same_distributions => Err(
                "the NSGF model was trained on another source or target: train it again first"
                    .into(),
            ),
            Some(model) => Ok(Some(Arc::clone(model))),
            None => Err(
                "a distilled generator learns from a trained NSGF or NSGF++ model: train one \
                 first, or choose the direct mode"
                    .into(),
            ),
        }
    }

    /// Applies one command; says what else must happen.
    pub(crate) fn apply(&mut self, command: TrainCommand) -> TrainEffect {
        match command {
            TrainCommand::SetMethod(method) if self.config.method != method => {
                let seed = self.config.seed;
                self.config = TrainConfig {
                    seed,
                    ..TrainConfig::defaults_for_dim(method, self.dim)
                };
                TrainEffect::ConfigChanged
            }
            TrainCommand::SetTrainConfig(config) if self.config != config => {
                self.config = config;
                TrainEffect::ConfigChanged
            }
            TrainCommand::SetMethod(_) | TrainCommand::SetTrainConfig(_) => TrainEffect::None,
            TrainCommand::Train => TrainEffect::Start,
            TrainCommand::CancelTraining => match &self.running {
                Some(running) => {
                    running.cancel.cancel();
                    TrainEffect::Cancelling
                }
                None => TrainEffect::None,
            },
            TrainCommand::SetNfe(nfe) => {
                let least = self.model.as_ref().map_or(1, |m| m.min_nfe());
                let nfe = nfe.map(|n| n.clamp(least, MAX_NFE.max(least)));
                if self.nfe == nfe {
                    TrainEffect::None
                } else {
                    self.nfe = nfe;
                    TrainEffect::NfeChanged
                }
            }
        }
    }

    /// A run of `generation` on `inputs` starts; returns its cancel token.
    pub(crate) fn begin(&mut self, generation: u64, inputs: ModelInputs) -> CancelToken {
        let cancel = CancelToken::new();
        self.losses.clear();
        self.w2_curve.clear();
        self.running = Some(RunningTraining {
            generation,
            cancel: cancel.clone(),
            progress: None,
            inputs,
        });
        cancel
    }

    /// A progress report of `generation` (others are dropped): extends the curves.
    pub(crate) fn progress(&mut self, generation: u64, progress: TrainProgress) {
        let Some(running) = self.running.as_mut().filter(|r| r.generation == generation) else {
            return;
        };
        // Iterations over all stages, for the curves' x axis.
        let x = self.losses.len() as f64;
        if progress.loss.is_finite() {
            self.losses.push([x, progress.loss]);
        }
        if let Some(w2) = progress.w2.filter(|w2| w2.is_finite()) {
            self.w2_curve.push([x, w2]);
        }
        running.progress = Some(progress);
    }

    /// The run of `generation` ended: returns what it trained on (None for another generation).
    pub(crate) fn end(&mut self, generation: u64) -> Option<ModelInputs> {
        if self.running.as_ref()?.generation != generation {
            return None;
        }
        self.running.take().map(|running| running.inputs)
    }

    /// Shows `model`, trained on `inputs`; its hyperparameters become the ones shown when
    /// `adopt_config` (a loaded model), and its stored curves replace the live ones.
    pub(crate) fn show_model(
        &mut self,
        model: TrainedModel,
        inputs: ModelInputs,
        adopt_config: bool,
    ) {
        if adopt_config {
            self.config = model.config.clone();
            self.losses = model
                .log
                .losses
                .iter()
                .map(|&(i, loss)| [i as f64, loss])
                .collect();
        }
        if adopt_config || !model.log.w2.is_empty() {
            self.w2_curve = model
                .log
                .w2
                .iter()
                .map(|c| [c.iteration as f64, c.w2])
                .collect();
        }
        self.model = Some(Arc::new(model));
        self.model_inputs = Some(inputs);
    }

    /// Recomputes whether the model matches `current` inputs.
    pub(crate) fn refresh_staleness(&mut self, current: &ModelInputs) {
        self.stale = self
            .model_inputs
            .as_ref()
            .is_some_and(|inputs| inputs != current);
        self.same_distributions = self.model_inputs.as_ref().is_none_or(|inputs| {
            inputs.source == current.source && inputs.target == current.target
        });
    }
}
