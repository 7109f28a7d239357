//! The typed error every job reports: the library layers' errors with their sources kept,
//! cancellation as a variant, and the failures of the job machinery itself. Only the UI and
//! `main` turn it into text.

use crate::data::DataError;
use crate::metrics::MetricsError;
use crate::model::ModelError;
use crate::ot::OtError;
use crate::render::RenderError;
use crate::scene::SceneError;

/// Why a job produced no result.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The job was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// Reading or sampling a distribution failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The Sinkhorn solver failed.
    #[error(transparent)]
    Ot(#[from] OtError),
    /// A metric (W2) failed.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// Training, sampling or a model file failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Drawing or GIF export failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A scene file could not be read or written.
    #[error(transparent)]
    Scene(#[from] SceneError),
    /// A mean-field study failed.
    #[error(transparent)]
    Meanfield(#[from] crate::meanfield::MeanfieldError),
    /// The browser refused something (a download, reading a file).
    #[error("the browser {0}")]
    Browser(String),
    /// A particle left the plane.
    #[error("particle {index} left the plane (non-finite position): try a smaller η")]
    NonFinite {
        /// The first particle with a non-finite coordinate.
        index: usize,
    },
    /// A worker thread could not be started.
    #[error("cannot start the {name} worker thread")]
    Spawn {
        /// The worker.
        name: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A worker thread is gone.
    #[error("the {0} worker has stopped; restart the app")]
    WorkerGone(&'static str),
    /// A job panicked (a bug): the message of the panic.
    #[error("internal error: {0}")]
    Panicked(String),
}

/// An error and every cause below it, joined with ": " (how `main` prints errors, for the app's
/// status line): [`crate::error_text::joined`].
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    crate::error_text::joined(error)
}

impl JobError {
    /// This error with every cause, as the app shows it: the error, then each cause below it on
    /// its own line as `caused by: …` (`crate::error_text::with_causes`).
    pub fn describe(&self) -> String {
        crate::error_text::with_causes(self)
    }

    /// Whether this is a cancellation, wherever it was detected (the job machinery, training or
    /// the GIF export).
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self,
            JobError::Cancelled
                | JobError::Model(ModelError::Cancelled)
                | JobError::Render(RenderError::Cancelled)
        )
    }

    /// The error of a caught panic's payload.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = if let Some(text) = payload.downcast_ref::<&str>() {
            (*text).to_string()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "unknown panic".into()
        };
        JobError::Panicked(message)
    }
}
