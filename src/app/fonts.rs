//! Fonts the app adds to egui's: a 2.4 KB subset of Symbola (free for any use; see
//! `assets/fonts/README.md`) with the seven icons the in-app file dialog draws (📂 📁 💾 🗋 🗀 ⬆
//! ⟲) and the arrows ← → of the shortcut list, which egui's bundled fonts lack.

use eframe::egui;
use egui::{FontData, FontInsert, FontPriority, InsertFontFamily};

/// The icon subset of Symbola.
const FILE_ICONS: &[u8] = include_bytes!("../../assets/fonts/symbola-file-icons.ttf");

/// Adds the icon font to `ctx` as the last fallback of both families.
pub(crate) fn install(ctx: &egui::Context) {
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .into_iter()
        .map(|family| InsertFontFamily {
            family,
            priority: FontPriority::Lowest,
        })
        .collect();
    ctx.add_font(FontInsert::new(
        "symbola-file-icons",
        FontData::from_static(FILE_ICONS),
        families,
    ));
}
