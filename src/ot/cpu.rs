//! The CPU backend: the streaming rayon kernels of `ot::softmin`, with an optional warm
//! start across consecutive Euler steps.

use super::divergence::sinkhorn_divergence;
use super::validate::{check_inputs, check_magnitude, f32_accuracy, f32_accuracy_note};
use super::velocity::{SolvedVelocity, solve_converged, solve_velocity, solve_warm_annealed};
use super::warm::{WarmStart, WarmStartable, WarmState, WarmSwitch};
use super::{
    OtError, Precision, SinkhornParams, SolveStats, Truncation, VelocityBackend, VelocityMode,
};
use crate::Point;

/// The CPU Sinkhorn backend.
///
/// At f32, a call whose diameter²/ε exceeds [`super::F32_MAX_DIAMETER2_OVER_EPS`] runs in f64
/// instead, with a notice ([`VelocityBackend::take_notice`]) once per parameter set.
///
/// With warm start on, a velocity call whose sizes and parameters equal the previous call's
/// starts both problems from the previous potentials at ε = blur² (no annealing) and iterates
/// until converged (see [`super::WarmStartConfig`]); anything else runs GeomLoss's full schedule.
pub struct CpuBackend {
    precision: Precision,
    warm: WarmStart<WarmState>,
    last_stats: SolveStats,
    notice: Option<String>,
    /// The parameters the last f64 notice was given for.
    noticed_for: Option<SinkhornParams>,
    mode: VelocityMode,
    /// The converged mode's potentials of the last step (boxed: most backends never keep any).
    converged: Option<Box<WarmState>>,
    truncation: Truncation,
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
            notice: None,
            noticed_for: None,
            mode: VelocityMode::Annealed,
            converged: None,
            truncation: Truncation::default(),
        }
    }

    /// The same backend with another truncation setting (default [`Truncation::Auto`]).
    pub fn with_truncation(mut self, truncation: Truncation) -> Self {
        self.truncation = truncation;
        self
    }

    /// How velocities are solved.
    pub fn mode(&self) -> VelocityMode {
        self.mode
    }

    /// The precision a call on `x`, `y` at `params` runs in: the chosen one, or f64 where f32
    /// cannot be accurate (noting it the first time for these parameters).
    fn precision_for(&mut self, x: &[Point], y: &[Point], params: &SinkhornParams) -> Precision {
        if self.precision == Precision::F64 {
            return Precision::F64;
        }
        match f32_accuracy(x, y, params) {
            Ok(()) => Precision::F32,
            Err(ratio) => {
                if self.noticed_for != Some(*params) {
                    self.noticed_for = Some(*params);
                    self.notice = Some(f32_accuracy_note(ratio, "computing in f64"));
                }
                Precision::F64
            }
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
        if self.mode != VelocityMode::Annealed {
            format!("cpu {precision} ({})", self.mode.name())
        } else if self.warm.enabled() {
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
        let precision = self.precision_for(particles, target, params);
        check_magnitude(particles, target, precision)?;
        let truncated = self.truncation.applies(particles.len(), target.len());
        if self.mode != VelocityMode::Annealed {
            let start = self
                .converged
                .as_deref()
                .filter(|state| state.fits(particles.len(), target.len(), params));
            let (x, y) = (particles, target);
            let SolvedVelocity { velocity, state } = match (self.mode, precision) {
                (VelocityMode::Converged(c), Precision::F32) => {
                    solve_converged::<f32>(x, y, params, start, c, truncated)
                }
                (VelocityMode::Converged(c), Precision::F64) => {
                    solve_converged::<f64>(x, y, params, start, c, truncated)
                }
                (VelocityMode::WarmAnnealed { restart }, Precision::F32) => {
                    solve_warm_annealed::<f32>(x, y, params, start, restart, truncated)
                }
                (VelocityMode::WarmAnnealed { restart }, Precision::F64) => {
                    solve_warm_annealed::<f64>(x, y, params, start, restart, truncated)
                }
                (VelocityMode::Annealed, _) => unreachable!("handled below"),
            }?;
            self.last_stats = velocity.stats;
            self.converged = Some(Box::new(state));
            return Ok(velocity.velocity);
        }
        let warm = self
            .warm
            .state()
            .filter(|state| state.fits(particles.len(), target.len(), params));
        let config = self.warm.config();
        let SolvedVelocity { velocity, state } = match precision {
            Precision::F32 => {
                solve_velocity::<f32>(particles, target, params, warm, config, truncated)
            }
            Precision::F64 => {
                solve_velocity::<f64>(particles, target, params, warm, config, truncated)
            }
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
        check_inputs(particles, target, params)?;
        let precision = self.precision_for(particles, target, params);
        sinkhorn_divergence(particles, target, params, precision)
    }

    fn reset_warm_start(&mut self) {
        self.warm.reset();
        self.converged = None;
    }

    fn set_mode(&mut self, mode: VelocityMode) -> Result<(), OtError> {
        self.mode = mode;
        self.converged = None;
        Ok(())
    }

    fn last_stats(&self) -> SolveStats {
        self.last_stats
    }

    fn set_truncation(&mut self, truncation: Truncation) -> Result<(), OtError> {
        self.truncation = truncation;
        Ok(())
    }

    fn truncation(&self) -> Truncation {
        self.truncation
    }

    fn take_notice(&mut self) -> Option<String> {
        self.notice.take()
    }
}
