//! Packing points (and times) into the f32 matrices the networks read, and back.
//!
//! Positions go through a random Fourier-feature encoding (Tancik et al. 2020):
//! `(x, y) ↦ (x, y, sin(b_k·p), cos(b_k·p) for every frequency b_k)`. Plain coordinate MLPs are
//! biased toward smooth functions and blur sharp targets such as checkerboard's square edges;
//! the encoding lets the same small MLP represent them.

use crate::Point;
use ndarray::Array2;
use rand::Rng;
use rand_distr::{Distribution as _, Normal};

/// A random Fourier-feature encoding of 2D positions; no frequencies means the identity.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct PositionEncoding {
    /// The frequency vectors b_k.
    frequencies: Vec<[f32; 2]>,
}

impl PositionEncoding {
    /// `count` frequencies drawn from N(0, scale²·I).
    pub fn random(count: usize, scale: f64, rng: &mut impl Rng) -> Self {
        let normal = Normal::new(0.0, scale).unwrap_or_else(|_| Normal::new(0.0, 1.0).unwrap());
        let frequencies = (0..count)
            .map(|_| [normal.sample(rng) as f32, normal.sample(rng) as f32])
            .collect();
        Self { frequencies }
    }

    /// Columns of an encoded position.
    pub fn width(&self) -> usize {
        2 + 2 * self.frequencies.len()
    }

    /// Writes the encoding of `point` into the first [`PositionEncoding::width`] slots of `row`.
    fn encode_into(&self, point: &Point, row: &mut ndarray::ArrayViewMut1<f32>) {
        let (x, y) = (point[0] as f32, point[1] as f32);
        row[0] = x;
        row[1] = y;
        for (k, b) in self.frequencies.iter().enumerate() {
            let phase = b[0] * x + b[1] * y;
            row[2 + 2 * k] = phase.sin();
            row[3 + 2 * k] = phase.cos();
        }
    }

    /// Rows `(encoded position, t)`, one per point.
    pub fn with_times(&self, points: &[Point], times: &[f64]) -> Array2<f32> {
        debug_assert_eq!(points.len(), times.len());
        let width = self.width();
        let mut input = Array2::<f32>::zeros((points.len(), width + 1));
        for (mut row, (point, t)) in input.rows_mut().into_iter().zip(points.iter().zip(times)) {
            self.encode_into(point, &mut row);
            row[width] = *t as f32;
        }
        input
    }

    /// Rows `(encoded position, t)` with one shared time.
    pub fn at_time(&self, points: &[Point], t: f64) -> Array2<f32> {
        let width = self.width();
        let mut input = Array2::<f32>::zeros((points.len(), width + 1));
        for (mut row, point) in input.rows_mut().into_iter().zip(points) {
            self.encode_into(point, &mut row);
            row[width] = t as f32;
        }
        input
    }

    /// Rows of encoded positions alone.
    pub fn positions(&self, points: &[Point]) -> Array2<f32> {
        let mut input = Array2::<f32>::zeros((points.len(), self.width()));
        for (mut row, point) in input.rows_mut().into_iter().zip(points) {
            self.encode_into(point, &mut row);
        }
        input
    }
}

/// Rows `(vx, vy)` of 2D vectors (regression targets).
pub(super) fn vectors(values: &[Point]) -> Array2<f32> {
    let mut output = Array2::<f32>::zeros((values.len(), 2));
    for (mut row, value) in output.rows_mut().into_iter().zip(values) {
        row[0] = value[0] as f32;
        row[1] = value[1] as f32;
    }
    output
}

/// The first two columns of every row, back as points.
pub(super) fn rows_to_points(output: &Array2<f32>) -> Vec<Point> {
    output
        .rows()
        .into_iter()
        .map(|row| [f64::from(row[0]), f64::from(row[1])])
        .collect()
}
