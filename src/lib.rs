//! nsgf: the Neural Sinkhorn Gradient Flow (Zhu et al., arXiv 2401.14069) on 2D point clouds.
//!
//! Layers (arrows point one way): [`data`] → [`ot`] (CPU) / [`gpu`] → [`metrics`] → [`flow`] →
//! [`nn`] → [`model`] → [`render`] → [`app`] and [`cli`]. See `ARCHITECTURE.md`.

#[cfg(feature = "app")]
pub mod app;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod data;
pub mod encoding;
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
