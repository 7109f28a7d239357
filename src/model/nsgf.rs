//! NSGF's velocity-field stage: simulate Sinkhorn particle flows from fresh minibatches into the
//! trajectory pool and regress v_θ(x, t) on its `(x_k, t_k, v_k)` triples, one outer iteration
//! per step, which can pause at a deadline (the browser trains a few milliseconds a frame). 2D
//! flows run on the specialised 2D kernels a few Sinkhorn iterations at a time; flows in any
//! other dimension on the run's [`crate::ot::CloudKernels`], a whole flow at once.

use super::inputs::{PositionEncoding, vectors};
use super::setup::{TrainingRun, cosine_learning_rate};
use super::{Method, ModelError, Networks, TrainProgress};
use crate::data::SeededRng;
use crate::flow::{FlowKind, ParticleFlow, Trajectory, TrajectoryPool, simulate_cloud_flow};
use crate::nn::{Adam, Mlp, train_step};
use crate::ot::Precision;
use crate::ot::VelocityBackend;
use crate::ot::cpu::CpuBackend;
use crate::ot::stepped::SteppedVelocity;
use std::time::Duration;
use web_time::Instant;

/// The velocity-field stage in progress.
pub(super) struct VelocityStage {
    backend: CpuBackend,
    pool: TrajectoryPool,
    velocity_net: Mlp,
    adam: Adam,
    iteration: usize,
    /// The outer iteration under way, when a deadline paused it.
    current: Option<Box<Iteration>>,
}

/// An outer iteration in progress: its flow, then its Adam steps.
struct Iteration {
    /// The 2D flow still being stepped (None: the flow is whole in `trajectory`).
    flow: Option<ParticleFlow>,
    trajectory: Trajectory,
    /// The velocity of the flow's next Euler step, a few Sinkhorn iterations at a time.
    velocity: Option<SteppedVelocity>,
    /// Adam steps done (after the flow joined the pool) and their summed loss.
    adam_done: usize,
    loss_sum: f64,
}

impl VelocityStage {
    /// A fresh v_θ (its weights drawn from `rng`) and an empty pool.
    pub(crate) fn new(run: &TrainingRun, encoding: &PositionEncoding, rng: &mut SeededRng) -> Self {
        let dim = encoding.dim();
        let velocity_net = Mlp::new(&run.mlp_config(encoding.width() + 1, dim), rng);
        let adam = Adam::new(run.config.learning_rate as f32, &velocity_net);
        Self {
            backend: CpuBackend::new(Precision::F32),
            pool: TrajectoryPool::new(run.config.pool_flows),
            velocity_net,
            adam,
            iteration: 0,
            current: None,
        }
    }

    /// Whether every outer iteration is done.
    pub(crate) fn finished(&self, run: &TrainingRun) -> bool {
        self.iteration >= run.config.iterations
    }

    /// One outer iteration: a fresh flow into the pool, then `adam_steps` minibatch steps.
    /// With a `deadline`, it pauses once the deadline has passed (after at least one piece of
    /// work: a few Sinkhorn iterations, an Euler step or an Adam step) and answers `None`; the
    /// next call resumes it. Paused or not, the numbers are the same.
    pub(crate) fn step(
        &mut self,
        run: &mut TrainingRun,
        encoding: &PositionEncoding,
        rng: &mut SeededRng,
        deadline: Option<Instant>,
    ) -> Result<Option<TrainProgress>, ModelError> {
        let mut current = match self.current.take() {
            Some(current) => current,
            None => self.begin_iteration(run, rng)?,
        };
        let paused = self.advance_flow(&mut current, deadline)?
            || self.fit_on_pool(&mut current, run, encoding, rng, deadline);
        if paused {
            self.current = Some(current);
            return Ok(None);
        }
        let config = &run.config;
        let loss = current.loss_sum / config.adam_steps as f64;
        let (iteration, total, method) = (self.iteration, config.iterations, config.method);
        self.iteration += 1;
        let velocity_net = &self.velocity_net;
        run.record("velocity field", iteration, total, loss, || {
            (method == Method::Nsgf)
                .then(|| Networks::velocity_only(encoding.clone(), velocity_net.clone()))
        })
        .map(Some)
    }

    /// A new outer iteration on fresh source and target batches: in 2D a particle flow to
    /// step (in pieces), in more dimensions the whole simulated flow at once.
    fn begin_iteration(
        &mut self,
        run: &TrainingRun,
        rng: &mut SeededRng,
    ) -> Result<Box<Iteration>, ModelError> {
        let config = &run.config;
        if run.target.dim() != 2 {
            let source_batch = run.source.sample_cloud(config.particles, rng)?;
            let target_batch = run.target.sample_cloud(config.particles, rng)?;
            let trajectory = simulate_cloud_flow(
                run.kernels.as_ref(),
                source_batch,
                &target_batch,
                &config.flow,
            )?;
            return Ok(Box::new(Iteration {
                flow: None,
                trajectory,
                velocity: None,
                adam_done: 0,
                loss_sum: 0.0,
            }));
        }
        let source_batch = run.source.sample(config.particles, rng)?;
        let target_batch = run.target.sample(config.particles, rng)?;
        self.backend.reset_warm_start();
        let flow = ParticleFlow::new(source_batch, target_batch, config.flow)?;
        Ok(Box::new(Iteration {
            flow: Some(flow),
            trajectory: Trajectory::new(FlowKind::Sinkhorn),
            velocity: None,
            adam_done: 0,
            loss_sum: 0.0,
        }))
    }

    /// Steps the iteration's 2D flow an Euler step at a time (as `simulate_flow`), each
    /// velocity in pieces, until it is done (false) or the deadline passes (true: paused).
    fn advance_flow(
        &mut self,
        current: &mut Iteration,
        deadline: Option<Instant>,
    ) -> Result<bool, ModelError> {
        let past = || deadline.is_some_and(|deadline| Instant::now() >= deadline);
        while let Some(flow) = current.flow.as_mut().filter(|flow| !flow.finished()) {
            if current.velocity.is_none() {
                let (particles, target, params) = flow.velocity_inputs();
                current.velocity = match self.backend.start_stepped(particles, target, params) {
                    Some(stepped) => Some(stepped?),
                    None => {
                        let frame = flow.advance(&mut self.backend)?;
                        current.trajectory.push(frame);
                        continue;
                    }
                };
            }
            let stepped = current.velocity.as_mut().expect("set above");
            let slice = deadline.map_or(Duration::MAX, |deadline| {
                deadline.saturating_duration_since(Instant::now())
            });
            match stepped.run_for(slice) {
                None => return Ok(true),
                Some(velocity) => {
                    current.velocity = None;
                    let frame = flow.apply_velocity(&velocity?.velocity)?;
                    current.trajectory.push(frame);
                }
            }
            if past() {
                return Ok(true);
            }
        }
        if let Some(flow) = current.flow.take() {
            current.trajectory.push(flow.current_frame());
        }
        Ok(false)
    }

    /// Puts the finished flow into the pool (once), then runs the iteration's Adam steps on
    /// pool minibatches until they are done (false) or the deadline passes (true: paused).
    fn fit_on_pool(
        &mut self,
        current: &mut Iteration,
        run: &TrainingRun,
        encoding: &PositionEncoding,
        rng: &mut SeededRng,
        deadline: Option<Instant>,
    ) -> bool {
        let config = &run.config;
        let past = || deadline.is_some_and(|deadline| Instant::now() >= deadline);
        if current.adam_done == 0 && current.trajectory.len() == config.flow.steps + 1 {
            self.pool.push_flow(&current.trajectory);
            self.adam.set_learning_rate(cosine_learning_rate(
                config.learning_rate,
                self.iteration,
                config.iterations,
            ));
        }
        while current.adam_done < config.adam_steps {
            let batch = self.pool.sample(config.batch_size, rng);
            let input = encoding.with_times(&batch.positions, &batch.times);
            let target = vectors(&batch.velocities);
            current.loss_sum += f64::from(train_step(
                &mut self.velocity_net,
                &mut self.adam,
                input.view(),
                target.view(),
            ));
            current.adam_done += 1;
            if current.adam_done < config.adam_steps && past() {
                return true;
            }
        }
        false
    }

    /// The trained v_θ.
    pub(crate) fn into_network(self) -> Mlp {
        self.velocity_net
    }
}
