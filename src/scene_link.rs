//! Share links: a whole [`Scene`] in the fragment of a URL, `…#scene=v1.PAYLOAD`, so that a
//! link opens the same setup in the browser (or on the desktop: `nsgf --scene 'LINK'`).
//!
//! The payload is the scene's JSON, URL-safe base64 without padding, with drawn or loaded points
//! quantised to multiples of 1/1000 (stored as integers) and without the model path, which means
//! nothing on another machine. `v1` is the link format's version: a link of another version is
//! refused with the reason, never misread.

use crate::scene::{Scene, SceneError, SceneTarget};
use std::path::Path;

/// The fragment key that carries a scene.
pub const FRAGMENT_KEY: &str = "scene=";
/// The link format this nsgf writes and reads.
pub const LINK_VERSION: &str = "v1";
/// Drawn points are stored as integer multiples of 1 / `QUANTUM`.
pub const QUANTUM: f64 = 1000.0;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding.
fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes [`encode`]'s output; None on a character outside the alphabet or a bad length.
fn decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut values = Vec::with_capacity(text.len());
    for c in text.bytes() {
        values.push(ALPHABET.iter().position(|&a| a == c)? as u32);
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in values.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &v)| n | (v << (18 - 6 * k)));
        for k in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * k)) as u8);
        }
    }
    Some(out)
}

/// The link of `scene` on the page `base` (the app's address; may be empty).
pub fn scene_link(scene: &Scene, base: &str) -> String {
    let mut value = serde_json::to_value(scene).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("model");
    }
    if let SceneTarget::Points { points, .. } = &scene.target {
        let quantised: Vec<[i64; 2]> = points
            .iter()
            .map(|p| {
                [
                    (p[0] * QUANTUM).round() as i64,
                    (p[1] * QUANTUM).round() as i64,
                ]
            })
            .collect();
        value["target"]["points"] = serde_json::json!(quantised);
    }
    let base = base.split('#').next().unwrap_or_default();
    format!(
        "{base}#{FRAGMENT_KEY}{LINK_VERSION}.{}",
        encode(value.to_string().as_bytes())
    )
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
        reason: what,
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
    if version != LINK_VERSION {
        return Err(bad(format!(
            "link format {version}, but this nsgf reads {LINK_VERSION}"
        )));
    }
    let bytes = decode(payload).ok_or_else(|| bad("the scene is not valid base64url".into()))?;
    let mut value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|error| bad(format!("the scene is not valid JSON ({error})")))?;
    if value["target"]["kind"] == "points"
        && let Some(points) = value["target"]["points"].as_array_mut()
    {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        for length in 0..40 {
            let bytes: Vec<u8> = (0..length).map(|i| (i * 37 + 11) as u8).collect();
            let text = encode(&bytes);
            assert!(!text.contains(['+', '/', '=']));
            assert_eq!(decode(&text), Some(bytes));
        }
        assert_eq!(encode(b"Man"), "TWFu");
        assert_eq!(decode("TWE"), Some(b"Ma".to_vec()));
        assert_eq!(decode("T"), None);
        assert_eq!(decode("TW*u"), None);
    }
}
