//! The warm-start comparison behind `nsgf bench --what warmstart`: along one cold trajectory,
//! every Euler step's velocity from a cold backend and from a warm-started one.

use crate::Point;
use crate::ot::cpu::CpuBackend;
use crate::ot::{
    OtError, Precision, SinkhornParams, VelocityBackend, VelocityMode, WarmStartConfig,
};

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
    pub(crate) fn total_iterations(&self) -> (usize, usize) {
        self.steps.iter().fold((0, 0), |(c, w), s| {
            (c + s.cold_iterations, w + s.warm_iterations)
        })
    }

    /// Total cold and warm softmin terms over all steps.
    pub(crate) fn total_terms(&self) -> (u64, u64) {
        self.steps
            .iter()
            .fold((0, 0), |(c, w), s| (c + s.cold_terms, w + s.warm_terms))
    }

    /// The largest relative velocity difference over all steps.
    pub(crate) fn worst_relative_difference(&self) -> f64 {
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
    source: &[Point],
    target: &[Point],
    params: &SinkhornParams,
    precision: Precision,
    steps: usize,
    eta: f64,
    config: WarmStartConfig,
) -> Result<WarmStartReport, OtError> {
    let mut cold = CpuBackend::new(precision);
    let mut warm = CpuBackend::new(precision).with_mode(VelocityMode::Refined(config));
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
