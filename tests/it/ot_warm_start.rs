//! Warm start of the CPU backend: when it is used, what it returns, when it is not used.

use nsgf::Point;
use nsgf::cli::bench::warm_start::compare_warm_start;
use nsgf::ot::WarmStartable as _;
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{
    Precision, SinkhornParams, VelocityBackend, WarmStartConfig, epsilon_schedule, max_diameter,
};

fn cloud(n: usize, seed: f64, centre: Point, spread: f64) -> Vec<Point> {
    (0..n)
        .map(|i| {
            let t = i as f64 + seed;
            [
                centre[0] + spread * ((t * 0.754_877_666).fract() * 2.0 - 1.0),
                centre[1] + spread * ((t * 0.569_840_291).fract() * 2.0 - 1.0 + 0.2 * t.sin()),
            ]
        })
        .collect()
}

/// A regime where Sinkhorn converges well at ε = blur² (blur large against the data).
const EASY: SinkhornParams = SinkhornParams {
    blur: 1.0,
    scaling: 0.7,
};

fn cold_iterations(x: &[Point], y: &[Point], params: &SinkhornParams) -> usize {
    epsilon_schedule(max_diameter(x, y), params).unwrap().len()
        + epsilon_schedule(max_diameter(x, &[]), params)
            .unwrap()
            .len()
}

fn relative_difference(a: &[Point], b: &[Point]) -> f64 {
    let scale = b
        .iter()
        .flat_map(|v| v.iter())
        .fold(0.0_f64, |m, c| m.max(c.abs()));
    let diff = a
        .iter()
        .zip(b)
        .flat_map(|(p, q)| [(p[0] - q[0]).abs(), (p[1] - q[1]).abs()])
        .fold(0.0_f64, f64::max);
    diff / scale
}

#[test]
fn warm_start_matches_cold_where_sinkhorn_converges() {
    let x = cloud(80, 0.0, [0.0, 0.0], 1.0);
    let y = cloud(64, 9.0, [2.0, 1.0], 0.6);
    let config = WarmStartConfig {
        tolerance: 1e-6,
        max_iterations: 400,
    };
    let report = compare_warm_start(&x, &y, &EASY, Precision::F64, 6, 0.2, config).unwrap();
    // The first step has nothing to start from: cold.
    assert_eq!(
        report.steps[0].warm_iterations,
        report.steps[0].cold_iterations
    );
    assert_eq!(report.steps[0].relative_difference, 0.0);
    for (step, s) in report.steps.iter().enumerate().skip(1) {
        // Warm solves converged (no cold fallback, which would cost cap + schedule).
        assert!(
            s.warm_iterations < 2 * config.max_iterations,
            "step {step}: fell back"
        );
        assert!(
            s.relative_difference < 5e-3,
            "step {step}: warm differs from cold by {:e}",
            s.relative_difference
        );
    }
}

#[test]
fn warm_start_is_off_by_default_and_every_call_is_cold() {
    let x = cloud(40, 0.0, [0.0, 0.0], 1.0);
    let y = cloud(30, 4.0, [1.0, 0.0], 1.0);
    let mut backend = CpuBackend::new(Precision::F64);
    assert!(!backend.warm_start());
    let first = backend.velocity(&x, &y, &EASY).unwrap();
    let second = backend.velocity(&x, &y, &EASY).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        backend.last_stats().iterations,
        cold_iterations(&x, &y, &EASY)
    );
}

#[test]
fn warm_state_is_dropped_on_reset_size_change_and_parameter_change() {
    let x = cloud(40, 0.0, [0.0, 0.0], 1.0);
    let y = cloud(30, 4.0, [1.0, 0.0], 1.0);
    let mut cold = CpuBackend::new(Precision::F64);
    let mut warm = CpuBackend::new(Precision::F64)
        .with_warm_start(true)
        .with_warm_config(WarmStartConfig {
            tolerance: 1e-6,
            max_iterations: 400,
        });
    let reference = cold.velocity(&x, &y, &EASY).unwrap();
    assert_eq!(warm.velocity(&x, &y, &EASY).unwrap(), reference);
    // The same problem again: solved warm at ε = blur², close to the cold answer.
    let again = warm.velocity(&x, &y, &EASY).unwrap();
    assert_ne!(warm.last_stats().iterations, cold_iterations(&x, &y, &EASY));
    assert!(warm.last_stats().iterations < 2 * 400);
    assert!(relative_difference(&again, &reference) < 5e-3);
    // After a reset: cold again, bit for bit.
    warm.reset_warm_start();
    assert_eq!(warm.velocity(&x, &y, &EASY).unwrap(), reference);
    assert_eq!(warm.last_stats(), cold.last_stats());
    // Another target size: cold.
    let y_small = &y[..20];
    let cold_small = cold.velocity(&x, y_small, &EASY).unwrap();
    assert_eq!(warm.velocity(&x, y_small, &EASY).unwrap(), cold_small);
    // Other parameters: cold.
    let other = SinkhornParams { blur: 0.8, ..EASY };
    let cold_other = cold.velocity(&x, y_small, &other).unwrap();
    assert_eq!(warm.velocity(&x, y_small, &other).unwrap(), cold_other);
}
