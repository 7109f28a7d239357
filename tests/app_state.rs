//! The app's state logic without a window: commands, worker events, the timeline, draw mode with
//! undo, staleness inputs, readouts and error paths. Worker results are fed in by hand.

use nsgf::Point;
use nsgf::app::drawing::Brush;
use nsgf::app::jobs::{
    Extent, FileJob, FlowKind, Job, LearnedFrames, MetricsKey, RecordedFrame, WorkerEvent,
};
use nsgf::app::state::{
    AppState, Command, DRAWN_LABEL, FlowSettings, FlowView, Readout, TargetChoice,
};
use nsgf::data::{Distribution, Preset};
use std::sync::Arc;

fn flow_jobs(state: &mut AppState) -> Vec<nsgf::app::jobs::FlowJob> {
    state
        .take_jobs()
        .into_iter()
        .filter_map(|job| match job {
            Job::Flow(job) => Some(job),
            _ => None,
        })
        .collect()
}

fn frame(step: usize, x: f64) -> RecordedFrame {
    RecordedFrame {
        step,
        t: step as f64 / 10.0,
        particles: Arc::new(vec![[x, 0.0], [x, 1.0]]),
        displacements: Arc::new(vec![[0.1, 0.0]; 2]),
        grid_displacements: Arc::new(Vec::new()),
        grid: Arc::new(Vec::new()),
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
        generation: job.generation,
        source: Arc::new(vec![[0.0, 0.0]; 2]),
        target: Arc::new(vec![[1.0, 1.0]; 2]),
        colors: Arc::new(vec![[255, 0, 0]; 2]),
        extent: Extent {
            min: [-1.0, -1.0],
            max: [2.0, 2.0],
        },
    });
    for step in 0..frames {
        state.on_event(WorkerEvent::FlowFrame {
            generation: job.generation,
            frame: frame(step, step as f64),
        });
    }
    if finished {
        state.on_event(WorkerEvent::FlowFinished {
            generation: job.generation,
        });
    }
    state.take_jobs();
    state
}

#[test]
fn opens_on_gaussian_to_moons_with_1000_particles_ready_to_play() {
    let mut state = AppState::new(FlowSettings::default());
    assert!(!state.playback.playing);
    assert_eq!(state.view, FlowView::Particle);
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
    let old_generation = state.particle.generation;
    state.apply(Command::SetTarget(TargetChoice::Preset(
        Preset::Checkerboard,
    )));
    let jobs = flow_jobs(&mut state);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].target, Distribution::Preset(Preset::Checkerboard));
    assert!(state.particle.frames.is_empty());
    // A late frame of the superseded flow is ignored.
    state.on_event(WorkerEvent::FlowFrame {
        generation: old_generation,
        frame: frame(3, 3.0),
    });
    assert!(state.particle.frames.is_empty());
    // Picking the same preset again starts nothing.
    state.apply(Command::SetTarget(TargetChoice::Preset(
        Preset::Checkerboard,
    )));
    assert!(flow_jobs(&mut state).is_empty());
}

#[test]
fn new_samples_bumps_the_seed() {
    let mut state = state_with_frames(1, true);
    state.apply(Command::NewSamples);
    let jobs = flow_jobs(&mut state);
    assert_eq!(jobs[0].seed, 1);
    state.apply(Command::SetParticles(0));
    assert_eq!(state.settings.particles, 1, "n is clamped to at least 1");
}

#[test]
fn play_advances_and_stops_at_the_end() {
    let mut state = state_with_frames(5, true);
    state.apply(Command::SetSpeed(10.0));
    state.apply(Command::Play);
    state.apply(Command::Tick(0.25));
    assert_eq!(state.playback.position, 2);
    for _ in 0..20 {
        state.apply(Command::Tick(0.25));
    }
    assert_eq!(state.playback.position, 4);
    assert!(!state.playback.playing);
}

#[test]
fn step_moves_exactly_one_frame_and_pauses() {
    let mut state = state_with_frames(5, true);
    state.apply(Command::Play);
    state.apply(Command::StepForward);
    assert!(!state.playback.playing);
    assert_eq!(state.playback.position, 1);
    state.apply(Command::StepForward);
    state.apply(Command::StepBack);
    assert_eq!(state.playback.position, 1);
    state.apply(Command::Seek(4));
    state.apply(Command::StepForward);
    assert_eq!(state.playback.position, 4, "no frame beyond the last");
    state.apply(Command::Reset);
    assert_eq!(state.playback.position, 0);
}

#[test]
fn playback_waits_for_frames_still_being_computed() {
    let mut state = state_with_frames(2, false);
    state.apply(Command::SetSpeed(60.0));
    state.apply(Command::Play);
    state.apply(Command::Tick(1.0));
    assert_eq!(state.playback.position, 1);
    assert!(
        state.playback.playing,
        "keeps playing while frames are coming"
    );
    assert!(state.work_pending());
}

#[test]
fn drawing_makes_a_drawn_target_and_undo_restores_it() {
    let mut state = state_with_frames(2, true);
    state.apply(Command::SetDrawMode(true));
    state.apply(Command::SetBrush(Brush {
        radius: 0.2,
        density: 5,
    }));
    state.apply(Command::BeginStroke);
    state.apply(Command::StrokeAt([1.0, 1.0]));
    state.apply(Command::StrokeAt([2.0, 1.0]));
    assert!(
        flow_jobs(&mut state).is_empty(),
        "no restart in the middle of a stroke"
    );
    state.apply(Command::EndStroke);
    assert_eq!(state.drawn.points().len(), 10);
    assert_eq!(state.settings.target, TargetChoice::Drawn);
    let jobs = flow_jobs(&mut state);
    assert_eq!(jobs.len(), 1);
    match &jobs[0].target {
        Distribution::Points { label, points } => {
            assert_eq!(label, DRAWN_LABEL);
            assert_eq!(points.len(), 10);
        }
        other => panic!("expected a drawn target, got {other:?}"),
    }

    state.apply(Command::BeginStroke);
    state.apply(Command::StrokeAt([-1.0, -1.0]));
    state.apply(Command::EndStroke);
    assert_eq!(state.drawn.points().len(), 15);
    state.apply(Command::UndoDrawn);
    assert_eq!(state.drawn.points().len(), 10);

    state.apply(Command::SetEraser(true));
    state.apply(Command::BeginStroke);
    state.apply(Command::StrokeAt([1.0, 1.0]));
    state.apply(Command::EndStroke);
    assert_eq!(
        state.drawn.points().len(),
        5,
        "the eraser removes the first dab"
    );
    state.apply(Command::ClearDrawn);
    assert!(state.drawn.is_empty());
    assert!(
        state.particle.failure.is_some(),
        "an empty drawn target cannot flow"
    );
    state.apply(Command::UndoDrawn);
    assert_eq!(state.drawn.points().len(), 5);
}

#[test]
fn an_empty_stroke_starts_nothing() {
    let mut state = state_with_frames(2, true);
    state.apply(Command::SetDrawMode(true));
    state.apply(Command::SetEraser(true));
    state.apply(Command::BeginStroke);
    state.apply(Command::StrokeAt([0.0, 0.0]));
    state.apply(Command::EndStroke);
    assert!(flow_jobs(&mut state).is_empty());
    assert_eq!(state.drawn.undo_depth(), 0);
}

#[test]
fn a_loaded_point_set_becomes_the_drawn_target() {
    let mut state = state_with_frames(1, true);
    state.apply(Command::LoadPoints);
    assert!(matches!(
        state.take_jobs().as_slice(),
        [Job::File(FileJob::LoadPoints)]
    ));
    let points: Vec<Point> = vec![[0.0, 0.0], [1.0, 2.0], [3.0, -1.0]];
    state.on_event(WorkerEvent::PointsLoaded {
        label: "blob.csv".into(),
        points: points.clone(),
    });
    assert_eq!(state.drawn.points(), points.as_slice());
    assert_eq!(state.settings.target, TargetChoice::Drawn);
    assert_eq!(flow_jobs(&mut state).len(), 1);
}

#[test]
fn bad_files_show_a_message_and_keep_the_target() {
    let mut state = state_with_frames(1, true);
    state.on_event(WorkerEvent::FileFailed {
        message: "bad.csv:3: expected two numbers".into(),
    });
    assert_eq!(
        state.error.as_deref(),
        Some("bad.csv:3: expected two numbers")
    );
    assert_eq!(state.settings.target, TargetChoice::Preset(Preset::Moons));
    state.on_event(WorkerEvent::PointsLoaded {
        label: "empty.csv".into(),
        points: Vec::new(),
    });
    assert_eq!(state.settings.target, TargetChoice::Preset(Preset::Moons));
    assert!(state.error.as_deref().unwrap_or("").contains("empty.csv"));
    state.apply(Command::DismissError);
    assert!(state.error.is_none());
    state.on_event(WorkerEvent::DialogCancelled);
    assert!(state.error.is_none(), "a cancelled dialog is not an error");
}

#[test]
fn saving_an_empty_drawing_or_a_missing_model_is_a_message() {
    let mut state = state_with_frames(1, true);
    state.apply(Command::SavePoints);
    assert!(state.error.is_some());
    state.apply(Command::DismissError);
    state.apply(Command::SaveModel);
    assert!(state.error.is_some());
    assert!(
        state
            .take_jobs()
            .iter()
            .all(|job| !matches!(job, Job::File(_)))
    );
}

#[test]
fn a_failed_flow_or_training_is_a_message_not_a_panic() {
    let mut state = state_with_frames(2, false);
    let generation = state.particle.generation;
    state.on_event(WorkerEvent::FlowFailed {
        generation,
        message: "GPU backend: device lost".into(),
    });
    assert!(state.error.as_deref().unwrap_or("").contains("device lost"));
    assert!(!state.supply().more_coming);

    state.apply(Command::Train);
    let train_generation = state
        .take_jobs()
        .into_iter()
        .find_map(|job| match job {
            Job::Train(job) => Some(job.generation),
            _ => None,
        })
        .expect("train queues a job");
    state.apply(Command::Train);
    assert!(
        state.take_jobs().is_empty(),
        "a second Train while running starts nothing"
    );
    state.on_event(WorkerEvent::TrainFinished {
        generation: train_generation,
        result: Err("training diverged: the loss became NaN at iteration 3".into()),
    });
    assert!(state.training.running.is_none());
    assert!(state.training.model.is_none());
    assert!(state.error.as_deref().unwrap_or("").contains("diverged"));
}

#[test]
fn cancelling_training_sets_the_flag_and_keeps_no_error() {
    let mut state = state_with_frames(1, true);
    state.apply(Command::Train);
    let job = state
        .take_jobs()
        .into_iter()
        .find_map(|job| match job {
            Job::Train(job) => Some(job),
            _ => None,
        })
        .expect("train queues a job");
    state.apply(Command::CancelTraining);
    assert!(job.cancel.load(std::sync::atomic::Ordering::Relaxed));
    state.on_event(WorkerEvent::TrainFinished {
        generation: job.generation,
        result: Err("training cancelled".into()),
    });
    assert!(state.error.is_none());
    assert!(state.training.running.is_none());
}

#[test]
fn readouts_are_requested_for_the_shown_frame_and_filled_by_the_worker() {
    let mut state = state_with_frames(3, true);
    state.apply(Command::Seek(2));
    let metrics: Vec<_> = state
        .take_jobs()
        .into_iter()
        .filter_map(|job| match job {
            Job::Metrics(job) => Some(job),
            _ => None,
        })
        .collect();
    let job = metrics.last().expect("a readout of the shown frame");
    assert_eq!(job.key.frame, 2);
    assert_eq!(job.particles.len(), 2);
    assert_eq!(
        state.readouts(FlowKind::Particle).map(|r| &r.w2),
        Some(&Readout::Pending)
    );
    state.on_event(WorkerEvent::Metrics {
        key: job.key,
        divergence: Ok(0.25),
        w2: None,
    });
    let readouts = state.readouts(FlowKind::Particle).expect("filled");
    assert_eq!(readouts.divergence, Readout::Value(0.25));
    assert!(matches!(readouts.w2, Readout::Unavailable(_)));
    // Seeking back to frame 2 later asks for nothing new.
    state.apply(Command::Seek(0));
    state.take_jobs();
    state.apply(Command::Seek(2));
    assert!(state.take_jobs().is_empty());
}

#[test]
fn a_skipped_readout_is_requested_again() {
    let mut state = state_with_frames(3, true);
    state.take_jobs();
    let key = MetricsKey {
        kind: FlowKind::Particle,
        generation: state.particle.generation,
        frame: 0,
    };
    state.on_event(WorkerEvent::MetricsSkipped { key });
    let again = state
        .take_jobs()
        .into_iter()
        .any(|job| matches!(job, Job::Metrics(job) if job.key == key));
    assert!(again);
}

#[test]
fn split_view_shows_both_flows_at_the_same_step() {
    let mut state = state_with_frames(6, true);
    state.apply(Command::SetView(FlowView::Split));
    assert_eq!(
        state.shown_kinds(),
        &[FlowKind::Particle, FlowKind::Learned]
    );
    assert_eq!(state.shown_index(FlowKind::Learned), None);
    state.apply(Command::Seek(4));
    assert_eq!(state.shown_index(FlowKind::Particle), Some(4));
    // A learned trajectory is dropped unless it belongs to the current sampling job.
    state.on_event(WorkerEvent::LearnedReady {
        generation: 999,
        trajectory: LearnedFrames {
            frames: vec![frame(0, 0.0)],
            phase_boundary: None,
            nfe: 0,
            colors: Arc::new(Vec::new()),
        },
    });
    assert!(state.learned.trajectory.is_none());
}

#[test]
fn changing_a_hyperparameter_or_method_is_recorded() {
    let mut state = state_with_frames(1, true);
    let mut config = state.training.config.clone();
    config.iterations += 1;
    state.apply(Command::SetTrainConfig(config.clone()));
    assert_eq!(state.training.config, config);
    state.apply(Command::SetMethod(nsgf::model::Method::NsgfPp));
    assert_eq!(state.training.config.method, nsgf::model::Method::NsgfPp);
    assert!(state.training.config.flow.steps <= 5);
    assert!(!state.training.stale, "no model, nothing stale");
}
