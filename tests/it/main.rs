//! The integration tests: one crate, one module per area, so the GUI stack is linked once.

mod any_dim;
#[cfg(feature = "app")]
mod app_shapes;
mod app_slices;
#[cfg(feature = "app")]
mod app_state;
#[cfg(feature = "app")]
mod app_ui;
#[cfg(feature = "app")]
mod app_ui_thread;
mod cli_gif;
mod cli_limits;
mod cli_model;
mod cli_streams;
mod cli_table;
mod cli_velocity;
mod data_cli;
mod data_csv;
mod data_pictures;
mod data_presets;
mod figure;
mod files;
mod flow_pool;
mod fuzz_replay;
mod gif_export;
mod gpu_parity;
mod judging;
mod meanfield;
mod metrics_assignment;
mod metrics_w2;
mod model_flow_matching;
mod model_nsgf;
mod model_onestep;
mod module_layers;
mod nn_mlp;
mod ot_any_dim;
mod ot_divergence;
mod ot_errors;
mod ot_multiscale;
mod ot_parity;
mod ot_precision;
mod ot_stepped;
mod ot_truncation;
mod ot_warm_start;
mod render_scene;
mod scene_links;
mod scenes;
mod seeding;
mod support;
