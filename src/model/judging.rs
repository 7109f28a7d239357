//! The one protocol every model is judged on (`nsgf eval`, `nsgf table`): W2 by exact
//! assignment of `samples` model samples against as many fresh (held-out) target points, over
//! `draws` independent draws, beside the floor from as many pairs of independent target draws;
//! each as a mean with its standard error. Beside it, optionally, a lower-variance second
//! metric: the debiased Sinkhorn divergence S_ε of larger samples on the crate's own kernels,
//! with its own floor. Seeds of training are pooled by [`Estimate::pooled`].

use super::{ModelError, TrainedModel};
use crate::PointCloud;
use crate::data::{Distribution, Stream, derive_seed, stream_rng};
use crate::metrics::{self, Estimate};
use crate::ot::{Precision, SinkhornParams, cloud_divergence};

/// Samples per draw of the protocol's W2.
pub const PROTOCOL_SAMPLES: usize = 1000;
/// Draws of the protocol's W2 (and of its floor).
pub const PROTOCOL_DRAWS: usize = 20;
/// Training seeds the table pools by default.
pub const PROTOCOL_SEEDS: usize = 3;

/// The second metric: S_ε at ε = blur² between `samples` model samples and as many target points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SinkhornMetric {
    /// Samples per draw (10,000 by default; at most half the held-out points of a finite target).
    pub samples: usize,
    /// Independent draws (and as many floor draws).
    pub draws: usize,
    /// The blur σ; ε = σ².
    pub blur: f64,
    /// The annealing factor of the ε-schedule.
    pub scaling: f64,
}

impl Default for SinkhornMetric {
    /// n = 10,000, 3 draws, blur 0.1 (ε = 0.01), scaling 0.5.
    fn default() -> Self {
        Self {
            samples: 10_000,
            draws: 3,
            blur: 0.1,
            scaling: 0.5,
        }
    }
}

impl SinkhornMetric {
    /// The entropic regularisation ε = blur².
    pub fn eps(&self) -> f64 {
        self.blur * self.blur
    }

    /// The samples per draw for `target`: `samples`, or half its held-out points if fewer.
    pub(crate) fn samples_for(&self, target: &Distribution) -> usize {
        target
            .most_judged()
            .map_or(self.samples, |most| self.samples.min(most))
    }
}

/// How a model is judged: W2 of `samples` points over `draws` draws, and optionally S_ε.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    /// Samples per W2 draw ([`PROTOCOL_SAMPLES`]).
    pub samples: usize,
    /// W2 draws ([`PROTOCOL_DRAWS`]).
    pub draws: usize,
    /// The Sinkhorn-divergence metric, if asked for.
    pub sinkhorn: Option<SinkhornMetric>,
}

impl Default for Protocol {
    /// n = 1000, 20 draws, no Sinkhorn divergence.
    fn default() -> Self {
        Self {
            samples: PROTOCOL_SAMPLES,
            draws: PROTOCOL_DRAWS,
            sinkhorn: None,
        }
    }
}

impl Protocol {
    /// Checks the sizes, naming the bad one.
    pub(crate) fn validate(&self) -> Result<(), ModelError> {
        if self.samples < 2 || self.draws == 0 {
            return Err(ModelError::Invalid(format!(
                "the protocol needs at least 2 samples and 1 draw (got n = {} and {} draws)",
                self.samples, self.draws
            )));
        }
        crate::limits::check(
            "samples",
            self.samples,
            crate::limits::MAX_W2_POINTS,
            8 * self.samples as u64,
        )?;
        if let Some(sinkhorn) = &self.sinkhorn {
            if sinkhorn.samples < 2 || sinkhorn.draws == 0 {
                return Err(ModelError::Invalid(format!(
                    "the Sinkhorn divergence needs at least 2 samples and 1 draw (got n = {} and \
                     {} draws)",
                    sinkhorn.samples, sinkhorn.draws
                )));
            }
            crate::limits::check(
                "Sinkhorn samples",
                sinkhorn.samples,
                crate::limits::MAX_POINTS,
                crate::limits::BYTES_PER_POINT,
            )?;
            SinkhornParams {
                blur: sinkhorn.blur,
                scaling: sinkhorn.scaling,
            }
            .validate()?;
        }
        Ok(())
    }
}

/// A model's figures under a [`Protocol`] (one training seed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// W2 over the draws.
    pub w2: Estimate,
    /// S_ε over its draws, if the protocol asks for it.
    pub sinkhorn: Option<Estimate>,
    /// Network evaluations per sample.
    pub nfe: usize,
    /// The mean median distance of a sample to its nearest training point (NaN: no fixed
    /// training set).
    pub nearest_median: f64,
    /// The same median for held-out points.
    pub held_out_nearest_median: f64,
}

/// The floor of a target under a [`Protocol`]: the same figures between two independent
/// target samples (two disjoint held-out halves for a finite target).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Floor {
    /// W2 between two target samples of `samples` points, over `draws` pairs.
    pub w2: Estimate,
    /// S_ε between two target samples, if the protocol asks for it.
    pub sinkhorn: Option<Estimate>,
}

impl TrainedModel {
    /// Judges the model at `nfe` (default: the model's) under `protocol`, its draws seeded from
    /// `seed`: W2 from [`TrainedModel::evaluate_held_out`] per draw, S_ε per draw on
    /// [`cloud_divergence`] (f64).
    pub fn judge(
        &self,
        protocol: &Protocol,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<Judgement, ModelError> {
        protocol.validate()?;
        let draws = (0..protocol.draws)
            .map(|draw| {
                self.evaluate_held_out(
                    protocol.samples,
                    nfe,
                    derive_seed(seed, Stream::JudgingDraw(draw)),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let of = |pick: fn(&super::HeldOutEvaluation) -> f64| {
            Estimate::of(&draws.iter().map(pick).collect::<Vec<_>>())
        };
        let sinkhorn = match &protocol.sinkhorn {
            Some(metric) => Some(self.sinkhorn_draws(metric, nfe, seed)?),
            None => None,
        };
        Ok(Judgement {
            w2: of(|e| e.w2),
            sinkhorn,
            nfe: draws[0].nfe,
            nearest_median: of(|e| e.nearest_median).mean,
            held_out_nearest_median: of(|e| e.held_out_nearest_median).mean,
        })
    }

    /// S_ε between model samples and fresh target points over the metric's draws.
    fn sinkhorn_draws(
        &self,
        metric: &SinkhornMetric,
        nfe: Option<usize>,
        seed: u64,
    ) -> Result<Estimate, ModelError> {
        let n = metric.samples_for(&self.target);
        let values = (0..metric.draws)
            .map(|draw| {
                let seed = derive_seed(seed, Stream::SinkhornDraw(draw));
                let samples = self.sample_cloud(n, nfe, seed)?;
                let mut rng = stream_rng(seed, Stream::SinkhornDrawTarget);
                let target = self.target.held_out(n, &mut rng)?;
                divergence(&samples, &target, metric)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Estimate::of(&values))
    }
}

/// The floor of `target` under `protocol`, its draws seeded from `seed`.
pub fn judge_floor(
    target: &Distribution,
    protocol: &Protocol,
    seed: u64,
) -> Result<Floor, ModelError> {
    protocol.validate()?;
    let w2 = (0..protocol.draws)
        .map(|draw| {
            let mut rng = stream_rng(seed, Stream::FloorDraw(draw));
            Ok(metrics::held_out_and_floor(target, protocol.samples, &mut rng)?.1)
        })
        .collect::<Result<Vec<_>, ModelError>>()?;
    let sinkhorn = match &protocol.sinkhorn {
        Some(metric) => {
            let n = metric.samples_for(target);
            let values = (0..metric.draws)
                .map(|draw| {
                    let mut rng = stream_rng(seed, Stream::FloorSinkhornDraw(draw));
                    let (first, second) = metrics::two_held_out_samples(target, n, &mut rng)?;
                    divergence(&first, &second, metric)
                })
                .collect::<Result<Vec<_>, ModelError>>()?;
            Some(Estimate::of(&values))
        }
        None => None,
    };
    Ok(Floor {
        w2: Estimate::of(&w2),
        sinkhorn,
    })
}

/// S_ε(x, y) at the metric's blur and scaling, f64.
fn divergence(x: &PointCloud, y: &PointCloud, metric: &SinkhornMetric) -> Result<f64, ModelError> {
    let params = SinkhornParams {
        blur: metric.blur,
        scaling: metric.scaling,
    };
    Ok(cloud_divergence(x, y, &params, Precision::F64)?)
}
