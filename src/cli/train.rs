//! `nsgf train`: train an NSGF, NSGF++ or one-step model with a progress line on stderr, save it
//! as JSON.

use crate::data::Distribution;
use crate::model::{Method, OneStepMode, TrainConfig, TrainProgress, TrainedModel, Trainer};
use crate::nn::Activation;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Arguments of `nsgf train`; every hyperparameter defaults to the method's tuned value.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Source distribution: a preset name, image:PICTURE, text:WORD or a CSV file (default
    /// with --teacher or --init: that model's; with a d-dimensional target: the standard
    /// normal).
    #[arg(long)]
    pub source: Option<String>,
    /// Target distribution: a preset name, image:PICTURE, text:WORD or a CSV file (default
    /// with --teacher or --init: that model's), or `digits` or a CSV file of more than two
    /// columns for a d-dimensional model.
    #[arg(long, required_unless_present_any = ["teacher", "init"])]
    pub target: Option<String>,
    /// NSGF, NSGF++, a one-step generator, or a flow-matching rival (OT-CFM, I-CFM, rectified
    /// flow).
    #[arg(long, value_enum, default_value_t = Method::Nsgf)]
    pub method: Method,
    /// One-step generators: distilled from a teacher, or direct on the Sinkhorn flow.
    #[arg(long, value_enum, default_value_t = OneStepMode::Direct)]
    pub mode: OneStepMode,
    /// One-step, distilled: the trained NSGF or NSGF++ model (JSON) whose endpoints G learns.
    #[arg(long, conflicts_with = "init")]
    pub teacher: Option<PathBuf>,
    /// One-step, direct: a one-step model (JSON, e.g. a distilled one) whose generator the run
    /// continues, so the student is no longer bounded by its teacher.
    #[arg(long)]
    pub init: Option<PathBuf>,
    /// Random seed of the whole run.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the model (JSON).
    #[arg(long)]
    pub out: PathBuf,
    /// Sinkhorn-flow steps T per simulated flow (NSGF++: at most 5).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Euler step size η of the simulated flows.
    #[arg(long)]
    pub eta: Option<f64>,
    /// Blur σ (ε = σ²).
    #[arg(long)]
    pub blur: Option<f64>,
    /// ε-annealing factor in (0, 1).
    #[arg(long)]
    pub scaling: Option<f64>,
    /// Particles per simulated flow.
    #[arg(long)]
    pub particles: Option<usize>,
    /// Trajectory-pool capacity, in flows.
    #[arg(long)]
    pub pool: Option<usize>,
    /// Outer iterations (simulated flows) of the velocity-field stage.
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Adam steps per outer iteration.
    #[arg(long)]
    pub adam_steps: Option<usize>,
    /// Minibatch size.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Adam learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Hidden width of the MLPs.
    #[arg(long)]
    pub width: Option<usize>,
    /// Hidden layers of the MLPs.
    #[arg(long)]
    pub layers: Option<usize>,
    /// Hidden activation.
    #[arg(long, value_enum)]
    pub activation: Option<Activation>,
    /// NSGF++: Adam steps of the straight flow and the time predictor.
    #[arg(long)]
    pub straight_iterations: Option<usize>,
    /// Random Fourier features of the position encoding (0: raw coordinates).
    #[arg(long)]
    pub fourier_features: Option<usize>,
    /// Standard deviation of the Fourier-feature frequencies.
    #[arg(long)]
    pub fourier_scale: Option<f64>,
    /// d-dimensional targets: where the simulated flows' velocities run (`auto`: a hardware GPU
    /// when there is one, else the CPU). 2D training runs on the CPU.
    #[arg(long, value_enum, default_value_t = crate::gpu::BackendChoice::Auto)]
    pub backend: crate::gpu::BackendChoice,
    /// W2 checkpoint every this many iterations (0: only at the end).
    #[arg(long)]
    pub eval_every: Option<usize>,
    /// Flow matching (otcfm, icfm, rf): the noise σ around each conditional path (default 0.1,
    /// 0 for rf, as in TorchCFM's 2D examples).
    #[arg(long)]
    pub sigma: Option<f64>,
    /// Rectified flow: units of 100 Adam steps of a reflow pass on the first flow's pairs.
    #[arg(long)]
    pub reflow_iterations: Option<usize>,
}

impl TrainArgs {
    /// The method's defaults for targets of dimension `dim` with every given override applied.
    fn config(&self, dim: usize) -> TrainConfig {
        let mut config = TrainConfig::defaults_for_dim(self.method, dim);
        config.seed = self.seed;
        config.onestep_mode = self.mode;
        let set = |slot: &mut usize, value: Option<usize>| {
            if let Some(value) = value {
                *slot = value;
            }
        };
        set(&mut config.flow.steps, self.steps);
        set(&mut config.particles, self.particles);
        set(&mut config.pool_flows, self.pool);
        set(&mut config.iterations, self.iterations);
        set(&mut config.adam_steps, self.adam_steps);
        set(&mut config.batch_size, self.batch);
        set(&mut config.hidden_width, self.width);
        set(&mut config.hidden_layers, self.layers);
        set(&mut config.straight_iterations, self.straight_iterations);
        set(&mut config.eval_every, self.eval_every);
        set(&mut config.fourier_features, self.fourier_features);
        set(&mut config.reflow_iterations, self.reflow_iterations);
        if let Some(sigma) = self.sigma {
            config.sigma = sigma;
        }
        if let Some(scale) = self.fourier_scale {
            config.fourier_scale = scale;
        }
        if let Some(eta) = self.eta {
            config.flow.eta = eta;
        }
        if let Some(blur) = self.blur {
            config.flow.sinkhorn.blur = blur;
        }
        if let Some(scaling) = self.scaling {
            config.flow.sinkhorn.scaling = scaling;
        }
        if let Some(lr) = self.lr {
            config.learning_rate = lr;
        }
        if let Some(activation) = self.activation {
            config.activation = activation;
        }
        config
    }
}

/// Fails early when `path` cannot be written, so no training time is lost on a bad `--out`.
pub(super) fn check_writable(path: &Path) -> anyhow::Result<()> {
    let mut probe = path.as_os_str().to_owned();
    probe.push(".probe");
    let probe = PathBuf::from(probe);
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write the model to {}", path.display()))?;
    std::fs::remove_file(&probe).ok();
    Ok(())
}

/// What the progress bar says about the stage (and each W2 checkpoint's line).
fn progress_line(progress: &TrainProgress) -> String {
    let w2 = progress
        .w2
        .map(|w2| format!("  w2 {w2:.4}"))
        .unwrap_or_default();
    format!(
        "{} {}/{}  loss {:.5}{w2}",
        progress.stage, progress.iteration, progress.total, progress.loss
    )
}

/// The model given by `--teacher` or `--init`, checked against the method and mode.
fn load_guide(args: &TrainArgs) -> anyhow::Result<Option<Arc<TrainedModel>>> {
    let (path, flag, mode) = match (&args.teacher, &args.init) {
        (Some(path), _) => (path, "--teacher", OneStepMode::Distilled),
        (None, Some(path)) => (path, "--init", OneStepMode::Direct),
        (None, None) => return Ok(None),
    };
    if args.method != Method::OneStep || args.mode != mode {
        anyhow::bail!(
            "{flag} belongs to --method onestep --mode {} (got --method {}{})",
            mode.cli_name(),
            args.method.cli_name(),
            if args.method == Method::OneStep {
                format!(" --mode {}", args.mode.cli_name())
            } else {
                String::new()
            }
        );
    }
    Ok(Some(Arc::new(TrainedModel::load(path)?)))
}

/// A distribution given on the command line, or else the guide's.
fn distribution_or_guides(
    given: Option<&str>,
    guide: Option<&TrainedModel>,
    pick: fn(&TrainedModel) -> &Distribution,
) -> anyhow::Result<Distribution> {
    match (given, guide) {
        (Some(spec), _) => Ok(Distribution::parse(spec)?),
        (None, Some(guide)) => Ok(pick(guide).clone()),
        (None, None) => anyhow::bail!(
            "--source and --target are required (a preset name, image:PICTURE, text:WORD or a \
             CSV file; with --teacher or --init they default to that model's)"
        ),
    }
}

/// The source of a run toward `target`: in 2D what was given (or the guide's); in more
/// dimensions the standard normal of the target's dimension unless another distribution of
/// that dimension is given (`gaussian` and `normal` name the standard normal there).
fn source_for(
    given: Option<&str>,
    guide: Option<&TrainedModel>,
    target: &Distribution,
) -> anyhow::Result<Distribution> {
    let dim = target.dim();
    if dim == 2 {
        return distribution_or_guides(given, guide, |m| &m.source);
    }
    let source = match (given, guide) {
        (None | Some("gaussian" | "normal"), None) => Distribution::StandardNormal { dim },
        (None, Some(guide)) => guide.source.clone(),
        (Some(spec), _) => Distribution::parse(spec)?,
    };
    if source.dim() != dim {
        anyhow::bail!(
            "the source {} has {} dimensions, the target {} {dim} (in {dim} dimensions the \
             source is the standard normal by default: --source gaussian)",
            source.label(),
            source.dim(),
            target.label()
        );
    }
    Ok(source)
}

/// Runs `nsgf train`.
pub(crate) fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let guide = load_guide(args)?;
    let target = distribution_or_guides(args.target.as_deref(), guide.as_deref(), |m| &m.target)?;
    let source = source_for(args.source.as_deref(), guide.as_deref(), &target)?;
    let config = args.config(target.dim());
    config.validate()?;
    if config.method == Method::OneStep
        && config.onestep_mode == OneStepMode::Distilled
        && args.teacher.is_none()
    {
        anyhow::bail!(
            "--mode distilled needs --teacher MODEL.json: a trained NSGF or NSGF++ model whose \
             endpoints the generator learns"
        );
    }
    check_writable(&args.out)?;
    let mut trainer = Trainer::guided(&config, &source, &target, guide)?;
    if target.dim() != 2 {
        trainer.set_kernels(super::wide::kernels_for(args.backend)?);
    }
    super::progress::note(format!(
        "{} dimensions, velocities on {}",
        target.dim(),
        trainer.kernels_name()
    ));
    let cancel = AtomicBool::new(false);
    let bar = super::progress::bar(1000, config.method.display_name());
    let mut report = |progress: &TrainProgress| {
        bar.set_position((progress.fraction_done * 1000.0).round() as u64);
        bar.set_message(progress_line(progress));
        if progress.w2.is_some() {
            bar.println(progress_line(progress));
        }
    };
    let model = trainer.run(&cancel, &mut report);
    bar.finish_and_clear();
    let model = model?;
    model.save(&args.out)?;
    let last = model.log.w2.last();
    let guide_note = model
        .guide
        .as_ref()
        .map(|g| {
            format!(
                "; {} {} {:.1} s",
                if g.method == Method::OneStep {
                    "started from"
                } else {
                    "teacher"
                },
                g.method.display_name(),
                g.seconds
            )
        })
        .unwrap_or_default();
    let dimensions = if model.dim == 2 {
        String::new()
    } else {
        format!(" in {} dimensions", model.dim)
    };
    super::progress::note(format!(
        "saved {} ({}{dimensions}, {:.1} s{guide_note}{})",
        args.out.display(),
        model.method.display_name(),
        model.log.seconds,
        last.map(|c| format!(", w2 {:.4} vs floor {:.4}", c.w2, c.floor))
            .unwrap_or_default()
    ));
    Ok(())
}
