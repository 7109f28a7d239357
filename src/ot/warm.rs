//! Warm start across consecutive Euler steps: the previous step's potentials, reused when the
//! next problem has the same sizes and parameters.
//!
//! Measured (see `nsgf bench --what warmstart`): GeomLoss's velocity is the result of one
//! update per ε of the annealing schedule, which at small blur is far from the converged
//! Sinkhorn fixed point (for 1000 gaussian → moons points at blur 0.05, 1000 further updates at
//! ε = blur² move the velocity by ~77% of its size). A warm start that iterates at ε = blur²
//! therefore converges toward a *different* answer, and slowly: the symmetric (x, x) problem
//! converges in 3–4 updates, the (x, y) problem not within tens. So the backend falls back to
//! the cold schedule whenever the warm solve misses its tolerance, and warm start is off by
//! default.

use super::SinkhornParams;
use super::sinkhorn::Potentials;

/// When a warm-started solve stops: the largest change of either potential in one averaged
/// update is at most `tolerance · ε`, or `max_iterations` updates ran (then the solver falls
/// back to the full ε-schedule, so a warm start never returns an unconverged answer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmStartConfig {
    /// Stopping tolerance on the potentials' change, in units of ε (f32 kernels resolve
    /// potentials to about 3e-4·ε, so keep this above that in f32).
    pub tolerance: f64,
    /// Cap on warm iterations before falling back to the cold schedule.
    pub max_iterations: usize,
}

impl Default for WarmStartConfig {
    fn default() -> Self {
        Self {
            tolerance: 1e-3,
            max_iterations: 20,
        }
    }
}

/// The potentials of the last velocity evaluation, for both problems, and what they solved.
#[derive(Debug, Clone)]
pub(crate) struct WarmState {
    /// Parameters of the last solve.
    pub params: SinkhornParams,
    /// Source size n.
    pub n: usize,
    /// Target size m.
    pub m: usize,
    /// Potentials of the (x, y) problem.
    pub xy: Potentials,
    /// Potentials of the symmetric (x, x) problem.
    pub xx: Potentials,
}

impl WarmState {
    /// Whether these potentials may start a problem of sizes `(n, m)` with `params`.
    pub fn fits(&self, n: usize, m: usize, params: &SinkhornParams) -> bool {
        self.n == n && self.m == m && self.params == *params
    }
}

/// One Euler step of a warm-versus-cold comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmStepReport {
    /// Sinkhorn iterations (both problems) of the cold, full-schedule solve.
    pub cold_iterations: usize,
    /// Sinkhorn iterations (both problems) of the warm-started solve.
    pub warm_iterations: usize,
    /// Softmin terms of the cold solve.
    pub cold_terms: u64,
    /// Softmin terms of the warm solve.
    pub warm_terms: u64,
    /// `max_i ‖v_warm(x_i) − v_cold(x_i)‖∞ / max_i ‖v_cold(x_i)‖∞`.
    pub relative_difference: f64,
}

/// What warm start saves along a flow, step by step.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmStartReport {
    /// One entry per Euler step (the first step of the warm backend is cold: nothing to reuse).
    pub steps: Vec<WarmStepReport>,
}

impl WarmStartReport {
    /// Total cold and warm iterations over all steps.
    pub fn total_iterations(&self) -> (usize, usize) {
        self.steps.iter().fold((0, 0), |(c, w), s| {
            (c + s.cold_iterations, w + s.warm_iterations)
        })
    }

    /// Total cold and warm softmin terms over all steps.
    pub fn total_terms(&self) -> (u64, u64) {
        self.steps
            .iter()
            .fold((0, 0), |(c, w), s| (c + s.cold_terms, w + s.warm_terms))
    }

    /// The largest relative velocity difference over all steps.
    pub fn worst_relative_difference(&self) -> f64 {
        self.steps
            .iter()
            .fold(0.0, |m, s| m.max(s.relative_difference))
    }
}

/// Runs `steps` Euler steps `x ← x + eta·v(x)` of the Sinkhorn flow from `source` toward
/// `target` along the cold (full-schedule) trajectory, evaluating the velocity at every step
/// both with a cold backend and with a warm-started one, and reports iterations and the
/// velocity difference.
pub fn compare_warm_start(
    source: &[crate::Point],
    target: &[crate::Point],
    params: &SinkhornParams,
    precision: super::Precision,
    steps: usize,
    eta: f64,
    config: WarmStartConfig,
) -> Result<WarmStartReport, super::OtError> {
    use super::VelocityBackend;
    use super::cpu::CpuBackend;
    let mut cold = CpuBackend::new(precision).with_warm_start(false);
    let mut warm = CpuBackend::new(precision)
        .with_warm_start(true)
        .with_warm_config(config);
    let mut particles = source.to_vec();
    let mut report = WarmStartReport { steps: Vec::new() };
    for _ in 0..steps {
        let v_cold = cold.velocity(&particles, target, params)?;
        let v_warm = warm.velocity(&particles, target, params)?;
        let (cold_stats, warm_stats) = (cold.last_stats(), warm.last_stats());
        let scale = v_cold
            .iter()
            .flat_map(|v| v.iter())
            .fold(0.0_f64, |m, c| m.max(c.abs()));
        let difference = v_cold
            .iter()
            .zip(&v_warm)
            .flat_map(|(a, b)| [(a[0] - b[0]).abs(), (a[1] - b[1]).abs()])
            .fold(0.0_f64, f64::max);
        report.steps.push(WarmStepReport {
            cold_iterations: cold_stats.iterations,
            warm_iterations: warm_stats.iterations,
            cold_terms: cold_stats.softmin_terms,
            warm_terms: warm_stats.softmin_terms,
            relative_difference: if scale > 0.0 {
                difference / scale
            } else {
                difference
            },
        });
        for (p, v) in particles.iter_mut().zip(&v_cold) {
            p[0] += eta * v[0];
            p[1] += eta * v[1];
        }
    }
    Ok(report)
}
