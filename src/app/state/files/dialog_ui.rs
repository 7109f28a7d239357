//! The in-app file dialog (egui_file), for desktops whose native dialog does not answer: it
//! opens when the state asks for a path ([`AppState::pending_dialog`]) and answers with the
//! command of that purpose ([`DialogPurpose::command`]).

use crate::app::state::{AppState, Command, DialogPurpose, FileCommand};
use eframe::egui;
use egui_file::{FileDialog, State};

/// The in-app dialog on screen and what it asks for.
pub(crate) struct InAppDialog {
    purpose: DialogPurpose,
    dialog: FileDialog,
}

impl InAppDialog {
    /// A dialog for `purpose`, opening in `folder` (else the working directory).
    fn open(purpose: DialogPurpose, folder: Option<&std::path::PathBuf>) -> Self {
        let extensions = purpose.extensions();
        let shows = move |path: &std::path::Path| {
            path.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
        };
        let mut dialog = if purpose.saves() {
            FileDialog::save_file().default_filename(purpose.default_file_name())
        } else {
            FileDialog::open_file()
        }
        .title(purpose.title())
        .id(egui::Id::unique("nsgf-in-app-file-dialog"))
        .show_files_filter(Box::new(shows))
        .show_rename(false);
        if let Some(folder) = folder.filter(|f| f.is_dir()) {
            dialog = dialog.initial_path(folder.clone());
        }
        dialog.open();
        Self { purpose, dialog }
    }
}

/// Shows the in-app dialog while the state asks for one; pushes its answer.
pub(crate) fn in_app_dialog_ui(
    ctx: &egui::Context,
    shown: &mut Option<InAppDialog>,
    state: &AppState,
    commands: &mut Vec<Command>,
) {
    let Some(purpose) = state.pending_dialog() else {
        *shown = None;
        return;
    };
    if shown.as_ref().is_none_or(|d| d.purpose != purpose) {
        *shown = Some(InAppDialog::open(purpose, state.dialog_folder()));
    }
    let Some(open) = shown.as_mut() else {
        return;
    };
    open.dialog.show(ctx);
    match open.dialog.state() {
        State::Open => {}
        State::Selected => {
            match open.dialog.path() {
                Some(path) => {
                    let mut path = path.to_path_buf();
                    if purpose.saves() && path.extension().is_none() {
                        path.set_extension(purpose.extensions()[0]);
                    }
                    commands.push(purpose.command(path).into());
                }
                None => commands.push(FileCommand::DialogCancelled.into()),
            }
            *shown = None;
        }
        State::Cancelled | State::Closed => {
            commands.push(FileCommand::DialogCancelled.into());
            *shown = None;
        }
    }
}
