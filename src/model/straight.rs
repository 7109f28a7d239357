//! NSGF++'s second stage: the neural straight flow u_δ(x, s), trained by flow matching on straight
//! lines `x_s = (1 − s)·x₀ + s·y` between source and target minibatches paired by an exact
//! minibatch OT assignment (target `y − x₀`), and the phase-transition time predictor t_φ(x),
//! trained to regress `s` from `x_s`.

use super::inputs::{PositionEncoding, vectors};
use super::nsgf::{cosine_learning_rate, mlp_config};
use super::training::{STRAIGHT_STEPS_PER_UNIT, TrainingRun};
use super::{ModelError, Networks, StraightNetworks};
use crate::Point;
use crate::data::SeededRng;
use crate::metrics;
use crate::nn::{Adam, Mlp, train_step};
use ndarray::Array2;
use rand::RngExt;

/// Adam steps that reuse one OT-paired minibatch (with fresh times `s` each step).
const STEPS_PER_PAIRING: usize = 4;

/// Source and target minibatches paired by an exact OT assignment.
struct PairedBatch {
    sources: Vec<Point>,
    targets: Vec<Point>,
}

fn paired_batch(run: &TrainingRun<'_>, rng: &mut SeededRng) -> Result<PairedBatch, ModelError> {
    let n = run.config.batch_size;
    let sources = run.source.sample(n, rng)?;
    let unpaired = run.target.sample(n, rng)?;
    let assignment = metrics::assignment(&sources, &unpaired)
        .map_err(|error| ModelError::Invalid(error.to_string()))?;
    let targets = assignment.iter().map(|&j| unpaired[j]).collect();
    Ok(PairedBatch { sources, targets })
}

/// Trains u_δ and t_φ for `straight_iterations` Adam steps each.
pub(super) fn train_straight_flow(
    run: &mut TrainingRun<'_>,
    encoding: &PositionEncoding,
    velocity: &Mlp,
    rng: &mut SeededRng,
) -> Result<StraightNetworks, ModelError> {
    let config = run.config;
    let total = config.straight_iterations;
    let mut straight_flow = Mlp::new(&mlp_config(run, encoding.width() + 1, 2), rng);
    let mut time_predictor = Mlp::new(&mlp_config(run, encoding.width(), 1), rng);
    let mut flow_adam = Adam::new(config.learning_rate as f32, &straight_flow);
    let mut time_adam = Adam::new(config.learning_rate as f32, &time_predictor);
    let mut batch = paired_batch(run, rng)?;
    let mut loss_sum = 0.0;
    let mut unit_steps = 0;
    for step in 0..total {
        if step % STEPS_PER_PAIRING == 0 && step > 0 {
            run.check_cancelled()?;
            batch = paired_batch(run, rng)?;
        }
        let rate = cosine_learning_rate(config.learning_rate, step, total);
        flow_adam.set_learning_rate(rate);
        time_adam.set_learning_rate(rate);
        let times: Vec<f64> = (0..batch.sources.len())
            .map(|_| rng.random_range(0.0..1.0))
            .collect();
        let mut positions = Vec::with_capacity(times.len());
        let mut displacements = Vec::with_capacity(times.len());
        for ((x0, y), s) in batch.sources.iter().zip(&batch.targets).zip(&times) {
            positions.push([(1.0 - s) * x0[0] + s * y[0], (1.0 - s) * x0[1] + s * y[1]]);
            displacements.push([y[0] - x0[0], y[1] - x0[1]]);
        }
        let flow_input = encoding.with_times(&positions, &times);
        let flow_target = vectors(&displacements);
        let time_input = encoding.positions(&positions);
        let time_target = Array2::from_shape_fn((times.len(), 1), |(row, _)| times[row] as f32);
        // The two networks are independent: train them on both cores at once.
        let (flow_loss, _) = rayon::join(
            || {
                train_step(
                    &mut straight_flow,
                    &mut flow_adam,
                    flow_input.view(),
                    flow_target.view(),
                )
            },
            || {
                train_step(
                    &mut time_predictor,
                    &mut time_adam,
                    time_input.view(),
                    time_target.view(),
                )
            },
        );
        loss_sum += f64::from(flow_loss);
        unit_steps += 1;
        if unit_steps == STRAIGHT_STEPS_PER_UNIT || step + 1 == total {
            let unit = step / STRAIGHT_STEPS_PER_UNIT;
            let units = total.div_ceil(STRAIGHT_STEPS_PER_UNIT);
            let loss = loss_sum / unit_steps as f64;
            loss_sum = 0.0;
            unit_steps = 0;
            run.record("straight flow", unit, units, loss, || {
                Some(Networks {
                    encoding: encoding.clone(),
                    velocity: velocity.clone(),
                    straight: Some(StraightNetworks {
                        straight_flow: straight_flow.clone(),
                        time_predictor: time_predictor.clone(),
                    }),
                })
            })?;
        }
    }
    Ok(StraightNetworks {
        straight_flow,
        time_predictor,
    })
}
