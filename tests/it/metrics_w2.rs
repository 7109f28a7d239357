//! Exact W2: brute force over permutations, the POT reference fixture, invariants, errors.

use nsgf::Point;
use nsgf::data::csv_points::read_points;
use nsgf::data::{Distribution, Preset, seeded_rng};
use nsgf::metrics::{MetricsError, assignment, exact_w2, noise_floor};
use rand::RngExt;
use std::path::Path;

/// The squared distance between `a[i]` and `b[j]`.
fn cost(a: &[Point], b: &[Point], i: usize, j: usize) -> f64 {
    (a[i][0] - b[j][0]).powi(2) + (a[i][1] - b[j][1]).powi(2)
}

/// The total squared distance of `pairing` (`a[i]` with `b[pairing[i]]`).
fn pairing_cost(a: &[Point], b: &[Point], pairing: &[usize]) -> f64 {
    pairing
        .iter()
        .enumerate()
        .map(|(i, &j)| cost(a, b, i, j))
        .sum()
}

fn random_points(n: usize, rng: &mut nsgf::data::SeededRng) -> Vec<Point> {
    (0..n)
        .map(|_| [rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0)])
        .collect()
}

fn is_permutation(pairing: &[usize]) -> bool {
    let mut seen = vec![false; pairing.len()];
    pairing
        .iter()
        .all(|&j| j < seen.len() && !std::mem::replace(&mut seen[j], true))
}

#[test]
fn matches_brute_force_on_small_random_sets() {
    let mut rng = seeded_rng(2024);
    for trial in 0..400 {
        let n = 1 + trial % 7;
        let a = random_points(n, &mut rng);
        // Mix in duplicates and integer coordinates (ties) now and then.
        let mut b = random_points(n, &mut rng);
        if trial % 5 == 0 {
            for p in &mut b {
                *p = [p[0].round(), p[1].round()];
            }
            b[0] = a[0];
        }
        let expected =
            (crate::support::brute_force_min(n, |i, j| cost(&a, &b, i, j)) / n as f64).sqrt();
        let w2 = exact_w2(&a, &b).unwrap();
        assert!(
            (w2 - expected).abs() <= 1e-12 * (1.0 + expected),
            "trial {trial}: {w2} vs {expected}"
        );
        let pairing = assignment(&a, &b).unwrap();
        assert!(is_permutation(&pairing), "{pairing:?}");
        assert!(
            (pairing_cost(&a, &b, &pairing) / n as f64).sqrt() - expected
                <= 1e-12 * (1.0 + expected)
        );
    }
}

#[test]
fn matches_the_pot_reference_fixture() {
    let a = read_points(Path::new("tests/fixtures/w2_a.csv")).unwrap();
    let b = read_points(Path::new("tests/fixtures/w2_b.csv")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/manifest.json").unwrap())
            .unwrap();
    let reference = manifest["w2"]["w2"].as_f64().unwrap();
    assert!(
        (reference - 1.2771966379894701).abs() < 1e-14,
        "{reference}"
    );
    let w2 = exact_w2(&a, &b).unwrap();
    assert!((w2 - reference).abs() < 1e-9, "{w2} vs {reference}");
    let swapped = exact_w2(&b, &a).unwrap();
    assert!(
        (swapped - reference).abs() < 1e-9,
        "{swapped} vs {reference}"
    );
}

#[test]
fn invariants_identity_symmetry_permutation_translation() {
    let mut rng = seeded_rng(5);
    for n in [1, 2, 10, 64, 200] {
        let a = Preset::Moons.sample(n, &mut rng);
        let b = Preset::EightGaussians.sample(n, &mut rng);
        assert_eq!(exact_w2(&a, &a).unwrap(), 0.0);
        let ab = exact_w2(&a, &b).unwrap();
        let ba = exact_w2(&b, &a).unwrap();
        assert!((ab - ba).abs() <= 1e-12 * ab, "{ab} {ba}");
        // Permuting either set changes nothing.
        let mut shuffled = b.clone();
        shuffled.reverse();
        shuffled.rotate_left(n / 3);
        let permuted = exact_w2(&a, &shuffled).unwrap();
        assert!((permuted - ab).abs() <= 1e-12 * ab, "{permuted} {ab}");
        // W2 is a metric: the triangle inequality holds.
        let c = Preset::Gaussian.sample(n, &mut rng);
        let ac = exact_w2(&a, &c).unwrap();
        let cb = exact_w2(&c, &b).unwrap();
        assert!(ab <= ac + cb + 1e-12);
        // A shifted copy: W2 = ‖c‖ exactly (the identity pairing is optimal).
        let shift = [0.7, -1.9];
        let moved: Vec<Point> = a
            .iter()
            .map(|p| [p[0] + shift[0], p[1] + shift[1]])
            .collect();
        let w2 = exact_w2(&a, &moved).unwrap();
        let norm = f64::hypot(shift[0], shift[1]);
        assert!((w2 - norm).abs() < 1e-12, "n = {n}: {w2} vs {norm}");
        // Translating both sets together changes nothing.
        let moved_b: Vec<Point> = b
            .iter()
            .map(|p| [p[0] + shift[0], p[1] + shift[1]])
            .collect();
        let both = exact_w2(&moved, &moved_b).unwrap();
        assert!((both - ab).abs() < 1e-9, "{both} vs {ab}");
    }
}

#[test]
fn w2_of_scaled_copies_and_identity_assignment() {
    // Scaling a centred cloud by s about the origin: W2(a, s·a) = |1 − s|·sqrt(mean ‖a_i‖²)
    // (the identity pairing is optimal since the map is the gradient of a convex function).
    let a = Preset::Gaussian.sample(300, &mut seeded_rng(8));
    let scaled: Vec<Point> = a.iter().map(|p| [2.5 * p[0], 2.5 * p[1]]).collect();
    let second_moment = a.iter().map(|p| p[0] * p[0] + p[1] * p[1]).sum::<f64>() / 300.0;
    let expected = 1.5 * second_moment.sqrt();
    let w2 = exact_w2(&a, &scaled).unwrap();
    assert!((w2 - expected).abs() < 1e-10, "{w2} vs {expected}");
    let pairing = assignment(&a, &scaled).unwrap();
    assert!(pairing.iter().enumerate().all(|(i, &j)| i == j));
}

#[test]
fn larger_sets_give_valid_optimal_looking_pairings() {
    // n = 1000: the assignment is a permutation, no 2-swap improves it, and its cost is W2².
    let mut rng = seeded_rng(9);
    let a = Preset::Checkerboard.sample(1000, &mut rng);
    let b = Preset::Gaussian.sample(1000, &mut rng);
    let pairing = assignment(&a, &b).unwrap();
    assert!(is_permutation(&pairing));
    let total = pairing_cost(&a, &b, &pairing);
    let w2 = exact_w2(&a, &b).unwrap();
    assert!((w2 * w2 * 1000.0 - total).abs() < 1e-9 * total);
    let d = |i: usize, j: usize| (a[i][0] - b[j][0]).powi(2) + (a[i][1] - b[j][1]).powi(2);
    for i in (0..1000).step_by(7) {
        for k in (0..1000).step_by(3) {
            let (ji, jk) = (pairing[i], pairing[k]);
            assert!(
                d(i, ji) + d(k, jk) <= d(i, jk) + d(k, ji) + 1e-9,
                "swap {i} {k} improves"
            );
        }
    }
}

#[test]
fn noise_floor_is_positive_reproducible_and_shrinks_with_n() {
    let target = Distribution::Preset(Preset::Moons);
    let small = noise_floor(&target, 100, &mut seeded_rng(1)).unwrap();
    let again = noise_floor(&target, 100, &mut seeded_rng(1)).unwrap();
    let large = noise_floor(&target, 800, &mut seeded_rng(1)).unwrap();
    assert_eq!(small, again);
    assert!(small > 0.0 && large > 0.0);
    assert!(large < small, "{large} vs {small}");
    // A point set sampled at its own size is a permutation of itself: floor 0.
    let set = Distribution::Points {
        label: "s".into(),
        points: Preset::Ring.sample(50, &mut seeded_rng(2)),
    };
    assert_eq!(noise_floor(&set, 50, &mut seeded_rng(3)).unwrap(), 0.0);
    assert!(matches!(
        noise_floor(&target, 0, &mut seeded_rng(1)),
        Err(MetricsError::Data(_))
    ));
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let a = vec![[0.0, 0.0], [1.0, 1.0]];
    assert!(matches!(
        exact_w2(&a, &a[..1]),
        Err(MetricsError::SizeMismatch { a: 2, b: 1 })
    ));
    assert!(matches!(exact_w2(&[], &[]), Err(MetricsError::Empty)));
    assert!(matches!(assignment(&[], &[]), Err(MetricsError::Empty)));
    let nan = vec![[0.0, 0.0], [f64::NAN, 1.0]];
    match exact_w2(&a, &nan) {
        Err(MetricsError::NonFinite {
            set: "second",
            index: 1,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let inf = vec![[f64::INFINITY, 0.0], [0.0, 1.0]];
    assert!(matches!(
        exact_w2(&inf, &a),
        Err(MetricsError::NonFinite {
            set: "first",
            index: 0,
            ..
        })
    ));
    let huge = vec![[1e300, 0.0], [0.0, 1.0]];
    assert!(matches!(exact_w2(&huge, &a), Err(MetricsError::Overflow)));
    let message = exact_w2(&a, &a[..1]).unwrap_err().to_string();
    assert!(message.contains('2') && message.contains('1'), "{message}");
}

/// Timing of the solver (not run by CI): `cargo test --release --test it time_exact_w2 -- --ignored --nocapture`.
#[test]
#[ignore = "timing: prints solver times"]
fn time_exact_w2() {
    for n in [500, 1000, 2000] {
        let mut rng = seeded_rng(n as u64);
        let a = Preset::Moons.sample(n, &mut rng);
        let b = Preset::Gaussian.sample(n, &mut rng);
        let start = std::time::Instant::now();
        let w2 = exact_w2(&a, &b).unwrap();
        let other = Preset::Moons.sample(n, &mut rng);
        let mid = start.elapsed();
        let floor = exact_w2(&a, &other).unwrap();
        println!(
            "n = {n}: gaussian→moons W2 {w2:.4} in {:.3} s; moons vs moons W2 {floor:.4} in {:.3} s",
            mid.as_secs_f64(),
            start.elapsed().as_secs_f64() - mid.as_secs_f64()
        );
    }
}
