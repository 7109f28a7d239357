//! The messages between the app state and its worker threads: [`Job`] requests that the state
//! queues, and [`WorkerEvent`] results that the workers send back over a channel.

use crate::Point;
use crate::data::Distribution;
use crate::flow::FlowConfig;
use crate::model::{TrainConfig, TrainProgress, TrainedModel};
use crate::ot::SinkhornParams;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// An axis-aligned box of the plane (the plot's default view and the quiver grid's extent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    /// Lower-left corner.
    pub min: Point,
    /// Upper-right corner.
    pub max: Point,
}

impl Extent {
    /// The smallest box holding every finite point of `sets`, grown by `margin_fraction` of its
    /// size on every side; the box [-4, 4]² when there is no finite point.
    pub fn around(sets: &[&[Point]], margin_fraction: f64) -> Self {
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for p in sets.iter().flat_map(|set| set.iter()) {
            if p[0].is_finite() && p[1].is_finite() {
                for axis in 0..2 {
                    min[axis] = min[axis].min(p[axis]);
                    max[axis] = max[axis].max(p[axis]);
                }
            }
        }
        if min[0] > max[0] {
            return Self {
                min: [-4.0, -4.0],
                max: [4.0, 4.0],
            };
        }
        let span = (max[0] - min[0]).max(max[1] - min[1]).max(1e-3);
        let margin = span * margin_fraction;
        Self {
            min: [min[0] - margin, min[1] - margin],
            max: [max[0] + margin, max[1] + margin],
        }
    }

    /// The centres of a `cells × cells` grid over the box, row by row.
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

/// One frame ready to draw: positions, where each particle moves in the next step, and the same
/// field on the quiver grid. Arrows are displacements per step (η·v for the particle flow,
/// Δt·v_θ for the learned flow), so an arrow's tip is where its particle goes next.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedFrame {
    /// Step index k (the frame index, for the learned flow).
    pub step: usize,
    /// The frame's time on the flow's [0, 1] timeline: `k / steps` for the particle flow; for
    /// the learned flow see [`super::time_sync::learned_timeline`]. Side by side, frames of the
    /// two flows with the nearest `t` are shown together.
    pub t: f64,
    /// Particle positions.
    pub particles: Arc<Vec<Point>>,
    /// Displacement of each particle in the next step; empty for the last frame.
    pub displacements: Arc<Vec<Point>>,
    /// The displacement field at each point of the quiver grid; empty when unknown.
    pub grid_displacements: Arc<Vec<Point>>,
    /// The quiver grid's points (shared by every frame of a flow).
    pub grid: Arc<Vec<Point>>,
}

/// A learned trajectory converted for drawing.
#[derive(Debug, Clone)]
pub struct LearnedFrames {
    /// Every frame, `frames[0]` the fresh source sample.
    pub frames: Vec<RecordedFrame>,
    /// NSGF++: the first frame of the straight phase.
    pub phase_boundary: Option<usize>,
    /// Network evaluations of the whole trajectory.
    pub nfe: usize,
    /// Particle colours by starting position.
    pub colors: Arc<Vec<[u8; 3]>>,
}

impl LearnedFrames {
    /// Network evaluations spent to reach frame `index`: one per frame, plus NSGF++'s time
    /// predictor t_φ once the straight phase has begun.
    pub fn nfe_at(&self, index: usize) -> usize {
        match self.phase_boundary {
            Some(boundary) if index > boundary => index + 1,
            _ => index,
        }
    }
}

/// A request for the particle-flow worker: sample, then simulate and stream every frame.
#[derive(Debug, Clone)]
pub struct FlowJob {
    /// Results tagged with an older generation are dropped.
    pub generation: u64,
    /// Source distribution.
    pub source: Distribution,
    /// Target distribution.
    pub target: Distribution,
    /// Particles (and target samples).
    pub particles: usize,
    /// Seed of both samples.
    pub seed: u64,
    /// Steps, η and Sinkhorn parameters.
    pub config: FlowConfig,
    /// Quiver grid cells per side.
    pub grid_cells: usize,
}

/// Which frame a readout belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowKind {
    /// The empirical Sinkhorn particle flow.
    Particle,
    /// The learned NSGF / NSGF++ flow.
    Learned,
}

/// The frame a metrics readout belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MetricsKey {
    /// Which flow.
    pub kind: FlowKind,
    /// The generation of that flow's frames.
    pub generation: u64,
    /// Frame index.
    pub frame: usize,
}

/// A request for the metrics worker: S_ε and W2 of one frame against the target.
#[derive(Debug, Clone)]
pub struct MetricsJob {
    /// The frame.
    pub key: MetricsKey,
    /// Its particles.
    pub particles: Arc<Vec<Point>>,
    /// The target distribution (a fresh same-size sample is drawn for W2 and S_ε).
    pub target: Distribution,
    /// Sinkhorn parameters of S_ε.
    pub params: SinkhornParams,
    /// Seed of the fresh target sample.
    pub seed: u64,
}

/// A request for the learned-flow worker: integrate the model from fresh source samples.
#[derive(Debug, Clone)]
pub struct LearnedJob {
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
}

/// A request to train a model.
#[derive(Debug, Clone)]
pub struct TrainJob {
    /// Results tagged with an older generation are dropped.
    pub generation: u64,
    /// Hyperparameters.
    pub config: TrainConfig,
    /// Source distribution.
    pub source: Distribution,
    /// Target distribution.
    pub target: Distribution,
    /// Set to cancel.
    pub cancel: Arc<AtomicBool>,
}

/// A file operation with a dialog.
#[derive(Debug, Clone)]
pub enum FileJob {
    /// Pick a CSV file and read it as the drawn target.
    LoadPoints,
    /// Save the drawn points as CSV.
    SavePoints(Vec<Point>),
    /// Pick a model JSON file and load it.
    LoadModel,
    /// Load the model at this path (no dialog).
    LoadModelFrom(PathBuf),
    /// Save the model as JSON.
    SaveModel(Arc<TrainedModel>),
}

/// A request for a GIF of the shown flow.
#[derive(Debug, Clone)]
pub struct GifJob {
    /// The frames to draw (shared, not copied).
    pub frames: Vec<RecordedFrame>,
    /// The target samples drawn behind them.
    pub target: Arc<Vec<Point>>,
    /// Title line of every frame.
    pub title: String,
    /// "sinkhorn", "nsgf" or "nsgfpp" (the caption style and the default file name).
    pub kind: String,
    /// NSGF++: the first frame of the straight phase.
    pub phase_boundary: Option<usize>,
    /// Draw trails.
    pub trails: bool,
    /// Draw the per-particle arrows.
    pub arrows: bool,
    /// Draw the target samples.
    pub show_target: bool,
}

/// Work the app state asks the shell to start.
#[derive(Debug, Clone)]
pub enum Job {
    /// Simulate a particle flow.
    Flow(FlowJob),
    /// Compute S_ε and W2 of a frame.
    Metrics(MetricsJob),
    /// Integrate the learned flow.
    Learned(LearnedJob),
    /// Train a model.
    Train(TrainJob),
    /// A file dialog and what follows it.
    File(FileJob),
    /// Export a GIF.
    ExportGif(GifJob),
}

/// Results the workers send back.
#[derive(Debug)]
pub enum WorkerEvent {
    /// The particle-flow worker chose its backend.
    BackendReady {
        /// E.g. "backend: cpu f32".
        note: String,
    },
    /// A particle flow sampled its source and target.
    FlowStarted {
        /// The job's generation.
        generation: u64,
        /// Source samples (frame 0).
        source: Arc<Vec<Point>>,
        /// Target samples.
        target: Arc<Vec<Point>>,
        /// Particle colours by starting position.
        colors: Arc<Vec<[u8; 3]>>,
        /// The default view and quiver box.
        extent: Extent,
    },
    /// One more frame of a particle flow.
    FlowFrame {
        /// The job's generation.
        generation: u64,
        /// The frame.
        frame: RecordedFrame,
    },
    /// The particle flow recorded its last frame.
    FlowFinished {
        /// The job's generation.
        generation: u64,
    },
    /// The particle flow failed.
    FlowFailed {
        /// The job's generation.
        generation: u64,
        /// Why.
        message: String,
    },
    /// Readouts of one frame.
    Metrics {
        /// The frame.
        key: MetricsKey,
        /// S_ε to the target, or why not.
        divergence: Result<f64, String>,
        /// W2 to a fresh target sample; None when the set is too large for the exact solver.
        w2: Option<Result<f64, String>>,
    },
    /// The metrics worker skipped a request superseded by a newer one.
    MetricsSkipped {
        /// The skipped frame.
        key: MetricsKey,
    },
    /// A learned trajectory is ready.
    LearnedReady {
        /// The job's generation.
        generation: u64,
        /// The frames.
        trajectory: LearnedFrames,
    },
    /// Sampling the learned flow failed.
    LearnedFailed {
        /// The job's generation.
        generation: u64,
        /// Why.
        message: String,
    },
    /// Training progress.
    TrainProgress {
        /// The job's generation.
        generation: u64,
        /// The progress report.
        progress: TrainProgress,
    },
    /// Training ended.
    TrainFinished {
        /// The job's generation.
        generation: u64,
        /// The model, or why not (cancelled, diverged, invalid).
        result: Result<Box<TrainedModel>, String>,
    },
    /// A point set was loaded from `label`.
    PointsLoaded {
        /// The file.
        label: String,
        /// Its points.
        points: Vec<Point>,
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
    /// GIF export progress in [0, 1].
    GifProgress(f64),
    /// A file operation or export failed; the current state is kept.
    FileFailed {
        /// Why, naming the file.
        message: String,
    },
    /// The user cancelled a dialog.
    DialogCancelled,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_holds_every_point_with_margin() {
        let extent = Extent::around(&[&[[0.0, 0.0], [2.0, 1.0]], &[[-1.0, 3.0]]], 0.1);
        assert!((extent.min[0] - (-1.3)).abs() < 1e-12);
        assert!((extent.max[1] - 3.3).abs() < 1e-12);
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
