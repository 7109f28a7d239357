//! S_ε and W2 of the shown frames: what was asked for, what came back, and the requests still
//! pending (a newer frame of the same flow cancels an older request).

use super::context::Context;
use super::playback::timeline::Timeline;
use super::setup::Setup;
use crate::app::jobs::{MetricsKey, MetricsRequest, Request, Run};
use crate::data::{Distribution, Stream, derive_seed};
use crate::flow::PointCloud;
use crate::job::{CancelToken, JobError};
use crate::ot::SinkhornParams;
use std::collections::HashMap;

/// Exact W2 is O(n³): readouts skip it above this many particles.
pub const MAX_W2_PARTICLES: usize = 2000;

/// Readouts kept before those of superseded flows are forgotten.
const KEPT_READOUTS: usize = 4096;

/// A readout of one frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Readout {
    /// Being computed.
    Pending,
    /// The value.
    Value(f64),
    /// Not computed (too large, or failed): the reason.
    Unavailable(String),
}

/// S_ε and W2 of one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameReadouts {
    /// S_ε to the target.
    pub divergence: Readout,
    /// W2 to a fresh target sample.
    pub w2: Readout,
}

/// Every readout asked for, by frame.
#[derive(Debug, Clone, Default)]
pub(crate) struct Readouts {
    values: HashMap<MetricsKey, FrameReadouts>,
    last_request: Option<MetricsKey>,
    cancels: HashMap<Run, CancelToken>,
}

impl Readouts {
    /// The readouts of frame `key`, if asked for.
    pub(crate) fn get(&self, key: &MetricsKey) -> Option<&FrameReadouts> {
        self.values.get(key)
    }

    /// Whether the latest request is still being computed.
    pub(crate) fn pending(&self) -> bool {
        self.last_request
            .and_then(|key| self.values.get(&key))
            .is_some_and(|r| r.divergence == Readout::Pending || r.w2 == Readout::Pending)
    }

    /// The request for frame `key` (its readouts become pending; a pending request of the same
    /// flow is cancelled), or None when it was asked for already.
    pub(crate) fn request(
        &mut self,
        key: MetricsKey,
        particles: PointCloud,
        target: Distribution,
        params: SinkhornParams,
        seed: u64,
    ) -> Option<MetricsRequest> {
        if self.values.contains_key(&key) {
            return None;
        }
        let cancel = CancelToken::new();
        if let Some(previous) = self.cancels.insert(key.run, cancel.clone()) {
            previous.cancel();
        }
        self.values.insert(
            key,
            FrameReadouts {
                divergence: Readout::Pending,
                w2: Readout::Pending,
            },
        );
        self.last_request = Some(key);
        Some(MetricsRequest {
            key,
            particles,
            target,
            params,
            seed,
            cancel,
        })
    }

    /// The values of frame `key` arrived (W2 None: the set was too large for the exact solver).
    pub(crate) fn record(
        &mut self,
        key: MetricsKey,
        divergence: Result<f64, JobError>,
        w2: Option<Result<f64, JobError>>,
    ) {
        let to_readout = |result: Result<f64, JobError>| match result {
            Ok(value) => Readout::Value(value),
            Err(error) => Readout::Unavailable(error.describe()),
        };
        let w2 = match w2 {
            Some(result) => to_readout(result),
            None => Readout::Unavailable(format!("n > {MAX_W2_PARTICLES}")),
        };
        self.values.insert(
            key,
            FrameReadouts {
                divergence: to_readout(divergence),
                w2,
            },
        );
    }

    /// A request was cancelled before it was computed: its readouts are no longer pending, so
    /// they are asked for again when shown.
    pub(crate) fn skipped(&mut self, key: MetricsKey) {
        if self
            .values
            .get(&key)
            .is_some_and(|r| r.divergence == Readout::Pending)
        {
            self.values.remove(&key);
        }
    }

    /// Forgets the readouts of superseded flows once many are kept.
    pub(crate) fn prune(&mut self, particle_generation: u64, learned_generation: u64) {
        if self.values.len() > KEPT_READOUTS {
            self.values.retain(|key, _| match key.run {
                Run::Particle => key.generation == particle_generation,
                Run::Learned => key.generation == learned_generation,
            });
        }
    }
}

impl Readouts {
    /// Queues S_ε and W2 of the shown frame(s) when not yet known, then forgets superseded
    /// flows' readouts once many are kept.
    pub(crate) fn request_shown(
        &mut self,
        timeline: Timeline,
        setup: Setup,
        context: &mut Context,
    ) {
        for &run in timeline.shown_kinds() {
            let Some(key) = timeline.metrics_key(run) else {
                continue;
            };
            if self.get(&key).is_some() {
                continue;
            }
            let Some(particles) = timeline
                .shown_frame(run)
                .map(|frame| frame.positions.clone())
            else {
                continue;
            };
            let settings = setup.settings();
            let request = self.request(
                key,
                particles,
                setup.target_distribution(),
                settings.flow.sinkhorn,
                derive_seed(settings.seed, Stream::Readout),
            );
            if let Some(request) = request {
                context.request(Request::Metrics(request));
            }
        }
        self.prune(
            timeline.generation_of(Run::Particle),
            timeline.generation_of(Run::Learned),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Preset;

    fn key(frame: usize) -> MetricsKey {
        MetricsKey {
            run: Run::Particle,
            generation: 1,
            frame,
        }
    }

    #[test]
    fn a_newer_request_cancels_the_pending_one_and_a_skip_asks_again() {
        let mut readouts = Readouts::default();
        let ask = |readouts: &mut Readouts, frame| {
            readouts.request(
                key(frame),
                PointCloud::from_points(&[[0.0, 0.0]]),
                Distribution::Preset(Preset::Moons),
                SinkhornParams::default(),
                0,
            )
        };
        let first = ask(&mut readouts, 0).expect("a request");
        assert!(readouts.pending());
        assert!(ask(&mut readouts, 0).is_none(), "asked once");
        let second = ask(&mut readouts, 1).expect("a request");
        assert!(first.cancel.is_cancelled());
        assert!(!second.cancel.is_cancelled());
        readouts.skipped(key(0));
        assert!(readouts.get(&key(0)).is_none());
        readouts.record(key(1), Ok(0.5), None);
        assert!(!readouts.pending());
        assert_eq!(
            readouts.get(&key(1)).map(|r| r.w2.clone()),
            Some(Readout::Unavailable(format!("n > {MAX_W2_PARTICLES}")))
        );
    }
}
