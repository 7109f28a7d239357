//! The GPU backend against the CPU backend at f64 (and GeomLoss's reference velocities): the
//! same numbers up to f32 accuracy, warm start, work counters and error paths.
//!
//! Every test skips (prints why, passes) when no GPU adapter exists, unless
//! `NSGF_REQUIRE_GPU=1`, where it fails instead. The tests take turns on the GPU
//! ([`serial_gpu_test`]).

use nsgf::Point;
use nsgf::gpu::test_support::{backend_or_skip, device_with_limits, serial_gpu_test};
use nsgf::gpu::{BackendChoice, FallbackBackend, GpuBackend, select_backend};
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::warm::WarmStartConfig;
use nsgf::ot::{
    OtError, Precision, SinkhornParams, VelocityBackend, VelocityMode, epsilon_schedule,
    flow_velocity, max_diameter, sinkhorn_divergence,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// GPU velocities must be within this fraction of max |v| of the f64 reference.
const VELOCITY_TOLERANCE: f64 = 5e-3;

fn fixture(name: &str) -> Vec<Point> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut values = line.split(',').map(|v| v.trim().parse::<f64>().unwrap());
            [values.next().unwrap(), values.next().unwrap()]
        })
        .collect()
}

fn manifest_params(case: &str) -> SinkhornParams {
    let path = format!(
        "{}/tests/fixtures/manifest.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let entry = manifest["velocity_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == case)
        .unwrap();
    SinkhornParams {
        blur: entry["blur"].as_f64().unwrap(),
        scaling: entry["scaling"].as_f64().unwrap(),
    }
}

/// The largest |a − b| over all coordinates, relative to the largest |b|.
fn relative_error(a: &[Point], b: &[Point]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().map(|v| v[0].hypot(v[1])).fold(0.0, f64::max);
    let worst = a
        .iter()
        .zip(b)
        .map(|(p, q)| (p[0] - q[0]).abs().max((p[1] - q[1]).abs()))
        .fold(0.0, f64::max);
    worst / scale.max(1e-300)
}

fn cloud(rng: &mut ChaCha8Rng, n: usize, centre: Point, spread: f64) -> Vec<Point> {
    (0..n)
        .map(|_| {
            [
                centre[0] + spread * (rng.random::<f64>() - 0.5),
                centre[1] + spread * (rng.random::<f64>() - 0.5),
            ]
        })
        .collect()
}

#[test]
fn gpu_velocity_matches_cpu_f64_on_reference_cases() {
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    for case in ["tiny_exact", "two_blobs", "gauss_to_spiral"] {
        let x = fixture(&format!("{case}.source.csv"));
        let y = fixture(&format!("{case}.target.csv"));
        let geomloss = fixture(&format!("{case}.velocity.csv"));
        let params = manifest_params(case);
        let cpu = flow_velocity(&x, &y, &params, Precision::F64)
            .unwrap()
            .velocity;
        let v = gpu.velocity(&x, &y, &params).unwrap();
        let vs_cpu = relative_error(&v, &cpu);
        let vs_geomloss = relative_error(&v, &geomloss);
        println!("{case}: gpu vs cpu f64 {vs_cpu:.2e}, gpu vs GeomLoss {vs_geomloss:.2e}");
        assert!(vs_cpu <= VELOCITY_TOLERANCE, "{case}: {vs_cpu:e}");
        assert!(vs_geomloss <= VELOCITY_TOLERANCE, "{case}: {vs_geomloss:e}");
    }
}

#[test]
fn gpu_velocity_matches_cpu_f64_on_random_clouds_of_uneven_sizes() {
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    let params = SinkhornParams {
        blur: 0.1,
        scaling: 0.7,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // Sizes off the workgroup's 64 rows and 256-column tiles, n ≠ m, and single points.
    for (n, m) in [(1, 7), (7, 1), (1000, 7), (257, 1000), (4099, 1000)] {
        let x = cloud(&mut rng, n, [-1.0, 0.5], 2.0);
        let y = cloud(&mut rng, m, [1.5, -0.5], 3.0);
        let cpu = flow_velocity(&x, &y, &params, Precision::F64)
            .unwrap()
            .velocity;
        let v = gpu.velocity(&x, &y, &params).unwrap();
        let error = relative_error(&v, &cpu);
        println!("n = {n}, m = {m}: gpu vs cpu f64 {error:.2e}");
        assert!(error <= VELOCITY_TOLERANCE, "n = {n}, m = {m}: {error:e}");
    }
}

#[test]
fn gpu_debiased_velocity_of_a_one_step_batch_matches_the_cpu() {
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    let params = SinkhornParams {
        blur: 0.2,
        scaling: 0.8,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let x = cloud(&mut rng, 300, [0.0, 0.0], 1.0);
    let independent = cloud(&mut rng, 300, [0.1, 0.0], 1.0);
    let y = cloud(&mut rng, 280, [1.0, -0.5], 2.0);
    let cpu =
        nsgf::ot::debiased_velocity(&x, &independent, &y, &params, Precision::F64, false).unwrap();
    let v = gpu
        .debiased_velocity(&x, &independent, &y, &params)
        .unwrap();
    let error = relative_error(&v, &cpu);
    println!("debiased: gpu vs cpu f64 {error:.2e}");
    assert!(error <= VELOCITY_TOLERANCE, "{error:e}");
}

#[test]
fn gpu_velocity_between_single_points_is_their_difference() {
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    let params = SinkhornParams::default();
    let v = gpu
        .velocity(&[[0.25, -1.0]], &[[2.0, 0.5]], &params)
        .unwrap();
    assert!(
        (v[0][0] - 1.75).abs() < 1e-6 && (v[0][1] - 1.5).abs() < 1e-6,
        "{v:?}"
    );
}

#[test]
fn gpu_stats_count_every_softmin_term() {
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    let params = SinkhornParams {
        blur: 0.2,
        scaling: 0.6,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (n, m) = (130, 70);
    let x = cloud(&mut rng, n, [0.0, 0.0], 2.0);
    let y = cloud(&mut rng, m, [1.0, 1.0], 1.0);
    gpu.velocity(&x, &y, &params).unwrap();
    let l_xy = epsilon_schedule(max_diameter(&x, &y), &params)
        .unwrap()
        .len();
    let l_xx = epsilon_schedule(max_diameter(&x, &[]), &params)
        .unwrap()
        .len();
    let (n, m) = (n as u64, m as u64);
    let stats = gpu.last_stats();
    assert_eq!(stats.iterations, l_xy + l_xx);
    // Initialisation + one update per ε (both sides of (x,y), one of (x,x)) + both projections.
    let expected = (l_xy as u64 + 1) * 2 * n * m + n * m + (l_xx as u64 + 1) * n * n + n * n;
    assert_eq!(stats.softmin_terms, expected);
    // The CPU counts the same work.
    let mut cpu = CpuBackend::new(Precision::F64);
    cpu.velocity(&x, &y, &params).unwrap();
    assert_eq!(cpu.last_stats(), stats);
}

#[test]
fn gpu_divergence_matches_cpu_f64() {
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    let params = SinkhornParams {
        blur: 0.1,
        scaling: 0.8,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for (n, m, shift) in [(200, 150, 2.0), (1, 9, 0.5), (300, 300, 0.0)] {
        let x = cloud(&mut rng, n, [0.0, 0.0], 2.0);
        let y = cloud(&mut rng, m, [shift, 0.0], 2.0);
        let cpu = sinkhorn_divergence(&x, &y, &params, Precision::F64).unwrap();
        let value = gpu.divergence(&x, &y, &params).unwrap();
        println!("n = {n}, m = {m}: gpu {value:.6e}, cpu f64 {cpu:.6e}");
        // f32 potentials of size ~D² carry ~1e-6 relative noise; the divergence is a
        // difference of such means.
        assert!(
            (value - cpu).abs() <= 2e-4 + 1e-3 * cpu.abs(),
            "{value} vs {cpu}"
        );
    }
    // Identical clouds: zero up to f32 noise.
    let x = cloud(&mut rng, 100, [0.0, 0.0], 2.0);
    let same = gpu.divergence(&x, &x, &params).unwrap();
    assert!(same.abs() <= 2e-4, "{same}");
}

#[test]
fn gpu_warm_start_follows_the_cpu_rule() {
    let _serial = serial_gpu_test();
    let Some(gpu) = backend_or_skip() else {
        return;
    };
    // A looser tolerance than the default, so that most steps converge warm.
    let config = WarmStartConfig {
        tolerance: 1e-2,
        max_iterations: 40,
    };
    let mut gpu = gpu;
    gpu.set_mode(VelocityMode::Refined(config)).unwrap();
    let mut cpu = CpuBackend::new(Precision::F64).with_mode(VelocityMode::Refined(config));
    let params = SinkhornParams {
        blur: 0.5,
        scaling: 0.8,
    };
    let (mut x, y) = flow_clouds(5);
    let mut cold_iterations = 0;
    for step in 0..6 {
        let v = gpu.velocity(&x, &y, &params).unwrap();
        let reference = cpu.velocity(&x, &y, &params).unwrap();
        let cold = flow_velocity(&x, &y, &params, Precision::F64).unwrap();
        let stats = gpu.last_stats();
        let (to_warm_cpu, to_cold) = (
            relative_error(&v, &reference),
            relative_error(&v, &cold.velocity),
        );
        println!(
            "step {step}: {} iterations (cpu {}), vs warm cpu {to_warm_cpu:.2e}, vs cold {to_cold:.2e}",
            stats.iterations,
            cpu.last_stats().iterations
        );
        assert!(
            to_warm_cpu <= VELOCITY_TOLERANCE,
            "step {step}: {to_warm_cpu:e}"
        );
        assert!(
            to_cold <= 2.0 * VELOCITY_TOLERANCE,
            "step {step}: {to_cold:e}"
        );
        if step == 0 {
            cold_iterations = stats.iterations;
            assert_eq!(stats, cpu.last_stats(), "the first step runs cold");
        } else {
            assert!(
                stats.iterations < cold_iterations,
                "step {step} did not warm start"
            );
            // Same stopping rule: the f32 GPU may decide one iteration apart per problem.
            let cpu_iterations = cpu.last_stats().iterations;
            assert!(
                stats.iterations.abs_diff(cpu_iterations) <= 2,
                "step {step}"
            );
            if stats.iterations == cpu_iterations {
                assert_eq!(stats, cpu.last_stats(), "step {step}");
            }
        }
        for (p, d) in x.iter_mut().zip(&v) {
            p[0] += 0.02 * d[0];
            p[1] += 0.02 * d[1];
        }
    }
    // After a reset the next call is cold again.
    gpu.reset_warm_start();
    gpu.velocity(&x, &y, &params).unwrap();
    assert_eq!(
        gpu.last_stats().iterations,
        cold_iterations_of(&x, &y, &params)
    );
}

#[test]
fn gpu_annealing_tail_follows_the_cpu_tail_along_a_flow() {
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    let mode = VelocityMode::WarmAnnealed { restart: 4.0 };
    gpu.set_mode(mode).unwrap();
    assert!(gpu.name().contains("annealing tail"), "{}", gpu.name());
    let mut cpu = CpuBackend::new(Precision::F64).with_mode(mode);
    let params = SinkhornParams {
        blur: 0.3,
        scaling: 0.8,
    };
    let (mut x, y) = flow_clouds(9);
    let mut cold_iterations = 0;
    for step in 0..6 {
        let v = gpu.velocity(&x, &y, &params).unwrap();
        let reference = cpu.velocity(&x, &y, &params).unwrap();
        let error = relative_error(&v, &reference);
        println!(
            "step {step}: {} iterations (cpu {}), vs the cpu tail {error:.2e}",
            gpu.last_stats().iterations,
            cpu.last_stats().iterations
        );
        assert!(error <= VELOCITY_TOLERANCE, "step {step}: {error:e}");
        // The same schedule: the whole one first, then its tail.
        assert_eq!(gpu.last_stats(), cpu.last_stats(), "step {step}");
        if step == 0 {
            cold_iterations = gpu.last_stats().iterations;
        } else {
            assert!(gpu.last_stats().iterations < cold_iterations, "step {step}");
        }
        for (p, d) in x.iter_mut().zip(&v) {
            p[0] += 0.1 * d[0];
            p[1] += 0.1 * d[1];
        }
    }
    // Other sizes start again from the whole schedule.
    gpu.velocity(&x[..200], &y, &params).unwrap();
    assert_eq!(
        gpu.last_stats().iterations,
        cold_iterations_of(&x[..200], &y, &params)
    );
    // The converged mode stays on the CPU, with a message naming it.
    let refused = gpu
        .set_mode(VelocityMode::Converged(nsgf::ot::ConvergedConfig::default()))
        .unwrap_err();
    assert!(refused.to_string().contains("converged"), "{refused}");
}

/// The particles (250 around (−1, 0)) and target (300 around (2, 1)) of the warm-start flows.
fn flow_clouds(seed: u64) -> (Vec<Point>, Vec<Point>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let y = cloud(&mut rng, 300, [2.0, 1.0], 2.0);
    let x = cloud(&mut rng, 250, [-1.0, 0.0], 2.0);
    (x, y)
}

/// Iterations of both problems' whole ε-schedules.
fn cold_iterations_of(x: &[Point], y: &[Point], params: &SinkhornParams) -> usize {
    epsilon_schedule(max_diameter(x, y), params).unwrap().len()
        + epsilon_schedule(max_diameter(x, &[]), params)
            .unwrap()
            .len()
}

#[test]
fn gpu_rejects_clouds_beyond_the_device_limits() {
    let _serial = serial_gpu_test();
    let limits = wgpu::Limits {
        max_storage_buffer_binding_size: 64 * 1024,
        ..wgpu::Limits::default()
    };
    let Some((device, queue, name)) = device_with_limits(limits) else {
        return;
    };
    let mut gpu = GpuBackend::from_device(device, queue, name).unwrap();
    let params = SinkhornParams::default();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // 8192 points are 64 KiB as vec2<f32>: the largest that fits.
    let fits = cloud(&mut rng, 8192, [0.0, 0.0], 1.0);
    let target = cloud(&mut rng, 5, [0.0, 0.0], 1.0);
    let loose = SinkhornParams {
        blur: 0.5,
        scaling: 0.3,
    };
    assert_eq!(gpu.velocity(&fits, &target, &loose).unwrap().len(), 8192);
    let too_many = cloud(&mut rng, 8193, [0.0, 0.0], 1.0);
    match gpu.velocity(&too_many, &target, &params) {
        Err(OtError::Gpu(error)) => {
            let message = error.to_string();
            assert!(
                message.contains("max_storage_buffer_binding_size"),
                "{message}"
            );
            assert!(message.contains("8193"), "{message}");
        }
        other => panic!("expected a GPU size error, got {other:?}"),
    }
    match gpu.divergence(&target, &too_many, &params) {
        Err(OtError::Gpu(error)) => assert!(error.to_string().contains("8193"), "{error}"),
        other => panic!("expected a GPU size error, got {other:?}"),
    }
    // The backend still works after refusing.
    assert_eq!(gpu.velocity(&target, &fits, &loose).unwrap().len(), 5);
}

#[test]
fn gpu_reports_bad_inputs_like_the_cpu() {
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    let params = SinkhornParams::default();
    let y = [[0.0, 0.0], [1.0, 1.0]];
    assert_eq!(
        gpu.velocity(&[], &y, &params),
        Err(OtError::EmptySet("source"))
    );
    assert_eq!(
        gpu.velocity(&y, &[[0.0, f64::NAN]], &params),
        Err(OtError::NonFinite {
            set: "target",
            index: 0
        })
    );
    let bad = SinkhornParams {
        blur: 0.1,
        scaling: 1.0,
    };
    assert_eq!(
        gpu.velocity(&y, &y, &bad),
        Err(OtError::InvalidScaling(1.0))
    );
}

#[test]
fn gpu_selection_picks_a_hardware_adapter_and_passes_over_software_ones() {
    let _serial = serial_gpu_test();
    let probe =
        backend_or_skip().map(|backend| (backend.is_software(), backend.adapter_name().to_owned()));
    let Some((software, adapter_name)) = probe else {
        // No adapter: Auto falls back to the CPU and says why; Gpu is an error.
        let auto = select_backend(BackendChoice::Auto, Precision::F32).unwrap();
        assert!(
            auto.note.to_string().starts_with("backend: cpu"),
            "{}",
            auto.note
        );
        assert!(
            auto.note.to_string().contains("no GPU adapter found"),
            "{}",
            auto.note
        );
        match select_backend(BackendChoice::Gpu, Precision::F32) {
            Err(OtError::Gpu(error)) => assert!(error.to_string().contains("no GPU adapter found")),
            other => panic!("expected an adapter error, got {:?}", other.map(|s| s.note)),
        }
        return;
    };
    let auto = select_backend(BackendChoice::Auto, Precision::F32).unwrap();
    if software {
        // A software adapter (lavapipe in CI) is slower than the CPU: Auto passes it over.
        assert!(
            auto.note.to_string().starts_with("backend: cpu f32"),
            "{}",
            auto.note
        );
        assert!(
            auto.note.to_string().contains("software renderer"),
            "{}",
            auto.note
        );
        assert!(
            auto.note.to_string().contains(&adapter_name),
            "{}",
            auto.note
        );
    } else {
        assert!(
            auto.note.to_string().starts_with("backend: gpu ("),
            "{}",
            auto.note
        );
    }
    let gpu = select_backend(BackendChoice::Gpu, Precision::F32).unwrap();
    assert!(
        gpu.note.to_string().starts_with("backend: gpu ("),
        "{}",
        gpu.note
    );
    let cpu = select_backend(BackendChoice::Auto, Precision::F64).unwrap();
    assert!(
        cpu.note.to_string().starts_with("backend: cpu f64"),
        "{}",
        cpu.note
    );
}

#[test]
fn gpu_reports_a_lost_device_as_an_error() {
    let _serial = serial_gpu_test();
    let Some((device, queue, name)) = device_with_limits(wgpu::Limits::default()) else {
        return;
    };
    let mut gpu = GpuBackend::from_device(device.clone(), queue, name).unwrap();
    let params = SinkhornParams::default();
    let (x, y) = ([[0.0, 0.0], [1.0, 0.0]], [[2.0, 1.0]]);
    assert_eq!(gpu.velocity(&x, &y, &params).unwrap().len(), 2);
    device.destroy();
    match gpu.velocity(&x, &y, &params) {
        Err(OtError::Gpu(error)) => println!("after destroy: {error}"),
        other => panic!("expected a GPU error, got {other:?}"),
    }
    assert!(matches!(
        gpu.divergence(&x, &y, &params),
        Err(OtError::Gpu(_))
    ));
}

/// A fallback backend over a GPU device the test can destroy (None: no adapter, skipped).
fn fallback_on_own_device() -> Option<(wgpu::Device, FallbackBackend)> {
    let (device, queue, name) = device_with_limits(wgpu::Limits::default())?;
    let gpu = GpuBackend::from_device(device.clone(), queue, name).unwrap();
    Some((device, FallbackBackend::new(gpu, Precision::F64)))
}

#[test]
fn a_failing_gpu_hands_over_to_the_cpu_with_a_notice() {
    let _serial = serial_gpu_test();
    let Some((device, mut backend)) = fallback_on_own_device() else {
        return;
    };
    let params = SinkhornParams::default();
    let (x, y) = ([[0.0, 0.0], [1.0, 0.0]], [[2.0, 1.0], [0.5, -1.0]]);
    assert!(backend.velocity(&x, &y, &params).is_ok());
    assert!(backend.on_gpu());
    assert_eq!(backend.take_notice(), None);
    device.destroy();
    let after = backend.velocity(&x, &y, &params).expect("the CPU answers");
    assert!(!backend.on_gpu());
    let notice = backend.take_notice().expect("a notice says what happened");
    assert!(notice.contains("continuing on the cpu"), "{notice}");
    assert_eq!(backend.take_notice(), None, "the notice is given once");
    let cpu = CpuBackend::new(Precision::F64)
        .velocity(&x, &y, &params)
        .unwrap();
    assert_eq!(after, cpu);
    assert!(backend.divergence(&x, &y, &params).is_ok());
}

/// A call that warns about f32's accuracy and then loses the GPU reports both, in order.
#[test]
fn a_warning_and_a_failure_in_one_call_are_both_reported() {
    let _serial = serial_gpu_test();
    let Some((device, mut backend)) = fallback_on_own_device() else {
        return;
    };
    // diameter²/ε ≈ 4e8, far past f32's accurate range.
    let params = SinkhornParams::default();
    let (near_x, near_y) = ([[0.0, 0.0], [1.0, 0.0]], [[2.0, 1.0], [0.5, -1.0]]);
    assert!(backend.velocity(&near_x, &near_y, &params).is_ok());
    assert_eq!(backend.take_notice(), None);
    device.destroy();
    let (x, y) = (
        [[0.0, 0.0], [1000.0, 0.0]],
        [[0.0, 1000.0], [1000.0, 1000.0]],
    );
    assert!(backend.velocity(&x, &y, &params).is_ok(), "the CPU answers");
    let notice = backend.take_notice().expect("a notice");
    let (warning, failure) = (notice.find("f32"), notice.find("continuing on the cpu"));
    assert!(
        warning.is_some() && failure.is_some() && warning < failure,
        "{notice}"
    );
    assert_eq!(backend.take_notice(), None);
}

#[test]
fn gpu_truncated_kernels_match_the_dense_ones_and_the_cpu() {
    use nsgf::data::{Preset, seeded_rng};
    use nsgf::ot::Truncation;
    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    // Gaussian → moons at the app's blur, and a sharper case (more tiles skipped).
    for (n, blur) in [(1500, 0.05), (1100, 0.02)] {
        let x = Preset::Gaussian.sample(n, &mut seeded_rng(3));
        let y = Preset::Moons.sample(n + 37, &mut seeded_rng(4));
        let params = SinkhornParams { blur, scaling: 0.9 };
        let cpu = flow_velocity(&x, &y, &params, Precision::F64)
            .unwrap()
            .velocity;
        gpu.set_truncation(Truncation::Off).unwrap();
        let started = std::time::Instant::now();
        let dense = gpu.velocity(&x, &y, &params).unwrap();
        let dense_time = started.elapsed();
        gpu.set_truncation(Truncation::On).unwrap();
        let started = std::time::Instant::now();
        let truncated = gpu.velocity(&x, &y, &params).unwrap();
        let truncated_time = started.elapsed();
        let (to_dense, to_cpu) = (
            relative_error(&truncated, &dense),
            relative_error(&truncated, &cpu),
        );
        println!(
            "n = {n}, blur {blur}: truncated vs dense gpu {to_dense:.2e}, vs cpu f64 \
             {to_cpu:.2e} ({truncated_time:?} vs {dense_time:?} dense, not a benchmark)"
        );
        assert!(to_dense <= VELOCITY_TOLERANCE, "{to_dense:e}");
        assert!(to_cpu <= VELOCITY_TOLERANCE, "{to_cpu:e}");
    }
}

/// Polls `pending` without ever blocking (as the browser does each frame) until it finishes.
fn poll_until_done(gpu: &mut GpuBackend, pending: &mut nsgf::gpu::PendingVelocity) -> Vec<Point> {
    for _ in 0..200_000 {
        if let Some(velocity) = gpu.poll_velocity(pending).unwrap() {
            return velocity;
        }
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
    panic!("the GPU never finished the velocity");
}

#[test]
fn gpu_velocity_started_now_and_polled_later_equals_the_blocking_call() {
    let _serial = serial_gpu_test();
    let (Some(mut polled), Some(mut blocking)) = (backend_or_skip(), backend_or_skip()) else {
        return;
    };
    let params = SinkhornParams {
        blur: 0.3,
        scaling: 0.8,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let y = cloud(&mut rng, 350, [2.0, 1.0], 2.0);
    let x0 = cloud(&mut rng, 300, [-1.0, 0.0], 2.0);
    // Annealed, refined (warm starts and their cold redo) and truncated: a short flow each,
    // one backend polled, one blocking; the same submissions give the same numbers.
    let refined = VelocityMode::Refined(WarmStartConfig {
        tolerance: 1e-3,
        max_iterations: 3,
    });
    for (mode, truncated) in [
        (VelocityMode::Annealed, false),
        (refined, false),
        (VelocityMode::Annealed, true),
    ] {
        for gpu in [&mut polled, &mut blocking] {
            gpu.set_mode(mode).unwrap();
            let truncation = if truncated {
                nsgf::ot::Truncation::On
            } else {
                nsgf::ot::Truncation::Off
            };
            gpu.set_truncation(truncation).unwrap();
            gpu.reset_warm_start();
        }
        let mut x = x0.clone();
        for step in 0..4 {
            let mut pending = polled.start_velocity(&x, &y, &params).unwrap();
            let v = poll_until_done(&mut polled, &mut pending);
            let reference = blocking.velocity(&x, &y, &params).unwrap();
            let error = relative_error(&v, &reference);
            assert!(
                error <= 1e-6,
                "{} (truncated {truncated}), step {step}: {error:e}",
                mode.name()
            );
            assert_eq!(polled.last_stats(), blocking.last_stats(), "step {step}");
            for (p, d) in x.iter_mut().zip(&v) {
                p[0] += 0.05 * d[0];
                p[1] += 0.05 * d[1];
            }
        }
    }
    // Bad input is refused when the call starts, with the blocking call's error.
    let bad = vec![[f64::NAN, 0.0]];
    let started = polled
        .start_velocity(&bad, &y, &params)
        .err()
        .map(|e| e.to_string());
    let blocked = blocking
        .velocity(&bad, &y, &params)
        .err()
        .map(|e| e.to_string());
    assert!(started.is_some());
    assert_eq!(started, blocked);
}

/// The benchmark's knob: 2D kernels compiled for another number of rows per workgroup give the
/// same velocity within the GPU's tolerance; a number the kernels cannot take is an error naming
/// it.
#[test]
fn other_rows_per_workgroup_give_the_same_velocity() {
    let _serial = serial_gpu_test();
    let Some(gpu) = backend_or_skip() else {
        return;
    };
    let error = nsgf::gpu::check_rows_per_workgroup(7).unwrap_err();
    assert!(error.to_string().contains('7'), "{error}");
    let mut gpu = gpu.with_rows_per_workgroup(64).unwrap();
    let x = fixture("two_blobs.source.csv");
    let y = fixture("two_blobs.target.csv");
    let params = manifest_params("two_blobs");
    let cpu = flow_velocity(&x, &y, &params, Precision::F64)
        .unwrap()
        .velocity;
    let v = gpu.velocity(&x, &y, &params).unwrap();
    let vs_cpu = relative_error(&v, &cpu);
    assert!(
        vs_cpu <= VELOCITY_TOLERANCE,
        "64 rows a workgroup: {vs_cpu:e}"
    );
}
