//! NSGF++'s second stage: the neural straight flow u_δ(x, s), trained by flow matching on straight
//! lines `x_s = (1 − s)·x₀ + s·y` between source and target minibatches paired by an exact
//! minibatch OT assignment (target `y − x₀`), and the phase-transition time predictor t_φ(x),
//! trained to regress `s` from `x_s`.

use super::inputs::{PositionEncoding, vectors};
use super::setup::{STRAIGHT_STEPS_PER_UNIT, TrainingRun, cosine_learning_rate};
use super::{ModelError, Networks, StraightNetworks, TrainProgress};
use crate::PointCloud;
use crate::data::SeededRng;
use crate::metrics;
use crate::nn::{Adam, Mlp, train_step};
use ndarray::Array2;
use rand::RngExt;
use web_time::Instant;

/// Adam steps that reuse one OT-paired minibatch (with fresh times `s` each step).
const STEPS_PER_PAIRING: usize = 4;

/// Source and target minibatches paired by an exact OT assignment.
struct PairedBatch {
    sources: PointCloud,
    targets: PointCloud,
}

fn paired_batch(run: &TrainingRun, rng: &mut SeededRng) -> Result<PairedBatch, ModelError> {
    let n = run.config.batch_size;
    let sources = run.source.sample_cloud(n, rng)?;
    let unpaired = run.target.sample_cloud(n, rng)?;
    let assignment = metrics::cloud_assignment(&sources, &unpaired)?;
    let dim = unpaired.dim();
    let mut targets = Vec::with_capacity(n * dim);
    for &j in &assignment {
        targets.extend_from_slice(&unpaired.coords()[j * dim..(j + 1) * dim]);
    }
    Ok(PairedBatch {
        sources,
        targets: PointCloud::from_flat(dim, targets),
    })
}

/// The straight-flow stage in progress: u_δ and t_φ trained side by side, one unit of
/// [`STRAIGHT_STEPS_PER_UNIT`] Adam steps per step.
pub(super) struct StraightStage {
    velocity: Mlp,
    straight_flow: Mlp,
    time_predictor: Mlp,
    flow_adam: Adam,
    time_adam: Adam,
    batch: PairedBatch,
    step: usize,
    /// The unit under way: its Adam steps and their summed loss (paused at a deadline).
    unit_steps: usize,
    loss_sum: f64,
}

impl StraightStage {
    /// Fresh u_δ and t_φ (weights from `rng`) and the first OT-paired minibatch; `velocity` is
    /// the trained v_θ of the first stage.
    pub(crate) fn new(
        run: &TrainingRun,
        encoding: &PositionEncoding,
        velocity: Mlp,
        rng: &mut SeededRng,
    ) -> Result<Self, ModelError> {
        let rate = run.config.learning_rate as f32;
        let straight_flow = Mlp::new(&run.mlp_config(encoding.width() + 1, encoding.dim()), rng);
        let time_predictor = Mlp::new(&run.mlp_config(encoding.width(), 1), rng);
        let flow_adam = Adam::new(rate, &straight_flow);
        let time_adam = Adam::new(rate, &time_predictor);
        let batch = paired_batch(run, rng)?;
        Ok(Self {
            velocity,
            straight_flow,
            time_predictor,
            flow_adam,
            time_adam,
            batch,
            step: 0,
            unit_steps: 0,
            loss_sum: 0.0,
        })
    }

    /// Whether every Adam step is done.
    pub(crate) fn finished(&self, run: &TrainingRun) -> bool {
        self.step >= run.config.straight_iterations
    }

    /// Up to [`STRAIGHT_STEPS_PER_UNIT`] Adam steps of both networks (a new OT pairing every
    /// few steps), then one unit of progress. With a `deadline`, it pauses after the Adam step
    /// that passes it and answers `None`; the next call resumes the unit.
    pub(crate) fn step(
        &mut self,
        run: &mut TrainingRun,
        encoding: &PositionEncoding,
        rng: &mut SeededRng,
        deadline: Option<Instant>,
    ) -> Result<Option<TrainProgress>, ModelError> {
        let total = run.config.straight_iterations;
        let base_rate = run.config.learning_rate;
        while self.step < total {
            let step = self.step;
            if step.is_multiple_of(STEPS_PER_PAIRING) && step > 0 {
                self.batch = paired_batch(run, rng)?;
            }
            let rate = cosine_learning_rate(base_rate, step, total);
            self.flow_adam.set_learning_rate(rate);
            self.time_adam.set_learning_rate(rate);
            self.loss_sum += f64::from(self.adam_step(encoding, rng));
            self.unit_steps += 1;
            self.step += 1;
            if self.unit_steps == STRAIGHT_STEPS_PER_UNIT {
                break;
            }
            if self.step < total && deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Ok(None);
            }
        }
        let unit = (self.step - 1) / STRAIGHT_STEPS_PER_UNIT;
        let units = total.div_ceil(STRAIGHT_STEPS_PER_UNIT);
        let loss = self.loss_sum / self.unit_steps.max(1) as f64;
        self.loss_sum = 0.0;
        self.unit_steps = 0;
        let networks = || {
            Some(Networks {
                straight: Some(StraightNetworks {
                    straight_flow: self.straight_flow.clone(),
                    time_predictor: self.time_predictor.clone(),
                }),
                ..Networks::velocity_only(encoding.clone(), self.velocity.clone())
            })
        };
        run.record("straight flow", unit, units, loss, networks)
            .map(Some)
    }

    /// One Adam step of u_δ and of t_φ on the current pairing with fresh times s; returns u_δ's
    /// loss.
    fn adam_step(&mut self, encoding: &PositionEncoding, rng: &mut SeededRng) -> f32 {
        let batch = &self.batch;
        let times: Vec<f64> = (0..batch.sources.len())
            .map(|_| rng.random_range(0.0..1.0))
            .collect();
        let dim = batch.sources.dim();
        let mut positions = Vec::with_capacity(times.len() * dim);
        let mut displacements = Vec::with_capacity(times.len() * dim);
        let pairs = batch
            .sources
            .coords()
            .chunks_exact(dim)
            .zip(batch.targets.coords().chunks_exact(dim));
        for ((x0, y), s) in pairs.zip(&times) {
            for (x0, y) in x0.iter().zip(y) {
                positions.push((1.0 - s) * x0 + s * y);
                displacements.push(y - x0);
            }
        }
        let positions = PointCloud::from_flat(dim, positions);
        let displacements = PointCloud::from_flat(dim, displacements);
        let flow_input = encoding.with_times(&positions, &times);
        let flow_target = vectors(&displacements);
        let time_input = encoding.positions(&positions);
        let time_target = Array2::from_shape_fn((times.len(), 1), |(row, _)| times[row] as f32);
        let (straight_flow, flow_adam) = (&mut self.straight_flow, &mut self.flow_adam);
        let (time_predictor, time_adam) = (&mut self.time_predictor, &mut self.time_adam);
        // The two networks are independent: train them on both cores at once.
        let (flow_loss, _) = rayon::join(
            || {
                train_step(
                    straight_flow,
                    flow_adam,
                    flow_input.view(),
                    flow_target.view(),
                )
            },
            || {
                train_step(
                    time_predictor,
                    time_adam,
                    time_input.view(),
                    time_target.view(),
                )
            },
        );
        flow_loss
    }

    /// The trained v_θ and NSGF++ networks.
    pub(crate) fn into_networks(self) -> (Mlp, StraightNetworks) {
        (
            self.velocity,
            StraightNetworks {
                straight_flow: self.straight_flow,
                time_predictor: self.time_predictor,
            },
        )
    }
}
