//! The bottom timeline: reset, step back, play / pause, step forward, speed, and a slider that
//! scrubs the recorded frames (side by side: the particle flow's, the learned flow following by
//! t), with the NSGF++ phase boundary marked on it.

use crate::app::jobs::Run;
use crate::app::state::playback::SPEED_RANGE;
use crate::app::state::{AppState, Command, FlowView, PlaybackCommand};
use crate::app::widgets::labelled;
use eframe::egui;
use egui::{Color32, RichText, Slider, Stroke, Ui};
use std::fmt::Write as _;

/// Colour of the phase-boundary marks.
pub(crate) const PHASE_COLOR: Color32 = Color32::from_rgb(200, 60, 160);

/// The whole timeline row.
pub(crate) fn timeline_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| playback_controls_ui(ui, state, commands));
    ui.horizontal(|ui| scrub_slider_ui(ui, state, commands));
}

/// The playback controls: reset, step back, play / pause, step forward, the speed slider and
/// the frame counter.
fn playback_controls_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    if ui
        .button("Reset")
        .on_hover_text("Back to frame 0 (Home)")
        .clicked()
    {
        commands.push(PlaybackCommand::Reset.into());
    }
    if ui
        .button("< Step")
        .on_hover_text("One frame back (Left arrow key)")
        .clicked()
    {
        commands.push(PlaybackCommand::StepBack.into());
    }
    let play_label = if state.playback().playing() {
        "Pause"
    } else {
        "Play"
    };
    if ui
        .button(RichText::new(play_label).strong())
        .on_hover_text("Play / pause (space)")
        .clicked()
    {
        commands.push(PlaybackCommand::TogglePlay.into());
    }
    if ui
        .button("Step >")
        .on_hover_text("One frame forward (Right arrow key)")
        .clicked()
    {
        commands.push(PlaybackCommand::StepForward.into());
    }
    ui.separator();
    let mut speed = state.playback().speed();
    if labelled(
        ui,
        "Speed",
        Slider::new(&mut speed, SPEED_RANGE)
            .logarithmic(true)
            .suffix(" fps")
            .max_decimals(1),
    )
    .changed()
    {
        commands.push(PlaybackCommand::SetSpeed(speed).into());
    }
    ui.separator();
    ui.label(frame_counter_text(state));
}

/// The slider that scrubs the recorded frames, with the NSGF++ phase boundary marked on it.
fn scrub_slider_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let supply = state.supply();
    let last = supply.available.saturating_sub(1);
    let mut position = state.playback().position();
    ui.spacing_mut().slider_width = (ui.available_width() - 90.0).max(100.0);
    let response = ui.add_enabled(
        supply.available > 1,
        Slider::new(&mut position, 0..=last.max(1))
            .show_value(true)
            .text("frame"),
    );
    if response.changed() {
        commands.push(PlaybackCommand::Seek(position).into());
    }
    if let Some(boundary) = state.phase_boundary_position()
        && last > 0
        && state.overlays().phase_boundary
    {
        let rect = response.rect;
        let width = ui.spacing().slider_width;
        let fraction = boundary as f32 / last as f32;
        let x = rect.left() + fraction.clamp(0.0, 1.0) * width;
        ui.painter().line_segment(
            [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
            Stroke::new(2.0, PHASE_COLOR),
        );
    }
}

/// The frame counter: the shown frame of the recorded ones, its t, and what is still being
/// computed (with the particle flow's rate).
fn frame_counter_text(state: &AppState) -> String {
    let supply = state.supply();
    let mut text = format!(
        "frame {} / {}",
        state.playback().position(),
        supply.available.saturating_sub(1)
    );
    if let Some(t) = state.shown_time() {
        let _ = write!(text, " · t = {t:.3}");
    }
    if state.view() != FlowView::Learned && state.supply_of(Run::Particle).more_coming {
        let _ = write!(
            text,
            " · computing {}/{}…",
            state.particle().flow().trajectory.len(),
            state.particle_frames_expected()
        );
        // The rate the flow computes at: 10 steps/s and more is live.
        if let Some(rate) = state.particle().steps_per_second() {
            let _ = write!(text, " {rate:.1} steps/s");
        }
    }
    if state.learned().computing() && state.view() != FlowView::Particle {
        text.push_str(" · sampling the learned flow…");
    }
    text
}
