//! What `nsgf flow` and `nsgf gif --flow` share: the checks of the flow options, the samples
//! under the one seeding rule ([`crate::data::sample_source_and_target`]), the backend note,
//! and the simulation.

use crate::Point;
use crate::data::{Distribution, sample_source_and_target};
use crate::flow::{FlowConfig, FlowKind, Frame, ParticleFlow, Trajectory};
use crate::gpu::{BackendChoice, select_backend};
use crate::limits;
use crate::ot::{ConvergedConfig, Precision, SinkhornParams, Truncation, VelocityMode};

/// The Sinkhorn options of a particle flow on the command line, shared by `nsgf flow` and
/// `nsgf gif --flow` (one declaration, one set of defaults).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct SinkhornArgs {
    /// Particle flow: blur σ (ε = σ²).
    #[arg(long, default_value_t = 0.05)]
    pub blur: f64,
    /// Particle flow: ε-annealing factor, in (0, 1).
    #[arg(long, default_value_t = 0.9)]
    pub scaling: f64,
    /// Particle flow: velocity backend.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
    /// Particle flow: how each Euler step's Sinkhorn problems are solved.
    #[arg(long, value_enum, default_value_t = FlowModeArg::Exact)]
    pub mode: FlowModeArg,
    /// Particle flow: skip negligible terms (truncated kernels). `auto`: the backend's own
    /// default (the CPU from 1000 × 1000 points on, the GPU never).
    #[arg(long, value_enum, default_value_t = TruncationArg::Auto)]
    pub truncation: TruncationArg,
}

/// The `--truncation` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TruncationArg {
    /// The backend's default.
    #[default]
    Auto,
    /// Truncated kernels at every size (CPU and GPU).
    On,
    /// Every term (the reference).
    Off,
}

/// The `--mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FlowModeArg {
    /// GeomLoss's ε-annealing at every step (GeomLoss-exact; the default).
    #[default]
    Exact,
    /// Converged Sinkhorn at ε = blur², warm-started from the previous step (annealing on the
    /// first step only; CPU backend).
    Converged,
    /// GeomLoss's annealing restarted at ε = (16·blur)² from the previous step's potentials
    /// (the full schedule on the first step only; CPU, or GPU with dense kernels): about half
    /// the passes, a flow within 1 % of the diameter of the exact one (measured at blur 0.05).
    Warm,
    /// GeomLoss's annealing at every step, coarse-to-fine: the ε above (12·blur)² on clusters
    /// of up to 4 nearby points along a Hilbert curve (and clusters of clusters), the rest on
    /// the points (CPU backend; no state between steps).
    Multiscale,
}

impl From<FlowModeArg> for VelocityMode {
    fn from(arg: FlowModeArg) -> Self {
        match arg {
            FlowModeArg::Exact => VelocityMode::Annealed,
            FlowModeArg::Converged => VelocityMode::Converged(ConvergedConfig::default()),
            FlowModeArg::Warm => VelocityMode::live(),
            FlowModeArg::Multiscale => VelocityMode::multiscale(),
        }
    }
}

/// The options of a particle flow on the command line.
#[derive(Debug, Clone)]
pub struct ParticleFlowOptions<'a> {
    /// Source: a preset name, image:PICTURE, text:WORD or a CSV file.
    pub source: &'a str,
    /// Target: a preset name, image:PICTURE, text:WORD or a CSV file.
    pub target: &'a str,
    /// Particles (and target samples).
    pub n: usize,
    /// Euler steps.
    pub steps: usize,
    /// Euler step size η.
    pub eta: f64,
    /// Blur, scaling and backend.
    pub sinkhorn: SinkhornArgs,
    /// Seed of both samples.
    pub seed: u64,
}

/// The particle count, step count and step size of a particle flow, as given on the command line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlowSize {
    /// `--n`.
    pub n: usize,
    /// `--steps`.
    pub steps: usize,
    /// `--eta`.
    pub eta: f64,
}

impl FlowSize {
    /// Checks the sizes against their limits (`max_n` points of `bytes_per_point` bytes), η and
    /// the Sinkhorn arguments, and returns the Sinkhorn parameters (errors name the option).
    pub(crate) fn checked_params(
        &self,
        sinkhorn: &SinkhornArgs,
        max_n: usize,
        bytes_per_point: u64,
    ) -> anyhow::Result<SinkhornParams> {
        if self.n == 0 {
            anyhow::bail!("--n must be at least 1 (got 0)");
        }
        if self.steps == 0 {
            anyhow::bail!("--steps must be at least 1 (got 0)");
        }
        limits::check("--n", self.n, max_n, bytes_per_point)?;
        limits::check("--steps", self.steps, limits::MAX_STEPS, 0)?;
        if !(self.eta.is_finite() && self.eta > 0.0) {
            anyhow::bail!("--eta must be a finite number > 0 (got {})", self.eta);
        }
        let params = SinkhornParams {
            blur: sinkhorn.blur,
            scaling: sinkhorn.scaling,
        };
        params.validate()?;
        Ok(params)
    }
}

/// A simulated particle flow and what it ran between.
pub struct SimulatedFlow {
    /// The parsed source distribution.
    pub source: Distribution,
    /// The parsed target distribution.
    pub target: Distribution,
    /// The target samples the particles flowed to.
    pub target_points: Vec<Point>,
    /// Every frame.
    pub trajectory: Trajectory,
}

impl ParticleFlowOptions<'_> {
    /// The flow configuration, after checking every number (errors name the option).
    pub fn config(&self) -> anyhow::Result<FlowConfig> {
        let size = FlowSize {
            n: self.n,
            steps: self.steps,
            eta: self.eta,
        };
        let sinkhorn =
            size.checked_params(&self.sinkhorn, limits::MAX_POINTS, limits::BYTES_PER_POINT)?;
        Ok(FlowConfig {
            steps: self.steps,
            eta: self.eta,
            sinkhorn,
        })
    }

    /// Checks the options, samples source and target, picks the backend (its note goes to
    /// stderr) and simulates the whole flow.
    pub fn simulate(&self) -> anyhow::Result<SimulatedFlow> {
        let mut trajectory = Trajectory::new(FlowKind::Sinkhorn);
        let (source, target, target_points) = self.run(|frame| {
            trajectory.push(frame);
            Ok(())
        })?;
        Ok(SimulatedFlow {
            source,
            target,
            target_points,
            trajectory,
        })
    }

    /// Like [`ParticleFlowOptions::simulate`], but hands every frame to `on_frame` as soon as
    /// it is computed and keeps none (memory stays bounded whatever the number of steps).
    /// Returns the parsed source and target and the target samples.
    pub(crate) fn run(
        &self,
        mut on_frame: impl FnMut(Frame) -> anyhow::Result<()>,
    ) -> anyhow::Result<(Distribution, Distribution, Vec<Point>)> {
        let config = self.config()?;
        let source = Distribution::parse(self.source)?;
        let target = Distribution::parse(self.target)?;
        let (source_points, target_points) =
            sample_source_and_target(&source, &target, self.n, self.seed)?;
        let mut selected = select_backend(self.sinkhorn.backend, Precision::F32)?;
        super::progress::note(&selected.note);
        let backend = selected.backend.as_mut();
        let mode = VelocityMode::from(self.sinkhorn.mode);
        backend.set_mode(mode)?;
        match self.sinkhorn.truncation {
            TruncationArg::Auto => {}
            TruncationArg::On => backend.set_truncation(Truncation::On)?,
            TruncationArg::Off => backend.set_truncation(Truncation::Off)?,
        }
        let kernels = if backend
            .truncation()
            .applies(source_points.len(), target_points.len())
        {
            "truncated kernels"
        } else {
            "dense kernels"
        };
        super::progress::note(format!("velocity: {}, {kernels}", mode.name()));
        backend.reset_warm_start();
        let mut flow = ParticleFlow::new(source_points, target_points.clone(), config)?;
        let bar = super::progress::bar(self.steps as u64, "Sinkhorn flow steps");
        while !flow.finished() {
            let frame = flow.advance(backend);
            bar.inc(1);
            let frame = match frame {
                Ok(frame) => frame,
                Err(error) => {
                    bar.finish_and_clear();
                    return Err(error.into());
                }
            };
            on_frame(frame)?;
            if let Some(notice) = backend.take_notice() {
                bar.suspend(|| super::progress::note(&notice));
            }
        }
        bar.finish_and_clear();
        on_frame(flow.current_frame())?;
        Ok((source, target, target_points))
    }
}
