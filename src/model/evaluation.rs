//! Judging a model against held-out data in any dimension: exact W2 of its samples against
//! held-out target points beside the floor between two disjoint held-out samples, and the
//! distance of each sample to its nearest training point next to that of held-out points
//! (memorised samples sit much nearer).

use super::{ModelError, TrainedModel};
use crate::data::{Stream, stream_rng};
use crate::metrics;
use web_time::Instant;

/// How a model did against held-out data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOutEvaluation {
    /// W2 of model samples against held-out target samples.
    pub w2: f64,
    /// W2 between two disjoint held-out samples of the same size.
    pub floor: f64,
    /// Median distance of a sample to its nearest training point (NaN: the target has no
    /// fixed training set).
    pub nearest_median: f64,
    /// The same median for held-out points (what an unmemorised sample looks like).
    pub held_out_nearest_median: f64,
    /// Network evaluations.
    pub nfe: usize,
    /// Seconds to generate the samples.
    pub seconds: f64,
}

impl TrainedModel {
    /// Exact W2 of `n` samples (seeded) against `n` held-out target points, the floor between
    /// two disjoint held-out samples, and the nearest-training-point medians.
    pub fn evaluate_held_out(
        &self,
        n: usize,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<HeldOutEvaluation, ModelError> {
        let started = Instant::now();
        let samples = self.sample_cloud(n, nfe, seed)?;
        let seconds = started.elapsed().as_secs_f64();
        let mut rng = stream_rng(seed, Stream::HeldOut);
        let (held_out, floor) = metrics::held_out_and_floor(&self.target, n, &mut rng)?;
        let w2 = metrics::cloud_exact_w2(&samples, &held_out)?;
        let (nearest_median, held_out_nearest_median) = match self.target.training_points() {
            Some(training) => (
                metrics::median(&metrics::nearest_distances(&samples, &training)),
                metrics::median(&metrics::nearest_distances(&held_out, &training)),
            ),
            None => (f64::NAN, f64::NAN),
        };
        Ok(HeldOutEvaluation {
            w2,
            floor,
            nearest_median,
            held_out_nearest_median,
            nfe: nfe.unwrap_or_else(|| self.default_nfe()),
            seconds,
        })
    }
}
