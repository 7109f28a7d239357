//! Trained models in any dimension: NSGF (a velocity field v_θ(x, t) matched to Sinkhorn
//! particle flows), NSGF++ (≤ 5 NSGF steps, a phase-transition time predictor t_φ(x), a straight
//! flow u_δ(x, s)) and one-step generators, their training loops, sampling, judging against
//! held-out data, and the JSON model file (with its dimension; older 2D and d-dimensional files
//! still load). In 2D the flows run on the specialised 2D kernels, in any other dimension on the
//! streaming d-dimensional ones (or a GPU's, [`Trainer::set_kernels`]).

use crate::data::Distribution;
use crate::flow::{FlowConfig, FlowKind};

mod config;
mod evaluation;
mod file;
mod flow_matching;
mod inputs;
mod judging;
mod legacy_wide;
mod nsgf;
mod onestep;
mod sampling;
mod setup;
mod straight;
mod training;

pub use config::{BASE_BLUR, BASE_ETA, NSGF_BLUR, NSGF_ETA};
use evaluation::HeldOutEvaluation;
pub use flow_matching::{ConditionalBatch, conditional_batch, ot_paired};
pub use judging::{
    Floor, Judgement, PROTOCOL_DRAWS, PROTOCOL_SAMPLES, PROTOCOL_SEEDS, Protocol, SinkhornMetric,
    judge_floor,
};
pub use setup::STRAIGHT_STEPS_PER_UNIT;
pub use training::{TrainStep, Trainer};

use crate::nn::Mlp;

/// The file-format version written into every model file: 2 since models carry their
/// dimension (version 1 files, 2D or d-dimensional, still load).
pub const FORMAT_VERSION: u32 = 2;

/// Which model.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
pub enum Method {
    /// NSGF: the learned velocity field integrated for T steps.
    #[serde(rename = "nsgf")]
    #[value(name = "nsgf")]
    Nsgf,
    /// NSGF++: ≤ 5 NSGF steps, then a phase-transition time and a straight flow.
    #[serde(rename = "nsgfpp")]
    #[value(name = "nsgfpp")]
    NsgfPp,
    /// A one-step generator G(z): a source sample to a target sample in one network evaluation,
    /// distilled from an NSGF/NSGF++ teacher or trained directly on the Sinkhorn flow.
    #[serde(rename = "onestep")]
    #[value(name = "onestep")]
    OneStep,
    /// I-CFM, a rival: v_θ regressed on x₁ − x₀ along x_t = (1 − t)x₀ + t·x₁ + σ·ε between
    /// independent source and target samples.
    #[serde(rename = "icfm")]
    #[value(name = "icfm")]
    Icfm,
    /// OT-CFM, a rival: I-CFM on minibatches re-paired by the exact OT assignment.
    #[serde(rename = "otcfm")]
    #[value(name = "otcfm")]
    OtCfm,
    /// Rectified flow, a rival: I-CFM with σ = 0, with an optional reflow pass on the pairs
    /// (z, Φ(z)) of the first flow.
    #[serde(rename = "rf")]
    #[value(name = "rf")]
    Rf,
}

impl Method {
    /// The name on the command line and in model files: "nsgf", "nsgfpp".
    pub fn cli_name(self) -> &'static str {
        match self {
            Method::Nsgf => "nsgf",
            Method::NsgfPp => "nsgfpp",
            Method::OneStep => "onestep",
            Method::Icfm => "icfm",
            Method::OtCfm => "otcfm",
            Method::Rf => "rf",
        }
    }

    /// Every method, in the order menus list them.
    pub const ALL: [Method; 6] = [
        Method::Nsgf,
        Method::NsgfPp,
        Method::OneStep,
        Method::OtCfm,
        Method::Icfm,
        Method::Rf,
    ];

    /// Whether it is one of the flow-matching rivals (I-CFM, OT-CFM, RF): a velocity field
    /// regressed on conditional paths over t ∈ [0, 1], no Sinkhorn flow simulated.
    pub(crate) fn is_flow_matching(self) -> bool {
        matches!(self, Method::Icfm | Method::OtCfm | Method::Rf)
    }

    /// The kind of flow this method's model samples.
    pub fn flow_kind(self) -> FlowKind {
        match self {
            Method::Nsgf => FlowKind::Nsgf,
            Method::NsgfPp => FlowKind::NsgfPlusPlus,
            Method::OneStep => FlowKind::OneStep,
            Method::Icfm => FlowKind::Icfm,
            Method::OtCfm => FlowKind::OtCfm,
            Method::Rf => FlowKind::Rf,
        }
    }

    /// The name shown to people: "NSGF", "NSGF++" (the flow kind's).
    pub(crate) fn display_name(self) -> &'static str {
        self.flow_kind().display_name()
    }
}

/// How a one-step generator learns.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
pub enum OneStepMode {
    /// Regress G(z) on the endpoint Φ(z) of a trained NSGF or NSGF++ teacher (fresh pairs each
    /// outer iteration).
    #[serde(rename = "distilled")]
    #[value(name = "distilled")]
    Distilled,
    /// No teacher (W-Flow style): x = G(z), an independent x′ = G(z′) and target samples y give
    /// the debiased Sinkhorn-flow velocity v(x) = P_{x→y}(x) − P_{x→x′}(x); G(z) is regressed on
    /// the frozen x + η·v(x).
    #[default]
    #[serde(rename = "direct")]
    #[value(name = "direct")]
    Direct,
}

impl OneStepMode {
    /// The name on the command line and in files: "distilled", "direct".
    pub fn cli_name(self) -> &'static str {
        match self {
            OneStepMode::Distilled => "distilled",
            OneStepMode::Direct => "direct",
        }
    }
}

/// The teacher of a distilled one-step generator, or the one-step model a direct run started
/// from, as recorded in the model file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Guide {
    /// The guide's method.
    pub method: Method,
    /// Network evaluations of the guide's flow behind each distilled pair (1 for a one-step
    /// start).
    pub nfe: usize,
    /// The guide's own last W2 checkpoint and floor, if it has one.
    pub w2: Option<W2Checkpoint>,
    /// The guide's training time, in seconds (the student's total cost is both).
    pub seconds: f64,
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
    /// A size beyond its limit.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::LimitError),
    /// A W2 checkpoint or an OT pairing failed.
    #[error(transparent)]
    Metrics(#[from] crate::metrics::MetricsError),
    /// Training was cancelled.
    #[error("training cancelled")]
    Cancelled,
    /// Training diverged (a loss became NaN or infinite).
    #[error("training diverged: the loss became {0} at iteration {1}")]
    Diverged(f64, usize),
    /// The learned flow sent a sample to a NaN or infinite position.
    #[error(
        "the learned flow sent sample {index} to a non-finite position (frame {frame}): the \
         model's networks overflow on these inputs; retrain it or check the model file"
    )]
    NonFiniteSample {
        /// The first offending sample.
        index: usize,
        /// The frame of the trajectory where it is first non-finite.
        frame: usize,
    },
    /// A model file is not a model this nsgf reads (another format version, wrong shapes).
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A model file records a training configuration out of range.
    #[error("{path}: {source}")]
    FileConfig {
        /// The file.
        path: String,
        /// The configuration's error.
        #[source]
        source: Box<ModelError>,
    },
    /// A model file could not be read or written.
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
    /// A model file is not valid JSON of a model.
    #[error("{path}: {what}")]
    Json {
        /// The file.
        path: String,
        /// What the JSON failed to be ("not a valid model file", "corrupt model file").
        what: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A model could not be written as JSON.
    #[error("cannot encode the model as JSON")]
    Encode(#[source] serde_json::Error),
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
    /// Random Fourier features of the position encoding (0: raw coordinates).
    #[serde(default)]
    pub fourier_features: usize,
    /// Standard deviation of the Fourier-feature frequencies.
    #[serde(default = "default_fourier_scale")]
    pub fourier_scale: f64,
    /// One-step generators: how G learns (ignored by NSGF and NSGF++).
    #[serde(default)]
    pub onestep_mode: OneStepMode,
    /// Flow matching: the standard deviation σ of the Gaussian around each conditional path
    /// (TorchCFM's `sigma`; 0 for RF).
    #[serde(default)]
    pub sigma: f64,
    /// Rectified flow: Adam-step units of the reflow pass (0: none).
    #[serde(default)]
    pub reflow_iterations: usize,
    /// Seed of every random draw of the run.
    pub seed: u64,
}

fn default_fourier_scale() -> f64 {
    1.0
}

fn planar() -> usize {
    2
}

/// A trained NSGF or NSGF++ model with everything needed to sample from it and to reproduce it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrainedModel {
    /// File-format version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// The dimension of its points (2 in version 1 files of 2D models).
    #[serde(default = "planar")]
    pub dim: usize,
    /// NSGF, NSGF++ or one-step.
    pub method: Method,
    /// Every hyperparameter of the run.
    pub config: TrainConfig,
    /// The source distribution (file points are stored inline, so the model stands alone).
    pub source: Distribution,
    /// The target distribution.
    pub target: Distribution,
    /// Loss and W2 checkpoints.
    pub log: TrainingLog,
    /// One-step generators: the teacher it was distilled from, or the model a direct run
    /// started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<Guide>,
    /// The trained networks.
    networks: Networks,
}

/// The networks of a model: v_θ for NSGF and NSGF++, with u_δ and t_φ for NSGF++; the
/// generator G alone for a one-step model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Networks {
    /// The position encoding every network reads its input through.
    #[serde(default)]
    encoding: inputs::PositionEncoding,
    /// The velocity field v_θ(x, t) → v of the NSGF phase (NSGF, NSGF++).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    velocity: Option<Mlp>,
    /// NSGF++ only: the straight flow u_δ and the time predictor t_φ.
    straight: Option<StraightNetworks>,
    /// One-step models only: the displacement network, G(z) = z + g(z).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    generator: Option<Mlp>,
}

impl Networks {
    /// NSGF's networks: v_θ alone.
    fn velocity_only(encoding: inputs::PositionEncoding, velocity: Mlp) -> Self {
        Self {
            encoding,
            velocity: Some(velocity),
            straight: None,
            generator: None,
        }
    }
}

/// NSGF++'s second-phase networks.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct StraightNetworks {
    /// The straight flow u_δ(x, s) → u.
    straight_flow: Mlp,
    /// The phase-transition time predictor t_φ(x) → s (clamped to [0, 1]).
    time_predictor: Mlp,
}
