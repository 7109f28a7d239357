//! The training slice: hyperparameters, the run in progress and its curves ([`Training`]), the
//! learned flow sampled from the model ([`LearnedRun`]) and the file the model came from, with
//! the [`TrainCommand`]s and the training and sampling events they answer to.

pub mod training;
pub(crate) mod ui;

use super::{GRID_CELLS, TrainCommand, ViewCommand};
use crate::app::jobs::{Extent, LearnedRequest, Request, TrainRequest, WorkerEvent};
use crate::app::state::context::{Change, Context};
use crate::app::state::learning::training::{ModelInputs, TrainEffect, Training};
use crate::app::state::playback::PlaybackCommand;
use crate::app::state::runs::LearnedRun;
use crate::app::state::setup::Setup;
use crate::data::Distribution;
use crate::job::JobError;
use crate::model::TrainedModel;
use crate::render::pca::Projection;
use std::path::PathBuf;
use std::sync::Arc;

/// Where the learned flow is drawn: the particle flow's box and, above two dimensions, its
/// projection (the learned flow shares both so the two compare).
#[derive(Debug, Clone)]
pub(crate) struct PlotFrame {
    /// The box the plot shows.
    pub(crate) extent: Extent,
    /// The principal components the particle flow is drawn in, above two dimensions.
    pub(crate) projection: Option<Arc<Projection>>,
}

/// Training, the learned flow and the model's file.
#[derive(Debug, Default)]
pub(crate) struct Learning {
    training: Training,
    learned: LearnedRun,
    /// The file the shown model was loaded from (a scene refers to it).
    model_path: Option<PathBuf>,
    /// Play the learned flow once its samples arrive (a model just arrived).
    play_when_ready: bool,
}

impl Learning {
    /// Hyperparameters, the run in progress, curves and the model.
    pub(crate) fn training(&self) -> &Training {
        &self.training
    }

    /// The learned flow.
    pub(crate) fn learned(&self) -> &LearnedRun {
        &self.learned
    }

    /// The file the shown model was loaded from, if it came from one.
    pub(crate) fn model_path(&self) -> Option<&PathBuf> {
        self.model_path.as_ref()
    }

    /// The flows' dimension is `dim` (another dimension brings its default hyperparameters).
    pub(crate) fn set_dimension(&mut self, dim: usize) {
        self.training.set_dimension(dim);
    }

    /// Applies a training command and acts on what it changed.
    pub(crate) fn apply(&mut self, command: TrainCommand, setup: Setup, context: &mut Context) {
        match self.training.apply(command) {
            TrainEffect::None => {}
            TrainEffect::ConfigChanged => context.note(Change::Staleness),
            TrainEffect::Start => self.start_training(setup, context),
            TrainEffect::Cancelling => context.say("cancelling training…"),
            TrainEffect::NfeChanged => context.note(Change::LearnedFlow),
        }
    }

    /// Training's and the learned flow's events: progress, a finished run, a loaded model,
    /// learned samples (a superseded sampling's are dropped).
    pub(crate) fn on_event(&mut self, event: WorkerEvent, context: &mut Context) {
        let learned = self.learned.generation();
        match event {
            WorkerEvent::LearnedReady { generation, flow } if generation == learned => {
                self.learned.ready(flow);
                if std::mem::take(&mut self.play_when_ready) {
                    context.send(ViewCommand::RevealLearned);
                    context.send(PlaybackCommand::Reset);
                    context.send(PlaybackCommand::Play);
                }
            }
            WorkerEvent::LearnedFailed { generation, error } if generation == learned => {
                self.learned.failed();
                self.play_when_ready = false;
                context.fail(format!(
                    "sampling the learned flow failed: {}",
                    error.describe()
                ));
            }
            WorkerEvent::TrainProgress {
                generation,
                progress,
            } => self.training.progress(generation, progress),
            WorkerEvent::TrainFinished { generation, result } => {
                self.on_train_finished(generation, result, context);
            }
            WorkerEvent::ModelLoaded { path, model } => {
                context.say(format!("loaded model {}", path.display()));
                self.model_path = Some(path);
                // The model's hyperparameters become the ones shown, so only a later edit (or
                // another target) makes it stale.
                let inputs = ModelInputs {
                    source: model.source.clone(),
                    target: model.target.clone(),
                    config: model.config.clone(),
                };
                self.training.show_model(*model, inputs, true);
                self.model_arrived(context);
            }
            // A superseded sampling's events (the router sends no other kind here).
            _ => {}
        }
    }

    /// A model arrived: staleness is decided again, and the learned flow is sampled and then
    /// played.
    fn model_arrived(&mut self, context: &mut Context) {
        context.note(Change::Staleness);
        context.note(Change::LearnedFlow);
        self.play_when_ready = true;
    }

    /// Re-integrates the learned flow of the current model from fresh source samples.
    pub(crate) fn resample(&mut self, setup: Setup, plot: PlotFrame, context: &mut Context) {
        let Some(model) = self.training.model().cloned() else {
            return;
        };
        let generation = context.fresh_generation();
        self.learned.restart(generation);
        let settings = setup.settings();
        context.request(Request::Learned(LearnedRequest {
            generation,
            model,
            particles: settings.particles,
            nfe: self.training.effective_nfe(),
            seed: settings.seed,
            extent: plot.extent,
            grid_cells: GRID_CELLS,
            projection: plot.projection,
            cancel: self.learned.cancel_token(),
        }));
    }

    /// Decides again whether the model matches the current inputs.
    pub(crate) fn refresh_staleness(&mut self, setup: Setup) {
        let current = setup.model_inputs(self.training.config().clone());
        self.training.refresh_staleness(&current);
    }

    fn start_training(&mut self, setup: Setup, context: &mut Context) {
        if self.training.running().is_some() {
            context.say("training is already running");
            return;
        }
        let inputs = setup.model_inputs(self.training.config().clone());
        if let Distribution::Points { points, .. } = &inputs.target
            && points.is_empty()
        {
            context.fail("cannot train: the drawn target is empty");
            return;
        }
        let teacher = match self.training.teacher() {
            Ok(teacher) => teacher,
            Err(reason) => {
                context.fail(format!("cannot train: {reason}"));
                return;
            }
        };
        let generation = context.fresh_generation();
        let cancel = self.training.begin(generation, inputs.clone());
        context.say("training…");
        context.request(Request::Train(TrainRequest {
            generation,
            config: inputs.config,
            source: inputs.source,
            target: inputs.target,
            teacher,
            cancel,
        }));
    }

    fn on_train_finished(
        &mut self,
        generation: u64,
        result: Result<Box<TrainedModel>, JobError>,
        context: &mut Context,
    ) {
        let Some(inputs) = self.training.end(generation) else {
            return;
        };
        match result {
            Ok(model) => {
                context.say(format!(
                    "trained {} in {:.1} s",
                    model.method.display_name(),
                    model.log.seconds
                ));
                self.training.show_model(*model, inputs, false);
                self.model_path = None;
                self.model_arrived(context);
            }
            Err(error) if error.is_cancelled() => {
                context.say("training cancelled; the previous model is kept");
            }
            Err(error) => {
                context.messages_mut().clear_status();
                context.fail(format!("training failed: {}", error.describe()));
            }
        }
    }
}
