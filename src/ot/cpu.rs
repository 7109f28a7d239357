//! The CPU backend: the streaming rayon kernels of `ot::softmin`, with an optional warm
//! start across consecutive Euler steps.

use super::divergence::sinkhorn_divergence;
use super::validate::check_inputs;
use super::velocity::{SolvedVelocity, solve_velocity};
use super::warm::{WarmStartConfig, WarmState};
use super::{OtError, Precision, SinkhornParams, SolveStats, VelocityBackend};
use crate::Point;

/// The CPU Sinkhorn backend.
///
/// With warm start on, a velocity call whose sizes and parameters equal the previous call's
/// starts both problems from the previous potentials at ε = blur² (no annealing) and iterates
/// until converged (see [`WarmStartConfig`]); anything else runs GeomLoss's full schedule.
pub struct CpuBackend {
    precision: Precision,
    warm_start: bool,
    warm_config: WarmStartConfig,
    warm_state: Option<WarmState>,
    last_stats: SolveStats,
}

impl CpuBackend {
    /// A CPU backend at the given precision. Warm start is off: every call reproduces
    /// GeomLoss's cold schedule exactly; a warm start converges toward a different (more
    /// converged) velocity and saved no work in measurements (see [`super::warm`]).
    pub fn new(precision: Precision) -> Self {
        Self {
            precision,
            warm_start: false,
            warm_config: WarmStartConfig::default(),
            warm_state: None,
            last_stats: SolveStats::default(),
        }
    }

    /// The same backend with warm start switched on or off.
    pub fn with_warm_start(mut self, warm_start: bool) -> Self {
        self.warm_start = warm_start;
        self.warm_state = None;
        self
    }

    /// The same backend with another warm-start stopping rule.
    pub fn with_warm_config(mut self, config: WarmStartConfig) -> Self {
        self.warm_config = config;
        self.warm_state = None;
        self
    }

    /// The precision the kernels run in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Whether warm start is on.
    pub fn warm_start(&self) -> bool {
        self.warm_start
    }
}

impl VelocityBackend for CpuBackend {
    fn name(&self) -> String {
        let precision = match self.precision {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        };
        if self.warm_start {
            format!("cpu {precision} (warm start)")
        } else {
            format!("cpu {precision}")
        }
    }

    fn velocity(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<Vec<Point>, OtError> {
        check_inputs(particles, target, params)?;
        let warm = if self.warm_start {
            self.warm_state
                .as_ref()
                .filter(|state| state.fits(particles.len(), target.len(), params))
        } else {
            None
        };
        let SolvedVelocity { velocity, state } = match self.precision {
            Precision::F32 => {
                solve_velocity::<f32>(particles, target, params, warm, self.warm_config)
            }
            Precision::F64 => {
                solve_velocity::<f64>(particles, target, params, warm, self.warm_config)
            }
        }?;
        self.last_stats = velocity.stats;
        self.warm_state = self.warm_start.then_some(state);
        Ok(velocity.velocity)
    }

    fn divergence(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<f64, OtError> {
        sinkhorn_divergence(particles, target, params, self.precision)
    }

    fn reset_warm_start(&mut self) {
        self.warm_state = None;
    }

    fn last_stats(&self) -> SolveStats {
        self.last_stats
    }
}
