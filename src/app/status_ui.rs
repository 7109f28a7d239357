//! The status line: the backend, the status message and the error with its dismiss button.
//! Reads the state and turns a click into a [`Command`].

use crate::app::state::{AppState, Command};
use eframe::egui;
use egui::{RichText, Ui};

/// The error line (wrapped, dismissable), then the compute backend and the status message, at
/// the normal text size.
pub(crate) fn status_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    if let Some(error) = &state.error() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("Error: {error}")).color(ui.visuals().error_fg_color));
            if ui.small_button("x").on_hover_text("Dismiss").clicked() {
                commands.push(Command::DismissError);
            }
        });
    }
    ui.horizontal_wrapped(|ui| {
        if let Some(note) = &state.messages().backend_note() {
            ui.label(RichText::new("Compute:").strong());
            ui.label(note.status_text())
                .on_hover_text("Which backend computes the particle flow and the readouts");
        }
        if let Some(status) = state.status() {
            if state.messages().backend_note().is_some() {
                ui.separator();
            }
            ui.label(status);
        }
    });
}
