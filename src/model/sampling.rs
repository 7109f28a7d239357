//! Sampling: integrating the learned flow from fresh source samples, in the model's dimension.

use super::inputs::{moved, output_cloud};
use super::onestep::generate;
use super::{Method, ModelError, StraightNetworks, TrainedModel};
use crate::Point;
use crate::data::seeded_rng;
use crate::flow::{FlowKind, Frame, PhaseBoundary, PointCloud, Trajectory};
use crate::nn::Mlp;

/// NSGF++'s default number of straight-flow Euler steps.
const NSGFPP_DEFAULT_STRAIGHT_STEPS: usize = 4;

/// The flow-matching rivals' default Euler steps (TorchCFM's evaluation integrates with 100).
const FLOW_MATCHING_DEFAULT_NFE: usize = 100;

impl TrainedModel {
    /// The default number of network evaluations for sampling: T for NSGF; for NSGF++ the total
    /// budget T₁ (v_θ) + 1 (t_φ) + the straight-flow steps; 1 for a one-step generator.
    pub fn default_nfe(&self) -> usize {
        match self.method {
            Method::Nsgf => self.config.flow.steps,
            Method::NsgfPp => self.config.flow.steps + 1 + NSGFPP_DEFAULT_STRAIGHT_STEPS,
            Method::OneStep => 1,
            Method::Icfm | Method::OtCfm | Method::Rf => FLOW_MATCHING_DEFAULT_NFE,
        }
    }

    /// The smallest NFE budget sampling accepts.
    pub fn min_nfe(&self) -> usize {
        match self.method {
            Method::NsgfPp => self.config.flow.steps + 2,
            _ => 1,
        }
    }

    /// The largest NFE budget sampling accepts, where there is one (a one-step generator: 1).
    pub fn max_nfe(&self) -> Option<usize> {
        (self.method == Method::OneStep).then_some(1)
    }

    /// The endpoints of the learned flow from the given `start` points at `nfe` network
    /// evaluations (what a one-step generator distils from its teacher).
    pub(crate) fn push_forward(
        &self,
        start: PointCloud,
        nfe: usize,
    ) -> Result<PointCloud, ModelError> {
        self.check_nfe(nfe)?;
        let trajectory = self.integrate_from(start, nfe, false)?;
        let end = trajectory
            .end_points()
            .cloned()
            .ok_or_else(|| ModelError::Invalid("the trajectory has no frame".into()))?;
        if let Some(index) = end.first_non_finite() {
            return Err(ModelError::NonFiniteSample {
                index,
                frame: trajectory.len().saturating_sub(1),
            });
        }
        Ok(end)
    }

    /// Checks `nfe` against the model's budget limits.
    fn check_nfe(&self, nfe: usize) -> Result<(), ModelError> {
        crate::limits::check("nfe", nfe, crate::limits::MAX_STEPS, 0)?;
        if nfe < self.min_nfe() {
            return Err(ModelError::Invalid(format!(
                "nfe must be at least {} for this {} model (got {nfe})",
                self.min_nfe(),
                self.method.cli_name()
            )));
        }
        if let Some(most) = self.max_nfe().filter(|&most| nfe > most) {
            return Err(ModelError::Invalid(format!(
                "a one-step generator takes exactly {most} network evaluation (got nfe = {nfe})"
            )));
        }
        Ok(())
    }

    /// Integrates the learned flow from `n` fresh source samples (seeded), keeping every frame.
    ///
    /// NSGF: `nfe` Euler steps of v_θ over the training horizon (step `η·T/nfe`, times `j/nfe`).
    /// NSGF++: `nfe` is the total budget: T₁ Euler steps of v_θ, one evaluation of t_φ giving
    /// τ per sample (clamped to [`TrainedModel::sinkhorn_phase_coverage`], 1), then
    /// `nfe − T₁ − 1` Euler steps of u_δ from τ to 1.
    ///
    /// The frames lie on one [0, 1] timeline: NSGF's `t = j/nfe`; NSGF++'s Sinkhorn phase is
    /// scaled into [0, τ̄] (τ̄ the mean predicted transition time, where the straight phase
    /// begins) and its straight frames carry the mean straight time `s`.
    pub fn sample_trajectory(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<Trajectory, ModelError> {
        self.integrate(n, nfe, seed, true)
    }

    /// [`TrainedModel::sample_trajectory`], keeping every frame (`keep_frames`) or only the
    /// last one (memory O(n) whatever the NFE).
    fn integrate(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
        keep_frames: bool,
    ) -> Result<Trajectory, ModelError> {
        if n == 0 {
            return Err(ModelError::Invalid(
                "the number of samples must be at least 1 (got 0)".into(),
            ));
        }
        let nfe = nfe.unwrap_or_else(|| self.default_nfe());
        self.check_nfe(nfe)?;
        if keep_frames {
            crate::limits::check(
                "points × nfe of a whole trajectory",
                n.saturating_mul(nfe + 1)
                    .saturating_mul(self.dim.div_ceil(2)),
                crate::limits::MAX_FRAME_POINTS,
                32,
            )?;
        }
        let mut rng = seeded_rng(seed);
        let start = self.source.sample_cloud(n, &mut rng)?;
        let trajectory = self.integrate_from(start, nfe, keep_frames)?;
        for (frame, kept) in trajectory.frames().iter().enumerate() {
            if let Some(index) = kept.positions.first_non_finite() {
                return Err(ModelError::NonFiniteSample { index, frame });
            }
        }
        Ok(trajectory)
    }

    /// Integrates the learned flow from `start` (NSGF, NSGF++ in two phases, or the one jump
    /// of a one-step generator).
    fn integrate_from(
        &self,
        start: PointCloud,
        nfe: usize,
        keep_frames: bool,
    ) -> Result<Trajectory, ModelError> {
        let networks = &self.networks;
        match (
            self.method,
            &networks.velocity,
            &networks.straight,
            &networks.generator,
        ) {
            (Method::NsgfPp, Some(velocity), Some(straight), None) => {
                Ok(self.integrate_two_phases(start, nfe, velocity, straight, keep_frames))
            }
            (method, Some(velocity), None, None)
                if method == Method::Nsgf || method.is_flow_matching() =>
            {
                let mut trajectory = Trajectory::new(method.flow_kind());
                let end = self.integrate_velocity_field(
                    velocity,
                    &mut trajectory,
                    start,
                    nfe,
                    1.0,
                    keep_frames,
                );
                trajectory.push(Frame::resting(1.0, end));
                Ok(trajectory)
            }
            (Method::OneStep, None, None, Some(generator)) => {
                Ok(self.jump(generator, start, keep_frames))
            }
            _ => Err(ModelError::Invalid(
                "the model's networks do not match its method".into(),
            )),
        }
    }

    /// A one-step generator's trajectory: the sources at t = 0 with the jump G(z) − z as their
    /// velocity (step size 1), and G(z) at t = 1.
    fn jump(&self, generator: &Mlp, start: PointCloud, keep_frames: bool) -> Trajectory {
        let end = generate(generator, &self.networks.encoding, &start);
        let mut trajectory = Trajectory::new(FlowKind::OneStep);
        if keep_frames {
            let jumps = moved(&end, -1.0, &start);
            trajectory.push(Frame::moving(0.0, start, jumps, 1.0));
        }
        trajectory.add_nfe(1);
        trajectory.push(Frame::resting(1.0, end));
        trajectory
    }

    /// The final positions of [`TrainedModel::sample_trajectory`] (no intermediate frame is
    /// kept), as 2D points; a model of another dimension is an error (see
    /// [`TrainedModel::sample_cloud`]).
    pub fn sample(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<Vec<Point>, ModelError> {
        if self.dim != 2 {
            return Err(ModelError::Invalid(format!(
                "this model's samples have {} dimensions, not 2",
                self.dim
            )));
        }
        Ok(self.sample_cloud(n, nfe, seed)?.to_vec())
    }

    /// The final positions of [`TrainedModel::sample_trajectory`] in the model's dimension (no
    /// intermediate frame is kept).
    pub fn sample_cloud(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<PointCloud, ModelError> {
        let trajectory = self.integrate(n, nfe, seed, false)?;
        trajectory
            .end_points()
            .cloned()
            .ok_or_else(|| ModelError::Invalid("the trajectory has no frame".into()))
    }

    /// The learned velocity field v_θ(·, t) of the NSGF phase at 2D `points` (for quiver
    /// plots of a 2D model); for a one-step generator, its jump G(z) − z (t is ignored).
    pub fn velocity_field(&self, points: &[Point], t: f64) -> Vec<Point> {
        if self.dim != 2 {
            return vec![[0.0; 2]; points.len()];
        }
        let encoding = &self.networks.encoding;
        let cloud = PointCloud::from_points(points);
        match (&self.networks.velocity, &self.networks.generator) {
            (Some(velocity), _) => {
                output_cloud(&velocity.forward(encoding.at_time(&cloud, t).view())).to_vec()
            }
            (None, Some(generator)) => {
                moved(&generate(generator, encoding, &cloud), -1.0, &cloud).to_vec()
            }
            (None, None) => vec![[0.0; 2]; points.len()],
        }
    }

    /// The model's own time of frame `index` of a trajectory it sampled, when v_θ moves that
    /// frame on (NSGF: `j/nfe`; NSGF++'s Sinkhorn phase: `j/T₁`); None for the last frame and
    /// for NSGF++'s straight phase, where u_δ moves the particles.
    pub fn velocity_field_time(&self, trajectory: &Trajectory, index: usize) -> Option<f64> {
        let steps = trajectory
            .boundary_frame()
            .unwrap_or_else(|| trajectory.len().saturating_sub(1));
        (index < steps).then(|| index as f64 / steps as f64)
    }

    /// `steps` Euler steps of v_θ over the whole training horizon from `start`, pushing each
    /// frame with its velocity onto `trajectory` at times `j/steps · timeline_end`; returns
    /// the end positions.
    fn integrate_velocity_field(
        &self,
        velocity: &Mlp,
        trajectory: &mut Trajectory,
        start: PointCloud,
        steps: usize,
        timeline_end: f64,
        keep_frames: bool,
    ) -> PointCloud {
        // NSGF's v_θ was matched to T Euler steps of size η; the flow-matching rivals' v_θ to
        // d/dt over t ∈ [0, 1].
        let horizon = if self.method.is_flow_matching() {
            1.0
        } else {
            self.config.flow.eta * self.config.flow.steps as f64
        };
        let step_size = horizon / steps as f64;
        let mut current = start;
        for j in 0..steps {
            let t = j as f64 / steps as f64;
            let encoded = self.networks.encoding.at_time(&current, t);
            let velocities = output_cloud(&velocity.forward(encoded.view()));
            let next = moved(&current, step_size, &velocities);
            if keep_frames {
                trajectory.push(Frame::moving(
                    t * timeline_end,
                    current,
                    velocities,
                    step_size,
                ));
            }
            current = next;
            trajectory.add_nfe(1);
        }
        current
    }

    /// NSGF++: T₁ steps of v_θ, τ = t_φ(x), then straight steps of u_δ from τ to 1.
    fn integrate_two_phases(
        &self,
        start: PointCloud,
        nfe: usize,
        velocity: &Mlp,
        straight: &StraightNetworks,
        keep_frames: bool,
    ) -> Trajectory {
        let flow_steps = self.config.flow.steps;
        // The Sinkhorn phase runs first, but its place on the timeline ([0, τ̄]) is known only
        // after t_φ: integrate it into a scratch trajectory, then rescale its times.
        let mut sinkhorn_phase = Trajectory::new(FlowKind::NsgfPlusPlus);
        let mut current = self.integrate_velocity_field(
            velocity,
            &mut sinkhorn_phase,
            start,
            flow_steps,
            1.0,
            keep_frames,
        );
        // t_φ only sees a position, and the blurred output of the Sinkhorn phase looks like an
        // earlier point of a straight path than it is: an underestimated τ makes u_δ overshoot by
        // (1 − τ̂)/(1 − τ). The Sinkhorn phase provably covered `covered` of the way, so τ ≥ covered.
        let transition_times = self.transition_times(straight, &current);
        let n = transition_times.len() as f64;
        let mean_tau = (transition_times.iter().sum::<f64>() / n).clamp(0.0, 1.0);
        let mut trajectory = Trajectory::new(FlowKind::NsgfPlusPlus);
        for frame in sinkhorn_phase.frames() {
            trajectory.push(Frame {
                t: frame.t * mean_tau,
                ..frame.clone()
            });
        }
        trajectory.add_nfe(sinkhorn_phase.nfe() + 1);
        let boundary = trajectory.len();
        let straight_steps = nfe - flow_steps - 1;
        let mean_step = transition_times.iter().map(|tau| 1.0 - tau).sum::<f64>() / n;
        let mut frame_time = mean_tau;
        for k in 0..straight_steps {
            let step = self.straight_step(straight, &current, &transition_times, k, straight_steps);
            if keep_frames {
                trajectory.push(Frame::moving(
                    frame_time,
                    current,
                    step.velocities,
                    1.0 / straight_steps as f64,
                ));
            }
            current = step.next;
            frame_time = step.mean_time + mean_step / straight_steps as f64;
            trajectory.add_nfe(1);
        }
        trajectory.push(Frame::resting(frame_time, current));
        if keep_frames {
            trajectory.set_phase_boundary(PhaseBoundary {
                frame: boundary,
                transition_times: transition_times.into(),
            });
        }
        trajectory
    }

    /// τ = t_φ(x) of each particle at the end of the Sinkhorn phase, clamped from below by the
    /// share of the way that phase provably covered.
    fn transition_times(&self, straight: &StraightNetworks, current: &PointCloud) -> Vec<f64> {
        let covered = self.sinkhorn_phase_coverage();
        straight
            .time_predictor
            .forward(self.networks.encoding.positions(current).view())
            .column(0)
            .iter()
            .map(|&s| f64::from(s).clamp(covered, 1.0))
            .collect()
    }

    /// Straight step `k` of `steps` of u_δ from `current`: each particle covers (1 − τ)/K of
    /// its way, so the stored velocity is (1 − τ)·u_δ with the step size 1/K.
    fn straight_step(
        &self,
        straight: &StraightNetworks,
        current: &PointCloud,
        transition_times: &[f64],
        k: usize,
        steps: usize,
    ) -> StraightStep {
        let times: Vec<f64> = transition_times
            .iter()
            .map(|tau| tau + (1.0 - tau) * k as f64 / steps as f64)
            .collect();
        let output = output_cloud(
            &straight
                .straight_flow
                .forward(self.networks.encoding.with_times(current, &times).view()),
        );
        let dim = current.dim();
        let mut velocities = Vec::with_capacity(output.coords().len());
        let mut next = Vec::with_capacity(output.coords().len());
        let rows = current
            .coords()
            .chunks_exact(dim)
            .zip(output.coords().chunks_exact(dim));
        for ((x, u), tau) in rows.zip(transition_times) {
            let step = (1.0 - tau) / steps as f64;
            for (x, u) in x.iter().zip(u) {
                velocities.push((1.0 - tau) * u);
                next.push(x + step * u);
            }
        }
        StraightStep {
            velocities: PointCloud::from_flat(dim, velocities),
            next: PointCloud::from_flat(dim, next),
            mean_time: times.iter().sum::<f64>() / times.len() as f64,
        }
    }
}

/// One straight step of NSGF++'s second phase.
struct StraightStep {
    /// Each particle's (1 − τ)·u_δ.
    velocities: PointCloud,
    /// The particles after the step.
    next: PointCloud,
    /// The mean time s of the step's inputs.
    mean_time: f64,
}

impl TrainedModel {
    /// The fraction of the straight source→target path the Sinkhorn phase covers:
    /// `1 − (1 − η)^T₁` (Euler steps toward the OT map move along McCann's displacement line).
    pub fn sinkhorn_phase_coverage(&self) -> f64 {
        sinkhorn_phase_coverage(self.config.flow.eta, self.config.flow.steps)
    }
}

/// The share of the straight source→target path that `steps` Euler steps of size `eta` cover:
/// `1 − (1 − η)^steps` (the lower bound of NSGF++'s transition time, in any dimension).
fn sinkhorn_phase_coverage(eta: f64, steps: usize) -> f64 {
    1.0 - (1.0 - eta.min(1.0)).powi(steps as i32)
}
