//! Scenes: one versioned JSON file that holds a whole setup of the playground (the source and
//! the target as presets, drawn points, words or pictures' density grids, the flow and training parameters, the
//! overlays and, optionally, the path of a model), so that a setup can be saved, shared and
//! opened again (`nsgf --scene FILE`, "Open scene…" in the app).

use crate::Point;
use crate::data::{DataError, DensityGrid, Distribution, Preset};
use crate::flow::{FlowConfig, FlowSolver};
use crate::limits;
use crate::limits::MAX_COORDINATE_F64;
use crate::model::TrainConfig;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The scene format this nsgf writes and reads.
pub const SCENE_FORMAT_VERSION: u32 = 1;

/// A whole setup of the playground.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    /// Always [`SCENE_FORMAT_VERSION`] when written by this nsgf.
    pub format_version: u32,
    /// A one-line description, shown when the scene opens.
    #[serde(default)]
    pub title: String,
    /// The source: a preset (written as its bare name, as before pictures and words) or any
    /// other kind a target can be.
    #[serde(
        serialize_with = "source_serde::serialize",
        deserialize_with = "source_serde::deserialize"
    )]
    pub source: SceneTarget,
    /// The target.
    pub target: SceneTarget,
    /// Particles of the flow (and target samples).
    pub particles: usize,
    /// Seed of the samples.
    pub seed: u64,
    /// Steps, η, blur and scaling of the particle flow.
    pub flow: FlowConfig,
    /// How the particle flow's steps are solved (`exact` when absent).
    #[serde(default)]
    pub solver: FlowSolver,
    /// Method and hyperparameters of training.
    pub training: TrainConfig,
    /// What the plot shows.
    #[serde(default)]
    pub overlays: SceneOverlays,
    /// A model file to load with the scene; a relative path is relative to the scene's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
}

/// The target (or the source) of a scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SceneTarget {
    /// A named preset.
    Preset {
        /// Its name (`moons`, `8gaussians`, …).
        name: Preset,
    },
    /// Drawn or loaded points, stored in the scene.
    Points {
        /// Where they came from ("drawn", a file name).
        label: String,
        /// The points (non-empty, finite).
        points: Vec<Point>,
    },
    /// A word drawn in the built-in font, kept as its text.
    Word {
        /// The word.
        text: String,
    },
    /// A picture, kept as its density grid (the picture file itself is not needed).
    Picture {
        /// Where it came from (`image:FILE`).
        label: String,
        /// The density.
        grid: DensityGrid,
    },
    /// The shipped 8×8 digits (64 dimensions).
    Digits,
    /// The standard normal in `dim` dimensions (the source of a d-dimensional target).
    StandardNormal {
        /// The dimension.
        dim: usize,
    },
    /// Points of any width, stored in the scene, one list per point.
    Rows {
        /// Where they came from (a file name).
        label: String,
        /// The points.
        rows: Vec<Vec<f64>>,
    },
}

impl SceneTarget {
    /// The distribution to sample (a word is drawn again from its text).
    pub fn distribution(&self) -> Result<Distribution, DataError> {
        Ok(match self {
            SceneTarget::Preset { name } => Distribution::Preset(*name),
            SceneTarget::Points { label, points } => Distribution::Points {
                label: label.clone(),
                points: points.clone(),
            },
            SceneTarget::Word { text } => Distribution::word(text)?,
            SceneTarget::Picture { label, grid } => Distribution::Picture {
                label: label.clone(),
                grid: grid.clone(),
            },
            SceneTarget::Digits => Distribution::Digits,
            SceneTarget::StandardNormal { dim } => Distribution::StandardNormal { dim: *dim },
            SceneTarget::Rows { label, rows } => {
                let dim = rows.first().map_or(0, Vec::len);
                if dim == 0 || rows.iter().any(|row| row.len() != dim) {
                    return Err(DataError::Empty(label.clone()));
                }
                Distribution::Rows {
                    label: label.clone(),
                    rows: crate::data::csv_rows::Rows::from_shape_vec(
                        (rows.len(), dim),
                        rows.concat(),
                    )
                    .map_err(|_| DataError::Empty(label.clone()))?,
                }
            }
        })
    }

    /// How a scene keeps `distribution`: a word as its text, a picture as its grid.
    pub fn from_distribution(distribution: &Distribution) -> Self {
        match distribution {
            Distribution::Preset(name) => SceneTarget::Preset { name: *name },
            Distribution::Points { label, points } => SceneTarget::Points {
                label: label.clone(),
                points: points.clone(),
            },
            Distribution::Word { text, .. } => SceneTarget::Word { text: text.clone() },
            Distribution::Picture { label, grid } => SceneTarget::Picture {
                label: label.clone(),
                grid: grid.clone(),
            },
            Distribution::Digits => SceneTarget::Digits,
            Distribution::StandardNormal { dim } => SceneTarget::StandardNormal { dim: *dim },
            Distribution::Rows { label, rows } => SceneTarget::Rows {
                label: label.clone(),
                rows: rows.rows().into_iter().map(|row| row.to_vec()).collect(),
            },
        }
    }

    /// Checks the points of a point set and the glyphs of a word; `role` ("target", "source")
    /// names it in the message.
    fn check(&self, role: &str) -> Result<(), SceneValueError> {
        match self {
            SceneTarget::Points { points, .. } => {
                if points.is_empty() {
                    return Err(SceneValueError::Value(format!(
                        "the {role} holds no points"
                    )));
                }
                limits::check(
                    &format!("{role} points"),
                    points.len(),
                    limits::MAX_POINTS,
                    16,
                )?;
                if let Some(index) = points.iter().position(|p| {
                    !(p[0].is_finite()
                        && p[1].is_finite()
                        && p[0].abs() <= MAX_COORDINATE_F64
                        && p[1].abs() <= MAX_COORDINATE_F64)
                }) {
                    return Err(SceneValueError::Value(format!(
                        "{role} point {index} is not a usable coordinate pair: {:?}",
                        points[index]
                    )));
                }
                Ok(())
            }
            SceneTarget::Word { text } => {
                Distribution::word(text)
                    .map(drop)
                    .map_err(|source| SceneValueError::Data {
                        role: role.to_string(),
                        source,
                    })
            }
            SceneTarget::Rows { rows, .. } => {
                let dim = rows.first().map_or(0, Vec::len);
                if dim == 0 || rows.iter().any(|row| row.len() != dim) {
                    return Err(SceneValueError::Value(format!(
                        "the {role}'s rows are empty or of unequal widths"
                    )));
                }
                if rows.iter().flatten().any(|value| !value.is_finite()) {
                    return Err(SceneValueError::Value(format!(
                        "the {role}'s rows hold a non-finite value"
                    )));
                }
                Ok(())
            }
            SceneTarget::Preset { .. }
            | SceneTarget::Picture { .. }
            | SceneTarget::Digits
            | SceneTarget::StandardNormal { .. } => Ok(()),
        }
    }
}

/// A scene's source: a preset is written as its bare name (the format before pictures and
/// words), anything else as a tagged [`SceneTarget`].
mod source_serde {
    use super::{Preset, SceneTarget};
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    pub(crate) fn serialize<S: Serializer>(
        source: &SceneTarget,
        out: S,
    ) -> Result<S::Ok, S::Error> {
        match source {
            SceneTarget::Preset { name } => name.serialize(out),
            other => other.serialize(out),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        input: D,
    ) -> Result<SceneTarget, D::Error> {
        let value = serde_json::Value::deserialize(input)?;
        match value {
            serde_json::Value::String(name) => Preset::from_name(&name)
                .map(|name| SceneTarget::Preset { name })
                .map_err(|_| {
                    D::Error::custom(format!(
                        "unknown source preset '{name}' (presets: {})",
                        Preset::valid_names()
                    ))
                }),
            other => SceneTarget::deserialize(other).map_err(D::Error::custom),
        }
    }
}

/// The overlay toggles of the plot (the app's `Overlays`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SceneOverlays {
    /// Colour particles by their starting position.
    pub colors_by_start: bool,
    /// Trails of recent positions.
    pub trails: bool,
    /// The target samples.
    pub target: bool,
    /// Velocity arrows at the particles.
    pub particle_arrows: bool,
    /// Velocity arrows on a regular grid.
    pub grid_arrows: bool,
    /// NSGF++: mark the straight phase.
    pub phase_boundary: bool,
}

impl Default for SceneOverlays {
    fn default() -> Self {
        Self {
            colors_by_start: true,
            trails: false,
            target: true,
            particle_arrows: false,
            grid_arrows: false,
            phase_boundary: true,
        }
    }
}

/// Why a scene file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// The file could not be read or written.
    #[error("cannot {action} {path}")]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON of a scene.
    #[error("{path}: not a valid scene file")]
    Json {
        /// The file.
        path: String,
        /// The parser's error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A scene of another format version, or no scene at all.
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A value out of range.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// The bad value, named.
        #[source]
        reason: SceneValueError,
    },
}

/// A value of a scene out of range, named (inside [`SceneError::Invalid`], which names the
/// file).
#[derive(Debug, thiserror::Error)]
pub enum SceneValueError {
    /// A size beyond its limit.
    #[error(transparent)]
    Limit(#[from] limits::LimitError),
    /// The flow's Sinkhorn parameters.
    #[error("flow: {0}")]
    Flow(#[source] crate::ot::OtError),
    /// The training parameters.
    #[error("training: {0}")]
    Training(#[source] Box<crate::model::ModelError>),
    /// A word or picture that cannot be drawn.
    #[error("{role}: {source}")]
    Data {
        /// "source" or "target".
        role: String,
        /// Why.
        #[source]
        source: crate::data::DataError,
    },
    /// A picture's density grid that cannot be reduced or stored.
    #[error(transparent)]
    Grid(#[from] crate::data::density::GridError),
    /// Any other bad value, named.
    #[error("{0}")]
    Value(String),
}

impl Scene {
    /// Parses and checks a scene; `origin` names the source in messages.
    pub fn from_json(text: &str, origin: &Path) -> Result<Self, SceneError> {
        let path = origin.display().to_string();
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|source| SceneError::Json {
                path: path.clone(),
                source,
            })?;
        match value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(SCENE_FORMAT_VERSION) => {}
            Some(v) => {
                return Err(SceneError::Format {
                    path,
                    reason: format!(
                        "scene format version {v}, but this nsgf reads version \
                         {SCENE_FORMAT_VERSION}"
                    ),
                });
            }
            None => {
                return Err(SceneError::Format {
                    path,
                    reason: "not an nsgf scene file (no format_version field)".into(),
                });
            }
        }
        let scene: Self = serde_json::from_value(value).map_err(|source| SceneError::Json {
            path: path.clone(),
            source,
        })?;
        scene
            .check()
            .map_err(|reason| SceneError::Invalid { path, reason })?;
        Ok(scene)
    }

    /// Reads and checks the scene at `path`.
    pub fn load(path: &Path) -> Result<Self, SceneError> {
        let text = std::fs::read_to_string(path).map_err(|source| SceneError::Io {
            action: "read",
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// The scene as pretty JSON.
    pub fn to_json(&self) -> String {
        // A scene holds only plain numbers, strings and paths: encoding cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the scene through a temporary file renamed into place.
    pub fn save(&self, path: &Path) -> Result<(), SceneError> {
        let json = self.to_json();
        crate::files::write_atomically(path, |out| out.write_all(json.as_bytes()))
            .map(drop)
            .map_err(|source| SceneError::Io {
                action: "write",
                path: path.display().to_string(),
                source,
            })
    }

    /// The model file to load with the scene opened from `scene_path`, if any.
    pub fn model_path(&self, scene_path: &Path) -> Option<PathBuf> {
        let model = self.model.as_ref()?;
        if model.is_absolute() {
            return Some(model.clone());
        }
        Some(
            scene_path
                .parent()
                .map_or_else(|| model.clone(), |folder| folder.join(model)),
        )
    }

    /// Checks every value, naming the first bad one.
    fn check(&self) -> Result<(), SceneValueError> {
        if self.particles == 0 {
            return Err(SceneValueError::Value(
                "particles must be at least 1 (got 0)".into(),
            ));
        }
        limits::check("particles", self.particles, limits::MAX_POINTS, 16)?;
        self.flow
            .sinkhorn
            .validate()
            .map_err(SceneValueError::Flow)?;
        if !(self.flow.eta.is_finite() && self.flow.eta > 0.0) {
            return Err(SceneValueError::Value(format!(
                "flow: eta must be > 0 (got {})",
                self.flow.eta
            )));
        }
        if self.flow.steps == 0 {
            return Err(SceneValueError::Value(
                "flow: steps must be at least 1 (got 0)".into(),
            ));
        }
        limits::check("flow steps", self.flow.steps, limits::MAX_STEPS, 0)?;
        self.training
            .validate()
            .map_err(|source| SceneValueError::Training(Box::new(source)))?;
        self.source.check("source")?;
        self.target.check("target")
    }
}
