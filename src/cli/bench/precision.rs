//! The f32-accuracy study behind `nsgf bench --what precision`: the f32 velocity against the f64
//! one as diameter²/ε grows, which is where [`crate::ot::F32_MAX_DIAMETER2_OVER_EPS`] comes from.

use crate::Point;
use crate::data::{Preset, Stream, stream_rng};
use crate::ot::{OtError, Precision, SinkhornParams, flow_velocity, max_diameter};

/// The f32 error at one diameter²/ε.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionPoint {
    /// diameter²/ε of the pair of clouds (diameter of their union, ε = blur²).
    pub diameter2_over_eps: f64,
    /// `max_i ‖v32(x_i) − v64(x_i)‖∞ / max_i ‖v64(x_i)‖∞`.
    pub max_relative_error: f64,
    /// `mean_i ‖v32(x_i) − v64(x_i)‖ / mean_i ‖v64(x_i)‖`.
    pub mean_relative_error: f64,
}

/// The f32 velocity's error against f64 on `source → target` at blur
/// `diameter / √ratio` for each ratio (the annealing factor `scaling` as given).
pub fn f32_error_against_ratio(
    source: &[Point],
    target: &[Point],
    ratios: &[f64],
    scaling: f64,
) -> Result<Vec<PrecisionPoint>, OtError> {
    let diameter = max_diameter(source, target);
    ratios
        .iter()
        .map(|&ratio| {
            let params = SinkhornParams {
                blur: diameter / ratio.sqrt(),
                scaling,
            };
            let v32 = flow_velocity(source, target, &params, Precision::F32)?.velocity;
            let v64 = flow_velocity(source, target, &params, Precision::F64)?.velocity;
            let (mut worst, mut largest, mut error_sum, mut norm_sum) =
                (0.0_f64, 0.0_f64, 0.0, 0.0);
            for (a, b) in v32.iter().zip(&v64) {
                let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
                worst = worst.max(dx.abs().max(dy.abs()));
                largest = largest.max(b[0].abs().max(b[1].abs()));
                error_sum += dx.hypot(dy);
                norm_sum += b[0].hypot(b[1]);
            }
            Ok(PrecisionPoint {
                diameter2_over_eps: ratio,
                max_relative_error: worst / largest.max(f64::MIN_POSITIVE),
                mean_relative_error: error_sum / norm_sum.max(f64::MIN_POSITIVE),
            })
        })
        .collect()
}

/// Runs the study on three source → target pairs of `n` points and prints one table.
pub(crate) fn bench_precision(n: usize, seed: u64, scaling: f64) -> anyhow::Result<()> {
    let ratios = [1e2, 1e3, 1e4, 1e5, 1e6, 3e6, 1e7, 3e7, 1e8, 1e9];
    let pairs = [
        (Preset::Gaussian, Preset::Moons),
        (Preset::EightGaussians, Preset::Checkerboard),
        (Preset::Gaussian, Preset::TwoSpirals),
    ];
    println!(
        "\nf32 against f64 (cpu, n = m = {n}, blur = diameter/√ratio, scaling {scaling}); \
         relative velocity error max / mean:"
    );
    print!("  {:>12}", "diameter²/ε");
    for (source, target) in pairs {
        print!("  {:>28}", format!("{} → {}", source.name(), target.name()));
    }
    println!();
    let mut columns = Vec::new();
    for (index, (source, target)) in pairs.iter().enumerate() {
        let x = source.sample(n, &mut stream_rng(seed, Stream::PrecisionSource(index)));
        let y = target.sample(n, &mut stream_rng(seed, Stream::PrecisionTarget(index)));
        columns.push(f32_error_against_ratio(&x, &y, &ratios, scaling)?);
    }
    for (row, ratio) in ratios.iter().enumerate() {
        print!("  {ratio:>12.0e}");
        for column in &columns {
            let point = column[row];
            print!(
                "  {:>28}",
                format!(
                    "{:.1e} / {:.1e}",
                    point.max_relative_error, point.mean_relative_error
                )
            );
        }
        println!();
    }
    Ok(())
}
