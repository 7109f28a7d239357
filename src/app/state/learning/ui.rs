//! The training section: method, key hyperparameters, Train / Cancel, progress, the live loss
//! and W2 curves, the stale-model warning, model save / load and the NFE of the learned flow.

use crate::app::state::training::Training;
use crate::app::state::{AppState, Command, FileCommand, TrainCommand};
use crate::app::view_options::PlotOnScreen;
use crate::app::widgets::{self, labelled};
use crate::model::{Method, OneStepMode, TrainConfig};
use eframe::egui;
use egui::{Color32, ComboBox, DragValue, RichText, Slider, Ui};
use egui_plot::{Line, Plot, PlotPoint, PlotPoints, Points};

/// The top of the NFE slider (the model's default is always in range).
const NFE_SLIDER_MAX: usize = 100;
/// Colour of the stale-model warning.
const STALE_COLOR: Color32 = Color32::from_rgb(230, 140, 20);

/// The whole training section.
///
/// The W2 curve's checkpoints, as drawn on screen, are added to `plots` (for the page's hooks).
pub(crate) fn training_ui(
    ui: &mut Ui,
    state: &AppState,
    commands: &mut Vec<Command>,
    plots: &mut Vec<PlotOnScreen>,
) {
    let training = state.training();
    let running = training.running().is_some();
    ui.add_enabled_ui(!running, |ui| {
        hyperparameters_ui(ui, training.config(), commands);
    });

    actions_ui(ui, training, running, commands);
    progress_ui(ui, training);
    model_status_ui(ui, training, running);
    nfe_ui(ui, state, commands);
    curves_ui(ui, state, plots);
}

/// Train or Cancel, and the model's Save and Load.
fn actions_ui(ui: &mut Ui, training: &Training, running: bool, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        if running {
            if widgets::button(ui, "Cancel").clicked() {
                commands.push(TrainCommand::CancelTraining.into());
            }
        } else if ui
            .button(RichText::new("Train").strong())
            .on_hover_text("Train on a worker thread; the learned flow plays when done")
            .clicked()
        {
            commands.push(TrainCommand::Train.into());
        }
        if widgets::with_tip(
            ui.add_enabled(training.model().is_some(), egui::Button::new("Save model…")),
            "Save model…",
        )
        .clicked()
        {
            commands.push(FileCommand::SaveModel.into());
        }
        if widgets::button(ui, "Load model…").clicked() {
            commands.push(FileCommand::LoadModel.into());
        }
    });
}

/// The run in progress: its stage and loss, and a bar of the fraction done.
fn progress_ui(ui: &mut Ui, training: &Training) {
    if let Some(running) = &training.running() {
        let (fraction, text) = match &running.progress {
            Some(p) => (
                p.fraction_done as f32,
                format!(
                    "{} {}/{} · loss {:.4}",
                    p.stage, p.iteration, p.total, p.loss
                ),
            ),
            None => (0.0, "starting…".to_string()),
        };
        // The stage and loss on their own line, the bar below with its percentage only: the
        // text never runs over the bar.
        ui.label(text);
        ui.add(
            egui::ProgressBar::new(fraction)
                .show_percentage()
                .desired_height(18.0)
                .animate(true),
        )
        .on_hover_text("Training progress: the fraction of all training steps done");
    }
}

/// What model there is: ready, stale (with a warning), or none yet.
fn model_status_ui(ui: &mut Ui, training: &Training, running: bool) {
    match (&training.model(), training.stale()) {
        (Some(model), true) => {
            ui.label(
                RichText::new(format!(
                    "Warning: the {} model is stale: the target or a hyperparameter changed since it was trained. Train again.",
                    model.method.display_name()
                ))
                .color(STALE_COLOR),
            );
        }
        (Some(model), false) => {
            ui.label(format!(
                "{} model ready ({} to {})",
                model.method.display_name(),
                model.source.label(),
                model.target.label()
            ));
        }
        (None, _) if !running => {
            ui.label(RichText::new("No model yet.").weak());
        }
        (None, _) => {}
    }
}

/// The learned flow's network evaluations: its default or a chosen number.
fn nfe_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let training = state.training();
    if let Some(model) = training.model().filter(|m| m.max_nfe() == Some(1)) {
        ui.label(format!(
            "NFE 1: one jump from {} to G(z)",
            model.source.label()
        ))
        .on_hover_text("A one-step generator takes exactly one network evaluation");
    } else if let Some(model) = &training.model() {
        ui.horizontal(|ui| {
            let mut custom = training.nfe().is_some();
            let default_nfe = model.default_nfe();
            if widgets::checkbox(ui, &mut custom, "NFE")
                .on_hover_text(format!("Network evaluations (default {default_nfe})"))
                .changed()
            {
                commands.push(TrainCommand::SetNfe(custom.then_some(default_nfe)).into());
            }
            let least = model.min_nfe();
            let mut nfe = state.effective_nfe().unwrap_or(default_nfe);
            let most = NFE_SLIDER_MAX.max(default_nfe).max(least);
            let hover = match model.method {
                Method::Nsgf => {
                    "Network evaluations of the learned flow (Euler steps of v_θ)".to_string()
                }
                Method::NsgfPp => format!(
                    "Network evaluations of the learned flow: {} flow steps + 1 time predictor + \
                     straight steps (at least {least})",
                    model.config.flow.steps
                ),
                Method::OneStep => "A one-step generator takes one network evaluation".to_string(),
                Method::Icfm | Method::OtCfm | Method::Rf => format!(
                    "Network evaluations of the learned {} flow (Euler steps of v_θ over t in \
                     [0, 1])",
                    model.method.display_name()
                ),
            };
            if ui
                .add_enabled(custom, Slider::new(&mut nfe, least..=most))
                .on_hover_text(hover)
                .changed()
            {
                commands.push(TrainCommand::SetNfe(Some(nfe)).into());
            }
        });
    }
}

fn hyperparameters_ui(ui: &mut Ui, config: &TrainConfig, commands: &mut Vec<Command>) {
    let mut method = config.method;
    ComboBox::from_label("Method")
        .selected_text(method.display_name())
        .show_ui(ui, |ui| {
            for choice in Method::ALL {
                ui.selectable_value(&mut method, choice, choice.display_name());
            }
        })
        .response
        .on_hover_text(widgets::tip("Method").unwrap_or_default());
    if method != config.method {
        commands.push(TrainCommand::SetMethod(method).into());
        return;
    }
    let mut edited = config.clone();
    if config.method == Method::OneStep {
        ComboBox::from_label("Mode")
            .selected_text(mode_name(edited.onestep_mode))
            .show_ui(ui, |ui| {
                for choice in [OneStepMode::Direct, OneStepMode::Distilled] {
                    ui.selectable_value(&mut edited.onestep_mode, choice, mode_name(choice));
                }
            })
            .response
            .on_hover_text(widgets::tip("Mode").unwrap_or_default());
    }
    egui::Grid::new("train_grid").num_columns(2).show(ui, |ui| {
        labelled(
            ui,
            "Iterations",
            DragValue::new(&mut edited.iterations).range(1..=10_000),
        );
        ui.end_row();
        method_fields_ui(ui, config.method, &mut edited);
        optimiser_fields_ui(ui, config.method, &mut edited);
    });
    if edited != *config {
        commands.push(TrainCommand::SetTrainConfig(edited).into());
    }
}

/// The rows of the training grid that depend on the method: the simulated flows' (steps, η,
/// blur, particles) or flow matching's (σ, batch).
fn method_fields_ui(ui: &mut Ui, method: Method, edited: &mut TrainConfig) {
    if method != Method::OneStep && !method.is_flow_matching() {
        let max_steps = if method == Method::NsgfPp { 5 } else { 100 };
        labelled(
            ui,
            "Flow steps T",
            DragValue::new(&mut edited.flow.steps).range(1..=max_steps),
        );
        ui.end_row();
    }
    if method.is_flow_matching() {
        labelled(
            ui,
            "Path noise σ",
            DragValue::new(&mut edited.sigma)
                .range(0.0..=2.0)
                .speed(0.005),
        );
        ui.end_row();
        labelled(
            ui,
            "Batch",
            DragValue::new(&mut edited.batch_size).range(8..=4096),
        );
        ui.end_row();
    } else {
        labelled(
            ui,
            "Step η",
            DragValue::new(&mut edited.flow.eta)
                .range(0.01..=2.0)
                .speed(0.01),
        );
        ui.end_row();
        labelled(
            ui,
            "Blur σ",
            DragValue::new(&mut edited.flow.sinkhorn.blur)
                .range(0.01..=1.0)
                .speed(0.005),
        );
        ui.end_row();
        labelled(
            ui,
            "Particles / flow",
            DragValue::new(&mut edited.particles).range(8..=4096),
        );
        ui.end_row();
    }
}

/// The optimiser's and the network's rows, and the method's extra stage (reflow, straight
/// flow).
fn optimiser_fields_ui(ui: &mut Ui, method: Method, edited: &mut TrainConfig) {
    labelled(
        ui,
        "Adam steps / iter",
        DragValue::new(&mut edited.adam_steps).range(1..=1000),
    );
    ui.end_row();
    labelled(
        ui,
        "Learning rate",
        DragValue::new(&mut edited.learning_rate)
            .range(1e-5..=1e-1)
            .speed(1e-4)
            .max_decimals(5),
    );
    ui.end_row();
    labelled(
        ui,
        "Hidden width",
        DragValue::new(&mut edited.hidden_width).range(4..=1024),
    );
    ui.end_row();
    if method == Method::Rf {
        labelled(
            ui,
            "Reflow iterations",
            DragValue::new(&mut edited.reflow_iterations).range(0..=10_000),
        );
        ui.end_row();
    }
    if method == Method::NsgfPp {
        labelled(
            ui,
            "Straight-flow steps",
            DragValue::new(&mut edited.straight_iterations).range(1..=100_000),
        );
        ui.end_row();
    }
}

/// A one-step mode as the Mode menu shows it.
fn mode_name(mode: OneStepMode) -> &'static str {
    match mode {
        OneStepMode::Direct => "direct (Sinkhorn flow)",
        OneStepMode::Distilled => "distilled (shown model)",
    }
}

/// The colour of the W2 curve and its checkpoints.
const W2_COLOUR: Color32 = Color32::from_rgb(60, 120, 200);

fn curves_ui(ui: &mut Ui, state: &AppState, plots: &mut Vec<PlotOnScreen>) {
    let training = state.training();
    if training.losses().is_empty() && training.w2_curve().is_empty() {
        return;
    }
    ui.label(RichText::new("Loss (log₁₀) and W2 per iteration").small());
    let losses: Vec<[f64; 2]> = training
        .losses()
        .iter()
        .filter(|[_, loss]| *loss > 0.0)
        .map(|&[i, loss]| [i, loss.log10()])
        .collect();
    Plot::new("loss_curve")
        .height(90.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show_x(false)
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new("log₁₀ loss", PlotPoints::from(losses))
                    .color(Color32::from_rgb(200, 80, 60)),
            );
        });
    let checkpoints = training.w2_curve();
    if !checkpoints.is_empty() {
        // Each checkpoint is drawn as a dot on the line, so that the first one shows too.
        let response = Plot::new("w2_curve")
            .height(70.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .show_x(false)
            .show(ui, |plot_ui| {
                plot_ui
                    .line(Line::new("W2", PlotPoints::from(checkpoints.to_vec())).color(W2_COLOUR));
                plot_ui.points(
                    Points::new("W2 checkpoints", PlotPoints::from(checkpoints.to_vec()))
                        .color(W2_COLOUR)
                        .filled(true)
                        .radius(2.5),
                );
            });
        if crate::app::view_options::PAGE_HOOKS {
            plots.push(w2_curve_on_screen(&response.transform, checkpoints));
        }
    }
}

/// Where the W2 `checkpoints` land on screen through the curve's `transform`.
fn w2_curve_on_screen(
    transform: &egui_plot::PlotTransform,
    checkpoints: &[[f64; 2]],
) -> PlotOnScreen {
    let area = *transform.frame();
    let particles: Vec<[f32; 2]> = checkpoints
        .iter()
        .map(|&[x, y]| transform.position_from_point(&PlotPoint::new(x, y)))
        .filter(|centre| area.expand(1.0).contains(*centre))
        .map(|centre| [centre.x, centre.y])
        .collect();
    PlotOnScreen {
        kind: "w2",
        frame: [area.min.x, area.min.y, area.max.x, area.max.y],
        colors: vec![[W2_COLOUR.r(), W2_COLOUR.g(), W2_COLOUR.b()]; particles.len()],
        particles,
    }
}
