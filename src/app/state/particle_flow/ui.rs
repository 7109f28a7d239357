//! The particle flow's panel: steps, η, blur, scaling and the solver. Reads the state and
//! turns every edit into a [`Command`].

use crate::app::state::{AppState, Command, InputCommand, MeanfieldCommand};
use crate::app::widgets::{self, labelled};
use crate::flow::FlowSolver;
use eframe::egui;
use egui::{ComboBox, Slider, Ui};

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
