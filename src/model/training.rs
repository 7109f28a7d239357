//! The training driver shared by both methods: a [`Trainer`] that advances a run one unit of
//! progress at a time (so a job can step it, report progress and be cancelled between steps),
//! and [`TrainedModel::train`], which runs a trainer to the end.

use super::flow_matching::FlowMatchingStage;
use super::inputs::PositionEncoding;
use super::nsgf::VelocityStage;
use super::onestep::{GeneratorStage, check_guide, guide_record};
use super::setup::{STRAIGHT_STEPS_PER_UNIT, TrainingRun};
use super::straight::StraightStage;
use super::{Method, ModelError, Networks, TrainConfig, TrainProgress, TrainedModel};
use crate::data::{Distribution, SeededRng, seeded_rng};
use crate::ot::CloudKernels;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use web_time::Instant;

/// Where a run stands.
enum Stage {
    /// NSGF's velocity field v_θ (both methods).
    Velocity(VelocityStage),
    /// NSGF++'s straight flow u_δ and time predictor t_φ.
    Straight(StraightStage),
    /// A one-step generator G.
    Generator(GeneratorStage),
    /// A flow-matching rival's v_θ (I-CFM, OT-CFM, RF).
    FlowMatching(FlowMatchingStage),
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

/// A training run advanced in bounded steps: one outer iteration of the velocity-field stage or
/// of a one-step generator, or 50 Adam steps of the straight stage, per [`Trainer::step`].
/// Stepping a trainer to the end gives exactly the model [`TrainedModel::train`] gives.
pub struct Trainer {
    run: TrainingRun,
    encoding: PositionEncoding,
    rng: SeededRng,
    stage: Stage,
    elapsed_s: f64,
}

impl Trainer {
    /// A run of `config` from `source` to `target` (validated; nothing is trained yet). A
    /// distilled one-step generator needs a teacher: see [`Trainer::guided`].
    pub fn new(
        config: &TrainConfig,
        source: &Distribution,
        target: &Distribution,
    ) -> Result<Self, ModelError> {
        Self::guided(config, source, target, None)
    }

    /// A run that learns from another model, `guide`: the teacher of a distilled one-step
    /// generator (an NSGF or NSGF++ model), or the one-step generator a direct run starts from
    /// (so that the student is no longer bounded by its teacher). The guide must have been
    /// trained from `source` to `target`; NSGF and NSGF++ take none.
    pub fn guided(
        config: &TrainConfig,
        source: &Distribution,
        target: &Distribution,
        guide: Option<Arc<TrainedModel>>,
    ) -> Result<Self, ModelError> {
        config.validate()?;
        if source.dim() != target.dim() {
            return Err(ModelError::Data(crate::data::DataError::Dimension {
                label: format!("the source {}", source.label()),
                dim: source.dim(),
                needed: target.dim(),
            }));
        }
        check_guide(config, source, target, guide.as_deref())?;
        let mut rng: SeededRng = seeded_rng(config.seed);
        let extra_units = match config.method {
            Method::NsgfPp => config.straight_iterations.div_ceil(STRAIGHT_STEPS_PER_UNIT),
            Method::Rf => config.reflow_iterations,
            _ => 0,
        };
        let mut run = TrainingRun::new(
            config.clone(),
            source.clone(),
            target.clone(),
            config.iterations + extra_units,
        );
        let mut encoding = PositionEncoding::random(
            config.fourier_features,
            config.fourier_scale,
            target.dim(),
            &mut rng,
        );
        let stage = if config.method.is_flow_matching() {
            Stage::FlowMatching(FlowMatchingStage::new(&run, &encoding, &mut rng))
        } else if config.method == Method::OneStep {
            run.guide = guide.as_deref().map(guide_record);
            // A direct run from a one-step model continues its generator, encoding and all.
            let start = guide.as_deref().filter(|g| g.method == Method::OneStep);
            if let Some(start) = start {
                encoding = start.networks.encoding.clone();
            }
            let teacher = guide.clone().filter(|g| g.method != Method::OneStep);
            Stage::Generator(GeneratorStage::new(
                &run, &encoding, teacher, start, &mut rng,
            )?)
        } else {
            Stage::Velocity(VelocityStage::new(&run, &encoding, &mut rng))
        };
        Ok(Self {
            run,
            encoding,
            rng,
            stage,
            elapsed_s: 0.0,
        })
    }

    /// Computes the simulated flows' velocities on `kernels` in dimensions other than 2 (the
    /// CPU's streaming f64 kernels by default; a GPU's with `gpu::WideGpu`). 2D runs keep the
    /// specialised 2D kernels.
    pub fn set_kernels(&mut self, kernels: Arc<dyn CloudKernels>) {
        self.run.kernels = kernels;
    }

    /// Where the flows' velocities are computed, for people.
    pub fn kernels_name(&self) -> String {
        if self.run.target.dim() == 2 {
            format!("cpu f32 ({} kernels)", crate::ot::kernel_in_use())
        } else {
            self.run.kernels.name()
        }
    }

    /// Fraction of the run done, in [0, 1].
    pub fn fraction_done(&self) -> f64 {
        self.run.fraction_done()
    }

    /// Advances the run by one unit of progress, or hands out the model once every stage is
    /// done. Errors once finished, and on divergence or bad data.
    pub fn step(&mut self) -> Result<TrainStep, ModelError> {
        let started = Instant::now();
        let outcome = self.advance(None);
        self.elapsed_s += started.elapsed().as_secs_f64();
        outcome.and_then(|step| {
            step.ok_or_else(|| ModelError::Invalid("a step without a deadline paused".into()))
        })
    }

    /// [`Trainer::step`] that pauses once `budget` is spent (after at least one piece of work:
    /// a few Sinkhorn iterations, an Euler step or an Adam step) and answers `None`; the next
    /// call resumes the same unit. This is how the browser trains, a few milliseconds a frame;
    /// the model is the one [`Trainer::step`] gives. A one-step generator's unit does not pause.
    pub fn step_for(&mut self, budget: Duration) -> Result<Option<TrainStep>, ModelError> {
        let started = Instant::now();
        let outcome = self.advance(Some(started + budget));
        self.elapsed_s += started.elapsed().as_secs_f64();
        outcome
    }

    fn advance(&mut self, deadline: Option<Instant>) -> Result<Option<TrainStep>, ModelError> {
        let run = &mut self.run;
        let (encoding, rng) = (&self.encoding, &mut self.rng);
        let progress = |step: Option<TrainProgress>| step.map(TrainStep::Progress);
        match &mut self.stage {
            Stage::Velocity(stage) if !stage.finished(run) => {
                return stage.step(run, encoding, rng, deadline).map(progress);
            }
            Stage::Straight(stage) if !stage.finished(run) => {
                return stage.step(run, encoding, rng, deadline).map(progress);
            }
            Stage::Generator(stage) if !stage.finished(run) => {
                return stage
                    .step(run, encoding, rng)
                    .map(TrainStep::Progress)
                    .map(Some);
            }
            Stage::FlowMatching(stage) if !stage.finished(run) => {
                return stage
                    .step(run, encoding, rng)
                    .map(TrainStep::Progress)
                    .map(Some);
            }
            Stage::Done => {
                return Err(ModelError::Invalid(
                    "the training run has already finished".into(),
                ));
            }
            Stage::Velocity(_)
            | Stage::Straight(_)
            | Stage::Generator(_)
            | Stage::FlowMatching(_) => {}
        }
        // The current stage is finished: move on to the next one.
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Velocity(stage) => {
                let velocity = stage.into_network();
                match run.config.method {
                    Method::NsgfPp => {
                        let next = StraightStage::new(run, encoding, velocity, rng)?;
                        self.stage = Stage::Straight(next);
                        self.advance(deadline)
                    }
                    _ => {
                        let networks = Networks::velocity_only(encoding.clone(), velocity);
                        Ok(Some(self.finish(networks)))
                    }
                }
            }
            Stage::Straight(stage) => {
                let (velocity, straight) = stage.into_networks();
                let networks = Networks {
                    straight: Some(straight),
                    ..Networks::velocity_only(encoding.clone(), velocity)
                };
                Ok(Some(self.finish(networks)))
            }
            Stage::FlowMatching(stage) => {
                let networks = Networks::velocity_only(encoding.clone(), stage.into_network());
                Ok(Some(self.finish(networks)))
            }
            Stage::Generator(stage) => Ok(Some(self.finish(Networks {
                encoding: encoding.clone(),
                velocity: None,
                straight: None,
                generator: Some(stage.into_network()),
            }))),
            Stage::Done => unreachable!("handled above"),
        }
    }

    /// Hands out the model of `networks` with the run's log and time.
    fn finish(&mut self, networks: Networks) -> TrainStep {
        self.run.log.seconds = self.elapsed_s;
        TrainStep::Finished(Box::new(self.run.model(networks)))
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
        Self::train_guided(config, source, target, None, cancel, progress)
    }

    /// [`TrainedModel::train`] learning from `guide` (see [`Trainer::guided`]).
    pub fn train_guided(
        config: &TrainConfig,
        source: &Distribution,
        target: &Distribution,
        guide: Option<Arc<TrainedModel>>,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&TrainProgress),
    ) -> Result<Self, ModelError> {
        Trainer::guided(config, source, target, guide)?.run(cancel, progress)
    }
}

impl Trainer {
    /// Steps the run to the end, reporting progress after every unit; returns
    /// [`ModelError::Cancelled`] soon after `cancel` is set.
    pub fn run(
        mut self,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&TrainProgress),
    ) -> Result<TrainedModel, ModelError> {
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(ModelError::Cancelled);
            }
            match self.step()? {
                TrainStep::Progress(report) => progress(&report),
                TrainStep::Finished(model) => return Ok(*model),
            }
        }
    }
}
