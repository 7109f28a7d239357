//! What several test modules share.

use nsgf::Point;
use nsgf::data::{Preset, seeded_rng};
use std::process::{Command, Output};

/// Says that a test cannot run its real case on this machine: prints `SKIPPED: reason` to
/// stderr, or fails the test when `NSGF_NO_SKIPS=1` (CI sets it, as `NSGF_REQUIRE_GPU=1` for
/// the GPU), so a green run means every case ran.
pub fn skip(reason: &str) {
    assert!(
        std::env::var("NSGF_NO_SKIPS").map_or(true, |v| v != "1"),
        "NSGF_NO_SKIPS=1 but this test would skip: {reason}"
    );
    eprintln!("SKIPPED: {reason}");
}

/// Runs the built `nsgf` binary with `args` and returns what it printed.
pub fn nsgf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .args(args)
        .output()
        .expect("nsgf runs")
}

/// `n` points of `source` (seed `seed`) and of `target` (seed `seed + 1`).
pub fn pair(source: Preset, target: Preset, n: usize, seed: u64) -> (Vec<Point>, Vec<Point>) {
    (
        source.sample(n, &mut seeded_rng(seed)),
        target.sample(n, &mut seeded_rng(seed + 1)),
    )
}

/// The largest norm of the vectors `v`.
pub fn max_norm(v: &[Point]) -> f64 {
    v.iter().map(|p| p[0].hypot(p[1])).fold(0.0, f64::max)
}

/// The largest distance between the same points of `a` and `b`.
pub fn max_difference(a: &[Point], b: &[Point]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p[0] - q[0]).hypot(p[1] - q[1]))
        .fold(0.0, f64::max)
}

/// The minimum over all permutations of Σ cost(i, σ(i)) (Heap's algorithm).
pub fn brute_force_min(n: usize, cost: impl Fn(usize, usize) -> f64) -> f64 {
    let total = |p: &[usize]| p.iter().enumerate().map(|(i, &j)| cost(i, j)).sum::<f64>();
    let mut permutation: Vec<usize> = (0..n).collect();
    let mut best = total(&permutation);
    let mut counters = vec![0; n];
    let mut i = 0;
    while i < n {
        if counters[i] < i {
            let other = if i % 2 == 0 { 0 } else { counters[i] };
            permutation.swap(other, i);
            best = best.min(total(&permutation));
            counters[i] += 1;
            i = 0;
        } else {
            counters[i] = 0;
            i += 1;
        }
    }
    best
}
