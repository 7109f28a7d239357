//! Small widget helpers shared by the panels.

use eframe::egui;
use egui::{Response, Ui, Widget};

/// A label followed by `widget`, which the label names for screen readers and UI tests.
pub fn labelled(ui: &mut Ui, label: &str, widget: impl Widget) -> Response {
    let label = ui.label(label);
    ui.add(widget).labelled_by(label.id)
}

/// Like [`labelled`], with the widget enabled only when `enabled`.
pub fn labelled_enabled(ui: &mut Ui, label: &str, enabled: bool, widget: impl Widget) -> Response {
    let label = ui.label(label);
    ui.add_enabled(enabled, widget).labelled_by(label.id)
}
