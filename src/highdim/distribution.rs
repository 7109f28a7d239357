//! Distributions in d dimensions: the standard normal, or a fixed set of rows (the digits, a
//! CSV file) sampled like the 2D point sets.

use super::{HighDimError, Rows, digits};
use crate::data::SeededRng;
use rand::RngExt;
use rand_distr::{Distribution as _, StandardNormal};

/// A distribution in d dimensions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum WideDistribution {
    /// N(0, I) in `dim` dimensions.
    StandardNormal {
        /// The dimension.
        dim: usize,
    },
    /// The training half of the shipped digits (64 dimensions).
    Digits,
    /// A fixed set of rows; `label` says where they came from.
    Rows {
        /// A file path, for messages.
        label: String,
        /// The points, one per row.
        #[serde(with = "rows_as_lists")]
        rows: Rows,
    },
}

/// Rows stored in files as a list of lists of numbers.
mod rows_as_lists {
    use super::Rows;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(rows: &Rows, serializer: S) -> Result<S::Ok, S::Error> {
        let lists: Vec<Vec<f64>> = rows.rows().into_iter().map(|r| r.to_vec()).collect();
        lists.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Rows, D::Error> {
        let lists = Vec::<Vec<f64>>::deserialize(deserializer)?;
        let dim = lists.first().map_or(0, Vec::len);
        if lists.is_empty() || dim == 0 || lists.iter().any(|l| l.len() != dim) {
            return Err(serde::de::Error::custom(
                "the rows must be a non-empty list of lists of one length",
            ));
        }
        if lists.iter().flatten().any(|v| !v.is_finite()) {
            return Err(serde::de::Error::custom("the rows hold a non-finite value"));
        }
        Rows::from_shape_vec((lists.len(), dim), lists.concat()).map_err(serde::de::Error::custom)
    }
}

impl WideDistribution {
    /// A target by name: `digits`, or a CSV file of any width (a column named `label` is
    /// dropped).
    pub fn parse_target(spec: &str) -> Result<Self, HighDimError> {
        if spec == "digits" {
            return Ok(WideDistribution::Digits);
        }
        let table =
            crate::data::csv_rows::read_table(std::path::Path::new(spec))?.without_column("label");
        Ok(WideDistribution::Rows {
            label: spec.to_string(),
            rows: table.rows,
        })
    }

    /// The dimension of its points.
    pub fn dim(&self) -> usize {
        match self {
            WideDistribution::StandardNormal { dim } => *dim,
            WideDistribution::Digits => digits::DIM,
            WideDistribution::Rows { rows, .. } => rows.ncols(),
        }
    }

    /// A short label for messages.
    pub fn label(&self) -> String {
        match self {
            WideDistribution::StandardNormal { dim } => format!("normal{dim}"),
            WideDistribution::Digits => "digits".into(),
            WideDistribution::Rows { label, .. } => label.clone(),
        }
    }

    /// `n` samples: fresh normal draws, or rows of the set (a random subset when n fits in it,
    /// else with replacement).
    pub fn sample(&self, n: usize, rng: &mut SeededRng) -> Rows {
        match self {
            WideDistribution::StandardNormal { dim } => {
                Rows::from_shape_simple_fn((n, *dim), || StandardNormal.sample(rng))
            }
            WideDistribution::Digits => pick_rows(&digits::training(), n, rng),
            WideDistribution::Rows { rows, .. } => pick_rows(rows, n, rng),
        }
    }

    /// Points this distribution never trains on, for judging models: the held-out digits, or
    /// fresh normal draws; a set of rows has none apart from itself.
    pub fn held_out(&self, n: usize, rng: &mut SeededRng) -> Rows {
        match self {
            WideDistribution::Digits => pick_rows(&digits::held_out(), n, rng),
            other => other.sample(n, rng),
        }
    }
}

/// `n` rows of `rows`: a random subset without replacement when `n ≤` its size, else drawn
/// with replacement.
pub fn pick_rows(rows: &Rows, n: usize, rng: &mut SeededRng) -> Rows {
    let size = rows.nrows();
    let picked: Vec<usize> = if n <= size {
        rand::seq::index::sample(rng, size, n).into_vec()
    } else {
        (0..n).map(|_| rng.random_range(0..size)).collect()
    };
    rows.select(ndarray::Axis(0), &picked)
}
