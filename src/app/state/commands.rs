//! Every user action as data: [`Command`], which carries each part's own commands, and the
//! file commands ([`FileCommand`]) that the state turns into file-worker requests.

use super::drawing::DrawCommand;
use super::files::dialogs::{DialogKind, DialogPurpose};
use super::inputs::InputCommand;
use super::inputs::shapes::ShapeCommand;
use super::learning::training::TrainCommand;
use super::meanfield::MeanfieldCommand;
use super::view::ViewCommand;
use crate::app::state::playback::PlaybackCommand;
use std::path::PathBuf;

/// What the user does with files. The commands without a path ask for one with a file dialog
/// (native, or the in-app one: [`super::dialogs`]); the in-app dialog answers with the `…To`/`…From`
/// command of its purpose.
#[derive(Debug, Clone, PartialEq)]
pub enum FileCommand {
    /// Open a CSV file as the drawn target.
    LoadPoints,
    /// Open the CSV file at this path as the drawn target.
    LoadPointsFrom(PathBuf),
    /// Open a picture as the target (file dialog).
    LoadPicture,
    /// Open the picture at this path as the target.
    LoadPictureFrom(PathBuf),
    /// Save the drawn points as CSV.
    SavePoints,
    /// Save the drawn points to this path.
    SavePointsTo(PathBuf),
    /// Save the model as JSON.
    SaveModel,
    /// Save the model to this path.
    SaveModelTo(PathBuf),
    /// Load a model from JSON (file dialog).
    LoadModel,
    /// Load the model at this path (no dialog).
    LoadModelFile(PathBuf),
    /// Export the shown flow as a GIF (a file dialog asks where).
    ExportGif,
    /// Export the shown flow as a GIF to this path (no dialog).
    ExportGifTo(PathBuf),
    /// Cancel the GIF export in progress (nothing is written).
    CancelGif,
    /// Save the shown frame as a PNG image (a file dialog asks where).
    SavePng,
    /// Save the shown frame as a PNG image to this path.
    SavePngTo(PathBuf),
    /// The side in pixels of saved PNG frames (clamped to 64..=2048).
    SetPngSize(u32),
    /// Save the whole setup as a scene file (a file dialog asks where).
    SaveScene,
    /// Save the scene to this path (no dialog).
    SaveSceneTo(PathBuf),
    /// Open a scene file (file dialog).
    OpenScene,
    /// Open the scene at this path (no dialog).
    OpenSceneFrom(PathBuf),
    /// A file dropped on the window: a CSV becomes the drawn target, a model loads, a scene
    /// opens.
    OpenDropped(PathBuf),
    /// Which file dialog asks for paths.
    SetDialogKind(DialogKind),
    /// The in-app dialog was cancelled.
    DialogCancelled,
    /// Export the shown flow of more than two dimensions as a grid GIF (a file dialog asks
    /// where).
    ExportDigitsGif,
    /// Export the shown flow of more than two dimensions as a grid GIF to this path.
    ExportDigitsGifTo(PathBuf),
}

impl DialogPurpose {
    /// The command that carries out this purpose on `path` (the in-app dialog's answer).
    pub(crate) fn command(self, path: PathBuf) -> FileCommand {
        match self {
            Self::LoadPoints => FileCommand::LoadPointsFrom(path),
            Self::LoadPicture => FileCommand::LoadPictureFrom(path),
            Self::SavePoints => FileCommand::SavePointsTo(path),
            Self::LoadModel => FileCommand::LoadModelFile(path),
            Self::SaveModel => FileCommand::SaveModelTo(path),
            Self::ExportGif => FileCommand::ExportGifTo(path),
            Self::SavePng => FileCommand::SavePngTo(path),
            Self::SaveScene => FileCommand::SaveSceneTo(path),
            Self::OpenScene => FileCommand::OpenSceneFrom(path),
            Self::ExportDigitsGif => FileCommand::ExportDigitsGifTo(path),
        }
    }
}

/// Every user action, as data: each part's own commands.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// The flow's inputs.
    Input(InputCommand),
    /// Draw mode.
    Draw(DrawCommand),
    /// The timeline.
    Playback(PlaybackCommand),
    /// The view and overlays.
    View(ViewCommand),
    /// Training and the learned flow's NFE.
    Train(TrainCommand),
    /// Files and exports.
    File(FileCommand),
    /// The mean-field panel.
    Meanfield(MeanfieldCommand),
    /// Pictures and words as source or target.
    Shape(ShapeCommand),
    /// Show a message in the status line.
    Say(String),
    /// Show an error in the status line.
    Fail(String),
    /// Hide the error message.
    DismissError,
}

macro_rules! command_from {
    ($($part:ident => $variant:ident),* $(,)?) => {
        $(impl From<$part> for Command {
            fn from(command: $part) -> Self {
                Command::$variant(command)
            }
        })*
    };
}

command_from!(
    InputCommand => Input,
    MeanfieldCommand => Meanfield,
    DrawCommand => Draw,
    PlaybackCommand => Playback,
    ViewCommand => View,
    TrainCommand => Train,
    FileCommand => File,
    ShapeCommand => Shape,
);
