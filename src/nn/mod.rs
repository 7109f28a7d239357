//! Small MLPs with hand-written forward/backward passes on ndarray, and the Adam optimiser.

/// The hidden-layer activation of an MLP.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
pub enum Activation {
    /// SiLU (swish): x·σ(x).
    #[default]
    #[serde(rename = "silu")]
    #[value(name = "silu")]
    Silu,
    /// SELU (self-normalising).
    #[serde(rename = "selu")]
    #[value(name = "selu")]
    Selu,
}

mod activation;
mod adam;
mod mlp;

pub use adam::{Adam, train_step};
pub use mlp::{Gradients, Mlp, MlpConfig, NnError};
