//! The "?" overlay: every keyboard shortcut and mouse gesture, opened with the "?" button, the
//! ? key or F1, closed with Esc or its own close button.

use super::view_options::ViewOptions;
use eframe::egui;
use egui::{Key, Ui};

/// The shortcuts, as (keys, what they do).
pub const SHORTCUTS: [(&str, &str); 9] = [
    ("Space", "play / pause"),
    ("→ (Right)", "one frame forward"),
    ("← (Left)", "one frame back"),
    ("Home", "back to frame 0"),
    ("? or F1", "show or hide this list"),
    ("Esc", "close this list"),
    ("Drag on the plot", "pan (in draw mode: paint or erase)"),
    ("Scroll / Ctrl + scroll", "scroll / zoom the plot"),
    ("Double-click the plot", "reset the view"),
];

/// Toggles the overlay on ? or F1 and closes it on Esc (when no text field has the keys).
pub(crate) fn shortcut_keys(ui: &Ui, options: &mut ViewOptions) {
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    ui.input(|input| {
        if input.key_pressed(Key::Questionmark) || input.key_pressed(Key::F1) {
            options.show_shortcuts = !options.show_shortcuts;
        }
        if input.key_pressed(Key::Escape) {
            options.show_shortcuts = false;
        }
    });
}

/// The overlay window, while open.
pub(crate) fn shortcuts_ui(ctx: &egui::Context, options: &mut ViewOptions) {
    if !options.show_shortcuts {
        return;
    }
    let mut open = true;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts_grid")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (keys, action) in SHORTCUTS {
                        ui.strong(keys);
                        ui.label(action);
                        ui.end_row();
                    }
                });
            ui.add_space(6.0);
            ui.small(
                "Keys reach the app while its window has the keyboard focus (on a bare X \
                 server with no window manager nothing gives it focus: run one, or \
                 `xdotool windowfocus`).",
            );
        });
    if !open {
        options.show_shortcuts = false;
    }
}
