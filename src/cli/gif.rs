//! `nsgf gif`: export a learned flow (`--model`) or the empirical Sinkhorn particle flow (`--flow`)
//! as a looping GIF. Progress goes to stderr.

use super::particle_flow::{ParticleFlowOptions, SinkhornArgs};
use crate::data::target_rng;
use crate::model::TrainedModel;
use crate::render::{Animation, GifOptions, LookOptions, export_gif};
use std::io::Write;
use std::path::PathBuf;

/// Longest distribution name shown in a caption (longer ones, e.g. file paths, are shortened).
const CAPTION_NAME_CHARS: usize = 14;

/// Arguments of `nsgf gif`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("flow_kind").required(true).args(["model", "flow"])))]
pub struct GifArgs {
    /// A model file written by `nsgf train`: export its learned flow.
    #[arg(long, value_name = "MODEL.json")]
    pub model: Option<PathBuf>,
    /// Export the empirical Sinkhorn particle flow from --source to --target instead.
    #[arg(long, requires_all = ["source", "target"])]
    pub flow: bool,
    /// Source of the particle flow: a preset name or a CSV file of x,y points.
    #[arg(long, value_name = "NAME|FILE", requires = "flow")]
    pub source: Option<String>,
    /// Target of the particle flow: a preset name or a CSV file of x,y points.
    #[arg(long, value_name = "NAME|FILE", requires = "flow")]
    pub target: Option<String>,
    /// The GIF file to write (replaced only when the export succeeds).
    #[arg(long, value_name = "FILE.gif")]
    pub out: PathBuf,
    /// Number of particles (and of target samples drawn underneath).
    #[arg(long, default_value_t = 2000)]
    pub n: usize,
    /// Learned flow: network evaluations (default: the model's).
    #[arg(long, requires = "model")]
    pub nfe: Option<usize>,
    /// Particle flow: Euler steps T.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// Particle flow: Euler step size η (0.25: a gradual flow over the default 20 steps).
    #[arg(long, default_value_t = 0.25)]
    pub eta: f64,
    /// Particle flow: blur, scaling and backend.
    #[command(flatten)]
    pub sinkhorn: SinkhornArgs,
    /// Frames per second (1..=50).
    #[arg(long, default_value_t = 20)]
    pub fps: u32,
    /// Side of the square image in pixels (64..=2048).
    #[arg(long, default_value_t = 480)]
    pub size: u32,
    /// Random seed of the source and target samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How long the last frame stays before the loop restarts, in ms.
    #[arg(long, default_value_t = 1000)]
    pub hold_ms: u32,
    /// Earlier frames each particle's trail runs through (0: no trails).
    #[arg(long, default_value_t = 3)]
    pub trails: usize,
    /// Draw velocity arrows (a subsample of the particles).
    #[arg(long)]
    pub arrows: bool,
    /// Leave the grey target samples out.
    #[arg(long)]
    pub no_target: bool,
}

/// Runs `nsgf gif`.
pub fn run(args: &GifArgs) -> anyhow::Result<()> {
    let options = GifOptions {
        look: LookOptions {
            size_px: args.size,
            trails: args.trails,
            arrows: args.arrows,
            show_target: !args.no_target,
            ..LookOptions::default()
        },
        fps: args.fps,
        hold_last_ms: args.hold_ms,
        ..GifOptions::default()
    };
    // Check the cheap options before spending time on a flow.
    options.validate()?;
    crate::render::raster::check_size(args.size)?;
    let folder = match args.out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    if !folder.is_dir() {
        anyhow::bail!(
            "cannot write {}: the folder {} does not exist",
            args.out.display(),
            folder.display()
        );
    }
    let animation = match &args.model {
        Some(model_path) => learned_animation(args, model_path)?,
        None => particle_flow_animation(args)?,
    };
    let mut stderr = std::io::stderr();
    let report = export_gif(
        &args.out,
        &animation,
        &options,
        &mut |done, total| {
            let _ = write!(stderr, "\rframes {done}/{total}");
        },
        None,
    );
    eprintln!();
    let report = report?;
    eprintln!(
        "wrote {} ({} frames, {} px, {:.0} KiB) in {:.2} s",
        report.path.display(),
        report.frames,
        report.size_px,
        report.bytes as f64 / 1024.0,
        report.seconds
    );
    Ok(())
}

/// The particle flow from `--source` to `--target`.
fn particle_flow_animation(args: &GifArgs) -> anyhow::Result<Animation> {
    let (Some(source_spec), Some(target_spec)) = (&args.source, &args.target) else {
        anyhow::bail!("--flow needs --source and --target");
    };
    let options = ParticleFlowOptions {
        source: source_spec,
        target: target_spec,
        n: args.n,
        steps: args.steps,
        eta: args.eta,
        sinkhorn: args.sinkhorn,
        seed: args.seed,
    };
    options.config()?;
    eprintln!(
        "simulating {} steps of the Sinkhorn flow, {} particles",
        args.steps, args.n
    );
    let flow = options.simulate()?;
    let title = format!(
        "{} -> {}",
        short_name(&flow.source.label()),
        short_name(&flow.target.label())
    );
    Ok(Animation::new(title, flow.trajectory, flow.target_points))
}

/// The learned flow of the model at `model_path`.
fn learned_animation(args: &GifArgs, model_path: &std::path::Path) -> anyhow::Result<Animation> {
    let model = TrainedModel::load(model_path)?;
    let trajectory = model.sample_trajectory(args.n, args.nfe, args.seed)?;
    let target_points = model.target.sample(args.n, &mut target_rng(args.seed))?;
    eprintln!(
        "{} model: {} frames, {} network evaluations",
        trajectory.kind(),
        trajectory.len(),
        trajectory.nfe()
    );
    let title = format!(
        "{} -> {}",
        short_name(&model.source.label()),
        short_name(&model.target.label())
    );
    Ok(Animation::new(title, trajectory, target_points))
}

/// `name` cut to [`CAPTION_NAME_CHARS`] characters (a file path keeps its file name's end).
fn short_name(name: &str) -> String {
    let name = std::path::Path::new(name)
        .file_name()
        .map_or_else(|| name.to_string(), |n| n.to_string_lossy().into_owned());
    let count = name.chars().count();
    if count <= CAPTION_NAME_CHARS {
        name
    } else {
        let tail: String = name
            .chars()
            .skip(count - (CAPTION_NAME_CHARS - 2))
            .collect();
        format!("..{tail}")
    }
}
