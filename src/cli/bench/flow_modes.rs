//! The flow-mode comparison behind `nsgf bench --what flowmodes`: one gaussian → moons particle
//! flow per size in the exact (annealed) mode, the annealing tail, the multiscale and the
//! converged mode, each on dense or truncated kernels, with the passes and the time per Euler
//! step and how far each trajectory ends from the exact one.

use crate::Point;
use crate::flow::{FlowConfig, ParticleFlow};
use crate::ot::cpu::CpuBackend;
use crate::ot::{Precision, Truncation, VelocityBackend, VelocityMode, max_diameter};
use std::time::Instant;

/// One mode's run.
#[derive(Debug, Clone)]
pub(crate) struct ModeRun {
    /// Softmin passes (Sinkhorn iterations of both problems) per Euler step, on average.
    pub passes_per_step: f64,
    /// Softmin terms evaluated per Euler step, on average.
    pub terms_per_step: f64,
    /// Softmin terms dense kernels would evaluate for the same passes, per step.
    pub dense_terms_per_step: f64,
    /// Seconds per Euler step.
    pub seconds_per_step: f64,
    /// The particles after the last step.
    pub end: Vec<Point>,
}

/// Runs `config.steps` Euler steps from `source` toward `target` in `mode` on the CPU, with
/// `truncation`.
pub(crate) fn run_mode(
    source: &[Point],
    target: &[Point],
    config: FlowConfig,
    mode: VelocityMode,
    truncation: Truncation,
) -> anyhow::Result<ModeRun> {
    let mut backend = CpuBackend::new(Precision::F32).with_truncation(truncation);
    backend.set_mode(mode)?;
    let mut flow = ParticleFlow::new(source.to_vec(), target.to_vec(), config)?;
    let (mut passes, mut steps, mut terms) = (0_usize, 0_usize, 0_u64);
    let started = Instant::now();
    while !flow.finished() {
        flow.advance(&mut backend)?;
        passes += backend.last_stats().iterations;
        terms += backend.last_stats().softmin_terms;
        steps += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    // Dense: per pass of the (x, y) problem 2nm terms, of the (x, x) problem n², about half
    // the passes each; plus the two projections (nm + n²) per step.
    let (n, m) = (source.len() as f64, target.len() as f64);
    let steps_f = steps.max(1) as f64;
    let dense = passes as f64 * 0.5 * (2.0 * n * m + n * n) + steps_f * (n * m + n * n);
    Ok(ModeRun {
        terms_per_step: terms as f64 / steps_f,
        dense_terms_per_step: dense / steps_f,
        passes_per_step: passes as f64 / steps.max(1) as f64,
        seconds_per_step: seconds / steps.max(1) as f64,
        end: flow.current_frame().points().to_vec(),
    })
}

/// The root-mean-square distance between the same particles of two runs: an upper bound of
/// the W2 distance between the two end clouds (the identity pairing is one coupling).
pub(crate) fn paired_rms(a: &[Point], b: &[Point]) -> f64 {
    let sum: f64 = a
        .iter()
        .zip(b)
        .map(|(p, q)| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2))
        .sum();
    (sum / a.len().max(1) as f64).sqrt()
}

/// One line: passes and time per step, and (beside the exact run) how far the flows end apart
/// and the time ratio.
fn report(n: usize, name: &str, run: &ModeRun, exact: Option<&ModeRun>, diameter: f64) {
    let apart = exact.map_or_else(String::new, |exact| {
        let rms = paired_rms(&exact.end, &run.end);
        let w2 = if n <= 4000 {
            crate::metrics::exact_w2(&exact.end, &run.end)
                .map(|w2| format!(", W2 {:.3} %", 100.0 * w2 / diameter))
                .unwrap_or_default()
        } else {
            String::new()
        };
        format!(
            "; ends {:.3} % of the diameter from exact (paired RMS ≥ W2{w2}); time ×{:.3}",
            100.0 * rms / diameter,
            run.seconds_per_step / exact.seconds_per_step
        )
    });
    println!(
        "  n = {n:>6} {name:<22} {:>6.1} passes/step, ≈{:>5.1} % of dense terms, {:>8.4} s/step, \
         {:>6.2} steps/s{apart}",
        run.passes_per_step,
        100.0 * run.terms_per_step / run.dense_terms_per_step,
        run.seconds_per_step,
        1.0 / run.seconds_per_step
    );
}

/// Prints the comparison for each size. The exact dense flow (the reference) runs every step up
/// to `dense_limit` particles; above it the exact truncated flow is the reference (it equals the
/// dense one to f32's resolution, see `tests/it/ot_truncation.rs`) and the dense one is timed
/// over its first 2 steps only.
pub(crate) fn bench_flow_modes(
    sizes: &[usize],
    seed: u64,
    steps: usize,
    blur: f64,
    restart: f64,
    dense_limit: usize,
) -> anyhow::Result<()> {
    let config = super::flow_config(steps, blur);
    print_header(&config, restart);
    for &n in sizes {
        let (source, target) = super::clouds(n, seed);
        let exact = exact_reference(n, &source, &target, config, dense_limit)?;
        let diameter = max_diameter(&exact.end, &target);
        for (name, mode, truncation) in rival_modes(n, restart, dense_limit) {
            let run = run_mode(&source, &target, config, mode, truncation)?;
            report(n, name, &run, Some(&exact), diameter);
        }
    }
    Ok(())
}

/// The comparison's first line: the problem, the flow's settings and each mode's parameters.
fn print_header(config: &FlowConfig, restart: f64) {
    println!(
        "\nflow modes (cpu f32, gaussian → moons, {} Euler steps, eta {}, blur {}, \
         scaling {}, {} kernel, warm tail from {restart}·blur, multiscale to {}·blur on clusters \
         of ≤ {} points at most {}·√ε across):",
        config.steps,
        config.eta,
        config.sinkhorn.blur,
        config.sinkhorn.scaling,
        crate::ot::kernel_in_use(),
        crate::ot::MULTISCALE_JUMP,
        crate::ot::MULTISCALE_CLUSTER,
        crate::ot::MULTISCALE_EXTENT,
    );
}

/// Runs and reports the exact flows at size `n` and returns the reference the other modes are
/// measured against: the dense flow up to `dense_limit` particles; above it the truncated one,
/// timed as the dense one over its first 2 steps.
fn exact_reference(
    n: usize,
    source: &[Point],
    target: &[Point],
    config: FlowConfig,
    dense_limit: usize,
) -> anyhow::Result<ModeRun> {
    let exact_truncated = run_mode(
        source,
        target,
        config,
        VelocityMode::Annealed,
        Truncation::On,
    )?;
    if n <= dense_limit {
        let dense = run_mode(
            source,
            target,
            config,
            VelocityMode::Annealed,
            Truncation::Off,
        )?;
        let diameter = max_diameter(&dense.end, target);
        report(n, "exact, dense", &dense, None, diameter);
        report(
            n,
            "exact, truncated",
            &exact_truncated,
            Some(&dense),
            diameter,
        );
        return Ok(dense);
    }
    let short = FlowConfig { steps: 2, ..config };
    let dense = run_mode(
        source,
        target,
        short,
        VelocityMode::Annealed,
        Truncation::Off,
    )?;
    let diameter = max_diameter(&exact_truncated.end, target);
    report(n, "exact, dense (2 steps)", &dense, None, diameter);
    report(n, "exact, truncated", &exact_truncated, None, diameter);
    println!(
        "  n = {n:>6} exact truncated/dense time ×{:.3} (the reference below)",
        exact_truncated.seconds_per_step / dense.seconds_per_step
    );
    Ok(ModeRun {
        seconds_per_step: dense.seconds_per_step,
        ..exact_truncated
    })
}

/// The modes compared with the exact flow at size `n`, each with its name and kernels: the
/// warm annealing tail from `restart`·blur (truncated, and dense up to `dense_limit`
/// particles), the multiscale mode (truncated) and, up to `dense_limit`, the converged mode
/// (truncated).
fn rival_modes(
    n: usize,
    restart: f64,
    dense_limit: usize,
) -> Vec<(&'static str, VelocityMode, Truncation)> {
    let tail = VelocityMode::WarmAnnealed { restart };
    let converged = VelocityMode::Converged(crate::ot::ConvergedConfig::default());
    let mut runs = Vec::new();
    if n <= dense_limit {
        runs.push(("warm tail, dense", tail, Truncation::Off));
    }
    runs.push(("warm tail, truncated", tail, Truncation::On));
    runs.push((
        "multiscale, truncated",
        VelocityMode::multiscale(),
        Truncation::On,
    ));
    if n <= dense_limit {
        // It loses at every size measured; above the limit it would take minutes.
        runs.push(("converged, truncated", converged, Truncation::On));
    }
    runs
}
