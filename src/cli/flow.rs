//! `nsgf flow`: simulate the empirical Sinkhorn particle flow and print every step as CSV.

use super::particle_flow::{ParticleFlowOptions, SinkhornArgs};
use anyhow::Context;
use std::io::Write;

/// Arguments of `nsgf flow`.
#[derive(Debug, clap::Args)]
pub struct FlowArgs {
    /// Source distribution: a preset name, image:PICTURE, text:WORD or a CSV file.
    #[arg(long)]
    pub source: String,
    /// Target distribution: a preset name, image:PICTURE, text:WORD or a CSV file.
    #[arg(long)]
    pub target: String,
    /// Number of particles (and of target samples).
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Number of Euler steps.
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
    /// Euler step size η.
    #[arg(long, default_value_t = 0.35)]
    pub eta: f64,
    /// Blur, scaling and backend.
    #[command(flatten)]
    pub sinkhorn: SinkhornArgs,
    /// Random seed of the source and target samples (the seeding rule of
    /// `nsgf::data::sample_source_and_target`).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `nsgf flow`: prints `step,t,x,y` for every particle at every step (0..=steps), each
/// step as soon as it is computed (memory stays bounded whatever the number of steps). A
/// target of another dimension (`digits`, a CSV file of d ≠ 2 columns) flows in d dimensions
/// and prints `step,t,x1,…,xd`.
pub(crate) fn run(args: &FlowArgs) -> anyhow::Result<()> {
    let options = ParticleFlowOptions {
        source: &args.source,
        target: &args.target,
        n: args.n,
        steps: args.steps,
        eta: args.eta,
        sinkhorn: args.sinkhorn,
        seed: args.seed,
    };
    if let Some(target) = super::any_dim_flow::wide_target(&args.target)? {
        return super::any_dim_flow::run(&options, &target);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut step = 0;
    options.run(|frame| {
        if let Some(index) = frame.positions.first_non_finite() {
            anyhow::bail!(
                "particle {index} left the plane at step {step} (non-finite position): try a \
                 smaller --eta"
            );
        }
        for point in frame.points() {
            writeln!(out, "{step},{},{},{}", frame.t, point[0], point[1])
                .context("writing to stdout")?;
        }
        out.flush().context("writing to stdout")?;
        step += 1;
        Ok(())
    })?;
    Ok(())
}
