//! Input validation of the OT entry points, and the edge cases n ≠ m and n = 1.

use nsgf::Point;
use nsgf::ot::cpu::CpuBackend;
use nsgf::ot::{
    OtError, Precision, SinkhornParams, VelocityBackend, barycentric_projection, flow_velocity,
    sinkhorn_divergence, sinkhorn_potentials,
};

const PARAMS: SinkhornParams = SinkhornParams {
    blur: 0.1,
    scaling: 0.8,
};

fn cloud(n: usize, seed: f64) -> Vec<Point> {
    (0..n)
        .map(|i| {
            let t = i as f64 + seed;
            [
                (t * 0.754_877_666).fract() * 3.0,
                (t * 0.569_840_291).fract() * 2.0,
            ]
        })
        .collect()
}

#[test]
fn bad_parameters_are_rejected() {
    let x = cloud(5, 0.0);
    for (blur, scaling, want) in [
        (0.0, 0.5, OtError::InvalidBlur(0.0)),
        (-1.0, 0.5, OtError::InvalidBlur(-1.0)),
        (0.1, 1.0, OtError::InvalidScaling(1.0)),
        (0.1, 0.0, OtError::InvalidScaling(0.0)),
    ] {
        let params = SinkhornParams { blur, scaling };
        assert_eq!(
            flow_velocity(&x, &x, &params, Precision::F32).unwrap_err(),
            want
        );
        assert_eq!(
            sinkhorn_divergence(&x, &x, &params, Precision::F64).unwrap_err(),
            want
        );
        assert_eq!(
            CpuBackend::new(Precision::F32)
                .velocity(&x, &x, &params)
                .unwrap_err(),
            want
        );
    }
    let nan_blur = SinkhornParams {
        blur: f64::NAN,
        scaling: 0.5,
    };
    assert!(matches!(
        sinkhorn_potentials(&x, &x, &nan_blur, Precision::F64),
        Err(OtError::InvalidBlur(_))
    ));
}

#[test]
fn empty_and_non_finite_sets_are_rejected() {
    let x = cloud(5, 0.0);
    assert_eq!(
        flow_velocity(&[], &x, &PARAMS, Precision::F32).unwrap_err(),
        OtError::EmptySet("source")
    );
    assert_eq!(
        sinkhorn_divergence(&x, &[], &PARAMS, Precision::F32).unwrap_err(),
        OtError::EmptySet("target")
    );
    let mut bad = x.clone();
    bad[3][1] = f64::INFINITY;
    assert_eq!(
        barycentric_projection(&x, &bad, &PARAMS, Precision::F64).unwrap_err(),
        OtError::NonFinite {
            set: "target",
            index: 3
        }
    );
    bad[3][1] = f64::NAN;
    assert_eq!(
        CpuBackend::new(Precision::F64)
            .velocity(&bad, &x, &PARAMS)
            .unwrap_err(),
        OtError::NonFinite {
            set: "source",
            index: 3
        }
    );
}

#[test]
fn one_particle_moves_to_the_target_mean() {
    // n = 1: the only coupling sends the particle's mass evenly, so P_{x→y}(x) = mean(y)
    // and P_{x→x}(x) = x.
    let x = [[0.3, -0.2]];
    let y = cloud(7, 2.0);
    let mean = [
        y.iter().map(|p| p[0]).sum::<f64>() / 7.0,
        y.iter().map(|p| p[1]).sum::<f64>() / 7.0,
    ];
    let v = flow_velocity(&x, &y, &PARAMS, Precision::F64)
        .unwrap()
        .velocity;
    assert!((v[0][0] - (mean[0] - x[0][0])).abs() < 1e-12);
    assert!((v[0][1] - (mean[1] - x[0][1])).abs() < 1e-12);
    // n = m = 1: v = y − x.
    let v = flow_velocity(&x, &[[1.0, 1.0]], &PARAMS, Precision::F32)
        .unwrap()
        .velocity;
    assert!((v[0][0] - 0.7).abs() < 1e-6 && (v[0][1] - 1.2).abs() < 1e-6);
}

#[test]
fn unequal_sizes_give_consistent_potentials_and_f32_agrees_with_f64() {
    let x = cloud(33, 0.0);
    let y = cloud(71, 5.0);
    let p = sinkhorn_potentials(&x, &y, &PARAMS, Precision::F64).unwrap();
    assert_eq!((p.f.len(), p.g.len()), (33, 71));
    assert_eq!(p.eps, PARAMS.blur * PARAMS.blur);
    let v64 = flow_velocity(&x, &y, &PARAMS, Precision::F64).unwrap();
    let v32 = flow_velocity(&x, &y, &PARAMS, Precision::F32).unwrap();
    assert_eq!(v64.velocity.len(), 33);
    assert_eq!(v64.stats, v32.stats);
    let scale = v64
        .velocity
        .iter()
        .flat_map(|v| v.iter())
        .fold(0.0_f64, |m, c| m.max(c.abs()));
    for (a, b) in v32.velocity.iter().zip(&v64.velocity) {
        assert!((a[0] - b[0]).abs() < 5e-3 * scale && (a[1] - b[1]).abs() < 5e-3 * scale);
    }
    // The projection is a convex combination of the targets: inside their bounding box.
    let projected = barycentric_projection(&x, &y, &PARAMS, Precision::F64).unwrap();
    for p in projected {
        assert!(
            (0.0..=3.0).contains(&p[0]) && (0.0..=2.0).contains(&p[1]),
            "{p:?}"
        );
    }
}
