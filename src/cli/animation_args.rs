//! The flow a `gif` or a `figure` shows: a trained model's learned flow (`--model`) or the
//! empirical Sinkhorn particle flow (`--flow --source --target`), with its sample size, NFE or
//! steps and seed.

use super::particle_flow::{ParticleFlowOptions, SinkhornArgs};
use crate::data::target_rng;
use crate::model::TrainedModel;
use crate::render::Animation;
use std::path::PathBuf;

/// Longest distribution name shown in a caption (longer ones, e.g. file paths, are shortened).
const CAPTION_NAME_CHARS: usize = 14;

/// Which flow to show, and how it is drawn from.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("flow_kind").required(true).args(["model", "flow"])))]
pub struct AnimationArgs {
    /// A model file written by `nsgf train`: show its learned flow.
    #[arg(long, value_name = "MODEL.json")]
    pub model: Option<PathBuf>,
    /// Show the empirical Sinkhorn particle flow from --source to --target instead.
    #[arg(long, requires_all = ["source", "target"])]
    pub flow: bool,
    /// Source of the particle flow: a preset name, image:PICTURE, text:WORD or a CSV file of
    /// x,y points.
    #[arg(long, value_name = "NAME|FILE", requires = "flow")]
    pub source: Option<String>,
    /// Target of the particle flow: a preset name, image:PICTURE, text:WORD or a CSV file of
    /// x,y points.
    #[arg(long, value_name = "NAME|FILE", requires = "flow")]
    pub target: Option<String>,
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
    /// Random seed of the source and target samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl AnimationArgs {
    /// The chosen flow, simulated or sampled (progress notes on stderr).
    pub(crate) fn animation(&self) -> anyhow::Result<Animation> {
        match &self.model {
            Some(model_path) => self.learned_animation(model_path),
            None => self.particle_flow_animation(),
        }
    }

    /// The particle flow from `--source` to `--target`.
    fn particle_flow_animation(&self) -> anyhow::Result<Animation> {
        let (Some(source_spec), Some(target_spec)) = (&self.source, &self.target) else {
            anyhow::bail!("--flow needs --source and --target");
        };
        let options = ParticleFlowOptions {
            source: source_spec,
            target: target_spec,
            n: self.n,
            steps: self.steps,
            eta: self.eta,
            sinkhorn: self.sinkhorn,
            seed: self.seed,
        };
        options.config()?;
        super::progress::note(format!(
            "simulating {} steps of the Sinkhorn flow, {} particles",
            self.steps, self.n
        ));
        let flow = options.simulate()?;
        let title = format!(
            "{} → {}",
            short_name(&flow.source.label()),
            short_name(&flow.target.label())
        );
        Ok(Animation::new(title, flow.trajectory, flow.target_points))
    }

    /// The learned flow of the model at `model_path`.
    fn learned_animation(&self, model_path: &std::path::Path) -> anyhow::Result<Animation> {
        let model = TrainedModel::load(model_path)?;
        let trajectory = model.sample_trajectory(self.n, self.nfe, self.seed)?;
        let target_points = model.target.sample(self.n, &mut target_rng(self.seed))?;
        super::progress::note(format!(
            "{} model: {} frames, {} network evaluations",
            trajectory.kind(),
            trajectory.len(),
            trajectory.nfe()
        ));
        let title = format!(
            "{} → {}",
            short_name(&model.source.label()),
            short_name(&model.target.label())
        );
        Ok(Animation::new(title, trajectory, target_points))
    }
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

/// Errors unless the folder `path` goes into exists.
pub(crate) fn check_folder_of(path: &std::path::Path) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    if !folder.is_dir() {
        anyhow::bail!(
            "cannot write {}: the folder {} does not exist",
            path.display(),
            folder.display()
        );
    }
    Ok(())
}
