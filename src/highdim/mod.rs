//! Point clouds in any dimension d: the 64-dimensional digits, a standard-normal source, the
//! GeomLoss-exact Sinkhorn-flow velocity with a dense kernel for d > 2 (beside the specialised 2D
//! kernels of [`crate::ot`], which stay as they are), exact W2 and nearest-neighbour distances,
//! NSGF and NSGF++ trained and sampled in d dimensions, and grids of 8×8 images.
//!
//! A cloud is an `ndarray::Array2<f64>`: one point per row.

pub mod csv_rows;
pub mod digits;
pub mod distribution;
pub mod image_grid;
pub mod metrics;
pub mod model;
pub mod pca;
pub mod sinkhorn;

pub use distribution::WideDistribution;

/// A cloud of points in d dimensions, one per row.
pub type Rows = ndarray::Array2<f64>;

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
    /// A model file problem.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}
