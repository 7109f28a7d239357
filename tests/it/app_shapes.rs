//! Pictures and words in the app's data-source menu, without a window: typing a word changes
//! the target at once, a picture opened or dropped becomes the target with its invert switch and
//! threshold, bad ones are messages that keep the target, and scenes bring picture sources.

use nsgf::app::jobs::{FileRequest, FlowRequest, Request, WorkerEvent};
use nsgf::app::state::{
    AppState, FileCommand, FlowSettings, ShapeCommand, SourceChoice, TargetChoice,
};
use nsgf::app::workers::{open_dropped_bytes, run_file_request};
use nsgf::data::{Distribution, PictureOptions, Preset};
use nsgf::scene::{Scene, SceneTarget};
use std::path::{Path, PathBuf};

fn asset(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn flow_jobs(state: &mut AppState) -> Vec<FlowRequest> {
    state
        .take_requests()
        .into_iter()
        .filter_map(|job| match job {
            Request::Flow(job) => Some(job),
            _ => None,
        })
        .collect()
}

#[test]
fn typing_a_word_makes_it_the_target_and_a_bad_word_keeps_it() {
    let mut state = AppState::new(FlowSettings::default());
    flow_jobs(&mut state);
    for text in ["N", "NS", "NSg"] {
        state.apply(ShapeCommand::SetWord(text.into()));
        let jobs = flow_jobs(&mut state);
        assert_eq!(jobs.len(), 1, "each keystroke restarts the flow");
        assert!(
            matches!(&jobs[0].target, Distribution::Word { text: t, .. } if t == text),
            "{text}"
        );
    }
    assert_eq!(state.settings().target, TargetChoice::Shape);
    assert_eq!(state.target_label(), "text:NSg");
    for bad in ["", "   ", "\u{1F600}"] {
        state.apply(ShapeCommand::SetWord(bad.into()));
        assert!(flow_jobs(&mut state).is_empty(), "{bad:?} changed the flow");
        let error = state.error().unwrap_or_default().to_string();
        assert!(error.contains("the current target is kept"), "{error}");
        assert_eq!(state.target_label(), "text:NSg");
        assert_eq!(state.shapes().word(), bad, "the box keeps what was typed");
    }
    state.apply(ShapeCommand::SetWord("ok".into()));
    assert!(state.error().is_none(), "a good word clears the error");
    // The word rides in the scene as its text.
    assert_eq!(
        state.scene().target,
        SceneTarget::Word { text: "ok".into() }
    );
}

#[test]
fn an_opened_picture_becomes_the_target_with_its_options() {
    let mut state = AppState::new(FlowSettings::default());
    flow_jobs(&mut state);
    state.apply(FileCommand::LoadPicture);
    assert!(matches!(
        state.take_requests().as_slice(),
        [Request::File(FileRequest::LoadPicture(None))]
    ));
    // The files worker reads and decodes it.
    let event = run_file_request(FileRequest::LoadPicture(Some(asset(
        "assets/pictures/star.png",
    ))));
    assert!(matches!(event, WorkerEvent::PictureLoaded { .. }));
    state.on_event(event);
    assert_eq!(state.settings().target, TargetChoice::Shape);
    assert_eq!(state.target_label(), "image:star.png");
    let jobs = flow_jobs(&mut state);
    assert!(matches!(&jobs[..], [job] if matches!(job.target, Distribution::Picture { .. })));
    state.apply(ShapeCommand::SetPictureOptions(PictureOptions {
        invert: true,
        threshold: 0.05,
    }));
    assert_eq!(state.target_label(), "image:star.png,invert");
    assert_eq!(flow_jobs(&mut state).len(), 1);
    state.apply(ShapeCommand::SetPictureOptions(PictureOptions::default()));
    assert_eq!(state.target_label(), "image:star.png");
    assert_eq!(flow_jobs(&mut state).len(), 1);
    // A picture with no mass (all white) is an error that keeps the shown picture.
    let mut white = Vec::new();
    image::GrayImage::from_pixel(20, 10, image::Luma([255]))
        .write_to(
            &mut std::io::Cursor::new(&mut white),
            image::ImageFormat::Png,
        )
        .unwrap();
    state.on_event(open_dropped_bytes(&white, Path::new("white.png")).unwrap());
    let error = state.error().unwrap_or_default().to_string();
    assert!(
        error.contains("white.png") && error.contains("no mass"),
        "{error}"
    );
    assert_eq!(state.target_label(), "image:star.png");
    let jobs = flow_jobs(&mut state);
    assert!(
        jobs.is_empty(),
        "{:?}",
        jobs.iter().map(|j| j.target.label()).collect::<Vec<_>>()
    );
    // The target's shape can become the source.
    state.apply(ShapeCommand::TargetAsSource);
    assert_eq!(state.settings().source, SourceChoice::Shape);
    assert_eq!(state.source_label(), "image:star.png");
    assert!(matches!(state.scene().source, SceneTarget::Picture { .. }));
}

#[test]
fn a_dropped_picture_is_told_apart_by_its_bytes_and_a_broken_one_is_refused() {
    let bytes = std::fs::read(asset("assets/pictures/moon.png")).unwrap();
    let event = open_dropped_bytes(&bytes, Path::new("moon.png")).expect("a picture");
    let WorkerEvent::PictureLoaded { mass } = &event else {
        panic!("not read as a picture");
    };
    assert!(mass.from_alpha);
    let mut state = AppState::new(FlowSettings::default());
    state.on_event(event);
    assert_eq!(state.target_label(), "image:moon.png");
    let Err(error) = open_dropped_bytes(&bytes[..bytes.len() / 2], Path::new("half.png")) else {
        panic!("a truncated picture is an error");
    };
    let text = nsgf::job::describe(&error);
    assert!(
        text.contains("half.png") && text.contains("truncated"),
        "{text}"
    );
    // CSV still reads as points.
    assert!(matches!(
        open_dropped_bytes(b"0,1\n2,3\n", Path::new("a.csv")),
        Ok(WorkerEvent::PointsLoaded { .. })
    ));
}

#[test]
fn the_shipped_picture_scene_opens_with_picture_source_and_target() {
    let path = asset("assets/scenes/star-to-moon.json");
    let scene = Scene::load(&path).unwrap();
    let mut state = AppState::new(FlowSettings::default());
    flow_jobs(&mut state);
    state.open_scene(scene.clone(), &path);
    assert_eq!(state.settings().source, SourceChoice::Shape);
    assert_eq!(state.settings().target, TargetChoice::Shape);
    let jobs = flow_jobs(&mut state);
    let [job] = &jobs[..] else {
        panic!("one flow");
    };
    assert!(
        matches!(&job.source, Distribution::Picture { label, .. } if label == "image:star.png")
    );
    assert!(
        matches!(&job.target, Distribution::Picture { label, .. } if label == "image:moon.png")
    );
    // Saving it again keeps both pictures as they were.
    let again = state.scene();
    assert_eq!(again.source, scene.source);
    assert_eq!(again.target, scene.target);
    // Back to a preset source.
    state.apply(nsgf::app::state::InputCommand::SetSource(Preset::Gaussian));
    assert_eq!(
        state.source_distribution(),
        Distribution::Preset(Preset::Gaussian)
    );
}
