//! Packing points (and times) into the f32 matrices the networks read, and back, in any
//! dimension.
//!
//! Positions go through a random Fourier-feature encoding (Tancik et al. 2020):
//! `x ↦ (x, sin(b_k·x), cos(b_k·x) for every frequency b_k)`. Plain coordinate MLPs are
//! biased toward smooth functions and blur sharp targets such as checkerboard's square edges;
//! the encoding lets the same small MLP represent them. In 64 dimensions the pixels already are
//! a rich input, and the encoding is the identity (no frequencies).

use crate::PointCloud;
use ndarray::Array2;
use rand::Rng;
use rand_distr::{Distribution as _, Normal};

/// A random Fourier-feature encoding of positions of dimension `dim`; no frequencies means the
/// identity.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct PositionEncoding {
    /// The dimension of the positions (2 in files written before models had a dimension).
    #[serde(default = "planar")]
    dim: usize,
    /// The frequency vectors b_k, `dim` numbers each.
    frequencies: Vec<Vec<f32>>,
}

fn planar() -> usize {
    2
}

impl Default for PositionEncoding {
    fn default() -> Self {
        Self::identity(2)
    }
}

impl PositionEncoding {
    /// `count` frequencies of dimension `dim` drawn from N(0, scale²·I).
    pub(crate) fn random(count: usize, scale: f64, dim: usize, rng: &mut impl Rng) -> Self {
        let normal = Normal::new(0.0, scale).unwrap_or_else(|_| Normal::new(0.0, 1.0).unwrap());
        let frequencies = (0..count)
            .map(|_| (0..dim).map(|_| normal.sample(rng) as f32).collect())
            .collect();
        Self { dim, frequencies }
    }

    /// The identity encoding of positions of dimension `dim`.
    pub(crate) fn identity(dim: usize) -> Self {
        Self {
            dim,
            frequencies: Vec::new(),
        }
    }

    /// The dimension of the positions it encodes.
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// Columns of an encoded position.
    pub(crate) fn width(&self) -> usize {
        self.dim + 2 * self.frequencies.len()
    }

    /// Whether every frequency has the encoding's dimension.
    pub(crate) fn is_consistent(&self) -> bool {
        self.dim >= 1 && self.frequencies.iter().all(|b| b.len() == self.dim)
    }

    /// Writes the encoding of `point` into the first [`PositionEncoding::width`] slots of `row`.
    fn encode_into(&self, point: &[f64], row: &mut ndarray::ArrayViewMut1<f32>) {
        for (k, &x) in point.iter().enumerate() {
            row[k] = x as f32;
        }
        for (k, b) in self.frequencies.iter().enumerate() {
            let mut phase = b[0] * point[0] as f32;
            for (b, &x) in b.iter().zip(point).skip(1) {
                phase += b * x as f32;
            }
            row[self.dim + 2 * k] = phase.sin();
            row[self.dim + 2 * k + 1] = phase.cos();
        }
    }

    /// Rows `(encoded position, t)`, one per point.
    pub(crate) fn with_times(&self, points: &PointCloud, times: &[f64]) -> Array2<f32> {
        debug_assert_eq!(points.len(), times.len());
        let width = self.width();
        let mut input = Array2::<f32>::zeros((points.len(), width + 1));
        for ((mut row, point), t) in input
            .rows_mut()
            .into_iter()
            .zip(self.rows(points))
            .zip(times)
        {
            self.encode_into(point, &mut row);
            row[width] = *t as f32;
        }
        input
    }

    /// Rows `(encoded position, t)` with one shared time.
    pub(crate) fn at_time(&self, points: &PointCloud, t: f64) -> Array2<f32> {
        let width = self.width();
        let mut input = Array2::<f32>::zeros((points.len(), width + 1));
        for (mut row, point) in input.rows_mut().into_iter().zip(self.rows(points)) {
            self.encode_into(point, &mut row);
            row[width] = t as f32;
        }
        input
    }

    /// Rows of encoded positions alone.
    pub(crate) fn positions(&self, points: &PointCloud) -> Array2<f32> {
        let mut input = Array2::<f32>::zeros((points.len(), self.width()));
        for (mut row, point) in input.rows_mut().into_iter().zip(self.rows(points)) {
            self.encode_into(point, &mut row);
        }
        input
    }

    /// The points of `points`, `dim` coordinates each.
    fn rows<'a>(&self, points: &'a PointCloud) -> std::slice::ChunksExact<'a, f64> {
        debug_assert_eq!(points.dim(), self.dim);
        points.coords().chunks_exact(self.dim)
    }
}

/// Rows of the vectors of `values` (regression targets), in their dimension.
pub(super) fn vectors(values: &PointCloud) -> Array2<f32> {
    Array2::from_shape_vec(
        (values.len(), values.dim()),
        values.coords().iter().map(|&v| v as f32).collect(),
    )
    .expect("n × d values")
}

/// The rows of a network's output, back as a cloud of their width.
pub(super) fn output_cloud(output: &Array2<f32>) -> PointCloud {
    PointCloud::from_flat(
        output.ncols(),
        output.iter().map(|&v| f64::from(v)).collect(),
    )
}

/// `a + scale·b`, coordinate by coordinate (an Euler step of clouds of one dimension).
pub(super) fn moved(a: &PointCloud, scale: f64, b: &PointCloud) -> PointCloud {
    PointCloud::from_flat(
        a.dim(),
        a.coords()
            .iter()
            .zip(b.coords())
            .map(|(x, v)| x + scale * v)
            .collect(),
    )
}
