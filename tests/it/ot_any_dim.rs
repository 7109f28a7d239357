//! The one core for every dimension: `ot::cloud_velocity` and `ot::cloud_divergence` on the
//! d-dimensional kernels agree with the 2D kernels at d = 2, see a plane embedded in more
//! dimensions as the plane, and do not care where the cloud sits.

use nsgf::PointCloud;
use nsgf::ot::any_dim::cloud_velocity_on_general_kernels;
use nsgf::ot::{Precision, SinkhornParams, cloud_divergence, cloud_velocity};

/// A deterministic planar cloud of n points.
fn plane(n: usize, seed: f64) -> Vec<[f64; 2]> {
    (0..n)
        .map(|i| {
            let a = (i as f64 * 0.37 + seed).sin() * 1.5;
            let b = (i as f64 * 0.11 + seed * 2.0).cos() + 0.5 * seed;
            [a, b]
        })
        .collect()
}

/// `points` in `dim` ≥ 2 dimensions: the plane's coordinates, then `fill` in every other one.
fn embedded(points: &[[f64; 2]], dim: usize, fill: f64) -> PointCloud {
    let coords = points
        .iter()
        .flat_map(|p| {
            let mut row = vec![fill; dim];
            row[..2].copy_from_slice(p);
            row
        })
        .collect();
    PointCloud::from_flat(dim, coords)
}

/// The largest difference of the first two coordinates relative to the largest of `want`.
fn planar_error(got: &PointCloud, want: &PointCloud) -> f64 {
    let scale = want.coords().iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    got.coords()
        .chunks_exact(got.dim())
        .zip(want.coords().chunks_exact(want.dim()))
        .flat_map(|(a, b)| [(a[0] - b[0]).abs(), (a[1] - b[1]).abs()])
        .fold(0.0_f64, f64::max)
        / scale
}

const PARAMS: SinkhornParams = SinkhornParams {
    blur: 0.1,
    scaling: 0.8,
};

#[test]
fn the_general_kernels_at_d_2_match_the_2d_kernels() {
    let x = PointCloud::from_points(&plane(150, 0.3));
    let y = PointCloud::from_points(&plane(230, 1.9));
    for (precision, tolerance) in [(Precision::F64, 1e-9), (Precision::F32, 2e-4)] {
        let planar = cloud_velocity(&x, &y, &PARAMS, precision).unwrap();
        let general = cloud_velocity_on_general_kernels(&x, &y, &PARAMS, precision).unwrap();
        let error = planar_error(&general.velocity, &planar.velocity);
        println!("d = 2, {precision:?}: general vs 2D kernels {error:.2e} of max|v|");
        assert!(error < tolerance, "{precision:?}: {error:e}");
        // The same schedule and the same passes.
        assert_eq!(general.stats.iterations, planar.stats.iterations);
    }
}

#[test]
fn a_plane_embedded_in_more_dimensions_flows_as_the_plane() {
    let (x2, y2) = (plane(120, 0.7), plane(90, 2.4));
    let planar = cloud_velocity(
        &PointCloud::from_points(&x2),
        &PointCloud::from_points(&y2),
        &PARAMS,
        Precision::F64,
    )
    .unwrap();
    let divergence = cloud_divergence(
        &PointCloud::from_points(&x2),
        &PointCloud::from_points(&y2),
        &PARAMS,
        Precision::F64,
    )
    .unwrap();
    for dim in [3, 17, 64] {
        let x = embedded(&x2, dim, 0.25);
        let y = embedded(&y2, dim, 0.25);
        let velocity = cloud_velocity(&x, &y, &PARAMS, Precision::F64)
            .unwrap()
            .velocity;
        assert_eq!((velocity.len(), velocity.dim()), (120, dim));
        let error = planar_error(&velocity, &planar.velocity);
        assert!(error < 1e-9, "d {dim}: {error:e}");
        // Nothing moves along the coordinates every point shares.
        let off_plane = velocity
            .coords()
            .chunks_exact(dim)
            .flat_map(|v| v[2..].iter().map(|c| c.abs()))
            .fold(0.0_f64, f64::max);
        assert!(off_plane < 1e-12, "d {dim}: {off_plane:e}");
        let s = cloud_divergence(&x, &y, &PARAMS, Precision::F64).unwrap();
        assert!(
            (s - divergence).abs() < 1e-9 * divergence.abs().max(1.0),
            "d {dim}: S {s} vs {divergence}"
        );
        let s32 = cloud_divergence(&x, &y, &PARAMS, Precision::F32).unwrap();
        assert!(
            (s32 - divergence).abs() < 1e-3 * divergence.abs().max(1.0),
            "d {dim}: f32 S {s32} vs {divergence}"
        );
    }
}

#[test]
fn the_velocity_does_not_move_with_the_cloud() {
    let dim = 64;
    let cloud = |n: usize, seed: f64| {
        PointCloud::from_flat(
            dim,
            (0..n * dim)
                .map(|i| (i as f64 * 0.61 + seed).sin() * 2.0)
                .collect(),
        )
    };
    let shifted =
        |c: &PointCloud| PointCloud::from_flat(dim, c.coords().iter().map(|v| v + 1.0e3).collect());
    let (x, y) = (cloud(70, 0.1), cloud(50, 3.0));
    let params = SinkhornParams {
        blur: 1.0,
        scaling: 0.9,
    };
    for precision in [Precision::F64, Precision::F32] {
        let here = cloud_velocity(&x, &y, &params, precision).unwrap().velocity;
        let there = cloud_velocity(&shifted(&x), &shifted(&y), &params, precision)
            .unwrap()
            .velocity;
        let error = planar_error(&there, &here);
        assert!(error < 1e-6, "{precision:?}: {error:e}");
    }
    // Bad clouds are refused with the set and the point named.
    let mut coords = x.coords().to_vec();
    coords[3 * dim + 5] = f64::NAN;
    let error = cloud_velocity(
        &PointCloud::from_flat(dim, coords),
        &y,
        &params,
        Precision::F32,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("source") && error.contains("index 3"),
        "{error}"
    );
    let empty = PointCloud::from_flat(dim, Vec::new());
    assert!(cloud_velocity(&x, &empty, &params, Precision::F32).is_err());
}
