//! The files' panel: export (GIF, PNG) and scenes. Reads the state and turns every click into
//! a [`Command`].

use crate::app::state::{AppState, Command, FileCommand};
use crate::app::widgets::{self};
use eframe::egui;
use egui::Ui;

/// GIF export.
pub(crate) fn export_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let exporting = state.gif_exporting();
        if widgets::with_tip(
            ui.add_enabled(!exporting, egui::Button::new("Export GIF…")),
            "Export GIF…",
        )
        .on_hover_text("Write the shown flow as an animated GIF")
        .clicked()
        {
            commands.push(FileCommand::ExportGif.into());
        }
        if let Some(fraction) = state.gif_progress() {
            ui.add(egui::ProgressBar::new(fraction as f32).show_percentage())
                .on_hover_text("GIF export progress");
        }
        if exporting
            && ui
                .button("Cancel export")
                .on_hover_text("Stop the GIF export; nothing is written")
                .clicked()
        {
            commands.push(FileCommand::CancelGif.into());
        }
    });
    ui.horizontal(|ui| {
        if ui
            .button("Save PNG…")
            .on_hover_text("Write the shown frame as a PNG image of the chosen size")
            .clicked()
        {
            commands.push(FileCommand::SavePng.into());
        }
        let mut size = state.png_size();
        if ui
            .add(
                egui::DragValue::new(&mut size)
                    .range(crate::render::SIZE_RANGE)
                    .suffix(" px"),
            )
            .on_hover_text("Side of the saved PNG image, in pixels (64 to 2048)")
            .changed()
        {
            commands.push(FileCommand::SetPngSize(size).into());
        }
    });
}

/// Save and open whole setups (scenes), and copy the share link of the current one.
pub(crate) fn scene_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        if ui
            .button("Save scene…")
            .on_hover_text(
                "Save the whole setup (source, target or drawn points, flow and training \
                 parameters, overlays, the loaded model's path) as one JSON file",
            )
            .clicked()
        {
            commands.push(FileCommand::SaveScene.into());
        }
        if ui
            .button("Open scene…")
            .on_hover_text(
                "Open a scene file saved by nsgf (or one of assets/scenes/); dropping one on \
                 the window opens it too",
            )
            .clicked()
        {
            commands.push(FileCommand::OpenScene.into());
        }
        if ui
            .button("Copy link")
            .on_hover_text(
                "Copy a link that opens this setup (drawn points included) in the browser \
                 version, or on the desktop with nsgf --scene 'LINK'",
            )
            .clicked()
        {
            match crate::scene_link::scene_link(
                &state.scene(),
                &crate::app::share_base::share_base(),
            ) {
                Ok(link) => {
                    let length = link.len();
                    ui.ctx().copy_text(link);
                    commands.push(Command::Say(format!(
                        "copied the share link ({length} characters) to the clipboard"
                    )));
                }
                Err(error) => commands.push(Command::Fail(error.to_string())),
            }
        }
    });
}
