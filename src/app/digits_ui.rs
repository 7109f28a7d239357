//! The digits window: NSGF or NSGF++ on the 64-dimensional 8×8 digits. Train / Cancel with
//! progress, the particle flow and the learned flow of 64 samples as grids of images (one, or
//! both side by side paired by t), a timeline with Play and the NSGF++ phase marked, and the
//! same frame as particles on the digits' first two principal components.

use super::state::{AppState, Command, DigitsCommand, DigitsView};
use crate::flow::Trajectory;
use crate::model::Method;
use crate::render::image_grid::{GridLayout, frame_caption, render_grid};
use eframe::egui::{self, Color32, ColorImage, RichText, TextureHandle, TextureOptions, Ui};
use egui_plot::{Plot, PlotPoints, Points};
use std::sync::Arc;

/// Colour of the Sinkhorn phase on the timeline bar, and of particle-flow points.
const SINKHORN_COLOR: Color32 = Color32::from_rgb(60, 110, 200);
/// Colour of NSGF++'s straight phase, and of learned-flow points.
const STRAIGHT_COLOR: Color32 = Color32::from_rgb(220, 120, 40);

/// The window, while open.
pub fn digits_ui(ctx: &egui::Context, state: &AppState, commands: &mut Vec<Command>) {
    let panel = state.digits();
    if !panel.open() {
        return;
    }
    let now = ctx.input(|i| i.time);
    if panel.wants_play() {
        commands.push(DigitsCommand::Play { now }.into());
    }
    if panel.playing() {
        ctx.request_repaint();
        let last = panel.timeline().map_or(0, |t| t.len().saturating_sub(1));
        if panel.shown_at(now) >= last {
            commands.push(DigitsCommand::Pause { now }.into());
        }
    }
    let mut open = true;
    egui::Window::new("Digits (64 dimensions)")
        .open(&mut open)
        .default_width(760.0)
        .show(ctx, |ui| window_ui(ui, state, now, commands));
    if !open {
        commands.push(DigitsCommand::SetOpen(false).into());
    }
}

fn window_ui(ui: &mut Ui, state: &AppState, now: f64, commands: &mut Vec<Command>) {
    let panel = state.digits();
    ui.label(
        "8×8 handwritten digits are points in 64 dimensions. The Sinkhorn flow moves 64 \
         samples of N(0, I) to 64 digits; NSGF learns it, NSGF++ follows it for 5 steps and \
         finishes on straight lines.",
    );
    training_row(ui, state, commands);
    ui.horizontal(|ui| {
        let has_model = panel.learned().is_some();
        for (view, label, enabled) in [
            (DigitsView::Particle, "Particle flow", true),
            (DigitsView::Learned, "Learned flow", has_model),
            (DigitsView::SideBySide, "Side by side", has_model),
        ] {
            if ui
                .add_enabled(
                    enabled,
                    egui::Button::selectable(panel.view() == view, label),
                )
                .clicked()
            {
                commands.push(DigitsCommand::SetView(view).into());
            }
        }
        if ui
            .add_enabled(!panel.flow_running(), egui::Button::new("New samples"))
            .on_hover_text("A new particle flow from 64 fresh noise samples to 64 fresh digits")
            .clicked()
        {
            commands.push(DigitsCommand::NewParticleFlow.into());
        }
        if ui
            .add_enabled(
                panel.gif_trajectory().is_some(),
                egui::Button::new("Export grid GIF…"),
            )
            .on_hover_text("The shown flow (the learned one when shown) as a GIF of image grids")
            .clicked()
        {
            commands.push(super::state::FileCommand::ExportDigitsGif.into());
        }
        let mut projection = panel.show_projection();
        if ui
            .checkbox(&mut projection, "PCA view")
            .on_hover_text(
                "The same frame as particles on the digits' first two principal components",
            )
            .changed()
        {
            commands.push(DigitsCommand::SetProjection(projection).into());
        }
    });
    if let Some(error) = panel.error() {
        ui.colored_label(Color32::from_rgb(200, 60, 50), error);
    }
    if let Some(kernels) = panel.kernels() {
        ui.label(RichText::new(format!("velocities on {kernels}")).weak());
    }
    let Some(timeline) = panel.timeline() else {
        ui.label(RichText::new("computing the particle flow…").weak());
        return;
    };
    timeline_row(ui, state, timeline, now, commands);
    let (particle_index, learned_index) = panel.frames_at(now);
    let shown: Vec<(&Arc<Trajectory>, usize, Color32)> = [
        panel
            .particle()
            .zip(particle_index)
            .map(|(t, i)| (t, i, SINKHORN_COLOR)),
        panel
            .learned()
            .zip(learned_index)
            .map(|(t, i)| (t, i, STRAIGHT_COLOR)),
    ]
    .into_iter()
    .flatten()
    .collect();
    ui.columns(shown.len().max(1), |columns| {
        for (ui, (trajectory, index, color)) in columns.iter_mut().zip(&shown) {
            let index = (*index).min(trajectory.len() - 1);
            ui.label(RichText::new(trajectory.kind().title()).color(*color));
            grid_image(ui, trajectory, index, panel.flows_version());
            if panel.show_projection() {
                projection_plot(ui, state, trajectory, index, *color);
            }
        }
    });
}

/// Method, iterations, Train / Cancel, progress, and the model's numbers.
fn training_row(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let panel = state.digits();
    let config = panel.config();
    ui.horizontal(|ui| {
        ui.add_enabled_ui(!panel.training(), |ui| {
            let mut method = config.method;
            egui::ComboBox::from_label("Model")
                .selected_text(method.display_name())
                .show_ui(ui, |ui| {
                    for choice in [Method::Nsgf, Method::NsgfPp] {
                        ui.selectable_value(&mut method, choice, choice.display_name());
                    }
                });
            if method != config.method {
                commands.push(DigitsCommand::SetMethod(method).into());
            }
            let mut iterations = config.iterations;
            ui.label("Iterations");
            if ui
                .add(egui::DragValue::new(&mut iterations).range(1..=1000))
                .on_hover_text("Outer iterations: 64-dimensional flows simulated into the pool")
                .changed()
            {
                commands.push(DigitsCommand::SetIterations(iterations).into());
            }
        });
        if panel.training() {
            if ui.button("Cancel").clicked() {
                commands.push(DigitsCommand::Cancel.into());
            }
        } else if ui
            .button(RichText::new("Train on digits").strong())
            .on_hover_text("Train on the digits on the training worker (tens of seconds)")
            .clicked()
        {
            commands.push(DigitsCommand::Train.into());
        }
    });
    if let Some(progress) = panel.progress() {
        ui.label(format!(
            "{} {}/{} · loss {:.4}",
            progress.stage, progress.iteration, progress.total, progress.loss
        ));
        ui.add(egui::ProgressBar::new(progress.fraction_done as f32).show_percentage());
    } else if panel.training() {
        ui.label("starting…");
    }
    if let Some(model) = panel.model() {
        let w2 = model.log.w2.last().map_or_else(String::new, |c| {
            format!(
                ": W2 {:.3} against held-out digits, floor {:.3} (ratio {:.2})",
                c.w2,
                c.floor,
                c.w2 / c.floor
            )
        });
        ui.label(format!(
            "{} model{w2}, trained in {:.0} s",
            model.method.display_name(),
            model.log.seconds
        ));
    }
}

/// Play / Pause, the frame slider, and a bar that marks NSGF++'s straight phase.
fn timeline_row(
    ui: &mut Ui,
    state: &AppState,
    timeline: &Trajectory,
    now: f64,
    commands: &mut Vec<Command>,
) {
    let panel = state.digits();
    let last = timeline.len().saturating_sub(1);
    let mut index = panel.shown_at(now);
    ui.horizontal(|ui| {
        if panel.playing() {
            if ui.button("Pause").clicked() {
                commands.push(DigitsCommand::Pause { now }.into());
            }
        } else if ui.button("Play").clicked() {
            commands.push(DigitsCommand::Play { now }.into());
        }
        if ui
            .add(egui::Slider::new(&mut index, 0..=last).text("frame"))
            .changed()
        {
            commands.push(DigitsCommand::Seek(index).into());
        }
        let frame = &timeline.frames()[index.min(last)];
        if timeline.kind().is_learned() {
            ui.label(format!(
                "t = {:.2} · NFE {}/{}",
                frame.t,
                timeline.nfe_at(index),
                timeline.nfe()
            ));
        } else {
            ui.label(format!("t = {:.2} · step {index}/{last}", frame.t));
        }
    });
    if let Some(boundary) = timeline.boundary_frame() {
        let width = ui.available_width().min(420.0);
        let (rect, response) = ui.allocate_exact_size(egui::vec2(width, 8.0), egui::Sense::hover());
        let split = rect.left() + width * boundary as f32 / last.max(1) as f32;
        let painter = ui.painter();
        painter.rect_filled(
            egui::Rect::from_min_max(rect.min, egui::pos2(split, rect.max.y)),
            2.0,
            SINKHORN_COLOR,
        );
        painter.rect_filled(
            egui::Rect::from_min_max(egui::pos2(split, rect.min.y), rect.max),
            2.0,
            STRAIGHT_COLOR,
        );
        let marker = rect.left() + width * index as f32 / last.max(1) as f32;
        painter.vline(
            marker,
            rect.y_range(),
            egui::Stroke::new(2.0, Color32::WHITE),
        );
        response.on_hover_text(format!(
            "Sinkhorn phase: frames 0–{}; straight phase from frame {boundary}",
            boundary.saturating_sub(1)
        ));
    }
}

/// The grid of 8×8 images of frame `index`, from a texture made once per frame.
fn grid_image(ui: &mut Ui, trajectory: &Arc<Trajectory>, index: usize, version: u64) {
    let id = egui::Id::unique(("digits_grid", trajectory.kind().slug(), version, index));
    let cached: Option<TextureHandle> = ui.ctx().data(|d| d.get_temp(id));
    let texture = match cached {
        Some(texture) => texture,
        None => {
            let layout = GridLayout {
                columns: 8,
                scale: 4,
            };
            let frame = &trajectory.frames()[index];
            let Some((width, height, grey)) =
                render_grid(&frame.positions, &frame_caption(trajectory, index), layout)
            else {
                ui.label("(not 8×8 images)");
                return;
            };
            let image = ColorImage::from_gray([width as usize, height as usize], &grey);
            let texture = ui.ctx().load_texture(
                format!("digits grid {index}"),
                image,
                TextureOptions::NEAREST,
            );
            ui.ctx().data_mut(|d| d.insert_temp(id, texture.clone()));
            texture
        }
    };
    ui.image((texture.id(), texture.size_vec2()));
}

/// The frame's samples as points on the digits' first two principal components, over the
/// training digits in grey.
fn projection_plot(
    ui: &mut Ui,
    state: &AppState,
    trajectory: &Trajectory,
    index: usize,
    color: Color32,
) {
    let Some(projection) = state.digits().projection() else {
        return;
    };
    let positions = &trajectory.frames()[index].positions;
    let Ok(frame) =
        ndarray::ArrayView2::from_shape((positions.len(), positions.dim()), positions.coords())
    else {
        return;
    };
    let points = projection.project(frame);
    let reference: Vec<[f64; 2]> = projection.reference_points().to_vec();
    let extent = projection.extent();
    Plot::new(format!("digits_pca_{:?}", trajectory.kind()))
        .width(300.0)
        .height(260.0)
        .data_aspect(1.0)
        .include_x(-extent)
        .include_x(extent)
        .include_y(-extent)
        .include_y(extent)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .x_axis_label("PC 1")
        .y_axis_label("PC 2")
        .show(ui, |plot_ui| {
            plot_ui.points(
                Points::new("digits", PlotPoints::from(reference))
                    .radius(1.5)
                    .color(Color32::from_gray(150)),
            );
            plot_ui.points(
                Points::new("samples", PlotPoints::from(points))
                    .radius(3.0)
                    .color(color),
            );
        });
}
