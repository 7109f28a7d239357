//! The training driver shared by both methods: progress, cancellation, the log and W2 checkpoints.

use super::inputs::PositionEncoding;
use super::{
    FORMAT_VERSION, Method, ModelError, Networks, TrainConfig, TrainProgress, TrainedModel,
    TrainingLog, W2Checkpoint, nsgf, straight,
};
use crate::data::{Distribution, SeededRng, seeded_rng};
use crate::metrics;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Adam steps of the NSGF++ straight stage that count as one unit of progress.
pub(super) const STRAIGHT_STEPS_PER_UNIT: usize = 50;

/// State shared by the stages of one training run.
pub(super) struct TrainingRun<'a> {
    pub config: &'a TrainConfig,
    pub source: &'a Distribution,
    pub target: &'a Distribution,
    cancel: &'a AtomicBool,
    progress: &'a mut dyn FnMut(&TrainProgress),
    pub log: TrainingLog,
    units_done: usize,
    units_total: usize,
    noise_floor: Option<f64>,
}

impl TrainingRun<'_> {
    /// Fails with [`ModelError::Cancelled`] once the cancel flag is set.
    pub fn check_cancelled(&self) -> Result<(), ModelError> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(ModelError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Records one unit of progress: logs the loss, takes a W2 checkpoint of the networks that
    /// `networks` returns when one is due (None: no checkpoint in this stage), and reports to the caller. `iteration` counts within the stage.
    pub fn record(
        &mut self,
        stage: &'static str,
        iteration: usize,
        total: usize,
        loss: f64,
        networks: impl FnOnce() -> Option<Networks>,
    ) -> Result<(), ModelError> {
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
        (self.progress)(&TrainProgress {
            stage,
            iteration: iteration + 1,
            total,
            fraction_done: self.units_done as f64 / self.units_total.max(1) as f64,
            loss,
            w2,
        });
        Ok(())
    }

    /// W2 of fresh model samples against fresh target samples, logged beside the noise floor.
    fn checkpoint(&mut self, networks: Networks) -> Result<f64, ModelError> {
        let n = self.config.eval_samples;
        let model = TrainedModel {
            format_version: FORMAT_VERSION,
            method: self.config.method,
            config: self.config.clone(),
            source: self.source.clone(),
            target: self.target.clone(),
            log: TrainingLog::default(),
            networks,
        };
        let seed = self.config.seed ^ 0x5eed_c4ec_0000 ^ self.units_done as u64;
        let samples = model.sample(n, None, seed)?;
        let mut rng = seeded_rng(seed.wrapping_add(1));
        let target_samples = self.target.sample(n, &mut rng)?;
        let w2 = metrics::exact_w2(&samples, &target_samples)
            .map_err(|error| ModelError::Invalid(error.to_string()))?;
        let floor = match self.noise_floor {
            Some(floor) => floor,
            None => {
                let floor = metrics::noise_floor(self.target, n, &mut rng)
                    .map_err(|error| ModelError::Invalid(error.to_string()))?;
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

impl TrainedModel {
    /// Trains a model of `config.method` from `source` to `target`, reporting progress after every
    /// outer iteration; returns [`ModelError::Cancelled`] soon after `cancel` is set.
    pub fn train(
        config: &TrainConfig,
        source: &Distribution,
        target: &Distribution,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&TrainProgress),
    ) -> Result<Self, ModelError> {
        config.validate()?;
        let started = Instant::now();
        let mut rng: SeededRng = seeded_rng(config.seed);
        let straight_units = match config.method {
            Method::Nsgf => 0,
            Method::NsgfPp => config.straight_iterations.div_ceil(STRAIGHT_STEPS_PER_UNIT),
        };
        let mut run = TrainingRun {
            config,
            source,
            target,
            cancel,
            progress,
            log: TrainingLog::default(),
            units_done: 0,
            units_total: config.iterations + straight_units,
            noise_floor: None,
        };
        let encoding =
            PositionEncoding::random(config.fourier_features, config.fourier_scale, &mut rng);
        let velocity = nsgf::train_velocity_field(&mut run, &encoding, &mut rng)?;
        let straight = match config.method {
            Method::Nsgf => None,
            Method::NsgfPp => Some(straight::train_straight_flow(
                &mut run, &encoding, &velocity, &mut rng,
            )?),
        };
        let mut log = run.log;
        log.seconds = started.elapsed().as_secs_f64();
        Ok(Self {
            format_version: FORMAT_VERSION,
            method: config.method,
            config: config.clone(),
            source: source.clone(),
            target: target.clone(),
            log,
            networks: Networks {
                encoding,
                velocity,
                straight,
            },
        })
    }
}
