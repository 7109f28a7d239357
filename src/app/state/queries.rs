//! What the UI and the tests read of the state: each slice's state, the inputs, the timeline
//! and the readouts of the shown frames. Read-only; nothing here changes a slice.

use super::drawing::Drawing;
use super::files::FileInputs;
use super::learning::training::Training;
use super::playback::timeline::Timeline;
use super::readouts::FrameReadouts;
use super::runs::{LearnedRun, ParticleRun};
use super::setup::Setup;
use super::{AppState, FlowSettings, FlowView, MeanfieldPanel, Overlays, Shapes, WideView};
use crate::app::jobs::{Extent, Request, Run, ShownFlow};
use crate::app::state::dialogs::DialogPurpose;
use crate::app::state::messages::Messages;
use crate::app::state::playback::{FrameSupply, Playback};
use crate::data::Distribution;
use crate::flow::Frame;
use crate::scene::Scene;
use std::path::PathBuf;
use std::sync::Arc;

impl AppState {
    /// The inputs, read-only.
    pub(super) fn setup(&self) -> Setup<'_> {
        setup!(self)
    }

    /// The view, the cursor and both runs, read-only.
    pub(super) fn timeline(&self) -> Timeline<'_> {
        timeline!(self)
    }

    /// The queued requests, for inspection.
    pub fn queued_requests(&self) -> &[Request] {
        self.context.requests()
    }

    /// The inputs of the particle flow.
    pub fn settings(&self) -> &FlowSettings {
        self.inputs.settings()
    }

    /// Draw mode, the drawn target and the brush.
    pub fn drawing(&self) -> &Drawing {
        &self.drawing
    }

    /// Which flow is shown.
    pub fn view(&self) -> FlowView {
        self.view.view()
    }

    /// How a flow of more than two dimensions is drawn.
    pub(crate) fn wide_view(&self) -> WideView {
        self.view.wide_view()
    }

    /// The overlay toggles.
    pub fn overlays(&self) -> Overlays {
        self.view.overlays()
    }

    /// The timeline.
    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    /// The particle flow.
    pub fn particle(&self) -> &ParticleRun {
        &self.particle
    }

    /// The learned flow.
    pub fn learned(&self) -> &LearnedRun {
        self.learning.learned()
    }

    /// Training.
    pub fn training(&self) -> &Training {
        self.learning.training()
    }

    /// The status line: backend, error, message.
    pub fn messages(&self) -> &Messages {
        self.context.messages()
    }

    /// The error shown, if any.
    pub fn error(&self) -> Option<&str> {
        self.messages().error()
    }

    /// The status message, if any.
    pub fn status(&self) -> Option<&str> {
        self.messages().status()
    }

    /// GIF export progress in [0, 1], while exporting.
    pub fn gif_progress(&self) -> Option<f64> {
        self.files.gif().progress()
    }

    /// Whether a GIF export is running (it can be cancelled).
    pub fn gif_exporting(&self) -> bool {
        self.files.gif().running()
    }

    /// The source distribution: the source preset, or N(0, I) in the target's dimension when
    /// that is not 2.
    pub fn source_distribution(&self) -> Distribution {
        self.setup().source_distribution()
    }

    /// The dimension of the flows' points (2, or 64 for the digits).
    pub(crate) fn dimension(&self) -> usize {
        self.setup().dimension()
    }

    /// A short name of the source for labels.
    pub fn source_label(&self) -> String {
        self.setup().source_label()
    }

    /// A short name of the target for labels.
    pub fn target_label(&self) -> String {
        self.setup().target_label()
    }

    /// The pictures and words of the data-source menu.
    pub fn shapes(&self) -> &Shapes {
        self.inputs.shapes()
    }

    /// Whether any worker is busy (the UI keeps repainting while so).
    pub fn work_pending(&self) -> bool {
        self.particle.more_coming()
            || self.learned().computing()
            || self.training().running().is_some()
            || self.gif_exporting()
            || self.readouts.pending()
    }

    /// The mean-field panel.
    pub fn meanfield(&self) -> &MeanfieldPanel {
        &self.meanfield
    }

    /// The whole setup as a scene: inputs (the drawn points themselves when the target is
    /// drawn), flow and training parameters, overlays, and the model's file when it came from
    /// one.
    pub fn scene(&self) -> Scene {
        FileInputs {
            setup: self.setup(),
            timeline: self.timeline(),
            learning: &self.learning,
            overlays: self.overlays(),
        }
        .scene()
    }

    /// The in-app dialog to show, if one is asked for.
    pub fn pending_dialog(&self) -> Option<DialogPurpose> {
        self.files.pending_dialog()
    }

    /// The folder the in-app dialog opens in (the last chosen one).
    pub(crate) fn dialog_folder(&self) -> Option<&PathBuf> {
        self.files.dialog_folder()
    }

    /// The side in pixels of saved PNG frames.
    pub fn png_size(&self) -> u32 {
        self.files.png_size()
    }

    /// Frames available for `run` and whether more are coming.
    pub(crate) fn supply_of(&self, run: Run) -> FrameSupply {
        self.timeline().supply_of(run)
    }

    /// Frames of the timeline of the current view and whether more are coming: the frames of
    /// [`AppState::timeline_kind`].
    pub fn supply(&self) -> FrameSupply {
        self.timeline().supply()
    }

    /// The flow whose frames the timeline steps through. Side by side that is the particle flow
    /// (the finer time grid, usually), or the learned flow while the particle flow has no frame;
    /// the other flow shows its frame nearest in t.
    pub fn timeline_kind(&self) -> Run {
        self.timeline().timeline_kind()
    }

    /// The time t in [0, 1] at the timeline position (None before the first frame).
    pub fn shown_time(&self) -> Option<f64> {
        self.timeline().shown_time()
    }

    /// NSGF++: the first timeline position whose learned frame lies in the straight phase
    /// (where the timeline marks the phase boundary); None when no learned flow is shown or it
    /// has no straight phase.
    pub fn phase_boundary_position(&self) -> Option<usize> {
        self.timeline().phase_boundary_position()
    }

    /// The total frames the particle flow will have when finished.
    pub fn particle_frames_expected(&self) -> usize {
        self.settings().flow.steps + 1
    }

    /// The flows the plot shows, left to right.
    pub fn shown_kinds(&self) -> &'static [Run] {
        self.timeline().shown_kinds()
    }

    /// The index of the frame of `run` shown at the timeline position (see
    /// `AppState::frame_at_position`).
    pub fn shown_index(&self, run: Run) -> Option<usize> {
        self.timeline().shown_index(run)
    }

    /// The NFE budget the learned flow is sampled with (see [`Training::effective_nfe`]).
    pub fn effective_nfe(&self) -> Option<usize> {
        self.training().effective_nfe()
    }

    /// The frame of `run` shown at the timeline position.
    pub fn shown_frame(&self, run: Run) -> Option<&Frame> {
        self.timeline().shown_frame(run)
    }

    /// The flow of `run` as shown (frames, grid fields, colours), if it has begun.
    pub(crate) fn flow_of(&self, run: Run) -> Option<&ShownFlow> {
        self.timeline().flow_of(run)
    }

    /// All frames of `run`.
    pub(crate) fn frames_of(&self, run: Run) -> &[Frame] {
        self.timeline().frames_of(run)
    }

    /// Colours by starting position of `run`'s particles.
    pub(crate) fn colors_of(&self, run: Run) -> Option<&Arc<Vec<[u8; 3]>>> {
        self.timeline().colors_of(run)
    }

    /// The box the plot shows by default.
    pub(crate) fn extent(&self) -> Extent {
        self.timeline().extent()
    }

    /// Readouts of the shown frame of `run`, if requested.
    pub fn readouts(&self, run: Run) -> Option<&FrameReadouts> {
        let key = self.timeline().metrics_key(run)?;
        self.readouts.get(&key)
    }

    /// NSGF++: whether the shown learned frame lies in the straight phase.
    pub fn in_straight_phase(&self) -> bool {
        self.timeline().in_straight_phase()
    }
}
