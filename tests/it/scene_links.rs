//! Share links: a scene round-trips through its link (drawn points to 1/1000), a link of
//! another version or a damaged one is a clear error, and `nsgf link` / `nsgf --scene LINK`
//! work from the command line.

use crate::support::nsgf;
use nsgf::scene::{Scene, SceneTarget};
use nsgf::scene_link::{is_scene_link, scene_from_link, scene_link};
use std::path::Path;

fn heart() -> Scene {
    Scene::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/heart-drawn.json"))
        .expect("the shipped scene loads")
}

#[test]
fn a_scene_round_trips_through_its_link_with_points_to_a_thousandth() {
    let scene = heart();
    let link = scene_link(&scene, "https://example.org/nsgf/index.html#old");
    assert!(link.starts_with("https://example.org/nsgf/index.html#scene=v1."));
    assert!(is_scene_link(&link));
    assert!(
        link.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":/.#=-_".contains(&b)),
        "URL-safe"
    );
    let back = scene_from_link(&link).unwrap();
    let (SceneTarget::Points { points: a, .. }, SceneTarget::Points { points: b, .. }) =
        (&scene.target, &back.target)
    else {
        panic!("the heart is drawn points");
    };
    assert_eq!(a.len(), b.len());
    for (p, q) in a.iter().zip(b) {
        assert!((p[0] - q[0]).abs() <= 0.5e-3 + 1e-12 && (p[1] - q[1]).abs() <= 0.5e-3 + 1e-12);
    }
    // Everything else comes back as it was (the model path is not shared).
    let mut expected = scene.clone();
    expected.target = back.target.clone();
    expected.model = None;
    assert_eq!(back, expected);
    // A preset scene survives exactly; a link with nothing before '#' opens too.
    let preset = Scene {
        target: SceneTarget::Preset {
            name: nsgf::data::Preset::Checkerboard,
        },
        ..scene
    };
    assert_eq!(scene_from_link(&scene_link(&preset, "")).unwrap(), preset);
}

#[test]
fn a_damaged_or_foreign_link_is_a_named_error() {
    let link = scene_link(&heart(), "");
    let payload = link.trim_start_matches("#scene=v1.");
    for (bad, needle) in [
        ("https://example.org/".to_string(), "not a share link"),
        (format!("#scene=v2.{payload}"), "link format v2"),
        ("#scene=v1.%%%%".to_string(), "not valid base64url"),
        (
            format!("#scene=v1.{}", &payload[..payload.len() / 2]),
            "the share link",
        ),
        ("#scene=v1.e30".to_string(), "no format_version"),
    ] {
        let error = scene_from_link(&bad).unwrap_err().to_string();
        assert!(error.contains(needle), "{bad:.40}: {error}");
    }
}

#[test]
fn nsgf_link_prints_a_link_that_nsgf_scene_reads() {
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/heart-drawn.json");
    let output = nsgf(&[
        "link",
        "--scene",
        scene.to_str().unwrap(),
        "--base",
        "http://127.0.0.1:8765/",
    ]);
    assert!(output.status.success());
    let link = String::from_utf8(output.stdout).unwrap();
    assert!(link.trim().starts_with("http://127.0.0.1:8765/#scene=v1."));
    assert_eq!(scene_from_link(link.trim()).unwrap().particles, 1000);
    // A bad link is refused before any window opens.
    let output = nsgf(&["--scene", "#scene=v9.abc"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("link format v9"), "{stderr}");
}
