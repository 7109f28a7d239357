//! NSGF and NSGF++ in d dimensions (the digits): the same algorithms as [`crate::model`] on
//! clouds of rows. v_θ(x, t) is regressed on a pool of d-dimensional Sinkhorn particle flows;
//! NSGF++ adds ≤ 5 flow steps, a time predictor t_φ(x) and a straight flow u_δ(x, s) trained on
//! OT-paired straight lines. The networks read raw coordinates (no Fourier features: in 64
//! dimensions the pixels already are a rich input). Sampling gives a [`Trajectory`] whose frames
//! are d-dimensional [`crate::flow::PointCloud`]s.

use super::distribution::WideDistribution;
use super::{HighDimError, Rows, metrics};
use crate::data::{SeededRng, seeded_rng};
use crate::flow::{FlowConfig, FlowKind, Frame, PhaseBoundary, PointCloud, Trajectory};
use crate::limits::{MAX_LAYERS, MAX_STEPS, MAX_W2_POINTS, MAX_WIDTH, check};
use crate::model::{Method, TrainProgress, W2Checkpoint};
use crate::nn::{Activation, Adam, Mlp, MlpConfig, train_step};
use crate::ot::SinkhornParams;
use ndarray::{Array2, ArrayView2, Axis, s};
use rand::RngExt;
use std::io::Write;
use std::path::Path;
use web_time::Instant;

/// The file-format version of d-dimensional model files.
pub const WIDE_FORMAT_VERSION: u32 = 1;
/// NSGF++'s Sinkhorn-flow steps at most (as in 2D).
pub const MAX_FLOW_STEPS_PLUSPLUS: usize = 5;
/// NSGF++'s straight-flow Euler steps by default.
pub const DEFAULT_STRAIGHT_STEPS: usize = 4;
/// Adam steps of the straight stage per unit of progress.
const STRAIGHT_STEPS_PER_UNIT: usize = 50;
/// Adam steps that reuse one OT-paired minibatch.
const STEPS_PER_PAIRING: usize = 4;

/// Every hyperparameter of a d-dimensional run (stored in the model file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WideConfig {
    /// NSGF or NSGF++.
    pub method: Method,
    /// The simulated Sinkhorn flows: T steps, η, blur, scaling.
    pub flow: FlowConfig,
    /// Particles (and target samples) per simulated flow.
    pub particles: usize,
    /// Trajectory-pool capacity, in flows.
    pub pool_flows: usize,
    /// Outer iterations of the velocity-field stage.
    pub iterations: usize,
    /// Adam steps per outer iteration.
    pub adam_steps: usize,
    /// Minibatch size.
    pub batch_size: usize,
    /// Adam learning rate (cosine decay to a tenth).
    pub learning_rate: f64,
    /// Hidden width of every MLP.
    pub hidden_width: usize,
    /// Hidden layers of every MLP.
    pub hidden_layers: usize,
    /// Hidden activation.
    pub activation: Activation,
    /// NSGF++: Adam steps of the straight flow and the time predictor.
    pub straight_iterations: usize,
    /// Samples of the final W2 checkpoint.
    pub eval_samples: usize,
    /// Seed of every random draw.
    pub seed: u64,
}

impl WideConfig {
    /// Defaults for the digits that train in a few minutes on two cores.
    pub fn defaults_for(method: Method) -> Self {
        let nsgf = Self {
            method,
            flow: FlowConfig {
                steps: 10,
                eta: 0.35,
                sinkhorn: SinkhornParams {
                    blur: 1.0,
                    scaling: 0.9,
                },
            },
            particles: 256,
            pool_flows: 16,
            iterations: 60,
            adam_steps: 20,
            batch_size: 256,
            learning_rate: 1e-3,
            hidden_width: 256,
            hidden_layers: 3,
            activation: Activation::Silu,
            straight_iterations: 0,
            eval_samples: 400,
            seed: 0,
        };
        match method {
            Method::NsgfPp => Self {
                flow: FlowConfig {
                    steps: MAX_FLOW_STEPS_PLUSPLUS,
                    eta: 0.35,
                    ..nsgf.flow
                },
                iterations: 30,
                straight_iterations: 1500,
                ..nsgf
            },
            _ => nsgf,
        }
    }

    /// Checks every hyperparameter, naming the first bad one.
    pub fn validate(&self) -> Result<(), HighDimError> {
        self.flow.sinkhorn.validate()?;
        if self.method == Method::OneStep {
            return Err(HighDimError::Invalid(
                "one-step generators are 2D only for now: --method nsgf or nsgfpp".into(),
            ));
        }
        let positive = [
            ("steps", self.flow.steps),
            ("particles", self.particles),
            ("pool_flows", self.pool_flows),
            ("iterations", self.iterations),
            ("adam_steps", self.adam_steps),
            ("batch_size", self.batch_size),
            ("hidden_width", self.hidden_width),
            ("eval_samples", self.eval_samples),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(HighDimError::Invalid(format!(
                "{name} must be at least 1 (got 0)"
            )));
        }
        check("hidden_width", self.hidden_width, MAX_WIDTH, 0)?;
        check("hidden_layers", self.hidden_layers, MAX_LAYERS, 0)?;
        check("particles", self.particles, MAX_W2_POINTS, 0)?;
        check("batch_size", self.batch_size, MAX_W2_POINTS, 0)?;
        check("eval_samples", self.eval_samples, MAX_W2_POINTS, 0)?;
        check("steps", self.flow.steps, MAX_STEPS, 0)?;
        check("iterations", self.iterations, MAX_STEPS, 0)?;
        check(
            "straight_iterations",
            self.straight_iterations,
            MAX_STEPS,
            0,
        )?;
        if !(self.flow.eta.is_finite() && self.flow.eta > 0.0) {
            return Err(HighDimError::Invalid(format!(
                "eta must be a finite number > 0 (got {})",
                self.flow.eta
            )));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(HighDimError::Invalid(format!(
                "learning_rate must be a finite number > 0 (got {})",
                self.learning_rate
            )));
        }
        if self.method == Method::NsgfPp {
            if self.flow.steps > MAX_FLOW_STEPS_PLUSPLUS {
                return Err(HighDimError::Invalid(format!(
                    "NSGF++ takes at most {MAX_FLOW_STEPS_PLUSPLUS} Sinkhorn-flow steps (got \
                     steps = {})",
                    self.flow.steps
                )));
            }
            if self.straight_iterations == 0 {
                return Err(HighDimError::Invalid(
                    "NSGF++ needs straight_iterations ≥ 1".into(),
                ));
            }
        }
        Ok(())
    }
}

/// The networks of a d-dimensional model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct WideNetworks {
    /// v_θ(x, t) → v, (d + 1) → d.
    velocity: Mlp,
    /// NSGF++: u_δ(x, s) → u, (d + 1) → d.
    straight_flow: Option<Mlp>,
    /// NSGF++: t_φ(x) → s, d → 1.
    time_predictor: Option<Mlp>,
}

/// What a d-dimensional run logged.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WideLog {
    /// (unit, loss) per unit of progress.
    pub losses: Vec<(usize, f64)>,
    /// The final W2 against held-out samples, beside the floor.
    pub w2: Option<W2Checkpoint>,
    /// Wall-clock seconds of training.
    pub seconds: f64,
}

/// A trained d-dimensional NSGF or NSGF++ model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct WideModel {
    /// File-format version ([`WIDE_FORMAT_VERSION`]).
    pub format_version: u32,
    /// The dimension of its points (what tells a d-dimensional model file apart).
    pub dim: usize,
    /// NSGF or NSGF++.
    pub method: Method,
    /// Every hyperparameter.
    pub config: WideConfig,
    /// The source distribution.
    pub source: WideDistribution,
    /// The target distribution.
    pub target: WideDistribution,
    /// Losses, the final W2 and the training time.
    pub log: WideLog,
    networks: WideNetworks,
}

/// The rows of `x` with a time column appended, as the networks' f32 input.
fn with_time(x: ArrayView2<f64>, times: &[f64]) -> Array2<f32> {
    let (n, d) = x.dim();
    Array2::from_shape_fn((n, d + 1), |(i, k)| {
        if k < d {
            x[[i, k]] as f32
        } else {
            times[i] as f32
        }
    })
}

fn as_f32(x: ArrayView2<f64>) -> Array2<f32> {
    x.mapv(|v| v as f32)
}

fn as_f64(x: &Array2<f32>) -> Rows {
    x.mapv(f64::from)
}

/// The last flows' (x, t, v) triples.
struct Pool {
    flows: std::collections::VecDeque<(Vec<Rows>, Vec<Rows>)>,
    capacity: usize,
    steps: usize,
}

impl Pool {
    fn push(&mut self, positions: Vec<Rows>, velocities: Vec<Rows>) {
        if self.flows.len() == self.capacity {
            self.flows.pop_front();
        }
        self.flows.push_back((positions, velocities));
    }

    /// `size` random triples: (positions, times, velocities).
    fn sample(&self, size: usize, rng: &mut SeededRng) -> (Rows, Vec<f64>, Rows) {
        let dim = self.flows[0].0[0].ncols();
        let mut positions = Rows::zeros((size, dim));
        let mut velocities = Rows::zeros((size, dim));
        let mut times = Vec::with_capacity(size);
        for row in 0..size {
            let (flow_x, flow_v) = &self.flows[rng.random_range(0..self.flows.len())];
            let step = rng.random_range(0..self.steps);
            let particle = rng.random_range(0..flow_x[step].nrows());
            positions.row_mut(row).assign(&flow_x[step].row(particle));
            velocities.row_mut(row).assign(&flow_v[step].row(particle));
            times.push(step as f64 / self.steps as f64);
        }
        (positions, times, velocities)
    }
}

/// Which kernels compute the d-dimensional velocity.
#[derive(Clone, Default)]
pub enum WideKernels {
    /// The streaming f64 kernels of the CPU ([`crate::ot::cloud_velocity`]).
    #[default]
    Cpu,
    /// The tiled f32 kernels on a GPU ([`crate::gpu::WideGpu`]).
    Gpu(std::sync::Arc<crate::gpu::WideGpu>),
}

impl WideKernels {
    /// The velocity at every row of `x` toward `y`.
    pub fn velocity(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        params: &SinkhornParams,
    ) -> Result<Rows, HighDimError> {
        match self {
            WideKernels::Cpu => {
                let velocity = crate::ot::cloud_velocity(
                    &super::rows_to_cloud(x),
                    &super::rows_to_cloud(y),
                    params,
                    crate::ot::Precision::F64,
                )?
                .velocity;
                Ok(super::cloud_to_rows(&velocity))
            }
            WideKernels::Gpu(gpu) => Ok(gpu.flow_velocity(x, y, params)?),
        }
    }

    /// "cpu f64" or the GPU's name.
    pub fn name(&self) -> String {
        match self {
            WideKernels::Cpu => format!("cpu f64 ({} kernels)", crate::ot::kernel_in_use()),
            WideKernels::Gpu(gpu) => gpu.name(),
        }
    }
}

/// One d-dimensional Sinkhorn particle flow on the CPU: the positions before each step and the
/// velocities.
pub fn simulate(
    source: Rows,
    target: &Rows,
    flow: &FlowConfig,
) -> Result<(Vec<Rows>, Vec<Rows>, Rows), HighDimError> {
    simulate_on(&WideKernels::Cpu, source, target, flow)
}

/// [`simulate`] on `kernels`.
pub fn simulate_on(
    kernels: &WideKernels,
    source: Rows,
    target: &Rows,
    flow: &FlowConfig,
) -> Result<(Vec<Rows>, Vec<Rows>, Rows), HighDimError> {
    let mut current = source;
    let mut positions = Vec::with_capacity(flow.steps);
    let mut velocities = Vec::with_capacity(flow.steps);
    for _ in 0..flow.steps {
        let velocity = kernels.velocity(current.view(), target.view(), &flow.sinkhorn)?;
        positions.push(current.clone());
        current.scaled_add(flow.eta, &velocity);
        velocities.push(velocity);
    }
    Ok((positions, velocities, current))
}

/// Where a run stands.
enum Stage {
    Velocity,
    Straight {
        step: usize,
        sources: Rows,
        targets: Rows,
    },
    Done,
}

/// A d-dimensional training run advanced one unit of progress per [`WideTrainer::step`]: one
/// outer iteration of the velocity stage, or 50 Adam steps of NSGF++'s straight stage.
pub struct WideTrainer {
    config: WideConfig,
    source: WideDistribution,
    target: WideDistribution,
    rng: SeededRng,
    pool: Pool,
    velocity: Mlp,
    velocity_adam: Adam,
    straight: Option<(Mlp, Adam, Mlp, Adam)>,
    stage: Stage,
    iteration: usize,
    units_done: usize,
    units_total: usize,
    log: WideLog,
    elapsed_s: f64,
    kernels: WideKernels,
}

impl WideTrainer {
    /// Computes the simulated flows' velocities on `kernels` (the CPU by default).
    pub fn set_kernels(&mut self, kernels: WideKernels) {
        self.kernels = kernels;
    }

    /// A run of `config` from `source` to `target` (same dimension; validated).
    pub fn new(
        config: &WideConfig,
        source: &WideDistribution,
        target: &WideDistribution,
    ) -> Result<Self, HighDimError> {
        config.validate()?;
        let dim = target.dim();
        if source.dim() != dim {
            return Err(HighDimError::Dimension {
                what: format!("the source {}", source.label()),
                got: source.dim(),
                expected: dim,
            });
        }
        let mut rng = seeded_rng(config.seed);
        let shape = |input, output| MlpConfig {
            input,
            hidden_width: config.hidden_width,
            hidden_layers: config.hidden_layers,
            output,
            activation: config.activation,
        };
        let velocity = Mlp::new(&shape(dim + 1, dim), &mut rng);
        let velocity_adam = Adam::new(config.learning_rate as f32, &velocity);
        let straight = (config.method == Method::NsgfPp).then(|| {
            let flow = Mlp::new(&shape(dim + 1, dim), &mut rng);
            let time = Mlp::new(&shape(dim, 1), &mut rng);
            let flow_adam = Adam::new(config.learning_rate as f32, &flow);
            let time_adam = Adam::new(config.learning_rate as f32, &time);
            (flow, flow_adam, time, time_adam)
        });
        let straight_units = match config.method {
            Method::NsgfPp => config.straight_iterations.div_ceil(STRAIGHT_STEPS_PER_UNIT),
            _ => 0,
        };
        Ok(Self {
            pool: Pool {
                flows: std::collections::VecDeque::new(),
                capacity: config.pool_flows,
                steps: config.flow.steps,
            },
            config: config.clone(),
            source: source.clone(),
            target: target.clone(),
            rng,
            velocity,
            velocity_adam,
            straight,
            stage: Stage::Velocity,
            iteration: 0,
            units_done: 0,
            units_total: config.iterations + straight_units,
            log: WideLog::default(),
            elapsed_s: 0.0,
            kernels: WideKernels::Cpu,
        })
    }

    /// Fraction of the run done, in [0, 1].
    pub fn fraction_done(&self) -> f64 {
        self.units_done as f64 / self.units_total.max(1) as f64
    }

    /// One unit of progress, or the model once every stage is done.
    pub fn step(&mut self) -> Result<WideStep, HighDimError> {
        let started = Instant::now();
        let outcome = self.advance();
        self.elapsed_s += started.elapsed().as_secs_f64();
        if let Ok(WideStep::Finished(model)) = outcome {
            let mut model = *model;
            model.log.seconds = self.elapsed_s;
            return Ok(WideStep::Finished(Box::new(model)));
        }
        outcome
    }

    fn advance(&mut self) -> Result<WideStep, HighDimError> {
        match self.stage {
            Stage::Velocity if self.iteration < self.config.iterations => {
                self.velocity_iteration().map(WideStep::Progress)
            }
            Stage::Velocity if self.straight.is_some() => {
                let (sources, targets) = self.paired_batch()?;
                self.stage = Stage::Straight {
                    step: 0,
                    sources,
                    targets,
                };
                self.advance()
            }
            Stage::Straight { step, .. } if step < self.config.straight_iterations => {
                self.straight_unit().map(WideStep::Progress)
            }
            Stage::Done => Err(HighDimError::Invalid(
                "the training run has already finished".into(),
            )),
            Stage::Velocity | Stage::Straight { .. } => {
                self.stage = Stage::Done;
                self.finish()
                    .map(|model| WideStep::Finished(Box::new(model)))
            }
        }
    }

    /// Logs one unit's loss.
    fn record(
        &mut self,
        stage: &'static str,
        iteration: usize,
        total: usize,
        loss: f64,
    ) -> Result<TrainProgress, HighDimError> {
        if !loss.is_finite() {
            return Err(HighDimError::Model(crate::model::ModelError::Diverged(
                loss,
                self.units_done,
            )));
        }
        self.units_done += 1;
        self.log.losses.push((self.units_done, loss));
        Ok(TrainProgress {
            stage,
            iteration,
            total,
            fraction_done: self.fraction_done(),
            loss,
            w2: None,
        })
    }

    fn velocity_iteration(&mut self) -> Result<TrainProgress, HighDimError> {
        let config = &self.config;
        let sources = self.source.sample(config.particles, &mut self.rng);
        let targets = self.target.sample(config.particles, &mut self.rng);
        let (positions, velocities, _) =
            simulate_on(&self.kernels, sources, &targets, &config.flow)?;
        self.pool.push(positions, velocities);
        self.velocity_adam
            .set_learning_rate(crate::model::cosine_learning_rate(
                config.learning_rate,
                self.iteration,
                config.iterations,
            ));
        let mut loss = 0.0;
        for _ in 0..config.adam_steps {
            let (x, times, v) = self.pool.sample(config.batch_size, &mut self.rng);
            loss += f64::from(train_step(
                &mut self.velocity,
                &mut self.velocity_adam,
                with_time(x.view(), &times).view(),
                as_f32(v.view()).view(),
            ));
        }
        let loss = loss / config.adam_steps as f64;
        self.iteration += 1;
        let (iteration, total) = (self.iteration, self.config.iterations);
        self.record("velocity field", iteration, total, loss)
    }

    /// Source and target minibatches paired by an exact OT assignment.
    fn paired_batch(&mut self) -> Result<(Rows, Rows), HighDimError> {
        let n = self.config.batch_size;
        let sources = self.source.sample(n, &mut self.rng);
        let unpaired = self.target.sample(n, &mut self.rng);
        let pairing = metrics::assignment(sources.view(), unpaired.view())?;
        let targets = unpaired.select(Axis(0), &pairing);
        Ok((sources, targets))
    }

    fn straight_unit(&mut self) -> Result<TrainProgress, HighDimError> {
        let total = self.config.straight_iterations;
        let mut loss = 0.0;
        let mut steps = 0;
        while let Stage::Straight { step, .. } = self.stage {
            if step >= total || steps == STRAIGHT_STEPS_PER_UNIT {
                break;
            }
            if step > 0 && step.is_multiple_of(STEPS_PER_PAIRING) {
                let (sources, targets) = self.paired_batch()?;
                self.stage = Stage::Straight {
                    step,
                    sources,
                    targets,
                };
            }
            loss += f64::from(self.straight_step(step, total));
            steps += 1;
            if let Stage::Straight { step, .. } = &mut self.stage {
                *step += 1;
            }
        }
        let done = match self.stage {
            Stage::Straight { step, .. } => step,
            _ => total,
        };
        self.record(
            "straight flow",
            done.div_ceil(STRAIGHT_STEPS_PER_UNIT),
            total.div_ceil(STRAIGHT_STEPS_PER_UNIT),
            loss / steps.max(1) as f64,
        )
    }

    /// One Adam step of u_δ and t_φ on the current pairing with fresh times; u_δ's loss.
    fn straight_step(&mut self, step: usize, total: usize) -> f32 {
        let Stage::Straight {
            sources, targets, ..
        } = &self.stage
        else {
            return 0.0;
        };
        let n = sources.nrows();
        let times: Vec<f64> = (0..n).map(|_| self.rng.random_range(0.0..1.0)).collect();
        let mut positions = sources.clone();
        for (i, &s) in times.iter().enumerate() {
            let mut row = positions.row_mut(i);
            row *= 1.0 - s;
            row.scaled_add(s, &targets.row(i));
        }
        let displacement = targets - sources;
        let flow_input = with_time(positions.view(), &times);
        let time_input = as_f32(positions.view());
        let time_target = Array2::from_shape_fn((n, 1), |(i, _)| times[i] as f32);
        let rate = crate::model::cosine_learning_rate(self.config.learning_rate, step, total);
        let Some((flow, flow_adam, time, time_adam)) = self.straight.as_mut() else {
            return 0.0;
        };
        flow_adam.set_learning_rate(rate);
        time_adam.set_learning_rate(rate);
        let flow_target = as_f32(displacement.view());
        let (loss, _) = rayon::join(
            || train_step(flow, flow_adam, flow_input.view(), flow_target.view()),
            || train_step(time, time_adam, time_input.view(), time_target.view()),
        );
        loss
    }

    /// The model with its final W2 against held-out samples beside the floor.
    fn finish(&mut self) -> Result<WideModel, HighDimError> {
        let networks = WideNetworks {
            velocity: self.velocity.clone(),
            straight_flow: self.straight.as_ref().map(|s| s.0.clone()),
            time_predictor: self.straight.as_ref().map(|s| s.2.clone()),
        };
        let mut model = WideModel {
            format_version: WIDE_FORMAT_VERSION,
            dim: self.target.dim(),
            method: self.config.method,
            config: self.config.clone(),
            source: self.source.clone(),
            target: self.target.clone(),
            log: self.log.clone(),
            networks,
        };
        let n = most_judged(&self.target).map_or(self.config.eval_samples, |most| {
            most.min(self.config.eval_samples)
        });
        if n >= 2 {
            let evaluation = model.evaluate(n, None, self.config.seed ^ 0xe7a1)?;
            model.log.w2 = Some(W2Checkpoint {
                iteration: self.units_done,
                w2: evaluation.w2,
                floor: evaluation.floor,
            });
        }
        Ok(model)
    }
}

/// What one [`WideTrainer::step`] produced.
#[derive(Debug)]
pub enum WideStep {
    /// One more unit of progress.
    Progress(TrainProgress),
    /// The run ended with this model.
    Finished(Box<WideModel>),
}

/// How a d-dimensional model did against held-out data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WideEvaluation {
    /// W2 of model samples against held-out target samples.
    pub w2: f64,
    /// W2 between two disjoint held-out samples of the same size.
    pub floor: f64,
    /// Median distance of a sample to its nearest training point.
    pub nearest_median: f64,
    /// The same median for held-out points (what an unmemorised sample looks like).
    pub held_out_nearest_median: f64,
    /// Network evaluations.
    pub nfe: usize,
    /// Seconds to generate the samples.
    pub seconds: f64,
}

impl WideModel {
    /// The default NFE: T for NSGF; T₁ + 1 + 4 straight steps for NSGF++.
    pub fn default_nfe(&self) -> usize {
        match self.method {
            Method::NsgfPp => self.config.flow.steps + 1 + DEFAULT_STRAIGHT_STEPS,
            _ => self.config.flow.steps,
        }
    }

    /// The smallest NFE sampling accepts.
    pub fn min_nfe(&self) -> usize {
        match self.method {
            Method::NsgfPp => self.config.flow.steps + 2,
            _ => 1,
        }
    }

    /// Integrates the learned flow from `n` fresh source samples (seeded), every frame kept.
    pub fn sample_trajectory(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<Trajectory, HighDimError> {
        let nfe = nfe.unwrap_or_else(|| self.default_nfe());
        if n == 0 {
            return Err(HighDimError::Invalid(
                "the number of samples must be at least 1 (got 0)".into(),
            ));
        }
        crate::limits::check("nfe", nfe, crate::limits::MAX_STEPS, 0)?;
        crate::limits::check(
            "points × nfe of a whole trajectory",
            n.saturating_mul(nfe + 1)
                .saturating_mul(self.dim.div_ceil(2)),
            crate::limits::MAX_FRAME_POINTS,
            32,
        )?;
        if nfe < self.min_nfe() {
            return Err(HighDimError::Invalid(format!(
                "nfe must be at least {} for this {} model (got {nfe})",
                self.min_nfe(),
                self.method.cli_name()
            )));
        }
        let start = self.source.sample(n, &mut seeded_rng(seed));
        let trajectory = match (&self.networks.straight_flow, &self.networks.time_predictor) {
            (Some(flow), Some(time)) => self.two_phases(start, nfe, flow, time),
            _ => {
                let mut trajectory = Trajectory::new(FlowKind::Nsgf);
                let end = self.velocity_phase(&mut trajectory, start, nfe, 1.0);
                trajectory.push(Frame::resting(1.0, cloud(&end)));
                trajectory
            }
        };
        if let Some(frame) = trajectory
            .frames()
            .iter()
            .position(|f| f.positions.first_non_finite().is_some())
        {
            return Err(HighDimError::Model(
                crate::model::ModelError::NonFiniteSample {
                    index: trajectory.frames()[frame]
                        .positions
                        .first_non_finite()
                        .unwrap_or(0),
                    frame,
                },
            ));
        }
        Ok(trajectory)
    }

    /// The end points of [`WideModel::sample_trajectory`].
    pub fn sample(&self, n: usize, nfe: Option<usize>, seed: u64) -> Result<Rows, HighDimError> {
        let trajectory = self.sample_trajectory(n, nfe, seed)?;
        let end = trajectory
            .end_points()
            .ok_or_else(|| HighDimError::Invalid("the trajectory has no frame".into()))?;
        rows(end)
    }

    /// `steps` Euler steps of v_θ over the training horizon, frames at `j/steps · timeline_end`.
    fn velocity_phase(
        &self,
        trajectory: &mut Trajectory,
        start: Rows,
        steps: usize,
        timeline_end: f64,
    ) -> Rows {
        let step_size = self.config.flow.eta * self.config.flow.steps as f64 / steps as f64;
        let mut current = start;
        for j in 0..steps {
            let t = j as f64 / steps as f64;
            let times = vec![t; current.nrows()];
            let velocity = as_f64(
                &self
                    .networks
                    .velocity
                    .forward(with_time(current.view(), &times).view()),
            );
            trajectory.push(Frame::moving(
                t * timeline_end,
                cloud(&current),
                cloud(&velocity),
                step_size,
            ));
            current.scaled_add(step_size, &velocity);
            trajectory.add_nfe(1);
        }
        current
    }

    /// NSGF++: T₁ steps of v_θ, τ = t_φ(x) (clamped below by the Sinkhorn phase's coverage),
    /// then straight steps of u_δ from τ to 1; the phases joined at the mean τ.
    fn two_phases(&self, start: Rows, nfe: usize, flow: &Mlp, time: &Mlp) -> Trajectory {
        let flow_steps = self.config.flow.steps;
        let mut sinkhorn_phase = Trajectory::new(FlowKind::NsgfPlusPlus);
        let mut current = self.velocity_phase(&mut sinkhorn_phase, start, flow_steps, 1.0);
        let covered = crate::model::sinkhorn_phase_coverage(self.config.flow.eta, flow_steps);
        let taus: Vec<f64> = time
            .forward(as_f32(current.view()).view())
            .column(0)
            .iter()
            .map(|&s| f64::from(s).clamp(covered, 1.0))
            .collect();
        let n = taus.len() as f64;
        let mean_tau = taus.iter().sum::<f64>() / n;
        let mut trajectory = Trajectory::new(FlowKind::NsgfPlusPlus);
        for frame in sinkhorn_phase.frames() {
            trajectory.push(Frame {
                t: frame.t * mean_tau,
                ..frame.clone()
            });
        }
        trajectory.add_nfe(sinkhorn_phase.nfe() + 1);
        let boundary = trajectory.len();
        let straight_steps = nfe - flow_steps - 1;
        for k in 0..straight_steps {
            let fraction = k as f64 / straight_steps as f64;
            let times: Vec<f64> = taus
                .iter()
                .map(|tau| tau + (1.0 - tau) * fraction)
                .collect();
            let mut velocity = as_f64(&flow.forward(with_time(current.view(), &times).view()));
            for (mut row, tau) in velocity.rows_mut().into_iter().zip(&taus) {
                row *= 1.0 - tau;
            }
            let step_size = 1.0 / straight_steps as f64;
            trajectory.push(Frame::moving(
                mean_tau + (1.0 - mean_tau) * fraction,
                cloud(&current),
                cloud(&velocity),
                step_size,
            ));
            current.scaled_add(step_size, &velocity);
            trajectory.add_nfe(1);
        }
        trajectory.push(Frame::resting(1.0, cloud(&current)));
        trajectory.set_phase_boundary(PhaseBoundary {
            frame: boundary,
            transition_times: taus.into(),
        });
        trajectory
    }

    /// Exact W2 of `n` samples against `n` held-out target points (mean over one draw), the
    /// floor between two disjoint held-out samples, and the nearest-training-point medians.
    pub fn evaluate(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<WideEvaluation, HighDimError> {
        let started = Instant::now();
        let samples = self.sample(n, nfe, seed)?;
        let seconds = started.elapsed().as_secs_f64();
        let mut rng = seeded_rng(seed ^ 0x51de);
        let (held_out, floor) = held_out_and_floor(&self.target, n, &mut rng)?;
        let w2 = metrics::exact_w2(samples.view(), held_out.view())?;
        let training = match &self.target {
            WideDistribution::Digits => super::digits::training(),
            other => other.sample(n, &mut rng),
        };
        let nearest = metrics::nearest_distances(samples.view(), training.view());
        let held_out_nearest = metrics::nearest_distances(held_out.view(), training.view());
        Ok(WideEvaluation {
            w2,
            floor,
            nearest_median: metrics::median(&nearest),
            held_out_nearest_median: metrics::median(&held_out_nearest),
            nfe: nfe.unwrap_or_else(|| self.default_nfe()),
            seconds,
        })
    }

    /// The model as JSON.
    pub fn to_json(&self) -> Result<String, HighDimError> {
        serde_json::to_string(self)
            .map_err(|error| HighDimError::Invalid(format!("cannot encode the model: {error}")))
    }

    /// Writes the model as JSON through a temporary file renamed into place.
    pub fn save(&self, path: &Path) -> Result<(), HighDimError> {
        let json = self.to_json()?;
        crate::files::write_atomically(path, |out| out.write_all(json.as_bytes()))
            .map(drop)
            .map_err(|source| HighDimError::Io {
                path: path.display().to_string(),
                source,
            })
    }

    /// Parses a d-dimensional model from `value` (read from `origin`), checking its shapes.
    pub fn from_value(value: serde_json::Value, origin: &Path) -> Result<Self, HighDimError> {
        let invalid =
            |reason: String| HighDimError::Invalid(format!("{}: {reason}", origin.display()));
        let model: Self = serde_json::from_value(value)
            .map_err(|error| invalid(format!("corrupt d-dimensional model file ({error})")))?;
        if model.format_version != WIDE_FORMAT_VERSION {
            return Err(invalid(format!(
                "d-dimensional model format version {}, but this nsgf reads version \
                 {WIDE_FORMAT_VERSION}",
                model.format_version
            )));
        }
        model
            .config
            .validate()
            .map_err(|e| invalid(e.to_string()))?;
        let d = model.dim;
        let velocity = model.networks.velocity.config();
        let plusplus = model.method == Method::NsgfPp;
        let shapes_fit = velocity.input == d + 1
            && velocity.output == d
            && model.target.dim() == d
            && model.source.dim() == d
            && match (
                &model.networks.straight_flow,
                &model.networks.time_predictor,
            ) {
                (Some(flow), Some(time)) => {
                    plusplus
                        && flow.config().input == d + 1
                        && flow.config().output == d
                        && time.config().input == d
                        && time.config().output == 1
                }
                (None, None) => !plusplus,
                _ => false,
            };
        if !shapes_fit {
            return Err(invalid(format!(
                "the networks do not fit a {} model in {d} dimensions",
                model.method.display_name()
            )));
        }
        let finite = model.networks.velocity.is_finite()
            && model
                .networks
                .straight_flow
                .as_ref()
                .is_none_or(Mlp::is_finite)
            && model
                .networks
                .time_predictor
                .as_ref()
                .is_none_or(Mlp::is_finite);
        if !finite {
            return Err(invalid("a network holds non-finite weights".into()));
        }
        Ok(model)
    }
}

/// The most samples a model of `target` can be judged on (half its held-out points; None: no
/// limit).
pub fn most_judged(target: &WideDistribution) -> Option<usize> {
    match target {
        WideDistribution::Digits => Some(super::digits::held_out().nrows() / 2),
        WideDistribution::Rows { rows, .. } => Some(rows.nrows() / 2),
        WideDistribution::StandardNormal { .. } => None,
    }
}

/// `n` held-out target points and the floor: W2 between them and `n` other held-out points
/// (two disjoint halves of the held-out digits when there are enough, else two draws).
pub fn held_out_and_floor(
    target: &WideDistribution,
    n: usize,
    rng: &mut SeededRng,
) -> Result<(Rows, f64), HighDimError> {
    if let Some(most) = most_judged(target).filter(|&most| n > most) {
        return Err(HighDimError::Invalid(format!(
            "judging {} takes at most {most} samples: the floor needs two disjoint samples of \
             the same size from its {} held-out points (got n = {n})",
            target.label(),
            2 * most
        )));
    }
    let pool = target.held_out(2 * n, rng);
    let first = pool.slice(s![..n, ..]).to_owned();
    let second = pool.slice(s![n.., ..]);
    let floor = metrics::exact_w2(first.view(), second)?;
    Ok((first, floor))
}

/// A cloud of rows as a frame's [`PointCloud`].
pub fn cloud(rows: &Rows) -> PointCloud {
    PointCloud::from_flat(rows.ncols(), rows.iter().copied().collect())
}

/// A frame's [`PointCloud`] back as rows.
pub fn rows(cloud: &PointCloud) -> Result<Rows, HighDimError> {
    Rows::from_shape_vec((cloud.len(), cloud.dim()), cloud.coords().to_vec())
        .map_err(|error| HighDimError::Invalid(error.to_string()))
}

/// Trains to the end on the CPU, reporting progress after every unit; `cancel` stops it
/// between units.
pub fn train(
    config: &WideConfig,
    source: &WideDistribution,
    target: &WideDistribution,
    cancel: &std::sync::atomic::AtomicBool,
    progress: &mut dyn FnMut(&TrainProgress),
) -> Result<WideModel, HighDimError> {
    train_on(WideKernels::Cpu, config, source, target, cancel, progress)
}

/// [`train`] with the flows' velocities on `kernels`.
pub fn train_on(
    kernels: WideKernels,
    config: &WideConfig,
    source: &WideDistribution,
    target: &WideDistribution,
    cancel: &std::sync::atomic::AtomicBool,
    progress: &mut dyn FnMut(&TrainProgress),
) -> Result<WideModel, HighDimError> {
    let mut trainer = WideTrainer::new(config, source, target)?;
    trainer.set_kernels(kernels);
    loop {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(HighDimError::Model(crate::model::ModelError::Cancelled));
        }
        match trainer.step()? {
            WideStep::Progress(report) => progress(&report),
            WideStep::Finished(model) => return Ok(*model),
        }
    }
}

/// The d-dimensional Sinkhorn particle flow of `source` toward `target` as a [`Trajectory`]:
/// `flow.steps` Euler steps at times `k / steps`, each frame with its velocity.
pub fn particle_trajectory(
    source: Rows,
    target: &Rows,
    flow: &FlowConfig,
) -> Result<Trajectory, HighDimError> {
    particle_trajectory_on(&WideKernels::Cpu, source, target, flow)
}

/// [`particle_trajectory`] with the velocities on `kernels`.
pub fn particle_trajectory_on(
    kernels: &WideKernels,
    source: Rows,
    target: &Rows,
    flow: &FlowConfig,
) -> Result<Trajectory, HighDimError> {
    let (positions, velocities, end) = simulate_on(kernels, source, target, flow)?;
    let mut trajectory = Trajectory::new(FlowKind::Sinkhorn);
    for (k, (x, v)) in positions.iter().zip(&velocities).enumerate() {
        trajectory.push(Frame::moving(
            k as f64 / flow.steps as f64,
            cloud(x),
            cloud(v),
            flow.eta,
        ));
    }
    trajectory.push(Frame::resting(1.0, cloud(&end)));
    Ok(trajectory)
}
