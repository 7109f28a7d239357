//! The app's state logic without a window: commands, worker events, the timeline, draw mode with
//! undo, staleness inputs, readouts and error paths. Worker results are fed in by hand.

use nsgf::Point;
use nsgf::app::drawing::Brush;
use nsgf::app::jobs::{
    Extent, FileOp, FileRequest, MetricsKey, Request, Run, ShownFlow, WorkerEvent,
};
use nsgf::app::state::{
    AppState, DRAWN_LABEL, DialogPurpose, DrawCommand, FileCommand, FlowSettings, FlowView,
    InputCommand, PlaybackCommand, Readout, TargetChoice, TrainCommand, ViewCommand,
};
use nsgf::data::{Distribution, Preset};
use nsgf::flow::{FlowKind, Frame, Trajectory};
use nsgf::gpu::BackendNote;
use nsgf::job::JobError;
use std::sync::Arc;

fn flow_jobs(state: &mut AppState) -> Vec<nsgf::app::jobs::FlowRequest> {
    state
        .take_requests()
        .into_iter()
        .filter_map(|job| match job {
            Request::Flow(job) => Some(job),
            _ => None,
        })
        .collect()
}

fn frame(step: usize, x: f64) -> Frame {
    Frame::moving(
        step as f64 / 10.0,
        vec![[x, 0.0], [x, 1.0]],
        vec![[0.1, 0.0]; 2],
        1.0,
    )
}

/// A flow-frame event of `generation` with no grid field.
fn flow_frame(generation: u64, frame: Frame) -> WorkerEvent {
    WorkerEvent::FlowFrame {
        generation,
        frame,
        grid_field: Arc::new(Vec::new()),
    }
}

/// A state whose current particle flow has `frames` frames recorded (and is finished when
/// `finished`).
fn state_with_frames(frames: usize, finished: bool) -> AppState {
    let mut state = AppState::new(FlowSettings::default());
    let job = flow_jobs(&mut state)
        .pop()
        .expect("a flow job is queued at start");
    state.on_event(WorkerEvent::FlowStarted {
        projection: None,
        generation: job.generation,
        target: nsgf::flow::PointCloud::from_points(&[[1.0, 1.0]; 2]),
        grid: Arc::new(Vec::new()),
        colors: Arc::new(vec![[255, 0, 0]; 2]),
        extent: Extent {
            min: [-1.0, -1.0],
            max: [2.0, 2.0],
        },
    });
    for step in 0..frames {
        state.on_event(flow_frame(job.generation, frame(step, step as f64)));
    }
    if finished {
        state.on_event(WorkerEvent::FlowFinished {
            generation: job.generation,
        });
    }
    state.take_requests();
    state
}

#[test]
fn opens_on_gaussian_to_moons_with_1000_particles_ready_to_play() {
    let mut state = AppState::new(FlowSettings::default());
    assert!(!state.playback().playing());
    assert_eq!(state.view(), FlowView::Particle);
    let jobs = flow_jobs(&mut state);
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job.source, Distribution::Preset(Preset::Gaussian));
    assert_eq!(job.target, Distribution::Preset(Preset::Moons));
    assert_eq!(job.particles, 1000);
}

#[test]
fn picking_a_preset_restarts_the_flow_and_drops_old_frames() {
    let mut state = state_with_frames(3, false);
    let old_generation = state.particle().generation();
    state.apply(InputCommand::SetTarget(TargetChoice::Preset(
        Preset::Checkerboard,
    )));
    let jobs = flow_jobs(&mut state);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].target, Distribution::Preset(Preset::Checkerboard));
    assert!(state.particle().flow().trajectory.frames().is_empty());
    // A late frame of the superseded flow is ignored.
    state.on_event(flow_frame(old_generation, frame(3, 3.0)));
    assert!(state.particle().flow().trajectory.frames().is_empty());
    // Picking the same preset again starts nothing.
    state.apply(InputCommand::SetTarget(TargetChoice::Preset(
        Preset::Checkerboard,
    )));
    assert!(flow_jobs(&mut state).is_empty());
}

#[test]
fn new_samples_bumps_the_seed() {
    let mut state = state_with_frames(1, true);
    state.apply(InputCommand::NewSamples);
    let jobs = flow_jobs(&mut state);
    assert_eq!(jobs[0].seed, 1);
    state.apply(InputCommand::SetParticles(0));
    assert_eq!(state.settings().particles, 1, "n is clamped to at least 1");
}

#[test]
fn play_advances_and_stops_at_the_end() {
    let mut state = state_with_frames(5, true);
    state.apply(PlaybackCommand::SetSpeed(10.0));
    state.apply(PlaybackCommand::Play);
    state.apply(PlaybackCommand::Tick(0.25));
    assert_eq!(state.playback().position(), 2);
    for _ in 0..20 {
        state.apply(PlaybackCommand::Tick(0.25));
    }
    assert_eq!(state.playback().position(), 4);
    assert!(!state.playback().playing());
}

#[test]
fn step_moves_exactly_one_frame_and_pauses() {
    let mut state = state_with_frames(5, true);
    state.apply(PlaybackCommand::Play);
    state.apply(PlaybackCommand::StepForward);
    assert!(!state.playback().playing());
    assert_eq!(state.playback().position(), 1);
    state.apply(PlaybackCommand::StepForward);
    state.apply(PlaybackCommand::StepBack);
    assert_eq!(state.playback().position(), 1);
    state.apply(PlaybackCommand::Seek(4));
    state.apply(PlaybackCommand::StepForward);
    assert_eq!(state.playback().position(), 4, "no frame beyond the last");
    state.apply(PlaybackCommand::Reset);
    assert_eq!(state.playback().position(), 0);
}

#[test]
fn playback_waits_for_frames_still_being_computed() {
    let mut state = state_with_frames(2, false);
    state.apply(PlaybackCommand::SetSpeed(60.0));
    state.apply(PlaybackCommand::Play);
    state.apply(PlaybackCommand::Tick(1.0));
    assert_eq!(state.playback().position(), 1);
    assert!(
        state.playback().playing(),
        "keeps playing while frames are coming"
    );
    assert!(state.work_pending());
}

#[test]
fn drawing_makes_a_drawn_target_and_undo_restores_it() {
    let mut state = state_with_frames(2, true);
    state.apply(DrawCommand::SetDrawMode(true));
    state.apply(DrawCommand::SetBrush(Brush {
        radius: 0.2,
        density: 5,
    }));
    state.apply(DrawCommand::BeginStroke);
    state.apply(DrawCommand::StrokeAt([1.0, 1.0]));
    state.apply(DrawCommand::StrokeAt([2.0, 1.0]));
    assert!(
        flow_jobs(&mut state).is_empty(),
        "no restart in the middle of a stroke"
    );
    state.apply(DrawCommand::EndStroke);
    assert_eq!(state.drawing().drawn().points().len(), 10);
    assert_eq!(state.settings().target, TargetChoice::Drawn);
    let jobs = flow_jobs(&mut state);
    assert_eq!(jobs.len(), 1);
    match &jobs[0].target {
        Distribution::Points { label, points } => {
            assert_eq!(label, DRAWN_LABEL);
            assert_eq!(points.len(), 10);
        }
        other => panic!("expected a drawn target, got {other:?}"),
    }

    state.apply(DrawCommand::BeginStroke);
    state.apply(DrawCommand::StrokeAt([-1.0, -1.0]));
    state.apply(DrawCommand::EndStroke);
    assert_eq!(state.drawing().drawn().points().len(), 15);
    state.apply(DrawCommand::UndoDrawn);
    assert_eq!(state.drawing().drawn().points().len(), 10);

    state.apply(DrawCommand::SetEraser(true));
    state.apply(DrawCommand::BeginStroke);
    state.apply(DrawCommand::StrokeAt([1.0, 1.0]));
    state.apply(DrawCommand::EndStroke);
    assert_eq!(
        state.drawing().drawn().points().len(),
        5,
        "the eraser removes the first dab"
    );
    state.apply(DrawCommand::ClearDrawn);
    assert!(state.drawing().drawn().is_empty());
    assert!(
        state.particle().failure().is_some(),
        "an empty drawn target cannot flow"
    );
    state.apply(DrawCommand::UndoDrawn);
    assert_eq!(state.drawing().drawn().points().len(), 5);
}

#[test]
fn an_empty_stroke_starts_nothing() {
    let mut state = state_with_frames(2, true);
    state.apply(DrawCommand::SetDrawMode(true));
    state.apply(DrawCommand::SetEraser(true));
    state.apply(DrawCommand::BeginStroke);
    state.apply(DrawCommand::StrokeAt([0.0, 0.0]));
    state.apply(DrawCommand::EndStroke);
    assert!(flow_jobs(&mut state).is_empty());
    assert_eq!(state.drawing().drawn().undo_depth(), 0);
}

#[test]
fn a_loaded_point_set_becomes_the_drawn_target() {
    let mut state = state_with_frames(1, true);
    state.apply(FileCommand::LoadPoints);
    assert!(matches!(
        state.take_requests().as_slice(),
        [Request::File(FileRequest::LoadPoints(None))]
    ));
    let points: Vec<Point> = vec![[0.0, 0.0], [1.0, 2.0], [3.0, -1.0]];
    state.on_event(WorkerEvent::PointsLoaded {
        label: "blob.csv".into(),
        points: points.clone(),
    });
    assert_eq!(state.drawing().drawn().points(), points.as_slice());
    assert_eq!(state.settings().target, TargetChoice::Drawn);
    assert_eq!(flow_jobs(&mut state).len(), 1);
}

#[test]
fn bad_files_show_a_message_and_keep_the_target() {
    let mut state = state_with_frames(1, true);
    state.on_event(WorkerEvent::FileFailed {
        op: FileOp::Purpose(DialogPurpose::LoadPoints),
        error: JobError::Data(nsgf::data::DataError::Malformed {
            path: "bad.csv".into(),
            line: 3,
            reason: "expected two numbers".into(),
        }),
    });
    assert_eq!(
        state.error(),
        Some("bad.csv:3: expected two numbers; the current target is kept")
    );
    assert_eq!(state.settings().target, TargetChoice::Preset(Preset::Moons));
    state.on_event(WorkerEvent::PointsLoaded {
        label: "empty.csv".into(),
        points: Vec::new(),
    });
    assert_eq!(state.settings().target, TargetChoice::Preset(Preset::Moons));
    assert!(state.error().unwrap_or("").contains("empty.csv"));
    state.apply(nsgf::app::state::Command::DismissError);
    assert!(state.error().is_none());
    state.on_event(WorkerEvent::DialogCancelled);
    assert!(
        state.error().is_none(),
        "a cancelled dialog is not an error"
    );
}

#[test]
fn saving_an_empty_drawing_or_a_missing_model_is_a_message() {
    let mut state = state_with_frames(1, true);
    state.apply(FileCommand::SavePoints);
    assert!(state.error().is_some());
    state.apply(nsgf::app::state::Command::DismissError);
    state.apply(FileCommand::SaveModel);
    assert!(state.error().is_some());
    assert!(
        state
            .take_requests()
            .iter()
            .all(|job| !matches!(job, Request::File(_)))
    );
}

#[test]
fn a_failed_flow_or_training_is_a_message_not_a_panic() {
    let mut state = state_with_frames(2, false);
    let generation = state.particle().generation();
    state.on_event(WorkerEvent::FlowFailed {
        generation,
        error: JobError::Ot(nsgf::ot::OtError::Gpu(nsgf::ot::GpuError::DeviceLost {
            adapter: "a test adapter".into(),
            reason: "device lost".into(),
        })),
    });
    assert!(state.error().unwrap_or("").contains("device lost"));
    assert!(!state.supply().more_coming);

    state.apply(TrainCommand::Train);
    let train_generation = state
        .take_requests()
        .into_iter()
        .find_map(|job| match job {
            Request::Train(job) => Some(job.generation),
            _ => None,
        })
        .expect("train queues a job");
    state.apply(TrainCommand::Train);
    assert!(
        state.take_requests().is_empty(),
        "a second Train while running starts nothing"
    );
    state.on_event(WorkerEvent::TrainFinished {
        generation: train_generation,
        result: Err(JobError::Model(nsgf::model::ModelError::Diverged(
            f64::NAN,
            3,
        ))),
    });
    assert!(state.training().running().is_none());
    assert!(state.training().model().is_none());
    assert!(state.error().unwrap_or("").contains("diverged"));
}

#[test]
fn cancelling_training_sets_the_flag_and_keeps_no_error() {
    let mut state = state_with_frames(1, true);
    state.apply(TrainCommand::Train);
    let job = state
        .take_requests()
        .into_iter()
        .find_map(|job| match job {
            Request::Train(job) => Some(job),
            _ => None,
        })
        .expect("train queues a job");
    state.apply(TrainCommand::CancelTraining);
    assert!(job.cancel.is_cancelled());
    state.on_event(WorkerEvent::TrainFinished {
        generation: job.generation,
        result: Err(JobError::Model(nsgf::model::ModelError::Cancelled)),
    });
    assert!(state.error().is_none());
    assert!(state.training().running().is_none());
}

#[test]
fn readouts_are_requested_for_the_shown_frame_and_filled_by_the_worker() {
    let mut state = state_with_frames(3, true);
    state.apply(PlaybackCommand::Seek(2));
    let metrics: Vec<_> = state
        .take_requests()
        .into_iter()
        .filter_map(|job| match job {
            Request::Metrics(job) => Some(job),
            _ => None,
        })
        .collect();
    let job = metrics.last().expect("a readout of the shown frame");
    assert_eq!(job.key.frame, 2);
    assert_eq!(job.particles.len(), 2);
    assert_eq!(
        state.readouts(Run::Particle).map(|r| &r.w2),
        Some(&Readout::Pending)
    );
    state.on_event(WorkerEvent::Metrics {
        key: job.key,
        divergence: Ok(0.25),
        w2: None,
    });
    let readouts = state.readouts(Run::Particle).expect("filled");
    assert_eq!(readouts.divergence, Readout::Value(0.25));
    assert!(matches!(readouts.w2, Readout::Unavailable(_)));
    // Seeking back to frame 2 later asks for nothing new.
    state.apply(PlaybackCommand::Seek(0));
    state.take_requests();
    state.apply(PlaybackCommand::Seek(2));
    assert!(state.take_requests().is_empty());
}

#[test]
fn a_skipped_readout_is_requested_again() {
    let mut state = state_with_frames(3, true);
    state.take_requests();
    let key = MetricsKey {
        run: Run::Particle,
        generation: state.particle().generation(),
        frame: 0,
    };
    state.on_event(WorkerEvent::MetricsSkipped { key });
    let again = state
        .take_requests()
        .into_iter()
        .any(|job| matches!(job, Request::Metrics(job) if job.key == key));
    assert!(again);
}

/// Feeds `frames` frames at times `k / (frames - 1)` as the current particle flow (finished).
fn feed_particle_frames(state: &mut AppState, frames: usize) {
    let generation = state.particle().generation();
    state.on_event(WorkerEvent::FlowStarted {
        projection: None,
        generation,
        target: nsgf::flow::PointCloud::from_points(&[[1.0, 1.0]; 2]),
        grid: Arc::new(Vec::new()),
        colors: Arc::new(vec![[255, 0, 0]; 2]),
        extent: Extent {
            min: [-1.0, -1.0],
            max: [2.0, 2.0],
        },
    });
    for step in 0..frames {
        let mut frame = frame(step, step as f64);
        frame.t = step as f64 / (frames - 1) as f64;
        state.on_event(flow_frame(generation, frame));
    }
    state.on_event(WorkerEvent::FlowFinished { generation });
}

/// A learned flow with frames at times `j / (frames - 1)`.
fn learned_frames_at_uniform_times(frames: usize) -> ShownFlow {
    let trajectory = Trajectory::from_frames(
        FlowKind::Nsgf,
        (0..frames)
            .map(|j| {
                let mut frame = frame(j, -(j as f64));
                frame.t = j as f64 / (frames - 1) as f64;
                frame
            })
            .collect(),
    );
    ShownFlow {
        trajectory,
        ..ShownFlow::default()
    }
}

#[test]
fn split_view_shows_both_flows_at_the_same_t() {
    let mut state = AppState::new(FlowSettings::default());
    state.take_requests();
    // A 40-step particle flow beside a 10-NFE learned flow.
    feed_particle_frames(&mut state, 41);
    state.apply(ViewCommand::SetView(FlowView::Split));
    assert_eq!(state.shown_kinds(), &[Run::Particle, Run::Learned]);
    assert_eq!(state.shown_index(Run::Learned), None);
    state.on_event(WorkerEvent::LearnedReady {
        generation: state.learned().generation(),
        flow: learned_frames_at_uniform_times(11),
    });
    assert_eq!(state.timeline_kind(), Run::Particle);
    assert_eq!(
        state.supply().available,
        41,
        "the timeline steps the particle flow"
    );

    // Particle frame 4 (t = 0.1) pairs with learned frame 1 (t = 0.1), not learned frame 4.
    state.apply(PlaybackCommand::Seek(4));
    assert_eq!(state.shown_index(Run::Particle), Some(4));
    assert_eq!(state.shown_index(Run::Learned), Some(1));
    assert_eq!(state.shown_time(), Some(0.1));
    let shown_t = |state: &AppState, kind| state.shown_frame(kind).expect("a frame").t;
    assert_eq!(
        shown_t(&state, Run::Particle),
        shown_t(&state, Run::Learned)
    );
    for position in 0..41 {
        state.apply(PlaybackCommand::Seek(position));
        let gap = (shown_t(&state, Run::Particle) - shown_t(&state, Run::Learned)).abs();
        assert!(gap <= 0.05 + 1e-12, "position {position}: Δt = {gap}");
    }
    state.apply(PlaybackCommand::Seek(40));
    assert_eq!(state.shown_index(Run::Learned), Some(10));

    // The readouts follow the matched frames.
    let learned_key = state
        .take_requests()
        .into_iter()
        .filter_map(|job| match job {
            Request::Metrics(job) if job.key.run == Run::Learned => Some(job.key),
            _ => None,
        })
        .last()
        .expect("a learned readout is requested");
    assert_eq!(learned_key.frame, 10);

    // The learned view alone steps through its own frames.
    state.apply(ViewCommand::SetView(FlowView::Learned));
    assert_eq!(state.supply().available, 11);
    state.apply(PlaybackCommand::Seek(4));
    assert_eq!(state.shown_index(Run::Learned), Some(4));

    // A learned trajectory is dropped unless it belongs to the current sampling job.
    state.on_event(WorkerEvent::LearnedReady {
        generation: 999,
        flow: learned_frames_at_uniform_times(2),
    });
    assert_eq!(state.learned().flow().map(|f| f.trajectory.len()), Some(11));
}

#[test]
fn split_view_follows_the_learned_flow_while_the_particle_flow_has_no_frame() {
    let mut state = AppState::new(FlowSettings::default());
    state.take_requests();
    state.apply(ViewCommand::SetView(FlowView::Split));
    state.on_event(WorkerEvent::LearnedReady {
        generation: state.learned().generation(),
        flow: learned_frames_at_uniform_times(11),
    });
    assert_eq!(state.timeline_kind(), Run::Learned);
    state.apply(PlaybackCommand::Seek(3));
    assert_eq!(state.shown_index(Run::Learned), Some(3));
    assert_eq!(state.shown_index(Run::Particle), None);
}

#[test]
fn the_backend_note_reads_well_in_the_status_line() {
    let software = BackendNote {
        name: "cpu f32".into(),
        reason: Some(
            "the only GPU adapter, llvmpipe (LLVM 15.0.6, 256 bits), is a software renderer \
             and slower than the CPU"
                .into(),
        ),
        hint: Some("--backend gpu forces it"),
    };
    assert_eq!(
        software.to_string(),
        "backend: cpu f32 (the only GPU adapter, llvmpipe (LLVM 15.0.6, 256 bits), is a \
         software renderer and slower than the CPU; --backend gpu forces it)"
    );
    assert_eq!(
        software.status_text(),
        "cpu f32 (the only GPU adapter, llvmpipe (LLVM 15.0.6, 256 bits), is a software \
         renderer and slower than the CPU)"
    );
    assert_eq!(BackendNote::plain("cpu f32").status_text(), "cpu f32");
    assert_eq!(
        BackendNote::plain("gpu (NVIDIA H200)").to_string(),
        "backend: gpu (NVIDIA H200)"
    );
    let mut state = AppState::new(FlowSettings::default());
    state.on_event(WorkerEvent::BackendReady {
        note: software.clone(),
    });
    assert_eq!(state.messages().backend_note(), Some(&software));
}

#[test]
fn changing_a_hyperparameter_or_method_is_recorded() {
    let mut state = state_with_frames(1, true);
    let mut config = state.training().config().clone();
    config.iterations += 1;
    state.apply(TrainCommand::SetTrainConfig(config.clone()));
    assert_eq!(state.training().config(), &config);
    state.apply(TrainCommand::SetMethod(nsgf::model::Method::NsgfPp));
    assert_eq!(
        state.training().config().method,
        nsgf::model::Method::NsgfPp
    );
    assert!(state.training().config().flow.steps <= 5);
    assert!(!state.training().stale(), "no model, nothing stale");
}

/// Trains `state`'s queued training job on this thread, handing each progress report to
/// `progress`; returns the job's generation and result as the worker would send them.
fn train_queued_job(
    state: &mut AppState,
    progress: &mut dyn FnMut(&nsgf::model::TrainProgress),
) -> (u64, Result<Box<nsgf::model::TrainedModel>, JobError>) {
    let job = state
        .take_requests()
        .into_iter()
        .find_map(|job| match job {
            Request::Train(job) => Some(job),
            _ => None,
        })
        .expect("Train queues a training job");
    let result = nsgf::model::TrainedModel::train_guided(
        &job.config,
        &job.source,
        &job.target,
        job.teacher.clone(),
        job.cancel.flag(),
        progress,
    )
    .map(Box::new)
    .map_err(JobError::from);
    (job.generation, result)
}

/// Trains the tiny NSGF++ model of `state`'s queued training job on this thread and feeds the
/// result back as the worker would.
fn run_training_job(state: &mut AppState) {
    let (generation, result) = train_queued_job(state, &mut |_| {});
    state.on_event(WorkerEvent::TrainFinished { generation, result });
}

/// Samples the state's queued learned-flow job with the worker's code and feeds the result back.
fn run_learned_job(state: &mut AppState) -> nsgf::app::jobs::LearnedRequest {
    let job = state
        .take_requests()
        .into_iter()
        .filter_map(|job| match job {
            Request::Learned(job) => Some(job),
            _ => None,
        })
        .last()
        .expect("a learned-flow job is queued");
    let flow = nsgf::app::workers::learned_flow(&job).expect("sampling works");
    state.on_event(WorkerEvent::LearnedReady {
        generation: job.generation,
        flow,
    });
    job
}

#[test]
fn a_tiny_nsgfpp_model_shows_its_phase_boundary_and_accepts_its_nfe() {
    use nsgf::model::{Method, TrainConfig};
    let mut state = AppState::new(FlowSettings {
        particles: 120,
        ..FlowSettings::default()
    });
    state.take_requests();
    feed_particle_frames(&mut state, 41);
    state.apply(TrainCommand::SetMethod(Method::NsgfPp));
    let config = TrainConfig {
        particles: 64,
        iterations: 3,
        adam_steps: 3,
        straight_iterations: 20,
        hidden_width: 16,
        hidden_layers: 1,
        eval_samples: 50,
        ..TrainConfig::defaults_for(Method::NsgfPp)
    };
    state.apply(TrainCommand::SetTrainConfig(config));
    state.apply(TrainCommand::Train);
    run_training_job(&mut state);
    assert!(
        state.error().is_none(),
        "training failed: {:?}",
        state.error()
    );
    let model = state.training().model().expect("a trained model");
    assert_eq!(model.method, Method::NsgfPp);
    let flow_steps = model.config.flow.steps;
    assert_eq!(
        model.default_nfe(),
        10,
        "5 flow steps + 1 time predictor + 4 straight"
    );

    // The default budget: the learned flow is sampled, shown and played.
    let job = run_learned_job(&mut state);
    assert_eq!(job.nfe, None, "the model's default NFE");
    let trajectory = &state.learned().flow().expect("sampled").trajectory;
    assert_eq!(trajectory.nfe(), 10);
    assert_eq!(trajectory.boundary_frame(), Some(flow_steps));
    assert_eq!(trajectory.len(), 10, "1 + 5 flow + 4 straight frames");
    assert_eq!(trajectory.nfe_at(flow_steps), flow_steps);
    assert_eq!(trajectory.nfe_at(9), 10, "the time predictor counts once");
    let times: Vec<f64> = trajectory.times().collect();
    assert!(
        times.windows(2).all(|pair| pair[0] < pair[1]),
        "one increasing timeline over both phases: {times:?}"
    );
    assert!((times[9] - 1.0).abs() < 1e-9, "ends at t = 1: {times:?}");
    assert_eq!(state.view(), FlowView::Learned);
    assert!(state.playback().playing());

    // The learned view marks the boundary at its frame, and the straight phase starts there.
    assert_eq!(state.phase_boundary_position(), Some(flow_steps));
    state.apply(PlaybackCommand::Seek(flow_steps - 1));
    assert!(!state.in_straight_phase());
    state.apply(PlaybackCommand::Seek(flow_steps));
    assert!(state.in_straight_phase());

    // Side by side the boundary is marked at the particle frame nearest in t.
    state.apply(ViewCommand::SetView(FlowView::Split));
    let position = state
        .phase_boundary_position()
        .expect("the boundary is on the particle timeline");
    state.apply(PlaybackCommand::Seek(position));
    assert!(state.in_straight_phase());
    assert_eq!(state.shown_index(Run::Learned), Some(flow_steps));
    state.apply(PlaybackCommand::Seek(position - 1));
    assert!(!state.in_straight_phase());
    assert_eq!(state.shown_index(Run::Learned), Some(flow_steps - 1));
    // The mark sits where the particle flow's t passes the middle of the last Sinkhorn step.
    let middle = f64::midpoint(times[flow_steps - 1], times[flow_steps]);
    assert!(
        (position - 1) as f64 / 40.0 <= middle && middle <= position as f64 / 40.0,
        "boundary between t {} and {} marked at particle frame {position}",
        times[flow_steps - 1],
        times[flow_steps]
    );

    // The NFE control: 10 is accepted as is; a budget below flow steps + 2 is raised to it.
    state.apply(TrainCommand::SetNfe(Some(10)));
    assert_eq!(run_learned_job(&mut state).nfe, Some(10));
    assert_eq!(state.learned().flow().map(|f| f.trajectory.nfe()), Some(10));
    state.apply(TrainCommand::SetNfe(Some(3)));
    assert_eq!(state.training().nfe(), Some(flow_steps + 2));
    assert_eq!(run_learned_job(&mut state).nfe, Some(flow_steps + 2));
    assert!(state.error().is_none(), "{:?}", state.error());
    let trajectory = &state.learned().flow().expect("sampled").trajectory;
    assert_eq!(trajectory.len(), flow_steps + 2, "one straight step");
    assert_eq!(trajectory.boundary_frame(), Some(flow_steps));
}

#[test]
fn an_nfe_chosen_for_nsgf_is_raised_for_an_nsgfpp_model() {
    use nsgf::model::{Method, TrainConfig};
    let mut state = AppState::new(FlowSettings {
        particles: 50,
        ..FlowSettings::default()
    });
    state.take_requests();
    // No model yet: any budget from 1 is kept.
    state.apply(TrainCommand::SetNfe(Some(2)));
    assert_eq!(state.training().nfe(), Some(2));
    state.apply(TrainCommand::SetMethod(Method::NsgfPp));
    state.apply(TrainCommand::SetTrainConfig(TrainConfig {
        particles: 64,
        iterations: 1,
        adam_steps: 1,
        straight_iterations: 2,
        hidden_width: 8,
        hidden_layers: 1,
        eval_samples: 50,
        ..TrainConfig::defaults_for(Method::NsgfPp)
    }));
    state.apply(TrainCommand::Train);
    run_training_job(&mut state);
    let least = state
        .training()
        .model()
        .as_ref()
        .expect("a model")
        .min_nfe();
    assert_eq!(state.effective_nfe(), Some(least));
    assert_eq!(run_learned_job(&mut state).nfe, Some(least));
    assert!(state.error().is_none(), "{:?}", state.error());
}

#[test]
fn a_large_loaded_point_set_becomes_the_target_and_flows_at_the_chosen_size() {
    let mut state = state_with_frames(2, true);
    let points: Vec<Point> = (0..200_000)
        .map(|i| {
            let a = i as f64 * 0.001;
            [a.cos() * 3.0, a.sin() * 2.0]
        })
        .collect();
    state.on_event(WorkerEvent::PointsLoaded {
        label: "big.csv".into(),
        points,
    });
    assert!(state.error().is_none(), "{:?}", state.error());
    assert_eq!(state.settings().target, TargetChoice::Drawn);
    assert_eq!(state.drawing().drawn().points().len(), 200_000);
    let jobs = flow_jobs(&mut state);
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        jobs[0].particles,
        state.settings().particles,
        "n stays the chosen size"
    );
    // Undo brings back the previous (empty) drawing.
    state.apply(DrawCommand::UndoDrawn);
    assert!(state.drawing().drawn().is_empty());
}

#[test]
fn drawing_tens_of_thousands_of_points_stays_consistent() {
    let mut state = AppState::new(FlowSettings::default());
    state.take_requests();
    state.apply(DrawCommand::SetDrawMode(true));
    state.apply(DrawCommand::SetBrush(Brush {
        radius: 0.5,
        density: 200,
    }));
    state.apply(DrawCommand::BeginStroke);
    // A zig-zag whose dabs lie more than half a radius apart: every one paints.
    for k in 0..300 {
        let x = -4.0 + 8.0 * (k % 30) as f64 / 30.0;
        let y = -4.0 + 0.8 * (k / 30) as f64;
        state.apply(DrawCommand::StrokeAt([x, y]));
    }
    state.apply(DrawCommand::EndStroke);
    let drawn = state.drawing().drawn().points().len();
    assert!(drawn >= 20_000, "{drawn} points drawn");
    assert!(
        state
            .drawing()
            .drawn()
            .points()
            .iter()
            .flatten()
            .all(|c| c.is_finite())
    );
    // One stroke is one undo step, and the drawn target restarted the flow once.
    assert_eq!(state.drawing().drawn().undo_depth(), 1);
    assert_eq!(flow_jobs(&mut state).len(), 1);
    assert_eq!(state.settings().target, TargetChoice::Drawn);
}

#[test]
fn changing_parameters_while_training_runs_keeps_the_run_and_marks_its_model_stale() {
    use nsgf::model::{Method, TrainConfig};
    let mut state = AppState::new(FlowSettings {
        particles: 60,
        ..FlowSettings::default()
    });
    state.take_requests();
    let config = TrainConfig {
        particles: 48,
        iterations: 2,
        adam_steps: 2,
        hidden_width: 8,
        hidden_layers: 1,
        eval_samples: 30,
        ..TrainConfig::defaults_for(Method::Nsgf)
    };
    state.apply(TrainCommand::SetTrainConfig(config.clone()));
    state.apply(TrainCommand::Train);
    let trained_on = state.training().running().expect("running").inputs.clone();
    // Mid-run edits: a hyperparameter and the target.
    let mut edited = config;
    edited.iterations = 3;
    state.apply(TrainCommand::SetTrainConfig(edited.clone()));
    state.apply(InputCommand::SetTarget(TargetChoice::Preset(
        Preset::Checkerboard,
    )));
    let running = state.training().running().expect("still running");
    assert_eq!(
        running.inputs, trained_on,
        "the run keeps what it started on"
    );
    assert_eq!(state.training().config(), &edited);
    run_training_job(&mut state);
    assert!(state.error().is_none(), "{:?}", state.error());
    assert!(state.training().model().is_some());
    assert!(
        state.training().stale(),
        "the model no longer matches the edited inputs"
    );
}

#[test]
fn save_png_writes_the_shown_frame_at_the_chosen_size() {
    let mut state = state_with_frames(3, true);
    state.apply(PlaybackCommand::StepForward);
    state.apply(FileCommand::SetPngSize(5000));
    assert_eq!(state.png_size(), 2048, "clamped to the renderer's range");
    state.apply(FileCommand::SetPngSize(200));
    let dir = std::env::temp_dir().join(format!("nsgf-app-png-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("frame.png");
    state.apply(FileCommand::SavePngTo(path.clone()));
    let requests = state.take_requests();
    let Some(request) = requests.iter().find_map(|r| match r {
        Request::File(request) => Some(request),
        _ => None,
    }) else {
        panic!("a file request: {requests:?}");
    };
    assert!(
        matches!(request, FileRequest::SavePng { frame: 1, .. }),
        "the shown frame: {request:?}"
    );
    let event = nsgf::app::workers::run_file_request(request.clone());
    assert!(
        matches!(&event, WorkerEvent::Saved { message } if message.contains("frame.png")),
        "{event:?}"
    );
    let image = tiny_skia::Pixmap::load_png(&path).expect("a PNG");
    assert_eq!((image.width(), image.height()), (200, 200));

    let mut empty = AppState::new(FlowSettings::default());
    empty.take_requests();
    empty.apply(FileCommand::SavePng);
    assert!(empty.error().is_some_and(|e| e.contains("no frames")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_distilled_generator_learns_from_the_shown_model_and_jumps_in_one_frame() {
    use nsgf::model::{Method, OneStepMode, TrainConfig};
    let mut state = AppState::new(FlowSettings {
        particles: 120,
        ..FlowSettings::default()
    });
    state.take_requests();
    feed_particle_frames(&mut state, 41);
    let tiny = |method| TrainConfig {
        particles: 64,
        iterations: 3,
        adam_steps: 3,
        batch_size: 64,
        hidden_width: 16,
        hidden_layers: 1,
        eval_samples: 50,
        ..TrainConfig::defaults_for(method)
    };
    let distilled = TrainConfig {
        onestep_mode: OneStepMode::Distilled,
        ..tiny(Method::OneStep)
    };
    // No model to learn from yet: a message, and no run.
    state.apply(TrainCommand::SetMethod(Method::OneStep));
    state.apply(TrainCommand::SetTrainConfig(distilled.clone()));
    state.apply(TrainCommand::Train);
    assert!(
        state.error().unwrap_or("").contains("train one first"),
        "{:?}",
        state.error()
    );
    assert!(
        state
            .take_requests()
            .iter()
            .all(|r| !matches!(r, Request::Train(_)))
    );
    state.apply(nsgf::app::state::Command::DismissError);

    // An NSGF teacher, then the student learns from it.
    state.apply(TrainCommand::SetMethod(Method::Nsgf));
    state.apply(TrainCommand::SetTrainConfig(tiny(Method::Nsgf)));
    state.apply(TrainCommand::Train);
    run_training_job(&mut state);
    state.apply(TrainCommand::SetNfe(Some(7)));
    state.apply(TrainCommand::SetMethod(Method::OneStep));
    state.apply(TrainCommand::SetTrainConfig(distilled));
    state.apply(TrainCommand::Train);
    let teacher_method = state.take_requests().iter().find_map(|r| match r {
        Request::Train(job) => Some(job.teacher.as_ref().map(|t| t.method)),
        _ => None,
    });
    assert_eq!(teacher_method, Some(Some(Method::Nsgf)));
    // Run it (the queue was taken: queue it again).
    state.apply(TrainCommand::CancelTraining);
    state.on_event(WorkerEvent::TrainFinished {
        generation: state.training().running().unwrap().generation,
        result: Err(JobError::Cancelled),
    });
    state.apply(TrainCommand::Train);
    run_training_job(&mut state);
    assert!(state.error().is_none(), "{:?}", state.error());
    let model = state.training().model().expect("the generator");
    assert_eq!(model.method, Method::OneStep);
    assert_eq!(model.guide.as_ref().map(|g| g.method), Some(Method::Nsgf));
    // The NFE chosen for NSGF is lowered to the generator's one evaluation.
    assert_eq!(state.effective_nfe(), Some(1));
    run_learned_job(&mut state);
    let trajectory = &state.learned().flow().expect("sampled").trajectory;
    assert_eq!(trajectory.kind(), nsgf::flow::FlowKind::OneStep);
    assert_eq!((trajectory.len(), trajectory.nfe()), (2, 1));
    assert_eq!(state.view(), FlowView::Learned);
    // Distilling from a one-step model is refused with the reason.
    state.apply(TrainCommand::Train);
    assert!(
        state
            .error()
            .unwrap_or("")
            .contains("is a one-step generator"),
        "{:?}",
        state.error()
    );
}

#[test]
fn the_digits_flow_steps_on_the_apps_gpu_when_it_computes_there() {
    use nsgf::app::jobs::{FlowRequest, Request, WorkerEvent};
    use nsgf::app::workers::{DigitsCompute, SharedDevice, Workers, digits_kernels_on};
    use nsgf::gpu::test_support::{device_or_skip, serial_gpu_test};
    use std::time::{Duration, Instant};
    let _gpu = serial_gpu_test();
    let Some((device, queue, adapter)) = device_or_skip() else {
        return;
    };
    let shared = SharedDevice {
        device,
        queue,
        adapter,
        compute_shaders: true,
    };
    let gpu_name = digits_kernels_on(Some(&shared), DigitsCompute::AnyGpu).name();
    let cpu_name = digits_kernels_on(Some(&shared), DigitsCompute::Cpu).name();
    assert!(gpu_name.starts_with("gpu d-dim"), "{gpu_name}");
    assert!(cpu_name.starts_with("cpu"), "{cpu_name}");
    // The main view's particle flow to the digits, on eframe's device and on the CPU.
    let flow_on = |compute: DigitsCompute| {
        let workers =
            Workers::start_with(std::sync::Arc::new(|| {}), Some(shared.clone()), compute)
                .expect("workers start");
        workers.dispatch(Request::Flow(FlowRequest {
            generation: 1,
            source: Distribution::StandardNormal { dim: 64 },
            target: Distribution::Digits,
            particles: 64,
            seed: 3,
            config: nsgf::model::TrainConfig::defaults_for_dim(nsgf::model::Method::Nsgf, 64).flow,
            solver: nsgf::flow::FlowSolver::Exact,
            grid_cells: 12,
            cancel: nsgf::job::CancelToken::new(),
        }));
        let started = Instant::now();
        let mut frames = Vec::new();
        loop {
            assert!(started.elapsed() < Duration::from_mins(5), "no flow came");
            for event in workers.poll() {
                match event {
                    WorkerEvent::FlowFrame { frame, .. } => frames.push(frame),
                    WorkerEvent::FlowFinished { .. } => return frames,
                    WorkerEvent::FlowFailed { error, .. } => panic!("{}", error.describe()),
                    _ => {}
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    let on_gpu = flow_on(DigitsCompute::AnyGpu);
    let on_cpu = flow_on(DigitsCompute::Cpu);
    println!("digits flow: {gpu_name} against {cpu_name}");
    assert_eq!(on_gpu.len(), on_cpu.len());
    assert_eq!(on_cpu.len(), 11);
    let last = |frames: &[nsgf::flow::Frame]| frames.last().unwrap().positions.clone();
    let gap = last(&on_gpu)
        .coords()
        .iter()
        .zip(last(&on_cpu).coords())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0_f64, f64::max);
    // The flow moved the particles by far more than the two kernels (f32 on the GPU, f64 on the
    // CPU) drift apart over its 10 steps; and they do differ, so the GPU computed.
    let moved = on_cpu[0]
        .positions
        .coords()
        .iter()
        .zip(last(&on_cpu).coords())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0_f64, f64::max);
    println!("largest coordinate gap after the flow: {gap:.2e} (the particles moved {moved:.2})");
    assert!(
        gap > 0.0,
        "the GPU flow is the CPU's bit for bit: it did not run on the GPU"
    );
    assert!(gap < 2e-2 && gap < 1e-2 * moved, "{gap:e} vs {moved}");
}

/// Every method's W2 curve grows while it trains: the progress the training worker forwards
/// carries W2 checkpoints before the run ends, and the app's curve holds them (two or more
/// points, so the chart draws a line, not an axis alone).
#[test]
fn every_methods_w2_curve_grows_while_it_trains() {
    use nsgf::model::{Method, OneStepMode, TrainConfig};
    for method in Method::ALL {
        let mut state = AppState::new(FlowSettings {
            particles: 80,
            ..FlowSettings::default()
        });
        state.take_requests();
        feed_particle_frames(&mut state, 41);
        state.apply(TrainCommand::SetMethod(method));
        let config = TrainConfig {
            particles: 48,
            iterations: 4,
            adam_steps: 2,
            // Two units of the straight flow.
            straight_iterations: 2 * nsgf::model::STRAIGHT_STEPS_PER_UNIT,
            hidden_width: 16,
            hidden_layers: 1,
            eval_samples: 40,
            eval_every: 1,
            onestep_mode: OneStepMode::Direct,
            ..state.training().config().clone()
        };
        state.apply(TrainCommand::SetTrainConfig(config));
        state.apply(TrainCommand::Train);
        let mut reports = Vec::new();
        let (generation, result) =
            train_queued_job(&mut state, &mut |progress| reports.push(progress.clone()));
        for progress in reports {
            state.on_event(WorkerEvent::TrainProgress {
                generation,
                progress,
            });
        }
        let while_training = state.training().w2_curve().len();
        assert!(
            while_training >= 2,
            "{method:?}: {while_training} W2 checkpoint(s) reached the curve while training"
        );
        state.on_event(WorkerEvent::TrainFinished { generation, result });
        assert!(state.error().is_none(), "{method:?}: {:?}", state.error());
        assert!(
            state.training().w2_curve().len() >= 2,
            "{method:?}: the trained model keeps its curve"
        );
        assert!(
            state
                .training()
                .w2_curve()
                .iter()
                .all(|[_, w2]| w2.is_finite() && *w2 > 0.0)
        );
    }
}

/// The defaults the app trains with take W2 checkpoints often enough to draw a curve: at
/// least two in the stage that has them, for every method, on the desktop, in the browser's
/// lighter preset, and in 64 dimensions.
#[test]
fn every_methods_defaults_checkpoint_w2_at_least_twice() {
    use nsgf::model::{Method, TrainConfig};
    for method in Method::ALL {
        let configs = [
            ("desktop", TrainConfig::defaults_for(method)),
            ("64-D", TrainConfig::defaults_for_dim(method, 64)),
            (
                "browser",
                nsgf::app::platform::browser_train_config(TrainConfig::defaults_for(method)),
            ),
        ];
        for (setting, config) in configs {
            // NSGF++ checkpoints in its straight stage, in units of Adam steps; the others in
            // their one stage, an outer iteration a unit. Every `eval_every`-th unit and the
            // last one take a checkpoint.
            let units = match method {
                Method::NsgfPp => config
                    .straight_iterations
                    .div_ceil(nsgf::model::STRAIGHT_STEPS_PER_UNIT),
                _ => config.iterations,
            };
            assert!(
                config.eval_every > 0 && units.div_ceil(config.eval_every) >= 2,
                "{method:?} ({setting}): a checkpoint every {} of {units} units",
                config.eval_every
            );
        }
    }
}
