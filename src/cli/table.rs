//! `nsgf table`: the paper's Table 1 protocol. For each pair of the paper's grid and each step
//! count (10, 100), one model (NSGF by default, the paper's row) trained on Sinkhorn flows of
//! that many Euler steps (η scaled so the flows cover the same time) and sampled with as many
//! steps, judged by exact W2 on 1024 test samples averaged over 5 draws, printed as a Markdown
//! table beside the noise floor and the paper's own numbers.

use super::eval::{Evaluation, evaluate};
use crate::data::Distribution;
use crate::model::{Method, TrainConfig, TrainedModel};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// The pairs of the paper's Table 1, in its column order (source, target).
pub const PAIRS: [(&str, &str); 5] = [
    ("gaussian", "cfm-8gaussians"),
    ("cfm-8gaussians", "cfm-moons"),
    ("gaussian", "cfm-moons"),
    ("gaussian", "scurve"),
    ("gaussian", "checkerboard"),
];

/// The step counts of the paper's two rows.
pub const STEPS: [usize; 2] = [10, 100];

/// The paper's NSGF row of Table 1 (Zhu et al., "Neural Sinkhorn Gradient Flow",
/// arXiv 2401.14069), W2 per pair of [`PAIRS`], at 10 and at 100 steps.
pub const PAPER_NSGF: [[f64; 5]; 2] = [
    [0.285, 0.144, 0.077, 0.117, 0.252],
    [0.278, 0.144, 0.067, 0.110, 0.147],
];

/// Arguments of `nsgf table`.
#[derive(Debug, clap::Args)]
pub struct TableArgs {
    /// The method trained on every pair (the paper's row is NSGF).
    #[arg(long, value_enum, default_value_t = Method::Nsgf)]
    pub method: Method,
    /// Test samples per draw (default: the paper's protocol, 1024; on digits 400, at most 449:
    /// the floor needs two disjoint held-out halves).
    #[arg(long)]
    pub n: Option<usize>,
    /// `digits`: the 64-dimensional table instead (NSGF at 10 and 20 NFE, NSGF++ at 7 and 10,
    /// W2 against held-out digits beside the floor, nearest-training-digit distances, training
    /// time).
    #[arg(long)]
    pub target: Option<String>,
    /// Independent draws averaged (the paper's protocol: 5).
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Seed of training and evaluation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Outer training iterations per pair (default: the method's tuned value).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// A folder to save the ten trained models into (`SOURCE-to-TARGET-STEPS.json`).
    #[arg(long)]
    pub models: Option<PathBuf>,
}

/// One pair's results: the evaluation at each of [`STEPS`] and the training time.
#[derive(Debug, Clone)]
pub struct PairResult {
    /// Source and target names.
    pub pair: (&'static str, &'static str),
    /// W2 and floor at 10 and at 100 steps.
    pub at_steps: [Evaluation; 2],
    /// Seconds of training, per step count.
    pub train_seconds: [f64; 2],
}

impl TableArgs {
    /// Test samples per draw: `--n`, or the paper's 1024.
    pub fn samples(&self) -> usize {
        self.n.unwrap_or(1024)
    }
}

/// Trains and evaluates every pair of [`PAIRS`].
pub fn run_protocol(args: &TableArgs) -> anyhow::Result<Vec<PairResult>> {
    let n = args.samples();
    if n < 2 || args.repeats == 0 {
        anyhow::bail!(
            "--n must be at least 2 and --repeats at least 1 (got {n} and {})",
            args.repeats
        );
    }
    crate::limits::check("--n", n, crate::limits::MAX_W2_POINTS, 8 * n as u64)?;
    if args.method == Method::OneStep {
        anyhow::bail!(
            "the Table 1 protocol samples at 10 and 100 steps: --method nsgf or nsgfpp (one-step \
             generators are compared by `nsgf onestep`)"
        );
    }
    if let Some(folder) = &args.models {
        std::fs::create_dir_all(folder)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", folder.display()))?;
    }
    let mut config = TrainConfig::defaults_for(args.method);
    config.seed = args.seed;
    if let Some(iterations) = args.iterations {
        config.iterations = iterations;
    }
    config.validate()?;
    // NSGF's tuned T and η; other step counts keep the flows' total time T·η.
    let (base_steps, base_eta) = (config.flow.steps, config.flow.eta);
    let cancel = AtomicBool::new(false);
    let mut results = Vec::new();
    for (index, &(source_name, target_name)) in PAIRS.iter().enumerate() {
        let source = Distribution::parse(source_name)?;
        let target = Distribution::parse(target_name)?;
        let mut at_steps = Vec::new();
        let mut train_seconds = Vec::new();
        for steps in STEPS {
            let mut config = config.clone();
            if args.method == Method::Nsgf {
                config.flow.steps = steps;
                config.flow.eta = base_eta * base_steps as f64 / steps as f64;
            }
            let what = format!(
                "{}/{} {source_name} → {target_name}, {steps} steps",
                index + 1,
                PAIRS.len()
            );
            let bar = super::progress::bar(1000, &what);
            let mut report = |progress: &crate::model::TrainProgress| {
                bar.set_position((progress.fraction_done * 1000.0).round() as u64);
            };
            let model = TrainedModel::train(&config, &source, &target, &cancel, &mut report);
            bar.finish_and_clear();
            let model = model?;
            if let Some(folder) = &args.models {
                model.save(&folder.join(format!("{source_name}-to-{target_name}-{steps}.json")))?;
            }
            let evaluation = evaluate(&model, n, Some(steps), args.seed, args.repeats)?;
            super::progress::note(format!(
                "{what}: trained in {:.1} s; W2 {:.4} at {} NFE, floor {:.4}",
                model.log.seconds, evaluation.w2, evaluation.nfe, evaluation.floor
            ));
            at_steps.push(evaluation);
            train_seconds.push(model.log.seconds);
        }
        results.push(PairResult {
            pair: (source_name, target_name),
            at_steps: [at_steps[0], at_steps[1]],
            train_seconds: [train_seconds[0], train_seconds[1]],
        });
    }
    Ok(results)
}

/// The results as a Markdown table beside the paper's row; a paper value below this protocol's
/// noise floor is marked with `*`.
pub fn markdown(results: &[PairResult], method: Method, n: usize, repeats: usize) -> String {
    let mut out = String::new();
    let header: Vec<String> = results
        .iter()
        .map(|r| format!("{} → {}", r.pair.0, r.pair.1))
        .collect();
    let _ = writeln!(
        out,
        "| W2 ({n} test samples, mean of {repeats} draws) | {} |",
        header.join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(results.len()));
    let row = |label: String, cells: Vec<String>| format!("| {label} | {} |\n", cells.join(" | "));
    for (k, steps) in STEPS.iter().enumerate() {
        out.push_str(&row(
            format!("{} here, {steps} steps", method.display_name()),
            results
                .iter()
                .map(|r| format!("{:.3}", r.at_steps[k].w2))
                .collect(),
        ));
        out.push_str(&row(
            format!("paper NSGF, {steps} steps"),
            results
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let paper = PAPER_NSGF[k][i];
                    let below = if paper < r.at_steps[k].floor { "*" } else { "" };
                    format!("{paper:.3}{below}")
                })
                .collect(),
        ));
    }
    out.push_str(&row(
        "noise floor (two target samples)".into(),
        results
            .iter()
            .map(|r| format!("{:.3}", r.at_steps[0].floor))
            .collect(),
    ));
    out.push_str(&row(
        "training time (10 / 100 steps)".into(),
        results
            .iter()
            .map(|r| format!("{:.0} / {:.0} s", r.train_seconds[0], r.train_seconds[1]))
            .collect(),
    ));
    out.push_str(
        "\nPaper: Zhu et al., \"Neural Sinkhorn Gradient Flow\", arXiv 2401.14069, Table 1 \
         (NSGF row). `*`: below the noise floor of this protocol, the W2 between two \
         independent target samples of the same size, which no generator can beat on average; \
         the paper's metric or scale must differ there.\n",
    );
    out
}

/// Runs `nsgf table` on the 2D pairs (with `--target`, `cli::run` calls `digits_table::run`).
pub fn run(args: &TableArgs) -> anyhow::Result<()> {
    let results = run_protocol(args)?;
    print!(
        "{}",
        markdown(&results, args.method, args.samples(), args.repeats)
    );
    Ok(())
}
