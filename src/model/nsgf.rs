//! NSGF's velocity-field stage: simulate Sinkhorn particle flows from fresh minibatches into the
//! trajectory pool and regress v_θ(x, t) on its `(x_k, t_k, v_k)` triples, one outer iteration
//! per step.

use super::inputs::{PositionEncoding, vectors};
use super::setup::{TrainingRun, cosine_learning_rate};
use super::{Method, ModelError, Networks, TrainProgress};
use crate::data::SeededRng;
use crate::flow::{TrajectoryPool, simulate_flow};
use crate::nn::{Adam, Mlp, train_step};
use crate::ot::Precision;
use crate::ot::cpu::CpuBackend;

/// The velocity-field stage in progress.
pub(super) struct VelocityStage {
    backend: CpuBackend,
    pool: TrajectoryPool,
    velocity_net: Mlp,
    adam: Adam,
    iteration: usize,
}

impl VelocityStage {
    /// A fresh v_θ (its weights drawn from `rng`) and an empty pool.
    pub fn new(run: &TrainingRun, encoding: &PositionEncoding, rng: &mut SeededRng) -> Self {
        let velocity_net = Mlp::new(&run.mlp_config(encoding.width() + 1, 2), rng);
        let adam = Adam::new(run.config.learning_rate as f32, &velocity_net);
        Self {
            backend: CpuBackend::new(Precision::F32),
            pool: TrajectoryPool::new(run.config.pool_flows),
            velocity_net,
            adam,
            iteration: 0,
        }
    }

    /// Whether every outer iteration is done.
    pub fn finished(&self, run: &TrainingRun) -> bool {
        self.iteration >= run.config.iterations
    }

    /// One outer iteration: a fresh flow into the pool, then `adam_steps` minibatch steps.
    pub fn step(
        &mut self,
        run: &mut TrainingRun,
        encoding: &PositionEncoding,
        rng: &mut SeededRng,
    ) -> Result<TrainProgress, ModelError> {
        let config = &run.config;
        let source_batch = run.source.sample(config.particles, rng)?;
        let target_batch = run.target.sample(config.particles, rng)?;
        let trajectory = simulate_flow(source_batch, target_batch, config.flow, &mut self.backend)?;
        self.pool.push_flow(&trajectory);
        self.adam.set_learning_rate(cosine_learning_rate(
            config.learning_rate,
            self.iteration,
            config.iterations,
        ));
        let mut loss_sum = 0.0;
        for _ in 0..config.adam_steps {
            let batch = self.pool.sample(config.batch_size, rng);
            let input = encoding.with_times(&batch.positions, &batch.times);
            let target = vectors(&batch.velocities);
            loss_sum += f64::from(train_step(
                &mut self.velocity_net,
                &mut self.adam,
                input.view(),
                target.view(),
            ));
        }
        let loss = loss_sum / config.adam_steps as f64;
        let (iteration, total, method) = (self.iteration, config.iterations, config.method);
        self.iteration += 1;
        let velocity_net = &self.velocity_net;
        run.record("velocity field", iteration, total, loss, || {
            (method == Method::Nsgf)
                .then(|| Networks::velocity_only(encoding.clone(), velocity_net.clone()))
        })
    }

    /// The trained v_θ.
    pub fn into_network(self) -> Mlp {
        self.velocity_net
    }
}
