//! The exact assignment (auction warm start + shortest augmenting paths) against brute force on
//! small degenerate sets and against an independent textbook Hungarian method on larger ones,
//! in 2D and in 64 dimensions, on the shapes OT-CFM and W2 meet (a gaussian against moons,
//! clusters, grids full of ties, identical points, one far outlier).

use nsgf::data::{Preset, SeededRng, seeded_rng};
use nsgf::metrics::{assignment, cloud_assignment, cloud_exact_w2, exact_w2};
use nsgf::{Point, PointCloud};
use rand::RngExt;
use rand_distr::{Distribution as _, StandardNormal};

fn squared(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The minimum-cost assignment's total cost by the O(n³) Hungarian method with potentials
/// (the textbook formulation, one row added at a time), written independently of the crate's.
fn hungarian_min_cost(n: usize, cost: impl Fn(usize, usize) -> f64) -> f64 {
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; n + 1];
    let mut row_of = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    for i in 1..=n {
        row_of[0] = i;
        let mut j0 = 0;
        let mut min_to = vec![f64::INFINITY; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let (mut delta, mut j1) = (f64::INFINITY, 0);
            for j in 1..=n {
                if !used[j] {
                    let reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if reduced < min_to[j] {
                        min_to[j] = reduced;
                        way[j] = j0;
                    }
                    if min_to[j] < delta {
                        delta = min_to[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    min_to[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    (1..=n).map(|j| cost(row_of[j] - 1, j - 1)).sum()
}

fn is_permutation(pairing: &[usize]) -> bool {
    let mut seen = vec![false; pairing.len()];
    pairing
        .iter()
        .all(|&j| j < seen.len() && !std::mem::replace(&mut seen[j], true))
}

/// The 2D point sets of the checks, by name.
fn shape(name: &str, n: usize, rng: &mut SeededRng) -> Vec<Point> {
    match name {
        "gaussian" => Preset::Gaussian.sample(n, rng),
        "moons" => Preset::CfmMoons.sample(n, rng),
        "8gaussians" => Preset::CfmEightGaussians.sample(n, rng),
        "checkerboard" => Preset::Checkerboard.sample(n, rng),
        // Integer points of a 4×4 grid: ties everywhere.
        "grid" => (0..n)
            .map(|_| {
                [
                    f64::from(rng.random_range(0u8..4)),
                    f64::from(rng.random_range(0u8..4)),
                ]
            })
            .collect(),
        "identical" => vec![[0.5, -0.25]; n],
        // A gaussian with one point a million away: costs span 12 orders of magnitude.
        "outlier" => {
            let mut points = Preset::Gaussian.sample(n, rng);
            points[n / 2] = [1e6, -1e6];
            points
        }
        "tiny" => Preset::Gaussian
            .sample(n, rng)
            .into_iter()
            .map(|[x, y]| [1e-7 * x, 1e-7 * y])
            .collect(),
        other => panic!("no shape {other}"),
    }
}

const PAIRS: [(&str, &str); 8] = [
    ("gaussian", "moons"),
    ("gaussian", "8gaussians"),
    ("checkerboard", "gaussian"),
    ("gaussian", "gaussian"),
    ("grid", "grid"),
    ("identical", "gaussian"),
    ("outlier", "moons"),
    ("tiny", "tiny"),
];

#[test]
fn assignment_matches_brute_force_on_small_degenerate_sets() {
    let mut rng = seeded_rng(26);
    for (first, second) in PAIRS {
        for n in [2, 3, 5, 8] {
            let a = shape(first, n, &mut rng);
            let b = shape(second, n, &mut rng);
            let pairing = assignment(&a, &b).unwrap();
            assert!(is_permutation(&pairing), "{first}→{second}: {pairing:?}");
            let cost = |i: usize, j: usize| squared(&a[i], &b[j]);
            let found: f64 = pairing.iter().enumerate().map(|(i, &j)| cost(i, j)).sum();
            let best = crate::support::brute_force_min(n, cost);
            assert!(
                found <= best + 1e-12 * (1.0 + best),
                "{first}→{second}, n = {n}: {found} vs the brute force {best}"
            );
        }
    }
}

#[test]
fn assignment_matches_the_hungarian_method_on_larger_sets() {
    let mut rng = seeded_rng(260);
    for (first, second) in PAIRS {
        for n in [9, 64, 255, 400] {
            let a = shape(first, n, &mut rng);
            let b = shape(second, n, &mut rng);
            let pairing = assignment(&a, &b).unwrap();
            assert!(is_permutation(&pairing), "{first}→{second}, n = {n}");
            let cost = |i: usize, j: usize| squared(&a[i], &b[j]);
            let found: f64 = pairing.iter().enumerate().map(|(i, &j)| cost(i, j)).sum();
            let reference = hungarian_min_cost(n, cost);
            assert!(
                (found - reference).abs() <= 1e-9 * reference.max(1e-300),
                "{first}→{second}, n = {n}: {found} vs the Hungarian {reference}"
            );
            let w2 = exact_w2(&a, &b).unwrap();
            assert!((w2 * w2 * n as f64 - found).abs() <= 1e-9 * found.max(1e-300));
        }
    }
}

#[test]
fn cloud_assignment_matches_the_hungarian_method_in_64_dimensions() {
    let mut rng = seeded_rng(2626);
    let dim = 64;
    for n in [7, 100, 300] {
        let gaussian = |rng: &mut SeededRng, scale: f64, shift: f64| {
            let coords = (0..n * dim)
                .map(|k| {
                    let z: f64 = StandardNormal.sample(rng);
                    scale * z + if k % dim == 0 { shift } else { 0.0 }
                })
                .collect();
            PointCloud::from_flat(dim, coords)
        };
        let a = gaussian(&mut rng, 1.0, 0.0);
        let b = gaussian(&mut rng, 0.5, 3.0);
        let pairing = cloud_assignment(&a, &b).unwrap();
        assert!(is_permutation(&pairing));
        let point = |cloud: &PointCloud, i: usize| cloud.coords()[i * dim..(i + 1) * dim].to_vec();
        let cost = |i: usize, j: usize| squared(&point(&a, i), &point(&b, j));
        let found: f64 = pairing.iter().enumerate().map(|(i, &j)| cost(i, j)).sum();
        let reference = hungarian_min_cost(n, cost);
        assert!(
            (found - reference).abs() <= 1e-9 * reference,
            "n = {n}: {found} vs the Hungarian {reference}"
        );
        let w2 = cloud_exact_w2(&a, &b).unwrap();
        assert!((w2 * w2 * n as f64 - found).abs() <= 1e-9 * found);
    }
}
