//! Training and the learned flow: starting a run, its progress and its model, sampling the learned flow, and whether the model is stale.

use super::training::ModelInputs;
use super::{AppState, GRID_CELLS};
use crate::app::jobs::{LearnedRequest, Request, TrainRequest, WorkerEvent};
use crate::data::Distribution;
use crate::job::JobError;
use crate::model::{TrainProgress, TrainedModel};

impl AppState {
    /// Training's and the learned flow's events: progress, a finished run, a loaded model,
    /// learned samples (a superseded sampling's are dropped).
    pub(super) fn on_learning_event(&mut self, event: WorkerEvent) {
        let learned = self.learned.generation();
        match event {
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
            // A superseded sampling's events (on_event routes no other kind here).
            _ => {}
        }
    }

    /// Re-integrates the learned flow of the current model from fresh source samples.
    pub(super) fn resample_learned_flow(&mut self) {
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

    pub(super) fn current_model_inputs(&self) -> ModelInputs {
        ModelInputs {
            source: self.source_distribution(),
            target: self.target_distribution(),
            config: self.training.config().clone(),
        }
    }

    /// Recomputes whether the model matches the current inputs.
    pub(super) fn refresh_staleness(&mut self) {
        let current = self.current_model_inputs();
        self.training.refresh_staleness(&current);
    }

    pub(super) fn start_training(&mut self) {
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

    pub(super) fn on_train_progress(&mut self, generation: u64, progress: TrainProgress) {
        self.training.progress(generation, progress);
    }

    pub(super) fn on_train_finished(
        &mut self,
        generation: u64,
        result: Result<Box<TrainedModel>, JobError>,
    ) {
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
}
