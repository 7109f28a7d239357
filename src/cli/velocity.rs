//! `nsgf velocity`: the empirical Sinkhorn-flow velocity at every source point, n×2 CSV on
//! stdout.

use crate::data::csv_points;
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
    /// CSV file of the source particles x (`x,y` per line).
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
/// writes one `vx,vy` line per source point (shortest round-trip f64 digits); the backend note
/// goes to stderr.
pub fn run(args: &VelocityArgs) -> anyhow::Result<()> {
    let params = SinkhornParams {
        blur: args.blur,
        scaling: args.scaling,
    };
    params.validate()?;
    let source = csv_points::read_points(&args.source)?;
    let target = csv_points::read_points(&args.target)?;
    let mut selected = select_backend(args.backend, args.precision.into())?;
    super::progress::note(&selected.note);
    let velocity = selected
        .backend
        .velocity(&source, &target, &params)
        .with_context(|| format!("velocity of {}", args.source.display()))?;
    if let Some(notice) = selected.backend.take_notice() {
        super::progress::note(notice);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = csv_points::write_points(&mut out, &velocity).and_then(|()| out.flush());
    match written {
        // A closed pipe (`nsgf velocity … | head`) is the reader's choice, not an error.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(anyhow::anyhow!(
            "cannot write the velocity to stdout: {err}"
        )),
        Ok(()) => Ok(()),
    }
}
