//! `nsgf flow` in d ≠ 2 dimensions: the Sinkhorn particle flow of clouds of any width on the
//! d-dimensional kernels of [`crate::ot::cloud_velocity`], printed as `step,t,x1,…,xd`.

use super::particle_flow::ParticleFlowOptions;
use crate::data::Distribution;
use crate::data::{seeded_rng, target_rng};
use crate::ot::{CpuCloudKernels, Precision, SinkhornParams};
use anyhow::Context;
use std::io::Write;

/// The target `spec` when it is d-dimensional with d ≠ 2 (`digits`, or a CSV file wider than
/// two columns, read once); `None` for 2D targets (presets and `x,y` files), which flow on the
/// 2D path.
pub(crate) fn wide_target(spec: &str) -> anyhow::Result<Option<Distribution>> {
    if !super::wide::is_wide_target(spec) {
        return Ok(None);
    }
    Ok(Some(Distribution::parse(spec)?))
}

/// The source of a d-dimensional flow: a CSV file of the same width, or `gaussian` (N(0, I)
/// in d dimensions).
fn source_distribution(spec: &str, dim: usize) -> anyhow::Result<Distribution> {
    if spec == "gaussian" || spec == "normal" {
        return Ok(Distribution::StandardNormal { dim });
    }
    let source = Distribution::parse(spec).with_context(|| {
        format!(
            "the target is {dim}-dimensional: the source must be `gaussian` (N(0, I) in {dim} \
             dimensions) or a CSV file of {dim} columns"
        )
    })?;
    if source.dim() != dim {
        anyhow::bail!(
            "the source {spec} holds points of {} coordinates, the target {dim}: both must have \
             the same dimension",
            source.dim()
        );
    }
    Ok(source)
}

/// Runs the d-dimensional flow of `args` (its target parsed as `target`) on the CPU's f32
/// kernels (GeomLoss's annealing at every step) and prints every step.
pub(crate) fn run(args: &ParticleFlowOptions<'_>, target: &Distribution) -> anyhow::Result<()> {
    let dim = target.dim();
    let size = super::particle_flow::FlowSize {
        n: args.n,
        steps: args.steps,
        eta: args.eta,
    };
    let params =
        size.checked_params(&args.sinkhorn, crate::limits::MAX_W2_POINTS, 8 * dim as u64)?;
    let source = source_distribution(args.source, dim)?;
    // The seeding rule of `data::sample_source_and_target`: source on stream 0, target on 1.
    let particles = source.sample_cloud(args.n, &mut seeded_rng(args.seed))?;
    let target_points = target.sample_cloud(args.n, &mut target_rng(args.seed))?;
    super::progress::note(format!(
        "{dim}-dimensional flow on the CPU (f32, {} kernels, GeomLoss's annealing at every step)",
        crate::ot::kernel_in_use()
    ));
    let bar = super::progress::bar(args.steps as u64, "Sinkhorn flow steps");
    let config = crate::flow::FlowConfig {
        steps: args.steps,
        eta: args.eta,
        sinkhorn: params,
    };
    let kernels = CpuCloudKernels {
        precision: Precision::F32,
    };
    let trajectory = crate::flow::simulate_cloud_flow_reporting(
        &kernels,
        particles,
        &target_points,
        &config,
        &mut |done| bar.set_position(done as u64),
    );
    bar.finish_and_clear();
    let trajectory = trajectory?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (step, frame) in trajectory.frames().iter().enumerate() {
        for point in frame.positions.coords().chunks_exact(dim) {
            write!(out, "{step},{},", frame.t).context("writing to stdout")?;
            crate::data::csv_rows::write_point(&mut out, point).context("writing to stdout")?;
        }
    }
    out.flush().context("writing to stdout")
}

/// The particle flow of `gif --flow` or `figure --flow` to a target of 64 coordinates
/// (`digits`, or a CSV of 8×8 images) as a trajectory of at most [`super::wide::GRID_IMAGES`]
/// particles against as many target samples, on the CPU's d-dimensional kernels; `None` for a
/// 2D target (the 2D animation path), an error for other widths (no picture to draw).
pub(crate) fn grid_trajectory(
    flow: &super::animation_args::AnimationArgs,
) -> anyhow::Result<Option<crate::flow::Trajectory>> {
    let (Some(source), Some(target), true) = (&flow.source, &flow.target, flow.flow) else {
        return Ok(None);
    };
    let Some(target_distribution) = wide_target(target)? else {
        return Ok(None);
    };
    let dim = target_distribution.dim();
    if dim != crate::data::digits::DIM {
        anyhow::bail!(
            "{target} holds {dim}-dimensional points: GIFs and figures draw 8×8 images (64 \
             numbers a point); `nsgf flow` prints the flow of any width"
        );
    }
    let config = crate::flow::FlowConfig {
        steps: flow.steps,
        eta: flow.eta,
        sinkhorn: SinkhornParams {
            blur: flow.sinkhorn.blur,
            scaling: flow.sinkhorn.scaling,
        },
    };
    if config.steps == 0 || !(config.eta.is_finite() && config.eta > 0.0) {
        anyhow::bail!("--steps must be at least 1 and --eta a finite number > 0");
    }
    config.sinkhorn.validate()?;
    let images = flow.n.clamp(1, super::wide::GRID_IMAGES);
    let source_distribution = source_distribution(source, dim)?;
    // The seeding rule of `data::sample_source_and_target`: source on stream 0, target on 1.
    let start = source_distribution.sample_cloud(images, &mut seeded_rng(flow.seed))?;
    let goal = target_distribution.sample_cloud(images, &mut target_rng(flow.seed))?;
    super::progress::note(format!(
        "{dim}-dimensional particle flow of {images} images, {} steps, on the CPU",
        config.steps
    ));
    let kernels = CpuCloudKernels {
        precision: Precision::F64,
    };
    Ok(Some(crate::flow::simulate_cloud_flow(
        &kernels, start, &goal, &config,
    )?))
}
