//! The empirical Sinkhorn particle flow (Euler steps of the Sinkhorn-divergence gradient flow),
//! the one [`Trajectory`] type every flow is recorded in, and the trajectory pool of aligned
//! `(x_k, t_k, v_k)` triples that NSGF trains on.

mod cloud_flow;
mod kind;
mod pool;
mod trajectory;

pub use crate::point_cloud::PointCloud;
pub use cloud_flow::{simulate_cloud_flow, simulate_cloud_flow_reporting};
pub use kind::FlowKind;
pub use pool::{PoolBatch, TrajectoryPool};
pub use trajectory::{Frame, PhaseBoundary, Trajectory};

use crate::Point;
use crate::ot::{OtError, SinkhornParams, VelocityBackend, VelocityMode};

/// How a particle flow solves each Euler step's Sinkhorn problems: the app's and the scenes'
/// choice between the GeomLoss-exact mode and the live one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowSolver {
    /// GeomLoss's whole ε-annealing at every step ([`VelocityMode::Annealed`]).
    #[default]
    Exact,
    /// GeomLoss's annealing tail, warm-started from the previous step
    /// (`VelocityMode::live`): a quarter of the time on truncated kernels, a flow within 1 %
    /// of the diameter of the exact one (measured by `nsgf bench --what flowmodes`).
    Fast,
    /// GeomLoss's whole annealing at every step, coarse-to-fine ([`VelocityMode::multiscale`]):
    /// no state between steps, a flow closer to the exact one than the fast solver's, in about
    /// 0.4 of the exact time at 4000 particles (CPU only; the GPU solves exact instead).
    Multiscale,
}

impl FlowSolver {
    /// Every choice, in the order the app lists them.
    pub const ALL: [FlowSolver; 3] = [FlowSolver::Exact, FlowSolver::Fast, FlowSolver::Multiscale];

    /// The velocity mode it solves in.
    pub fn mode(self) -> VelocityMode {
        match self {
            Self::Exact => VelocityMode::Annealed,
            Self::Fast => VelocityMode::live(),
            Self::Multiscale => VelocityMode::multiscale(),
        }
    }

    /// The name shown in the app.
    pub fn label(self) -> &'static str {
        match self {
            Self::Exact => "exact (GeomLoss)",
            Self::Fast => "fast (warm tail)",
            Self::Multiscale => "multiscale (coarse-to-fine)",
        }
    }
}

/// How a particle flow is integrated.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlowConfig {
    /// Number of Euler steps T.
    pub steps: usize,
    /// Euler step size η: `x ← x + η v(x)`.
    pub eta: f64,
    /// Sinkhorn parameters of the velocity.
    pub sinkhorn: SinkhornParams,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            steps: 10,
            eta: 1.0,
            sinkhorn: SinkhornParams::default(),
        }
    }
}

impl FlowConfig {
    /// The time variable of step `step` out of `steps`: `t = step / steps`, in [0, 1].
    pub(crate) fn time_of_step(&self, step: usize) -> f64 {
        step as f64 / self.steps.max(1) as f64
    }
}

/// An empirical Sinkhorn flow, stepped one Euler step at a time (the app steps it live).
pub struct ParticleFlow {
    config: FlowConfig,
    target: Vec<Point>,
    particles: Vec<Point>,
    step: usize,
}

impl ParticleFlow {
    /// A flow from `source` particles toward the `target` samples. Fails on empty sets or bad
    /// parameters.
    pub fn new(
        source: Vec<Point>,
        target: Vec<Point>,
        config: FlowConfig,
    ) -> Result<Self, OtError> {
        config.sinkhorn.validate()?;
        if source.is_empty() {
            return Err(OtError::EmptySet("source"));
        }
        if target.is_empty() {
            return Err(OtError::EmptySet("target"));
        }
        Ok(Self {
            config,
            target,
            particles: source,
            step: 0,
        })
    }

    /// Whether all `config.steps` steps are done.
    pub fn finished(&self) -> bool {
        self.step >= self.config.steps
    }

    /// One Euler step: computes `v_k` at the current positions with `backend`, moves the
    /// particles, and returns the frame `(x_k, t_k, v_k)` of the positions before the move.
    pub fn advance(&mut self, backend: &mut dyn VelocityBackend) -> Result<Frame, OtError> {
        let velocities = backend.velocity(&self.particles, &self.target, &self.config.sinkhorn)?;
        self.apply_velocity(&velocities)
    }

    /// What the next step's velocity is computed from: the particles, the target and the
    /// Sinkhorn parameters (for a velocity computed elsewhere, e.g. polled from the GPU).
    pub(crate) fn velocity_inputs(&self) -> (&[Point], &[Point], &SinkhornParams) {
        (&self.particles, &self.target, &self.config.sinkhorn)
    }

    /// The second half of [`ParticleFlow::advance`]: moves the particles by `velocities`
    /// (computed at [`ParticleFlow::velocity_inputs`]) and returns the frame before the move.
    pub(crate) fn apply_velocity(&mut self, velocities: &[Point]) -> Result<Frame, OtError> {
        if velocities.len() != self.particles.len() {
            return Err(OtError::Unsupported(format!(
                "a velocity of {} points cannot move {} particles",
                velocities.len(),
                self.particles.len()
            )));
        }
        let eta = self.config.eta;
        let frame = Frame::moving(
            self.config.time_of_step(self.step),
            self.particles.as_slice(),
            velocities,
            eta,
        );
        for (x, v) in self.particles.iter_mut().zip(velocities) {
            x[0] += eta * v[0];
            x[1] += eta * v[1];
        }
        if let Some(index) = self
            .particles
            .iter()
            .position(|p| !(p[0].is_finite() && p[1].is_finite()))
        {
            return Err(OtError::LeftThePlane {
                index,
                step: self.step,
            });
        }
        self.step += 1;
        Ok(frame)
    }

    /// The current positions as a final frame (no velocity).
    pub fn current_frame(&self) -> Frame {
        Frame::resting(
            self.config.time_of_step(self.step),
            self.particles.as_slice(),
        )
    }
}

/// Simulates a whole flow of `config.steps` Euler steps and returns its trajectory of
/// `steps + 1` frames: one per step with its velocity, then the final positions. The backend's
/// warm-start state is reset first, since the target is new.
pub fn simulate_flow(
    source: Vec<Point>,
    target: Vec<Point>,
    config: FlowConfig,
    backend: &mut dyn VelocityBackend,
) -> Result<Trajectory, OtError> {
    backend.reset_warm_start();
    let mut flow = ParticleFlow::new(source, target, config)?;
    let mut trajectory = Trajectory::new(FlowKind::Sinkhorn);
    while !flow.finished() {
        trajectory.push(flow.advance(backend)?);
    }
    trajectory.push(flow.current_frame());
    Ok(trajectory)
}
