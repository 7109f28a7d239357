//! The training driver shared by both methods: a [`Trainer`] that advances a run one unit of
//! progress at a time (so a job can step it, report progress and be cancelled between steps),
//! and [`TrainedModel::train`], which runs a trainer to the end.

use super::inputs::PositionEncoding;
use super::nsgf::VelocityStage;
use super::setup::{STRAIGHT_STEPS_PER_UNIT, TrainingRun};
use super::straight::StraightStage;
use super::{Method, ModelError, Networks, TrainConfig, TrainProgress, TrainedModel};
use crate::data::{Distribution, SeededRng, seeded_rng};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Where a run stands.
enum Stage {
    /// NSGF's velocity field v_θ (both methods).
    Velocity(VelocityStage),
    /// NSGF++'s straight flow u_δ and time predictor t_φ.
    Straight(StraightStage),
    /// Every stage is done; the model was handed out.
    Done,
}

/// What one [`Trainer::step`] produced.
#[derive(Debug)]
pub enum TrainStep {
    /// One more unit of progress.
    Progress(TrainProgress),
    /// The run ended with this model.
    Finished(Box<TrainedModel>),
}

/// A training run advanced in bounded steps: one outer iteration of the velocity-field stage,
/// or 50 Adam steps of the straight stage, per [`Trainer::step`].
/// Stepping a trainer to the end gives exactly the model [`TrainedModel::train`] gives.
pub struct Trainer {
    run: TrainingRun,
    encoding: PositionEncoding,
    rng: SeededRng,
    stage: Stage,
    elapsed_s: f64,
}

impl Trainer {
    /// A run of `config` from `source` to `target` (validated; nothing is trained yet).
    pub fn new(
        config: &TrainConfig,
        source: &Distribution,
        target: &Distribution,
    ) -> Result<Self, ModelError> {
        config.validate()?;
        let mut rng: SeededRng = seeded_rng(config.seed);
        let straight_units = match config.method {
            Method::Nsgf => 0,
            Method::NsgfPp => config.straight_iterations.div_ceil(STRAIGHT_STEPS_PER_UNIT),
        };
        let run = TrainingRun::new(
            config.clone(),
            source.clone(),
            target.clone(),
            config.iterations + straight_units,
        );
        let encoding =
            PositionEncoding::random(config.fourier_features, config.fourier_scale, &mut rng);
        let stage = Stage::Velocity(VelocityStage::new(&run, &encoding, &mut rng));
        Ok(Self {
            run,
            encoding,
            rng,
            stage,
            elapsed_s: 0.0,
        })
    }

    /// Fraction of the run done, in [0, 1].
    pub fn fraction_done(&self) -> f64 {
        self.run.fraction_done()
    }

    /// Whether the model was handed out.
    pub fn finished(&self) -> bool {
        matches!(self.stage, Stage::Done)
    }

    /// Advances the run by one unit of progress, or hands out the model once every stage is
    /// done. Errors once finished, and on divergence or bad data.
    pub fn step(&mut self) -> Result<TrainStep, ModelError> {
        let started = Instant::now();
        let outcome = self.advance();
        self.elapsed_s += started.elapsed().as_secs_f64();
        outcome
    }

    fn advance(&mut self) -> Result<TrainStep, ModelError> {
        let run = &mut self.run;
        let (encoding, rng) = (&self.encoding, &mut self.rng);
        match &mut self.stage {
            Stage::Velocity(stage) if !stage.finished(run) => {
                return stage.step(run, encoding, rng).map(TrainStep::Progress);
            }
            Stage::Straight(stage) if !stage.finished(run) => {
                return stage.step(run, encoding, rng).map(TrainStep::Progress);
            }
            Stage::Done => {
                return Err(ModelError::Invalid(
                    "the training run has already finished".into(),
                ));
            }
            Stage::Velocity(_) | Stage::Straight(_) => {}
        }
        // The current stage is finished: move on to the next one.
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Velocity(stage) => {
                let velocity = stage.into_network();
                match run.config.method {
                    Method::Nsgf => Ok(self.finish(velocity, None)),
                    Method::NsgfPp => {
                        let next = StraightStage::new(run, encoding, velocity, rng)?;
                        self.stage = Stage::Straight(next);
                        self.advance()
                    }
                }
            }
            Stage::Straight(stage) => {
                let (velocity, straight) = stage.into_networks();
                Ok(self.finish(velocity, Some(straight)))
            }
            Stage::Done => unreachable!("handled above"),
        }
    }

    fn finish(
        &mut self,
        velocity: crate::nn::Mlp,
        straight: Option<super::StraightNetworks>,
    ) -> TrainStep {
        self.run.log.seconds = self.elapsed_s;
        TrainStep::Finished(Box::new(self.run.model(Networks {
            encoding: self.encoding.clone(),
            velocity,
            straight,
        })))
    }
}

impl TrainedModel {
    /// Trains a model of `config.method` from `source` to `target`, reporting progress after every
    /// unit of progress; returns [`ModelError::Cancelled`] soon after `cancel` is set.
    pub fn train(
        config: &TrainConfig,
        source: &Distribution,
        target: &Distribution,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&TrainProgress),
    ) -> Result<Self, ModelError> {
        let mut trainer = Trainer::new(config, source, target)?;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(ModelError::Cancelled);
            }
            match trainer.step()? {
                TrainStep::Progress(report) => progress(&report),
                TrainStep::Finished(model) => return Ok(*model),
            }
        }
    }
}
