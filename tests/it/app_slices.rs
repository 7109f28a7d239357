//! The app's feature slices (`src/app/state/<slice>/`): each changes only its own state and
//! talks to the others through commands and the shared context, which the router settles once.
//!
//! The source rules are read from the text (comments and literals removed): a slice's files
//! never take another slice's state mutably nor implement on it; `impl AppState` lives only in
//! the router (`state/mod.rs`) and its read-only queries (`state/queries.rs`); no `_ui`
//! function gets the state mutably. The behaviour is checked on the state itself.

use super::module_layers::{rust_files, strip_comments_and_literals};
use std::path::{Path, PathBuf};

/// The state each slice owns: the types only that slice's files may change.
const OWNED: &[(&str, &[&str])] = &[
    ("inputs", &["Inputs", "FlowSettings", "Shapes"]),
    ("drawing", &["Drawing", "DrawnPoints"]),
    ("particle_flow", &["ParticleRun"]),
    ("learning", &["Learning", "Training", "LearnedRun"]),
    ("playback", &["Playback"]),
    ("view", &["ViewSettings"]),
    ("files", &["Files", "Dialogs", "GifExport"]),
    ("meanfield", &["MeanfieldPanel"]),
    ("readouts", &["Readouts"]),
];

/// The slice a file under `src/app/state/` belongs to (`files/mod.rs` → `files`,
/// `readouts.rs` → `readouts`), if it is one.
fn slice_of(relative: &Path) -> Option<&'static str> {
    let first = relative.iter().next()?.to_string_lossy();
    let name = first.trim_end_matches(".rs");
    OWNED
        .iter()
        .map(|(slice, _)| *slice)
        .find(|slice| *slice == name)
}

/// The last segment of the path that starts `text` (`crate::a::Training<'_>` → `Training`).
fn leading_type(text: &str) -> &str {
    let path: &str = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .next()
        .unwrap_or("");
    path.rsplit("::").next().unwrap_or("")
}

/// The rule breaks in one file of the state (`relative` to `src/app/state/`).
fn slice_violations(relative: &Path, text: &str) -> Vec<String> {
    let code = strip_comments_and_literals(text);
    let mut found = Vec::new();
    let name = relative.display().to_string();
    let is_ui = name.ends_with("ui.rs");
    if code.contains("impl AppState") && name != "mod.rs" && name != "queries.rs" {
        found.push(format!(
            "{name}: implements on AppState; only the router (mod.rs) and its queries may"
        ));
    }
    if name == "queries.rs" && code.contains("&mut self") {
        found.push(format!("{name}: a query changes the state (&mut self)"));
    }
    if is_ui && code.contains("&mut AppState") {
        found.push(format!(
            "{name}: a _ui function gets the state mutably; it should push commands"
        ));
    }
    let Some(slice) = slice_of(relative) else {
        return found;
    };
    let foreign: Vec<(&str, &str)> = OWNED
        .iter()
        .filter(|(owner, _)| *owner != slice)
        .flat_map(|(owner, types)| types.iter().map(move |t| (*owner, *t)))
        .collect();
    for (index, _) in code.match_indices("&mut ") {
        let named = leading_type(code[index + 5..].trim_start());
        if let Some((owner, _)) = foreign.iter().find(|(_, t)| *t == named) {
            found.push(format!(
                "{name}: the {slice} slice takes `&mut {named}`, which the {owner} slice owns"
            ));
        }
    }
    for line in code.lines().map(str::trim_start) {
        if !line.starts_with("impl") {
            continue;
        }
        for word in line.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if let Some((owner, _)) = foreign.iter().find(|(_, t)| *t == word) {
                found.push(format!(
                    "{name}: the {slice} slice implements on `{word}`, which the {owner} slice owns"
                ));
            }
        }
    }
    found
}

fn state_files() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app/state");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            (
                file.strip_prefix(&root).expect("under state").to_path_buf(),
                text,
            )
        })
        .collect()
}

#[test]
fn each_slice_changes_only_its_own_state() {
    let files = state_files();
    for (slice, _) in OWNED {
        assert!(
            files.iter().any(|(path, _)| slice_of(path) == Some(slice)),
            "no file of the {slice} slice under src/app/state: keep OWNED in step"
        );
    }
    let violations: Vec<String> = files
        .iter()
        .flat_map(|(path, text)| slice_violations(path, text))
        .collect();
    assert!(
        violations.is_empty(),
        "{}\nA slice changes another only by sending it a command (Context::send) or noting a \
         change (Context::note); it reads the others through Setup, Timeline or FileInputs.",
        violations.join("\n")
    );
}

#[test]
fn the_slice_rules_find_planted_breaks() {
    let planted = [
        (
            "files/mod.rs",
            "fn open(training: &mut crate::app::state::training::Training) {}",
            "takes `&mut Training`, which the learning slice owns",
        ),
        (
            "learning/mod.rs",
            "impl Playback { fn play(&mut self) {} }",
            "implements on `Playback`, which the playback slice owns",
        ),
        (
            "files/mod.rs",
            "impl AppState { fn save(&mut self) {} }",
            "implements on AppState",
        ),
        (
            "view/ui.rs",
            "fn view_ui(state: &mut AppState) {}",
            "gets the state mutably",
        ),
        (
            "queries.rs",
            "impl AppState { fn poke(&mut self) {} }",
            "a query changes the state",
        ),
    ];
    for (path, text, expected) in planted {
        let found = slice_violations(Path::new(path), text);
        assert!(
            found.iter().any(|line| line.contains(expected)),
            "{path}: {text:?} should break the rules ({expected}), found {found:?}"
        );
    }
    // Its own state, a read-only look and a comment are fine.
    let fine = "impl Files { fn apply(&mut self, read: FileInputs, context: &mut Context) {} }\n\
                // &mut Training in a comment\nfn look(training: &Training) {}";
    assert_eq!(
        slice_violations(Path::new("files/mod.rs"), fine),
        Vec::<String>::new()
    );
}

#[cfg(feature = "app")]
mod behaviour {
    use nsgf::app::jobs::{FlowRequest, Request};
    use nsgf::app::state::{
        AppState, DrawCommand, FlowSettings, FlowView, InputCommand, PlaybackCommand, TargetChoice,
        TrainCommand, ViewCommand,
    };
    use nsgf::data::Distribution;
    use nsgf::model::{Method, TrainConfig};
    use nsgf::scene::SceneTarget;
    use std::path::Path;

    fn flow_requests(state: &mut AppState) -> Vec<FlowRequest> {
        state
            .take_requests()
            .into_iter()
            .filter_map(|request| match request {
                Request::Flow(request) => Some(request),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_scene_sends_its_parts_to_their_slices_and_the_flow_starts_once() {
        let mut state = AppState::new(FlowSettings::default());
        state.take_requests();
        let mut scene = state.scene();
        let points = vec![[0.5, 0.25], [-1.0, 2.0], [1.5, -0.5]];
        scene.target = SceneTarget::Points {
            label: "drawn".to_string(),
            points: points.clone(),
        };
        scene.seed = 7;
        scene.particles = 300;
        scene.flow.steps = 12;
        scene.overlays.trails = !scene.overlays.trails;
        scene.training.iterations = 17;
        state.open_scene(scene.clone(), Path::new("scene.json"));

        let flows = flow_requests(&mut state);
        assert_eq!(flows.len(), 1, "one particle flow for the whole scene");
        let flow = &flows[0];
        assert_eq!((flow.seed, flow.particles, flow.config.steps), (7, 300, 12));
        assert!(matches!(&flow.target, Distribution::Points { points: p, .. } if *p == points));
        assert_eq!(state.settings().target, TargetChoice::Drawn);
        assert_eq!(state.drawing().drawn().points(), points.as_slice());
        assert_eq!(state.overlays(), scene.overlays);
        assert_eq!(state.training().config(), &scene.training);
        assert_eq!(state.status(), Some("opened scene: gaussian to moons"));
    }

    #[test]
    fn a_digits_scene_keeps_its_training_configuration_after_the_dimension_changes() {
        let mut state = AppState::new(FlowSettings::default());
        state.take_requests();
        let mut scene = state.scene();
        scene.target = SceneTarget::Digits;
        scene.training = TrainConfig {
            iterations: 9,
            ..TrainConfig::defaults_for_dim(Method::Nsgf, 64)
        };
        state.open_scene(scene.clone(), Path::new("digits.json"));
        assert_eq!(state.settings().target, TargetChoice::Digits);
        assert_eq!(state.training().config(), &scene.training);
        assert_eq!(flow_requests(&mut state).len(), 1);
    }

    #[test]
    fn an_app_started_on_the_digits_trains_with_the_64_dimensional_defaults() {
        let settings = FlowSettings {
            target: TargetChoice::Digits,
            ..FlowSettings::default()
        };
        let state = AppState::new(settings);
        let config = state.training().config();
        assert_eq!(
            config,
            &TrainConfig {
                seed: config.seed,
                ..TrainConfig::defaults_for_dim(config.method, 64)
            }
        );
        assert_ne!(
            TrainConfig::defaults_for_dim(config.method, 64),
            TrainConfig::defaults_for_dim(config.method, 2),
            "the check needs the two dimensions' defaults to differ"
        );
    }

    #[test]
    fn draw_mode_pauses_the_timeline_and_a_stroke_restarts_the_flow_once() {
        let mut state = AppState::new(FlowSettings::default());
        state.take_requests();
        state.apply(PlaybackCommand::Play);
        assert!(state.playback().playing());
        state.apply(DrawCommand::SetDrawMode(true));
        assert!(
            !state.playback().playing(),
            "the drawing slice paused the timeline"
        );
        assert!(flow_requests(&mut state).is_empty());
        state.apply(DrawCommand::BeginStroke);
        state.apply(DrawCommand::StrokeAt([0.0, 0.0]));
        state.apply(DrawCommand::EndStroke);
        let flows = flow_requests(&mut state);
        assert_eq!(flows.len(), 1);
        assert_eq!(state.settings().target, TargetChoice::Drawn);
        assert!(
            matches!(&flows[0].target, Distribution::Points { points, .. } if !points.is_empty())
        );
    }

    #[test]
    fn the_flows_parameters_restart_only_the_particle_flow() {
        let mut state = AppState::new(FlowSettings::default());
        state.take_requests();
        let mut flow = state.settings().flow;
        flow.steps = 5;
        state.apply(InputCommand::SetFlowConfig(flow));
        let requests = state.take_requests();
        assert_eq!(requests.len(), 1);
        assert!(matches!(&requests[0], Request::Flow(r) if r.config.steps == 5));
        // The view and training configuration start nothing.
        state.apply(ViewCommand::SetView(FlowView::Split));
        state.apply(TrainCommand::SetTrainConfig(TrainConfig {
            iterations: 3,
            ..state.training().config().clone()
        }));
        assert!(state.take_requests().is_empty());
    }
}
