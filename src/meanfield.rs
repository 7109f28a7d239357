//! The mean-field limit, step by step: the empirical Sinkhorn-flow velocity field on a fixed
//! grid of query points from n source and n target samples, against a large-n reference, for
//! growing n over several seeds, and the fitted slope of the error on log–log axes. One field a
//! [`MeanfieldStudy::step`], so the CLI draws a progress bar and the app steps it on a worker.

use crate::Point;
use crate::data::{DataError, Distribution, Stream, derive_seed, sample_source_and_target};
use crate::ot::{OtError, Precision, SinkhornParams, velocity_field};

/// What a study compares.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanfieldConfig {
    /// The source distribution.
    pub source: Distribution,
    /// The target distribution.
    pub target: Distribution,
    /// Sample sizes n (source and target alike); the largest is the reference.
    pub sizes: Vec<usize>,
    /// Seeds per size below the reference.
    pub seeds: u64,
    /// Query points per side of the grid (over the middle 90 % of the reference source).
    pub grid: usize,
    /// Blur and scaling.
    pub params: SinkhornParams,
}

/// Why a study cannot run.
#[derive(Debug, thiserror::Error)]
pub enum MeanfieldError {
    /// A bad setting, named.
    #[error("{0}")]
    Invalid(String),
    /// A size beyond its limit.
    #[error(transparent)]
    Limit(#[from] crate::limits::LimitError),
    /// Sampling failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The Sinkhorn solve failed.
    #[error(transparent)]
    Ot(#[from] OtError),
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

/// The seed of the reference samples (apart from the studied seeds 0, 1, …).
const REFERENCE_SEED: u64 = derive_seed(0, Stream::MeanFieldReference);

/// A study in progress or done.
#[derive(Debug, Clone)]
pub struct MeanfieldStudy {
    config: MeanfieldConfig,
    /// Sizes below the reference, growing.
    sizes: Vec<usize>,
    reference_n: usize,
    grid: Vec<Point>,
    reference: Option<Vec<Point>>,
    /// Per size below the reference: the error of each seed done so far.
    per_seed: Vec<Vec<f64>>,
    /// Per size: the field of seed 0 (for showing it).
    first_fields: Vec<Option<Vec<Point>>>,
}

impl MeanfieldStudy {
    /// Checks `config` and draws the reference samples (nothing is solved yet).
    pub fn new(config: MeanfieldConfig) -> Result<Self, MeanfieldError> {
        let mut sizes = config.sizes.clone();
        sizes.sort_unstable();
        sizes.dedup();
        if sizes.len() < 3 || sizes[0] == 0 {
            return Err(MeanfieldError::Invalid(format!(
                "--sizes needs at least three different sizes of at least 1 (two to fit a \
                 slope, the largest as the reference); got {:?}",
                config.sizes
            )));
        }
        if config.seeds == 0 || config.grid < 2 {
            return Err(MeanfieldError::Invalid(format!(
                "--seeds must be at least 1 and --grid at least 2 (got {} and {})",
                config.seeds, config.grid
            )));
        }
        let reference_n = sizes.pop().expect("three sizes");
        for (option, value, bytes) in [
            ("--sizes", reference_n, 64),
            ("--grid", config.grid * config.grid, 16),
        ] {
            crate::limits::check(option, value, crate::limits::MAX_POINTS, bytes)?;
        }
        config.params.validate()?;
        let (x, _) =
            sample_source_and_target(&config.source, &config.target, reference_n, REFERENCE_SEED)?;
        let grid = middle_grid(&x, config.grid);
        let count = sizes.len();
        Ok(Self {
            config,
            sizes,
            reference_n,
            grid,
            reference: None,
            per_seed: vec![Vec::new(); count],
            first_fields: vec![None; count],
        })
    }

    /// The fields solved so far and in all (the reference, then each seed of each size).
    pub fn progress(&self) -> (u64, u64) {
        let done = u64::from(self.reference.is_some())
            + self.per_seed.iter().map(|s| s.len() as u64).sum::<u64>();
        (done, 1 + self.config.seeds * self.sizes.len() as u64)
    }

    /// Whether every field is solved.
    pub fn finished(&self) -> bool {
        let (done, total) = self.progress();
        done == total
    }

    /// Solves the next field (the reference first, then the sizes from small to large);
    /// returns whether the study is finished.
    pub fn step(&mut self) -> Result<bool, MeanfieldError> {
        let params = self.config.params;
        let (source, target) = (&self.config.source, &self.config.target);
        let Some(reference) = &self.reference else {
            let (x, y) =
                sample_source_and_target(source, target, self.reference_n, REFERENCE_SEED)?;
            self.reference = Some(velocity_field(&self.grid, &x, &y, &params, Precision::F32)?);
            return Ok(self.finished());
        };
        let Some(index) = self
            .per_seed
            .iter()
            .position(|s| (s.len() as u64) < self.config.seeds)
        else {
            return Ok(true);
        };
        let (n, seed) = (self.sizes[index], self.per_seed[index].len() as u64);
        let (x, y) = sample_source_and_target(source, target, n, seed)?;
        let field = velocity_field(&self.grid, &x, &y, &params, Precision::F32)?;
        let difference: Vec<Point> = field
            .iter()
            .zip(reference)
            .map(|(a, b)| [a[0] - b[0], a[1] - b[1]])
            .collect();
        self.per_seed[index].push(mean_norm(&difference) / mean_norm(reference));
        if seed == 0 {
            self.first_fields[index] = Some(field);
        }
        Ok(self.finished())
    }

    /// The query points.
    pub fn grid(&self) -> &[Point] {
        &self.grid
    }

    /// The reference field on the grid, once solved.
    pub fn reference(&self) -> Option<&[Point]> {
        self.reference.as_deref()
    }

    /// The reference size.
    pub fn reference_n(&self) -> usize {
        self.reference_n
    }

    /// The studied sizes (below the reference), growing.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// The field of seed 0 at the `index`-th size, once solved.
    pub fn field_at(&self, index: usize) -> Option<&[Point]> {
        self.first_fields.get(index)?.as_deref()
    }

    /// The errors of the sizes with at least one seed done, growing n.
    pub fn errors(&self) -> Vec<SizeError> {
        self.sizes
            .iter()
            .zip(&self.per_seed)
            .filter(|(_, seeds)| !seeds.is_empty())
            .map(|(&n, seeds)| SizeError {
                n,
                mean: seeds.iter().sum::<f64>() / seeds.len() as f64,
                min: seeds.iter().copied().fold(f64::INFINITY, f64::min),
                max: seeds.iter().copied().fold(0.0, f64::max),
            })
            .collect()
    }

    /// The least-squares slope of ln(mean error) against ln(n) over the sizes done (None
    /// before two).
    pub fn slope(&self) -> Option<f64> {
        let points: Vec<(f64, f64)> = self
            .errors()
            .iter()
            .map(|e| ((e.n as f64).ln(), e.mean.ln()))
            .collect();
        if points.len() < 2 {
            return None;
        }
        let count = points.len() as f64;
        let mx = points.iter().map(|p| p.0).sum::<f64>() / count;
        let my = points.iter().map(|p| p.1).sum::<f64>() / count;
        let covariance: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let variance: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        Some(covariance / variance)
    }
}

/// A `side × side` grid over the middle 90 % (5th to 95th percentile per axis) of `points`.
fn middle_grid(points: &[Point], side: usize) -> Vec<Point> {
    let percentile = |axis: usize, q: f64| {
        let mut values: Vec<f64> = points.iter().map(|p| p[axis]).collect();
        values.sort_by(f64::total_cmp);
        values[((values.len() - 1) as f64 * q).round() as usize]
    };
    let lo = [percentile(0, 0.05), percentile(1, 0.05)];
    let hi = [percentile(0, 0.95), percentile(1, 0.95)];
    let at =
        |axis: usize, k: usize| lo[axis] + (hi[axis] - lo[axis]) * k as f64 / (side - 1) as f64;
    (0..side)
        .flat_map(|i| (0..side).map(move |j| (i, j)))
        .map(|(i, j)| [at(0, j), at(1, i)])
        .collect()
}

/// The mean Euclidean norm of `vectors`.
pub fn mean_norm(vectors: &[Point]) -> f64 {
    vectors.iter().map(|v| v[0].hypot(v[1])).sum::<f64>() / vectors.len().max(1) as f64
}
