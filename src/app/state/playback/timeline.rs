//! The frames on the timeline, read-only ([`Timeline`]): which runs are shown, the frame each
//! shows at the cursor, their supply, the readouts' keys and the extent. It reads the view,
//! the cursor and both runs, and changes none of them.

use crate::app::jobs::{Extent, MetricsKey, Run, ShownFlow};
use crate::app::state::playback::time_sync::nearest_frame;
use crate::app::state::playback::{FrameSupply, Playback};
use crate::app::state::runs::{LearnedRun, ParticleRun};
use crate::app::state::view::{FlowView, ViewSettings};
use crate::flow::Frame;
use std::sync::Arc;

/// A read-only look at the view, the cursor and both runs.
#[derive(Clone, Copy)]
pub(crate) struct Timeline<'a> {
    pub(in crate::app::state) view: &'a ViewSettings,
    pub(in crate::app::state) playback: &'a Playback,
    pub(in crate::app::state) particle: &'a ParticleRun,
    pub(in crate::app::state) learned: &'a LearnedRun,
}

impl<'a> Timeline<'a> {
    fn view(&self) -> FlowView {
        self.view.view()
    }

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
    /// [`Timeline::timeline_kind`].
    pub(crate) fn supply(&self) -> FrameSupply {
        self.supply_of(self.timeline_kind())
    }

    /// The flow whose frames the timeline steps through. Side by side that is the particle flow
    /// (the finer time grid, usually), or the learned flow while the particle flow has no frame;
    /// the other flow shows its frame nearest in t.
    pub(crate) fn timeline_kind(&self) -> Run {
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
    pub(crate) fn shown_time(&self) -> Option<f64> {
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
    pub(crate) fn phase_boundary_position(&self) -> Option<usize> {
        if self.view() == FlowView::Particle {
            return None;
        }
        let boundary = self.learned.flow()?.trajectory.boundary_frame()?;
        (0..self.supply().available).find(|&position| {
            self.frame_at_position(Run::Learned, position)
                .is_some_and(|index| index >= boundary)
        })
    }

    /// The flows the plot shows, left to right.
    pub(crate) fn shown_kinds(&self) -> &'static [Run] {
        match self.view() {
            FlowView::Particle => &[Run::Particle],
            FlowView::Learned => &[Run::Learned],
            FlowView::Split => &[Run::Particle, Run::Learned],
        }
    }

    /// The index of the frame of `run` shown at the timeline position (see
    /// `Timeline::frame_at_position`).
    pub(crate) fn shown_index(&self, run: Run) -> Option<usize> {
        self.frame_at_position(run, self.playback.position())
    }

    pub(crate) fn timeline_index(&self, run: Run) -> Option<usize> {
        let available = self.supply_of(run).available;
        (available > 0).then(|| self.playback.position().min(available - 1))
    }

    /// The frame of `run` shown at the timeline position.
    pub(crate) fn shown_frame(&self, run: Run) -> Option<&'a Frame> {
        let index = self.shown_index(run)?;
        self.frames_of(run).get(index)
    }

    /// The flow of `run` as shown (frames, grid fields, colours), if it has begun.
    pub(crate) fn flow_of(&self, run: Run) -> Option<&'a ShownFlow> {
        match run {
            Run::Particle => Some(self.particle.flow()),
            Run::Learned => self.learned.flow(),
        }
    }

    /// All frames of `run`.
    pub(crate) fn frames_of(&self, run: Run) -> &'a [Frame] {
        self.flow_of(run)
            .map_or(&[], |flow| flow.trajectory.frames())
    }

    /// Colours by starting position of `run`'s particles.
    pub(crate) fn colors_of(&self, run: Run) -> Option<&'a Arc<Vec<[u8; 3]>>> {
        self.flow_of(run).map(|flow| &flow.colors)
    }

    /// The box the plot shows by default.
    pub(crate) fn extent(&self) -> Extent {
        self.particle.plot_extent()
    }

    /// NSGF++: whether the shown learned frame lies in the straight phase.
    pub(crate) fn in_straight_phase(&self) -> bool {
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

    /// The key of the shown frame of `run`'s readouts.
    pub(crate) fn metrics_key(&self, run: Run) -> Option<MetricsKey> {
        let generation = self.generation_of(run);
        Some(MetricsKey {
            run,
            generation,
            frame: self.shown_index(run)?,
        })
    }

    /// The generation of `run`'s job.
    pub(crate) fn generation_of(&self, run: Run) -> u64 {
        match run {
            Run::Particle => self.particle.generation(),
            Run::Learned => self.learned.generation(),
        }
    }
}
