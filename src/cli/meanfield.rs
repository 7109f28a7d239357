//! `nsgf meanfield`: the mean-field study of [`crate::meanfield`] with a progress bar, printed as
//! a table of the error against n and the fitted slope on log–log axes.

use crate::data::Distribution;
use crate::meanfield::{MeanfieldConfig, MeanfieldStudy, mean_norm};
use crate::ot::SinkhornParams;

/// Arguments of `nsgf meanfield`.
#[derive(Debug, Clone, clap::Args)]
pub struct MeanfieldArgs {
    /// Source: a preset name, image:PICTURE, text:WORD or a CSV file.
    #[arg(long, default_value = "gaussian")]
    pub source: String,
    /// Target: a preset name, image:PICTURE, text:WORD or a CSV file.
    #[arg(long, default_value = "moons")]
    pub target: String,
    /// Sample sizes n (source and target alike), comma-separated; the largest is the reference.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 300, 1000, 3000, 10000, 30000])]
    pub sizes: Vec<usize>,
    /// Seeds per size below the reference.
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// Query points per side of the grid (over the middle 90 % of the reference source sample).
    #[arg(long, default_value_t = 16)]
    pub grid: usize,
    /// Blur σ (ε = σ²).
    #[arg(long, default_value_t = 0.2)]
    pub blur: f64,
    /// ε-annealing factor, in (0, 1).
    #[arg(long, default_value_t = 0.9)]
    pub scaling: f64,
}

impl MeanfieldArgs {
    /// The study these arguments ask for.
    fn config(&self) -> anyhow::Result<MeanfieldConfig> {
        Ok(MeanfieldConfig {
            source: Distribution::parse(&self.source)?,
            target: Distribution::parse(&self.target)?,
            sizes: self.sizes.clone(),
            seeds: self.seeds,
            grid: self.grid,
            params: SinkhornParams {
                blur: self.blur,
                scaling: self.scaling,
            },
        })
    }
}

/// Runs the whole study, with a progress bar on a terminal.
pub fn study(args: &MeanfieldArgs) -> anyhow::Result<MeanfieldStudy> {
    let mut study = MeanfieldStudy::new(args.config()?)?;
    let bar = super::progress::bar(study.progress().1, "mean-field velocity fields");
    while !study.step()? {
        bar.set_position(study.progress().0);
    }
    bar.finish_and_clear();
    Ok(study)
}

/// Runs `nsgf meanfield`: a table of the error against n and the fitted slope on stdout.
pub(crate) fn run(args: &MeanfieldArgs) -> anyhow::Result<()> {
    let study = study(args)?;
    let grid = study.grid();
    let (first, last) = (grid[0], grid[grid.len() - 1]);
    println!(
        "mean-field: {} → {}, blur {}, scaling {}, {g}×{g} query grid over [{:.2}, {:.2}] × \
         [{:.2}, {:.2}], reference n = {} (mean |v_ref| = {:.4})",
        args.source,
        args.target,
        args.blur,
        args.scaling,
        first[0],
        last[0],
        first[1],
        last[1],
        study.reference_n(),
        mean_norm(study.reference().unwrap_or_default()),
        g = args.grid,
    );
    println!(
        "{:>8}  {:>10}  {:>10}  {:>10}   (grid-mean |v_n − v_ref| / grid-mean |v_ref|, {} seeds)",
        "n", "mean", "min", "max", args.seeds
    );
    for e in study.errors() {
        println!(
            "{:>8}  {:>10.4}  {:>10.4}  {:>10.4}",
            e.n, e.mean, e.min, e.max
        );
    }
    let slope = study.slope().unwrap_or(f64::NAN);
    println!("fitted slope on log–log axes: {slope:.3} (error ∝ n^{slope:.2})");
    Ok(())
}
