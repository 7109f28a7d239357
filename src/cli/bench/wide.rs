//! The d-dimensional velocity (noise → digits, 64 dimensions, blur 1, scaling 0.9): seconds a
//! call on the CPU's streaming kernels (f64 and f32) and on the GPU's tiled f32 kernels, their ratio, and the
//! GPU's largest difference from the CPU relative to max |v|.

use crate::data::Distribution;
use crate::data::seeded_rng;
use crate::ot::CloudKernels;
use crate::ot::Precision;
use crate::ot::SinkhornParams;
use std::time::Instant;

/// Times `repeats` calls at every size n = m (after one untimed call), on the CPU and, where an
/// adapter exists, on the GPU.
pub(crate) fn bench_wide(sizes: &[usize], repeats: usize, seed: u64) -> anyhow::Result<()> {
    let params = SinkhornParams {
        blur: 1.0,
        scaling: 0.9,
    };
    println!(
        "\nd-dimensional velocity (N(0, I) → digits, d = 64, blur 1, scaling 0.9, {repeats} timed \
         calls):"
    );
    let gpu = match crate::gpu::WideGpu::new_blocking() {
        Ok(gpu) => Some(gpu),
        Err(error) => {
            println!("  no GPU figures: {error}");
            None
        }
    };
    for &n in sizes {
        let mut rng = seeded_rng(seed);
        let x_cloud = Distribution::StandardNormal { dim: 64 }.sample_cloud(n, &mut rng)?;
        let y_cloud = Distribution::Digits.sample_cloud(n, &mut rng)?;
        let time = |call: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<f64> {
            call()?;
            let started = Instant::now();
            for _ in 0..repeats {
                call()?;
            }
            Ok(started.elapsed().as_secs_f64() / repeats as f64)
        };
        let mut cpu_velocity = None;
        let cpu64 = time(&mut || {
            let solved = crate::ot::cloud_velocity(&x_cloud, &y_cloud, &params, Precision::F64)?;
            cpu_velocity = Some(solved.velocity);
            Ok(())
        })?;
        let mut terms = 0;
        let cpu = time(&mut || {
            let solved = crate::ot::cloud_velocity(&x_cloud, &y_cloud, &params, Precision::F32)?;
            terms = solved.stats.softmin_terms;
            Ok(())
        })?;
        let kernel = crate::ot::kernel_in_use();
        // A term: one (row, column) pair of a log-sum-exp pass, d multiply-adds and a power.
        let rate = |seconds: f64| terms as f64 / seconds / 1e9;
        println!(
            "  cpu f64 ({kernel:8})     n = {n:5}: {cpu64:.4} s/call, {:.2} G terms/s",
            rate(cpu64)
        );
        println!(
            "  cpu f32 ({kernel:8})     n = {n:5}: {cpu:.4} s/call, {:.2} G terms/s ({terms} terms a call)",
            rate(cpu)
        );
        if let (Some(gpu), Some(reference)) = (&gpu, &cpu_velocity) {
            let mut gpu_velocity = None;
            let seconds = time(&mut || {
                gpu_velocity = Some(gpu.velocity(&x_cloud, &y_cloud, &params)?);
                Ok(())
            })?;
            let scale = reference
                .coords()
                .iter()
                .fold(0.0_f64, |m, v| m.max(v.abs()));
            let difference = gpu_velocity.map_or(f64::NAN, |v| {
                v.coords()
                    .iter()
                    .zip(reference.coords())
                    .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()))
                    / scale
            });
            println!(
                "  {:<23} n = {n:5}: {seconds:.4} s/call, cpu/gpu time ratio {:.2}, \
                 vs cpu {difference:.1e} of max|v|",
                gpu.name(),
                cpu / seconds
            );
        }
    }
    Ok(())
}

/// The kernel choice at d = 2: `ot::cloud_velocity` (the specialised 2D kernels, dense, as the
/// parity reference) against the d-dimensional kernels on the same planar clouds (gaussian →
/// moons, blur 0.05, scaling 0.9, f32), `repeats` timed calls at every size.
pub(crate) fn bench_planar_choice(
    sizes: &[usize],
    repeats: usize,
    seed: u64,
) -> anyhow::Result<()> {
    use crate::PointCloud;
    use crate::data::{Distribution, Preset, sample_source_and_target};
    let params = SinkhornParams::default();
    println!(
        "
d = 2: the 2D kernels against the d-dimensional ones (gaussian → moons, blur 0.05, \
         scaling 0.9, f32, {repeats} timed calls):"
    );
    for &n in sizes {
        let (x, y) = sample_source_and_target(
            &Distribution::Preset(Preset::Gaussian),
            &Distribution::Preset(Preset::Moons),
            n,
            seed,
        )?;
        let (x, y) = (PointCloud::from_points(&x), PointCloud::from_points(&y));
        let time = |general: bool| -> anyhow::Result<f64> {
            let call = || {
                if general {
                    crate::ot::any_dim::cloud_velocity_on_general_kernels(
                        &x,
                        &y,
                        &params,
                        Precision::F32,
                    )
                } else {
                    crate::ot::cloud_velocity(&x, &y, &params, Precision::F32)
                }
            };
            call()?;
            let started = Instant::now();
            for _ in 0..repeats {
                call()?;
            }
            Ok(started.elapsed().as_secs_f64() / repeats as f64)
        };
        let (planar, general) = (time(false)?, time(true)?);
        println!(
            "  n = {n:5}: 2D kernels {planar:.4} s/call, d-dimensional kernels {general:.4} \
             s/call, d-dimensional / 2D time ratio {:.2}",
            general / planar
        );
    }
    Ok(())
}
