//! One seeding rule everywhere: the same source, target, n and seed give the same clouds in
//! `nsgf flow`, in the simulation `nsgf gif --flow` runs, and in the app's particle flow.

use nsgf::Point;
use nsgf::cli::particle_flow::{ParticleFlowOptions, SinkhornArgs};
use nsgf::data::{Distribution, Preset, sample_source_and_target};
use nsgf::gpu::BackendChoice;

const N: usize = 40;
const SEED: u64 = 11;

fn rule() -> (Vec<Point>, Vec<Point>) {
    sample_source_and_target(
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Moons),
        N,
        SEED,
    )
    .expect("presets sample")
}

fn options() -> ParticleFlowOptions<'static> {
    ParticleFlowOptions {
        source: "gaussian",
        target: "moons",
        n: N,
        steps: 2,
        eta: 0.3,
        sinkhorn: SinkhornArgs {
            blur: 0.1,
            scaling: 0.7,
            backend: BackendChoice::Cpu,
            mode: nsgf::cli::particle_flow::FlowModeArg::Exact,
            truncation: nsgf::cli::particle_flow::TruncationArg::Auto,
        },
        seed: SEED,
    }
}

#[test]
fn the_rule_keeps_the_source_when_the_target_changes() {
    let (source, target) = rule();
    let (same_source, other_target) = sample_source_and_target(
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Checkerboard),
        N,
        SEED,
    )
    .unwrap();
    assert_eq!(source, same_source);
    assert_ne!(target, other_target);
    // Source and target come from different streams, even for one distribution.
    let (a, b) = sample_source_and_target(
        &Distribution::Preset(Preset::Gaussian),
        &Distribution::Preset(Preset::Gaussian),
        N,
        SEED,
    )
    .unwrap();
    assert_ne!(a, b);
}

#[test]
fn nsgf_flow_and_gif_flow_start_from_the_rules_clouds() {
    let (source, target) = rule();
    // `nsgf gif --flow` simulates through ParticleFlowOptions::simulate, as `nsgf flow` does.
    let simulated = options().simulate().expect("the flow runs");
    assert_eq!(simulated.trajectory.frames()[0].points(), source.as_slice());
    assert_eq!(simulated.target_points, target);

    let output = super::support::nsgf(&[
        "flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "40",
        "--steps",
        "2",
        "--eta",
        "0.3",
        "--blur",
        "0.1",
        "--scaling",
        "0.7",
        "--backend",
        "cpu",
        "--seed",
        "11",
    ]);
    assert!(output.status.success(), "{output:?}");
    let printed: Vec<Point> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| line.starts_with("0,"))
        .map(|line| {
            let fields: Vec<f64> = line.split(',').map(|f| f.parse().unwrap()).collect();
            [fields[2], fields[3]]
        })
        .collect();
    assert_eq!(printed, source, "nsgf flow's step 0 is the rule's source");
}

#[cfg(feature = "app")]
#[test]
fn the_app_flows_from_the_rules_clouds() {
    use nsgf::app::jobs::{FlowRequest, Request, WorkerEvent};
    use nsgf::app::workers::Workers;
    use std::time::{Duration, Instant};
    let (source, target) = rule();
    let workers = Workers::start(std::sync::Arc::new(|| {}), None).expect("workers start");
    let options = options();
    workers.dispatch(Request::Flow(FlowRequest {
        generation: 1,
        source: Distribution::Preset(Preset::Gaussian),
        target: Distribution::Preset(Preset::Moons),
        particles: N,
        seed: SEED,
        config: options.config().unwrap(),
        solver: nsgf::flow::FlowSolver::Exact,
        grid_cells: 4,
        cancel: nsgf::job::CancelToken::new(),
    }));
    let started = Instant::now();
    let (mut app_target, mut app_source) = (None, None);
    while app_source.is_none() {
        assert!(started.elapsed() < Duration::from_mins(1), "no frame came");
        for event in workers.poll() {
            match event {
                WorkerEvent::FlowStarted { target, .. } => app_target = Some(target),
                WorkerEvent::FlowFrame { frame, .. } if app_source.is_none() => {
                    app_source = Some(frame.positions);
                }
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(app_source.unwrap().points(), source.as_slice());
    assert_eq!(
        app_target.expect("started first").points(),
        target.as_slice()
    );
}

#[cfg(feature = "app")]
#[test]
fn the_apps_fast_and_multiscale_solvers_run_their_modes_and_say_so() {
    use nsgf::app::jobs::{FlowRequest, Request, WorkerEvent};
    use nsgf::app::workers::Workers;
    use nsgf::flow::FlowSolver;
    use std::time::{Duration, Instant};
    let workers = Workers::start(std::sync::Arc::new(|| {}), None).expect("workers start");
    let options = options();
    let config = options.config().unwrap();
    let mut names = Vec::new();
    let mut last_frames = Vec::new();
    for (generation, solver) in [
        (1, FlowSolver::Fast),
        (2, FlowSolver::Exact),
        (3, FlowSolver::Multiscale),
    ] {
        workers.dispatch(Request::Flow(FlowRequest {
            generation,
            source: Distribution::Preset(Preset::Gaussian),
            target: Distribution::Preset(Preset::Moons),
            particles: N,
            seed: SEED,
            config,
            solver,
            grid_cells: 4,
            cancel: nsgf::job::CancelToken::new(),
        }));
        let started = Instant::now();
        let mut last = None;
        'flow: loop {
            assert!(
                started.elapsed() < Duration::from_mins(1),
                "the flow did not finish"
            );
            for event in workers.poll() {
                match event {
                    WorkerEvent::BackendReady { note } => names.push(note.name),
                    WorkerEvent::FlowFrame { frame, .. } => last = Some(frame.positions),
                    WorkerEvent::FlowFinished { .. } => break 'flow,
                    _ => {}
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        last_frames.push(last.expect("frames came").points().to_vec());
    }
    assert_eq!(
        names,
        [
            "cpu f32",
            "cpu f32 (annealing tail, warm-started)",
            "cpu f32",
            "cpu f32 (annealed coarse-to-fine (multiscale))"
        ],
        "the status line names the solver"
    );
    // The same start, three solvers: close flows (40 points are too few for clusters: the
    // multiscale solve is the exact loop on sorted points; the warm tail differs).
    let (fast, exact, multiscale) = (&last_frames[0], &last_frames[1], &last_frames[2]);
    assert_ne!(fast, exact);
    let paired_rms = |a: &[nsgf::Point], b: &[nsgf::Point]| {
        (a.iter()
            .zip(b)
            .map(|(p, q)| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2))
            .sum::<f64>()
            / a.len() as f64)
            .sqrt()
    };
    for other in [fast, multiscale] {
        let rms = paired_rms(other, exact);
        assert!(rms < 0.2, "paired RMS {rms}");
    }
}
