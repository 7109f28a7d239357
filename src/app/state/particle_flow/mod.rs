//! The flow slice: starting the particle flow of the current inputs and taking its job's
//! frames ([`ParticleRun`] holds what arrived).

pub(crate) mod ui;

use super::GRID_CELLS;
use crate::app::jobs::{Extent, FlowRequest, Request, WorkerEvent};
use crate::app::state::context::Context;
use crate::app::state::learning::PlotFrame;
use crate::app::state::playback::PlaybackCommand;
use crate::app::state::runs::ParticleRun;
use crate::app::state::setup::Setup;
use crate::data::Distribution;

impl ParticleRun {
    /// Drops the recorded flow and queues a new one for the inputs of `setup`; the timeline
    /// goes back to its first frame.
    pub(crate) fn start(&mut self, setup: Setup, context: &mut Context) {
        let generation = context.fresh_generation();
        self.restart(generation);
        context.send(PlaybackCommand::Rewind);
        let target = setup.target_distribution();
        if let Distribution::Points { points, .. } = &target
            && points.is_empty()
        {
            self.fail_early("the drawn target is empty");
            return;
        }
        let settings = setup.settings();
        context.request(Request::Flow(FlowRequest {
            generation,
            source: setup.source_distribution(),
            target,
            particles: settings.particles,
            seed: settings.seed,
            config: settings.flow,
            solver: settings.solver,
            grid_cells: GRID_CELLS,
            cancel: self.cancel_token(),
        }));
    }

    /// The flow job's events: frames of the current run extend it, a superseded run's are
    /// dropped.
    pub(crate) fn on_event(&mut self, event: WorkerEvent, context: &mut Context) {
        let current = self.generation();
        match event {
            WorkerEvent::FlowStarted {
                generation,
                target,
                colors,
                extent,
                grid,
                projection,
            } if generation == current => self.started(target, colors, extent, grid, projection),
            WorkerEvent::FlowFrame {
                generation,
                frame,
                grid_field,
            } if generation == current => self.push(frame, grid_field),
            WorkerEvent::FlowFinished { generation } if generation == current => self.finish(),
            WorkerEvent::FlowFailed { generation, error } if generation == current => {
                context.fail(format!("particle flow stopped: {}", error.describe()));
                self.fail(&error);
            }
            // A superseded run's events (the router sends no other kind here).
            _ => {}
        }
    }

    /// The box the plot shows by default: the flow's, or [-4, 4]² before it has one.
    pub(crate) fn plot_extent(&self) -> Extent {
        self.extent().unwrap_or(Extent {
            min: [-4.0, -4.0],
            max: [4.0, 4.0],
        })
    }

    /// Where the learned flow is drawn to compare with this one.
    pub(crate) fn plot_frame(&self) -> PlotFrame {
        PlotFrame {
            extent: self.plot_extent(),
            projection: self.flow().projection.clone(),
        }
    }
}
