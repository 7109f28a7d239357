//! `nsgf eval`: a model judged on the one protocol: exact W2 of `--n` samples against fresh
//! (held-out) target points over `--draws` draws beside the floor of as many pairs of target
//! draws, each as mean ± standard error; optionally the Sinkhorn divergence S_ε; models of the
//! same method trained with other seeds pooled with their seed-to-seed spread.

use super::model_draw::ModelDrawArgs;
use super::protocol_args::ProtocolArgs;
use crate::data::{Stream, derive_seed};
use crate::metrics::{Estimate, compare};
use crate::model::{Judgement, Protocol, TrainedModel, judge_floor};
use std::path::PathBuf;

/// Arguments of `nsgf eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The model, n, NFE and seed.
    #[command(flatten)]
    pub draw: ModelDrawArgs,
    /// Draws and the second metric.
    #[command(flatten)]
    pub protocol: ProtocolArgs,
    /// The same method on the same pair trained with other seeds (comma-separated model files):
    /// the figures pool every seed and give the seed-to-seed spread.
    #[arg(long, value_delimiter = ',')]
    pub seed_models: Vec<PathBuf>,
}

/// Judges every model (one per training seed) and the target's floor; the draws of model k are
/// seeded by [`Stream::SeedModelJudging`]`(k)` (`seed + k + 1`), the floor's by `seed`.
pub(crate) fn judge_seeds(
    models: &[TrainedModel],
    protocol: &Protocol,
    nfe: Option<usize>,
    seed: u64,
) -> anyhow::Result<(Vec<Judgement>, crate::model::Floor)> {
    let Some(first) = models.first() else {
        anyhow::bail!("no model to judge");
    };
    for other in &models[1..] {
        if other.method != first.method || other.target != first.target || other.dim != first.dim {
            anyhow::bail!(
                "--seed-models: every model must be the same method on the same target ({} on \
                 {}; got {} on {})",
                first.method.display_name(),
                first.target.label(),
                other.method.display_name(),
                other.target.label()
            );
        }
    }
    let bar = super::progress::bar(models.len() as u64 + 1, "eval");
    let floor = judge_floor(&first.target, protocol, seed)?;
    bar.inc(1);
    let judgements = models
        .iter()
        .enumerate()
        .map(|(k, model)| {
            let judgement = model.judge(
                protocol,
                nfe,
                derive_seed(seed, Stream::SeedModelJudging(k)),
            );
            bar.inc(1);
            judgement
        })
        .collect::<Result<Vec<_>, _>>()?;
    bar.finish_and_clear();
    Ok((judgements, floor))
}

/// ε = blur² without the float noise of the square (0.01, not 0.010000000000000002).
pub(crate) fn format_eps(eps: f64) -> String {
    let text = format!("{eps:.8}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Runs `nsgf eval`: prints `w2 MEAN ± SE`, `floor MEAN ± SE`, `ratio`, the comparison of W2
/// with its floor, with `--sinkhorn` the divergence and its floor, with `--seed-models` each
/// seed's W2 and their spread; d ≠ 2 adds the nearest-training-point medians.
pub(crate) fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let draw = &args.draw;
    draw.check(crate::limits::MAX_W2_POINTS, 8 * draw.n as u64)?;
    let protocol = args.protocol.protocol(draw.n)?;
    let mut models = vec![TrainedModel::load(&draw.model)?];
    for path in &args.seed_models {
        models.push(TrainedModel::load(path)?);
    }
    let (judgements, floor) = judge_seeds(&models, &protocol, draw.nfe, draw.seed)?;
    super::progress::note(format!(
        "nfe {}, {} draws of {} samples, {} model(s)",
        judgements[0].nfe,
        protocol.draws,
        protocol.samples,
        models.len()
    ));
    let w2 = Estimate::pooled(&judgements.iter().map(|j| j.w2).collect::<Vec<_>>());
    println!("draws {}", protocol.draws);
    println!("w2 {w2:.6}");
    println!("floor {:.6}", floor.w2);
    println!("ratio {:.4}", w2.mean / floor.w2.mean);
    println!("w2_vs_floor {}", compare(&w2, &floor.w2));
    if models.len() > 1 {
        let per_seed: Vec<String> = judgements
            .iter()
            .map(|j| format!("{:.4}", j.w2.mean))
            .collect();
        println!(
            "seeds {} (w2 per seed {}; seed-to-seed sd {:.4})",
            models.len(),
            per_seed.join(", "),
            w2.spread
        );
    }
    if let (Some(metric), Some(floor_s)) = (&protocol.sinkhorn, floor.sinkhorn) {
        let per_seed: Vec<Estimate> = judgements.iter().filter_map(|j| j.sinkhorn).collect();
        let divergence = Estimate::pooled(&per_seed);
        println!(
            "sinkhorn_eps {} (blur {}, scaling {}, n {}, {} draws)",
            format_eps(metric.eps()),
            metric.blur,
            metric.scaling,
            metric.samples_for(&models[0].target),
            metric.draws
        );
        println!("sinkhorn {divergence:.6}");
        println!("sinkhorn_floor {floor_s:.6}");
    }
    if models[0].dim != 2 {
        let mean = |pick: fn(&Judgement) -> f64| {
            judgements.iter().map(pick).sum::<f64>() / judgements.len() as f64
        };
        println!("nearest_training_median {:.6}", mean(|j| j.nearest_median));
        println!(
            "held_out_nearest_training_median {:.6}",
            mean(|j| j.held_out_nearest_median)
        );
    }
    Ok(())
}
