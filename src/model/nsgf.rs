//! NSGF's velocity-field stage: simulate Sinkhorn particle flows from fresh minibatches into the
//! trajectory pool and regress v_θ(x, t) on its `(x_k, t_k, v_k)` triples.

use super::inputs::{PositionEncoding, vectors};
use super::training::TrainingRun;
use super::{Method, Networks};
use crate::data::SeededRng;
use crate::flow::{TrajectoryPool, simulate_flow};
use crate::nn::{Adam, Mlp, MlpConfig, train_step};
use crate::ot::Precision;
use crate::ot::cpu::CpuBackend;

/// The learning rate at `iteration` of `total`: cosine decay from `base` to `base / 10`.
pub(super) fn cosine_learning_rate(base: f64, iteration: usize, total: usize) -> f32 {
    let progress = iteration as f64 / total.max(1) as f64;
    let factor = 0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
    (base * factor) as f32
}

/// The MLP shape shared by every network of a run.
pub(super) fn mlp_config(run: &TrainingRun<'_>, input: usize, output: usize) -> MlpConfig {
    MlpConfig {
        input,
        hidden_width: run.config.hidden_width,
        hidden_layers: run.config.hidden_layers,
        output,
        activation: run.config.activation,
    }
}

/// Trains v_θ: `iterations` times, one fresh flow into the pool then `adam_steps` minibatch steps.
pub(super) fn train_velocity_field(
    run: &mut TrainingRun<'_>,
    encoding: &PositionEncoding,
    rng: &mut SeededRng,
) -> Result<Mlp, crate::model::ModelError> {
    let config = run.config;
    let mut backend = CpuBackend::new(Precision::F32);
    let mut pool = TrajectoryPool::new(config.pool_flows);
    let mut velocity_net = Mlp::new(&mlp_config(run, encoding.width() + 1, 2), rng);
    let mut adam = Adam::new(config.learning_rate as f32, &velocity_net);
    for iteration in 0..config.iterations {
        run.check_cancelled()?;
        let source_batch = run.source.sample(config.particles, rng)?;
        let target_batch = run.target.sample(config.particles, rng)?;
        let frames = simulate_flow(source_batch, target_batch, config.flow, &mut backend)?;
        pool.push_flow(&frames);
        adam.set_learning_rate(cosine_learning_rate(
            config.learning_rate,
            iteration,
            config.iterations,
        ));
        let mut loss_sum = 0.0;
        for _ in 0..config.adam_steps {
            let batch = pool.sample(config.batch_size, rng);
            let input = encoding.with_times(&batch.positions, &batch.times);
            let target = vectors(&batch.velocities);
            loss_sum += f64::from(train_step(
                &mut velocity_net,
                &mut adam,
                input.view(),
                target.view(),
            ));
        }
        let loss = loss_sum / config.adam_steps as f64;
        run.record("velocity field", iteration, config.iterations, loss, || {
            (config.method == Method::Nsgf).then(|| Networks {
                encoding: encoding.clone(),
                velocity: velocity_net.clone(),
                straight: None,
            })
        })?;
    }
    Ok(velocity_net)
}
