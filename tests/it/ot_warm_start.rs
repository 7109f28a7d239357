//! Warm start of the CPU backend: when it is used, what it returns, when it is not used.

use nsgf::Point;
use nsgf::cli::bench::warm_start::compare_warm_start;
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{
    Precision, SinkhornParams, VelocityBackend, VelocityMode, WarmStartConfig, epsilon_schedule,
    max_diameter,
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
    assert_eq!(backend.mode(), VelocityMode::Annealed);
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
    let mut warm =
        CpuBackend::new(Precision::F64).with_mode(VelocityMode::Refined(WarmStartConfig {
            tolerance: 1e-6,
            max_iterations: 400,
        }));
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

/// The converged mode iterates at ε = blur² to its tolerance: a tighter tolerance moves the
/// velocity by little, the warm start from the previous step saves passes, and the mode is
/// named.
#[test]
fn the_converged_mode_reaches_the_fixed_point_and_reuses_the_last_step() {
    use nsgf::ot::{ConvergedConfig, VelocityMode};
    let x: Vec<nsgf::Point> = (0..80)
        .map(|i| {
            let a = f64::from(i) * 0.31;
            [a.cos() * 1.5, a.sin()]
        })
        .collect();
    let y: Vec<nsgf::Point> = (0..70)
        .map(|i| {
            [
                f64::from(i) * 0.04 - 1.0,
                2.0 + (f64::from(i) * 0.7).sin() * 0.3,
            ]
        })
        .collect();
    let params = nsgf::ot::SinkhornParams {
        blur: 0.5,
        scaling: 0.8,
    };
    let converged = |tolerance: f64| {
        let mut backend = CpuBackend::new(Precision::F64);
        backend
            .set_mode(VelocityMode::Converged(ConvergedConfig {
                tolerance,
                max_iterations: 5000,
            }))
            .unwrap();
        backend
    };
    let mut loose = converged(1e-3);
    assert_eq!(loose.name(), "cpu f64 (converged, warm-started)");
    let v_loose = loose.velocity(&x, &y, &params).unwrap();
    let first_passes = loose.last_stats().iterations;
    let v_tight = converged(1e-9).velocity(&x, &y, &params).unwrap();
    let largest = v_tight
        .iter()
        .flat_map(|v| [v[0].abs(), v[1].abs()])
        .fold(0.0, f64::max);
    let worst = v_loose
        .iter()
        .zip(&v_tight)
        .flat_map(|(a, b)| [(a[0] - b[0]).abs(), (a[1] - b[1]).abs()])
        .fold(0.0, f64::max);
    assert!(worst < 1e-2 * largest, "{worst} of {largest}");
    // The next Euler step starts from these potentials: fewer passes than the first.
    let moved: Vec<nsgf::Point> = x
        .iter()
        .zip(&v_loose)
        .map(|(p, v)| [p[0] + 0.05 * v[0], p[1] + 0.05 * v[1]])
        .collect();
    loose.velocity(&moved, &y, &params).unwrap();
    let second_passes = loose.last_stats().iterations;
    assert!(
        second_passes < first_passes,
        "warm {second_passes} vs first {first_passes}"
    );
}

/// The warm annealing tail: the first step is GeomLoss's exact velocity (the full schedule,
/// nothing to start from); the next one anneals only the tail, from the last potentials.
#[test]
fn the_warm_tail_mode_starts_exact_and_then_anneals_only_the_tail() {
    use nsgf::ot::VelocityMode;
    let x: Vec<nsgf::Point> = (0..90)
        .map(|i| {
            let a = f64::from(i) * 0.27;
            [a.cos() * 2.0, a.sin() * 0.8]
        })
        .collect();
    let y: Vec<nsgf::Point> = (0..60)
        .map(|i| {
            [
                f64::from(i) * 0.05 - 1.5,
                1.0 + (f64::from(i) * 0.5).cos() * 0.4,
            ]
        })
        .collect();
    let params = nsgf::ot::SinkhornParams {
        blur: 0.05,
        scaling: 0.9,
    };
    let mut warm = CpuBackend::new(Precision::F64);
    warm.set_mode(VelocityMode::WarmAnnealed { restart: 16.0 })
        .unwrap();
    let first = warm.velocity(&x, &y, &params).unwrap();
    let first_passes = warm.last_stats().iterations;
    let mut exact = CpuBackend::new(Precision::F64);
    assert_eq!(
        first,
        exact.velocity(&x, &y, &params).unwrap(),
        "exact first step"
    );
    assert_eq!(first_passes, exact.last_stats().iterations);
    let moved: Vec<nsgf::Point> = x
        .iter()
        .zip(&first)
        .map(|(p, v)| [p[0] + 0.1 * v[0], p[1] + 0.1 * v[1]])
        .collect();
    warm.velocity(&moved, &y, &params).unwrap();
    let tail = warm.last_stats().iterations;
    assert!(tail < first_passes, "tail {tail} vs full {first_passes}");
}
