//! Sampling: integrating the learned flow from fresh source samples.

use super::inputs::rows_to_points;
use super::{LearnedTrajectory, Method, ModelError, StraightNetworks, TrainedModel};
use crate::Point;
use crate::data::seeded_rng;

/// NSGF++'s default number of straight-flow Euler steps.
pub const NSGFPP_DEFAULT_STRAIGHT_STEPS: usize = 4;

impl TrainedModel {
    /// The default number of network evaluations for sampling: T for NSGF; for NSGF++ the total
    /// budget T₁ (v_θ) + 1 (t_φ) + the straight-flow steps.
    pub fn default_nfe(&self) -> usize {
        match self.method {
            Method::Nsgf => self.config.flow.steps,
            Method::NsgfPp => self.config.flow.steps + 1 + NSGFPP_DEFAULT_STRAIGHT_STEPS,
        }
    }

    /// The smallest NFE budget sampling accepts.
    pub fn min_nfe(&self) -> usize {
        match self.method {
            Method::Nsgf => 1,
            Method::NsgfPp => self.config.flow.steps + 2,
        }
    }

    /// Integrates the learned flow from `n` fresh source samples (seeded), keeping every frame.
    ///
    /// NSGF: `nfe` Euler steps of v_θ over the training horizon (step `η·T/nfe`, times `j/nfe`).
    /// NSGF++: `nfe` is the total budget: T₁ Euler steps of v_θ, one evaluation of t_φ giving
    /// τ per sample (clamped to [`TrainedModel::sinkhorn_phase_coverage`], 1), then
    /// `nfe − T₁ − 1` Euler steps of u_δ from τ to 1.
    pub fn sample_trajectory(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<LearnedTrajectory, ModelError> {
        if n == 0 {
            return Err(ModelError::Invalid(
                "the number of samples must be at least 1 (got 0)".into(),
            ));
        }
        let nfe = nfe.unwrap_or_else(|| self.default_nfe());
        if nfe < self.min_nfe() {
            return Err(ModelError::Invalid(format!(
                "nfe must be at least {} for this {} model (got {nfe})",
                self.min_nfe(),
                self.method.cli_name()
            )));
        }
        let mut rng = seeded_rng(seed);
        let start = self.source.sample(n, &mut rng)?;
        match (&self.networks.straight, self.method) {
            (Some(straight), Method::NsgfPp) => Ok(self.integrate_two_phases(start, nfe, straight)),
            (None, Method::Nsgf) => {
                let mut trajectory = LearnedTrajectory {
                    frames: vec![start],
                    times: vec![0.0],
                    phase_boundary: None,
                    transition_times: None,
                    nfe: 0,
                };
                self.integrate_velocity_field(&mut trajectory, nfe);
                Ok(trajectory)
            }
            _ => Err(ModelError::Invalid(
                "the model's networks do not match its method".into(),
            )),
        }
    }

    /// The final positions of [`TrainedModel::sample_trajectory`].
    pub fn sample(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<Vec<Point>, ModelError> {
        let mut trajectory = self.sample_trajectory(n, nfe, seed)?;
        trajectory
            .frames
            .pop()
            .ok_or_else(|| ModelError::Invalid("the trajectory has no frame".into()))
    }

    /// The learned velocity field v_θ(·, t) of the NSGF phase at `points` (for quiver plots).
    pub fn velocity_field(&self, points: &[Point], t: f64) -> Vec<Point> {
        let output = self
            .networks
            .velocity
            .forward(self.networks.encoding.at_time(points, t).view());
        rows_to_points(&output)
    }

    /// `steps` Euler steps of v_θ over the whole training horizon, appended to `trajectory`.
    fn integrate_velocity_field(&self, trajectory: &mut LearnedTrajectory, steps: usize) {
        let horizon = self.config.flow.steps as f64;
        let step_size = self.config.flow.eta * horizon / steps as f64;
        for j in 0..steps {
            let t = j as f64 / steps as f64;
            let Some(current) = trajectory.frames.last() else {
                return;
            };
            let velocities = self.velocity_field(current, t);
            let next: Vec<Point> = current
                .iter()
                .zip(&velocities)
                .map(|(x, v)| [x[0] + step_size * v[0], x[1] + step_size * v[1]])
                .collect();
            trajectory.frames.push(next);
            trajectory.times.push((j + 1) as f64 / steps as f64);
            trajectory.nfe += 1;
        }
    }

    /// NSGF++: T₁ steps of v_θ, τ = t_φ(x), then straight steps of u_δ from τ to 1.
    fn integrate_two_phases(
        &self,
        start: Vec<Point>,
        nfe: usize,
        straight: &StraightNetworks,
    ) -> LearnedTrajectory {
        let mut trajectory = LearnedTrajectory {
            frames: vec![start],
            times: vec![0.0],
            phase_boundary: None,
            transition_times: None,
            nfe: 0,
        };
        let flow_steps = self.config.flow.steps;
        self.integrate_velocity_field(&mut trajectory, flow_steps);
        let boundary = trajectory.frames.len() - 1;
        let mut current = trajectory.frames[boundary].clone();
        // t_φ only sees a position, and the blurred output of the Sinkhorn phase looks like an
        // earlier point of a straight path than it is: an underestimated τ makes u_δ overshoot by
        // (1 − τ̂)/(1 − τ). The Sinkhorn phase provably covered `covered` of the way, so τ ≥ covered.
        let covered = self.sinkhorn_phase_coverage();
        let transition_times: Vec<f64> = straight
            .time_predictor
            .forward(self.networks.encoding.positions(&current).view())
            .column(0)
            .iter()
            .map(|&s| f64::from(s).clamp(covered, 1.0))
            .collect();
        trajectory.nfe += 1;
        let straight_steps = nfe - flow_steps - 1;
        for k in 0..straight_steps {
            let times: Vec<f64> = transition_times
                .iter()
                .map(|tau| tau + (1.0 - tau) * k as f64 / straight_steps as f64)
                .collect();
            let output = straight
                .straight_flow
                .forward(self.networks.encoding.with_times(&current, &times).view());
            let velocities = rows_to_points(&output);
            for ((x, u), tau) in current.iter_mut().zip(&velocities).zip(&transition_times) {
                let step_size = (1.0 - tau) / straight_steps as f64;
                x[0] += step_size * u[0];
                x[1] += step_size * u[1];
            }
            trajectory.frames.push(current.clone());
            let mean_s = times.iter().sum::<f64>() / times.len() as f64;
            let mean_step =
                transition_times.iter().map(|tau| 1.0 - tau).sum::<f64>() / times.len() as f64;
            trajectory
                .times
                .push(mean_s + mean_step / straight_steps as f64);
            trajectory.nfe += 1;
        }
        trajectory.phase_boundary = Some(boundary);
        trajectory.transition_times = Some(transition_times);
        trajectory
    }
}

impl TrainedModel {
    /// The fraction of the straight source→target path the Sinkhorn phase covers:
    /// `1 − (1 − η)^T₁` (Euler steps toward the OT map move along McCann's displacement line).
    pub fn sinkhorn_phase_coverage(&self) -> f64 {
        let eta = self.config.flow.eta.min(1.0);
        1.0 - (1.0 - eta).powi(self.config.flow.steps as i32)
    }
}
