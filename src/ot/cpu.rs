//! The CPU backend: the streaming rayon kernels of `ot::softmin`, in every velocity mode.

use super::divergence::sinkhorn_divergence;
use super::kernel::{Kernel, run_on};
use super::real::Real;
use super::stepped::{SteppedDivergence, SteppedVelocity};
use super::validate::{check_inputs, check_magnitude, f32_accuracy, f32_accuracy_note};
use super::velocity::{
    SolvedVelocity, solve_converged, solve_multiscale, solve_velocity, solve_warm_annealed,
};
use super::warm::{WarmStartConfig, WarmState};
use super::{
    OtError, Precision, SinkhornParams, SolveStats, Truncation, VelocityBackend, VelocityMode,
};
use crate::Point;

/// The CPU Sinkhorn backend.
///
/// At f32, a call whose diameter²/ε exceeds [`super::F32_MAX_DIAMETER2_OVER_EPS`] runs in f64
/// instead, with a notice ([`VelocityBackend::take_notice`]) once per parameter set.
///
/// Every mode but [`VelocityMode::Annealed`] keeps the potentials of the last call and starts
/// the next call from them when its sizes and parameters are the same (the next Euler step);
/// anything else runs GeomLoss's full schedule.
pub struct CpuBackend {
    precision: Precision,
    last_stats: SolveStats,
    notice: Option<String>,
    /// The parameters the last f64 notice was given for.
    noticed_for: Option<SinkhornParams>,
    mode: VelocityMode,
    /// The last call's potentials, for the warm-started modes (boxed: most backends never keep
    /// any).
    kept: Option<Box<WarmState>>,
    truncation: Truncation,
    /// The compiled kernels every call runs on (`None`: the best this CPU runs).
    kernel: Option<Kernel>,
}

impl CpuBackend {
    /// A CPU backend at the given precision, in the annealed (GeomLoss-exact) mode, on truncated
    /// kernels from n·m = 10⁶ on ([`Truncation::Auto`]).
    pub fn new(precision: Precision) -> Self {
        Self {
            precision,
            last_stats: SolveStats::default(),
            notice: None,
            noticed_for: None,
            mode: VelocityMode::Annealed,
            kept: None,
            truncation: Truncation::default(),
            kernel: None,
        }
    }

    /// The same backend running every call on the compiled `kernel` rather than the best one
    /// this CPU runs (the benchmarks time the portable loop against the dispatched one); an
    /// error naming the kernel when this CPU lacks its features. Stepped velocities
    /// ([`VelocityBackend::start_stepped`]) run the dispatched kernels.
    pub fn with_kernel(mut self, kernel: Kernel) -> Result<Self, OtError> {
        if !kernel.runs_here() {
            return Err(OtError::Unsupported(format!(
                "the {} kernels do not run on this CPU (it lacks their instructions)",
                kernel.name()
            )));
        }
        self.kernel = Some(kernel);
        Ok(self)
    }

    /// The same backend with another truncation setting (default [`Truncation::Auto`]).
    pub fn with_truncation(mut self, truncation: Truncation) -> Self {
        self.truncation = truncation;
        self
    }

    /// The same backend solving in `mode` (every mode runs on the CPU).
    pub fn with_mode(mut self, mode: VelocityMode) -> Self {
        self.mode = mode;
        self.kept = None;
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
}

/// One velocity in `mode` at precision `T`, from `start` where the mode is warm-started.
fn solve_in_mode<T: Real>(
    mode: VelocityMode,
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    start: Option<&WarmState>,
    truncated: bool,
) -> Result<SolvedVelocity, OtError> {
    match mode {
        VelocityMode::Annealed => {
            solve_velocity::<T>(x, y, params, None, WarmStartConfig::default(), truncated)
        }
        VelocityMode::Refined(config) => {
            solve_velocity::<T>(x, y, params, start, config, truncated)
        }
        VelocityMode::Converged(config) => {
            solve_converged::<T>(x, y, params, start, config, truncated)
        }
        VelocityMode::WarmAnnealed { restart } => {
            solve_warm_annealed::<T>(x, y, params, start, restart, truncated)
        }
        VelocityMode::Multiscale { jump } => solve_multiscale::<T>(x, y, params, jump, truncated),
    }
}

impl VelocityBackend for CpuBackend {
    fn name(&self) -> String {
        let precision = match self.precision {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        };
        if self.mode == VelocityMode::Annealed {
            format!("cpu {precision}")
        } else {
            format!("cpu {precision} ({})", self.mode.name())
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
        let (n, m) = (particles.len(), target.len());
        let truncated = self.truncation.applies(n, m);
        let start = self
            .kept
            .as_deref()
            .filter(|state| state.fits(n, m, params));
        let (x, y, mode) = (particles, target, self.mode);
        let SolvedVelocity { velocity, state } = run_on(self.kernel, || match precision {
            Precision::F32 => solve_in_mode::<f32>(mode, x, y, params, start, truncated),
            Precision::F64 => solve_in_mode::<f64>(mode, x, y, params, start, truncated),
        })?;
        self.last_stats = velocity.stats;
        // The modes that start from the previous step keep its potentials.
        let warm = !matches!(
            mode,
            VelocityMode::Annealed | VelocityMode::Multiscale { .. }
        );
        self.kept = warm.then(|| Box::new(state));
        Ok(velocity.velocity)
    }

    fn start_stepped(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Option<Result<SteppedVelocity, OtError>> {
        if self.mode != VelocityMode::Annealed {
            return None;
        }
        if let Err(error) = check_inputs(particles, target, params) {
            return Some(Err(error));
        }
        let precision = self.precision_for(particles, target, params);
        let truncated = self.truncation.applies(particles.len(), target.len());
        Some(SteppedVelocity::new(
            particles, target, params, precision, truncated,
        ))
    }

    fn start_stepped_divergence(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Option<Result<SteppedDivergence, OtError>> {
        if let Err(error) = check_inputs(particles, target, params) {
            return Some(Err(error));
        }
        let precision = self.precision_for(particles, target, params);
        Some(SteppedDivergence::new(particles, target, params, precision))
    }

    fn divergence(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<f64, OtError> {
        check_inputs(particles, target, params)?;
        let precision = self.precision_for(particles, target, params);
        run_on(self.kernel, || {
            sinkhorn_divergence(particles, target, params, precision)
        })
    }

    fn debiased_velocity(
        &mut self,
        particles: &[Point],
        independent: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<Vec<Point>, OtError> {
        check_inputs(particles, target, params)?;
        let precision = self.precision_for(particles, target, params);
        let truncated = self.truncation.applies(particles.len(), target.len());
        self.kept = None;
        run_on(self.kernel, || {
            super::velocity::debiased_velocity(
                particles,
                independent,
                target,
                params,
                precision,
                truncated,
            )
        })
    }

    fn reset_warm_start(&mut self) {
        self.kept = None;
    }

    fn set_mode(&mut self, mode: VelocityMode) -> Result<(), OtError> {
        self.mode = mode;
        self.kept = None;
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
