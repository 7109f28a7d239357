//! The coarse-to-fine (multiscale) velocity: close to GeomLoss's annealed one at a fraction of
//! the terms, with no state between calls.

use crate::support::{max_difference, max_norm, pair};
use nsgf::Point;
use nsgf::data::Preset;
use nsgf::gpu::test_support::{backend_or_skip, serial_gpu_test};
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{OtError, Precision, SinkhornParams, Truncation, VelocityBackend, VelocityMode};

/// The velocity, the softmin terms and the iterations it took.
fn velocity(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
    mode: VelocityMode,
    truncation: Truncation,
) -> (Vec<Point>, u64, usize) {
    let mut backend = CpuBackend::new(precision).with_truncation(truncation);
    backend.set_mode(mode).unwrap();
    let v = backend.velocity(x, y, params).unwrap();
    let stats = backend.last_stats();
    (v, stats.softmin_terms, stats.iterations)
}

#[test]
fn multiscale_velocities_are_within_5e_3_of_the_dense_exact_ones_with_a_fraction_of_the_terms() {
    let cases = [
        (Preset::Gaussian, Preset::Moons, 2000, 0.05),
        (Preset::Gaussian, Preset::Moons, 1500, 0.02),
        (Preset::EightGaussians, Preset::Checkerboard, 1500, 0.05),
        (Preset::Checkerboard, Preset::Circles, 700, 0.1),
    ];
    for (source, target, n, blur) in cases {
        let (x, y) = pair(source, target, n, 11);
        let params = SinkhornParams { blur, scaling: 0.9 };
        for precision in [Precision::F32, Precision::F64] {
            let (exact, exact_terms, exact_iterations) = velocity(
                &x,
                &y,
                &params,
                precision,
                VelocityMode::Annealed,
                Truncation::Off,
            );
            for truncation in [Truncation::Off, Truncation::On] {
                let (coarse, terms, iterations) = velocity(
                    &x,
                    &y,
                    &params,
                    precision,
                    VelocityMode::multiscale(),
                    truncation,
                );
                let error = max_difference(&coarse, &exact) / max_norm(&exact);
                let share = terms as f64 / exact_terms as f64;
                println!(
                    "{source:?} → {target:?}, n {n}, blur {blur}, {precision:?}, {truncation:?}: \
                     max error {error:.2e} of max|v|, {:.1} % of the terms",
                    100.0 * share
                );
                assert!(error < 5e-3, "error {error:e} of max|v|");
                // The same schedule, most of it on clusters of 4 points (1/16 of the terms).
                assert_eq!(iterations, exact_iterations);
                assert!(share < 0.75, "{share} of the exact terms");
            }
        }
    }
}

#[test]
fn multiscale_calls_keep_no_state_and_the_gpu_refuses_them_by_name() {
    let (x, y) = pair(Preset::Gaussian, Preset::Moons, 1200, 5);
    let params = SinkhornParams::default();
    let mut backend = CpuBackend::new(Precision::F32);
    backend.set_mode(VelocityMode::multiscale()).unwrap();
    assert!(backend.name().contains("multiscale"), "{}", backend.name());
    let first = backend.velocity(&x, &y, &params).unwrap();
    let first_stats = backend.last_stats();
    let moved: Vec<Point> = x.iter().map(|p| [p[0] + 0.01, p[1]]).collect();
    backend.velocity(&moved, &y, &params).unwrap();
    // Every call anneals from the diameter: the same call gives the same answer and work.
    assert_eq!(backend.velocity(&x, &y, &params).unwrap(), first);
    assert_eq!(backend.last_stats(), first_stats);

    let _serial = serial_gpu_test();
    let Some(mut gpu) = backend_or_skip() else {
        return;
    };
    let refused = gpu.set_mode(VelocityMode::multiscale()).unwrap_err();
    assert!(matches!(refused, OtError::Unsupported(_)), "{refused:?}");
    assert!(refused.to_string().contains("multiscale"), "{refused}");
}

#[test]
fn nsgf_flow_names_the_multiscale_mode_and_the_gpu_refusal_names_the_cpu() {
    let output = crate::support::nsgf(&[
        "flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "300",
        "--steps",
        "2",
        "--backend",
        "cpu",
        "--mode",
        "multiscale",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("velocity: annealed coarse-to-fine (multiscale)"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().count(),
        3 * 300
    );

    let _serial = serial_gpu_test();
    if backend_or_skip().is_none() {
        return;
    }
    let output = crate::support::nsgf(&[
        "flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "50",
        "--steps",
        "1",
        "--backend",
        "gpu",
        "--mode",
        "multiscale",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("mode runs on the CPU (--backend cpu)"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
