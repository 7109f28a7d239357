//! The flow-mode comparison behind `nsgf bench --what flowmodes`: one gaussian → moons particle
//! flow per size in the exact (annealed) and the converged, warm-started mode, with the passes
//! and the time per Euler step and how far the two trajectories end apart.

use crate::Point;
use crate::flow::{FlowConfig, ParticleFlow};
use crate::ot::cpu::CpuBackend;
use crate::ot::{Precision, SinkhornParams, VelocityBackend, VelocityMode, max_diameter};
use std::time::Instant;

/// One mode's run.
#[derive(Debug, Clone)]
pub struct ModeRun {
    /// Softmin passes (Sinkhorn iterations of both problems) per Euler step, on average.
    pub passes_per_step: f64,
    /// Seconds per Euler step.
    pub seconds_per_step: f64,
    /// The particles after the last step.
    pub end: Vec<Point>,
}

/// Runs `config.steps` Euler steps from `source` toward `target` in `mode` on the CPU.
pub fn run_mode(
    source: &[Point],
    target: &[Point],
    config: FlowConfig,
    mode: VelocityMode,
) -> anyhow::Result<ModeRun> {
    let mut backend = CpuBackend::new(Precision::F32);
    backend.set_mode(mode)?;
    let mut flow = ParticleFlow::new(source.to_vec(), target.to_vec(), config)?;
    let (mut passes, mut steps) = (0_usize, 0_usize);
    let started = Instant::now();
    while !flow.finished() {
        flow.advance(&mut backend)?;
        passes += backend.last_stats().iterations;
        steps += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(ModeRun {
        passes_per_step: passes as f64 / steps.max(1) as f64,
        seconds_per_step: seconds / steps.max(1) as f64,
        end: flow.current_frame().points().to_vec(),
    })
}

/// The root-mean-square distance between the same particles of two runs: an upper bound of
/// the W2 distance between the two end clouds (the identity pairing is one coupling).
pub fn paired_rms(a: &[Point], b: &[Point]) -> f64 {
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
        let w2 = if n <= 2000 {
            crate::metrics::exact_w2(&exact.end, &run.end)
                .map(|w2| format!(", W2 {:.3} %", 100.0 * w2 / diameter))
                .unwrap_or_default()
        } else {
            String::new()
        };
        format!(
            "; ends {:.3} % of the diameter from exact (paired RMS ≥ W2{w2}); time ×{:.2}",
            100.0 * rms / diameter,
            run.seconds_per_step / exact.seconds_per_step
        )
    });
    println!(
        "  n = {n:>6} {name:<10} {:>7.1} passes/step, {:>8.4} s/step, {:>6.2} steps/s{apart}",
        run.passes_per_step,
        run.seconds_per_step,
        1.0 / run.seconds_per_step
    );
}

/// Prints the comparison for each size.
pub fn bench_flow_modes(
    sizes: &[usize],
    seed: u64,
    steps: usize,
    blur: f64,
    restart: f64,
) -> anyhow::Result<()> {
    let config = FlowConfig {
        steps,
        eta: 0.25,
        sinkhorn: SinkhornParams { blur, scaling: 0.9 },
    };
    println!(
        "\nflow modes (cpu f32, gaussian → moons, {steps} Euler steps, eta {}, blur {}, \
         scaling {}, {} kernel, warm tail from {restart}·blur):",
        config.eta,
        config.sinkhorn.blur,
        config.sinkhorn.scaling,
        crate::ot::kernel_in_use()
    );
    for &n in sizes {
        let (source, target) = super::clouds(n, seed);
        let exact = run_mode(&source, &target, config, VelocityMode::Annealed)?;
        let diameter = max_diameter(&exact.end, &target);
        report(n, "exact", &exact, None, diameter);
        for (name, mode) in [
            (
                "converged",
                VelocityMode::Converged(crate::ot::ConvergedConfig::default()),
            ),
            ("warm tail", VelocityMode::WarmAnnealed { restart }),
        ] {
            let run = run_mode(&source, &target, config, mode)?;
            report(n, name, &run, Some(&exact), diameter);
        }
    }
    Ok(())
}
