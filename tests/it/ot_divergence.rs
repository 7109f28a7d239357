//! Invariants of the debiased Sinkhorn divergence and of the biased OT value.

use nsgf::Point;
use nsgf::ot::{Precision, SinkhornParams, ot_value, sinkhorn_divergence};

/// A deterministic, irregular cloud of `n` points around `centre`.
fn cloud(n: usize, seed: f64, centre: Point) -> Vec<Point> {
    (0..n)
        .map(|i| {
            let t = i as f64 + seed;
            [
                centre[0] + (t * 0.754_877_666).fract() * 2.0 - 1.0 + 0.3 * (t * 1.3).sin(),
                centre[1] + (t * 0.569_840_291).fract() * 1.5 - 0.75,
            ]
        })
        .collect()
}

fn shifted(points: &[Point], by: Point) -> Vec<Point> {
    points
        .iter()
        .map(|p| [p[0] + by[0], p[1] + by[1]])
        .collect()
}

const PARAMS: SinkhornParams = SinkhornParams {
    blur: 0.1,
    scaling: 0.8,
};

#[test]
fn divergence_of_a_cloud_with_itself_is_zero() {
    let x = cloud(70, 0.0, [0.5, -1.0]);
    for precision in [Precision::F64, Precision::F32] {
        let s = sinkhorn_divergence(&x, &x, &PARAMS, precision).unwrap();
        assert!(s.abs() < 1e-12, "{precision:?}: S(x, x) = {s}");
    }
}

#[test]
fn divergence_of_two_points_is_half_their_squared_distance() {
    let (x, y) = ([[0.25, -1.0]], [[2.0, 0.5]]);
    let half_sq = 0.5 * (1.75_f64.powi(2) + 1.5_f64.powi(2));
    let s = sinkhorn_divergence(&x, &y, &PARAMS, Precision::F64).unwrap();
    assert!(
        (s - half_sq).abs() < 1e-12 * half_sq,
        "S = {s}, want {half_sq}"
    );
    let s32 = sinkhorn_divergence(&x, &y, &PARAMS, Precision::F32).unwrap();
    assert!((s32 - half_sq).abs() < 1e-5 * half_sq, "f32 S = {s32}");
    // With one point on each side the only coupling is the product: OT_ε = C.
    let ot = ot_value(&x, &y, &PARAMS, Precision::F64).unwrap();
    assert!((ot - half_sq).abs() < 1e-12 * half_sq, "OT = {ot}");
}

#[test]
fn divergence_is_nonnegative_and_shrinks_as_the_clouds_approach() {
    let x = cloud(90, 0.0, [0.0, 0.0]);
    let y = cloud(60, 17.0, [0.0, 0.0]);
    let mut previous = f64::INFINITY;
    for distance in [3.0, 1.5, 0.75, 0.3, 0.1, 0.0] {
        let y_at = shifted(&y, [distance, -0.5 * distance]);
        let s = sinkhorn_divergence(&x, &y_at, &PARAMS, Precision::F64).unwrap();
        assert!(s >= 0.0, "S = {s} < 0 at distance {distance}");
        assert!(
            s < previous,
            "S = {s} did not shrink (was {previous}) at distance {distance}"
        );
        let s32 = sinkhorn_divergence(&x, &y_at, &PARAMS, Precision::F32).unwrap();
        assert!((s32 - s).abs() < 1e-3 * (1.0 + s), "f32 {s32} vs f64 {s}");
        previous = s;
    }
}

#[test]
fn divergence_of_a_translate_is_half_the_squared_shift() {
    // For the quadratic cost, OT_ε(α, α + τ) = OT_ε(α, α) + ½|τ|², so S_ε = ½|τ|² at the
    // fixed point; GeomLoss's annealed potentials come close.
    let x = cloud(80, 3.0, [1.0, 1.0]);
    for tau in [[2.0, 0.0], [0.5, -0.5]] {
        let s = sinkhorn_divergence(&x, &shifted(&x, tau), &PARAMS, Precision::F64).unwrap();
        let want = 0.5 * (tau[0] * tau[0] + tau[1] * tau[1]);
        assert!((s - want).abs() < 0.02 * want, "S = {s}, want ≈ {want}");
    }
}

#[test]
fn divergence_is_symmetric() {
    let x = cloud(50, 0.0, [0.0, 0.0]);
    let y = cloud(40, 5.0, [1.0, 0.5]);
    let xy = sinkhorn_divergence(&x, &y, &PARAMS, Precision::F64).unwrap();
    let yx = sinkhorn_divergence(&y, &x, &PARAMS, Precision::F64).unwrap();
    assert!((xy - yx).abs() < 1e-9 * xy, "S(x,y) = {xy}, S(y,x) = {yx}");
}
