//! The mean-field panel: a window with the error of the empirical velocity field against n on
//! log–log axes, its fitted slope, and the field at a chosen n next to the large-n reference,
//! so a student sees the noise shrink as the samples grow.

use crate::app::state::meanfield::{APP_GRID, APP_SEEDS, APP_SIZES};
use crate::app::state::view::plot_items::ArrowField;
use crate::app::state::{AppState, Command, MeanfieldCommand};
use crate::meanfield::{MeanfieldStudy, mean_norm};
use eframe::egui::{self, Color32, Ui};
use egui_plot::{Line, Plot, PlotPoints, Points};

/// The window, while open.
pub(crate) fn meanfield_ui(ctx: &egui::Context, state: &AppState, commands: &mut Vec<Command>) {
    let panel = state.meanfield();
    if !panel.open() {
        return;
    }
    let mut open = true;
    egui::Window::new("Mean-field limit")
        .open(&mut open)
        .default_width(620.0)
        .show(ctx, |ui| window_ui(ui, state, commands));
    if !open {
        commands.push(MeanfieldCommand::SetOpen(false).into());
    }
}

fn window_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let panel = state.meanfield();
    ui.label(format!(
        "The empirical velocity field v(z) = P_x→y(z) − P_x→x(z) of n source and n target \
         samples on a {APP_GRID}×{APP_GRID} grid, against the field of n = {} samples, for n = \
         {} ({APP_SEEDS} seeds each), at the particle flow's blur.",
        APP_SIZES[APP_SIZES.len() - 1],
        APP_SIZES[..APP_SIZES.len() - 1]
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    ui.horizontal(|ui| {
        if panel.running() {
            if ui.button("Cancel").clicked() {
                commands.push(MeanfieldCommand::Cancel.into());
            }
        } else if ui
            .button("Run")
            .on_hover_text("Compute the fields for the current source, target and blur")
            .clicked()
        {
            commands.push(MeanfieldCommand::Run.into());
        }
        if let Some(study) = panel.study() {
            let (done, total) = study.progress();
            let what = if panel.running() { "computing" } else { "done" };
            ui.label(format!("{what}: {done}/{total} fields"));
        }
    });
    if let Some(error) = panel.error() {
        ui.colored_label(Color32::from_rgb(200, 60, 50), error);
    }
    let Some(study) = panel.study() else {
        return;
    };
    error_curve_ui(ui, study);
    let shown = size_choice_ui(ui, study, panel.shown(), commands);
    fields_ui(ui, study, shown);
}

/// The field's error against n on log–log axes, the seeds' range and the fitted slope.
fn error_curve_ui(ui: &mut Ui, study: &MeanfieldStudy) {
    let errors = study.errors();
    let slope = study
        .slope()
        .map_or_else(|| "—".to_string(), |s| format!("{s:.2}"));
    ui.label(format!(
        "mean |v_n − v_ref| / mean |v_ref| against n, log₁₀ axes; fitted slope {slope} \
         (n^−½ is −0.50)"
    ));
    let line: Vec<[f64; 2]> = errors
        .iter()
        .map(|e| [(e.n as f64).log10(), e.mean.log10()])
        .collect();
    let ranges: Vec<[f64; 2]> = errors
        .iter()
        .flat_map(|e| {
            let x = (e.n as f64).log10();
            [[x, e.min.log10()], [x, e.max.log10()]]
        })
        .collect();
    Plot::new("meanfield_error")
        .height(150.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .x_axis_label("log₁₀ n")
        .y_axis_label("log₁₀ error")
        .show(ui, |plot_ui| {
            plot_ui.line(Line::new("mean error", PlotPoints::from(line.clone())));
            plot_ui.points(
                Points::new("mean", PlotPoints::from(line))
                    .radius(3.0)
                    .color(Color32::from_rgb(200, 80, 60)),
            );
            plot_ui.points(
                Points::new("seeds' range", PlotPoints::from(ranges))
                    .radius(1.5)
                    .color(Color32::GRAY),
            );
        });
}

/// The buttons that pick which n's field is shown (solved ones only); returns the shown index.
fn size_choice_ui(
    ui: &mut Ui,
    study: &MeanfieldStudy,
    shown: usize,
    commands: &mut Vec<Command>,
) -> usize {
    let sizes = study.sizes();
    let mut shown = shown.min(sizes.len().saturating_sub(1));
    ui.horizontal(|ui| {
        ui.label("field at n =");
        for (index, &n) in sizes.iter().enumerate() {
            let solved = study.field_at(index).is_some();
            if ui
                .add_enabled(
                    solved,
                    egui::Button::selectable(shown == index, n.to_string()),
                )
                .clicked()
            {
                shown = index;
                commands.push(MeanfieldCommand::ShowSize(index).into());
            }
        }
    });
    shown
}

/// The shown n's field beside the reference, on one arrow scale.
fn fields_ui(ui: &mut Ui, study: &MeanfieldStudy, shown: usize) {
    let sizes = study.sizes();
    let (Some(field), Some(reference)) = (study.field_at(shown), study.reference()) else {
        return;
    };
    let grid = study.grid();
    // One scale for both plots: the longest reference arrow spans a grid cell.
    let cell = (grid[1][0] - grid[0][0]).abs().max(1e-12);
    let longest = reference
        .iter()
        .map(|v| v[0].hypot(v[1]))
        .fold(0.0, f64::max)
        .max(1e-12);
    let scale = 0.9 * cell / longest;
    let (lo, hi) = (grid[0], grid[grid.len() - 1]);
    ui.columns(2, |columns| {
        for (ui, (title, vectors, color)) in columns.iter_mut().zip([
            (
                format!("n = {} (seed 0)", sizes[shown]),
                field,
                Color32::from_rgb(200, 80, 60),
            ),
            (
                format!("reference, n = {}", study.reference_n()),
                reference,
                Color32::from_rgb(60, 110, 200),
            ),
        ]) {
            ui.label(format!("{title}: mean |v| {:.3}", mean_norm(vectors)));
            Plot::new(format!("meanfield_{title}"))
                .height(230.0)
                .data_aspect(1.0)
                .include_x(lo[0] - cell)
                .include_x(hi[0] + cell)
                .include_y(lo[1] - cell)
                .include_y(hi[1] + cell)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .show(ui, |plot_ui| {
                    plot_ui.add(ArrowField::new("v", grid, vectors, scale, color, 1.5));
                });
        }
    });
}
