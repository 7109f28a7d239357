//! `nsgf onestep`: one-step generators against NSGF at 10 NFE. For each target: NSGF with its
//! tuned defaults (the teacher), a generator distilled from it, a direct generator (no teacher),
//! and the distilled generator refined by the direct mode; each judged by exact W2 against fresh
//! target samples beside the noise floor, with its training time, as a Markdown table.

use crate::data::Distribution;
use crate::model::{
    Method, OneStepMode, Protocol, TrainConfig, TrainProgress, TrainedModel, judge_floor,
};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The targets of the comparison by default.
pub(crate) const DEFAULT_TARGETS: [&str; 3] = ["moons", "8gaussians", "checkerboard"];

/// Arguments of `nsgf onestep`.
#[derive(Debug, clap::Args)]
pub struct OnestepArgs {
    /// The source of every run.
    #[arg(long, default_value = "gaussian")]
    pub source: String,
    /// The targets, comma-separated (presets or CSV files).
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_TARGETS.map(String::from))]
    pub targets: Vec<String>,
    /// Test samples per draw.
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Independent draws averaged.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Seed of training and evaluation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Outer iterations of every one-step run (default: the tuned value).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Outer iterations of the NSGF teacher (default: the tuned value).
    #[arg(long)]
    pub teacher_iterations: Option<usize>,
    /// A folder to save every trained model into (`TARGET-KIND.json`).
    #[arg(long)]
    pub models: Option<PathBuf>,
}

/// A model's mean W2 and floor over the draws, at its NFE.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Evaluation {
    /// The mean W2 against fresh target samples.
    pub w2: f64,
    /// The mean W2 between two independent target samples.
    pub floor: f64,
    /// Network evaluations.
    pub nfe: usize,
}

/// `model` judged on the protocol at `n` samples and `draws` draws (no Sinkhorn divergence).
fn evaluate(model: &TrainedModel, n: usize, seed: u64, draws: usize) -> anyhow::Result<Evaluation> {
    let protocol = Protocol {
        samples: n,
        draws,
        sinkhorn: None,
    };
    let judgement = model.judge(&protocol, None, seed)?;
    let floor = judge_floor(&model.target, &protocol, seed)?;
    Ok(Evaluation {
        w2: judgement.w2.mean,
        floor: floor.w2.mean,
        nfe: judgement.nfe,
    })
}

/// One trained model of the comparison and how it did.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The target.
    pub target: String,
    /// What was trained ("NSGF", "one-step, distilled", …).
    pub kind: &'static str,
    /// W2, floor and NFE.
    pub evaluation: Evaluation,
    /// Seconds of training of this model alone.
    pub seconds: f64,
    /// Seconds of training of the models it learned from (teacher, start).
    pub guide_seconds: f64,
}

/// What each run of a target is: its label, method, mode and which earlier run guides it.
const RUNS: [(&str, Method, OneStepMode, Option<usize>); 4] = [
    ("NSGF (teacher)", Method::Nsgf, OneStepMode::Direct, None),
    (
        "one-step, distilled",
        Method::OneStep,
        OneStepMode::Distilled,
        Some(0),
    ),
    (
        "one-step, direct",
        Method::OneStep,
        OneStepMode::Direct,
        None,
    ),
    (
        "one-step, distilled + direct",
        Method::OneStep,
        OneStepMode::Direct,
        Some(1),
    ),
];

/// Trains and evaluates every run on every target.
pub(crate) fn run_comparison(args: &OnestepArgs) -> anyhow::Result<Vec<Entry>> {
    check_args(args)?;
    if let Some(folder) = &args.models {
        std::fs::create_dir_all(folder)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", folder.display()))?;
    }
    let source = Distribution::parse(&args.source)?;
    let targets = args
        .targets
        .iter()
        .map(|spec| Ok((spec.clone(), Distribution::parse(spec)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cancel = AtomicBool::new(false);
    let mut entries = Vec::new();
    for (index, (name, target)) in targets.iter().enumerate() {
        let mut trained: Vec<Arc<TrainedModel>> = Vec::new();
        for (label, method, mode, guide) in RUNS {
            let config = run_config(args, method, mode);
            let guide = guide.map(|k| Arc::clone(&trained[k]));
            let what = format!("{}/{} {name}: {label}", index + 1, targets.len());
            let model = train_with_bar(&config, &source, target, guide.clone(), &cancel, &what)?;
            if let Some(folder) = &args.models {
                let file = Distribution::parse(name)
                    .map_or_else(|_| format!("target{index}"), |t| t.label());
                model.save(&folder.join(format!("{file}-{}.json", slug(label))))?;
            }
            let evaluation = evaluate(&model, args.n, args.seed, args.repeats)?;
            let guide_seconds = guide.as_deref().map_or(0.0, |g| {
                g.log.seconds + g.guide.as_ref().map_or(0.0, |h| h.seconds)
            });
            super::progress::note(format!(
                "{what}: trained in {:.1} s; W2 {:.4} at {} NFE, floor {:.4}",
                model.log.seconds, evaluation.w2, evaluation.nfe, evaluation.floor
            ));
            entries.push(Entry {
                target: name.clone(),
                kind: label,
                evaluation,
                seconds: model.log.seconds,
                guide_seconds,
            });
            trained.push(Arc::new(model));
        }
    }
    Ok(entries)
}

/// Fails, naming the values, unless `--n` is at least 2 (and within the exact W2's size
/// limit), `--repeats` at least 1 and `--targets` names one.
fn check_args(args: &OnestepArgs) -> anyhow::Result<()> {
    if args.n < 2 || args.repeats == 0 || args.targets.is_empty() {
        anyhow::bail!(
            "--n must be at least 2, --repeats at least 1 and --targets name one (got {}, {}, {})",
            args.n,
            args.repeats,
            args.targets.len()
        );
    }
    crate::limits::check(
        "--n",
        args.n,
        crate::limits::MAX_W2_POINTS,
        8 * args.n as u64,
    )?;
    Ok(())
}

/// The training configuration of one run: `method`'s defaults in `mode` at the comparison's
/// seed, with `--iterations` (one-step runs) or `--teacher-iterations` (the others) where given.
fn run_config(args: &OnestepArgs, method: Method, mode: OneStepMode) -> TrainConfig {
    let mut config = TrainConfig::defaults_for(method);
    config.seed = args.seed;
    config.onestep_mode = mode;
    let iterations = match method {
        Method::OneStep => args.iterations,
        _ => args.teacher_iterations,
    };
    if let Some(iterations) = iterations {
        config.iterations = iterations;
    }
    config
}

/// Trains one run (guided by `guide` where it learns from an earlier one) behind a progress bar
/// labelled `what`, cleared when training ends.
fn train_with_bar(
    config: &TrainConfig,
    source: &Distribution,
    target: &Distribution,
    guide: Option<Arc<TrainedModel>>,
    cancel: &AtomicBool,
    what: &str,
) -> anyhow::Result<TrainedModel> {
    let bar = super::progress::bar(1000, what);
    let mut report = |progress: &TrainProgress| {
        bar.set_position((progress.fraction_done * 1000.0).round() as u64);
    };
    let model = TrainedModel::train_guided(config, source, target, guide, cancel, &mut report);
    bar.finish_and_clear();
    Ok(model?)
}

/// A run's label as a file-name part: its ASCII letters and digits, the runs of anything else
/// turned into one hyphen ("one-step, distilled" → "one-step-distilled").
fn slug(label: &str) -> String {
    label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The comparison as a Markdown table.
pub(crate) fn markdown(entries: &[Entry], n: usize, repeats: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| target | model | NFE | W2 ({n} samples, mean of {repeats}) | floor | W2 / floor | \
         training |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for entry in entries {
        let e = &entry.evaluation;
        let training = if entry.guide_seconds > 0.0 {
            format!(
                "{:.0} s (+ {:.0} s before)",
                entry.seconds, entry.guide_seconds
            )
        } else {
            format!("{:.0} s", entry.seconds)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.3} | {:.3} | {:.2} | {training} |",
            entry.target,
            entry.kind,
            e.nfe,
            e.w2,
            e.floor,
            e.w2 / e.floor
        );
    }
    out.push_str(
        "\nW2 by exact assignment against fresh target samples; the floor is the W2 between two \
         independent target samples of the same size. \"before\": the training time of the \
         models a run learned from (its teacher, its starting generator).\n",
    );
    out
}

/// Runs `nsgf onestep`.
pub(crate) fn run(args: &OnestepArgs) -> anyhow::Result<()> {
    let entries = run_comparison(args)?;
    print!("{}", markdown(&entries, args.n, args.repeats));
    Ok(())
}
