//! `nsgf eval`: exact W2 of model samples against fresh target samples, beside the noise floor.

use super::model_draw::ModelDrawArgs;
use crate::data::seeded_rng;
use crate::metrics::{exact_w2, noise_floor};
use crate::model::TrainedModel;

/// Arguments of `nsgf eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The model, n, NFE and seed.
    #[command(flatten)]
    pub draw: ModelDrawArgs,
    /// Independent draws averaged (W2 of n points fluctuates by ±20 % from draw to draw).
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
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

/// Evaluates `model` at `n` samples, averaging `repeats` independent draws of the model samples,
/// the fresh target samples and the floor's pair of target samples.
pub fn evaluate(
    model: &TrainedModel,
    n: usize,
    nfe: Option<usize>,
    seed: u64,
    repeats: usize,
) -> anyhow::Result<Evaluation> {
    if repeats == 0 {
        anyhow::bail!("--repeats must be at least 1 (got 0)");
    }
    let mut total = Evaluation {
        w2: 0.0,
        floor: 0.0,
        nfe: 0,
    };
    let bar = super::progress::bar(repeats as u64, "eval draws");
    for repeat in 0..repeats as u64 {
        let draw_seed = seed.wrapping_add(repeat.wrapping_mul(0x9e37_79b9));
        let trajectory = model.sample_trajectory(n, nfe, draw_seed)?;
        let samples = trajectory
            .end_points()
            .map(crate::flow::PointCloud::to_vec)
            .unwrap_or_default();
        let mut rng = seeded_rng(draw_seed ^ 0x7a4_6e7);
        let target_samples = model.target.sample(n, &mut rng)?;
        total.w2 += exact_w2(&samples, &target_samples)?;
        total.floor += noise_floor(&model.target, n, &mut rng)?;
        total.nfe = trajectory.nfe();
        bar.inc(1);
    }
    bar.finish_and_clear();
    total.w2 /= repeats as f64;
    total.floor /= repeats as f64;
    Ok(total)
}

/// Runs `nsgf eval`: prints the mean `w2 X`, `floor Y` and `ratio X/Y` over the repeats (and
/// the NFE used on stderr).
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let draw = &args.draw;
    draw.check(crate::limits::MAX_W2_POINTS, 8 * draw.n as u64)?;
    let model = crate::model::TrainedModel::load(&draw.model)?;
    if model.dim != 2 {
        return super::wide::eval_command(&model, draw.n, draw.nfe, draw.seed, args.repeats);
    }
    let evaluation = evaluate(&model, draw.n, draw.nfe, draw.seed, args.repeats)?;
    super::progress::note(format!("nfe {}", evaluation.nfe));
    println!("w2 {:.6}", evaluation.w2);
    println!("floor {:.6}", evaluation.floor);
    println!("ratio {:.4}", evaluation.w2 / evaluation.floor);
    Ok(())
}
