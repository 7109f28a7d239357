//! Entropic optimal transport on point clouds (2D kernels, and streaming kernels for any
//! dimension d in [`any_dim`]): GeomLoss-exact Sinkhorn potentials, barycentric
//! projections, the Sinkhorn-flow velocity and the Sinkhorn divergence (CPU backend), plus the
//! [`VelocityBackend`] interface that the GPU backend implements too.

pub mod cpu;
mod divergence;
pub mod gpu_error;
pub(crate) mod schedule;
mod sinkhorn;
pub mod stepped;
pub mod validate;
pub(crate) mod velocity;
pub mod warm;

pub mod any_dim;
pub(crate) mod blocks;
mod cloud;
mod kernel;
mod real;
mod softmin;
mod softmin_nd;

pub use gpu_error::GpuError;
pub use kernel::{Kernel, kernel_in_use};
pub(crate) use softmin::TRUNCATION_BITS;

pub use any_dim::{
    CloudKernels, CloudVelocity, CpuCloudKernels, cloud_debiased_velocity, cloud_diameter,
    cloud_divergence, cloud_velocity,
};
pub(crate) use cloud::finite_bounding_box;
pub use divergence::sinkhorn_divergence;
pub use schedule::{epsilon_schedule, max_diameter};
pub use sinkhorn::{Potentials, barycentric_projection, ot_value, sinkhorn_potentials};
pub use velocity::{FlowVelocity, debiased_velocity, flow_velocity, velocity_field};
pub use warm::WarmStartConfig;

use crate::Point;

/// Parameters of the Sinkhorn problem, GeomLoss style: `eps = blur²`, the ε-annealing factor
/// `scaling` in (0, 1).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SinkhornParams {
    /// Blur σ; the final entropic regularisation is ε = σ².
    pub blur: f64,
    /// Annealing factor of the ε-schedule, in (0, 1).
    pub scaling: f64,
}

impl Default for SinkhornParams {
    fn default() -> Self {
        Self {
            blur: 0.05,
            scaling: 0.9,
        }
    }
}

impl SinkhornParams {
    /// Checks blur > 0 (finite) and scaling in (0, 1).
    pub(crate) fn validate(&self) -> Result<(), OtError> {
        if !(self.blur.is_finite() && self.blur > 0.0) {
            return Err(OtError::InvalidBlur(self.blur));
        }
        if !(self.scaling > 0.0 && self.scaling < 1.0) {
            return Err(OtError::InvalidScaling(self.scaling));
        }
        Ok(())
    }
}

pub(crate) use crate::limits::{MAX_COORDINATE_F32, MAX_COORDINATE_F64};

/// The largest diameter²/ε at which the f32 kernels are accurate: up to it, the f32 velocity
/// stays within 1e-3 of max|v| of the f64 one at every particle; beyond it the error grows
/// about linearly (measured by `nsgf bench --what precision`: worst 2.7e-4–9.0e-4 at 3e6,
/// 8.6e-4–5.2e-3 at 1e7, 1.5e-2–5.5e-2 at 1e8 over three preset pairs at n = 300 and 2000;
/// the default gaussian → moons at blur 0.05 sits at about 2.5e4). Past it the CPU backend
/// computes in f64 by itself and says so; the GPU backend (f32 only) warns.
pub const F32_MAX_DIAMETER2_OVER_EPS: f64 = 3.0e6;

/// Floating-point precision of the Sinkhorn iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Precision {
    /// f32 arithmetic (default; fast).
    #[default]
    F32,
    /// f64 arithmetic (reference accuracy).
    F64,
}

/// Errors of the OT layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OtError {
    /// An empty point set.
    #[error("the {0} point set is empty")]
    EmptySet(&'static str),
    /// blur ≤ 0 or not finite.
    #[error("blur must be a finite number > 0 (got {0})")]
    InvalidBlur(f64),
    /// scaling outside (0, 1).
    #[error("scaling must lie strictly between 0 and 1 (got {0})")]
    InvalidScaling(f64),
    /// A non-finite coordinate.
    #[error("the {set} point set holds a non-finite coordinate at index {index}")]
    NonFinite {
        /// "source", "target" or "query".
        set: &'static str,
        /// Index of the offending point.
        index: usize,
    },
    /// Coordinates so large that squared distances overflow the precision.
    #[error(
        "point {index} of the {set} set is too large for {precision:?}: squared distances would \
         overflow (|x| must be at most {limit:e}); rescale the data{}",
        if *.precision == Precision::F32 { " or use --precision f64" } else { "" }
    )]
    TooLarge {
        /// "source" or "target".
        set: &'static str,
        /// The index of the point.
        index: usize,
        /// The precision of the kernels.
        precision: Precision,
        /// The largest allowed |coordinate|.
        limit: f64,
    },
    /// A particle of a flow left the plane: the Euler step overflowed.
    #[error(
        "particle {index} left the plane at step {step} (non-finite position): try a smaller η \
         or rescale the data"
    )]
    LeftThePlane {
        /// The first particle with a non-finite coordinate.
        index: usize,
        /// The Euler step that moved it there.
        step: usize,
    },
    /// A computed velocity, potential or divergence is NaN or infinite: the kernels overflowed.
    #[error(
        "the {precision:?} {quantity}{} is not finite: {}",
        index.map(|i| format!(" at point {i}")).unwrap_or_default(),
        if *.precision == Precision::F32 {
            "f32 overflow: rescale the data or use --precision f64"
        } else {
            "f64 overflow: rescale the data"
        }
    )]
    NonFiniteResult {
        /// What was computed ("velocity", "potential f", "Sinkhorn divergence").
        quantity: &'static str,
        /// The first offending point, for per-point results.
        index: Option<usize>,
        /// The precision of the kernels.
        precision: Precision,
    },
    /// GeomLoss's ε-annealing would take more than `schedule::MAX_EPSILON_STEPS` steps.
    #[error(
        "the ε-schedule would anneal through {steps:.0} steps (diameter {diameter:e}, blur \
         {blur:e}, scaling {scaling}), beyond the limit of {}: raise --blur or lower --scaling",
        schedule::MAX_EPSILON_STEPS
    )]
    ScheduleTooLong {
        /// The steps it would take.
        steps: f64,
        /// The diameter of the clouds.
        diameter: f64,
        /// The blur.
        blur: f64,
        /// The annealing factor.
        scaling: f64,
    },
    /// Two clouds of different dimensions.
    #[error(
        "the source points have {source_dim} coordinates and the target points {target_dim}: \
         both must have the same dimension"
    )]
    DimensionMismatch {
        /// Coordinates per source point.
        source_dim: usize,
        /// Coordinates per target point.
        target_dim: usize,
    },
    /// Something this backend does not do.
    #[error("{0}")]
    Unsupported(String),
    /// A GPU failure (no adapter, device lost, out of memory, validation, mapping, size beyond
    /// the adapter's limits), with wgpu's error as its source where wgpu gave one.
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// Whether the CPU kernels skip the terms that cannot matter: column blocks whose every term
/// is below 2^−`TRUNCATION_BITS` of its row's largest (a proven bound, recomputed at every ε
/// from the current potentials; see `ot::softmin`). Truncated results equal the dense ones to
/// about f32's resolution; the ε-schedule and the iterations are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Truncation {
    /// Every term of every row (the reference).
    Off,
    /// Truncated kernels at every size.
    On,
    /// Truncated kernels when n·m ≥ `TRUNCATION_AUTO_TERMS`, where they pay (measured by
    /// `nsgf bench --what truncation`).
    #[default]
    Auto,
}

/// The size n·m from which [`Truncation::Auto`] truncates.
const TRUNCATION_AUTO_TERMS: usize = 1_000_000;

impl Truncation {
    /// Whether a problem of n rows and m columns runs truncated.
    pub fn applies(self, n: usize, m: usize) -> bool {
        match self {
            Self::Off => false,
            Self::On => true,
            Self::Auto => n.saturating_mul(m) >= TRUNCATION_AUTO_TERMS,
        }
    }
}

/// How a backend solves the two Sinkhorn problems of each velocity evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum VelocityMode {
    /// GeomLoss's ε-annealing, one update per ε (the default, and what parity is tested on):
    /// every Euler step starts again from the diameter.
    #[default]
    Annealed,
    /// The previous step's potentials refined at ε = blur² until the largest change of an
    /// update is at most `tolerance · ε`; a problem that misses it within `max_iterations` is
    /// solved again with the full schedule, so the answer is always a converged or an exact one.
    /// The first step anneals.
    Refined(WarmStartConfig),
    /// Converged Sinkhorn at ε = blur², for live flows: the first Euler step anneals, then
    /// every solve iterates to a tolerance, starting from the previous step's potentials.
    Converged(ConvergedConfig),
    /// GeomLoss's annealing restarted near the end: the first Euler step anneals from the
    /// diameter, every later one from ε = (`restart` · blur)², starting from the previous
    /// step's potentials (the tail of the same schedule).
    WarmAnnealed {
        /// Where the tail starts, in multiples of the blur (> 1).
        restart: f64,
    },
    /// GeomLoss's annealing coarse-to-fine at every Euler step, from the diameter and with no
    /// state between steps: the ε above (`jump` · blur)² on clusters of up to
    /// `MULTISCALE_CLUSTER` consecutive points along the Hilbert curve (their weighted
    /// centroids; larger ε on clusters of clusters, see `MULTISCALE_EXTENT`), then the rest
    /// on the points, from potentials extrapolated off the clusters.
    Multiscale {
        /// Where the solve leaves the clusters for the points, in multiples of the blur (> 1).
        jump: f64,
    },
}

/// Points (or finer clusters) per cluster of the coarse problems of
/// [`VelocityMode::Multiscale`] at most: runs of consecutive points along the Hilbert curve.
pub(crate) const MULTISCALE_CLUSTER: usize = 4;

/// The largest diagonal of a cluster's bounding box in [`VelocityMode::Multiscale`], as a
/// fraction of the kernel's width √ε down to which its level is used: points farther apart
/// stay in separate clusters. Level 0 (clusters of points) hands over at ε = (jump · blur)²,
/// each coarser level (clusters of clusters, twice as wide) at four times its finer level's ε.
/// At 0.07 one velocity stays within 3.7e-3 of max|v| of the exact one in the cases of
/// `tests/it/ot_multiscale.rs` (0.25 on one level: 3.9e-2).
pub(crate) const MULTISCALE_EXTENT: f64 = 0.07;

impl VelocityMode {
    /// A short name for notes ("annealed (GeomLoss-exact)", "converged, warm-started").
    pub fn name(&self) -> &'static str {
        match self {
            Self::Annealed => "annealed (GeomLoss-exact)",
            Self::Refined(_) => "refined from the previous step",
            Self::Converged(_) => "converged, warm-started",
            Self::WarmAnnealed { .. } => "annealing tail, warm-started",
            Self::Multiscale { .. } => "annealed coarse-to-fine (multiscale)",
        }
    }
}

/// Where the live flows' annealing tail restarts, in blurs ([`VelocityMode::live`]): chosen
/// by `nsgf bench --what flowmodes` as the shortest tail whose 40-step flow ends within 1 % of
/// the diameter of the exact one.
pub(crate) const LIVE_RESTART: f64 = 16.0;

impl VelocityMode {
    /// The mode of live flows (the app, `--mode warm`): GeomLoss's annealing tail from
    /// [`LIVE_RESTART`]·blur, warm-started.
    pub(crate) fn live() -> Self {
        Self::WarmAnnealed {
            restart: LIVE_RESTART,
        }
    }

    /// The coarse-to-fine mode (`--mode multiscale`), leaving the clusters at
    /// `MULTISCALE_JUMP`·blur.
    pub fn multiscale() -> Self {
        Self::Multiscale {
            jump: MULTISCALE_JUMP,
        }
    }
}

/// Where [`VelocityMode::multiscale`] leaves the clusters for the points, in blurs. Chosen with
/// `nsgf bench --what flowmodes` in trials with one level of wider clusters (at n = 4000, 12
/// and 16·blur ended equally close to the exact flow, 12 faster; at n = 1000, 8·blur ended
/// twice as far as 16). With the shipped clusters, at 12·blur the 40-step flow at n = 4000
/// ends W2 0.088 % of the diameter from the exact one.
pub(crate) const MULTISCALE_JUMP: f64 = 12.0;

/// When a converged solve stops: the largest change of either potential in one averaged update
/// is at most `tolerance · ε`, or `max_iterations` updates ran.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvergedConfig {
    /// Stopping tolerance on the potentials' change, in units of ε.
    pub tolerance: f64,
    /// Cap on the updates of one solve at ε.
    pub max_iterations: usize,
}

impl Default for ConvergedConfig {
    fn default() -> Self {
        Self {
            tolerance: 1e-3,
            max_iterations: 200,
        }
    }
}

/// Work counters of the last velocity evaluation, for benchmarks and warm-start reports.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SolveStats {
    /// Sinkhorn iterations run, over both the (x,y) and the (x,x) problems.
    pub iterations: usize,
    /// Softmin terms evaluated: Σ over iterations of rows × columns.
    pub softmin_terms: u64,
}

/// Anything that computes the empirical Sinkhorn-flow velocity
/// `v(x_i) = P_{x→y}(x_i) − P_{x→x}(x_i)` at every particle. Implemented by the CPU backend and
/// by the GPU backend. A backend may keep state between calls (warm start across Euler steps).
pub trait VelocityBackend: Send {
    /// A short name for messages ("cpu f32", "gpu (lavapipe)").
    fn name(&self) -> String;
    /// The velocity at every particle toward `target`.
    fn velocity(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<Vec<Point>, OtError>;
    /// The debiased Sinkhorn divergence S_ε(particles, target) (GeomLoss's formula).
    fn divergence(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<f64, OtError>;
    /// The debiased velocity of a one-step generator's batch,
    /// `v(x_i) = P_{x→y}(x_i) − P_{x→x′}(x_i)` with `independent` = x′ a second batch of the same
    /// generator (see [`velocity::debiased_velocity`]), solved cold. The default takes it as the
    /// difference of two [`VelocityBackend::velocity`] calls, `(P_{x→y} − P_{x→x}) −
    /// (P_{x→x′} − P_{x→x})`, so that every backend has it; it forgets the warm-start state.
    fn debiased_velocity(
        &mut self,
        particles: &[Point],
        independent: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<Vec<Point>, OtError> {
        self.reset_warm_start();
        let to_target = self.velocity(particles, target, params)?;
        self.reset_warm_start();
        let to_independent = self.velocity(particles, independent, params)?;
        self.reset_warm_start();
        Ok(to_target
            .iter()
            .zip(&to_independent)
            .map(|(p, q)| [p[0] - q[0], p[1] - q[1]])
            .collect())
    }
    /// Forget any warm-start state (call when the target or the parameters change).
    fn reset_warm_start(&mut self);
    /// Counters of the last [`VelocityBackend::velocity`] call.
    fn last_stats(&self) -> SolveStats;
    /// A message about something the backend did on its own since the last call (e.g. the GPU
    /// failed and the CPU took over), to show the user once.
    fn take_notice(&mut self) -> Option<String> {
        None
    }
    /// The next velocity as a computation that runs a step at a time
    /// ([`stepped::SteppedVelocity`]; the browser's CPU path), where this backend can pause
    /// one: the CPU in the annealed mode. `None` where it cannot (call `velocity` instead).
    fn start_stepped(
        &mut self,
        _particles: &[Point],
        _target: &[Point],
        _params: &SinkhornParams,
    ) -> Option<Result<stepped::SteppedVelocity, OtError>> {
        None
    }
    /// The next divergence as a computation that runs a step at a time
    /// ([`stepped::SteppedDivergence`]), where this backend can pause one: the CPU. `None`
    /// where it cannot (call `divergence` instead).
    fn start_stepped_divergence(
        &mut self,
        _particles: &[Point],
        _target: &[Point],
        _params: &SinkhornParams,
    ) -> Option<Result<stepped::SteppedDivergence, OtError>> {
        None
    }
    /// Chooses whether the kernels skip negligible terms; a backend without truncated kernels
    /// accepts only [`Truncation::Off`] (and `Auto`, which it takes as off). The CPU backend
    /// starts at `Auto`, the GPU backend at `Off`.
    fn set_truncation(&mut self, truncation: Truncation) -> Result<(), OtError> {
        match truncation {
            Truncation::Off | Truncation::Auto => Ok(()),
            Truncation::On => Err(OtError::Unsupported(format!(
                "{} has no truncated kernels; they run on the CPU (--backend cpu)",
                self.name()
            ))),
        }
    }
    /// The truncation setting in force (`Off` for a backend without truncated kernels).
    fn truncation(&self) -> Truncation {
        Truncation::Off
    }
    /// Chooses how velocities are solved; a backend that cannot solve in `mode` says why.
    fn set_mode(&mut self, mode: VelocityMode) -> Result<(), OtError> {
        match mode {
            VelocityMode::Annealed => Ok(()),
            VelocityMode::Refined(_)
            | VelocityMode::Converged(_)
            | VelocityMode::WarmAnnealed { .. }
            | VelocityMode::Multiscale { .. } => Err(OtError::Unsupported(format!(
                "{} solves annealed only; the other modes run on the CPU (--backend cpu)",
                self.name()
            ))),
        }
    }
}
