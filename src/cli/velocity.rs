//! `nsgf velocity`: the empirical Sinkhorn-flow velocity at every source point, n×d CSV on
//! stdout, for points of any dimension d (one per CSV line).

use crate::PointCloud;
use crate::data::{csv_points, csv_rows};
use crate::gpu::{BackendChoice, select_backend};
use crate::ot::{Precision, SinkhornParams};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

/// The `--precision` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PrecisionArg {
    /// f32 kernels (fast; velocity within ~1e-5 of f64 on the reference cases).
    #[default]
    F32,
    /// f64 kernels (reference accuracy).
    F64,
}

impl From<PrecisionArg> for Precision {
    fn from(arg: PrecisionArg) -> Self {
        match arg {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F64 => Precision::F64,
        }
    }
}

/// Arguments of `nsgf velocity`.
#[derive(Debug, clap::Args)]
pub struct VelocityArgs {
    /// CSV file of the source particles x: one point per line, any number of coordinates
    /// (`x,y` in 2D), an optional header line.
    #[arg(long, value_name = "FILE")]
    pub source: PathBuf,
    /// CSV file of the target samples y.
    #[arg(long, value_name = "FILE")]
    pub target: PathBuf,
    /// Blur σ (ε = σ²).
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    pub blur: f64,
    /// ε-annealing factor, in (0, 1).
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    pub scaling: f64,
    /// Kernel precision.
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    pub precision: PrecisionArg,
    /// Which backend computes the velocity.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
}

/// Runs `nsgf velocity`: reads both clouds, computes `v(x_i) = P_{x→y}(x_i) − P_{x→x}(x_i)`,
/// writes one line of d numbers per source point (shortest round-trip f64 digits); the backend
/// note goes to stderr. 2D points run on the chosen backend's 2D kernels, points of any other
/// dimension on the CPU's d-dimensional kernels (or the GPU's with `--backend gpu`).
pub(crate) fn run(args: &VelocityArgs) -> anyhow::Result<()> {
    let params = SinkhornParams {
        blur: args.blur,
        scaling: args.scaling,
    };
    params.validate()?;
    let source = csv_rows::read_cloud(&args.source)?;
    let target = csv_rows::read_cloud(&args.target)?;
    if source.dim() != target.dim() {
        anyhow::bail!(
            "{} holds points of {} coordinates and {} points of {}: both must have the same \
             dimension",
            args.source.display(),
            source.dim(),
            args.target.display(),
            target.dim()
        );
    }
    let velocity = if source.dim() == 2 {
        velocity_2d(args, &source, &target, &params)?
    } else {
        velocity_any_dim(args, &source, &target, &params)?
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = write_rows(&mut out, &velocity).and_then(|()| out.flush());
    match written {
        // A closed pipe (`nsgf velocity … | head`) is the reader's choice, not an error.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(anyhow::anyhow!(
            "cannot write the velocity to stdout: {err}"
        )),
        Ok(()) => Ok(()),
    }
}

/// Writes one line of comma-separated coordinates per point of `cloud` (shortest round-trip
/// digits).
fn write_rows(out: &mut impl Write, cloud: &PointCloud) -> std::io::Result<()> {
    if cloud.dim() == 2 {
        return csv_points::write_points(out, cloud.points());
    }
    cloud
        .coords()
        .chunks_exact(cloud.dim())
        .try_for_each(|point| csv_rows::write_point(out, point))
}

/// The d-dimensional velocity: the CPU's streaming kernels, or the GPU's with `--backend gpu`.
fn velocity_any_dim(
    args: &VelocityArgs,
    source: &PointCloud,
    target: &PointCloud,
    params: &SinkhornParams,
) -> anyhow::Result<PointCloud> {
    let dim = source.dim();
    if args.backend == BackendChoice::Gpu {
        let gpu = crate::gpu::WideGpu::new_blocking()?;
        super::progress::note(format!("{dim}-dimensional points on {}", gpu.name()));
        return crate::ot::CloudKernels::velocity(&gpu, source, target, params)
            .with_context(|| format!("velocity of {}", args.source.display()));
    }
    let precision: Precision = args.precision.into();
    super::progress::note(format!(
        "{dim}-dimensional points on the CPU ({precision:?}, {} kernels)",
        crate::ot::kernel_in_use()
    ));
    let solved = crate::ot::cloud_velocity(source, target, params, precision)
        .with_context(|| format!("velocity of {}", args.source.display()))?;
    Ok(solved.velocity)
}

/// The 2D velocity on the chosen backend.
fn velocity_2d(
    args: &VelocityArgs,
    source: &PointCloud,
    target: &PointCloud,
    params: &SinkhornParams,
) -> anyhow::Result<PointCloud> {
    let (source, target) = (source.points(), target.points());
    let params = *params;
    let mut selected = select_backend(args.backend, args.precision.into())?;
    super::progress::note(&selected.note);
    let velocity = selected
        .backend
        .velocity(source, target, &params)
        .with_context(|| format!("velocity of {}", args.source.display()))?;
    if let Some(notice) = selected.backend.take_notice() {
        super::progress::note(notice);
    }
    Ok(PointCloud::from_points(&velocity))
}
