//! The Sinkhorn particle flow of point clouds of any dimension, each Euler step's velocity from
//! a [`CloudKernels`] (the CPU's streaming kernels or a GPU's).

use super::{FlowConfig, FlowKind, Frame, PointCloud, Trajectory};
use crate::ot::{CloudKernels, OtError};

/// The flow of `source` toward `target` as a trajectory of `config.steps + 1` frames: one per
/// Euler step at `t = k / steps` with its velocity, then the end positions at t = 1. Fails when
/// a particle leaves the finite numbers.
pub fn simulate_cloud_flow(
    kernels: &dyn CloudKernels,
    source: PointCloud,
    target: &PointCloud,
    config: &FlowConfig,
) -> Result<Trajectory, OtError> {
    simulate_cloud_flow_reporting(kernels, source, target, config, &mut |_| {})
}

/// [`simulate_cloud_flow`], calling `step_done` with the number of Euler steps done after each
/// one (for a progress bar).
pub fn simulate_cloud_flow_reporting(
    kernels: &dyn CloudKernels,
    source: PointCloud,
    target: &PointCloud,
    config: &FlowConfig,
    step_done: &mut dyn FnMut(usize),
) -> Result<Trajectory, OtError> {
    config.sinkhorn.validate()?;
    let mut trajectory = Trajectory::new(FlowKind::Sinkhorn);
    let mut current = source;
    for step in 0..config.steps {
        let velocity = kernels.velocity(&current, target, &config.sinkhorn)?;
        let moved: Vec<f64> = current
            .coords()
            .iter()
            .zip(velocity.coords())
            .map(|(x, v)| x + config.eta * v)
            .collect();
        let moved = PointCloud::from_flat(current.dim(), moved);
        if let Some(index) = moved.first_non_finite() {
            return Err(OtError::LeftThePlane { index, step });
        }
        trajectory.push(Frame::moving(
            config.time_of_step(step),
            current,
            velocity,
            config.eta,
        ));
        current = moved;
        step_done(step + 1);
    }
    trajectory.push(Frame::resting(config.time_of_step(config.steps), current));
    Ok(trajectory)
}
