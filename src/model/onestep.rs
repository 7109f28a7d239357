//! One-step generators: G(z) = z + g_ψ(z), a source sample to a target sample in one network
//! evaluation, trained one outer iteration per step, either distilled from a trained NSGF/NSGF++
//! teacher (regress G(z) on the teacher's endpoint Φ(z)) or directly on the Sinkhorn flow
//! (W-Flow style: regress G(z) on the frozen x + η·v(x), v the debiased velocity of the batch
//! x = G(z) toward target samples, against an independent batch x′ = G(z′)).

use super::inputs::{PositionEncoding, moved, output_cloud, vectors};
use super::setup::{TrainingRun, cosine_learning_rate};
use super::{Guide, Method, ModelError, Networks, OneStepMode, TrainProgress, TrainedModel};
use crate::PointCloud;
use crate::data::SeededRng;
use crate::nn::{Adam, Mlp, train_step};
use crate::ot::cpu::CpuBackend;
use crate::ot::{Precision, VelocityBackend};
use ndarray::{Array2, Axis};
use rand::RngExt;
use std::sync::Arc;

/// G(z) = z + g(z) for every z of `sources`: the generator's one network evaluation.
pub(super) fn generate(
    generator: &Mlp,
    encoding: &PositionEncoding,
    sources: &PointCloud,
) -> PointCloud {
    let displacements = output_cloud(&generator.forward(encoding.positions(sources).view()));
    moved(sources, 1.0, &displacements)
}

/// Where the regression targets of a run come from.
enum Targets {
    /// A trained NSGF or NSGF++ model, integrated at `nfe`.
    Teacher {
        model: Arc<TrainedModel>,
        nfe: usize,
    },
    /// The debiased Sinkhorn-flow velocity of the generator's own batches.
    Flow { backend: CpuBackend },
}

/// The generator stage in progress.
pub(super) struct GeneratorStage {
    generator: Mlp,
    adam: Adam,
    targets: Targets,
    iteration: usize,
}

impl GeneratorStage {
    /// A generator for `run`: drawn fresh from `rng`, or the one of `start` (a one-step model
    /// whose encoding the caller adopted); distilled runs need `teacher`.
    pub(crate) fn new(
        run: &TrainingRun,
        encoding: &PositionEncoding,
        teacher: Option<Arc<TrainedModel>>,
        start: Option<&TrainedModel>,
        rng: &mut SeededRng,
    ) -> Result<Self, ModelError> {
        let generator = match start.and_then(|model| model.networks.generator.clone()) {
            Some(generator) => generator,
            None => Mlp::new(&run.mlp_config(encoding.width(), encoding.dim()), rng),
        };
        let adam = Adam::new(run.config.learning_rate as f32, &generator);
        let targets = match (run.config.onestep_mode, teacher) {
            (OneStepMode::Distilled, Some(model)) => {
                let nfe = model.default_nfe();
                Targets::Teacher { model, nfe }
            }
            (OneStepMode::Distilled, None) => {
                return Err(ModelError::Invalid(
                    "a distilled one-step generator needs a trained NSGF or NSGF++ teacher".into(),
                ));
            }
            (OneStepMode::Direct, _) => Targets::Flow {
                backend: CpuBackend::new(Precision::F32),
            },
        };
        Ok(Self {
            generator,
            adam,
            targets,
            iteration: 0,
        })
    }

    /// Whether every outer iteration is done.
    pub(crate) fn finished(&self, run: &TrainingRun) -> bool {
        self.iteration >= run.config.iterations
    }

    /// One outer iteration: fresh sources and their regression targets, then `adam_steps`
    /// minibatch steps of G on them.
    pub(crate) fn step(
        &mut self,
        run: &mut TrainingRun,
        encoding: &PositionEncoding,
        rng: &mut SeededRng,
    ) -> Result<TrainProgress, ModelError> {
        let config = &run.config;
        let sources = run.source.sample_cloud(config.particles, rng)?;
        let goals = match &mut self.targets {
            Targets::Teacher { model, nfe } => model.push_forward(sources.clone(), *nfe)?,
            Targets::Flow { backend } => {
                let particles = generate(&self.generator, encoding, &sources);
                let independent_sources = run.source.sample_cloud(config.particles, rng)?;
                let independent = generate(&self.generator, encoding, &independent_sources);
                let target = run.target.sample_cloud(config.particles, rng)?;
                let velocity = if particles.dim() == 2 {
                    PointCloud::from_points(&backend.debiased_velocity(
                        particles.points(),
                        independent.points(),
                        target.points(),
                        &config.flow.sinkhorn,
                    )?)
                } else {
                    crate::ot::cloud_debiased_velocity(
                        &particles,
                        &independent,
                        &target,
                        &config.flow.sinkhorn,
                        Precision::F32,
                    )?
                };
                moved(&particles, config.flow.eta, &velocity)
            }
        };
        let displacements = moved(&goals, -1.0, &sources);
        let input = encoding.positions(&sources);
        let target = vectors(&displacements);
        self.adam.set_learning_rate(cosine_learning_rate(
            config.learning_rate,
            self.iteration,
            config.iterations,
        ));
        let mut loss_sum = 0.0;
        for _ in 0..config.adam_steps {
            let (batch_input, batch_target) = minibatch(&input, &target, config.batch_size, rng);
            loss_sum += f64::from(train_step(
                &mut self.generator,
                &mut self.adam,
                batch_input.view(),
                batch_target.view(),
            ));
        }
        let loss = loss_sum / config.adam_steps as f64;
        let (iteration, total) = (self.iteration, config.iterations);
        self.iteration += 1;
        let generator = &self.generator;
        run.record("generator", iteration, total, loss, || {
            Some(Networks {
                encoding: encoding.clone(),
                velocity: None,
                straight: None,
                generator: Some(generator.clone()),
            })
        })
    }

    /// The trained generator.
    pub(crate) fn into_network(self) -> Mlp {
        self.generator
    }
}

/// `size` rows drawn with replacement from `input` and `target` (all rows, in order, when
/// `size` covers them).
fn minibatch(
    input: &Array2<f32>,
    target: &Array2<f32>,
    size: usize,
    rng: &mut SeededRng,
) -> (Array2<f32>, Array2<f32>) {
    let rows = input.nrows();
    if size >= rows {
        return (input.clone(), target.clone());
    }
    let picked: Vec<usize> = (0..size).map(|_| rng.random_range(0..rows)).collect();
    (
        input.select(Axis(0), &picked),
        target.select(Axis(0), &picked),
    )
}

/// What a run records of its guide (a distilled run's teacher, a direct run's start).
pub(super) fn guide_record(model: &TrainedModel) -> Guide {
    Guide {
        method: model.method,
        nfe: model.default_nfe(),
        w2: model.log.w2.last().copied(),
        seconds: model.log.seconds,
    }
}

/// Checks that `guide` can guide a one-step run of `method` in `mode` from `source` to
/// `target`, naming what does not fit.
pub(super) fn check_guide(
    config: &super::TrainConfig,
    source: &crate::data::Distribution,
    target: &crate::data::Distribution,
    guide: Option<&TrainedModel>,
) -> Result<(), ModelError> {
    let Some(guide) = guide else {
        if config.method == Method::OneStep && config.onestep_mode == OneStepMode::Distilled {
            return Err(ModelError::Invalid(
                "a distilled one-step generator needs a teacher: a trained NSGF or NSGF++ model \
                 (--teacher model.json)"
                    .into(),
            ));
        }
        return Ok(());
    };
    if config.method != Method::OneStep {
        return Err(ModelError::Invalid(format!(
            "only one-step generators learn from another model ({} trains on its own)",
            config.method.display_name()
        )));
    }
    match (config.onestep_mode, guide.method) {
        (OneStepMode::Distilled, Method::OneStep) => {
            return Err(ModelError::Invalid(
                "the teacher of a distilled generator must be a flow (NSGF, NSGF++, OT-CFM, \
                 I-CFM or RF), not a one-step generator"
                    .into(),
            ));
        }
        (OneStepMode::Distilled, _) => {}
        (OneStepMode::Direct, Method::OneStep) => {
            let same_shape = guide.config.hidden_width == config.hidden_width
                && guide.config.hidden_layers == config.hidden_layers
                && guide.config.activation == config.activation
                && guide.config.fourier_features == config.fourier_features;
            if !same_shape {
                return Err(ModelError::Invalid(format!(
                    "the starting generator has {} hidden layers of width {} with {} Fourier \
                     features ({:?}); the run asks for {} of width {} with {} ({:?})",
                    guide.config.hidden_layers,
                    guide.config.hidden_width,
                    guide.config.fourier_features,
                    guide.config.activation,
                    config.hidden_layers,
                    config.hidden_width,
                    config.fourier_features,
                    config.activation
                )));
            }
        }
        (OneStepMode::Direct, method) => {
            return Err(ModelError::Invalid(format!(
                "a direct run starts from a one-step generator (a distilled one), not from an \
                 {} model",
                method.display_name()
            )));
        }
    }
    if &guide.source != source || &guide.target != target {
        return Err(ModelError::Invalid(format!(
            "the {} model was trained from {} to {}, not from {} to {}",
            guide.method.display_name(),
            guide.source.label(),
            guide.target.label(),
            source.label(),
            target.label()
        )));
    }
    Ok(())
}
