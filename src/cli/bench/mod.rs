//! `nsgf bench`: softmin terms per second per backend, and what warm start saves.
//!
//! Each benchmark is one [`BenchWhat`] case with its own function; to add one, add a variant,
//! its function (in its own file if it grows), and a line in `run`.

mod flow_modes;
pub(crate) mod gif;
pub(crate) mod live;
pub(crate) mod pairing;
pub mod precision;
pub mod warm_start;
pub(crate) mod wide;

use super::velocity::PrecisionArg;
use crate::Point;
use crate::data::{Preset, Stream, stream_rng};
use crate::flow::FlowConfig;
use crate::gpu::{BackendChoice, GpuBackend, select_backend};
use crate::ot::cpu::CpuBackend;
use crate::ot::{Kernel, Precision, SinkhornParams, Truncation, VelocityBackend, WarmStartConfig};
use std::time::Instant;
use warm_start::compare_warm_start;

/// Which benchmarks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BenchWhat {
    /// Velocity throughput (softmin terms/s) per backend and size, and the CPU's truncated
    /// kernels against its dense ones.
    Velocity,
    /// Warm start versus cold schedule along a 10-step gaussian → moons flow (CPU).
    Warmstart,
    /// GIF export: 100 frames of 2000 particles at 480 px, all threads versus one.
    Gif,
    /// The f32 velocity's error against f64 as diameter²/ε grows (CPU).
    Precision,
    /// Exact (annealed) particle flows against the warm annealing tail, the multiscale and the
    /// converged modes (CPU): passes and time per Euler step, trajectory difference.
    Flowmodes,
    /// The d-dimensional velocity (64-D digits) on the CPU and the GPU.
    Wide,
    /// Live flows: Euler steps/s of the fast solver per size on the CPU and the GPU, and the
    /// largest size at 10 steps/s.
    Live,
    /// OT-CFM's exact minibatch pairing: ms per assignment, and a unit of OT-CFM against
    /// I-CFM training.
    Pairing,
    /// Every benchmark.
    #[default]
    All,
}

/// Which backends the velocity benchmark times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BenchBackend {
    /// The CPU backend only.
    Cpu,
    /// The GPU backend only (reports why when there is none).
    Gpu,
    /// Both, with the GPU/CPU throughput ratio.
    #[default]
    Both,
}

/// Arguments of `nsgf bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Which benchmarks to run.
    #[arg(long, value_enum, default_value_t = BenchWhat::All)]
    pub what: BenchWhat,
    /// Cloud sizes n = m of the velocity benchmark, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1024, 2048])]
    pub sizes: Vec<usize>,
    /// Backends of the velocity benchmark.
    #[arg(long, value_enum, default_value_t = BenchBackend::Both)]
    pub backend: BenchBackend,
    /// Kernel precision.
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    pub precision: PrecisionArg,
    /// Timed velocity calls per size and backend (after one untimed warm-up call).
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Points per cloud of the warm-start comparison and of the precision study.
    #[arg(long, default_value_t = 1000)]
    pub warm_n: usize,
    /// Euler steps of the warm-start comparison.
    #[arg(long, default_value_t = 10)]
    pub warm_steps: usize,
    /// Cloud sizes of the flow-mode comparison, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1000, 4000, 16000])]
    pub flow_sizes: Vec<usize>,
    /// Euler steps of the flow-mode comparison.
    #[arg(long, default_value_t = 40)]
    pub flow_steps: usize,
    /// Blur of the flow-mode comparison.
    #[arg(long, default_value_t = 0.05)]
    pub flow_blur: f64,
    /// Where the warm annealing tail of the flow-mode comparison restarts, in blurs.
    #[arg(long, default_value_t = crate::ot::LIVE_RESTART)]
    pub flow_restart: f64,
    /// The largest size at which the flow-mode comparison runs the exact dense flow in full
    /// (above it: 2 timed steps, and the exact truncated flow is the reference).
    #[arg(long, default_value_t = 4000)]
    pub flow_dense_limit: usize,
    /// Particle counts of the live-flow benchmark, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [2000, 3000, 4000, 5000, 6000, 8000])]
    pub live_sizes: Vec<usize>,
    /// Cloud sizes n = m of the d-dimensional benchmark, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [256, 1024])]
    pub wide_sizes: Vec<usize>,
    /// Seed of the random clouds.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Rows one 256-thread workgroup of the 2D GPU kernels owns in the velocity benchmark (8,
    /// 16, 32, 64, 128 or 256; default 32): a tuning knob for new hardware.
    #[arg(long)]
    pub gpu_rows_per_group: Option<u32>,
}

/// Runs `nsgf bench`.
pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.repeats == 0 {
        anyhow::bail!("--repeats must be at least 1");
    }
    if args.sizes.contains(&0) || args.warm_n == 0 {
        anyhow::bail!("cloud sizes must be at least 1");
    }
    if args.live_sizes.contains(&0) {
        anyhow::bail!("--live-sizes must be at least 1");
    }
    let params = SinkhornParams::default();
    println!(
        "nsgf bench: blur {}, scaling {}, {} rayon threads",
        params.blur,
        params.scaling,
        rayon::current_num_threads()
    );
    if matches!(args.what, BenchWhat::Velocity | BenchWhat::All) {
        velocity_bench(args, &params)?;
    }
    if matches!(args.what, BenchWhat::Warmstart | BenchWhat::All) {
        warm_start_bench(args, &params)?;
    }
    if matches!(args.what, BenchWhat::Gif | BenchWhat::All) {
        println!("{}", gif::bench_gif_export()?);
    }
    if matches!(args.what, BenchWhat::Flowmodes | BenchWhat::All) {
        flow_modes::bench_flow_modes(
            &args.flow_sizes,
            args.seed,
            args.flow_steps,
            args.flow_blur,
            args.flow_restart,
            args.flow_dense_limit,
        )?;
    }
    if matches!(args.what, BenchWhat::Live | BenchWhat::All) {
        live::bench_live(&args.live_sizes, args.seed, args.flow_blur)?;
    }
    if matches!(args.what, BenchWhat::Precision | BenchWhat::All) {
        precision::bench_precision(args.warm_n, args.seed, params.scaling)?;
    }
    if matches!(args.what, BenchWhat::Pairing | BenchWhat::All) {
        pairing::bench_pairing(&[64, 128, 256, 512], args.repeats.max(20), args.seed)?;
    }
    if matches!(args.what, BenchWhat::Wide | BenchWhat::All) {
        if args.wide_sizes.contains(&0) {
            anyhow::bail!("--wide-sizes must be at least 1");
        }
        wide::bench_wide(&args.wide_sizes, args.repeats, args.seed)?;
        wide::bench_planar_choice(&[1024, 2048], args.repeats, args.seed)?;
    }
    Ok(())
}

/// The particle flow the flow benchmarks time: `steps` Euler steps of η 0.25 at `blur`,
/// scaling 0.9 (`flowmodes`, `live`, and `scripts/geomloss_flow.py`'s GeomLoss run).
fn flow_config(steps: usize, blur: f64) -> FlowConfig {
    FlowConfig {
        steps,
        eta: 0.25,
        sinkhorn: SinkhornParams { blur, scaling: 0.9 },
    }
}

/// Gaussian source and moons target clouds of `n` points each.
fn clouds(n: usize, seed: u64) -> (Vec<Point>, Vec<Point>) {
    let source = Preset::Gaussian.sample(n, &mut stream_rng(seed, Stream::Source));
    let target = Preset::Moons.sample(n, &mut stream_rng(seed, Stream::BenchTarget));
    (source, target)
}

/// One timed backend at one size.
struct Throughput {
    seconds_per_call: f64,
    terms_per_second: f64,
    iterations: usize,
}

/// Times `repeats` velocity calls after a warm-up call.
fn time_backend(
    backend: &mut dyn VelocityBackend,
    source: &[Point],
    target: &[Point],
    params: &SinkhornParams,
    repeats: usize,
) -> anyhow::Result<Throughput> {
    backend.velocity(source, target, params)?;
    let mut terms = 0_u64;
    let start = Instant::now();
    for _ in 0..repeats {
        backend.reset_warm_start();
        backend.velocity(source, target, params)?;
        terms += backend.last_stats().softmin_terms;
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(Throughput {
        seconds_per_call: seconds / repeats as f64,
        terms_per_second: terms as f64 / seconds,
        iterations: backend.last_stats().iterations,
    })
}

/// One line of the velocity benchmark.
fn print_rate(label: &str, n: usize, result: &Throughput) {
    println!(
        "  {label:<28} n = {n:>6}: {:>8.4} s/call, {:>6.3} G softmin terms/s ({} iterations)",
        result.seconds_per_call,
        result.terms_per_second / 1e9,
        result.iterations
    );
}

/// Times `backend` on truncated kernels and prints the line beside its `dense` timing (the
/// share of terms is the CPU's count; the GPU counts every term).
fn time_truncated(
    backend: &mut dyn VelocityBackend,
    source: &[Point],
    target: &[Point],
    params: &SinkhornParams,
    args: &BenchArgs,
    dense: &Throughput,
) -> anyhow::Result<()> {
    let before = backend.truncation();
    backend.set_truncation(Truncation::On)?;
    let truncated = time_backend(backend, source, target, params, args.repeats);
    backend.set_truncation(before)?;
    let truncated = truncated?;
    let kept = truncated.terms_per_second * truncated.seconds_per_call
        / (dense.terms_per_second * dense.seconds_per_call);
    println!(
        "  {:<28} n = {:>6}: {:>8.4} s/call, {:.1} % of the terms, dense/truncated time ratio \
         {:.2}",
        format!("{} (truncated)", backend.name()),
        source.len(),
        truncated.seconds_per_call,
        100.0 * kept,
        dense.seconds_per_call / truncated.seconds_per_call
    );
    Ok(())
}

/// The GPU backend of the velocity benchmark: the one `--backend gpu` selects, or, with
/// `rows_per_group`, a bare GPU backend with its 2D kernels compiled for that many rows per
/// workgroup. The outer error is a bad `rows_per_group`, the inner one a GPU that cannot start.
fn gpu_backend(
    rows_per_group: Option<u32>,
    precision: Precision,
) -> anyhow::Result<Result<Box<dyn VelocityBackend>, crate::ot::OtError>> {
    let Some(rows) = rows_per_group else {
        return Ok(select_backend(BackendChoice::Gpu, precision).map(|selected| selected.backend));
    };
    crate::gpu::check_rows_per_workgroup(rows)?;
    Ok(GpuBackend::new_blocking()
        .and_then(|gpu| gpu.with_rows_per_workgroup(rows))
        .map(|gpu| Box::new(gpu) as Box<dyn VelocityBackend>))
}

fn velocity_bench(args: &BenchArgs, params: &SinkhornParams) -> anyhow::Result<()> {
    let precision: Precision = args.precision.into();
    let mut backends: Vec<Box<dyn VelocityBackend>> = Vec::new();
    if matches!(args.backend, BenchBackend::Cpu | BenchBackend::Both) {
        backends.push(select_backend(BackendChoice::Cpu, precision)?.backend);
    }
    if matches!(args.backend, BenchBackend::Gpu | BenchBackend::Both) {
        match gpu_backend(args.gpu_rows_per_group, precision)? {
            Ok(backend) => backends.push(backend),
            Err(err) => println!("gpu: unavailable ({err}); timing the CPU only"),
        }
    }
    if backends.is_empty() {
        backends.push(select_backend(BackendChoice::Cpu, precision)?.backend);
    }
    println!(
        "\nvelocity (gaussian → moons, n = m, {} timed calls):",
        args.repeats
    );
    for &n in &args.sizes {
        let (source, target) = clouds(n, args.seed);
        let mut rates = Vec::new();
        for backend in &mut backends {
            let on_cpu = backend.name().starts_with("cpu");
            if on_cpu {
                // Dense kernels for the throughput rows: terms/s of the loops themselves.
                backend.set_truncation(Truncation::Off)?;
                // The portable loop first, in the same run: the ratio is what dispatch buys.
                let mut portable_backend = CpuBackend::new(precision)
                    .with_truncation(Truncation::Off)
                    .with_kernel(Kernel::Portable)?;
                let portable = time_backend(
                    &mut portable_backend,
                    &source,
                    &target,
                    params,
                    args.repeats,
                )?;
                print_rate(&format!("{} (portable)", backend.name()), n, &portable);
                let dispatched =
                    time_backend(backend.as_mut(), &source, &target, params, args.repeats)?;
                let label = format!("{} ({})", backend.name(), crate::ot::kernel_in_use());
                print_rate(&label, n, &dispatched);
                println!(
                    "  dispatched/portable throughput ratio n = {n}: {:.2}",
                    dispatched.terms_per_second / portable.terms_per_second
                );
                rates.push(dispatched.terms_per_second);
                time_truncated(
                    backend.as_mut(),
                    &source,
                    &target,
                    params,
                    args,
                    &dispatched,
                )?;
                continue;
            }
            let before = backend.truncation();
            backend.set_truncation(Truncation::Off)?;
            let result = time_backend(backend.as_mut(), &source, &target, params, args.repeats)?;
            print_rate(&backend.name(), n, &result);
            rates.push(result.terms_per_second);
            time_truncated(backend.as_mut(), &source, &target, params, args, &result)?;
            backend.set_truncation(before)?;
        }
        if let [cpu, gpu] = rates[..] {
            println!("  gpu/cpu throughput ratio n = {n}: {:.2}", gpu / cpu);
        }
    }
    Ok(())
}

fn warm_start_bench(args: &BenchArgs, params: &SinkhornParams) -> anyhow::Result<()> {
    let precision: Precision = args.precision.into();
    let (source, target) = clouds(args.warm_n, args.seed);
    let eta = FlowConfig::default().eta;
    let config = WarmStartConfig::default();
    println!(
        "\nwarm start (cpu, gaussian → moons, n = m = {}, {} Euler steps, eta {eta}, \
         tolerance {}·eps, cap {} then cold fallback):",
        args.warm_n, args.warm_steps, config.tolerance, config.max_iterations
    );
    let report = compare_warm_start(
        &source,
        &target,
        params,
        precision,
        args.warm_steps,
        eta,
        config,
    )?;
    println!("  step  cold iters  warm iters  max |v_warm - v_cold| / max |v_cold|");
    for (step, s) in report.steps.iter().enumerate() {
        println!(
            "  {step:>4}  {:>10}  {:>10}  {:.2e}",
            s.cold_iterations, s.warm_iterations, s.relative_difference
        );
    }
    let (cold, warm) = report.total_iterations();
    let (cold_terms, warm_terms) = report.total_terms();
    println!(
        "  total: cold {cold} iterations ({:.3} G terms), warm {warm} iterations ({:.3} G terms): \
         warm/cold work {:.2}, worst relative velocity difference {:.2e}",
        cold_terms as f64 / 1e9,
        warm_terms as f64 / 1e9,
        warm_terms as f64 / cold_terms as f64,
        report.worst_relative_difference()
    );
    Ok(())
}
