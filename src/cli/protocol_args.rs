//! The judging options `nsgf eval` and `nsgf table` share: W2 draws and the optional
//! Sinkhorn-divergence metric (its samples, draws and blur), turned into a [`Protocol`].

use crate::model::{PROTOCOL_DRAWS, Protocol, SinkhornMetric};

/// How models are judged, on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct ProtocolArgs {
    /// Independent draws of W2 (and as many pairs of target draws for its floor); `--repeats` is
    /// the former name.
    #[arg(long, alias = "repeats", default_value_t = PROTOCOL_DRAWS)]
    pub draws: usize,
    /// Also the debiased Sinkhorn divergence S_ε (ε = blur²) of larger samples, a second metric
    /// of lower variance than W2, beside its own floor.
    #[arg(long)]
    pub sinkhorn: bool,
    /// Samples per draw of S_ε (a finite target: at most half its held-out points).
    #[arg(long, default_value_t = SinkhornMetric::default().samples)]
    pub sinkhorn_n: usize,
    /// Draws of S_ε (and of its floor).
    #[arg(long, default_value_t = SinkhornMetric::default().draws)]
    pub sinkhorn_draws: usize,
    /// Blur σ of S_ε (ε = σ²).
    #[arg(long, default_value_t = SinkhornMetric::default().blur)]
    pub sinkhorn_blur: f64,
    /// Annealing factor of S_ε's ε-schedule, in (0, 1) (nearer 1: more iterations, nearer the
    /// converged value).
    #[arg(long, default_value_t = SinkhornMetric::default().scaling)]
    pub sinkhorn_scaling: f64,
}

impl ProtocolArgs {
    /// The protocol at `samples` W2 samples per draw, checked.
    pub(crate) fn protocol(&self, samples: usize) -> anyhow::Result<Protocol> {
        if self.draws == 0 {
            anyhow::bail!("--draws must be at least 1 (got 0)");
        }
        if self.sinkhorn && (self.sinkhorn_n < 2 || self.sinkhorn_draws == 0) {
            anyhow::bail!(
                "--sinkhorn-n must be at least 2 and --sinkhorn-draws at least 1 (got {} and {})",
                self.sinkhorn_n,
                self.sinkhorn_draws
            );
        }
        if self.sinkhorn && !(self.sinkhorn_blur.is_finite() && self.sinkhorn_blur > 0.0) {
            anyhow::bail!(
                "--sinkhorn-blur must be a finite number > 0 (got {})",
                self.sinkhorn_blur
            );
        }
        let protocol = Protocol {
            samples,
            draws: self.draws,
            sinkhorn: self.sinkhorn.then_some(SinkhornMetric {
                samples: self.sinkhorn_n,
                draws: self.sinkhorn_draws,
                blur: self.sinkhorn_blur,
                scaling: self.sinkhorn_scaling,
            }),
        };
        protocol.validate()?;
        Ok(protocol)
    }
}
