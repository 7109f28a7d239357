//! nsgf: the Neural Sinkhorn Gradient Flow (Zhu et al., arXiv 2401.14069) on point clouds of
//! any dimension (2D first).
//!
//! Layers (a module uses only the layers before it; the order is checked by
//! `tests/it/module_layers.rs`): [`limits`], [`encoding`], [`error_text`], [`files`], [`font`] →
//! [`point_cloud`], [`nn`] → [`data`] → [`ot`], [`metrics`] → [`gpu`], [`flow`], [`meanfield`] →
//! [`model`], [`render`] → [`scene`] → [`scene_link`], [`job`] → `app` → `cli`. See
//! `ARCHITECTURE.md` and `docs/library.md`.
//!
//! # Example: a Sinkhorn flow, then a small NSGF model
//!
//! Sample two clouds under the one seeding rule, move the source along the empirical Sinkhorn
//! gradient flow on the CPU, then train a small NSGF model and sample from it:
//!
//! ```
//! use nsgf::data::{Distribution, Preset, sample_source_and_target};
//! use nsgf::flow::{FlowConfig, simulate_flow};
//! use nsgf::model::{Method, TrainConfig, TrainedModel};
//! use nsgf::ot::Precision;
//! use nsgf::ot::cpu::CpuBackend;
//! use std::sync::atomic::AtomicBool;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let source = Distribution::Preset(Preset::Gaussian);
//! let target = Distribution::Preset(Preset::Moons);
//! // Seed 0: the source on ChaCha stream 0, the target on stream 1 (as `nsgf flow --seed 0`).
//! let (particles, target_points) = sample_source_and_target(&source, &target, 200, 0)?;
//!
//! let mut backend = CpuBackend::new(Precision::F32);
//! let flow = simulate_flow(particles, target_points.clone(), FlowConfig::default(), &mut backend)?;
//! let last = flow.frames().last().expect("a flow has frames");
//! let before = nsgf::metrics::exact_w2(flow.frames()[0].positions.points(), &target_points)?;
//! let after = nsgf::metrics::exact_w2(last.positions.points(), &target_points)?;
//! assert!(after < before, "the flow moves the particles towards the target");
//!
//! // A small NSGF model (a few seconds on two cores).
//! let mut config = TrainConfig::defaults_for(Method::Nsgf);
//! config.particles = 128;
//! config.iterations = 4;
//! config.adam_steps = 20;
//! config.hidden_width = 32;
//! config.hidden_layers = 2;
//! config.eval_samples = 64;
//! let cancel = AtomicBool::new(false);
//! let model = TrainedModel::train(&config, &source, &target, &cancel, &mut |_| {})?;
//! let samples = model.sample(100, None, 7)?;
//! assert_eq!(samples.len(), 100);
//! assert!(samples.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "app")]
pub mod app;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod data;
pub mod encoding;
pub mod error_text;
pub mod files;
pub mod flow;
pub mod font;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod gpu;
pub mod job;
pub mod limits;
pub mod meanfield;
pub mod metrics;
pub mod model;
pub mod nn;
pub mod ot;
pub mod point_cloud;
pub mod render;
pub mod scene;
pub mod scene_link;

/// A point of the plane, `[x, y]`, in f64 at every API boundary.
pub type Point = [f64; 2];

pub use point_cloud::PointCloud;
