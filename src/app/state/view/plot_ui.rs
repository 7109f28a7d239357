//! The particle plot(s): one plot per shown flow (two side by side in split view), each with a
//! clear label of which flow it shows, its readouts, the overlays, and in draw mode the brush.

use crate::Point;
use crate::app::jobs::{Extent, Run};
use crate::app::state::playback::ui::PHASE_COLOR;
use crate::app::state::view::plot_items::{ArrowField, PointCloud, Trails, rgb};
use crate::app::state::{AppState, Command, DrawCommand, FlowView, Readout};
use crate::app::view_options::{PlotOnScreen, ViewOptions};
use crate::flow::Frame;
use crate::render::colors::{ARROW_GREY, TARGET_GREY};
use eframe::egui;
use egui::{Align2, Color32, FontId, RichText, Stroke, Ui};
use egui_plot::{Plot, PlotBounds};

/// Frames of history a trail shows.
const TRAIL_FRAMES: usize = 12;
/// The most particles that get a trail (every k-th particle beyond that).
const TRAIL_PARTICLES: usize = 400;
/// Particle colour when not coloured by starting position.
const PLAIN_PARTICLE: Color32 = Color32::from_rgb(40, 90, 200);
/// Colour of drawn target points in draw mode.
const DRAWN_COLOR: Color32 = Color32::from_rgb(30, 30, 30);
/// Colour of the quiver grid's arrows.
const GRID_ARROW: Color32 = Color32::from_rgb(70, 130, 180);
/// The flows' accent colours in labels.
const PARTICLE_ACCENT: Color32 = Color32::from_rgb(30, 110, 200);
const LEARNED_ACCENT: Color32 = Color32::from_rgb(200, 90, 20);

/// The plot area: one or two flow plots.
pub(crate) fn plot_view_ui(
    ui: &mut Ui,
    state: &AppState,
    options: &mut ViewOptions,
    commands: &mut Vec<Command>,
) {
    let extent = state.extent();
    let refit = options.fitted_extent != Some(extent) && !state.drawing().mode();
    if refit {
        options.fitted_extent = Some(extent);
    }
    if state.view() == FlowView::Split {
        ui.columns(2, |columns| {
            flow_plot_ui(
                &mut columns[0],
                state,
                Run::Particle,
                refit,
                options,
                commands,
            );
            flow_plot_ui(
                &mut columns[1],
                state,
                Run::Learned,
                refit,
                options,
                commands,
            );
        });
    } else {
        let kind = state.shown_kinds()[0];
        flow_plot_ui(ui, state, kind, refit, options, commands);
    }
}

/// The name of a flow as its label says it.
pub(crate) fn flow_title(state: &AppState, kind: Run) -> String {
    match kind {
        Run::Particle => "Particle flow · Sinkhorn (empirical)".to_string(),
        Run::Learned => match &state.training().model() {
            Some(model) => format!("Learned flow · {}", model.method.display_name()),
            None => "Learned flow · no model".to_string(),
        },
    }
}

fn readout_text(readout: Option<&Readout>) -> String {
    match readout {
        Some(Readout::Value(value)) => format!("{value:.4}"),
        Some(Readout::Pending) => "…".into(),
        Some(Readout::Unavailable(_)) | None => "—".into(),
    }
}

fn readouts_line(state: &AppState, kind: Run) -> String {
    let Some(frame) = state.shown_frame(kind) else {
        return "no frames yet".into();
    };
    let index = state.shown_index(kind).unwrap_or(0);
    let progress = match (kind, &state.learned().flow()) {
        (Run::Learned, Some(flow)) => format!(
            "frame {}/{} · t = {:.3} · NFE {}/{}",
            index,
            flow.trajectory.len().saturating_sub(1),
            frame.t,
            flow.trajectory.nfe_at(index),
            flow.trajectory.nfe()
        ),
        _ => format!(
            "step {}/{} · t = {:.3}",
            index,
            state.settings().flow.steps,
            frame.t
        ),
    };
    let readouts = state.readouts(kind);
    format!(
        "{progress} · S_ε {} · W2 {}",
        readout_text(readouts.map(|r| &r.divergence)),
        readout_text(readouts.map(|r| &r.w2)),
    )
}

/// One flow's plot: its header, the square plot of its shown frame (or the d-dimensional view
/// when the points are not planar), its caption, and in draw mode the brush.
fn flow_plot_ui(
    ui: &mut Ui,
    state: &AppState,
    kind: Run,
    refit: bool,
    options: &mut ViewOptions,
    commands: &mut Vec<Command>,
) {
    let accent = match kind {
        Run::Particle => PARTICLE_ACCENT,
        Run::Learned => LEARNED_ACCENT,
    };
    let side = plot_side(ui);
    plot_header_ui(ui, state, kind, accent);

    let frames = state.frames_of(kind);
    let shown_index = state.shown_index(kind);
    let frame = shown_index.and_then(|index| frames.get(index));
    if state.dimension() != 2 || frame.is_some_and(|frame| frame.positions.dim() != 2) {
        wide_plot_ui(ui, state, kind, frame.zip(shown_index), side, commands);
        return;
    }
    let colors = state
        .colors_of(kind)
        .filter(|_| state.overlays().colors_by_start)
        .map(|colors| colors.as_slice());
    let draw_mode = state.drawing().mode();
    let extent = state.extent();

    let plot = square_plot(kind, side, draw_mode, extent);
    let response = plot.show(ui, |plot_ui| {
        if refit {
            plot_ui.set_plot_bounds(PlotBounds::from_min_max(extent.min, extent.max));
        }
        add_target_items(plot_ui, state);
        if let (Some(frame), Some(index)) = (frame, shown_index) {
            let shown = ShownFrame {
                kind,
                index,
                frame,
                colors,
            };
            add_frame_items(plot_ui, state, &shown, options.arrow_scale);
        }
    });

    if crate::app::view_options::PAGE_HOOKS
        && let Some(frame) = frame
    {
        options.plots_on_screen.push(plot_on_screen(
            kind,
            &response.transform,
            frame.points(),
            colors,
        ));
    }
    plot_caption_ui(
        ui,
        state,
        kind,
        accent,
        response.response.rect,
        frame.is_none(),
    );
    if draw_mode {
        draw_input(ui, &response, state, commands);
    }
}

/// The side of a flow's square plot: the room left once the two header lines above it take
/// theirs (measured before they are laid out, so that a long title cannot widen the column).
fn plot_side(ui: &Ui) -> f32 {
    let header = 2.0 * ui.text_style_height(&egui::TextStyle::Heading) + 8.0;
    ui.available_width()
        .min(ui.available_height() - header)
        .max(64.0)
}

/// The square plot of flow `kind`, `side` points wide, over `extent` at aspect 1 (so it shows
/// exactly the box the quiver grid covers), its axes and cursor linked with the other flow's;
/// in draw mode dragging and zooming are off (the pointer draws).
fn square_plot(kind: Run, side: f32, draw_mode: bool, extent: Extent) -> Plot<'static> {
    Plot::new(("flow_plot", kind == Run::Particle))
        .width(side)
        .height(side)
        .data_aspect(1.0)
        .allow_drag(!draw_mode)
        .allow_boxed_zoom(!draw_mode)
        .allow_double_click_reset(!draw_mode)
        .show_background(true)
        .link_axis(egui::Id::unique("flow_plots"), true)
        .link_cursor(egui::Id::unique("flow_plots"), true)
        .default_x_bounds(extent.min[0], extent.max[0])
        .default_y_bounds(extent.min[1], extent.max[1])
}

/// The plot's title (which flow, a stale model) and its readouts line.
fn plot_header_ui(ui: &mut Ui, state: &AppState, kind: Run, accent: Color32) {
    let title = flow_title(state, kind);
    ui.horizontal(|ui| {
        ui.add(egui::Label::new(RichText::new(&title).heading().color(accent)).truncate());
        if kind == Run::Learned && state.training().stale() {
            ui.label(
                RichText::new("(stale model: train again)").color(Color32::from_rgb(230, 140, 20)),
            );
        }
    });
    ui.add(egui::Label::new(RichText::new(readouts_line(state, kind)).monospace()).truncate());
}

/// What a plot without a frame says instead: computing, failed, sampling, or no model yet.
fn waiting_hint(state: &AppState, kind: Run) -> String {
    match kind {
        Run::Particle => state
            .particle()
            .failure()
            .map_or_else(|| "computing the first frame…".into(), str::to_string),
        Run::Learned if state.learned().computing() => "sampling the learned flow…".into(),
        Run::Learned => "No model yet: press Train".into(),
    }
}

/// A flow of more than two dimensions: the view's choice, then its `shown` frame (and index)
/// as images or on principal components (or what it waits for).
fn wide_plot_ui(
    ui: &mut Ui,
    state: &AppState,
    kind: Run,
    shown: Option<(&Frame, usize)>,
    side: f32,
    commands: &mut Vec<Command>,
) {
    crate::app::state::view::wide_ui::wide_view_choice_ui(ui, state, commands);
    match shown {
        Some((frame, index)) if frame.positions.dim() != 2 => {
            crate::app::state::view::wide_ui::wide_frame_ui(ui, state, kind, index, side - 24.0);
        }
        _ => {
            ui.label(waiting_hint(state, kind));
        }
    }
}

/// The target samples (and in draw mode the drawn points), as the overlays ask.
fn add_target_items<'a>(plot_ui: &mut egui_plot::PlotUi<'a>, state: &'a AppState) {
    let draw_mode = state.drawing().mode();
    if state.overlays().target {
        plot_ui.add(PointCloud::new(
            "target samples",
            state.particle().target().points(),
            rgb(TARGET_GREY),
            if draw_mode { 1.5 } else { 2.0 },
        ));
    }
    if draw_mode {
        plot_ui.add(PointCloud::new(
            "drawn points",
            state.drawing().drawn().points(),
            DRAWN_COLOR,
            2.0,
        ));
    }
}

/// The frame a plot shows: its flow, index on the flow's timeline, the frame and the colours
/// by starting position (None: plain).
struct ShownFrame<'a> {
    kind: Run,
    index: usize,
    frame: &'a Frame,
    colors: Option<&'a [[u8; 3]]>,
}

/// The shown frame's particles with their trails, the grid's and the particles' arrows, as
/// the overlays ask.
fn add_frame_items<'a>(
    plot_ui: &mut egui_plot::PlotUi<'a>,
    state: &'a AppState,
    shown: &ShownFrame<'a>,
    arrow_scale: f64,
) {
    let ShownFrame {
        kind,
        index,
        frame,
        colors,
    } = *shown;
    if state.overlays().trails {
        let frames = state.frames_of(kind);
        let start = index.saturating_sub(TRAIL_FRAMES);
        let stride = frame.len().div_ceil(TRAIL_PARTICLES).max(1);
        plot_ui.add(Trails::new(
            "trails",
            &frames[start..=index],
            colors,
            stride,
            PLAIN_PARTICLE,
        ));
    }
    let grid_field = state
        .flow_of(kind)
        .map(|flow| (flow.grid.as_slice(), flow.grid_field(index)));
    if state.overlays().grid_arrows
        && let Some((grid, field)) = grid_field.filter(|(_, field)| !field.is_empty())
    {
        // A typical long grid arrow (90th percentile, robust to a few huge ones far from
        // the data) spans most of a cell, so the field's shape reads at any speed; the
        // arrow-length slider scales from there.
        let typical = typical_length(field);
        let cell = state.extent().cell_size(crate::app::state::GRID_CELLS);
        let grid_scale = if typical > 0.0 {
            0.9 * cell / typical * arrow_scale
        } else {
            arrow_scale
        };
        plot_ui.add(ArrowField::new(
            "grid velocity",
            grid,
            field,
            grid_scale,
            GRID_ARROW,
            1.2,
        ));
    }
    let mut particles = PointCloud::new("particles", frame.points(), PLAIN_PARTICLE, 2.2);
    if let Some(colors) = colors {
        particles = particles.colors(colors);
    }
    plot_ui.add(particles);
    if state.overlays().particle_arrows
        && let Some(velocities) = &frame.velocities
    {
        // Arrows are displacements per step: step_size · v.
        plot_ui.add(ArrowField::new(
            "particle velocity",
            frame.points(),
            velocities.points(),
            arrow_scale * frame.step_size,
            rgb(ARROW_GREY),
            1.0,
        ));
    }
}

/// The flow's name inside the plot (so a screenshot can never be misread), the straight
/// phase marked, and, without a frame, what the plot waits for on a backing box.
fn plot_caption_ui(
    ui: &Ui,
    state: &AppState,
    kind: Run,
    accent: Color32,
    plot_rect: egui::Rect,
    no_frame: bool,
) {
    let painter = ui.painter_at(plot_rect);
    let mut caption = match kind {
        Run::Particle => "PARTICLE FLOW".to_string(),
        Run::Learned => "LEARNED FLOW".to_string(),
    };
    if kind == Run::Learned && state.overlays().phase_boundary && state.in_straight_phase() {
        caption.push_str(" · straight phase");
    }
    let caption_pos = plot_rect.left_top() + egui::vec2(10.0, 8.0);
    let galley_rect = painter.text(
        caption_pos,
        Align2::LEFT_TOP,
        &caption,
        FontId::proportional(15.0),
        accent,
    );
    if caption.contains("straight") {
        painter.rect_stroke(
            galley_rect.expand(3.0),
            3.0,
            Stroke::new(1.5, PHASE_COLOR),
            egui::StrokeKind::Outside,
        );
    }
    if no_frame {
        // On a backing box, so the target samples behind it do not cross the words.
        let galley = painter.layout_no_wrap(
            waiting_hint(state, kind),
            FontId::proportional(16.0),
            Color32::DARK_GRAY,
        );
        let text_rect = Align2::CENTER_CENTER.anchor_size(plot_rect.center(), galley.size());
        painter.rect_filled(
            text_rect.expand(6.0),
            4.0,
            ui.visuals().extreme_bg_color.gamma_multiply(0.9),
        );
        painter.galley(text_rect.min, galley, Color32::DARK_GRAY);
    }
}

/// Turns pointer presses and drags on the plot into brush strokes.
fn draw_input(
    ui: &Ui,
    response: &egui_plot::PlotResponse<()>,
    state: &AppState,
    commands: &mut Vec<Command>,
) {
    let plot_response = &response.response;
    let transform = &response.transform;
    let pointer = plot_response
        .hover_pos()
        .or_else(|| plot_response.interact_pointer_pos());
    let pointer_in_plot: Option<Point> = pointer.map(|pos| {
        let value = transform.value_from_position(pos);
        [value.x, value.y]
    });
    if let Some(center) = pointer_in_plot {
        let color = if state.drawing().eraser() {
            Color32::from_rgb(200, 40, 40)
        } else {
            Color32::from_rgb(40, 40, 40)
        };
        ui.painter_at(plot_response.rect)
            .add(crate::app::state::view::plot_items::brush_outline(
                transform,
                center,
                state.drawing().brush().radius,
                color,
            ));
    }
    let primary_down = ui.input(|input| input.pointer.primary_down());
    if plot_response.clicked() {
        if let Some(center) = pointer_in_plot {
            commands.push(DrawCommand::BeginStroke.into());
            commands.push(DrawCommand::StrokeAt(center).into());
            commands.push(DrawCommand::EndStroke.into());
        }
        return;
    }
    // The stroke lives in the state (it spaces the dabs); the UI only reports the pointer.
    let stroking = state.drawing().stroking();
    if plot_response.drag_started() && !stroking {
        commands.push(DrawCommand::BeginStroke.into());
    }
    if (stroking || plot_response.drag_started())
        && let Some(center) = pointer_in_plot
    {
        commands.push(DrawCommand::StrokeAt(center).into());
    }
    if stroking && (plot_response.drag_stopped() || !primary_down) {
        commands.push(DrawCommand::EndStroke.into());
    }
}

/// The 90th-percentile length of `vectors` (0 when none is finite).
fn typical_length(vectors: &[Point]) -> f64 {
    let mut lengths: Vec<f64> = vectors
        .iter()
        .map(|v| v[0].hypot(v[1]))
        .filter(|length| length.is_finite())
        .collect();
    if lengths.is_empty() {
        return 0.0;
    }
    let index = (lengths.len() - 1) * 9 / 10;
    let (_, value, _) = lengths.select_nth_unstable_by(index, f64::total_cmp);
    *value
}

/// Where the particles `points` (coloured `colors`, else [`PLAIN_PARTICLE`]) of the flow
/// `kind` land on screen through the plot's `transform`: those inside its data area.
fn plot_on_screen(
    kind: Run,
    transform: &egui_plot::PlotTransform,
    points: &[Point],
    colors: Option<&[[u8; 3]]>,
) -> PlotOnScreen {
    let area = *transform.frame();
    let plain = [PLAIN_PARTICLE.r(), PLAIN_PARTICLE.g(), PLAIN_PARTICLE.b()];
    let mut plot = PlotOnScreen {
        kind: match kind {
            Run::Particle => "particle",
            Run::Learned => "learned",
        },
        frame: [area.min.x, area.min.y, area.max.x, area.max.y],
        ..PlotOnScreen::default()
    };
    for (i, point) in points.iter().enumerate() {
        let centre = crate::app::state::view::plot_items::to_screen(transform, *point);
        if area.contains(centre) {
            plot.particles.push([centre.x, centre.y]);
            plot.colors.push(
                colors
                    .and_then(|colors| colors.get(i).copied())
                    .unwrap_or(plain),
            );
        }
    }
    plot
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_hears_each_particle_where_the_plot_draws_it_and_in_its_colour() {
        // A 200 × 100 area at (10, 20) showing [0, 2] × [0, 1]: y grows upwards on screen.
        let area = egui::Rect::from_min_size(egui::pos2(10.0, 20.0), egui::vec2(200.0, 100.0));
        let transform = egui_plot::PlotTransform::new(
            area,
            PlotBounds::from_min_max([0.0, 0.0], [2.0, 1.0]),
            false,
        );
        let points = [[0.0, 0.0], [1.0, 0.5], [5.0, 0.5], [2.0, 1.0]];
        let colors = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]];
        let plot = plot_on_screen(Run::Learned, &transform, &points, Some(&colors));
        assert_eq!(plot.kind, "learned");
        assert_eq!(plot.frame, [10.0, 20.0, 210.0, 120.0]);
        // The point off the plot is left out, with its colour.
        assert_eq!(
            plot.particles,
            vec![[10.0, 120.0], [110.0, 70.0], [210.0, 20.0]]
        );
        assert_eq!(plot.colors, vec![[1, 2, 3], [4, 5, 6], [10, 11, 12]]);
        let plain = plot_on_screen(Run::Particle, &transform, &points[..1], None);
        assert_eq!(
            (plain.kind, plain.colors),
            ("particle", vec![[40, 90, 200]])
        );
    }
}
