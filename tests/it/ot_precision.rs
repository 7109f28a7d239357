//! Where f32 is accurate (measured against f64), the CPU backend's switch to f64 beyond that,
//! and non-finite kernel results reported as errors, never as data.

use nsgf::Point;
use nsgf::cli::bench::precision::f32_error_against_ratio;
use nsgf::data::{Preset, seeded_rng};
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::validate::{check_finite_points, check_finite_value, diameter2_over_eps};
use nsgf::ot::{
    F32_MAX_DIAMETER2_OVER_EPS, OtError, Precision, SinkhornParams, VelocityBackend, flow_velocity,
    max_diameter,
};

fn clouds(n: usize) -> (Vec<Point>, Vec<Point>) {
    (
        Preset::Gaussian.sample(n, &mut seeded_rng(3)),
        Preset::Moons.sample(n, &mut seeded_rng(4)),
    )
}

/// Parameters whose diameter²/ε on `x ∪ y` is `ratio`.
fn params_at(x: &[Point], y: &[Point], ratio: f64) -> SinkhornParams {
    SinkhornParams {
        blur: max_diameter(x, y) / ratio.sqrt(),
        scaling: 0.9,
    }
}

#[test]
fn f32_is_accurate_up_to_the_documented_ratio_and_not_far_beyond() {
    let (x, y) = clouds(300);
    let points = f32_error_against_ratio(&x, &y, &[F32_MAX_DIAMETER2_OVER_EPS, 1e8], 0.9).unwrap();
    let (within, beyond) = (points[0], points[1]);
    println!("f32 error at {within:?} and {beyond:?}");
    assert!(
        within.max_relative_error < 1e-3,
        "at the limit the f32 velocity is within 1e-3 of max|v|: {within:?}"
    );
    assert!(
        beyond.max_relative_error > 1e-3,
        "well past the limit f32 is visibly off, so the limit is not needlessly low: {beyond:?}"
    );
}

#[test]
fn the_cpu_backend_computes_in_f64_where_f32_cannot_be_accurate() {
    let (x, y) = clouds(200);
    let mut backend = CpuBackend::new(Precision::F32);

    let fine = params_at(&x, &y, 1e4);
    let v = backend.velocity(&x, &y, &fine).unwrap();
    assert_eq!(
        v,
        flow_velocity(&x, &y, &fine, Precision::F32)
            .unwrap()
            .velocity
    );
    assert_eq!(backend.take_notice(), None, "no note where f32 is accurate");

    let sharp = params_at(&x, &y, 1e8);
    assert!(diameter2_over_eps(&x, &y, &sharp) > F32_MAX_DIAMETER2_OVER_EPS);
    let v = backend.velocity(&x, &y, &sharp).unwrap();
    assert_eq!(
        v,
        flow_velocity(&x, &y, &sharp, Precision::F64)
            .unwrap()
            .velocity,
        "computed in f64"
    );
    let notice = backend.take_notice().expect("the switch is noted");
    assert!(notice.contains("computing in f64"), "{notice}");
    assert!(notice.contains("diameter²/ε = 1.0e8"), "{notice}");
    backend.velocity(&x, &y, &sharp).unwrap();
    assert_eq!(backend.take_notice(), None, "noted once per parameter set");
    let divergence = backend.divergence(&x, &y, &sharp).unwrap();
    let exact = nsgf::ot::sinkhorn_divergence(&x, &y, &sharp, Precision::F64).unwrap();
    assert_eq!(divergence, exact, "the divergence switches too");
}

#[test]
fn non_finite_results_are_errors_that_name_their_cause() {
    let error = check_finite_points(&[[0.0, 1.0], [f64::NAN, 0.0]], "velocity", Precision::F32)
        .unwrap_err();
    assert_eq!(
        error,
        OtError::NonFiniteResult {
            quantity: "velocity",
            index: Some(1),
            precision: Precision::F32
        }
    );
    assert_eq!(
        error.to_string(),
        "the F32 velocity at point 1 is not finite: f32 overflow: rescale the data or use \
         --precision f64"
    );
    let error =
        check_finite_value(f64::INFINITY, "Sinkhorn divergence", Precision::F64).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the F64 Sinkhorn divergence is not finite: f64 overflow: rescale the data"
    );
    assert_eq!(
        check_finite_value(1.5, "Sinkhorn divergence", Precision::F64),
        Ok(1.5)
    );
}

#[test]
fn extreme_inputs_give_finite_output_or_a_clean_error() {
    // Coordinates at the f32 limit with tiny and huge blurs, in both precisions: every public
    // entry point answers with finite numbers or an error, never NaN data.
    let big = 3.9e18;
    let x = vec![[big, -big], [-big, big], [0.0, 0.0]];
    let y = vec![[big, big], [0.0, -big]];
    let clean = |error: &OtError| {
        matches!(
            error,
            OtError::NonFiniteResult { .. } | OtError::TooLarge { .. }
        )
    };
    let mut errors = 0;
    for blur in [1e-30, 1e-3, 1.0, 1e18, 1e30] {
        let params = SinkhornParams { blur, scaling: 0.5 };
        for precision in [Precision::F32, Precision::F64] {
            match flow_velocity(&x, &y, &params, precision) {
                Ok(v) => assert!(
                    v.velocity
                        .iter()
                        .all(|p| p[0].is_finite() && p[1].is_finite()),
                    "blur {blur} {precision:?}: {v:?}"
                ),
                Err(error) => {
                    println!("blur {blur} {precision:?}: {error}");
                    assert!(clean(&error), "{error:?}");
                    errors += 1;
                }
            }
            match nsgf::ot::sinkhorn_divergence(&x, &y, &params, precision) {
                Ok(d) => assert!(d.is_finite(), "blur {blur} {precision:?}: {d}"),
                Err(error) => assert!(clean(&error), "{error:?}"),
            }
        }
        // The backend switches to f64 where f32 cannot be accurate, and so answers these.
        let v = CpuBackend::new(Precision::F32)
            .velocity(&x, &y, &params)
            .unwrap();
        assert!(v.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
    }
    assert!(
        errors > 0,
        "raw f32 kernels overflow here (C/ε beyond f32): the case this test is about"
    );
}
