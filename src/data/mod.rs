//! Seeded, reproducible 2D distributions: named presets, point sets read from CSV, pictures and
//! words.

pub mod csv_points;
pub mod csv_rows;
pub mod density;
pub mod picture;
pub mod presets;
pub mod word;

pub use density::DensityGrid;
pub use picture::{PictureMass, PictureOptions};
pub use presets::Preset;

use crate::Point;
use crate::limits;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// The portable RNG used everywhere: the same seed gives the same points on every machine.
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// A [`SeededRng`] from a `u64` seed.
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// The ChaCha stream the target sample of a source/target pair is drawn from.
const TARGET_STREAM: u64 = 1;

/// The seeding rule of every flow entry point (`nsgf flow`, `nsgf gif --flow`, the app): the
/// source sample is drawn from [`seeded_rng`]`(seed)`, the target sample from the same seed on
/// ChaCha stream 1. The same source, target, `n` and seed give the same two clouds everywhere,
/// and changing the target never moves the source.
pub fn sample_source_and_target(
    source: &Distribution,
    target: &Distribution,
    n: usize,
    seed: u64,
) -> Result<(Vec<Point>, Vec<Point>), DataError> {
    let source_points = source.sample(n, &mut seeded_rng(seed))?;
    let target_points = target.sample(n, &mut target_rng(seed))?;
    Ok((source_points, target_points))
}

/// The RNG of the target sample under the seeding rule of [`sample_source_and_target`] (also
/// the target drawn under a learned flow in `nsgf gif --model`).
pub fn target_rng(seed: u64) -> SeededRng {
    let mut rng = seeded_rng(seed);
    rng.set_stream(TARGET_STREAM);
    rng
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
    #[error("cannot read {path}")]
    Unreadable {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
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
    /// A file could not be written.
    #[error("cannot write {path}")]
    Unwritable {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A point set with no points.
    #[error("{0}: holds no points")]
    Empty(String),
    /// A request for zero points.
    #[error("the number of points must be at least 1 (got 0)")]
    ZeroPoints,
    /// A size beyond its limit.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::LimitError),
    /// A picture that cannot be used: not a picture, truncated, too large, or no mass.
    #[error("{path}: {reason}")]
    BadPicture {
        /// The file (or the dropped file's name).
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A word that cannot be drawn: empty, too long, or without printable glyphs.
    #[error("text:{text:?}: {reason}")]
    BadWord {
        /// The word as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The prefix of a picture in a distribution spec (`image:logo.png`).
pub const IMAGE_PREFIX: &str = "image:";
/// The prefix of a word in a distribution spec (`text:NSGF`).
pub const TEXT_PREFIX: &str = "text:";

/// A distribution to sample from: a named preset; a fixed point set (from a CSV file or drawn
/// in the app): n ≤ its size draws a random subset, larger n draws with replacement; or the
/// density of a picture or a word, drawn i.i.d.
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
    /// A picture's density (see [`picture`]).
    Picture {
        /// Where it came from (`image:FILE` with its options), for messages and plots.
        label: String,
        /// Its density.
        grid: DensityGrid,
    },
    /// A word drawn in the built-in font (see [`word`]).
    Word {
        /// The word.
        text: String,
        /// Its density.
        grid: DensityGrid,
    },
}

impl Distribution {
    /// Parses what a user typed: a preset name; `image:FILE[,invert][,threshold=T]` (a PNG,
    /// JPEG or WebP picture); `text:WORD`; else the path of an existing CSV file (read at once
    /// into [`Distribution::Points`] labelled with the path).
    pub fn parse(spec: &str) -> Result<Distribution, DataError> {
        if let Some(rest) = spec.strip_prefix(IMAGE_PREFIX) {
            let (file, options) = PictureOptions::split_spec(rest)?;
            let grid = PictureMass::read(std::path::Path::new(file))?.density(options)?;
            return Ok(Distribution::Picture {
                label: spec.to_string(),
                grid,
            });
        }
        if let Some(text) = spec.strip_prefix(TEXT_PREFIX) {
            return Distribution::word(text);
        }
        if let Ok(preset) = Preset::from_name(spec) {
            return Ok(Distribution::Preset(preset));
        }
        let path = std::path::Path::new(spec);
        if path.is_file() {
            let points = csv_points::read_points(path)?;
            return Ok(Distribution::Points {
                label: spec.to_string(),
                points,
            });
        }
        Err(DataError::UnknownPreset {
            name: spec.to_string(),
            valid: Preset::valid_names(),
        })
    }

    /// The word `text` drawn in the built-in font.
    pub fn word(text: &str) -> Result<Distribution, DataError> {
        Ok(Distribution::Word {
            text: text.to_string(),
            grid: word::word_density(text)?,
        })
    }

    /// `n` points of the distribution. A preset, a picture or a word draws `n` independent
    /// points. A point set gives
    /// a uniformly random subset of `n` distinct points (in random order) when `n` ≤ its size,
    /// and `n` points drawn uniformly with replacement when `n` is larger.
    pub fn sample(&self, n: usize, rng: &mut SeededRng) -> Result<Vec<Point>, DataError> {
        if n == 0 {
            return Err(DataError::ZeroPoints);
        }
        limits::check(
            "the number of points",
            n,
            limits::MAX_POINTS,
            limits::BYTES_PER_POINT,
        )?;
        match self {
            Distribution::Preset(preset) => Ok(preset.sample(n, rng)),
            Distribution::Picture { grid, .. } | Distribution::Word { grid, .. } => {
                Ok(grid.sample(n, rng))
            }
            Distribution::Points { label, points } => {
                if points.is_empty() {
                    return Err(DataError::Empty(label.clone()));
                }
                if n <= points.len() {
                    Ok(rand::seq::index::sample(rng, points.len(), n)
                        .into_iter()
                        .map(|index| points[index])
                        .collect())
                } else {
                    use rand::RngExt;
                    Ok((0..n)
                        .map(|_| points[rng.random_range(0..points.len())])
                        .collect())
                }
            }
        }
    }

    /// A short label for messages and plots: the preset name or the point set's label.
    pub fn label(&self) -> String {
        match self {
            Distribution::Preset(preset) => preset.name().to_string(),
            Distribution::Points { label, .. } | Distribution::Picture { label, .. } => {
                label.clone()
            }
            Distribution::Word { text, .. } => format!("{TEXT_PREFIX}{text}"),
        }
    }
}
