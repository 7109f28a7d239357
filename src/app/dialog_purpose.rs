//! What a file dialog is asked for ([`DialogPurpose`]): its title, file name and filters. The
//! state asks for dialogs, the file jobs answer them, and both name the purpose from here.

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
    /// Where to write the grid GIF of a flow of more than two dimensions.
    ExportDigitsGif,
}

impl DialogPurpose {
    /// The dialog's title.
    pub(crate) fn title(self) -> &'static str {
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
    pub(crate) fn saves(self) -> bool {
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
    pub(crate) fn default_file_name(self) -> &'static str {
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
    pub(crate) fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::LoadPoints | Self::SavePoints => &["csv", "txt"],
            Self::LoadPicture => &["png", "jpg", "jpeg", "webp"],
            Self::LoadModel | Self::SaveModel | Self::SaveScene | Self::OpenScene => &["json"],
            Self::ExportGif | Self::ExportDigitsGif => &["gif"],
            Self::SavePng => &["png"],
        }
    }

    /// The name of the file kind, for filters.
    pub(crate) fn kind_name(self) -> &'static str {
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
