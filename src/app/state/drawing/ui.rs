//! Draw mode's panel: the mode, brush, eraser, clear, undo and the drawn points' files. Reads
//! the state and turns every edit into a [`Command`].

use super::Brush;
use crate::app::state::{AppState, Command, DrawCommand, FileCommand};
use crate::app::widgets::{self, labelled};
use eframe::egui;
use egui::{Slider, Ui};

/// Draw mode: paint or erase target points, brush, clear, undo, CSV load and save.
pub(crate) fn draw_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let mut draw_mode = state.drawing().mode();
    if ui
        .toggle_value(&mut draw_mode, "Draw mode")
        .on_hover_text("Paint target points on the plot with the mouse")
        .changed()
    {
        commands.push(DrawCommand::SetDrawMode(draw_mode).into());
    }
    ui.add_enabled_ui(state.drawing().mode(), |ui| {
        ui.horizontal(|ui| {
            if widgets::with_tip(ui.radio(!state.drawing().eraser(), "Paint"), "Paint").clicked() {
                commands.push(DrawCommand::SetEraser(false).into());
            }
            if widgets::with_tip(ui.radio(state.drawing().eraser(), "Erase"), "Erase").clicked() {
                commands.push(DrawCommand::SetEraser(true).into());
            }
        });
        let mut brush: Brush = state.drawing().brush();
        let mut changed = false;
        egui::Grid::new("brush_grid").num_columns(2).show(ui, |ui| {
            changed |= labelled(
                ui,
                "Brush radius",
                Slider::new(&mut brush.radius, 0.05..=2.0).logarithmic(true),
            )
            .changed();
            ui.end_row();
            changed |= labelled(ui, "Density", Slider::new(&mut brush.density, 1..=50)).changed();
            ui.end_row();
        });
        if changed {
            commands.push(DrawCommand::SetBrush(brush).into());
        }
    });
    ui.horizontal(|ui| {
        if widgets::with_tip(
            ui.add_enabled(
                state.drawing().drawn().undo_depth() > 0,
                egui::Button::new("Undo"),
            ),
            "Undo",
        )
        .clicked()
        {
            commands.push(DrawCommand::UndoDrawn.into());
        }
        if widgets::with_tip(
            ui.add_enabled(
                !state.drawing().drawn().is_empty(),
                egui::Button::new("Clear"),
            ),
            "Clear",
        )
        .clicked()
        {
            commands.push(DrawCommand::ClearDrawn.into());
        }
        ui.label(format!("{} points", state.drawing().drawn().points().len()));
    });
    ui.horizontal(|ui| {
        if widgets::button(ui, "Load CSV…").clicked() {
            commands.push(FileCommand::LoadPoints.into());
        }
        if widgets::with_tip(
            ui.add_enabled(
                !state.drawing().drawn().is_empty(),
                egui::Button::new("Save CSV…"),
            ),
            "Save CSV…",
        )
        .clicked()
        {
            commands.push(FileCommand::SavePoints.into());
        }
    });
}
