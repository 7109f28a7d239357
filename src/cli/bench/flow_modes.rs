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

/// Prints the comparison for each size.
pub fn bench_flow_modes(sizes: &[usize], seed: u64, steps: usize, blur: f64) -> anyhow::Result<()> {
    let config = FlowConfig {
        steps,
        eta: 0.25,
        sinkhorn: SinkhornParams { blur, scaling: 0.9 },
    };
    println!(
        "\nflow modes (cpu f32, gaussian → moons, {steps} Euler steps, eta {}, blur {}, \
         scaling {}, {} kernel):",
        config.eta,
        config.sinkhorn.blur,
        config.sinkhorn.scaling,
        crate::ot::kernel_in_use()
    );
    for &n in sizes {
        let (source, target) = super::clouds(n, seed);
        let exact = run_mode(&source, &target, config, VelocityMode::Annealed)?;
        let converged = run_mode(
            &source,
            &target,
            config,
            VelocityMode::Converged(crate::ot::ConvergedConfig::default()),
        )?;
        let diameter = max_diameter(&exact.end, &target);
        let apart = paired_rms(&exact.end, &converged.end);
        let w2 = if n <= 2000 {
            let w2 = crate::metrics::exact_w2(&exact.end, &converged.end)?;
            format!(
                ", exact W2 {:.2e} ({:.3} % of the diameter)",
                w2,
                100.0 * w2 / diameter
            )
        } else {
            String::new()
        };
        for (name, run) in [("exact", &exact), ("converged", &converged)] {
            println!(
                "  n = {n:>6} {name:<10} {:>7.1} passes/step, {:>8.4} s/step, {:>6.2} steps/s",
                run.passes_per_step,
                run.seconds_per_step,
                1.0 / run.seconds_per_step
            );
        }
        println!(
            "  n = {n:>6} trajectories after {steps} steps: paired RMS {:.2e} ({:.3} % of the \
             diameter {diameter:.2}; ≥ W2){w2}; converged/exact time per step {:.2}",
            apart,
            100.0 * apart / diameter,
            converged.seconds_per_step / exact.seconds_per_step
        );
    }
    Ok(())
}
