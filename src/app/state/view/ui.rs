//! The view's controls: which flow is shown and the overlay toggles. Reads the state and
//! turns every edit into a [`Command`].

use crate::app::state::{AppState, Command, FlowView, ViewCommand};
use crate::app::view_options::ViewOptions;
use crate::app::widgets::{self, labelled};
use eframe::egui;
use egui::{Slider, Ui};

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
