//! What `nsgf sample` and `nsgf eval` share: which model, how many samples, the NFE and the seed.

use crate::limits;
use std::path::PathBuf;

/// The model and the draw from it, on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelDrawArgs {
    /// The model file written by `nsgf train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Number of samples (for `eval`, of the target too).
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Network evaluations (NSGF++: the total budget of both phases); default: the model's.
    #[arg(long)]
    pub nfe: Option<usize>,
    /// Random seed of the source samples (`eval`: target samples and the floor use derived
    /// streams).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl ModelDrawArgs {
    /// Checks `--n` against `max_n` (the cloud limit, or W2's for `eval`) and `--nfe`.
    pub(crate) fn check(&self, max_n: usize, bytes_per_n: u64) -> anyhow::Result<()> {
        limits::check("--n", self.n, max_n, bytes_per_n)?;
        if let Some(nfe) = self.nfe {
            limits::check("--nfe", nfe, limits::MAX_STEPS, 0)?;
        }
        Ok(())
    }
}
