//! Unit tests of `ot::sinkhorn`.

use super::*;
use crate::ot::epsilon_schedule;

fn cloud(n: usize, seed: f64) -> Vec<Point> {
    (0..n)
        .map(|i| {
            let t = i as f64 * 0.61 + seed;
            [t.sin() * 2.0 + (3.0 * t).cos(), (1.7 * t).cos() * 1.5]
        })
        .collect()
}

#[test]
fn clusters_of_one_point_reproduce_the_loop_on_the_points() {
    let (x, y) = (cloud(300, 0.2), cloud(250, 1.3));
    let params = SinkhornParams {
        blur: 0.1,
        scaling: 0.8,
    };
    for (problem, diameter) in [
        (
            Problem::<f64>::sorted_along_curve(&x, Some(&y), false),
            crate::ot::max_diameter(&x, &y),
        ),
        (
            Problem::<f64>::sorted_along_curve(&x, None, true),
            crate::ot::max_diameter(&x, &[]),
        ),
    ] {
        let schedule = epsilon_schedule(diameter, &params).unwrap();
        let exact = problem.anneal(&schedule);
        let single = problem.coarsened(1, f64::INFINITY);
        let jump = schedule[schedule.len() / 2];
        let coarse_to_fine = problem.anneal_multiscale(&[&single], &schedule, &[jump]);
        assert_eq!(coarse_to_fine.iterations, exact.iterations);
        for (a, b) in coarse_to_fine
            .f
            .iter()
            .zip(&exact.f)
            .chain(coarse_to_fine.g.iter().zip(&exact.g))
        {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }
}

#[test]
fn clusters_hold_their_points_weight_and_stay_within_their_extent() {
    let points = cloud(500, 0.7);
    let problem = Problem::<f64>::sorted_along_curve(&points, None, false);
    let level = problem.coarsened(4, 0.3);
    let members = &level.x_members;
    let LogWeights::Each(log_weights) = &level.problem.log_a else {
        panic!("clusters carry one weight each");
    };
    let total: f64 = log_weights.iter().map(|w| w.exp()).sum();
    assert!((total - 1.0).abs() < 1e-12, "{total}");
    assert!(level.problem.x.len() < points.len());
    for (cluster, log_weight) in log_weights.iter().enumerate() {
        let inside: Vec<usize> = (0..points.len())
            .filter(|&k| members[k] == cluster)
            .collect();
        assert!(!inside.is_empty() && inside.len() <= 4);
        assert!((log_weight.exp() * 500.0 - inside.len() as f64).abs() < 1e-9);
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for &k in &inside {
            let p = [problem.x.xs[k], problem.x.ys[k]];
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        assert!((hi[0] - lo[0]).hypot(hi[1] - lo[1]) <= 0.3 + 1e-12);
        let centroid = [level.problem.x.xs[cluster], level.problem.x.ys[cluster]];
        let mean = inside.iter().fold([0.0, 0.0], |m, &k| {
            [m[0] + problem.x.xs[k], m[1] + problem.x.ys[k]]
        });
        let n = inside.len() as f64;
        assert!((centroid[0] - mean[0] / n).abs() < 1e-12);
        assert!((centroid[1] - mean[1] / n).abs() < 1e-12);
    }
}
