//! Seeded, reproducible distributions in any dimension: the named 2D presets, point sets read
//! from CSV (of any width) or drawn, pictures and words (2D), the shipped 8×8 digits (64
//! dimensions) and the standard normal in d dimensions.

pub mod csv_points;
pub mod csv_rows;
pub(crate) mod density;
pub(crate) mod digits;
pub(crate) mod picture;
pub(crate) mod presets;
mod rows;
pub mod seeding;
pub(crate) mod word;

pub use density::{DensityGrid, GridError};
pub use picture::{PictureMass, PictureOptions};
pub use presets::Preset;
pub use seeding::{SeededRng, Stream, derive_seed, seeded_rng, stream_rng, target_rng};

use crate::limits;
use crate::{Point, PointCloud};
use csv_rows::Rows;
use serde::{Deserialize, Serialize};

/// The seeding rule of every flow entry point (`nsgf flow`, `nsgf gif --flow`, the app): the
/// source sample is drawn from [`Stream::Source`] (ChaCha stream 0 of `seed`), the target
/// sample from [`Stream::Target`] (the same seed on ChaCha stream 1). The same source, target,
/// `n` and seed give the same two clouds everywhere, and changing the target never moves the
/// source.
pub fn sample_source_and_target(
    source: &Distribution,
    target: &Distribution,
    n: usize,
    seed: u64,
) -> Result<(Vec<Point>, Vec<Point>), DataError> {
    let source_points = source.sample(n, &mut stream_rng(seed, Stream::Source))?;
    let target_points = target.sample(n, &mut stream_rng(seed, Stream::Target))?;
    Ok((source_points, target_points))
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
    /// A distribution of another dimension than the one asked for (a 2D-only view of a
    /// 64-dimensional target, a source and a target of different widths).
    #[error("{label} has {dim} dimensions, but {needed} are needed here")]
    Dimension {
        /// The distribution.
        label: String,
        /// Its dimension.
        dim: usize,
        /// The dimension needed.
        needed: usize,
    },
    /// A picture or word whose density grid cannot be made (no mass, too large); `what` is
    /// the picture's file or `text:"WORD"`.
    #[error("{what}: {source}")]
    Grid {
        /// The picture's file, or `text:"WORD"`.
        what: String,
        /// Why.
        #[source]
        source: density::GridError,
    },
    /// A picture that cannot be read from its bytes.
    #[error("{path}: not a readable picture ({source})")]
    UnreadablePicture {
        /// The file (or the dropped file's name).
        path: String,
        /// The reader's error.
        #[source]
        source: std::io::Error,
    },
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
pub(crate) const IMAGE_PREFIX: &str = "image:";
/// The prefix of a word in a distribution spec (`text:NSGF`).
pub(crate) const TEXT_PREFIX: &str = "text:";

/// A distribution to sample from, in any dimension: a named 2D preset; a fixed point set (from
/// a CSV file or drawn in the app; n ≤ its size draws a random subset, larger n draws with
/// replacement); the density of a picture or a word, drawn i.i.d.; the standard normal in d
/// dimensions; or the shipped digits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Distribution {
    /// One of the named presets.
    Preset(Preset),
    /// A fixed 2D point set; `label` says where it came from (a file path, "drawn").
    Points {
        /// Where the points came from, for messages and the model file.
        label: String,
        /// The points themselves (non-empty, finite).
        points: Vec<Point>,
    },
    /// A picture's density (see `data::picture`).
    Picture {
        /// Where it came from (`image:FILE` with its options), for messages and plots.
        label: String,
        /// Its density.
        grid: DensityGrid,
    },
    /// A word drawn in the built-in font (see `data::word`).
    Word {
        /// The word.
        text: String,
        /// Its density.
        grid: DensityGrid,
    },
    /// N(0, I) in `dim` dimensions.
    StandardNormal {
        /// The dimension.
        dim: usize,
    },
    /// The training half of the shipped 8×8 digits (64 dimensions, `data::digits`).
    Digits,
    /// A fixed set of points of any width, one per row (a CSV file of more than two columns).
    Rows {
        /// A file path, for messages.
        label: String,
        /// The points, one per row (non-empty, finite).
        #[serde(with = "rows::as_lists")]
        rows: Rows,
    },
}

impl Distribution {
    /// Parses what a user typed: a preset name; `image:FILE[,invert][,threshold=T]` (a PNG,
    /// JPEG or WebP picture); `text:WORD`; `digits`; `normalD` (the standard normal in D
    /// dimensions, e.g. `normal64`); else the path of an existing CSV file, read at once: an
    /// `x,y` file into [`Distribution::Points`], a wider one (a column named `label` dropped)
    /// into [`Distribution::Rows`], labelled with the path.
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
        if spec == "digits" {
            return Ok(Distribution::Digits);
        }
        if let Some(dim) = rows::normal_dimension(spec)? {
            return Ok(Distribution::StandardNormal { dim });
        }
        let path = std::path::Path::new(spec);
        if path.is_file() {
            return rows::read_file(path, spec);
        }
        Err(DataError::UnknownPreset {
            name: spec.to_string(),
            valid: format!("{}, digits, normalD (e.g. normal64)", Preset::valid_names()),
        })
    }

    /// The dimension of its points.
    pub fn dim(&self) -> usize {
        match self {
            Distribution::Preset(_)
            | Distribution::Points { .. }
            | Distribution::Picture { .. }
            | Distribution::Word { .. } => 2,
            Distribution::StandardNormal { dim } => *dim,
            Distribution::Digits => digits::DIM,
            Distribution::Rows { rows, .. } => rows.ncols(),
        }
    }

    /// `n` points as a [`PointCloud`] of [`Distribution::dim`] columns, drawn as
    /// [`Distribution::sample`] draws them in 2D.
    pub fn sample_cloud(&self, n: usize, rng: &mut SeededRng) -> Result<PointCloud, DataError> {
        match self {
            planar if planar.dim() == 2 => Ok(PointCloud::from_points(&planar.sample(n, rng)?)),
            wide => rows::sample(wide, n, rng),
        }
    }

    /// Points never trained on, for judging models: `n` of the held-out digits; for every other
    /// distribution `n` fresh draws (a point set has no points apart from itself).
    pub(crate) fn held_out(&self, n: usize, rng: &mut SeededRng) -> Result<PointCloud, DataError> {
        match self {
            Distribution::Digits => rows::held_out_digits(n, rng),
            other => other.sample_cloud(n, rng),
        }
    }

    /// The most samples a model of this target can be judged on, where its held-out points are
    /// finite: half of them (the floor needs two disjoint halves); None: no limit.
    pub(crate) fn most_judged(&self) -> Option<usize> {
        match self {
            Distribution::Digits => Some(digits::held_out().nrows() / 2),
            Distribution::Rows { rows, .. } => Some(rows.nrows() / 2),
            _ => None,
        }
    }

    /// The points a model trained on, where they are a fixed set (to measure memorisation):
    /// the training digits or the file's rows; None for the presets and the normal.
    pub(crate) fn training_points(&self) -> Option<PointCloud> {
        match self {
            Distribution::Digits => Some(rows::cloud_of(&digits::training())),
            Distribution::Rows { rows, .. } => Some(rows::cloud_of(rows)),
            Distribution::Points { points, .. } => Some(PointCloud::from_points(points)),
            _ => None,
        }
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
    /// A distribution of another dimension than 2 is an error: see [`Distribution::sample_cloud`].
    pub fn sample(&self, n: usize, rng: &mut SeededRng) -> Result<Vec<Point>, DataError> {
        if self.dim() != 2 {
            return Err(DataError::Dimension {
                label: self.label(),
                dim: self.dim(),
                needed: 2,
            });
        }
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
            _ => unreachable!("2D checked above"),
        }
    }

    /// A short label for messages and plots: the preset name or the point set's label.
    pub fn label(&self) -> String {
        match self {
            Distribution::Preset(preset) => preset.name().to_string(),
            Distribution::Points { label, .. }
            | Distribution::Picture { label, .. }
            | Distribution::Rows { label, .. } => label.clone(),
            Distribution::Word { text, .. } => format!("{TEXT_PREFIX}{text}"),
            Distribution::StandardNormal { dim } => format!("normal{dim}"),
            Distribution::Digits => "digits".into(),
        }
    }
}
