//! Seeded, reproducible 2D distributions: named presets and point sets read from CSV.

pub mod csv_points;
pub mod presets;

pub use presets::Preset;

use crate::Point;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// The portable RNG used everywhere: the same seed gives the same points on every machine.
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// A [`SeededRng`] from a `u64` seed.
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// Errors of reading or sampling a distribution; every message names the file, line or value.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A name that is neither a preset nor an existing file.
    #[error("unknown distribution '{name}': not a file, and not a preset (presets: {valid})")]
    UnknownPreset {
        /// What the user typed.
        name: String,
        /// The valid preset names, comma-separated.
        valid: String,
    },
    /// The file could not be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// A line that is not two finite comma-separated numbers.
    #[error("{path}:{line}: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A point set with no points.
    #[error("{0}: holds no points")]
    Empty(String),
    /// A request for zero points.
    #[error("the number of points must be at least 1 (got 0)")]
    ZeroPoints,
}

/// A distribution to sample from: a named preset, or a fixed point set (from a CSV file or drawn
/// in the app) that is resampled with replacement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Distribution {
    /// One of the named presets.
    Preset(Preset),
    /// A fixed point set; `label` says where it came from (a file path, "drawn").
    Points {
        /// Where the points came from, for messages and the model file.
        label: String,
        /// The points themselves (non-empty, finite).
        points: Vec<Point>,
    },
}
