//! `nsgf table`: the methods side by side on the one protocol. For each pair (by default the
//! paper's Table 1 pairs) and each of `--seeds` training seeds, every method of `--methods` is
//! trained at its defaults (NSGF twice: flows of 10 and of 100 Euler steps, η scaled to cover
//! the same time) and sampled at the NFEs that apply to it (flow matching at 1, 2, 5, 10 and
//! 100; NSGF++ at 7 and 10; a one-step generator at 1); each row is judged by W2 of `--n`
//! samples over `--draws` draws, pooled over the seeds, beside the pair's floor, optionally the
//! Sinkhorn divergence, the verdict against OT-CFM at 100 NFE and the paper's number where it
//! has one. `--target digits` runs the same table in 64 dimensions (`cli::digits_table`).

use super::protocol_args::ProtocolArgs;
use super::table_markdown::{PairTable, Row};
use crate::data::{Distribution, Stream, derive_seed};
use crate::metrics::Estimate;
use crate::model::{
    Judgement, Method, PROTOCOL_SAMPLES, PROTOCOL_SEEDS, Protocol, TrainConfig, TrainProgress,
    TrainedModel, Trainer, judge_floor,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The pairs of the paper's Table 1, in its column order (source, target).
pub(crate) const PAIRS: [(&str, &str); 5] = [
    ("gaussian", "cfm-8gaussians"),
    ("cfm-8gaussians", "cfm-moons"),
    ("gaussian", "cfm-moons"),
    ("gaussian", "scurve"),
    ("gaussian", "checkerboard"),
];

/// The step counts of the paper's two NSGF rows.
pub(crate) const STEPS: [usize; 2] = [10, 100];

/// The NFEs a flow-matching model is sampled at.
pub(crate) const FLOW_MATCHING_NFES: [usize; 5] = [1, 2, 5, 10, 100];

/// The paper's NSGF row of Table 1 (Zhu et al., "Neural Sinkhorn Gradient Flow",
/// arXiv 2401.14069), W2 per pair of [`PAIRS`], at 10 and at 100 steps.
pub(crate) const PAPER_NSGF: [[f64; 5]; 2] = [
    [0.285, 0.144, 0.077, 0.117, 0.252],
    [0.278, 0.144, 0.067, 0.110, 0.147],
];

/// Arguments of `nsgf table`.
#[derive(Debug, clap::Args)]
pub struct TableArgs {
    /// The methods, comma-separated, in the table's order.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Method::ALL)]
    pub methods: Vec<Method>,
    /// The pairs, comma-separated: `SOURCE:TARGET`, or a target alone (from `gaussian`);
    /// default: the paper's five (2D only).
    #[arg(long, value_delimiter = ',')]
    pub pairs: Vec<String>,
    /// NSGF's flow step counts, one model each, sampled at as many NFE (default 10 and 100, the
    /// paper's two rows; on digits T = 10, sampled at 10 and 20).
    #[arg(long, value_delimiter = ',', default_values_t = STEPS)]
    pub nsgf_steps: Vec<usize>,
    /// Training seeds per method (seeds `--seed`, `--seed` + 1, …), pooled with their spread.
    #[arg(long, default_value_t = PROTOCOL_SEEDS)]
    pub seeds: usize,
    /// Test samples per W2 draw (default 1000; on digits 400, at most 449: the floor needs two
    /// disjoint held-out halves).
    #[arg(long)]
    pub n: Option<usize>,
    /// `digits`: the 64-dimensional table instead (NSGF at 10 and 20 NFE, NSGF++ at 7 and 10,
    /// a one-step generator distilled from NSGF++ at 1, the flow-matching rivals at 1–100 NFE,
    /// with the nearest-training-digit distances).
    #[arg(long)]
    pub target: Option<String>,
    /// Draws and the second metric.
    #[command(flatten)]
    pub protocol: ProtocolArgs,
    /// The first training seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Outer training iterations of every model (default: each method's tuned value; a table
    /// with this set is not at the defaults and says so).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// A folder for the trained models (`SOURCE-to-TARGET-RUN-seedK.json`); a model already
    /// there with the same configuration is loaded instead of trained (its recorded training
    /// time is reported).
    #[arg(long)]
    pub models: Option<PathBuf>,
}

/// One trained model of a table: its method, configuration and the NFEs it is sampled at.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// The method.
    pub method: Method,
    /// The row label ("NSGF (T = 10)").
    pub label: String,
    /// The file-name part of its saved models ("nsgf10").
    pub stem: String,
    /// The configuration (its seed set per training seed).
    pub config: TrainConfig,
    /// The NFEs its samples are judged at.
    pub nfes: Vec<usize>,
    /// The index of the run whose model guides this one (a distilled one-step teacher).
    pub teacher: Option<usize>,
}

impl TableArgs {
    /// Test samples per draw: `--n`, or the protocol's 1000.
    pub(crate) fn samples(&self) -> usize {
        self.n.unwrap_or(PROTOCOL_SAMPLES)
    }

    /// Checks the options shared by both tables.
    pub(crate) fn check(&self) -> anyhow::Result<()> {
        if self.seeds == 0 || self.methods.is_empty() {
            anyhow::bail!(
                "--seeds must be at least 1 and --methods name one (got {} and {})",
                self.seeds,
                self.methods.len()
            );
        }
        if let Some(folder) = &self.models {
            std::fs::create_dir_all(folder)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", folder.display()))?;
        }
        Ok(())
    }
}

/// The 2D runs of `methods` (in the order given), NSGF once per step count of `nsgf_steps`.
pub(crate) fn planar_runs(
    methods: &[Method],
    nsgf_steps: &[usize],
    iterations: Option<usize>,
) -> Vec<Run> {
    let mut runs = Vec::new();
    for &method in methods {
        let mut config = TrainConfig::defaults_for(method);
        if let Some(iterations) = iterations {
            config.iterations = iterations;
        }
        let run = |label: String, stem: String, config: TrainConfig, nfes: Vec<usize>| Run {
            method,
            label,
            stem,
            config,
            nfes,
            teacher: None,
        };
        match method {
            Method::Nsgf => {
                // NSGF's tuned T and η; 100 steps keep the flows' total time T·η.
                let (base_steps, base_eta) = (config.flow.steps, config.flow.eta);
                for &steps in nsgf_steps {
                    let mut config = config.clone();
                    config.flow.steps = steps;
                    config.flow.eta = base_eta * base_steps as f64 / steps as f64;
                    runs.push(run(
                        format!("NSGF (T = {steps})"),
                        format!("nsgf{steps}"),
                        config,
                        vec![steps],
                    ));
                }
            }
            Method::NsgfPp => runs.push(run(
                format!("NSGF++ (T₁ = {})", config.flow.steps),
                "nsgfpp".into(),
                config.clone(),
                vec![config.flow.steps + 2, config.flow.steps + 5],
            )),
            Method::OneStep => runs.push(run(
                format!("one-step ({})", config.onestep_mode.cli_name()),
                "onestep".into(),
                config,
                vec![1],
            )),
            Method::OtCfm | Method::Icfm | Method::Rf => runs.push(run(
                method.display_name().into(),
                method.cli_name().into(),
                config,
                FLOW_MATCHING_NFES.to_vec(),
            )),
        }
    }
    runs
}

/// The pairs `--pairs` names (default: the paper's five).
pub(crate) fn parse_pairs(specs: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    if specs.is_empty() {
        return Ok(PAIRS
            .iter()
            .map(|&(s, t)| (s.to_string(), t.to_string()))
            .collect());
    }
    specs
        .iter()
        .map(|spec| {
            let (source, target) = spec.split_once(':').unwrap_or(("gaussian", spec));
            for name in [source, target] {
                Distribution::parse(name)
                    .map_err(|e| anyhow::anyhow!("--pairs {spec}: {name}: {e}"))?;
            }
            Ok((source.to_string(), target.to_string()))
        })
        .collect()
}

/// The paper's NSGF number for `pair` at `nfe`, if the pair is one of [`PAIRS`].
fn paper_number(pair: (&str, &str), method: Method, nfe: usize) -> Option<f64> {
    let column = PAIRS.iter().position(|&p| p == pair)?;
    let row = STEPS.iter().position(|&s| s == nfe)?;
    (method == Method::Nsgf).then_some(PAPER_NSGF[row][column])
}

/// Trains (or loads) every run of `runs` for every seed on one pair, judges each at its NFEs
/// and pools the seeds.
pub(crate) fn run_pair(
    args: &TableArgs,
    protocol: &Protocol,
    pair: (&str, &str),
    runs: &[Run],
    position: (usize, usize),
) -> anyhow::Result<PairTable> {
    let source = Distribution::parse(pair.0)?;
    let target = Distribution::parse(pair.1)?;
    let floor = judge_floor(
        &target,
        protocol,
        derive_seed(args.seed, Stream::TableFloor),
    )?;
    let mut results: Vec<RunResults> = runs
        .iter()
        .map(|run| RunResults {
            judgements: vec![Vec::new(); run.nfes.len()],
            seconds: Vec::new(),
            teacher_seconds: Vec::new(),
        })
        .collect();
    for k in 0..args.seeds {
        let seed = derive_seed(args.seed, Stream::TrainingSeed(k));
        let mut trained: Vec<Arc<TrainedModel>> = Vec::new();
        for (index, run) in runs.iter().enumerate() {
            let mut config = run.config.clone();
            config.seed = seed;
            let guide = run.teacher.map(|t| Arc::clone(&trained[t]));
            let what = format!(
                "{}/{} {} → {}, seed {seed}: {}",
                position.0 + 1,
                position.1,
                pair.0,
                pair.1,
                run.label
            );
            let file = args
                .models
                .as_ref()
                .map(|folder| model_file(folder, pair, &run.stem, seed));
            let model = obtain(
                &config,
                &source,
                &target,
                guide.clone(),
                file.as_deref(),
                &what,
            )?;
            results[index].seconds.push(model.log.seconds);
            if let Some(teacher) = &guide {
                results[index].teacher_seconds.push(teacher.log.seconds);
            }
            for (slot, &nfe) in run.nfes.iter().enumerate() {
                let judgement =
                    model.judge(protocol, Some(nfe), derive_seed(seed, Stream::TableJudging))?;
                super::progress::note(format!(
                    "{what}: trained in {:.1} s; W2 {:.4} ± {:.4} at {} NFE (floor {:.4})",
                    model.log.seconds,
                    judgement.w2.mean,
                    judgement.w2.standard_error,
                    judgement.nfe,
                    floor.w2.mean
                ));
                results[index].judgements[slot].push(judgement);
            }
            trained.push(Arc::new(model));
        }
    }
    let rows = pooled_rows(pair, runs, &results);
    Ok(PairTable {
        pair: (pair.0.to_string(), pair.1.to_string()),
        floor,
        rows,
        seeds: args.seeds,
    })
}

/// What one run gave over the seeds of a pair.
struct RunResults {
    /// Its judgements, per NFE of the run, per seed.
    judgements: Vec<Vec<Judgement>>,
    /// Its training seconds per seed.
    seconds: Vec<f64>,
    /// Its teacher's training seconds per seed (distilled runs).
    teacher_seconds: Vec<f64>,
}

/// The table's rows: each run at each of its NFEs, its seeds pooled.
fn pooled_rows(pair: (&str, &str), runs: &[Run], results: &[RunResults]) -> Vec<Row> {
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    let mut rows = Vec::new();
    for (run, result) in runs.iter().zip(results) {
        for (slot, &nfe) in run.nfes.iter().enumerate() {
            let seeds = &result.judgements[slot];
            let pooled = |pick: fn(&Judgement) -> Option<Estimate>| {
                let estimates: Vec<Estimate> = seeds.iter().filter_map(pick).collect();
                (!estimates.is_empty()).then(|| Estimate::pooled(&estimates))
            };
            rows.push(Row {
                label: run.label.clone(),
                method: run.method,
                nfe: seeds[0].nfe,
                train_seconds: (slot == 0).then(|| mean(&result.seconds)),
                teacher_seconds: (slot == 0 && !result.teacher_seconds.is_empty())
                    .then(|| mean(&result.teacher_seconds)),
                w2: pooled(|j| Some(j.w2)).unwrap_or(Estimate::of(&[])),
                sinkhorn: pooled(|j| j.sinkhorn),
                nearest_median: mean(&seeds.iter().map(|j| j.nearest_median).collect::<Vec<_>>()),
                held_out_nearest_median: mean(
                    &seeds
                        .iter()
                        .map(|j| j.held_out_nearest_median)
                        .collect::<Vec<_>>(),
                ),
                paper: paper_number(pair, run.method, nfe),
            });
        }
    }
    rows
}

/// Where a run's model of one seed is saved.
fn model_file(folder: &Path, pair: (&str, &str), stem: &str, seed: u64) -> PathBuf {
    let slug = |name: &str| {
        name.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    folder.join(format!(
        "{}-to-{}-{stem}-seed{seed}.json",
        slug(pair.0),
        slug(pair.1)
    ))
}

/// The model of `config`: loaded from `file` when it holds one of the same configuration and
/// pair, else trained (with a progress bar) and saved there.
fn obtain(
    config: &TrainConfig,
    source: &Distribution,
    target: &Distribution,
    guide: Option<Arc<TrainedModel>>,
    file: Option<&Path>,
    what: &str,
) -> anyhow::Result<TrainedModel> {
    if let Some(path) = file.filter(|path| path.exists()) {
        let model = TrainedModel::load(path)?;
        if model.config != *config || model.source != *source || model.target != *target {
            anyhow::bail!(
                "{} holds another model than the table trains ({}): move it away or use another \
                 --models folder",
                path.display(),
                what
            );
        }
        super::progress::note(format!("{what}: loaded {}", path.display()));
        return Ok(model);
    }
    let bar = super::progress::bar(1000, what);
    let model = Trainer::guided(config, source, target, guide)?.run(
        &AtomicBool::new(false),
        &mut |progress: &TrainProgress| {
            bar.set_position((progress.fraction_done * 1000.0).round() as u64);
        },
    );
    bar.finish_and_clear();
    let model = model?;
    if let Some(path) = file {
        model.save(path)?;
    }
    Ok(model)
}

/// Runs `nsgf table` on the 2D pairs (`cli::run` sends `--target digits` to
/// `cli::digits_table`).
pub(crate) fn run(args: &TableArgs) -> anyhow::Result<()> {
    args.check()?;
    let n = args.samples();
    if n < 2 {
        anyhow::bail!("--n must be at least 2 (got {n})");
    }
    crate::limits::check("--n", n, crate::limits::MAX_W2_POINTS, 8 * n as u64)?;
    let protocol = args.protocol.protocol(n)?;
    let pairs = parse_pairs(&args.pairs)?;
    if let Some(bad) = args.nsgf_steps.iter().find(|&&steps| steps == 0) {
        anyhow::bail!("--nsgf-steps must be at least 1 (got {bad})");
    }
    let runs = planar_runs(&args.methods, &args.nsgf_steps, args.iterations);
    for (position, (source, target)) in pairs.iter().enumerate() {
        let table = run_pair(
            args,
            &protocol,
            (source, target),
            &runs,
            (position, pairs.len()),
        )?;
        print!("{}", super::table_markdown::markdown(&table, &protocol));
    }
    print!(
        "{}",
        super::table_markdown::protocol_note(&protocol, args.seeds, args.iterations)
    );
    Ok(())
}
