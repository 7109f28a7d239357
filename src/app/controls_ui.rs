//! The side panel: data, particle-flow parameters, draw mode, overlays and export. Reads the
//! state and turns every edit into a [`Command`].

use super::state::drawing::Brush;
use super::state::{
    AppState, Command, DRAWN_LABEL, DrawCommand, FileCommand, FlowView, InputCommand,
    MAX_PARTICLES, MeanfieldCommand, ShapeCommand, SourceChoice, TargetChoice, ViewCommand,
};
use super::view_options::ViewOptions;
use super::widgets::{self, labelled};
use crate::data::Preset;
use crate::flow::FlowSolver;
use eframe::egui;
use egui::{ComboBox, DragValue, RichText, Slider, Ui};

/// Which flow to show, as three toggle buttons.
pub(crate) fn view_picker_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        for (view, label) in [
            (FlowView::Particle, "Particle flow"),
            (FlowView::Learned, "Learned flow"),
            (FlowView::Split, "Side by side"),
        ] {
            if widgets::with_tip(ui.selectable_label(state.view() == view, label), label).clicked()
            {
                commands.push(ViewCommand::SetView(view).into());
            }
        }
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

/// Steps, η, blur and scaling of the particle flow.
pub(crate) fn particle_flow_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let mut config = state.settings().flow;
    let mut changed = false;
    egui::Grid::new("flow_grid").num_columns(2).show(ui, |ui| {
        changed |= labelled(
            ui,
            "Blur σ",
            Slider::new(&mut config.sinkhorn.blur, 0.01..=1.0).logarithmic(true),
        )
        .on_hover_text("ε = σ²: smaller is sharper and slower")
        .changed();
        ui.end_row();
        changed |= labelled(
            ui,
            "Scaling",
            Slider::new(&mut config.sinkhorn.scaling, 0.5..=0.99),
        )
        .on_hover_text("ε-annealing factor: closer to 1 is more accurate and slower")
        .changed();
        ui.end_row();
        changed |= labelled(
            ui,
            "Step η",
            Slider::new(&mut config.eta, 0.01..=2.0).logarithmic(true),
        )
        .changed();
        ui.end_row();
        changed |= labelled(ui, "Steps", Slider::new(&mut config.steps, 1..=200)).changed();
        ui.end_row();
        let solver_label = ui.label("Solver");
        let mut solver = state.settings().solver;
        ComboBox::from_id_salt("solver")
            .selected_text(solver.label())
            .show_ui(ui, |ui| {
                for choice in FlowSolver::ALL {
                    ui.selectable_value(&mut solver, choice, choice.label());
                }
            })
            .response
            .labelled_by(solver_label.id)
            .on_hover_text(widgets::tip("Solver").unwrap_or_default());
        if solver != state.settings().solver {
            commands.push(InputCommand::SetSolver(solver).into());
        }
        ui.end_row();
    });
    if changed {
        commands.push(InputCommand::SetFlowConfig(config).into());
    }
    ui.horizontal(|ui| {
        if ui
            .button("Mean-field limit…")
            .on_hover_text(widgets::tip("Mean-field limit…").unwrap_or_default())
            .clicked()
        {
            commands.push(MeanfieldCommand::SetOpen(true).into());
        }
    });
}

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

/// The overlay toggles and the arrow length.
pub(crate) fn overlays_ui(
    ui: &mut Ui,
    state: &AppState,
    options: &mut ViewOptions,
    commands: &mut Vec<Command>,
) {
    let mut overlays = state.overlays();
    let mut changed = false;
    changed |= widgets::checkbox(
        ui,
        &mut overlays.colors_by_start,
        "Colour by starting position",
    )
    .changed();
    changed |= widgets::checkbox(ui, &mut overlays.trails, "Trails").changed();
    changed |= widgets::checkbox(ui, &mut overlays.target, "Target samples").changed();
    changed |=
        widgets::checkbox(ui, &mut overlays.particle_arrows, "Arrows at particles").changed();
    changed |=
        widgets::checkbox(ui, &mut overlays.grid_arrows, "Arrows on a grid (quiver)").changed();
    changed |=
        widgets::checkbox(ui, &mut overlays.phase_boundary, "NSGF++ phase boundary").changed();
    if changed {
        commands.push(ViewCommand::SetOverlays(overlays).into());
    }
    ui.horizontal(|ui| {
        labelled(
            ui,
            "Arrow length ×",
            Slider::new(&mut options.arrow_scale, 0.25..=8.0).logarithmic(true),
        );
    });
}

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
            match crate::scene_link::scene_link(&state.scene(), &super::platform::share_base()) {
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
