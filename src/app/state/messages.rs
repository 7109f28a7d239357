//! What the status line says: the compute backend, an error to show, an informational message,
//! and the GIF export in progress. The only place where errors become text.

use crate::gpu::BackendNote;
use crate::job::CancelToken;

/// The status line's contents.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    backend_note: Option<BackendNote>,
    error: Option<String>,
    status: Option<String>,
}

impl Messages {
    /// Which backend computes, and why.
    pub fn backend_note(&self) -> Option<&BackendNote> {
        self.backend_note.as_ref()
    }

    /// The error shown (bad file, failed flow, diverged training); the state is kept.
    pub(crate) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The informational status line (saved files, cancelled dialogs).
    pub(crate) fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// Records the backend in use.
    pub(crate) fn set_backend(&mut self, note: BackendNote) {
        self.backend_note = Some(note);
    }

    /// Shows an error.
    pub(crate) fn fail(&mut self, error: impl Into<String>) {
        self.error = Some(error.into());
    }

    /// Shows a status message.
    pub(crate) fn say(&mut self, status: impl Into<String>) {
        self.status = Some(status.into());
    }

    /// Clears the status message.
    pub(crate) fn clear_status(&mut self) {
        self.status = None;
    }

    /// Hides the error.
    pub(crate) fn dismiss_error(&mut self) {
        self.error = None;
    }
}

/// The GIF export in progress, if any.
#[derive(Debug, Clone, Default)]
pub(crate) struct GifExport {
    running: Option<(CancelToken, f64)>,
}

impl GifExport {
    /// Whether an export is running.
    pub(crate) fn running(&self) -> bool {
        self.running.is_some()
    }

    /// The fraction written, while exporting.
    pub(crate) fn progress(&self) -> Option<f64> {
        self.running.as_ref().map(|(_, fraction)| *fraction)
    }

    /// An export starts; returns its cancel token.
    pub(crate) fn start(&mut self) -> CancelToken {
        let cancel = CancelToken::new();
        self.running = Some((cancel.clone(), 0.0));
        cancel
    }

    /// The export reports progress.
    pub(crate) fn advance(&mut self, fraction: f64) {
        if let Some((_, done)) = self.running.as_mut() {
            *done = fraction;
        }
    }

    /// Asks the running export to stop; false when none runs.
    pub(crate) fn cancel(&self) -> bool {
        match &self.running {
            Some((cancel, _)) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// The export ended (written, failed, cancelled, or its dialog closed).
    pub(crate) fn end(&mut self) {
        self.running = None;
    }
}
