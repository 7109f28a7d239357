//! What `sample`, `gif` and `figure` do differently for a model or a flow in more than
//! two dimensions: CSV rows of any width and 8×8 images drawn as grids (judging against held-out
//! data is the one protocol of `nsgf eval`, in every dimension). Training and sampling are
//! the one `model` core in every dimension.

use crate::gpu::{BackendChoice, WideGpu};
use crate::model::TrainedModel;
use crate::ot::{CloudKernels, CpuCloudKernels, Precision};
use crate::render::image_grid::{GridLayout, export_grid_gif};
use anyhow::Context;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Images of a grid GIF at most (an 8×8 grid).
pub(crate) const GRID_IMAGES: usize = 64;

/// Whether `spec` names a d-dimensional target: `digits`, `normalD`, or a CSV file whose rows
/// (without a `label` column) hold more than two numbers.
pub(crate) fn is_wide_target(spec: &str) -> bool {
    if spec == "digits" || (spec.starts_with("normal") && spec[6..].parse::<usize>().is_ok()) {
        return true;
    }
    std::fs::read_to_string(spec).is_ok_and(|text| crate::data::csv_rows::is_wide_text(&text))
}

/// The kernels `choice` asks for, for flows in more than two dimensions: `gpu` an error without
/// an adapter; `auto` a hardware GPU when there is one (a software adapter is slower than the
/// CPU), else the CPU's f64 kernels.
pub(crate) fn kernels_for(choice: BackendChoice) -> anyhow::Result<Arc<dyn CloudKernels>> {
    let cpu = || -> Arc<dyn CloudKernels> {
        Arc::new(CpuCloudKernels {
            precision: Precision::F64,
        })
    };
    match choice {
        BackendChoice::Cpu => Ok(cpu()),
        BackendChoice::Gpu => Ok(Arc::new(WideGpu::new_blocking()?)),
        BackendChoice::Auto => Ok(match WideGpu::new_blocking() {
            Ok(gpu) if !gpu.is_software() => Arc::new(gpu),
            _ => cpu(),
        }),
    }
}

/// `nsgf sample` of a d-dimensional model: `n` rows of d numbers.
pub(crate) fn sample_command(
    model: &TrainedModel,
    n: usize,
    nfe: Option<usize>,
    seed: u64,
) -> anyhow::Result<()> {
    let samples = model.sample_cloud(n, nfe, seed)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for point in samples.coords().chunks_exact(samples.dim()) {
        crate::data::csv_rows::write_point(&mut out, point).context("writing to stdout")?;
    }
    out.flush().context("writing to stdout")
}

/// `nsgf gif` of a d-dimensional model: a grid of up to [`GRID_IMAGES`] 8×8 images flowing
/// from noise to digits, one GIF frame per trajectory frame.
pub(crate) fn gif_command(
    model: &TrainedModel,
    n: usize,
    nfe: Option<usize>,
    seed: u64,
    out: &Path,
    fps: u32,
) -> anyhow::Result<()> {
    let images = n.clamp(1, GRID_IMAGES);
    let trajectory = model.sample_trajectory(images, nfe, seed)?;
    write_grid_gif(&trajectory, n, out, fps)
}

/// Writes `trajectory` (frames of 8×8 images) as a grid GIF; `requested` is the `--n` asked
/// for (a note says when the grid shows fewer).
pub(crate) fn write_grid_gif(
    trajectory: &crate::flow::Trajectory,
    requested: usize,
    out: &Path,
    fps: u32,
) -> anyhow::Result<()> {
    let images = trajectory.frames().first().map_or(0, |f| f.positions.len());
    let layout = GridLayout {
        columns: (images as f64).sqrt().ceil() as usize,
        ..GridLayout::default()
    };
    let frames = export_grid_gif(trajectory, out, layout, fps.clamp(1, 50) as u16)?;
    super::progress::note(format!(
        "wrote {} ({frames} frames, a grid of {images} images{})",
        out.display(),
        if requested > GRID_IMAGES {
            format!("; --n {requested} is more than a grid shows")
        } else {
            String::new()
        }
    ));
    Ok(())
}

/// `nsgf figure` of a d-dimensional model: the grids of `n` (at most [`GRID_IMAGES`]) samples
/// at the frames nearest to `times`, side by side, as a PNG.
pub(crate) fn figure_command(
    model: &TrainedModel,
    flow: &super::animation_args::AnimationArgs,
    times: &[f64],
    outputs: &[std::path::PathBuf],
) -> anyhow::Result<()> {
    check_png_outputs(outputs, model.dim)?;
    let images = flow.n.clamp(1, GRID_IMAGES);
    let trajectory = model.sample_trajectory(images, flow.nfe, flow.seed)?;
    write_grid_figure(&trajectory, times, outputs)
}

/// Refuses an `--out` that is not a PNG: a d-dimensional flow's figure is image grids (an
/// 8×8-image flow has no 2D plot to draw as SVG).
pub(crate) fn check_png_outputs(outputs: &[std::path::PathBuf], dim: usize) -> anyhow::Result<()> {
    if let Some(other) = outputs
        .iter()
        .find(|p| !p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")))
    {
        anyhow::bail!(
            "--out {}: a {dim}-dimensional flow's figure is a PNG of image grids (FILE.png)",
            other.display()
        );
    }
    Ok(())
}

/// Writes the grids of `trajectory` (frames of 8×8 images) at the frames nearest to `times`,
/// side by side, to every PNG of `outputs`.
pub(crate) fn write_grid_figure(
    trajectory: &crate::flow::Trajectory,
    times: &[f64],
    outputs: &[std::path::PathBuf],
) -> anyhow::Result<()> {
    crate::render::figure::check_times(times)?;
    let images = trajectory.frames().first().map_or(0, |f| f.positions.len());
    // Eight images a row (fewer when fewer): room for the captions above each grid.
    let layout = GridLayout {
        columns: images.clamp(1, 8),
        ..GridLayout::default()
    };
    let (width, height, grey, shown) =
        crate::render::image_grid::render_strip(trajectory, times, layout).ok_or_else(|| {
            anyhow::anyhow!(
                "the flow's points are not 8×8 images: its figure draws 64 numbers a point"
            )
        })?;
    let pixmap = crate::render::image_grid::grey_pixmap(width, height, &grey)
        .ok_or_else(|| anyhow::anyhow!("a {width}×{height} figure is too large"))?;
    let bytes = pixmap
        .encode_png()
        .map_err(|error| anyhow::anyhow!("cannot encode the figure: {error}"))?;
    for path in outputs {
        crate::files::write_atomically(path, |out| out.write_all(&bytes))
            .with_context(|| format!("cannot write {}", path.display()))?;
        super::progress::note(format!(
            "wrote {} (grids of {images} images at frames {shown:?}, {width}×{height} px)",
            path.display()
        ));
    }
    Ok(())
}
