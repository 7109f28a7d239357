//! Scene files: the shipped scenes load, a scene survives a round trip through its file, bad
//! files are errors naming the file and the value, and the app opens a scene into the same state.

// The app's half of these tests (opening, saving, the `--scene` window) needs the `app` feature;
// the shipped scenes' round trip runs without it.
#[cfg(feature = "app")]
use nsgf::app::jobs::{FileRequest, Request, WorkerEvent};
#[cfg(feature = "app")]
use nsgf::app::state::{
    AppState, DrawCommand, FileCommand, FlowSettings, Overlays, TargetChoice, TrainCommand,
    ViewCommand,
};
#[cfg(feature = "app")]
use nsgf::app::workers::run_file_request;
#[cfg(feature = "app")]
use nsgf::data::Preset;
#[cfg(feature = "app")]
use nsgf::model::Method;
#[cfg(feature = "app")]
use nsgf::scene::SceneTarget;
use nsgf::scene::{SCENE_FORMAT_VERSION, Scene};
use std::path::{Path, PathBuf};

#[cfg(feature = "app")]
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nsgf-scenes-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn shipped() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
    paths.sort();
    paths
}

#[test]
fn every_shipped_scene_loads_and_round_trips() {
    let paths = shipped();
    assert!(paths.len() >= 3, "{paths:?}");
    for path in paths {
        let scene = Scene::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(scene.format_version, SCENE_FORMAT_VERSION);
        assert!(!scene.title.is_empty(), "{} has a title", path.display());
        let again = Scene::from_json(&scene.to_json(), &path).unwrap();
        assert_eq!(again, scene, "{}", path.display());
    }
}

#[cfg(feature = "app")]
/// Runs the file requests `state` queued, feeding their events back; returns how many ran.
fn run_file_requests(state: &mut AppState) -> usize {
    let mut ran = 0;
    for request in state.take_requests() {
        if let Request::File(request) = request {
            let event = run_file_request(request);
            state.on_event(event);
            ran += 1;
        }
    }
    ran
}

#[cfg(feature = "app")]
#[test]
fn the_app_saves_and_opens_a_scene_into_the_same_state() {
    let dir = scratch("app");
    let mut state = AppState::new(FlowSettings::default());
    state.take_requests();
    // A drawn target, NSGF++, other overlays and parameters.
    state.apply(DrawCommand::SetDrawMode(true));
    state.apply(DrawCommand::BeginStroke);
    for i in 0..40 {
        state.apply(DrawCommand::StrokeAt([-2.0 + 0.1 * f64::from(i), 0.5]));
    }
    state.apply(DrawCommand::EndStroke);
    state.apply(TrainCommand::SetMethod(Method::NsgfPp));
    state.apply(ViewCommand::SetOverlays(Overlays {
        trails: true,
        grid_arrows: true,
        ..Overlays::default()
    }));
    let mut flow = state.settings().flow;
    flow.sinkhorn.blur = 0.12;
    state.apply(nsgf::app::state::InputCommand::SetFlowConfig(flow));
    state.apply(nsgf::app::state::InputCommand::SetSeed(42));
    state.take_requests();
    let saved = state.scene();
    assert!(matches!(&saved.target, SceneTarget::Points { points, .. } if !points.is_empty()));

    let path = dir.join("my scene.json");
    state.apply(FileCommand::SaveSceneTo(path.clone()));
    assert_eq!(run_file_requests(&mut state), 1);
    assert!(
        state
            .status()
            .is_some_and(|s| s.contains("saved the scene")),
        "{:?}",
        state.error()
    );

    let mut fresh = AppState::new(FlowSettings::default());
    fresh.take_requests();
    fresh.apply(FileCommand::OpenSceneFrom(path.clone()));
    assert_eq!(run_file_requests(&mut fresh), 1);
    assert!(fresh.error().is_none(), "{:?}", fresh.error());
    assert!(fresh.status().is_some_and(|s| s.contains("opened scene")));
    assert_eq!(fresh.scene(), saved, "the same setup");
    assert_eq!(fresh.settings().target, TargetChoice::Drawn);
    assert_eq!(fresh.settings().seed, 42);
    assert_eq!(fresh.training().config().method, Method::NsgfPp);
    assert!(fresh.overlays().trails && fresh.overlays().grid_arrows);
    assert!(
        fresh
            .queued_requests()
            .iter()
            .any(|r| matches!(r, Request::Flow(_))),
        "the flow starts again on the opened scene"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "app")]
#[test]
fn a_scene_naming_a_model_loads_it_from_beside_the_scene() {
    let scene = Scene {
        model: Some(PathBuf::from("models/moons.json")),
        ..AppState::new(FlowSettings::default()).scene()
    };
    assert_eq!(
        scene.model_path(Path::new("/data/scenes/a.json")),
        Some(PathBuf::from("/data/scenes/models/moons.json"))
    );
    let mut state = AppState::new(FlowSettings::default());
    state.take_requests();
    state.open_scene(scene, Path::new("/data/scenes/a.json"));
    assert!(state.queued_requests().iter().any(|r| matches!(
        r,
        Request::File(FileRequest::LoadModel(Some(p))) if p == Path::new("/data/scenes/models/moons.json")
    )));
}

#[cfg(feature = "app")]
#[test]
fn bad_scene_files_name_the_file_and_the_value() {
    let dir = scratch("bad");
    let good = AppState::new(FlowSettings::default()).scene().to_json();
    let cases = [
        (
            "syntax.json",
            "{ \"format_version\": 1,\n  oops }".to_string(),
            "not a valid scene file",
        ),
        (
            "foreign.json",
            "{\"name\": \"x\"}".to_string(),
            "no format_version",
        ),
        (
            "future.json",
            good.replace("\"format_version\": 1", "\"format_version\": 7"),
            "scene format version 7",
        ),
        (
            "zero.json",
            good.replace("\"particles\": 1000", "\"particles\": 0"),
            "particles must be at least 1",
        ),
        (
            "blur.json",
            good.replacen("\"blur\": 0.05", "\"blur\": -1.0", 1),
            "flow: blur must be",
        ),
        (
            "preset.json",
            good.replace("\"moons\"", "\"lemons\""),
            "not a valid scene file",
        ),
        (
            "empty.json",
            good.replace(
                "{\n    \"kind\": \"preset\",\n    \"name\": \"moons\"\n  }",
                "{\"kind\": \"points\", \"label\": \"x\", \"points\": []}",
            ),
            "the target holds no points",
        ),
        (
            "huge.json",
            good.replace("\"particles\": 1000", "\"particles\": 99999999999"),
            "particles",
        ),
    ];
    for (name, text, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let error = Scene::load(&path).expect_err(name);
        let message = format!("{error}");
        assert!(message.contains(name), "{name}: {message}");
        assert!(message.contains(needle), "{name}: {message}");
    }
    // The app says so and keeps its setup.
    let mut state = AppState::new(FlowSettings::default());
    state.take_requests();
    let before = state.scene();
    state.apply(FileCommand::OpenSceneFrom(dir.join("zero.json")));
    run_file_requests(&mut state);
    assert!(
        state.error().is_some_and(|e| e.contains("zero.json")),
        "{:?}",
        state.error()
    );
    assert_eq!(state.scene(), before);
    let missing = run_file_request(FileRequest::OpenScene(Some(dir.join("missing.json"))));
    assert!(
        matches!(missing, WorkerEvent::FileFailed { .. }),
        "{missing:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "app")]
#[test]
fn a_preset_scene_opens_with_its_target() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/8gaussians-nsgfpp.json");
    let scene = Scene::load(&path).unwrap();
    let mut state = AppState::new(FlowSettings::default());
    state.open_scene(scene, &path);
    assert_eq!(
        state.settings().target,
        TargetChoice::Preset(Preset::EightGaussians)
    );
    assert_eq!(state.training().config().method, Method::NsgfPp);
}

#[cfg(feature = "app")]
#[test]
fn nsgf_scene_refuses_a_bad_file_before_opening_a_window() {
    let dir = scratch("cli");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"format_version\": 2}").unwrap();
    let bad = bad.to_str().unwrap();
    for args in [vec!["--scene", bad], vec!["app", "--scene", bad]] {
        let output = crate::support::nsgf(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("bad.json: scene format version 2"),
            "{stderr}"
        );
    }
    let output = crate::support::nsgf(&["--scene", bad, "data", "moons"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--scene opens the app"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
