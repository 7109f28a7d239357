//! `nsgf gif`: export a learned flow (`--model`) or the empirical Sinkhorn particle flow (`--flow`)
//! as a looping GIF. Progress goes to stderr.

use super::animation_args::{AnimationArgs, check_folder_of};
use crate::render::{GifOptions, LookOptions, export_gif};
use std::path::PathBuf;

/// Arguments of `nsgf gif`.
#[derive(Debug, clap::Args)]
pub struct GifArgs {
    /// Which flow, from what samples.
    #[command(flatten)]
    pub flow: AnimationArgs,
    /// The GIF file to write (replaced only when the export succeeds).
    #[arg(long, value_name = "FILE.gif")]
    pub out: PathBuf,
    /// Frames per second (1..=50).
    #[arg(long, default_value_t = 20)]
    pub fps: u32,
    /// Side of the square image in pixels (64..=2048).
    #[arg(long, default_value_t = 480)]
    pub size: u32,
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
pub(crate) fn run(args: &GifArgs) -> anyhow::Result<()> {
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
    check_folder_of(&args.out)?;
    if let Some(path) = &args.flow.model
        && let model = crate::model::TrainedModel::load(path)?
        && model.dim != 2
    {
        let flow = &args.flow;
        return super::wide::gif_command(&model, flow.n, flow.nfe, flow.seed, &args.out, args.fps);
    }
    if let Some(trajectory) = super::any_dim_flow::grid_trajectory(&args.flow)? {
        return super::wide::write_grid_gif(&trajectory, args.flow.n, &args.out, args.fps);
    }
    let animation = args.flow.animation()?;
    let bar = super::progress::bar(animation.frame_count() as u64, "GIF frames");
    let report = export_gif(
        &args.out,
        &animation,
        &options,
        &mut |done, _total| bar.set_position(done as u64),
        None,
    );
    bar.finish_and_clear();
    let report = report?;
    super::progress::note(format!(
        "wrote {} ({} frames, {} px, {:.0} KiB) in {:.2} s",
        report.path.display(),
        report.frames,
        report.size_px,
        report.bytes as f64 / 1024.0,
        report.seconds
    ));
    Ok(())
}
