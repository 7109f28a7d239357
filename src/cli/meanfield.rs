//! `nsgf meanfield`: the empirical Sinkhorn-flow velocity field on a fixed grid of query points,
//! from n source and n target samples, against a large-n reference, for growing n: the error
//! against n over several seeds and its fitted slope on log–log axes (the mean-field limit).

use crate::Point;
use crate::data::{Distribution, sample_source_and_target};
use crate::ot::{Precision, SinkhornParams, velocity_field};

/// Arguments of `nsgf meanfield`.
#[derive(Debug, Clone, clap::Args)]
pub struct MeanfieldArgs {
    /// Source: a preset name or a CSV file.
    #[arg(long, default_value = "gaussian")]
    pub source: String,
    /// Target: a preset name or a CSV file.
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

/// One size's errors over the seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeError {
    /// Sample size n.
    pub n: usize,
    /// Mean over the seeds of the grid-mean |v_n − v_ref| / grid-mean |v_ref|.
    pub mean: f64,
    /// Smallest over the seeds.
    pub min: f64,
    /// Largest over the seeds.
    pub max: f64,
}

/// The study: the query grid, the reference field, each size's error and the fitted slope.
#[derive(Debug, Clone)]
pub struct MeanfieldStudy {
    /// The query points.
    pub grid: Vec<Point>,
    /// The reference field on the grid (largest n).
    pub reference: Vec<Point>,
    /// The reference size.
    pub reference_n: usize,
    /// The errors, by growing n.
    pub errors: Vec<SizeError>,
    /// Least-squares slope of ln(mean error) against ln(n).
    pub slope: f64,
}

/// The seed of the reference samples (apart from the studied seeds 0, 1, …).
const REFERENCE_SEED: u64 = 1_000_003;

/// Runs the study.
pub fn study(args: &MeanfieldArgs) -> anyhow::Result<MeanfieldStudy> {
    let mut sizes = args.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    if sizes.len() < 3 || sizes[0] == 0 {
        anyhow::bail!(
            "--sizes needs at least three different sizes of at least 1 (two to fit a slope, \
             the largest as the reference); got {:?}",
            args.sizes
        );
    }
    if args.seeds == 0 || args.grid < 2 {
        anyhow::bail!(
            "--seeds must be at least 1 and --grid at least 2 (got {} and {})",
            args.seeds,
            args.grid
        );
    }
    let reference_n = *sizes.last().expect("three sizes");
    crate::limits::check("--sizes", reference_n, crate::limits::MAX_POINTS, 64)?;
    crate::limits::check(
        "--grid",
        args.grid * args.grid,
        crate::limits::MAX_POINTS,
        16,
    )?;
    let params = SinkhornParams {
        blur: args.blur,
        scaling: args.scaling,
    };
    params.validate()?;
    let source = Distribution::parse(&args.source)?;
    let target = Distribution::parse(&args.target)?;
    let (x, y) = sample_source_and_target(&source, &target, reference_n, REFERENCE_SEED)?;
    let grid = middle_grid(&x, args.grid);
    let bar = super::progress::bar(
        1 + args.seeds * (sizes.len() as u64 - 1),
        "mean-field velocity fields",
    );
    let reference = velocity_field(&grid, &x, &y, &params, Precision::F32)?;
    bar.inc(1);
    let scale = mean_norm(&reference);
    let mut errors = Vec::new();
    for &n in &sizes[..sizes.len() - 1] {
        let mut per_seed = Vec::new();
        for seed in 0..args.seeds {
            let (x, y) = sample_source_and_target(&source, &target, n, seed)?;
            let field = velocity_field(&grid, &x, &y, &params, Precision::F32)?;
            let difference: Vec<Point> = field
                .iter()
                .zip(&reference)
                .map(|(a, b)| [a[0] - b[0], a[1] - b[1]])
                .collect();
            per_seed.push(mean_norm(&difference) / scale);
            bar.inc(1);
        }
        errors.push(SizeError {
            n,
            mean: per_seed.iter().sum::<f64>() / per_seed.len() as f64,
            min: per_seed.iter().copied().fold(f64::INFINITY, f64::min),
            max: per_seed.iter().copied().fold(0.0, f64::max),
        });
    }
    bar.finish_and_clear();
    let slope = log_log_slope(&errors);
    Ok(MeanfieldStudy {
        grid,
        reference,
        reference_n,
        errors,
        slope,
    })
}

/// A `side × side` grid over the middle 90 % (5th to 95th percentile per axis) of `points`.
fn middle_grid(points: &[Point], side: usize) -> Vec<Point> {
    let percentile = |axis: usize, q: f64| {
        let mut values: Vec<f64> = points.iter().map(|p| p[axis]).collect();
        values.sort_by(f64::total_cmp);
        values[((values.len() - 1) as f64 * q).round() as usize]
    };
    let (lo, hi) = (
        [percentile(0, 0.05), percentile(1, 0.05)],
        [percentile(0, 0.95), percentile(1, 0.95)],
    );
    let at =
        |axis: usize, k: usize| lo[axis] + (hi[axis] - lo[axis]) * k as f64 / (side - 1) as f64;
    (0..side)
        .flat_map(|i| (0..side).map(move |j| (i, j)))
        .map(|(i, j)| [at(0, j), at(1, i)])
        .collect()
}

/// The mean Euclidean norm of `vectors`.
fn mean_norm(vectors: &[Point]) -> f64 {
    vectors.iter().map(|v| v[0].hypot(v[1])).sum::<f64>() / vectors.len().max(1) as f64
}

/// Least-squares slope of ln(mean error) against ln(n).
fn log_log_slope(errors: &[SizeError]) -> f64 {
    let points: Vec<(f64, f64)> = errors
        .iter()
        .map(|e| ((e.n as f64).ln(), e.mean.ln()))
        .collect();
    let count = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / count,
        points.iter().map(|p| p.1).sum::<f64>() / count,
    );
    let covariance: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let variance: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    covariance / variance
}

/// Runs `nsgf meanfield`: a table of the error against n and the fitted slope on stdout.
pub fn run(args: &MeanfieldArgs) -> anyhow::Result<()> {
    let study = study(args)?;
    let (first, last) = (study.grid[0], study.grid[study.grid.len() - 1]);
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
        study.reference_n,
        mean_norm(&study.reference),
        g = args.grid,
    );
    println!(
        "{:>8}  {:>10}  {:>10}  {:>10}   (grid-mean |v_n − v_ref| / grid-mean |v_ref|, {} seeds)",
        "n", "mean", "min", "max", args.seeds
    );
    for e in &study.errors {
        println!(
            "{:>8}  {:>10.4}  {:>10.4}  {:>10.4}",
            e.n, e.mean, e.min, e.max
        );
    }
    println!(
        "fitted slope on log–log axes: {:.3} (error ∝ n^{:.2})",
        study.slope, study.slope
    );
    Ok(())
}
