//! `nsgf sample`: points from a trained model, as CSV on stdout.

use super::model_draw::ModelDrawArgs;
use crate::data::csv_points::write_points;
use anyhow::Context;
use std::io::Write;

/// Arguments of `nsgf sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The model, n, NFE and seed.
    #[command(flatten)]
    pub draw: ModelDrawArgs,
}

/// Runs `nsgf sample`.
pub(crate) fn run(args: &SampleArgs) -> anyhow::Result<()> {
    let draw = &args.draw;
    draw.check(crate::limits::MAX_POINTS, crate::limits::BYTES_PER_POINT)?;
    let model = crate::model::TrainedModel::load(&draw.model)?;
    if model.dim != 2 {
        return super::wide::sample_command(&model, draw.n, draw.nfe, draw.seed);
    }
    let points = model.sample(draw.n, draw.nfe, draw.seed)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write_points(&mut out, &points).context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    Ok(())
}
