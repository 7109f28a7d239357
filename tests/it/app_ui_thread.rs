//! The app's workers as the browser runs them: every job stepped on the caller's thread within
//! a budget, the particle flow polling the GPU or stepping the CPU a few Sinkhorn iterations
//! at a time. The flows must be the ones the worker threads compute.

use nsgf::Point;
use nsgf::app::jobs::{FlowRequest, Request, WorkerEvent};
use nsgf::app::workers::{SharedDevice, Workers};
use nsgf::data::{Distribution, Preset, sample_source_and_target};
use nsgf::flow::{FlowConfig, FlowSolver, simulate_flow};
use nsgf::gpu::BackendNote;
use nsgf::gpu::test_support::{device_or_skip, serial_gpu_test};
use nsgf::job::CancelToken;
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{Precision, SinkhornParams};
use std::sync::Arc;
use std::time::Duration;

fn request(particles: usize, steps: usize) -> FlowRequest {
    FlowRequest {
        generation: 7,
        source: Distribution::Preset(Preset::Gaussian),
        target: Distribution::Preset(Preset::Moons),
        particles,
        seed: 11,
        config: FlowConfig {
            steps,
            eta: 0.25,
            sinkhorn: SinkhornParams {
                blur: 0.05,
                scaling: 0.8,
            },
        },
        solver: FlowSolver::Exact,
        grid_cells: 8,
        cancel: CancelToken::new(),
    }
}

/// Pumps `workers` (a budget of `budget` per call) until the flow finishes; returns its frames'
/// positions, the backend note and how many pumps it took.
fn run_flow(workers: &Workers, budget: Duration) -> (Vec<Vec<Point>>, BackendNote, usize) {
    let mut frames = Vec::new();
    let mut note = None;
    for pumps in 1..=200_000 {
        workers.pump(budget);
        // A page's next frame comes a little later; the GPU works meanwhile.
        std::thread::sleep(Duration::from_micros(100));
        for event in workers.poll() {
            match event {
                WorkerEvent::BackendReady { note: ready } => note = Some(ready),
                WorkerEvent::FlowFrame { frame, .. } => frames.push(frame.points().to_vec()),
                WorkerEvent::FlowFinished { .. } => {
                    return (frames, note.expect("a backend note"), pumps);
                }
                WorkerEvent::FlowFailed { error, .. } => panic!("the flow failed: {error}"),
                _ => {}
            }
        }
    }
    panic!("the flow never finished");
}

/// The same flow computed in one go on the CPU at `precision`.
fn reference(request: &FlowRequest, precision: Precision) -> Vec<Vec<Point>> {
    let (source, target) = sample_source_and_target(
        &request.source,
        &request.target,
        request.particles,
        request.seed,
    )
    .unwrap();
    let mut backend = CpuBackend::new(precision);
    let trajectory = simulate_flow(source, target, request.config, &mut backend).unwrap();
    trajectory
        .frames()
        .iter()
        .map(|frame| frame.points().to_vec())
        .collect()
}

/// The browser's workers on a device of the test machine's adapter, told whether it runs
/// compute shaders (a renderer's device, as eframe hands it over); None: no adapter, skip.
fn workers_on_a_device(compute_shaders: bool) -> Option<Workers> {
    let (device, queue, adapter) = device_or_skip()?;
    let shared = SharedDevice {
        device,
        queue,
        adapter,
        compute_shaders,
    };
    Some(Workers::on_the_callers_thread(
        Arc::new(|| {}),
        Some(shared),
    ))
}

#[test]
fn on_the_callers_thread_the_cpu_computes_the_same_flow_a_few_iterations_a_frame() {
    let workers = Workers::on_the_callers_thread(Arc::new(|| {}), None);
    let flow = request(300, 4);
    workers.dispatch(Request::Flow(flow.clone()));
    let (frames, note, pumps) = run_flow(&workers, Duration::from_micros(300));
    assert_eq!(frames, reference(&flow, Precision::F32), "bit for bit");
    assert!(note.name.starts_with("cpu"), "{note:?}");
    println!("{} frames in {pumps} pumps of 0.3 ms", frames.len());
}

#[test]
fn on_the_callers_thread_the_gpu_is_polled_and_computes_the_same_flow() {
    let _serial = serial_gpu_test();
    let Some(workers) = workers_on_a_device(true) else {
        return;
    };
    let flow = request(300, 4);
    workers.dispatch(Request::Flow(flow.clone()));
    let (frames, note, _) = run_flow(&workers, Duration::from_millis(8));
    assert!(note.name.starts_with("gpu"), "{note:?}");
    let cpu = reference(&flow, Precision::F64);
    assert_eq!(frames.len(), cpu.len());
    let scale = cpu[0]
        .iter()
        .flat_map(|p| p.iter())
        .fold(0.0_f64, |m, c| m.max(c.abs()));
    for (k, (gpu, cpu)) in frames.iter().zip(&cpu).enumerate() {
        let worst = gpu
            .iter()
            .zip(cpu)
            .map(|(a, b)| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()))
            .fold(0.0, f64::max);
        assert!(worst <= 1e-3 * scale, "frame {k}: {worst:e}");
    }
}

#[test]
fn an_adapter_without_compute_shaders_leaves_the_flow_to_the_cpu_and_says_why() {
    let _serial = serial_gpu_test();
    let Some(workers) = workers_on_a_device(false) else {
        return;
    };
    let flow = request(100, 2);
    workers.dispatch(Request::Flow(flow.clone()));
    let (frames, note, _) = run_flow(&workers, Duration::from_millis(8));
    assert!(note.name.starts_with("cpu"), "{note:?}");
    assert!(
        note.reason
            .as_deref()
            .is_some_and(|r| r.contains("no compute shaders")),
        "{note:?}"
    );
    assert_eq!(frames, reference(&flow, Precision::F32));
}

#[test]
fn jobs_take_eight_milliseconds_a_frame_or_half_a_slow_frame() {
    use nsgf::app::platform::{JOB_BUDGET_MAX, JOB_BUDGET_PER_FRAME, job_budget};
    let ms = Duration::from_millis;
    // A 60 Hz page: about 8 ms of jobs, the rest of the frame drawing.
    assert_eq!(job_budget(ms(16), ms(8)), JOB_BUDGET_PER_FRAME);
    assert_eq!(job_budget(ms(17), ms(8)), ms(9));
    assert_eq!(job_budget(ms(10), ms(8)), JOB_BUDGET_PER_FRAME);
    assert_eq!(
        job_budget(Duration::ZERO, Duration::ZERO),
        JOB_BUDGET_PER_FRAME
    );
    // Drawing took 112 ms of a 120 ms frame: jobs may take as long, up to the cap.
    assert_eq!(job_budget(ms(120), ms(8)), JOB_BUDGET_MAX);
    assert_eq!(job_budget(ms(38), ms(8)), ms(30));
}

#[test]
fn on_the_callers_thread_the_readouts_are_computed_in_pieces_with_the_same_values() {
    use nsgf::app::jobs::{MetricsKey, MetricsRequest, Run};
    use nsgf::flow::PointCloud;
    let workers = Workers::on_the_callers_thread(Arc::new(|| {}), None);
    let (particles, _) = sample_source_and_target(
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Moons),
        200,
        4,
    )
    .unwrap();
    let params = SinkhornParams {
        blur: 0.05,
        scaling: 0.8,
    };
    let key = MetricsKey {
        run: Run::Particle,
        generation: 3,
        frame: 2,
    };
    workers.dispatch(Request::Metrics(MetricsRequest {
        key,
        particles: PointCloud::from_points(&particles),
        target: Distribution::Preset(Preset::Moons),
        params,
        seed: 5,
        cancel: CancelToken::new(),
    }));
    let target = Distribution::Preset(Preset::Moons)
        .sample(200, &mut nsgf::data::seeded_rng(5))
        .unwrap();
    let divergence =
        nsgf::ot::sinkhorn_divergence(&particles, &target, &params, Precision::F32).unwrap();
    let w2 = nsgf::metrics::exact_w2(&particles, &target).unwrap();
    for pumps in 1..=100_000 {
        workers.pump(Duration::from_micros(200));
        for event in workers.poll() {
            if let WorkerEvent::Metrics {
                key: got,
                divergence: d,
                w2: w,
            } = event
            {
                assert_eq!(got, key);
                assert_eq!(d.unwrap().to_bits(), divergence.to_bits());
                assert_eq!(
                    w.expect("W2 at 200 points").unwrap().to_bits(),
                    w2.to_bits()
                );
                println!("readouts in {pumps} pumps of 0.2 ms");
                return;
            }
        }
    }
    panic!("the readouts never came");
}
