//! The plot of a flow of more than two dimensions (the digits) in the main view: the shown
//! frame as a grid of 8×8 images (its first 64 points), or every point on the target's first
//! two principal components over the target samples in grey. The frame, the timeline, the
//! playback and the readouts are the main view's.

use crate::app::jobs::Run;
use crate::app::state::view::plot_items::{PointCloud as PlotCloud, rgb};
use crate::app::state::{AppState, Command, ViewCommand, WideView};
use crate::flow::Trajectory;
use crate::render::colors::TARGET_GREY;
use crate::render::image_grid::{GridLayout, first_images, frame_caption, render_grid};
use eframe::egui;
use egui::{Color32, ColorImage, TextureHandle, TextureOptions, Ui};
use egui_plot::Plot;

/// Frames a second of a GIF of image grids.
pub(crate) const GRID_GIF_FPS: u16 = 4;

/// The choice between the image grid and the principal components.
pub(crate) fn wide_view_choice_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        for (choice, label, tip) in [
            (
                WideView::Images,
                "Images",
                "The first 64 points of the frame as 8×8 images",
            ),
            (
                WideView::PrincipalComponents,
                "Principal components",
                "Every point on the target's first two principal components",
            ),
        ] {
            if ui
                .selectable_label(state.wide_view() == choice, label)
                .on_hover_text(tip)
                .clicked()
            {
                commands.push(ViewCommand::SetWideView(choice).into());
            }
        }
    });
}

/// Frame `index` of `run`'s flow, drawn as the state's wide view says, in a `side`-point square.
pub(crate) fn wide_frame_ui(ui: &mut Ui, state: &AppState, run: Run, index: usize, side: f32) {
    let Some(flow) = state.flow_of(run) else {
        return;
    };
    match state.wide_view() {
        WideView::Images => grid_image(ui, &flow.trajectory, index, side),
        WideView::PrincipalComponents => {
            let projection =
                flow.projection
                    .as_ref()
                    .or(state.particle().flow().projection.as_ref());
            let Some(projection) = projection else {
                ui.label("(no principal components yet)");
                return;
            };
            let frame = &flow.trajectory.frames()[index];
            let points = projection.project_cloud(&frame.positions);
            let target = projection.project_cloud(state.particle().target());
            let extent = state.extent();
            Plot::new(("wide_plot", run == Run::Particle))
                .width(side)
                .height(side)
                .data_aspect(1.0)
                .default_x_bounds(extent.min[0], extent.max[0])
                .default_y_bounds(extent.min[1], extent.max[1])
                .x_axis_label("PC 1")
                .y_axis_label("PC 2")
                .show(ui, |plot_ui| {
                    if state.overlays().target {
                        plot_ui.add(PlotCloud::new(
                            "target samples",
                            &target,
                            rgb(TARGET_GREY),
                            1.5,
                        ));
                    }
                    let mut particles =
                        PlotCloud::new("particles", &points, Color32::from_rgb(40, 90, 200), 2.2);
                    if state.overlays().colors_by_start && flow.colors.len() == points.len() {
                        particles = particles.colors(&flow.colors);
                    }
                    plot_ui.add(particles);
                });
        }
    }
}

/// The grid of 8×8 images of frame `index`, from a texture made once per frame (a frame's
/// points are shared and never change, so their buffer names the texture).
fn grid_image(ui: &mut Ui, trajectory: &Trajectory, index: usize, side: f32) {
    let frame = &trajectory.frames()[index];
    let key = frame.positions.coords().as_ptr() as usize;
    let id = egui::Id::unique(("wide_grid", key, index));
    let cached: Option<TextureHandle> = ui.ctx().data(|d| d.get_temp(id));
    let texture = match cached {
        Some(texture) => texture,
        None => {
            let layout = GridLayout {
                columns: 8,
                scale: 4,
            };
            let caption = frame_caption(trajectory, index);
            let Some((width, height, grey)) =
                render_grid(&first_images(&frame.positions), &caption, layout)
            else {
                ui.label("(these points are not 8×8 images: choose Principal components)");
                return;
            };
            let image = ColorImage::from_gray([width as usize, height as usize], &grey);
            let texture = ui.ctx().load_texture(
                format!("wide grid {key} {index}"),
                image,
                TextureOptions::NEAREST,
            );
            ui.ctx().data_mut(|d| d.insert_temp(id, texture.clone()));
            texture
        }
    };
    let size = texture.size_vec2();
    let scale = (side / size.x.max(size.y)).min(2.0);
    ui.image((texture.id(), size * scale));
}
