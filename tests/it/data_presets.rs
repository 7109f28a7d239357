//! Presets: names, reproducibility, ranges and the defining statistics of each formula.

use nsgf::Point;
use nsgf::data::{DataError, Distribution, Preset, seeded_rng};

fn mean(points: &[Point]) -> Point {
    let n = points.len() as f64;
    let sum = points
        .iter()
        .fold([0.0, 0.0], |acc, p| [acc[0] + p[0], acc[1] + p[1]]);
    [sum[0] / n, sum[1] / n]
}

fn variance(points: &[Point]) -> Point {
    let m = mean(points);
    let n = points.len() as f64;
    let sum = points.iter().fold([0.0, 0.0], |acc, p| {
        [
            acc[0] + (p[0] - m[0]).powi(2),
            acc[1] + (p[1] - m[1]).powi(2),
        ]
    });
    [sum[0] / n, sum[1] / n]
}

fn radius(p: &Point) -> f64 {
    p[0].hypot(p[1])
}

#[test]
fn names_round_trip_and_are_unique() {
    assert!(Preset::ALL.len() >= 10);
    for preset in Preset::ALL {
        assert_eq!(Preset::from_name(preset.name()).unwrap(), preset);
        assert!(!preset.description().is_empty());
        assert!(!preset.description().contains('\n'));
        let json = serde_json::to_string(&preset).unwrap();
        assert_eq!(json, format!("\"{}\"", preset.name()));
        assert_eq!(serde_json::from_str::<Preset>(&json).unwrap(), preset);
    }
    let mut names: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Preset::ALL.len());
    for required in [
        "gaussian",
        "8gaussians",
        "moons",
        "checkerboard",
        "circles",
        "2spirals",
        "swissroll",
        "pinwheel",
        "25gaussians",
        "uniform",
    ] {
        assert!(Preset::from_name(required).is_ok(), "{required}");
    }
}

#[test]
fn unknown_preset_lists_valid_names() {
    let err = Preset::from_name("Moons").unwrap_err();
    let DataError::UnknownPreset { name, valid } = &err else {
        panic!("wrong error {err:?}")
    };
    assert_eq!(name, "Moons");
    assert!(valid.contains("moons") && valid.contains("8gaussians"));
    let err = Distribution::parse("no-such-preset-or-file.csv").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("no-such-preset-or-file.csv"), "{message}");
    assert!(message.contains("not a file"), "{message}");
    assert!(message.contains("checkerboard"), "{message}");
}

#[test]
fn same_seed_same_points_different_seed_different_points() {
    for preset in Preset::ALL {
        let a = preset.sample(200, &mut seeded_rng(7));
        let b = preset.sample(200, &mut seeded_rng(7));
        let c = preset.sample(200, &mut seeded_rng(8));
        assert_eq!(a, b, "{preset}");
        assert_ne!(a, c, "{preset}");
        assert_eq!(a.len(), 200);
    }
}

#[test]
fn presets_are_finite_and_within_the_plot_range() {
    for preset in Preset::ALL {
        let points = preset.sample(5000, &mut seeded_rng(1));
        for p in &points {
            assert!(p[0].is_finite() && p[1].is_finite(), "{preset}");
        }
        // 99% of the points within [-5, 5]² (Gaussian tails may leave it); TorchCFM's 8
        // Gaussians sit at radius 5 and its moons reach x = 5.6, so within [-7.5, 7.5]².
        let half = if matches!(preset, Preset::CfmEightGaussians | Preset::CfmMoons) {
            7.5
        } else {
            5.0
        };
        let inside = points
            .iter()
            .filter(|p| p[0].abs() <= half && p[1].abs() <= half)
            .count();
        assert!(inside as f64 >= 0.99 * 5000.0, "{preset}: {inside} inside");
        // Not degenerate: spread in both coordinates.
        let var = variance(&points);
        assert!(var[0] > 0.2 && var[1] > 0.2, "{preset}: variance {var:?}");
    }
}

#[test]
fn gaussian_has_zero_mean_unit_variance() {
    let points = Preset::Gaussian.sample(20000, &mut seeded_rng(2));
    let m = mean(&points);
    let v = variance(&points);
    for k in 0..2 {
        assert!(m[k].abs() < 0.03, "{m:?}");
        assert!((v[k] - 1.0).abs() < 0.04, "{v:?}");
    }
}

#[test]
fn eight_gaussians_sit_near_their_eight_centres() {
    let points = Preset::EightGaussians.sample(8000, &mut seeded_rng(3));
    let mut counts = [0usize; 8];
    for p in &points {
        let (k, distance) = (0..8)
            .map(|k| {
                let angle = std::f64::consts::TAU * k as f64 / 8.0;
                (
                    k,
                    (p[0] - 4.0 * angle.cos()).hypot(p[1] - 4.0 * angle.sin()),
                )
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        assert!(distance < 0.4 * 6.0, "{p:?}");
        counts[k] += 1;
    }
    for count in counts {
        assert!((800..1200).contains(&count), "{counts:?}");
    }
    let m = mean(&points);
    assert!(m[0].abs() < 0.15 && m[1].abs() < 0.15, "{m:?}");
    // Radial spread: E‖p‖² = 16 + 2·0.16.
    let second: f64 = points
        .iter()
        .map(|p| p[0] * p[0] + p[1] * p[1])
        .sum::<f64>()
        / 8000.0;
    assert!((second - 16.32).abs() < 0.3, "{second}");
}

#[test]
fn moons_mean_matches_the_formula() {
    // E[x] = 3·(½·(E cos t) + ½·(1 − E cos t) − 0.5) = 0, E[y] = 3·(½·2/π + ½·(0.5 − 2/π) − 0.25) = 0.
    let points = Preset::Moons.sample(20000, &mut seeded_rng(4));
    let m = mean(&points);
    assert!(m[0].abs() < 0.05 && m[1].abs() < 0.05, "{m:?}");
    // Each point is within 3·(0.1·5) of one of the two moon arcs.
    for p in &points {
        let (x, y) = (p[0] / 3.0 + 0.5, p[1] / 3.0 + 0.25);
        let upper = ((x.hypot(y)) - 1.0).abs();
        let lower = (((1.0 - x).hypot(0.5 - y)) - 1.0).abs();
        assert!(upper.min(lower) < 0.5, "{p:?}");
    }
}

#[test]
fn checkerboard_occupies_alternate_cells() {
    let points = Preset::Checkerboard.sample(10000, &mut seeded_rng(5));
    let mut occupied = std::collections::BTreeSet::new();
    for p in &points {
        assert!(
            p[0] >= -4.0 && p[0] < 4.0 && p[1] >= -4.0 && p[1] < 4.0,
            "{p:?}"
        );
        let (i, j) = ((p[0] / 2.0).floor() as i64, (p[1] / 2.0).floor() as i64);
        assert_eq!((i + j).rem_euclid(2), 0, "{p:?} in a dark cell");
        occupied.insert((i, j));
    }
    assert_eq!(occupied.len(), 8, "{occupied:?}");
}

#[test]
fn circles_and_ring_have_their_radii() {
    let circles = Preset::Circles.sample(4000, &mut seeded_rng(6));
    let (inner, outer): (Vec<f64>, Vec<f64>) = circles.iter().map(radius).partition(|r| *r < 2.25);
    let inner_mean = inner.iter().sum::<f64>() / inner.len() as f64;
    let outer_mean = outer.iter().sum::<f64>() / outer.len() as f64;
    assert!((inner_mean - 1.5).abs() < 0.02, "{inner_mean}");
    assert!((outer_mean - 3.0).abs() < 0.02, "{outer_mean}");
    assert!((1700..2300).contains(&inner.len()));
    let ring = Preset::Ring.sample(4000, &mut seeded_rng(6));
    let ring_mean = ring.iter().map(radius).sum::<f64>() / 4000.0;
    assert!((ring_mean - 2.5).abs() < 0.02, "{ring_mean}");
}

#[test]
fn twenty_five_gaussians_and_uniform_cover_their_supports() {
    let points = Preset::TwentyFiveGaussians.sample(10000, &mut seeded_rng(9));
    let mut cells = std::collections::BTreeSet::new();
    for p in &points {
        let (i, j) = ((p[0] / 2.0).round(), (p[1] / 2.0).round());
        assert!((p[0] - 2.0 * i).hypot(p[1] - 2.0 * j) < 0.7, "{p:?}");
        cells.insert((i as i64, j as i64));
    }
    assert_eq!(cells.len(), 25);
    let uniform = Preset::Uniform.sample(10000, &mut seeded_rng(9));
    assert!(
        uniform
            .iter()
            .all(|p| p[0].abs() <= 2.0 && p[1].abs() <= 2.0)
    );
    let v = variance(&uniform);
    // Var U(−2, 2) = 16/12.
    assert!(
        (v[0] - 4.0 / 3.0).abs() < 0.05 && (v[1] - 4.0 / 3.0).abs() < 0.05,
        "{v:?}"
    );
}

#[test]
fn spirals_are_point_symmetric_and_pinwheel_has_five_arms() {
    let spirals = Preset::TwoSpirals.sample(20000, &mut seeded_rng(10));
    let m = mean(&spirals);
    assert!(m[0].abs() < 0.05 && m[1].abs() < 0.05, "{m:?}");
    let max_radius = spirals.iter().map(radius).fold(0.0, f64::max);
    assert!(max_radius > 2.9 && max_radius < 4.0, "{max_radius}");
    let pinwheel = Preset::Pinwheel.sample(20000, &mut seeded_rng(10));
    let m = mean(&pinwheel);
    assert!(m[0].abs() < 0.05 && m[1].abs() < 0.05, "{m:?}");
    // Five-fold symmetry: the mean of z⁵ (complex) is far from 0, the mean of z is near 0.
    let fifth = pinwheel.iter().fold([0.0, 0.0], |acc, p| {
        let (r, a) = (radius(p), p[1].atan2(p[0]));
        [acc[0] + (5.0 * a).cos() * r, acc[1] + (5.0 * a).sin() * r]
    });
    assert!(fifth[0].hypot(fifth[1]) / 20000.0 > 0.5, "{fifth:?}");
}

#[test]
fn distribution_parse_sample_and_label() {
    let moons = Distribution::parse("moons").unwrap();
    assert_eq!(moons, Distribution::Preset(Preset::Moons));
    assert_eq!(moons.label(), "moons");
    assert!(matches!(
        moons.sample(0, &mut seeded_rng(0)),
        Err(DataError::ZeroPoints)
    ));
    let a = moons.sample(100, &mut seeded_rng(11)).unwrap();
    assert_eq!(a, Preset::Moons.sample(100, &mut seeded_rng(11)));
}

#[test]
fn point_sets_are_subsampled_without_and_resampled_with_replacement() {
    let points: Vec<Point> = (0..50).map(|i| [i as f64, -(i as f64)]).collect();
    let set = Distribution::Points {
        label: "drawn".into(),
        points: points.clone(),
    };
    assert_eq!(set.label(), "drawn");
    let mut rng = seeded_rng(12);
    // n = len: a permutation of the whole set.
    let mut all = set.sample(50, &mut rng).unwrap();
    all.sort_by(|a, b| a[0].total_cmp(&b[0]));
    assert_eq!(all, points);
    // n < len: distinct members.
    let subset = set.sample(20, &mut rng).unwrap();
    let mut xs: Vec<i64> = subset.iter().map(|p| p[0] as i64).collect();
    xs.sort_unstable();
    xs.dedup();
    assert_eq!(xs.len(), 20);
    assert!(subset.iter().all(|p| points.contains(p)));
    // n > len: members, every one drawn about equally often.
    let many = set.sample(50_000, &mut rng).unwrap();
    let mut counts = [0usize; 50];
    for p in &many {
        assert!(points.contains(p));
        counts[p[0] as usize] += 1;
    }
    assert!(counts.iter().all(|c| (800..1200).contains(c)), "{counts:?}");
    // Reproducible.
    assert_eq!(
        set.sample(70, &mut seeded_rng(3)).unwrap(),
        set.sample(70, &mut seeded_rng(3)).unwrap()
    );
    let empty = Distribution::Points {
        label: "empty.csv".into(),
        points: vec![],
    };
    assert!(matches!(
        empty.sample(3, &mut seeded_rng(0)),
        Err(DataError::Empty(_))
    ));
}

/// The 2000 reference samples of `name` made by the original generator
/// (`tests/fixtures/presets/README.md`).
fn reference_samples(name: &str) -> Vec<Point> {
    let path = format!(
        "{}/tests/fixtures/presets/{name}.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    nsgf::data::csv_points::read_points(std::path::Path::new(&path))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn table_one_presets_match_their_original_generators() {
    use nsgf::metrics::exact_w2;
    // W2 between samples of a thin curve varies a lot from draw to draw (how many points fall on
    // each arc), so both sides are averaged: the floor over the 6 pairs of disjoint quarters of
    // the reference, nsgf over its 4 draws against those quarters.
    const QUARTER: usize = 500;
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    for (preset, impostor) in [
        (Preset::CfmEightGaussians, Preset::EightGaussians),
        (Preset::CfmMoons, Preset::Moons),
        (Preset::SCurve, Preset::Moons),
    ] {
        let reference = reference_samples(preset.name());
        assert_eq!(reference.len(), 4 * QUARTER);
        // Interleaved quarters (cfm-moons lists its outer arc first).
        let quarters: Vec<Vec<Point>> = (0..4)
            .map(|k| reference.iter().skip(k).step_by(4).copied().collect())
            .collect();
        let mut floors = Vec::new();
        for i in 0..4 {
            for j in i + 1..4 {
                floors.push(exact_w2(&quarters[i], &quarters[j]).unwrap());
            }
        }
        let against = |sampler: Preset| {
            let distances: Vec<f64> = quarters
                .iter()
                .enumerate()
                .map(|(k, quarter)| {
                    let draw = sampler.sample(QUARTER, &mut seeded_rng(100 + k as u64));
                    exact_w2(&draw, quarter).unwrap()
                })
                .collect();
            mean(&distances)
        };
        let (floor, ours, other) = (mean(&floors), against(preset), against(impostor));
        println!(
            "{preset}: mean W2 to the original generator's samples {ours:.4}, floor {floor:.4} \
             (ratio {:.2}); {impostor} {other:.4} (ratio {:.2})",
            ours / floor,
            other / floor
        );
        assert!(
            ours < 1.3 * floor,
            "{preset}: {ours} against a floor of {floor}"
        );
        // The test tells distributions apart: a look-alike preset is far off.
        assert!(
            other > 1.4 * floor,
            "{impostor} passes for {preset}: {other}"
        );
    }
}
