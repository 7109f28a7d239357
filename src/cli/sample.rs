//! `nsgf sample`: points from a trained model, as CSV on stdout.

use crate::data::csv_points::write_points;
use crate::model::TrainedModel;
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `nsgf sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The model file written by `nsgf train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Number of samples.
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Network evaluations (NSGF++: the total budget of both phases); default: the model's.
    #[arg(long)]
    pub nfe: Option<usize>,
    /// Random seed of the source samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `nsgf sample`.
pub fn run(args: &SampleArgs) -> anyhow::Result<()> {
    let model = TrainedModel::load(&args.model)?;
    let points = model.sample(args.n, args.nfe, args.seed)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write_points(&mut out, &points).context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    Ok(())
}
