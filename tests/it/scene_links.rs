//! Share links: a scene round-trips through its link (drawn points to 1/1000, a word as its
//! text, a picture as a 64-cell, 16-level grid within 2,000 characters), a link of another
//! version or a damaged one is a clear error, and `nsgf link` / `nsgf --scene LINK` work from
//! the command line.

use crate::support::nsgf;
use nsgf::data::{DensityGrid, Distribution};
use nsgf::scene::{Scene, SceneTarget};
use nsgf::scene_link::{
    LINK_GRID_LEVELS, LINK_GRID_SIDE, MAX_LINK_CHARS, is_scene_link, scene_from_link, scene_link,
};
use std::path::Path;

fn star_to_moon() -> Scene {
    Scene::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/star-to-moon.json"))
        .expect("the shipped picture scene loads")
}

#[test]
fn a_word_travels_as_its_text() {
    let scene = Scene {
        source: SceneTarget::Word { text: "ab".into() },
        target: SceneTarget::Word {
            text: "nsgf → ε".into(),
        },
        ..heart()
    };
    let link = scene_link(&scene, "").unwrap();
    assert!(link.starts_with("#scene=v1."), "{link:.20}");
    let back = scene_from_link(&link).unwrap();
    assert_eq!(back.target, scene.target);
    assert_eq!(back.source, scene.source);
    let Distribution::Word { text, .. } = back.target.distribution().unwrap() else {
        panic!("a word");
    };
    assert_eq!(text, "nsgf → ε");
}

#[test]
fn pictures_travel_as_small_grids_within_the_limit() {
    let scene = star_to_moon();
    let link = scene_link(&scene, "https://example.org/nsgf/").unwrap();
    assert!(
        link.starts_with("https://example.org/nsgf/#scene=v2."),
        "{link:.40}"
    );
    assert!(link.len() <= MAX_LINK_CHARS, "{} characters", link.len());
    let back = scene_from_link(&link).unwrap();
    for (sent, came) in [(&scene.source, &back.source), (&scene.target, &back.target)] {
        let (
            SceneTarget::Picture { label, grid },
            SceneTarget::Picture {
                label: l2,
                grid: g2,
            },
        ) = (sent, came)
        else {
            panic!("pictures");
        };
        assert_eq!(label, l2);
        assert!(g2.width() <= LINK_GRID_SIDE && g2.height() <= LINK_GRID_SIDE);
        assert_eq!(*g2, grid.reduced(LINK_GRID_SIDE, LINK_GRID_LEVELS).unwrap());
        let levels: std::collections::BTreeSet<u8> = g2.cells().iter().copied().collect();
        assert!(levels.len() <= LINK_GRID_LEVELS as usize);
    }
    // Everything but the grids comes back as it was.
    let expected = Scene {
        source: back.source.clone(),
        target: back.target.clone(),
        model: None,
        ..scene
    };
    assert_eq!(back, expected);
}

#[test]
fn a_picture_that_would_not_fit_is_a_clear_error() {
    // 64×64 cells of noise do not compress: the link would be far over the limit.
    let mut state = 12345u32;
    let cells: Vec<u8> = (0..64 * 64)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8 | 1
        })
        .collect();
    let scene = Scene {
        target: SceneTarget::Picture {
            label: "image:noise.png".into(),
            grid: DensityGrid::new(64, 64, cells).unwrap(),
        },
        ..heart()
    };
    let error = scene_link(&scene, "").unwrap_err().to_string();
    assert!(
        error.contains("does not fit in a link") && error.contains("2000"),
        "{error}"
    );
    // The scene file keeps it whole.
    let back = Scene::from_json(&scene.to_json(), Path::new("noise.json")).unwrap();
    assert_eq!(back.target, scene.target);
}

fn heart() -> Scene {
    Scene::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/heart-drawn.json"))
        .expect("the shipped scene loads")
}

#[test]
fn a_scene_round_trips_through_its_link_with_points_to_a_thousandth() {
    let scene = heart();
    let link = scene_link(&scene, "https://example.org/nsgf/index.html#old").unwrap();
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
    assert_eq!(
        scene_from_link(&scene_link(&preset, "").unwrap()).unwrap(),
        preset
    );
}

#[test]
fn a_damaged_or_foreign_link_is_a_named_error() {
    let link = scene_link(&heart(), "").unwrap();
    let payload = link.trim_start_matches("#scene=v1.");
    for (bad, needle) in [
        ("https://example.org/".to_string(), "not a share link"),
        (format!("#scene=v3.{payload}"), "link format v3"),
        (format!("#scene=v2.{payload}"), "not valid deflate data"),
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
