//! The flow-matching rivals in the one model core: I-CFM, OT-CFM and rectified flow (Tong et
//! al. 2023; Liu et al. 2023), trained as TorchCFM trains them. Each Adam step draws a source
//! batch x₀ and a target batch x₁ (OT-CFM re-pairs them by the exact assignment, as TorchCFM's
//! `OTPlanSampler` does with POT's `emd`), times t ~ U(0, 1) and noise ε ~ N(0, I), and
//! regresses v_θ(x_t, t) on u = x₁ − x₀ at x_t = (1 − t)·x₀ + t·x₁ + σ·ε. Rectified flow's
//! reflow pass regresses on the pairs (x₀, Φ(x₀)) of the flow it learned first. Sampling
//! integrates v_θ over t ∈ [0, 1] with Euler steps.

use super::inputs::{PositionEncoding, vectors};
use super::setup::{TrainingRun, cosine_learning_rate};
use super::{Method, ModelError, Networks, TrainProgress, TrainedModel, TrainingLog};
use crate::PointCloud;
use crate::data::SeededRng;
use crate::metrics;
use crate::nn::{Adam, Mlp, train_step};
use rand::RngExt;
use rand_distr::{Distribution as _, StandardNormal};

/// Euler steps of the first flow behind each reflow pair.
pub(crate) const REFLOW_NFE: usize = 20;

/// One minibatch of conditional flow matching: the points x_t, their times and the regression
/// targets u = x₁ − x₀.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionalBatch {
    /// x_t = (1 − t)·x₀ + t·x₁ + σ·ε, one per pair.
    pub positions: PointCloud,
    /// t of every pair.
    pub times: Vec<f64>,
    /// u = x₁ − x₀ of every pair.
    pub targets: PointCloud,
}

/// The conditional paths of the pairs (x₀ᵢ, x₁ᵢ) of `sources` and `targets` at `times`, with
/// `noise` (n·d standard normal draws) scaled by `sigma`.
pub fn conditional_batch(
    sources: &PointCloud,
    targets: &PointCloud,
    times: Vec<f64>,
    noise: &[f64],
    sigma: f64,
) -> ConditionalBatch {
    let dim = sources.dim();
    let mut positions = Vec::with_capacity(sources.coords().len());
    let mut velocities = Vec::with_capacity(sources.coords().len());
    let pairs = sources
        .coords()
        .chunks_exact(dim)
        .zip(targets.coords().chunks_exact(dim))
        .zip(noise.chunks_exact(dim))
        .zip(&times);
    for (((x0, x1), eps), &t) in pairs {
        for ((&a, &b), &e) in x0.iter().zip(x1).zip(eps) {
            positions.push((1.0 - t) * a + t * b + sigma * e);
            velocities.push(b - a);
        }
    }
    ConditionalBatch {
        positions: PointCloud::from_flat(dim, positions),
        times,
        targets: PointCloud::from_flat(dim, velocities),
    }
}

/// `targets` re-ordered so that target i is paired with source i by the exact OT assignment
/// (squared Euclidean cost).
pub fn ot_paired(sources: &PointCloud, targets: &PointCloud) -> Result<PointCloud, ModelError> {
    let pairing = metrics::cloud_assignment(sources, targets)?;
    let dim = targets.dim();
    let mut paired = Vec::with_capacity(targets.coords().len());
    for &j in &pairing {
        paired.extend_from_slice(&targets.coords()[j * dim..(j + 1) * dim]);
    }
    Ok(PointCloud::from_flat(dim, paired))
}

/// The flow-matching stage in progress: v_θ and its Adam, and the reflow teacher once the
/// first pass is done (rectified flow).
pub(super) struct FlowMatchingStage {
    velocity: Mlp,
    adam: Adam,
    iteration: usize,
    teacher: Option<Box<TrainedModel>>,
}

impl FlowMatchingStage {
    /// A fresh v_θ (weights from `rng`).
    pub(crate) fn new(run: &TrainingRun, encoding: &PositionEncoding, rng: &mut SeededRng) -> Self {
        let velocity = Mlp::new(&run.mlp_config(encoding.width() + 1, encoding.dim()), rng);
        let adam = Adam::new(run.config.learning_rate as f32, &velocity);
        Self {
            velocity,
            adam,
            iteration: 0,
            teacher: None,
        }
    }

    /// Whether every unit (and the reflow pass) is done.
    pub(crate) fn finished(&self, run: &TrainingRun) -> bool {
        self.iteration >= run.config.iterations + run.config.reflow_iterations
    }

    /// One unit of progress: `adam_steps` Adam steps on fresh conditional batches.
    pub(crate) fn step(
        &mut self,
        run: &mut TrainingRun,
        encoding: &PositionEncoding,
        rng: &mut SeededRng,
    ) -> Result<TrainProgress, ModelError> {
        let config = run.config.clone();
        let reflowing = self.iteration >= config.iterations;
        if reflowing && self.teacher.is_none() {
            // The first flow, frozen: its endpoints are the reflow pass's targets.
            let first = run.model(Networks::velocity_only(
                encoding.clone(),
                self.velocity.clone(),
            ));
            self.teacher = Some(Box::new(TrainedModel {
                log: TrainingLog::default(),
                ..first
            }));
        }
        let (units, unit) = if reflowing {
            (config.reflow_iterations, self.iteration - config.iterations)
        } else {
            (config.iterations, self.iteration)
        };
        self.adam
            .set_learning_rate(cosine_learning_rate(config.learning_rate, unit, units));
        let mut loss = 0.0;
        for _ in 0..config.adam_steps {
            let batch = self.batch(run, rng)?;
            let input = encoding.with_times(&batch.positions, &batch.times);
            let target = vectors(&batch.targets);
            loss += f64::from(train_step(
                &mut self.velocity,
                &mut self.adam,
                input.view(),
                target.view(),
            ));
        }
        let loss = loss / config.adam_steps.max(1) as f64;
        self.iteration += 1;
        let stage = if reflowing { "reflow" } else { "flow matching" };
        let velocity = &self.velocity;
        run.record(stage, unit, units, loss, || {
            Some(Networks::velocity_only(encoding.clone(), velocity.clone()))
        })
    }

    /// One conditional batch: independent pairs, OT pairs (OT-CFM), or the first flow's pairs
    /// (the reflow pass).
    fn batch(
        &self,
        run: &TrainingRun,
        rng: &mut SeededRng,
    ) -> Result<ConditionalBatch, ModelError> {
        let config = &run.config;
        let n = config.batch_size;
        let sources = run.source.sample_cloud(n, rng)?;
        let targets = match (&self.teacher, config.method) {
            (Some(teacher), _) => teacher.push_forward(sources.clone(), REFLOW_NFE)?,
            (None, Method::OtCfm) => ot_paired(&sources, &run.target.sample_cloud(n, rng)?)?,
            (None, _) => run.target.sample_cloud(n, rng)?,
        };
        let times: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..1.0)).collect();
        let noise: Vec<f64> = if config.sigma > 0.0 {
            (0..sources.coords().len())
                .map(|_| StandardNormal.sample(rng))
                .collect()
        } else {
            vec![0.0; sources.coords().len()]
        };
        Ok(conditional_batch(
            &sources,
            &targets,
            times,
            &noise,
            config.sigma,
        ))
    }

    /// The trained v_θ.
    pub(crate) fn into_network(self) -> Mlp {
        self.velocity
    }
}
