//! The distributions of any width behind [`super::Distribution`]: wide CSV files, the standard
//! normal in d dimensions and the digits, sampled as [`PointCloud`]s.

use super::csv_rows::Rows;
use super::{DataError, Distribution, SeededRng, csv_points, csv_rows, digits};
use crate::{PointCloud, limits};
use rand::RngExt;
use rand_distr::{Distribution as _, StandardNormal};
use std::path::Path;

/// The largest dimension of a `normalD` spec.
const MAX_NORMAL_DIM: usize = 4096;

/// `Some(d)` for a spec `normalD` (d ≥ 1), None for anything else.
pub(super) fn normal_dimension(spec: &str) -> Result<Option<usize>, DataError> {
    let Some(digits) = spec.strip_prefix("normal") else {
        return Ok(None);
    };
    let Ok(dim) = digits.parse::<usize>() else {
        return Ok(None);
    };
    if dim == 0 {
        return Err(DataError::ZeroPoints);
    }
    limits::check("the dimension of normalD", dim, MAX_NORMAL_DIM, 0)?;
    Ok(Some(dim))
}

/// A CSV file as a distribution: `x,y` points (with the 2D reader's messages), or rows of
/// any other width (with the table reader's). The first non-blank line decides: more than two
/// fields, a `label` column not counted, make a wide file.
pub(super) fn read_file(path: &Path, label: &str) -> Result<Distribution, DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Unreadable {
        path: path.display().to_string(),
        source,
    })?;
    if !csv_rows::is_wide_text(&text) {
        return Ok(Distribution::Points {
            label: label.to_string(),
            points: csv_points::read_points(path)?,
        });
    }
    let rows = csv_rows::parse_table(&text, &path.display().to_string())?
        .without_column("label")
        .rows;
    if rows.nrows() == 0 {
        return Err(DataError::Empty(path.display().to_string()));
    }
    Ok(Distribution::Rows {
        label: label.to_string(),
        rows,
    })
}

/// `n` points of a distribution of any width (not the 2D ones).
pub(super) fn sample(
    distribution: &Distribution,
    n: usize,
    rng: &mut SeededRng,
) -> Result<PointCloud, DataError> {
    if n == 0 {
        return Err(DataError::ZeroPoints);
    }
    let dim = distribution.dim();
    limits::check(
        "the number of points × their dimension",
        n.saturating_mul(dim.div_ceil(2)),
        limits::MAX_POINTS,
        limits::BYTES_PER_POINT,
    )?;
    match distribution {
        Distribution::StandardNormal { dim } => {
            let coords = (0..n * dim).map(|_| StandardNormal.sample(rng)).collect();
            Ok(PointCloud::from_flat(*dim, coords))
        }
        Distribution::Digits => Ok(pick_rows(&digits::training(), n, rng)),
        Distribution::Rows { rows, label } => {
            if rows.nrows() == 0 {
                return Err(DataError::Empty(label.clone()));
            }
            Ok(pick_rows(rows, n, rng))
        }
        _ => unreachable!("the 2D distributions sample through Distribution::sample"),
    }
}

/// `n` of the held-out digits.
pub(super) fn held_out_digits(n: usize, rng: &mut SeededRng) -> Result<PointCloud, DataError> {
    if n == 0 {
        return Err(DataError::ZeroPoints);
    }
    Ok(pick_rows(&digits::held_out(), n, rng))
}

/// `rows` as a cloud (one copy).
pub(crate) fn cloud_of(rows: &Rows) -> PointCloud {
    PointCloud::from_flat(rows.ncols(), rows.iter().copied().collect())
}

/// `n` rows of `rows` as a cloud: a random subset without replacement when `n ≤` its size, else
/// drawn with replacement (as the 2D point sets are sampled).
fn pick_rows(rows: &Rows, n: usize, rng: &mut SeededRng) -> PointCloud {
    let size = rows.nrows();
    let picked: Vec<usize> = if n <= size {
        rand::seq::index::sample(rng, size, n).into_vec()
    } else {
        (0..n).map(|_| rng.random_range(0..size)).collect()
    };
    let mut coords = Vec::with_capacity(n * rows.ncols());
    for &row in &picked {
        coords.extend(rows.row(row).iter());
    }
    PointCloud::from_flat(rows.ncols(), coords)
}

/// Rows stored in files as a list of lists of numbers.
pub(super) mod as_lists {
    use super::Rows;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `rows` as a list of lists.
    pub(crate) fn serialize<S: Serializer>(rows: &Rows, serializer: S) -> Result<S::Ok, S::Error> {
        let lists: Vec<Vec<f64>> = rows.rows().into_iter().map(|r| r.to_vec()).collect();
        lists.serialize(serializer)
    }

    /// Reads a non-empty list of equally long lists of finite numbers.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Rows, D::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::seeded_rng;

    #[test]
    fn normal_specs_name_their_dimension_and_nothing_else_is_one() {
        assert_eq!(normal_dimension("normal64").unwrap(), Some(64));
        assert_eq!(normal_dimension("normal").unwrap(), None);
        assert_eq!(normal_dimension("gaussian").unwrap(), None);
        assert!(normal_dimension("normal0").is_err());
        assert!(normal_dimension("normal99999").is_err());
    }

    #[test]
    fn wide_distributions_sample_clouds_of_their_width() {
        let mut rng = seeded_rng(3);
        let normal = Distribution::StandardNormal { dim: 5 };
        let cloud = normal.sample_cloud(4000, &mut rng).unwrap();
        assert_eq!((cloud.len(), cloud.dim()), (4000, 5));
        let mean = cloud.coords().iter().sum::<f64>() / cloud.coords().len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        let digits = Distribution::Digits.sample_cloud(10, &mut rng).unwrap();
        assert_eq!(digits.dim(), 64);
        assert!(Distribution::Digits.sample(3, &mut rng).is_err());
        let rows = Distribution::Rows {
            label: "r.csv".into(),
            rows: ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        };
        let subset = rows.sample_cloud(2, &mut rng).unwrap();
        let mut firsts: Vec<f64> = subset.coords().chunks(3).map(|p| p[0]).collect();
        firsts.sort_by(f64::total_cmp);
        assert_eq!(firsts, vec![1.0, 4.0], "n ≤ size draws distinct rows");
    }
}
