//! Trained models: NSGF (a velocity field v_θ(x, t) matched to Sinkhorn particle flows) and
//! NSGF++ (≤ 5 NSGF steps, a phase-transition time predictor t_φ(x), a straight flow u_δ(x, s)),
//! their training loops, sampling, and the JSON model file.

use crate::Point;
use crate::data::Distribution;
use crate::flow::FlowConfig;
use std::sync::atomic::AtomicBool;

/// The file-format version written into every model file.
pub const FORMAT_VERSION: u32 = 1;

/// Which model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
pub enum Method {
    /// NSGF: the learned velocity field integrated for T steps.
    #[serde(rename = "nsgf")]
    #[value(name = "nsgf")]
    Nsgf,
    /// NSGF++: ≤ 5 NSGF steps, then a phase-transition time and a straight flow.
    #[serde(rename = "nsgfpp")]
    #[value(name = "nsgfpp")]
    NsgfPp,
}

/// Errors of training, sampling, saving and loading models.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Invalid hyperparameters or arguments.
    #[error("{0}")]
    Invalid(String),
    /// The OT layer failed.
    #[error(transparent)]
    Ot(#[from] crate::ot::OtError),
    /// The data layer failed.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// Training was cancelled.
    #[error("training cancelled")]
    Cancelled,
    /// Training diverged (a loss became NaN or infinite).
    #[error("training diverged: the loss became {0} at iteration {1}")]
    Diverged(f64, usize),
    /// A model file could not be read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// Progress of a training run, reported after every outer iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainProgress {
    /// The stage being trained ("velocity field", "time predictor", "straight flow").
    pub stage: &'static str,
    /// Iterations done in this stage.
    pub iteration: usize,
    /// Iterations of this stage in all.
    pub total: usize,
    /// Fraction of the whole training done, in [0, 1].
    pub fraction_done: f64,
    /// The latest minibatch loss.
    pub loss: f64,
    /// The latest W2 checkpoint, if one was just taken.
    pub w2: Option<f64>,
}

/// A W2 checkpoint of the training log.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct W2Checkpoint {
    /// Outer iteration (over all stages) at which it was taken.
    pub iteration: usize,
    /// W2 of model samples against fresh target samples.
    pub w2: f64,
    /// The noise floor at the same size.
    pub floor: f64,
}

/// The training log stored with the model.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainingLog {
    /// (iteration, loss) per outer iteration, over all stages.
    pub losses: Vec<(usize, f64)>,
    /// W2 checkpoints.
    pub w2: Vec<W2Checkpoint>,
    /// Wall-clock seconds of training.
    pub seconds: f64,
}

/// A trajectory of the learned flow from fresh source samples.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedTrajectory {
    /// Positions after 0, 1, … NFE evaluations: `frames[0]` is the source sample.
    pub frames: Vec<Vec<Point>>,
    /// The time variable of every frame (NSGF: t in [0, 1]; NSGF++ straight phase: s in [0, 1]).
    pub times: Vec<f64>,
    /// NSGF++: index of the frame where the straight phase starts; None for NSGF.
    pub phase_boundary: Option<usize>,
    /// NSGF++: the predicted phase-transition time τ = t_φ(x) per sample.
    pub transition_times: Option<Vec<f64>>,
    /// Network evaluations used.
    pub nfe: usize,
}

/// Every hyperparameter of a training run (stored in the model file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainConfig {
    /// NSGF or NSGF++.
    pub method: Method,
    /// The Sinkhorn particle flows simulated for the pool: T steps (≤ 5 for NSGF++), η, blur, scaling.
    pub flow: FlowConfig,
    /// Source and target minibatch size of every simulated flow.
    pub particles: usize,
    /// Trajectory pool capacity P, in flows.
    pub pool_flows: usize,
    /// Outer iterations of the velocity-field stage (one simulated flow each).
    pub iterations: usize,
    /// Adam steps per outer iteration (K).
    pub adam_steps: usize,
    /// Minibatch size of the regression.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Hidden width of every MLP.
    pub hidden_width: usize,
    /// Number of hidden layers of every MLP.
    pub hidden_layers: usize,
    /// Hidden activation.
    pub activation: crate::nn::Activation,
    /// NSGF++: Adam steps of the straight flow and of the time predictor.
    pub straight_iterations: usize,
    /// Take a W2 checkpoint every this many outer iterations (0: only at the end).
    pub eval_every: usize,
    /// Samples per W2 checkpoint.
    pub eval_samples: usize,
    /// Seed of every random draw of the run.
    pub seed: u64,
}

/// A trained NSGF or NSGF++ model with everything needed to sample from it and to reproduce it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrainedModel {
    /// File-format version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// NSGF or NSGF++.
    pub method: Method,
    /// Every hyperparameter of the run.
    pub config: TrainConfig,
    /// The source distribution (file points are stored inline, so the model stands alone).
    pub source: Distribution,
    /// The target distribution.
    pub target: Distribution,
    /// Loss and W2 checkpoints.
    pub log: TrainingLog,
    /// The networks (being written).
    networks: serde_json::Value,
}

impl TrainConfig {
    /// Good defaults for `method` on the 2D presets.
    pub fn defaults_for(method: Method) -> Self {
        let _ = method;
        todo!()
    }
}

impl TrainedModel {
    /// Trains a model of `config.method` from `source` to `target`, reporting progress after every
    /// outer iteration; returns [`ModelError::Cancelled`] soon after `cancel` is set.
    pub fn train(
        config: &TrainConfig,
        source: &Distribution,
        target: &Distribution,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&TrainProgress),
    ) -> Result<Self, ModelError> {
        let _ = (config, source, target, cancel, progress);
        todo!()
    }

    /// The default number of network evaluations for sampling (T for NSGF; the total budget for NSGF++).
    pub fn default_nfe(&self) -> usize {
        todo!()
    }

    /// Integrates the learned flow from `n` fresh source samples (seeded), keeping every frame.
    /// `nfe` resamples the time grid over the same horizon (NSGF++: the total budget of both phases).
    pub fn sample_trajectory(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<LearnedTrajectory, ModelError> {
        let _ = (n, nfe, seed);
        todo!()
    }

    /// The final positions of [`TrainedModel::sample_trajectory`].
    pub fn sample(&self, n: usize, nfe: Option<usize>, seed: u64) -> Result<Vec<Point>, ModelError> {
        let mut trajectory = self.sample_trajectory(n, nfe, seed)?;
        trajectory
            .frames
            .pop()
            .ok_or_else(|| ModelError::Invalid("the trajectory has no frame".into()))
    }

    /// The learned velocity field v_θ(·, t) of the NSGF phase at `points` (for quiver plots).
    pub fn velocity_field(&self, points: &[Point], t: f64) -> Vec<Point> {
        let _ = (points, t);
        todo!()
    }

    /// Writes the model as JSON.
    pub fn save(&self, path: &std::path::Path) -> Result<(), ModelError> {
        let _ = path;
        todo!()
    }

    /// Reads a model written by [`TrainedModel::save`]; a corrupt file or another format version
    /// is a clear error naming the file.
    pub fn load(path: &std::path::Path) -> Result<Self, ModelError> {
        let _ = path;
        todo!()
    }
}
