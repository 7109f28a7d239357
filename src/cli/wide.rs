//! The d-dimensional path of `train`, `sample`, `eval` and `gif`: taken when the target is
//! `digits` or a CSV file wider than two columns, or when a model file says `"dim"`. The
//! commands and their options stay the same.

use super::train::TrainArgs;
use crate::gpu::{BackendChoice, WideGpu};
use crate::highdim::image_grid::{GridLayout, export_grid_gif};
use crate::highdim::model::{WideConfig, WideKernels, WideModel, train_on};
use crate::highdim::{Rows, WideDistribution};
use crate::model::{TrainProgress, TrainedModel};
use anyhow::Context;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Images of a grid GIF at most (an 8×8 grid).
pub const GRID_IMAGES: usize = 64;

/// Whether `spec` names a d-dimensional target: `digits`, or a CSV file whose rows (without a
/// `label` column) hold more than two numbers.
pub fn is_wide_target(spec: &str) -> bool {
    if spec == "digits" {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(spec) else {
        return false;
    };
    // The first line decides (a malformed later line is then reported by the d-dimensional
    // reader, with its number).
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .is_some_and(|line| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let label = usize::from(fields.contains(&"label"));
            fields.len() - label > 2
        })
}

/// A model file of either kind.
pub enum AnyModel {
    /// A 2D NSGF, NSGF++ or one-step model.
    Planar(Box<TrainedModel>),
    /// A d-dimensional NSGF or NSGF++ model.
    Wide(Box<WideModel>),
}

/// Reads a model file, d-dimensional when it says `"dim"`.
pub fn load_any(path: &Path) -> anyhow::Result<AnyModel> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        // Let the 2D reader word the error (it names the file and the parser's complaint).
        Err(_) => return Ok(AnyModel::Planar(Box::new(TrainedModel::load(path)?))),
    };
    if value.get("dim").is_some() {
        return Ok(AnyModel::Wide(Box::new(WideModel::from_value(
            value, path,
        )?)));
    }
    Ok(AnyModel::Planar(Box::new(TrainedModel::from_json(
        &text, path,
    )?)))
}

/// The hyperparameters of `args` for the d-dimensional run.
fn wide_config(args: &TrainArgs) -> anyhow::Result<WideConfig> {
    if args.method == crate::model::Method::OneStep {
        anyhow::bail!("one-step generators are 2D only for now: --method nsgf or nsgfpp");
    }
    if args.fourier_features.is_some() || args.fourier_scale.is_some() {
        anyhow::bail!(
            "--fourier-features and --fourier-scale are 2D options: in d dimensions the networks \
             read the coordinates as they are"
        );
    }
    let mut config = WideConfig::defaults_for(args.method);
    config.seed = args.seed;
    let set = |slot: &mut usize, value: Option<usize>| {
        if let Some(value) = value {
            *slot = value;
        }
    };
    set(&mut config.flow.steps, args.steps);
    set(&mut config.particles, args.particles);
    set(&mut config.pool_flows, args.pool);
    set(&mut config.iterations, args.iterations);
    set(&mut config.adam_steps, args.adam_steps);
    set(&mut config.batch_size, args.batch);
    set(&mut config.hidden_width, args.width);
    set(&mut config.hidden_layers, args.layers);
    set(&mut config.straight_iterations, args.straight_iterations);
    if let Some(eta) = args.eta {
        config.flow.eta = eta;
    }
    if let Some(blur) = args.blur {
        config.flow.sinkhorn.blur = blur;
    }
    if let Some(scaling) = args.scaling {
        config.flow.sinkhorn.scaling = scaling;
    }
    if let Some(lr) = args.lr {
        config.learning_rate = lr;
    }
    if let Some(activation) = args.activation {
        config.activation = activation;
    }
    config.validate()?;
    Ok(config)
}

/// `nsgf train` toward a d-dimensional target (from the standard normal of its dimension).
pub fn train_command(args: &TrainArgs, target_spec: &str) -> anyhow::Result<()> {
    let config = wide_config(args)?;
    let target = WideDistribution::parse_target(target_spec)?;
    let source = match args.source.as_deref() {
        None | Some("gaussian" | "normal") => {
            WideDistribution::StandardNormal { dim: target.dim() }
        }
        Some(other) => anyhow::bail!(
            "in {} dimensions the source is the standard normal (--source gaussian), not {other}",
            target.dim()
        ),
    };
    super::train::check_writable(&args.out)?;
    let kernels = kernels_for(args.backend)?;
    super::progress::note(format!("velocity: {}", kernels.name()));
    let bar = super::progress::bar(1000, config.method.display_name());
    let mut report = |progress: &TrainProgress| {
        bar.set_position((progress.fraction_done * 1000.0).round() as u64);
        bar.set_message(format!(
            "{} {}/{}  loss {:.4}",
            progress.stage, progress.iteration, progress.total, progress.loss
        ));
    };
    let model = train_on(
        kernels,
        &config,
        &source,
        &target,
        &AtomicBool::new(false),
        &mut report,
    );
    bar.finish_and_clear();
    let model = model?;
    model.save(&args.out)?;
    super::progress::note(format!(
        "saved {} ({} in {} dimensions, {:.1} s{})",
        args.out.display(),
        model.method.display_name(),
        model.dim,
        model.log.seconds,
        model
            .log
            .w2
            .map(|c| format!(
                ", w2 {:.4} vs floor {:.4} at n = {}",
                c.w2, c.floor, config.eval_samples
            ))
            .unwrap_or_default()
    ));
    Ok(())
}

/// The kernels `choice` asks for: `gpu` an error without an adapter; `auto` a hardware GPU
/// when there is one (a software adapter is slower than the CPU), else the CPU.
fn kernels_for(choice: BackendChoice) -> anyhow::Result<WideKernels> {
    match choice {
        BackendChoice::Cpu => Ok(WideKernels::Cpu),
        BackendChoice::Gpu => Ok(WideKernels::Gpu(std::sync::Arc::new(
            WideGpu::new_blocking()?,
        ))),
        BackendChoice::Auto => Ok(match WideGpu::new_blocking() {
            Ok(gpu) if !gpu.is_software() => WideKernels::Gpu(std::sync::Arc::new(gpu)),
            _ => WideKernels::Cpu,
        }),
    }
}

/// Rows as CSV, one point per line.
fn write_rows(rows: &Rows) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for row in rows.rows() {
        crate::data::csv_rows::write_point(&mut out, &row.to_vec()).context("writing to stdout")?;
    }
    out.flush().context("writing to stdout")
}

/// `nsgf sample` of a d-dimensional model: `n` rows of d numbers.
pub fn sample_command(
    model: &WideModel,
    n: usize,
    nfe: Option<usize>,
    seed: u64,
) -> anyhow::Result<()> {
    write_rows(&model.sample(n, nfe, seed)?)
}

/// A d-dimensional model's evaluation over several draws: the mean of every figure, and the
/// standard error of the mean W2 and of the mean floor.
pub struct MeanEvaluation {
    /// The means of the draws' figures.
    pub mean: crate::highdim::model::WideEvaluation,
    /// The standard error of the mean W2 over the draws (0 for one draw).
    pub w2_error: f64,
    /// The standard error of the mean floor over the draws (0 for one draw).
    pub floor_error: f64,
}

/// The standard error of the mean of `values`: sd / √k (0 for fewer than two values).
pub fn standard_error(values: &[f64]) -> f64 {
    let k = values.len() as f64;
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / k;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0);
    (variance / k).sqrt()
}

/// [`WideModel::evaluate`] over `repeats` draws (seeds derived from `seed`).
pub fn mean_evaluation(
    model: &WideModel,
    n: usize,
    nfe: Option<usize>,
    seed: u64,
    repeats: usize,
) -> anyhow::Result<MeanEvaluation> {
    if repeats == 0 {
        anyhow::bail!("--repeats must be at least 1 (got 0)");
    }
    let draws = (0..repeats as u64)
        .map(|repeat| model.evaluate(n, nfe, seed.wrapping_add(repeat.wrapping_mul(0x9e37_79b9))))
        .collect::<Result<Vec<_>, _>>()?;
    let mean_of = |pick: fn(&crate::highdim::model::WideEvaluation) -> f64| {
        draws.iter().map(pick).sum::<f64>() / repeats as f64
    };
    let errors = |pick: fn(&crate::highdim::model::WideEvaluation) -> f64| {
        standard_error(&draws.iter().map(pick).collect::<Vec<_>>())
    };
    Ok(MeanEvaluation {
        mean: crate::highdim::model::WideEvaluation {
            w2: mean_of(|e| e.w2),
            floor: mean_of(|e| e.floor),
            nearest_median: mean_of(|e| e.nearest_median),
            held_out_nearest_median: mean_of(|e| e.held_out_nearest_median),
            nfe: draws[0].nfe,
            seconds: mean_of(|e| e.seconds),
        },
        w2_error: errors(|e| e.w2),
        floor_error: errors(|e| e.floor),
    })
}

/// `nsgf eval` of a d-dimensional model: W2 against held-out data beside the floor (two disjoint
/// held-out samples), averaged over `repeats` draws, and the nearest-training-point medians.
pub fn eval_command(
    model: &WideModel,
    n: usize,
    nfe: Option<usize>,
    seed: u64,
    repeats: usize,
) -> anyhow::Result<()> {
    let MeanEvaluation { mean, .. } = mean_evaluation(model, n, nfe, seed, repeats)?;
    super::progress::note(format!(
        "nfe {}, {:.3} s to generate {n} samples",
        mean.nfe, mean.seconds
    ));
    println!("w2 {:.6}", mean.w2);
    println!("floor {:.6}", mean.floor);
    println!("ratio {:.4}", mean.w2 / mean.floor);
    println!("nearest_training_median {:.6}", mean.nearest_median);
    println!(
        "held_out_nearest_training_median {:.6}",
        mean.held_out_nearest_median
    );
    Ok(())
}

/// `nsgf gif` of a d-dimensional model: a grid of up to [`GRID_IMAGES`] 8×8 images flowing
/// from noise to digits, one GIF frame per trajectory frame.
pub fn gif_command(
    model: &WideModel,
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
pub fn write_grid_gif(
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
pub fn figure_command(
    model: &WideModel,
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
pub fn check_png_outputs(outputs: &[std::path::PathBuf], dim: usize) -> anyhow::Result<()> {
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
pub fn write_grid_figure(
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
        crate::highdim::image_grid::render_strip(trajectory, times, layout).ok_or_else(|| {
            anyhow::anyhow!(
                "the flow's points are not 8×8 images: its figure draws 64 numbers a point"
            )
        })?;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| anyhow::anyhow!("a {width}×{height} figure is too large"))?;
    for (pixel, &level) in pixmap.pixels_mut().iter_mut().zip(&grey) {
        *pixel =
            tiny_skia::PremultipliedColorU8::from_rgba(level, level, level, 255).expect("opaque");
    }
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

#[cfg(test)]
mod tests {
    use super::standard_error;

    #[test]
    fn the_standard_error_is_the_sample_deviation_over_the_root_of_the_count() {
        // 1, 2, 3, 4: mean 2.5, sample variance 5/3, standard error √(5/3 / 4).
        let se = standard_error(&[1.0, 2.0, 3.0, 4.0]);
        assert!((se - (5.0_f64 / 12.0).sqrt()).abs() < 1e-15, "{se}");
        assert_eq!(standard_error(&[7.0]), 0.0);
        assert_eq!(standard_error(&[3.0, 3.0, 3.0]), 0.0);
    }
}
