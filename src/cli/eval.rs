//! `nsgf eval`: exact W2 of model samples against fresh target samples, beside the noise floor.

use crate::data::seeded_rng;
use crate::metrics::{exact_w2, noise_floor};
use crate::model::TrainedModel;
use std::path::PathBuf;

/// Arguments of `nsgf eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The model file written by `nsgf train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Number of samples (model and target alike).
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Network evaluations (NSGF++: the total budget of both phases); default: the model's.
    #[arg(long)]
    pub nfe: Option<usize>,
    /// Random seed: model samples use it, target samples and the floor derived streams.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// W2 of model samples against fresh target samples.
    pub w2: f64,
    /// W2 between two independent target samples of the same size.
    pub floor: f64,
    /// Network evaluations used.
    pub nfe: usize,
}

/// Evaluates `model` at `n` samples.
pub fn evaluate(
    model: &TrainedModel,
    n: usize,
    nfe: Option<usize>,
    seed: u64,
) -> anyhow::Result<Evaluation> {
    let trajectory = model.sample_trajectory(n, nfe, seed)?;
    let samples = trajectory.frames.last().cloned().unwrap_or_default();
    let mut rng = seeded_rng(seed ^ 0x7a4_6e7);
    let target_samples = model.target.sample(n, &mut rng)?;
    let w2 = exact_w2(&samples, &target_samples)?;
    let floor = noise_floor(&model.target, n, &mut rng)?;
    Ok(Evaluation {
        w2,
        floor,
        nfe: trajectory.nfe,
    })
}

/// Runs `nsgf eval`: prints `w2 X`, `floor Y`, `ratio X/Y` (and the NFE used on stderr).
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let model = TrainedModel::load(&args.model)?;
    let evaluation = evaluate(&model, args.n, args.nfe, args.seed)?;
    eprintln!("nfe {}", evaluation.nfe);
    println!("w2 {:.6}", evaluation.w2);
    println!("floor {:.6}", evaluation.floor);
    println!("ratio {:.4}", evaluation.w2 / evaluation.floor);
    Ok(())
}
