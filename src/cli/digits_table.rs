//! `nsgf table --target digits`: the methods side by side in 64 dimensions. NSGF (T = 10) at 10
//! and 20 NFE, NSGF++ (T₁ = 5) at 7 and 10, and a one-step generator distilled from that NSGF++
//! model at 1, each trained once at its defaults, judged by the
//! exact W2 of `--n` samples against held-out digits beside the floor (two disjoint held-out
//! halves of the same size), mean ± standard error over `--repeats` draws, with the median
//! distance of a sample to its nearest training digit and the training time.

use super::table::TableArgs;
use super::wide::{MeanEvaluation, mean_evaluation};
use crate::data::Distribution;
use crate::model::{Method, OneStepMode, TrainConfig, TrainProgress, TrainedModel, Trainer};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Samples per draw by default (the floor takes two disjoint halves of the 898 held-out digits).
const DEFAULT_SAMPLES: usize = 400;
/// The most samples per draw: half of the held-out digits.
const MAX_SAMPLES: usize = 449;

/// One row: a method at an NFE.
struct Row {
    label: &'static str,
    nfe: usize,
    evaluation: MeanEvaluation,
    train_seconds: Option<f64>,
    /// A distilled model's teacher's training time (its whole cost is both).
    teacher_seconds: Option<f64>,
}

/// Trains NSGF, NSGF++ and a one-step generator (distilled from the NSGF++ model) on the
/// digits, evaluates them and prints the Markdown table.
pub fn run(args: &TableArgs, target: &str) -> anyhow::Result<()> {
    if target != "digits" {
        anyhow::bail!(
            "--target {target}: the table's other target is `digits` (the 2D table runs without \
             --target)"
        );
    }
    if args.method != Method::Nsgf {
        anyhow::bail!(
            "--method: the digits table trains NSGF, NSGF++ and a one-step generator all three"
        );
    }
    let n = args.n.unwrap_or(DEFAULT_SAMPLES);
    if !(2..=MAX_SAMPLES).contains(&n) || args.repeats == 0 {
        anyhow::bail!(
            "--n must lie in 2..={MAX_SAMPLES} on digits (the floor takes two disjoint halves of \
             the held-out digits) and --repeats must be at least 1 (got {n} and {})",
            args.repeats
        );
    }
    let target = Distribution::Digits;
    let source = Distribution::StandardNormal { dim: target.dim() };
    let mut rows = Vec::new();
    let mut teacher: Option<Arc<TrainedModel>> = None;
    for (method, label, nfes) in [
        (Method::Nsgf, "NSGF (T = 10)", &[10, 20][..]),
        (Method::NsgfPp, "NSGF++ (T₁ = 5)", &[7, 10][..]),
        (
            Method::OneStep,
            "one-step (distilled from NSGF++)",
            &[1][..],
        ),
    ] {
        let mut config = TrainConfig::defaults_for_dim(method, target.dim());
        config.seed = args.seed;
        config.onestep_mode = OneStepMode::Distilled;
        if let Some(iterations) = args.iterations {
            config.iterations = iterations;
        }
        let guide = (method == Method::OneStep)
            .then(|| teacher.clone())
            .flatten();
        let model = train_quietly(&config, &source, &target, guide, label)?;
        if let Some(folder) = &args.models {
            std::fs::create_dir_all(folder)?;
            model.save(&folder.join(format!("digits-{}.json", method.cli_name())))?;
        }
        if method == Method::NsgfPp {
            teacher = Some(Arc::new(model.clone()));
        }
        for (k, &nfe) in nfes.iter().enumerate() {
            let evaluation = mean_evaluation(&model, n, Some(nfe), args.seed, args.repeats)?;
            rows.push(Row {
                label,
                nfe: evaluation.mean.nfe,
                evaluation,
                train_seconds: (k == 0).then_some(model.log.seconds),
                teacher_seconds: model.guide.as_ref().map(|guide| guide.seconds),
            });
        }
    }
    print!("{}", markdown(&rows, n, args.repeats));
    Ok(())
}

/// Trains one model with a progress bar on a terminal.
fn train_quietly(
    config: &TrainConfig,
    source: &Distribution,
    target: &Distribution,
    guide: Option<Arc<TrainedModel>>,
    label: &str,
) -> anyhow::Result<TrainedModel> {
    let bar = super::progress::bar(1000, label);
    let model = Trainer::guided(config, source, target, guide)?.run(
        &AtomicBool::new(false),
        &mut |progress: &TrainProgress| {
            bar.set_position((progress.fraction_done * 1000.0).round() as u64);
        },
    );
    bar.finish_and_clear();
    Ok(model?)
}

/// The table in Markdown, with its protocol.
fn markdown(rows: &[Row], n: usize, repeats: usize) -> String {
    let mut out = String::from(
        "| model | NFE | W2 | floor | W2 / floor | nearest training digit (median) | held-out \
         digits' (median) | training |\n|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let e = &row.evaluation;
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} ± {:.3} | {:.3} ± {:.3} | {:.2} | {:.2} | {:.2} | {} |",
            row.label,
            row.nfe,
            e.mean.w2,
            e.w2_error,
            e.mean.floor,
            e.floor_error,
            e.mean.w2 / e.mean.floor,
            e.mean.nearest_median,
            e.mean.held_out_nearest_median,
            match (row.train_seconds, row.teacher_seconds) {
                (None, _) => "(same model)".to_string(),
                (Some(own), None) => format!("{own:.1} s"),
                (Some(own), Some(teacher)) => format!("{own:.1} s + teacher {teacher:.1} s"),
            },
        );
    }
    let _ = writeln!(
        out,
        "\nW2: exact assignment between {n} samples and {n} held-out digits; floor: W2 between \
         two disjoint halves of held-out digits of that size; mean ± standard error over \
         {repeats} draws. A model far below the held-out digits' nearest-training distance \
         would have memorised its training set."
    );
    out
}
