//! The CPU backend: the streaming rayon kernels of `ot::softmin`, with an optional warm
//! start across consecutive Euler steps.

use super::divergence::sinkhorn_divergence;
use super::validate::{check_inputs, check_magnitude};
use super::velocity::{SolvedVelocity, solve_velocity};
use super::warm::{WarmStart, WarmStartable, WarmState, WarmSwitch};
use super::{OtError, Precision, SinkhornParams, SolveStats, VelocityBackend};
use crate::Point;

/// The CPU Sinkhorn backend.
///
/// With warm start on, a velocity call whose sizes and parameters equal the previous call's
/// starts both problems from the previous potentials at ε = blur² (no annealing) and iterates
/// until converged (see [`super::WarmStartConfig`]); anything else runs GeomLoss's full schedule.
pub struct CpuBackend {
    precision: Precision,
    warm: WarmStart<WarmState>,
    last_stats: SolveStats,
}

impl CpuBackend {
    /// A CPU backend at the given precision. Warm start is off: every call reproduces
    /// GeomLoss's cold schedule exactly; a warm start converges toward a different (more
    /// converged) velocity and saved no work in measurements (see [`super::warm`]).
    pub fn new(precision: Precision) -> Self {
        Self {
            precision,
            warm: WarmStart::default(),
            last_stats: SolveStats::default(),
        }
    }

    /// The precision the kernels run in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Whether warm start is on.
    pub fn warm_start(&self) -> bool {
        self.warm.enabled()
    }
}

impl WarmStartable for CpuBackend {
    fn warm_mut(&mut self) -> &mut dyn WarmSwitch {
        &mut self.warm
    }
}

impl VelocityBackend for CpuBackend {
    fn name(&self) -> String {
        let precision = match self.precision {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        };
        if self.warm.enabled() {
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
        check_magnitude(particles, target, self.precision)?;
        let warm = self
            .warm
            .state()
            .filter(|state| state.fits(particles.len(), target.len(), params));
        let config = self.warm.config();
        let SolvedVelocity { velocity, state } = match self.precision {
            Precision::F32 => solve_velocity::<f32>(particles, target, params, warm, config),
            Precision::F64 => solve_velocity::<f64>(particles, target, params, warm, config),
        }?;
        self.last_stats = velocity.stats;
        self.warm.keep(state);
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
        self.warm.reset();
    }

    fn last_stats(&self) -> SolveStats {
        self.last_stats
    }
}
