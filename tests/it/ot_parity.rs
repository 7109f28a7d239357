//! Parity of the CPU Sinkhorn backend with GeomLoss 0.3.1 on the reference fixtures: the
//! ε-schedules and the flow velocity, in f64 and f32, through the free functions and the backend.

use nsgf::Point;
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{
    Precision, SinkhornParams, VelocityBackend, epsilon_schedule, flow_velocity, max_diameter,
};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The fixtures are plain `x,y` lines written by numpy (17 significant digits, no header).
fn read_fixture_points(name: &str) -> Vec<Point> {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture readable");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (a, b) = line.split_once(',').expect("two columns");
            [a.trim().parse().unwrap(), b.trim().parse().unwrap()]
        })
        .collect()
}

struct Case {
    name: String,
    params: SinkhornParams,
    schedule_xy: Vec<f64>,
    schedule_xx: Vec<f64>,
    source: Vec<Point>,
    target: Vec<Point>,
    velocity: Vec<Point>,
}

fn cases() -> Vec<Case> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("manifest.json")).unwrap()).unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_f64().unwrap())
            .collect()
    };
    manifest["velocity_cases"]
        .as_array()
        .unwrap()
        .iter()
        // The 64-dimensional case has its own test (`highdim_parity`).
        .filter(|case| case["dimension"].as_u64().unwrap_or(2) == 2)
        .map(|case| {
            let name = case["case"].as_str().unwrap().to_string();
            let source = read_fixture_points(&format!("{name}.source.csv"));
            let target = read_fixture_points(&format!("{name}.target.csv"));
            assert_eq!(source.len() as u64, case["n_source"].as_u64().unwrap());
            assert_eq!(target.len() as u64, case["n_target"].as_u64().unwrap());
            Case {
                params: SinkhornParams {
                    blur: case["blur"].as_f64().unwrap(),
                    scaling: case["scaling"].as_f64().unwrap(),
                },
                schedule_xy: floats(&case["eps_schedule_xy"]),
                schedule_xx: floats(&case["eps_schedule_xx"]),
                velocity: read_fixture_points(&format!("{name}.velocity.csv")),
                name,
                source,
                target,
            }
        })
        .collect()
}

fn assert_schedule_eq(name: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{name}: schedule length");
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs(),
            "{name}: schedule entry {k}: {a} vs GeomLoss {b}"
        );
    }
}

/// The f64 velocity's largest error against GeomLoss's, relative to the largest component
/// (measured up to 8.6e-14 on the cases).
const F64_TOLERANCE: f64 = 1e-12;
/// The same for f32 (measured up to 1.4e-5: the kernels' f32 rounding).
const F32_TOLERANCE: f64 = 1e-4;

/// Largest coordinate error relative to the largest reference velocity component.
fn relative_error(got: &[Point], want: &[Point]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want
        .iter()
        .flat_map(|v| v.iter())
        .fold(0.0_f64, |m, c| m.max(c.abs()));
    let err = got
        .iter()
        .zip(want)
        .flat_map(|(a, b)| [(a[0] - b[0]).abs(), (a[1] - b[1]).abs()])
        .fold(0.0_f64, f64::max);
    err / scale
}

#[test]
fn schedules_equal_geomlosss() {
    let cases = cases();
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let xy = epsilon_schedule(max_diameter(&case.source, &case.target), &case.params).unwrap();
        assert_schedule_eq(&format!("{} (x,y)", case.name), &xy, &case.schedule_xy);
        let xx = epsilon_schedule(max_diameter(&case.source, &[]), &case.params).unwrap();
        assert_schedule_eq(&format!("{} (x,x)", case.name), &xx, &case.schedule_xx);
    }
}

#[test]
fn velocity_matches_geomloss_in_f64() {
    for case in cases() {
        let got = flow_velocity(&case.source, &case.target, &case.params, Precision::F64).unwrap();
        let err = relative_error(&got.velocity, &case.velocity);
        eprintln!("{}: f64 relative error {err:e}", case.name);
        assert!(
            err < F64_TOLERANCE,
            "{}: f64 relative error {err:e}",
            case.name
        );
    }
}

#[test]
fn velocity_matches_geomloss_in_f32() {
    for case in cases() {
        let got = flow_velocity(&case.source, &case.target, &case.params, Precision::F32).unwrap();
        let err = relative_error(&got.velocity, &case.velocity);
        eprintln!("{}: f32 relative error {err:e}", case.name);
        assert!(
            err < F32_TOLERANCE,
            "{}: f32 relative error {err:e}",
            case.name
        );
    }
}

#[test]
fn backend_matches_geomloss_and_counts_its_work() {
    for case in cases() {
        for (precision, tolerance) in [
            (Precision::F64, F64_TOLERANCE),
            (Precision::F32, F32_TOLERANCE),
        ] {
            let mut backend = CpuBackend::new(precision);
            let got = backend
                .velocity(&case.source, &case.target, &case.params)
                .unwrap();
            let err = relative_error(&got, &case.velocity);
            assert!(
                err < tolerance,
                "{} {precision:?}: relative error {err:e}",
                case.name
            );
            let (n, m) = (case.source.len() as u64, case.target.len() as u64);
            let (kxy, kxx) = (case.schedule_xy.len() as u64, case.schedule_xx.len() as u64);
            let stats = backend.last_stats();
            assert_eq!(stats.iterations as u64, kxy + kxx);
            // (x,y): init + one update per entry, two softmins each, then one projection;
            // (x,x): the same with one softmin per update.
            let terms = (kxy + 1) * 2 * n * m + n * m + (kxx + 1) * n * n + n * n;
            assert_eq!(stats.softmin_terms, terms);
        }
    }
}

/// A backend built `with_kernel(Portable)` gives the dispatched backend's velocity (the two
/// kernels differ only by fused multiply-adds and lane order, within f32's resolution), and a
/// kernel is refused where the CPU lacks it.
#[test]
fn a_backend_on_the_portable_kernel_gives_the_dispatched_velocity() {
    use nsgf::ot::Kernel;
    for case in &cases() {
        let params = case.params;
        let dispatched = CpuBackend::new(Precision::F32)
            .velocity(&case.source, &case.target, &params)
            .unwrap();
        let mut portable = CpuBackend::new(Precision::F32)
            .with_kernel(Kernel::Portable)
            .unwrap();
        let on_portable = portable
            .velocity(&case.source, &case.target, &params)
            .unwrap();
        let scale = crate::support::max_norm(&dispatched);
        let gap = crate::support::max_difference(&dispatched, &on_portable);
        assert!(
            gap <= 1e-4 * scale,
            "{}: gap {gap:e}, max|v| {scale:e}",
            case.name
        );
    }
    for kernel in Kernel::ALL {
        let built = CpuBackend::new(Precision::F32).with_kernel(kernel);
        assert_eq!(built.is_ok(), kernel.runs_here(), "{}", kernel.name());
        if let Err(error) = built {
            assert!(error.to_string().contains(kernel.name()), "{error}");
        }
    }
}
