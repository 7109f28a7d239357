//! Which file dialog asks for paths: the native one (rfd, through the desktop's portal) or the
//! in-app one (drawn with egui, for desktops with no portal: minimal window managers, WSL,
//! remote X), and the in-app dialog waiting to be shown.

use std::path::PathBuf;

/// What a file dialog is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    /// A CSV file to load as the drawn target.
    LoadPoints,
    /// A picture (PNG, JPEG, WebP) to load as the target.
    LoadPicture,
    /// Where to save the drawn points.
    SavePoints,
    /// A model file to load.
    LoadModel,
    /// Where to save the model.
    SaveModel,
    /// Where to write the GIF.
    ExportGif,
    /// Where to write the shown frame as PNG.
    SavePng,
    /// Where to save the scene.
    SaveScene,
    /// A scene file to open.
    OpenScene,
    /// Where to write the digits window's grid GIF.
    ExportDigitsGif,
}

impl DialogPurpose {
    /// The dialog's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::LoadPoints => "Load target points",
            Self::LoadPicture => "Open a picture as the target",
            Self::SavePoints => "Save drawn points",
            Self::LoadModel => "Load model",
            Self::SaveModel => "Save model",
            Self::ExportGif => "Export GIF",
            Self::SavePng => "Save PNG",
            Self::SaveScene => "Save scene",
            Self::OpenScene => "Open scene",
            Self::ExportDigitsGif => "Export digits GIF",
        }
    }

    /// Whether it asks where to write (else which file to read).
    pub fn saves(self) -> bool {
        matches!(
            self,
            Self::SavePoints
                | Self::SaveModel
                | Self::ExportGif
                | Self::SavePng
                | Self::SaveScene
                | Self::ExportDigitsGif
        )
    }

    /// The file name a save dialog proposes.
    pub fn default_file_name(self) -> &'static str {
        match self {
            Self::LoadPoints | Self::SavePoints => "drawn.csv",
            Self::LoadPicture => "picture.png",
            Self::LoadModel | Self::SaveModel => "model.json",
            Self::ExportGif => "flow.gif",
            Self::SavePng => "frame.png",
            Self::SaveScene | Self::OpenScene => "scene.json",
            Self::ExportDigitsGif => "digits.gif",
        }
    }

    /// The file name extensions it shows.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::LoadPoints | Self::SavePoints => &["csv", "txt"],
            Self::LoadPicture => &["png", "jpg", "jpeg", "webp"],
            Self::LoadModel | Self::SaveModel | Self::SaveScene | Self::OpenScene => &["json"],
            Self::ExportGif | Self::ExportDigitsGif => &["gif"],
            Self::SavePng => &["png"],
        }
    }

    /// The name of the file kind, for filters.
    pub fn kind_name(self) -> &'static str {
        match self {
            Self::LoadPoints | Self::SavePoints => "CSV point set",
            Self::LoadPicture => "Picture (PNG, JPEG, WebP)",
            Self::LoadModel | Self::SaveModel => "NSGF model",
            Self::ExportGif | Self::ExportDigitsGif => "GIF animation",
            Self::SavePng => "PNG image",
            Self::SaveScene | Self::OpenScene => "NSGF scene",
        }
    }
}

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
pub struct Dialogs {
    kind: DialogKind,
    pending: Option<DialogPurpose>,
    folder: Option<PathBuf>,
}

impl Dialogs {
    /// Which dialog asks for paths.
    pub fn kind(&self) -> DialogKind {
        self.kind
    }

    /// Chooses the dialog.
    pub fn set_kind(&mut self, kind: DialogKind) {
        self.kind = kind;
    }

    /// The in-app dialog waiting to be shown (and still open).
    pub fn pending(&self) -> Option<DialogPurpose> {
        self.pending
    }

    /// Asks the in-app dialog for a path for `purpose`.
    pub fn ask(&mut self, purpose: DialogPurpose) {
        self.pending = Some(purpose);
    }

    /// The in-app dialog closed (a path was chosen, or it was cancelled).
    pub fn close(&mut self) -> Option<DialogPurpose> {
        self.pending.take()
    }

    /// The folder the last in-app choice was in (where the next dialog opens).
    pub fn folder(&self) -> Option<&PathBuf> {
        self.folder.as_ref()
    }

    /// Remembers the folder of a chosen path.
    pub fn chose(&mut self, path: &std::path::Path) {
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            self.folder = Some(folder.to_path_buf());
        }
    }
}
