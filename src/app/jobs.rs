//! The messages between the app state and its workers: [`Request`]s that the state queues, and
//! [`WorkerEvent`] results that the jobs send back over a channel. Errors cross as
//! [`JobError`]s; only the state's status line turns them into text.

use super::dialog_purpose::DialogPurpose;
use crate::Point;
use crate::data::Distribution;
use crate::flow::{FlowConfig, FlowKind, Frame, PointCloud, Trajectory};
use crate::gpu::BackendNote;
use crate::job::{CancelToken, JobError};
use crate::model::{TrainConfig, TrainProgress, TrainedModel};
use crate::ot::SinkhornParams;
use crate::render::pca::Projection;
use crate::render::{Animation, LookOptions};
use crate::scene::Scene;
use std::path::PathBuf;
use std::sync::Arc;

/// An axis-aligned box of the plane (the plot's default view and the quiver grid's extent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    /// Lower-left corner.
    pub min: Point,
    /// Upper-right corner.
    pub max: Point,
}

impl Extent {
    /// The smallest SQUARE holding every finite point of `sets`, grown by `margin_fraction` of
    /// its side on every side; the box [-4, 4]² when there is no finite point. Square, so that
    /// a square plot at aspect 1 shows exactly this box and the quiver grid covers all of it.
    pub fn around(sets: &[&[Point]], margin_fraction: f64) -> Self {
        let Some((min, max)) = crate::ot::finite_bounding_box(sets.iter().copied()) else {
            return Self {
                min: [-4.0, -4.0],
                max: [4.0, 4.0],
            };
        };
        let span = (max[0] - min[0]).max(max[1] - min[1]).max(1e-3);
        let half = span / 2.0 + span * margin_fraction;
        let center = [f64::midpoint(min[0], max[0]), f64::midpoint(min[1], max[1])];
        Self {
            min: [center[0] - half, center[1] - half],
            max: [center[0] + half, center[1] + half],
        }
    }

    /// This box grown by `fraction` of its size on every side.
    pub(crate) fn grown(&self, fraction: f64) -> Self {
        let (dx, dy) = (
            (self.max[0] - self.min[0]) * fraction,
            (self.max[1] - self.min[1]) * fraction,
        );
        Self {
            min: [self.min[0] - dx, self.min[1] - dy],
            max: [self.max[0] + dx, self.max[1] + dy],
        }
    }

    /// The cells × cells centres of a regular grid over this box (row by row from the bottom).
    pub fn grid(&self, cells: usize) -> Vec<Point> {
        let cells = cells.max(1);
        let dx = (self.max[0] - self.min[0]) / cells as f64;
        let dy = (self.max[1] - self.min[1]) / cells as f64;
        let mut points = Vec::with_capacity(cells * cells);
        for row in 0..cells {
            for column in 0..cells {
                points.push([
                    self.min[0] + (column as f64 + 0.5) * dx,
                    self.min[1] + (row as f64 + 0.5) * dy,
                ]);
            }
        }
        points
    }

    /// The width of one cell of a `cells × cells` grid (the smaller side).
    pub fn cell_size(&self, cells: usize) -> f64 {
        let cells = cells.max(1) as f64;
        ((self.max[0] - self.min[0]) / cells).min((self.max[1] - self.min[1]) / cells)
    }
}

/// A flow as the app shows it: the [`Trajectory`] (frames shared, never copied) plus, for every
/// frame, the displacement field on the quiver grid, and the particles' colours.
#[derive(Debug, Clone)]
pub struct ShownFlow {
    /// The frames, their times on the [0, 1] timeline, velocities, kind and phase boundary.
    pub trajectory: Trajectory,
    /// The quiver grid's points (shared by every frame).
    pub grid: Arc<Vec<Point>>,
    /// Per frame: the displacement field at each grid point (empty when unknown). Arrows are
    /// displacements per step (`step_size · v`), so an arrow's tip is where its particle goes.
    pub grid_fields: Vec<Arc<Vec<Point>>>,
    /// Particle colours by starting position.
    pub colors: Arc<Vec<[u8; 3]>>,
    /// Flows of more than two dimensions: the plane of the target's first two principal
    /// components, which the view projects the frames onto (None in 2D).
    pub projection: Option<Arc<Projection>>,
}

impl ShownFlow {
    /// An empty flow of `kind` on `grid`.
    pub(crate) fn new(kind: FlowKind, grid: Arc<Vec<Point>>) -> Self {
        Self {
            trajectory: Trajectory::new(kind),
            grid,
            grid_fields: Vec::new(),
            colors: Arc::new(Vec::new()),
            projection: None,
        }
    }

    /// The grid field of frame `index` (empty when unknown).
    pub(crate) fn grid_field(&self, index: usize) -> &[Point] {
        self.grid_fields
            .get(index)
            .map_or(&[], |field| field.as_slice())
    }
}

impl Default for ShownFlow {
    fn default() -> Self {
        Self::new(FlowKind::Sinkhorn, Arc::new(Vec::new()))
    }
}

/// A request for a particle flow: sample, then simulate and stream every frame.
#[derive(Debug, Clone)]
pub struct FlowRequest {
    /// Results tagged with an older generation are dropped.
    pub generation: u64,
    /// Source distribution.
    pub source: Distribution,
    /// Target distribution.
    pub target: Distribution,
    /// Particles (and target samples).
    pub particles: usize,
    /// Seed of both samples (the rule of [`crate::data::sample_source_and_target`]).
    pub seed: u64,
    /// Steps, η and Sinkhorn parameters.
    pub config: FlowConfig,
    /// How each step is solved.
    pub solver: crate::flow::FlowSolver,
    /// Quiver grid cells per side.
    pub grid_cells: usize,
    /// Cancels the flow (a newer one supersedes it).
    pub cancel: CancelToken,
}

/// Which of the app's two flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Run {
    /// The empirical Sinkhorn particle flow.
    Particle,
    /// The learned NSGF / NSGF++ flow.
    Learned,
}

/// The frame a metrics readout belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MetricsKey {
    /// Which flow.
    pub run: Run,
    /// The generation of that flow's frames.
    pub generation: u64,
    /// Frame index.
    pub frame: usize,
}

/// A request for a mean-field study (one field a step, on the training worker).
#[derive(Debug, Clone)]
pub struct MeanfieldRequest {
    /// Results tagged with an older generation are dropped.
    pub generation: u64,
    /// What to compare.
    pub config: crate::meanfield::MeanfieldConfig,
    /// Cancels the study.
    pub cancel: CancelToken,
}

/// A request for S_ε and W2 of one frame against the target.
#[derive(Debug, Clone)]
pub struct MetricsRequest {
    /// The frame.
    pub key: MetricsKey,
    /// Its particles (shared with the frame).
    pub particles: PointCloud,
    /// The target distribution (a fresh same-size sample is drawn for W2 and S_ε).
    pub target: Distribution,
    /// Sinkhorn parameters of S_ε.
    pub params: SinkhornParams,
    /// Seed of the fresh target sample.
    pub seed: u64,
    /// Cancels the readout (a newer frame is shown).
    pub cancel: CancelToken,
}

/// A request to integrate the model from fresh source samples.
#[derive(Debug, Clone)]
pub struct LearnedRequest {
    /// Results tagged with an older generation are dropped.
    pub generation: u64,
    /// The model.
    pub model: Arc<TrainedModel>,
    /// Samples.
    pub particles: usize,
    /// Network evaluations (None: the model's default).
    pub nfe: Option<usize>,
    /// Seed of the source sample.
    pub seed: u64,
    /// Quiver grid over this box.
    pub extent: Extent,
    /// Quiver grid cells per side.
    pub grid_cells: usize,
    /// A model of more than two dimensions: the plane its frames are shown on (the particle
    /// flow's).
    pub projection: Option<Arc<Projection>>,
    /// Cancels the sampling (a newer one supersedes it).
    pub cancel: CancelToken,
}

/// A request to train a model.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// Results tagged with an older generation are dropped.
    pub generation: u64,
    /// Hyperparameters.
    pub config: TrainConfig,
    /// Source distribution.
    pub source: Distribution,
    /// Target distribution.
    pub target: Distribution,
    /// A distilled one-step generator's teacher (the model shown when training started).
    pub teacher: Option<Arc<TrainedModel>>,
    /// Cancels training.
    pub cancel: CancelToken,
}

/// A file operation with a dialog.
#[derive(Debug, Clone)]
pub enum FileRequest {
    /// Read a CSV file as the drawn target (None: a native dialog asks which).
    LoadPoints(Option<PathBuf>),
    /// Read a picture as the target (None: a native dialog asks which).
    LoadPicture(Option<PathBuf>),
    /// Save the drawn points as CSV.
    SavePoints {
        /// The points.
        points: Vec<Point>,
        /// Where; None asks.
        path: Option<PathBuf>,
    },
    /// Load a model (None: a native dialog asks which).
    LoadModel(Option<PathBuf>),
    /// Save the model as JSON.
    SaveModel {
        /// The model.
        model: Arc<TrainedModel>,
        /// Where; None asks.
        path: Option<PathBuf>,
    },
    /// Save a scene (None: a file dialog asks where).
    SaveScene {
        /// The scene.
        scene: Box<Scene>,
        /// Where; None asks.
        path: Option<PathBuf>,
    },
    /// Open a scene (None: a file dialog asks which).
    OpenScene(Option<PathBuf>),
    /// A file dropped on the window: points, a model or a scene, told apart by their content.
    OpenDropped(PathBuf),
    /// Save one frame of a flow as PNG, drawn by the GIF export's renderer.
    SavePng {
        /// The shown flow.
        animation: Box<Animation>,
        /// How it looks (size, trails, arrows, target).
        look: LookOptions,
        /// The frame to draw.
        frame: usize,
        /// Where; None asks.
        path: Option<PathBuf>,
    },
    /// Write a 64-dimensional flow as a GIF of 8×8 image grids.
    ExportDigitsGif {
        /// The flow (its first 64 points a frame).
        trajectory: Arc<Trajectory>,
        /// Where; None asks.
        path: Option<PathBuf>,
    },
}

impl FileRequest {
    /// The path the request names (None: a dialog is to ask).
    pub(crate) fn path(&self) -> Option<&PathBuf> {
        match self {
            Self::LoadPoints(path)
            | Self::LoadPicture(path)
            | Self::LoadModel(path)
            | Self::OpenScene(path)
            | Self::SavePoints { path, .. }
            | Self::SaveModel { path, .. }
            | Self::SaveScene { path, .. }
            | Self::SavePng { path, .. }
            | Self::ExportDigitsGif { path, .. } => path.as_ref(),
            Self::OpenDropped(path) => Some(path),
        }
    }

    /// What a dialog for this request asks for.
    pub(crate) fn purpose(&self) -> DialogPurpose {
        match self {
            Self::LoadPoints(_) | Self::OpenDropped(_) => DialogPurpose::LoadPoints,
            Self::LoadPicture(_) => DialogPurpose::LoadPicture,
            Self::SavePoints { .. } => DialogPurpose::SavePoints,
            Self::LoadModel(_) => DialogPurpose::LoadModel,
            Self::SaveModel { .. } => DialogPurpose::SaveModel,
            Self::SaveScene { .. } => DialogPurpose::SaveScene,
            Self::OpenScene(_) => DialogPurpose::OpenScene,
            Self::SavePng { .. } => DialogPurpose::SavePng,
            Self::ExportDigitsGif { .. } => DialogPurpose::ExportDigitsGif,
        }
    }

    /// The operation, for failure messages.
    pub(crate) fn op(&self) -> FileOp {
        match self {
            Self::LoadPoints(_) => FileOp::Purpose(DialogPurpose::LoadPoints),
            Self::LoadPicture(_) => FileOp::Purpose(DialogPurpose::LoadPicture),
            Self::SavePoints { .. } => FileOp::Purpose(DialogPurpose::SavePoints),
            Self::LoadModel(_) => FileOp::Purpose(DialogPurpose::LoadModel),
            Self::SaveModel { .. } => FileOp::Purpose(DialogPurpose::SaveModel),
            Self::SaveScene { .. } => FileOp::Purpose(DialogPurpose::SaveScene),
            Self::OpenScene(_) => FileOp::Purpose(DialogPurpose::OpenScene),
            Self::OpenDropped(_) => FileOp::OpenDropped,
            Self::SavePng { .. } => FileOp::Purpose(DialogPurpose::SavePng),
            Self::ExportDigitsGif { .. } => FileOp::Purpose(DialogPurpose::ExportDigitsGif),
        }
    }
}

/// A request for a GIF of the shown flow.
#[derive(Debug, Clone)]
pub struct GifRequest {
    /// The animation (its frames shared with the shown flow, not copied).
    pub animation: Animation,
    /// How it looks (trails, arrows, target).
    pub look: LookOptions,
    /// Where to write it; None asks with a file dialog.
    pub path: Option<PathBuf>,
    /// Cancels the export (nothing is left on disk).
    pub cancel: CancelToken,
}

/// Work the app state asks the shell to start.
#[derive(Debug, Clone)]
pub enum Request {
    /// Simulate a particle flow.
    Flow(FlowRequest),
    /// Compute S_ε and W2 of a frame.
    Metrics(MetricsRequest),
    /// Integrate the learned flow.
    Learned(LearnedRequest),
    /// Train a model.
    Train(TrainRequest),
    /// A file dialog and what follows it.
    File(FileRequest),
    /// Export a GIF.
    ExportGif(GifRequest),
    /// Study the mean-field limit.
    Meanfield(MeanfieldRequest),
}

/// Which file operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    /// The work of what a file dialog is asked for (the dialog shown or not).
    Purpose(DialogPurpose),
    /// Opening a dropped file.
    OpenDropped,
}

/// Results the workers send back.
#[derive(Debug)]
pub enum WorkerEvent {
    /// The compute worker chose its backend (or the CPU took over after a GPU failure).
    BackendReady {
        /// Which backend and why.
        note: BackendNote,
    },
    /// A particle flow sampled its source and target.
    FlowStarted {
        /// The request's generation.
        generation: u64,
        /// Target samples.
        target: PointCloud,
        /// Particle colours by starting position.
        colors: Arc<Vec<[u8; 3]>>,
        /// The default view and quiver box.
        extent: Extent,
        /// The quiver grid over the box.
        grid: Arc<Vec<Point>>,
        /// A flow of more than two dimensions: the plane it is shown on.
        projection: Option<Arc<Projection>>,
    },
    /// One more frame of a particle flow.
    FlowFrame {
        /// The request's generation.
        generation: u64,
        /// The frame.
        frame: Frame,
        /// The displacement field on the quiver grid (empty for the last frame).
        grid_field: Arc<Vec<Point>>,
    },
    /// The particle flow recorded its last frame.
    FlowFinished {
        /// The request's generation.
        generation: u64,
    },
    /// The particle flow failed.
    FlowFailed {
        /// The request's generation.
        generation: u64,
        /// Why.
        error: JobError,
    },
    /// Readouts of one frame.
    Metrics {
        /// The frame.
        key: MetricsKey,
        /// S_ε to the target, or why not.
        divergence: Result<f64, JobError>,
        /// W2 to a fresh target sample; None when the set is too large for the exact solver.
        w2: Option<Result<f64, JobError>>,
    },
    /// A readout was cancelled before it was computed (a newer frame is shown).
    MetricsSkipped {
        /// The skipped frame.
        key: MetricsKey,
    },
    /// A learned trajectory is ready.
    LearnedReady {
        /// The request's generation.
        generation: u64,
        /// The flow.
        flow: ShownFlow,
    },
    /// Sampling the learned flow failed.
    LearnedFailed {
        /// The request's generation.
        generation: u64,
        /// Why.
        error: JobError,
    },
    /// A snapshot of a mean-field study after one more field.
    MeanfieldUpdate {
        /// The request's generation.
        generation: u64,
        /// The study so far.
        study: Box<crate::meanfield::MeanfieldStudy>,
        /// Whether it is the last.
        finished: bool,
    },
    /// A mean-field study failed or was cancelled.
    MeanfieldFailed {
        /// The request's generation.
        generation: u64,
        /// Why.
        error: JobError,
    },
    /// Training progress.
    TrainProgress {
        /// The request's generation.
        generation: u64,
        /// The progress report.
        progress: TrainProgress,
    },
    /// Training ended.
    TrainFinished {
        /// The request's generation.
        generation: u64,
        /// The model, or why not (cancelled, diverged, invalid).
        result: Result<Box<TrainedModel>, JobError>,
    },
    /// A picture was read and decoded.
    PictureLoaded {
        /// Its mass (the label names the file).
        mass: Box<crate::data::PictureMass>,
    },
    /// A point set was loaded from `label`.
    PointsLoaded {
        /// The file.
        label: String,
        /// Its points.
        points: Vec<Point>,
    },
    /// A scene was read from `path`.
    SceneOpened {
        /// The file.
        path: PathBuf,
        /// The scene (checked).
        scene: Box<Scene>,
    },
    /// The native file dialog gave up at once (no portal): the in-app dialog is to ask.
    NativeDialogUnavailable {
        /// What it was asked for.
        purpose: DialogPurpose,
    },
    /// A model was loaded from `path`.
    ModelLoaded {
        /// The file.
        path: PathBuf,
        /// The model.
        model: Box<TrainedModel>,
    },
    /// A file was written.
    Saved {
        /// What was written where, for the status line.
        message: String,
    },
    /// Something to tell the user that is neither a result nor an error (in the browser: how
    /// to load a file).
    Notice {
        /// For the status line.
        message: String,
    },
    /// GIF export progress in [0, 1].
    GifProgress(f64),
    /// A file operation or export failed (or was cancelled); the current state is kept.
    FileFailed {
        /// Which operation.
        op: FileOp,
        /// Why.
        error: JobError,
    },
    /// The user cancelled a dialog.
    DialogCancelled,
    /// A worker could not take a request (its thread could not start, or is gone).
    WorkerFailed {
        /// Why.
        error: JobError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_holds_every_point_with_margin() {
        let extent = Extent::around(&[&[[0.0, 0.0], [2.0, 1.0]], &[[-1.0, 3.0]]], 0.1);
        assert!((extent.min[0] - (-1.3)).abs() < 1e-12);
        assert!((extent.max[1] - 3.3).abs() < 1e-12);
        let wide = Extent::around(&[&[[0.0, 0.0], [4.0, 1.0]]], 0.0);
        assert_eq!(wide.min, [0.0, -1.5]);
        assert_eq!(wide.max, [4.0, 2.5], "square: as tall as it is wide");
    }

    #[test]
    fn extent_of_nothing_is_a_default_box() {
        let extent = Extent::around(&[&[[f64::NAN, 0.0]]], 0.1);
        assert_eq!(extent.min, [-4.0, -4.0]);
    }

    #[test]
    fn grid_has_cells_squared_centres_inside_the_box() {
        let extent = Extent {
            min: [0.0, 0.0],
            max: [4.0, 2.0],
        };
        let grid = extent.grid(4);
        assert_eq!(grid.len(), 16);
        assert_eq!(grid[0], [0.5, 0.25]);
        assert_eq!(grid[15], [3.5, 1.75]);
        assert_eq!(extent.cell_size(4), 0.5);
    }
}
