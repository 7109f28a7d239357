//! `nsgf data`: sample a preset, a picture or a word, or resample a CSV file; CSV points on
//! stdout.

use crate::data::{Distribution, csv_points, seeded_rng};
use std::io::Write;

/// Arguments of `nsgf data`.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// A preset name (gaussian, 8gaussians, moons, checkerboard, …), a picture
    /// (image:FILE.png[,invert][,threshold=T]; PNG, JPEG, WebP), a word (text:NSGF) or a CSV
    /// file of x,y points.
    #[arg(value_name = "NAME|image:FILE|text:WORD|FILE")]
    pub distribution: String,
    /// Number of points to write.
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Seed of the random draw: the same seed writes the same bytes.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `nsgf data`: writes `x,y` lines to stdout.
pub(crate) fn run(args: &DataArgs) -> anyhow::Result<()> {
    let distribution = Distribution::parse(&args.distribution)?;
    let mut rng = seeded_rng(args.seed);
    crate::limits::check(
        "--n",
        args.n,
        crate::limits::MAX_POINTS,
        crate::limits::BYTES_PER_POINT,
    )?;
    let points = distribution.sample(args.n, &mut rng)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = csv_points::write_points(&mut out, &points).and_then(|()| out.flush());
    match written {
        // A closed pipe (`nsgf data moons | head`) is the reader's choice, not an error.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(anyhow::anyhow!("cannot write the points to stdout: {err}")),
        Ok(()) => Ok(()),
    }
}
