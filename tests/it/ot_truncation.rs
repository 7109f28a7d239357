//! Truncated kernels: the same velocities as the dense kernels, with fewer terms.

use crate::support::{max_difference, max_norm, pair};
use nsgf::Point;
use nsgf::data::Preset;
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{Precision, SinkhornParams, Truncation, VelocityBackend, VelocityMode};

/// The velocity and the softmin terms it took, on dense or truncated kernels.
fn velocity(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
    mode: VelocityMode,
    truncation: Truncation,
) -> (Vec<Point>, u64) {
    let mut backend = CpuBackend::new(precision).with_truncation(truncation);
    backend.set_mode(mode).unwrap();
    let v = backend.velocity(x, y, params).unwrap();
    (v, backend.last_stats().softmin_terms)
}

#[test]
fn truncated_velocities_match_the_dense_ones_with_far_fewer_terms() {
    let cases = [
        (Preset::Gaussian, Preset::Moons, 2000, 0.05),
        (Preset::Gaussian, Preset::Moons, 1500, 0.01),
        (Preset::EightGaussians, Preset::Checkerboard, 1500, 0.05),
        (Preset::Checkerboard, Preset::Circles, 700, 0.1),
    ];
    for (source, target, n, blur) in cases {
        let (x, y) = pair(source, target, n, 7);
        let params = SinkhornParams { blur, scaling: 0.9 };
        for precision in [Precision::F32, Precision::F64] {
            let mode = VelocityMode::Annealed;
            let (dense, dense_terms) = velocity(&x, &y, &params, precision, mode, Truncation::Off);
            let (truncated, truncated_terms) =
                velocity(&x, &y, &params, precision, mode, Truncation::On);
            let error = max_difference(&truncated, &dense) / max_norm(&dense);
            let kept = truncated_terms as f64 / dense_terms as f64;
            println!(
                "{source:?} → {target:?}, n {n}, blur {blur}, {precision:?}: \
                 max error {error:.2e} of max|v|, {:.1} % of the terms",
                100.0 * kept
            );
            // Skipped terms are below 2^-30 of their row maximum (f64 shows it); f32 differs by its
            // own rounding of a differently ordered sum. The issue asks for 5e-3.
            let tolerance = if precision == Precision::F64 {
                1e-10
            } else {
                1e-3
            };
            assert!(error < tolerance, "error {error:e} of max|v|");
            assert!(kept < 0.85, "kept {kept} of the dense terms");
        }
    }
}

#[test]
fn truncation_keeps_the_warm_modes_and_the_divergence_unchanged() {
    let (x, y) = pair(Preset::Gaussian, Preset::Moons, 1200, 3);
    let params = SinkhornParams::default();
    for mode in [
        VelocityMode::WarmAnnealed { restart: 4.0 },
        VelocityMode::Converged(nsgf::ot::ConvergedConfig::default()),
    ] {
        // Two Euler steps, so the second one starts from the first one's potentials.
        let run = |truncation| {
            let mut backend = CpuBackend::new(Precision::F32).with_truncation(truncation);
            backend.set_mode(mode).unwrap();
            let v = backend.velocity(&x, &y, &params).unwrap();
            let moved: Vec<Point> = x
                .iter()
                .zip(&v)
                .map(|(p, v)| [p[0] + 0.25 * v[0], p[1] + 0.25 * v[1]])
                .collect();
            backend.velocity(&moved, &y, &params).unwrap()
        };
        let dense = run(Truncation::Off);
        let truncated = run(Truncation::On);
        let error = max_difference(&truncated, &dense) / max_norm(&dense);
        assert!(error < 5e-4, "{mode:?}: error {error:e} of max|v|");
    }
    let mut dense = CpuBackend::new(Precision::F64).with_truncation(Truncation::Off);
    let mut truncated = CpuBackend::new(Precision::F64).with_truncation(Truncation::On);
    assert_eq!(
        dense.divergence(&x, &y, &params).unwrap(),
        truncated.divergence(&x, &y, &params).unwrap(),
        "the divergence runs the dense reference kernels"
    );
}

#[test]
fn auto_truncation_turns_on_at_its_documented_size() {
    assert!(!Truncation::Auto.applies(999, 1000));
    assert!(Truncation::Auto.applies(1000, 1000));
    assert!(Truncation::On.applies(1, 1));
    assert!(!Truncation::Off.applies(100_000, 100_000));
    // Tiny clouds run truncated without trouble (a single partial block, one point).
    let params = SinkhornParams::default();
    for (n, m) in [(1, 1), (1, 17), (33, 5)] {
        let (x, y) = pair(Preset::Gaussian, Preset::Moons, n.max(m), 1);
        let (x, y) = (&x[..n], &y[..m]);
        let mode = VelocityMode::Annealed;
        let (dense, _) = velocity(x, y, &params, Precision::F64, mode, Truncation::Off);
        let (truncated, _) = velocity(x, y, &params, Precision::F64, mode, Truncation::On);
        assert!(max_difference(&truncated, &dense) <= 1e-9 * (1.0 + max_norm(&dense)));
    }
}

#[test]
fn nsgf_flow_takes_truncation_from_the_command_line_and_names_it() {
    let run = |truncation: &str| {
        let output = crate::support::nsgf(&[
            "flow",
            "--source",
            "gaussian",
            "--target",
            "moons",
            "--n",
            "300",
            "--steps",
            "3",
            "--backend",
            "cpu",
            "--truncation",
            truncation,
        ]);
        assert!(output.status.success());
        let rows: Vec<Vec<f64>> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| line.split(',').map(|v| v.parse().unwrap()).collect())
            .collect();
        (rows, String::from_utf8(output.stderr).unwrap())
    };
    let (truncated, note_on) = run("on");
    let (dense, note_off) = run("off");
    assert!(note_on.contains("velocity: annealed (GeomLoss-exact), truncated kernels"));
    assert!(note_off.contains("velocity: annealed (GeomLoss-exact), dense kernels"));
    assert_eq!(truncated.len(), dense.len());
    assert_eq!(truncated.len(), 4 * 300, "t = 0 and three steps");
    for (a, b) in truncated.iter().zip(&dense) {
        for (p, q) in a.iter().zip(b) {
            assert!((p - q).abs() < 1e-4, "{a:?} vs {b:?}");
        }
    }
}
