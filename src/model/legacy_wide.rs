//! Reading the former d-dimensional model format (`WideModel`, format version 1 with a `dim`):
//! its raw-coordinate networks, final W2 and hyperparameters become a [`TrainedModel`] with the
//! identity position encoding. Nothing writes this format any more.

use super::inputs::PositionEncoding;
use super::{
    FORMAT_VERSION, Method, Networks, OneStepMode, StraightNetworks, TrainConfig, TrainedModel,
    TrainingLog, W2Checkpoint,
};
use crate::data::Distribution;
use crate::flow::FlowConfig;
use crate::nn::{Activation, Mlp};

/// The hyperparameters of a `WideModel` file.
#[derive(serde::Deserialize)]
struct WideConfig {
    method: Method,
    flow: FlowConfig,
    particles: usize,
    pool_flows: usize,
    iterations: usize,
    adam_steps: usize,
    batch_size: usize,
    learning_rate: f64,
    hidden_width: usize,
    hidden_layers: usize,
    activation: Activation,
    straight_iterations: usize,
    eval_samples: usize,
    seed: u64,
}

/// The log of a `WideModel` file: one final W2.
#[derive(serde::Deserialize)]
struct WideLog {
    losses: Vec<(usize, f64)>,
    w2: Option<W2Checkpoint>,
    seconds: f64,
}

/// The networks of a `WideModel` file (raw coordinates in, no encoding).
#[derive(serde::Deserialize)]
struct WideNetworks {
    velocity: Mlp,
    straight_flow: Option<Mlp>,
    time_predictor: Option<Mlp>,
}

/// A whole `WideModel` file.
#[derive(serde::Deserialize)]
struct WideFile {
    dim: usize,
    method: Method,
    config: WideConfig,
    source: Distribution,
    target: Distribution,
    log: WideLog,
    networks: WideNetworks,
}

/// The model of a `WideModel` file's JSON `value` (shapes are checked by the caller).
pub(super) fn migrate(value: serde_json::Value) -> Result<TrainedModel, serde_json::Error> {
    let file: WideFile = serde_json::from_value(value)?;
    let wide = file.config;
    let config = TrainConfig {
        method: wide.method,
        flow: wide.flow,
        particles: wide.particles,
        pool_flows: wide.pool_flows,
        iterations: wide.iterations,
        adam_steps: wide.adam_steps,
        batch_size: wide.batch_size,
        learning_rate: wide.learning_rate,
        hidden_width: wide.hidden_width,
        hidden_layers: wide.hidden_layers,
        activation: wide.activation,
        straight_iterations: wide.straight_iterations,
        eval_every: 0,
        eval_samples: wide.eval_samples,
        fourier_features: 0,
        fourier_scale: 1.0,
        onestep_mode: OneStepMode::Direct,
        sigma: 0.0,
        reflow_iterations: 0,
        seed: wide.seed,
    };
    let straight = match (file.networks.straight_flow, file.networks.time_predictor) {
        (Some(straight_flow), Some(time_predictor)) => Some(StraightNetworks {
            straight_flow,
            time_predictor,
        }),
        _ => None,
    };
    Ok(TrainedModel {
        format_version: FORMAT_VERSION,
        dim: file.dim,
        method: file.method,
        config,
        source: file.source,
        target: file.target,
        log: TrainingLog {
            losses: file.log.losses,
            w2: file.log.w2.into_iter().collect(),
            seconds: file.log.seconds,
        },
        guide: None,
        networks: Networks {
            straight,
            ..Networks::velocity_only(PositionEncoding::identity(file.dim), file.networks.velocity)
        },
    })
}
