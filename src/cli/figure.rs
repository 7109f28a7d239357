//! `nsgf figure`: a strip of snapshots of a flow at chosen times, as PNG and/or SVG, drawn by
//! the GIF export's renderer (particles coloured by starting position, shared axes with ticks).

use super::animation_args::{AnimationArgs, check_folder_of};
use crate::render::{DEFAULT_TIMES, Figure, LookOptions};
use std::path::PathBuf;

/// Arguments of `nsgf figure`.
#[derive(Debug, clap::Args)]
pub struct FigureArgs {
    /// Which flow, from what samples.
    #[command(flatten)]
    pub flow: AnimationArgs,
    /// Files to write: FILE.png and/or FILE.svg (repeat --out for both).
    #[arg(long, value_name = "FILE.png|FILE.svg", required = true)]
    pub out: Vec<PathBuf>,
    /// Times of the snapshots on the flow's [0, 1] timeline (the nearest frame is shown).
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_TIMES)]
    pub times: Vec<f64>,
    /// Side of each square panel in pixels (64..=2048).
    #[arg(long, default_value_t = 360)]
    pub size: u32,
    /// Earlier frames each particle's trail runs through (0: no trails).
    #[arg(long, default_value_t = 0)]
    pub trails: usize,
    /// Draw velocity arrows (a subsample of the particles).
    #[arg(long)]
    pub arrows: bool,
    /// Leave the grey target samples out.
    #[arg(long)]
    pub no_target: bool,
}

/// What an `--out` file becomes.
enum Format {
    Png,
    Svg,
}

/// Runs `nsgf figure`.
pub(crate) fn run(args: &FigureArgs) -> anyhow::Result<()> {
    crate::render::raster::check_size(args.size)?;
    let mut outputs = Vec::new();
    for path in &args.out {
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("png") => Format::Png,
            Some(e) if e.eq_ignore_ascii_case("svg") => Format::Svg,
            _ => anyhow::bail!(
                "--out {}: the file name must end in .png or .svg",
                path.display()
            ),
        };
        check_folder_of(path)?;
        outputs.push((path, format));
    }
    let look = LookOptions {
        size_px: args.size,
        trails: args.trails,
        arrows: args.arrows,
        show_target: !args.no_target,
        ..LookOptions::default()
    };
    if let Some(t) = args.times.iter().find(|t| !(0.0..=1.0).contains(*t)) {
        anyhow::bail!("--times: every time lies in [0, 1] (got {t})");
    }
    if let Some(path) = &args.flow.model
        && let model = crate::model::TrainedModel::load(path)?
        && model.dim != 2
    {
        return super::wide::figure_command(&model, &args.flow, &args.times, &args.out);
    }
    if let Some(trajectory) = super::any_dim_flow::grid_trajectory(&args.flow)? {
        super::wide::check_png_outputs(&args.out, crate::data::digits::DIM)?;
        return super::wide::write_grid_figure(&trajectory, &args.times, &args.out);
    }
    let animation = args.flow.animation()?;
    let figure = Figure::new(&animation, &args.times, look)?;
    let (width, height) = figure.dimensions();
    for (path, format) in outputs {
        match format {
            Format::Png => figure.save_png(path)?,
            Format::Svg => figure.save_svg(path)?,
        }
        super::progress::note(format!(
            "wrote {} ({} panels, frames {:?}, {width}×{height} px)",
            path.display(),
            args.times.len(),
            figure.frames()
        ));
    }
    Ok(())
}
