//! Share links: a whole [`Scene`] in the fragment of a URL, `…#scene=v1.PAYLOAD`, so that a
//! link opens the same setup in the browser (or on the desktop: `nsgf --scene 'LINK'`).
//!
//! The payload is the scene's JSON, URL-safe base64 without padding, with drawn or loaded points
//! quantised to multiples of 1/1000 (stored as integers) and without the model path, which means
//! nothing on another machine. A word travels as its text. A picture travels as its density
//! grid averaged down to [`LINK_GRID_SIDE`] cells a side and [`LINK_GRID_LEVELS`] levels, and
//! such a link deflates the JSON before the base64 (format `v2`); a link with a picture must fit
//! in [`MAX_LINK_CHARS`] characters, or making it fails with the length it would have.
//! `v1`/`v2` is the link format's version: a link of another version is refused with the
//! reason, never misread.

use crate::encoding::{base64url_decode as decode, base64url_encode as encode, deflate, inflate};
use crate::scene::{Scene, SceneError, SceneTarget, SceneValueError};
use std::path::Path;

/// The fragment key that carries a scene.
const FRAGMENT_KEY: &str = "scene=";
/// The link format of scenes without pictures: base64url of the JSON.
const LINK_VERSION: &str = "v1";
/// The link format of scenes with a picture: base64url of the deflated JSON.
const DEFLATED_LINK_VERSION: &str = "v2";
/// The longest link with a picture nsgf makes (browsers and chat programs cut longer ones).
pub const MAX_LINK_CHARS: usize = 2000;
/// A picture in a link is averaged down to at most this many cells a side.
pub const LINK_GRID_SIDE: u32 = 64;
/// A picture in a link keeps this many density levels.
pub const LINK_GRID_LEVELS: u32 = 16;
/// The most bytes a deflated link may inflate to.
const MAX_INFLATED_BYTES: usize = 1 << 20;
/// Drawn points are stored as integer multiples of 1 / `QUANTUM`.
const QUANTUM: f64 = 1000.0;

/// The link of `scene` on the page `base` (the app's address; may be empty). Errors only for a
/// scene with a picture whose link would be longer than [`MAX_LINK_CHARS`].
pub fn scene_link(scene: &Scene, base: &str) -> Result<String, SceneError> {
    let mut scene = scene.clone();
    let mut has_picture = false;
    for part in [&mut scene.source, &mut scene.target] {
        if let SceneTarget::Picture { label, grid } = part {
            has_picture = true;
            let reduced = grid
                .reduced(LINK_GRID_SIDE, LINK_GRID_LEVELS)
                .map_err(|source| SceneError::Invalid {
                    path: label.clone(),
                    reason: SceneValueError::Grid(source),
                })?;
            *grid = reduced;
        }
    }
    let mut value = serde_json::to_value(&scene).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("model");
    }
    for (role, part) in [("source", &scene.source), ("target", &scene.target)] {
        if let SceneTarget::Points { points, .. } = part {
            let quantised: Vec<[i64; 2]> = points
                .iter()
                .map(|p| {
                    [
                        (p[0] * QUANTUM).round() as i64,
                        (p[1] * QUANTUM).round() as i64,
                    ]
                })
                .collect();
            value[role]["points"] = serde_json::json!(quantised);
        }
    }
    let base = base.split('#').next().unwrap_or_default();
    let json = value.to_string();
    if !has_picture {
        return Ok(format!(
            "{base}#{FRAGMENT_KEY}{LINK_VERSION}.{}",
            encode(json.as_bytes())
        ));
    }
    let link = format!(
        "{base}#{FRAGMENT_KEY}{DEFLATED_LINK_VERSION}.{}",
        encode(&deflate(json.as_bytes()))
    );
    if link.chars().count() > MAX_LINK_CHARS {
        return Err(SceneError::Invalid {
            path: "the share link".into(),
            reason: SceneValueError::Value(format!(
                "the picture does not fit in a link: it would be {} characters, over the limit \
                 of {MAX_LINK_CHARS} (save the scene as a file instead)",
                link.chars().count()
            )),
        });
    }
    Ok(link)
}

/// Whether `text` is a share link (it carries `#scene=`).
pub fn is_scene_link(text: &str) -> bool {
    text.contains(&format!("#{FRAGMENT_KEY}"))
}

/// The scene in `link` (anything with a `#scene=` fragment), checked like a scene file.
pub fn scene_from_link(link: &str) -> Result<Scene, SceneError> {
    let origin = Path::new("the share link");
    let bad = |what: String| SceneError::Invalid {
        path: origin.display().to_string(),
        reason: SceneValueError::Value(what),
    };
    let key = format!("#{FRAGMENT_KEY}");
    let fragment = link
        .split_once(&key)
        .map(|(_, rest)| rest)
        .ok_or_else(|| bad("no #scene= part: not a share link".into()))?;
    let fragment = fragment.split('&').next().unwrap_or_default();
    let (version, payload) = fragment
        .split_once('.')
        .ok_or_else(|| bad("no version before the scene".into()))?;
    if version != LINK_VERSION && version != DEFLATED_LINK_VERSION {
        return Err(bad(format!(
            "link format {version}, but this nsgf reads {LINK_VERSION} and \
             {DEFLATED_LINK_VERSION}"
        )));
    }
    let bytes = decode(payload).ok_or_else(|| bad("the scene is not valid base64url".into()))?;
    let bytes = if version == DEFLATED_LINK_VERSION {
        inflate(&bytes, MAX_INFLATED_BYTES)
            .ok_or_else(|| bad("the scene is not valid deflate data".into()))?
    } else {
        bytes
    };
    let mut value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|error| bad(format!("the scene is not valid JSON ({error})")))?;
    for role in ["source", "target"] {
        if value[role]["kind"] != "points" {
            continue;
        }
        let Some(points) = value[role]["points"].as_array_mut() else {
            continue;
        };
        for point in points.iter_mut() {
            let coordinates: Option<Vec<f64>> = point.as_array().map(|pair| {
                pair.iter()
                    .filter_map(serde_json::Value::as_i64)
                    .map(|q| q as f64 / QUANTUM)
                    .collect()
            });
            match coordinates {
                Some(pair) if pair.len() == 2 => *point = serde_json::json!(pair),
                _ => return Err(bad("a drawn point is not a pair of integers".into())),
            }
        }
    }
    Scene::from_json(&value.to_string(), origin)
}
