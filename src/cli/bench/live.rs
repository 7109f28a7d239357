//! `nsgf bench --what live`: how many particles a live flow (the app's fast solver, the warm
//! annealing tail) carries at 10 Euler steps a second, on the CPU and on the GPU where one
//! exists.

use crate::flow::ParticleFlow;
use crate::gpu::GpuBackend;
use crate::ot::cpu::CpuBackend;
use crate::ot::{Precision, VelocityBackend, VelocityMode};
use std::time::{Duration, Instant};

/// The rate a flow counts as live at.
const LIVE_STEPS_PER_SECOND: f64 = 10.0;

/// Euler steps timed per size (after the first, which anneals the whole schedule).
const TIMED_STEPS: usize = 20;

/// A size stops being timed after this long (slow adapters).
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// Warm-tail steps per second of a gaussian → moons flow of `n` particles on `backend` and the
/// steps timed: at most [`TIMED_STEPS`] after the first, fewer once [`TIME_LIMIT`] has passed
/// (at least one).
fn steps_per_second(
    backend: &mut dyn VelocityBackend,
    n: usize,
    seed: u64,
    blur: f64,
) -> anyhow::Result<(f64, usize)> {
    let (source, target) = super::clouds(n, seed);
    let config = super::flow_config(TIMED_STEPS + 1, blur);
    backend.set_mode(VelocityMode::live())?;
    backend.reset_warm_start();
    let mut flow = ParticleFlow::new(source, target, config)?;
    // The first step anneals from the diameter: not what a live flow runs afterwards.
    flow.advance(backend)?;
    let started = Instant::now();
    let mut steps = 0;
    while !flow.finished() && (steps == 0 || started.elapsed() < TIME_LIMIT) {
        flow.advance(backend)?;
        steps += 1;
    }
    Ok((steps as f64 / started.elapsed().as_secs_f64(), steps))
}

/// Prints steps/s per size on the CPU (f32, its default truncation) and on the GPU when an
/// adapter exists, and the largest size at or above [`LIVE_STEPS_PER_SECOND`].
pub(crate) fn bench_live(sizes: &[usize], seed: u64, blur: f64) -> anyhow::Result<()> {
    let config = super::flow_config(TIMED_STEPS + 1, blur);
    println!(
        "\nlive flows (the fast solver: annealing tail from {}·blur, warm-started; gaussian → \
         moons, blur {blur}, scaling {}, eta {}; steps/s over up to {TIMED_STEPS} steps after \
         the first):",
        crate::ot::LIVE_RESTART,
        config.sinkhorn.scaling,
        config.eta
    );
    let mut backends: Vec<(String, Box<dyn VelocityBackend>)> = vec![(
        format!("cpu f32 ({} kernel)", crate::ot::kernel_in_use()),
        Box::new(CpuBackend::new(Precision::F32)),
    )];
    match GpuBackend::new_blocking() {
        Ok(gpu) => {
            let software = if gpu.is_software() {
                ", a software adapter"
            } else {
                ""
            };
            backends.push((
                format!("gpu ({}{software})", gpu.adapter_name()),
                Box::new(gpu),
            ));
        }
        Err(error) => println!("  gpu: none ({error})"),
    }
    for (name, backend) in &mut backends {
        let mut largest_live = None;
        for &n in sizes {
            let (rate, steps) = steps_per_second(backend.as_mut(), n, seed, blur)?;
            let kernels = if backend.truncation().applies(n, n) {
                "truncated"
            } else {
                "dense"
            };
            println!(
                "  {name:<34} n = {n:>6}: {rate:>7.2} steps/s ({steps} steps, {kernels} kernels, \
                 {} passes/step)",
                backend.last_stats().iterations
            );
            if rate >= LIVE_STEPS_PER_SECOND {
                largest_live = Some(n);
            } else if rate < 0.25 * LIVE_STEPS_PER_SECOND {
                // The work grows about as n²: larger sizes cannot be live here.
                println!("  {name:<34} larger sizes skipped (far below the live rate)");
                break;
            }
        }
        match largest_live {
            Some(n) => println!(
                "  {name}: the largest size measured at ≥ {LIVE_STEPS_PER_SECOND} steps/s: {n}"
            ),
            None => println!("  {name}: no size measured reaches {LIVE_STEPS_PER_SECOND} steps/s"),
        }
    }
    Ok(())
}
