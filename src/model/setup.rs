//! What the training stages share: the run's owned inputs and log, the MLP shape, the learning
//! rate schedule, progress units and W2 checkpoints. The stages ([`super::nsgf`],
//! [`super::straight`]) and the driver ([`super::training`]) use this module; it uses none of them.

use super::{
    FORMAT_VERSION, Guide, ModelError, Networks, TrainConfig, TrainProgress, TrainedModel,
    TrainingLog, W2Checkpoint,
};
use crate::data::{Distribution, Stream, derive_seed, stream_rng};
use crate::metrics;
use crate::nn::MlpConfig;
use crate::ot::{CloudKernels, CpuCloudKernels, Precision};
use std::sync::Arc;

/// Adam steps of the NSGF++ straight stage that count as one unit of progress.
pub const STRAIGHT_STEPS_PER_UNIT: usize = 50;

/// The learning rate at `iteration` of `total`: cosine decay from `base` to `base / 10`.
pub(crate) fn cosine_learning_rate(base: f64, iteration: usize, total: usize) -> f32 {
    let progress = iteration as f64 / total.max(1) as f64;
    let factor = 0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
    (base * factor) as f32
}

/// The inputs, log and progress count of one training run, owned so that a run can be stepped
/// from any thread (or from the UI thread) without borrowing its caller.
pub(super) struct TrainingRun {
    pub config: TrainConfig,
    pub source: Distribution,
    pub target: Distribution,
    pub log: TrainingLog,
    /// One-step runs: the teacher or starting model, as recorded in the model.
    pub guide: Option<Guide>,
    /// Where the velocities of flows in dimensions other than 2 are computed.
    pub kernels: Arc<dyn CloudKernels>,
    units_done: usize,
    units_total: usize,
    noise_floor: Option<f64>,
}

impl TrainingRun {
    /// A run of `config` from `source` to `target` with `units_total` units of progress.
    pub(super) fn new(
        config: TrainConfig,
        source: Distribution,
        target: Distribution,
        units_total: usize,
    ) -> Self {
        Self {
            config,
            source,
            target,
            log: TrainingLog::default(),
            guide: None,
            kernels: Arc::new(CpuCloudKernels {
                precision: Precision::F64,
            }),
            units_done: 0,
            units_total,
            noise_floor: None,
        }
    }

    /// The MLP shape shared by every network of a run.
    pub(super) fn mlp_config(&self, input: usize, output: usize) -> MlpConfig {
        MlpConfig {
            input,
            hidden_width: self.config.hidden_width,
            hidden_layers: self.config.hidden_layers,
            output,
            activation: self.config.activation,
        }
    }

    /// Fraction of the whole run done, in [0, 1].
    pub(super) fn fraction_done(&self) -> f64 {
        self.units_done as f64 / self.units_total.max(1) as f64
    }

    /// Records one unit of progress: logs the loss, takes a W2 checkpoint of the networks that
    /// `networks` returns when one is due (None: no checkpoint in this stage), and returns the
    /// progress report. `iteration` counts within the stage.
    pub(super) fn record(
        &mut self,
        stage: &'static str,
        iteration: usize,
        total: usize,
        loss: f64,
        networks: impl FnOnce() -> Option<Networks>,
    ) -> Result<TrainProgress, ModelError> {
        if !loss.is_finite() {
            return Err(ModelError::Diverged(loss, self.units_done));
        }
        self.units_done += 1;
        self.log.losses.push((self.units_done, loss));
        let due =
            self.config.eval_every > 0 && (iteration + 1).is_multiple_of(self.config.eval_every);
        let last = iteration + 1 == total;
        let w2 = match (due || last).then(networks).flatten() {
            Some(networks) => Some(self.checkpoint(networks)?),
            None => None,
        };
        Ok(TrainProgress {
            stage,
            iteration: iteration + 1,
            total,
            fraction_done: self.fraction_done(),
            loss,
            w2,
        })
    }

    /// The model made of `networks` with this run's inputs and log.
    pub(super) fn model(&self, networks: Networks) -> TrainedModel {
        TrainedModel {
            format_version: FORMAT_VERSION,
            dim: self.target.dim(),
            method: self.config.method,
            config: self.config.clone(),
            source: self.source.clone(),
            target: self.target.clone(),
            log: self.log.clone(),
            guide: self.guide.clone(),
            networks,
        }
    }

    /// W2 of fresh model samples against fresh target samples, logged beside the noise floor.
    /// A target with a fixed held-out set (the digits, a wide CSV file) is judged on held-out
    /// points, with the floor between two disjoint halves of them.
    fn checkpoint(&mut self, networks: Networks) -> Result<f64, ModelError> {
        let model = TrainedModel {
            log: TrainingLog::default(),
            ..self.model(networks)
        };
        let seed = derive_seed(self.config.seed, Stream::Checkpoint(self.units_done));
        if self.target.dim() != 2 {
            let n = self
                .target
                .most_judged()
                .map_or(self.config.eval_samples, |most| {
                    most.min(self.config.eval_samples)
                });
            let samples = model.sample_cloud(n, None, seed)?;
            let mut rng = stream_rng(seed, Stream::CheckpointTarget);
            let (held_out, floor) = metrics::held_out_and_floor(&self.target, n, &mut rng)?;
            let w2 = metrics::cloud_exact_w2(&samples, &held_out)?;
            self.log.w2.push(W2Checkpoint {
                iteration: self.units_done,
                w2,
                floor,
            });
            return Ok(w2);
        }
        let n = self.config.eval_samples;
        let samples = model.sample(n, None, seed)?;
        let mut rng = stream_rng(seed, Stream::CheckpointTarget);
        let target_samples = self.target.sample(n, &mut rng)?;
        let w2 = metrics::exact_w2(&samples, &target_samples)?;
        let floor = match self.noise_floor {
            Some(floor) => floor,
            None => {
                let floor = metrics::noise_floor(&self.target, n, &mut rng)?;
                self.noise_floor = Some(floor);
                floor
            }
        };
        self.log.w2.push(W2Checkpoint {
            iteration: self.units_done,
            w2,
            floor,
        });
        Ok(w2)
    }
}
