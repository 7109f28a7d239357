//! Point clouds in any dimension d: the 64-dimensional digits, a standard-normal source (the
//! velocity comes from [`crate::ot::cloud_velocity`], the one core for every dimension), exact W2 and nearest-neighbour distances,
//! NSGF and NSGF++ trained and sampled in d dimensions, and grids of 8×8 images.
//!
//! A cloud is an `ndarray::Array2<f64>`: one point per row.

pub mod digits;
pub mod distribution;
pub mod image_grid;
pub mod metrics;
pub mod model;
pub mod pca;

pub use distribution::WideDistribution;

/// A cloud of points in d dimensions, one per row.
pub type Rows = crate::data::csv_rows::Rows;

/// Errors of the d-dimensional layer.
#[derive(Debug, thiserror::Error)]
pub enum HighDimError {
    /// A file that could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A malformed line of a CSV file.
    #[error("{path}:{line}: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Two clouds whose dimensions differ, or a cloud of the wrong dimension.
    #[error("{what}: dimension {got}, expected {expected}")]
    Dimension {
        /// Which cloud.
        what: String,
        /// Its dimension.
        got: usize,
        /// The dimension expected.
        expected: usize,
    },
    /// Invalid arguments.
    #[error("{0}")]
    Invalid(String),
    /// The OT layer refused the parameters.
    #[error(transparent)]
    Ot(#[from] crate::ot::OtError),
    /// A size beyond its limit.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::LimitError),
    /// A data file problem.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// A model file problem.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}

/// `rows` as a [`crate::PointCloud`] (one copy).
pub fn rows_to_cloud(rows: ndarray::ArrayView2<f64>) -> crate::PointCloud {
    crate::PointCloud::from_flat(rows.ncols(), rows.iter().copied().collect())
}

/// `cloud` as rows (one copy).
pub fn cloud_to_rows(cloud: &crate::PointCloud) -> Rows {
    Rows::from_shape_vec((cloud.len(), cloud.dim()), cloud.coords().to_vec())
        .expect("n × d coordinates")
}
