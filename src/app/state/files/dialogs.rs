//! Which file dialog asks for paths: the native one (rfd, through the desktop's portal) or the
//! in-app one (drawn with egui, for desktops with no portal: minimal window managers, WSL,
//! remote X), and the in-app dialog waiting to be shown.

use std::path::PathBuf;

pub use crate::app::dialog_purpose::DialogPurpose;

/// Which dialog the app uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DialogKind {
    /// The desktop's own dialog (rfd).
    #[default]
    Native,
    /// The dialog drawn inside the app.
    InApp,
}

/// The dialog kind and the in-app dialog to show.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dialogs {
    kind: DialogKind,
    pending: Option<DialogPurpose>,
    folder: Option<PathBuf>,
}

impl Dialogs {
    /// Which dialog asks for paths.
    pub(crate) fn kind(&self) -> DialogKind {
        self.kind
    }

    /// Chooses the dialog.
    pub(crate) fn set_kind(&mut self, kind: DialogKind) {
        self.kind = kind;
    }

    /// The in-app dialog waiting to be shown (and still open).
    pub(crate) fn pending(&self) -> Option<DialogPurpose> {
        self.pending
    }

    /// Asks the in-app dialog for a path for `purpose`.
    pub(crate) fn ask(&mut self, purpose: DialogPurpose) {
        self.pending = Some(purpose);
    }

    /// The in-app dialog closed (a path was chosen, or it was cancelled).
    pub(crate) fn close(&mut self) -> Option<DialogPurpose> {
        self.pending.take()
    }

    /// The folder the last in-app choice was in (where the next dialog opens).
    pub(crate) fn folder(&self) -> Option<&PathBuf> {
        self.folder.as_ref()
    }

    /// Remembers the folder of a chosen path.
    pub(crate) fn chose(&mut self, path: &std::path::Path) {
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            self.folder = Some(folder.to_path_buf());
        }
    }
}
