//! The frames on the timeline: which runs are shown, the frame each shows at the cursor, their supply, readouts and the extent.

use super::AppState;
use super::readouts::FrameReadouts;
use super::view::FlowView;
use crate::app::jobs::{Extent, MetricsKey, Request, Run, ShownFlow};
use crate::app::playback::FrameSupply;
use crate::app::time_sync::nearest_frame;
use crate::data::{Stream, derive_seed};
use crate::flow::Frame;
use std::sync::Arc;

impl AppState {
    /// Frames available for `run` and whether more are coming.
    pub(crate) fn supply_of(&self, run: Run) -> FrameSupply {
        match run {
            Run::Particle => FrameSupply {
                available: self.particle.flow().trajectory.len(),
                more_coming: self.particle.more_coming(),
            },
            Run::Learned => FrameSupply {
                available: self.frames_of(Run::Learned).len(),
                more_coming: self.learned.computing(),
            },
        }
    }

    /// Frames of the timeline of the current view and whether more are coming: the frames of
    /// [`AppState::timeline_kind`].
    pub fn supply(&self) -> FrameSupply {
        self.supply_of(self.timeline_kind())
    }

    /// The flow whose frames the timeline steps through. Side by side that is the particle flow
    /// (the finer time grid, usually), or the learned flow while the particle flow has no frame;
    /// the other flow shows its frame nearest in t.
    pub fn timeline_kind(&self) -> Run {
        match self.view() {
            FlowView::Particle => Run::Particle,
            FlowView::Learned => Run::Learned,
            FlowView::Split => {
                if self.frames_of(Run::Particle).is_empty()
                    && !self.frames_of(Run::Learned).is_empty()
                {
                    Run::Learned
                } else {
                    Run::Particle
                }
            }
        }
    }

    /// The time t in [0, 1] at the timeline position (None before the first frame).
    pub fn shown_time(&self) -> Option<f64> {
        let run = self.timeline_kind();
        let index = self.timeline_index(run)?;
        self.frames_of(run).get(index).map(|frame| frame.t)
    }

    /// The frame of `run` at timeline `position`: the position itself for the timeline's flow;
    /// side by side, the other flow's frame nearest in t.
    pub(crate) fn frame_at_position(&self, run: Run, position: usize) -> Option<usize> {
        let available = self.supply_of(run).available;
        if available == 0 {
            return None;
        }
        let timeline_run = self.timeline_kind();
        if run == timeline_run {
            return Some(position.min(available - 1));
        }
        let timeline_frames = self.frames_of(timeline_run);
        let Some(frame) =
            timeline_frames.get(position.min(timeline_frames.len().saturating_sub(1)))
        else {
            return Some(position.min(available - 1));
        };
        nearest_frame(self.frames_of(run).iter().map(|f| f.t), frame.t)
    }

    /// NSGF++: the first timeline position whose learned frame lies in the straight phase
    /// (where the timeline marks the phase boundary); None when no learned flow is shown or it
    /// has no straight phase.
    pub fn phase_boundary_position(&self) -> Option<usize> {
        if self.view() == FlowView::Particle {
            return None;
        }
        let boundary = self.learned.flow()?.trajectory.boundary_frame()?;
        (0..self.supply().available).find(|&position| {
            self.frame_at_position(Run::Learned, position)
                .is_some_and(|index| index >= boundary)
        })
    }

    /// The total frames the particle flow will have when finished.
    pub fn particle_frames_expected(&self) -> usize {
        self.settings.flow.steps + 1
    }

    /// The flows the plot shows, left to right.
    pub fn shown_kinds(&self) -> &'static [Run] {
        match self.view() {
            FlowView::Particle => &[Run::Particle],
            FlowView::Learned => &[Run::Learned],
            FlowView::Split => &[Run::Particle, Run::Learned],
        }
    }

    /// The index of the frame of `run` shown at the timeline position (see
    /// `AppState::frame_at_position`).
    pub fn shown_index(&self, run: Run) -> Option<usize> {
        self.frame_at_position(run, self.playback.position())
    }

    pub(super) fn timeline_index(&self, run: Run) -> Option<usize> {
        let available = self.supply_of(run).available;
        (available > 0).then(|| self.playback.position().min(available - 1))
    }

    /// The NFE budget the learned flow is sampled with (see [`super::training::Training::effective_nfe`]).
    pub fn effective_nfe(&self) -> Option<usize> {
        self.training.effective_nfe()
    }

    /// The frame of `run` shown at the timeline position.
    pub fn shown_frame(&self, run: Run) -> Option<&Frame> {
        let index = self.shown_index(run)?;
        self.frames_of(run).get(index)
    }

    /// The flow of `run` as shown (frames, grid fields, colours), if it has begun.
    pub(crate) fn flow_of(&self, run: Run) -> Option<&ShownFlow> {
        match run {
            Run::Particle => Some(self.particle.flow()),
            Run::Learned => self.learned.flow(),
        }
    }

    /// All frames of `run`.
    pub(crate) fn frames_of(&self, run: Run) -> &[Frame] {
        self.flow_of(run)
            .map_or(&[], |flow| flow.trajectory.frames())
    }

    /// Colours by starting position of `run`'s particles.
    pub(crate) fn colors_of(&self, run: Run) -> Option<&Arc<Vec<[u8; 3]>>> {
        self.flow_of(run).map(|flow| &flow.colors)
    }

    /// The box the plot shows by default.
    pub(crate) fn extent(&self) -> Extent {
        self.particle.extent().unwrap_or(Extent {
            min: [-4.0, -4.0],
            max: [4.0, 4.0],
        })
    }

    /// Readouts of the shown frame of `run`, if requested.
    pub fn readouts(&self, run: Run) -> Option<&FrameReadouts> {
        let key = self.metrics_key(run)?;
        self.readouts.get(&key)
    }

    /// NSGF++: whether the shown learned frame lies in the straight phase.
    pub fn in_straight_phase(&self) -> bool {
        let Some(flow) = self.learned.flow() else {
            return false;
        };
        match (
            flow.trajectory.boundary_frame(),
            self.shown_index(Run::Learned),
        ) {
            (Some(boundary), Some(index)) => index >= boundary,
            _ => false,
        }
    }

    pub(super) fn metrics_key(&self, run: Run) -> Option<MetricsKey> {
        let generation = match run {
            Run::Particle => self.particle.generation(),
            Run::Learned => self.learned.generation(),
        };
        Some(MetricsKey {
            run,
            generation,
            frame: self.shown_index(run)?,
        })
    }

    /// Queues S_ε and W2 of the shown frame(s) when not yet known.
    pub(super) fn request_shown_metrics(&mut self) {
        for &run in self.shown_kinds() {
            let Some(key) = self.metrics_key(run) else {
                continue;
            };
            if self.readouts.get(&key).is_some() {
                continue;
            }
            let Some(particles) = self.shown_frame(run).map(|frame| frame.positions.clone()) else {
                continue;
            };
            let request = self.readouts.request(
                key,
                particles,
                self.target_distribution(),
                self.settings.flow.sinkhorn,
                derive_seed(self.settings.seed, Stream::Readout),
            );
            if let Some(request) = request {
                self.requests.push(Request::Metrics(request));
            }
        }
        self.readouts
            .prune(self.particle.generation(), self.learned.generation());
    }
}
