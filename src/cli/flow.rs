//! `nsgf flow`: simulate the empirical Sinkhorn particle flow and print every step as CSV.

use crate::data::{Distribution, seeded_rng};
use crate::flow::{FlowConfig, simulate_flow};
use crate::gpu::{BackendChoice, select_backend};
use crate::ot::{Precision, SinkhornParams};
use anyhow::Context;
use std::io::Write;

/// Arguments of `nsgf flow`.
#[derive(Debug, clap::Args)]
pub struct FlowArgs {
    /// Source distribution: a preset name or a CSV file.
    #[arg(long)]
    pub source: String,
    /// Target distribution: a preset name or a CSV file.
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
    /// Blur σ (ε = σ²).
    #[arg(long, default_value_t = 0.05)]
    pub blur: f64,
    /// ε-annealing factor in (0, 1).
    #[arg(long, default_value_t = 0.9)]
    pub scaling: f64,
    /// Velocity backend.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
    /// Random seed of the source and target samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `nsgf flow`: prints `step,t,x,y` for every particle at every step (0..=steps).
pub fn run(args: &FlowArgs) -> anyhow::Result<()> {
    if args.n == 0 {
        anyhow::bail!("--n must be at least 1 (got 0)");
    }
    if args.steps == 0 {
        anyhow::bail!("--steps must be at least 1 (got 0)");
    }
    if !(args.eta.is_finite() && args.eta > 0.0) {
        anyhow::bail!("--eta must be a finite number > 0 (got {})", args.eta);
    }
    let sinkhorn = SinkhornParams {
        blur: args.blur,
        scaling: args.scaling,
    };
    sinkhorn.validate()?;
    let source = Distribution::parse(&args.source)?;
    let target = Distribution::parse(&args.target)?;
    let mut rng = seeded_rng(args.seed);
    let source_samples = source.sample(args.n, &mut rng)?;
    let target_samples = target.sample(args.n, &mut rng)?;
    let mut selected = select_backend(args.backend, Precision::F32)?;
    eprintln!("{}", selected.note);
    let config = FlowConfig {
        steps: args.steps,
        eta: args.eta,
        sinkhorn,
    };
    let frames = simulate_flow(
        source_samples,
        target_samples,
        config,
        selected.backend.as_mut(),
    )?;
    if let Some(notice) = selected.backend.take_notice() {
        eprintln!("{notice}");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for frame in &frames {
        for point in &frame.particles {
            writeln!(out, "{},{},{},{}", frame.step, frame.t, point[0], point[1])
                .context("writing to stdout")?;
        }
    }
    out.flush().context("writing to stdout")?;
    Ok(())
}
