//! The inputs' panel: source and target menus, pictures and words, particles and seed. Reads
//! the state and turns every edit into a [`Command`].

use crate::app::state::{
    AppState, Command, DRAWN_LABEL, FileCommand, InputCommand, MAX_PARTICLES, ShapeCommand,
    SourceChoice, TargetChoice,
};
use crate::app::widgets::{self, labelled};
use crate::data::Preset;
use eframe::egui;
use egui::{ComboBox, DragValue, Slider, Ui};

/// Source, target, n, seed and "new samples".
pub(crate) fn data_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    egui::Grid::new("data_grid").num_columns(2).show(ui, |ui| {
        source_menu_ui(ui, state, commands);
        ui.end_row();
        target_menu_ui(ui, state, commands);
        ui.end_row();
        shapes_ui(ui, state, commands);
        samples_ui(ui, state, commands);
    });
}

/// The word box and the picture row of the data grid: typing changes the target at once; a
/// picture opens with a file dialog (or by dropping it on the window), with its invert switch
/// and threshold.
fn shapes_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let word_label = widgets::with_tip(ui.label("Word"), "Word");
    let mut word = state.shapes().word().to_string();
    if ui
        .add(egui::TextEdit::singleline(&mut word).hint_text("type a word"))
        .labelled_by(word_label.id)
        .changed()
    {
        commands.push(ShapeCommand::SetWord(word).into());
    }
    ui.end_row();

    widgets::with_tip(ui.label("Picture"), "Picture");
    ui.horizontal(|ui| {
        if ui
            .button("Open…")
            .on_hover_text(widgets::tip("Picture").unwrap_or_default())
            .clicked()
        {
            commands.push(FileCommand::LoadPicture.into());
        }
        let mut options = state.shapes().options();
        if ui
            .checkbox(&mut options.invert, "invert")
            .on_hover_text("Mass from light (or transparent) pixels instead of dark (or opaque)")
            .changed()
        {
            commands.push(ShapeCommand::SetPictureOptions(options).into());
        }
    });
    ui.end_row();

    // The threshold on a row of its own keeps the side panel as narrow as the other rows.
    let threshold_label = ui.label("Threshold");
    let mut options = state.shapes().options();
    if ui
        .add(Slider::new(&mut options.threshold, 0.0..=0.95))
        .on_hover_text("Pixels of density at or below this count as empty")
        .labelled_by(threshold_label.id)
        .changed()
    {
        commands.push(ShapeCommand::SetPictureOptions(options).into());
    }
    ui.end_row();
}

/// The Source menu: the presets (N(0, I) alone in more than two dimensions) and the target's
/// picture or word.
fn source_menu_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let source_label = widgets::with_tip(ui.label("Source"), "Source");
    let planar = state.dimension() == 2;
    ComboBox::from_id_salt("source_preset")
        .selected_text(state.source_label())
        .show_ui(ui, |ui| {
            if !planar {
                ui.label(format!(
                    "in {} dimensions the source is N(0, I)",
                    state.dimension()
                ));
                return;
            }
            for preset in Preset::ALL {
                let choice = SourceChoice::Preset(preset);
                if ui
                    .selectable_label(state.settings().source == choice, preset.name())
                    .clicked()
                {
                    commands.push(InputCommand::SetSource(preset).into());
                }
            }
            if let Some(shape) = state.shapes().target() {
                let label = format!("{} (the target's shape)", shape.label());
                if ui.selectable_label(false, label).clicked() {
                    commands.push(ShapeCommand::TargetAsSource.into());
                }
            }
        })
        .response
        .labelled_by(source_label.id)
        .on_hover_text(widgets::tip("Source").unwrap_or_default());
}

/// The Target menu: the presets, the drawn points, the picture or word, the digits.
fn target_menu_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let target_label = widgets::with_tip(ui.label("Target"), "Target");
    ComboBox::from_id_salt("target_preset")
        .selected_text(state.target_label())
        .show_ui(ui, |ui| {
            for preset in Preset::ALL {
                let choice = TargetChoice::Preset(preset);
                if ui
                    .selectable_label(state.settings().target == choice, preset.name())
                    .clicked()
                {
                    commands.push(InputCommand::SetTarget(choice).into());
                }
            }
            let drawn_label = format!(
                "{DRAWN_LABEL} ({} points)",
                state.drawing().drawn().points().len()
            );
            if ui
                .selectable_label(state.settings().target == TargetChoice::Drawn, drawn_label)
                .clicked()
            {
                commands.push(InputCommand::SetTarget(TargetChoice::Drawn).into());
            }
            if let Some(shape) = state.shapes().target() {
                let chosen = state.settings().target == TargetChoice::Shape;
                if ui.selectable_label(chosen, shape.label()).clicked() {
                    commands.push(InputCommand::SetTarget(TargetChoice::Shape).into());
                }
            }
            if ui
                .selectable_label(
                    state.settings().target == TargetChoice::Digits,
                    "digits (8×8, 64-D)",
                )
                .on_hover_text(
                    "The shipped handwritten digits, 64 dimensions, from N(0, I): the view \
                     shows image grids or the two principal components",
                )
                .clicked()
            {
                commands.push(InputCommand::SetTarget(TargetChoice::Digits).into());
            }
        })
        .response
        .labelled_by(target_label.id)
        .on_hover_text(widgets::tip("Target").unwrap_or_default());
}

/// The particle count, the seed and fresh samples (grid rows).
fn samples_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let mut particles = state.settings().particles;
    if labelled(
        ui,
        "Particles",
        Slider::new(&mut particles, 10..=MAX_PARTICLES)
            .logarithmic(true)
            .clamping(egui::SliderClamping::Always),
    )
    .changed()
    {
        commands.push(InputCommand::SetParticles(particles).into());
    }
    ui.end_row();

    let seed_label = ui.label("Seed");
    ui.horizontal(|ui| {
        let mut seed = state.settings().seed;
        if ui
            .add(DragValue::new(&mut seed))
            .labelled_by(seed_label.id)
            .changed()
        {
            commands.push(InputCommand::SetSeed(seed).into());
        }
        if ui
            .button("New samples")
            .on_hover_text("Draw fresh source and target samples (next seed)")
            .clicked()
        {
            commands.push(InputCommand::NewSamples.into());
        }
    });
    ui.end_row();
}
