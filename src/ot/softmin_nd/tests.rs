//! Unit tests of `ot::softmin_nd`.

use super::super::kernel::{kernels_to_test, use_kernel_on_this_thread};
use super::*;

/// A deterministic cloud of n points in d dimensions.
fn cloud(n: usize, dim: usize, seed: f64) -> Vec<f64> {
    (0..n * dim)
        .map(|i| (i as f64 * 0.37 + seed).sin() * 2.0 + (i % dim) as f64 * 0.1)
        .collect()
}

fn naive(x: &[f64], y: &[f64], dim: usize, h: &[f64], log_w: f64, eps: f64) -> Vec<f64> {
    x.chunks_exact(dim)
        .map(|p| {
            let t: Vec<f64> = y
                .chunks_exact(dim)
                .zip(h)
                .map(|(q, hj)| {
                    let c: f64 = 0.5 * p.iter().zip(q).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
                    log_w + (hj - c) / eps
                })
                .collect();
            let m = t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            -eps * (m + t.iter().map(|v| (v - m).exp()).sum::<f64>().ln())
        })
        .collect()
}

fn naive_barycentre(x: &[f64], y: &[f64], dim: usize, h: &[f64], log_w: f64, eps: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for p in x.chunks_exact(dim) {
        let t: Vec<f64> = y
            .chunks_exact(dim)
            .zip(h)
            .map(|(q, hj)| {
                let c: f64 = 0.5 * p.iter().zip(q).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
                log_w + (hj - c) / eps
            })
            .collect();
        let m = t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = t.iter().map(|v| (v - m).exp()).collect();
        let total: f64 = w.iter().sum();
        for k in 0..dim {
            out.push(
                w.iter()
                    .zip(y.chunks_exact(dim))
                    .map(|(w, q)| w * q[k])
                    .sum::<f64>()
                    / total,
            );
        }
    }
    out
}

#[test]
fn softmin_and_barycentre_match_the_dense_formulas_in_every_kernel() {
    // Sizes that exercise row groups and their remainder, tile padding and several chunks.
    for (n, m, dim) in [(1, 1, 3), (7, 13, 5), (37, 600, 64), (9, 300, 1)] {
        let x = cloud(n, dim, 0.3);
        let y = cloud(m, dim, 1.7);
        let h: Vec<f64> = (0..m).map(|j| (j as f64 * 0.05).sin()).collect();
        let log_w = -(m as f64).ln();
        let centre = vec![0.2; dim];
        for eps in [40.0, 0.5] {
            let want = naive(&x, &y, dim, &h, log_w, eps);
            let want_p = naive_barycentre(&x, &y, dim, &h, log_w, eps);
            let near: Vec<f64> = want
                .iter()
                .enumerate()
                .map(|(i, v)| v + (i % 5) as f64 * eps)
                .collect();
            let far: Vec<f64> = want.iter().map(|v| v - 500.0 * eps).collect();
            for kernel in kernels_to_test("softmin_and_barycentre…") {
                use_kernel_on_this_thread(Some(kernel));
                for estimate in [None, Some(&near), Some(&far)] {
                    let rows = CloudNd::<f64>::new(&x, &centre);
                    let cols = ColumnsNd::new(
                        &CloudNd::<f64>::new(&y, &centre),
                        &LogWeights::Uniform(log_w),
                        Some(&h),
                        eps,
                    );
                    let mut got = vec![0.0; n];
                    let terms = softmin_nd(&rows, &cols, estimate.map(Vec::as_slice), &mut got);
                    assert_eq!(terms, (n * m) as u64);
                    for (a, b) in got.iter().zip(&want) {
                        assert!(
                            (a - b).abs() < 1e-9 * (1.0 + b.abs()),
                            "f64 {a} vs {b} (d {dim})"
                        );
                    }
                    let mut projected = vec![0.0; n * dim];
                    barycentre_nd(&rows, &cols, estimate.map(Vec::as_slice), &mut projected);
                    for (a, b) in projected.iter().zip(&want_p) {
                        assert!(
                            (a + 0.2 - b).abs() < 1e-9 * (1.0 + b.abs()),
                            "f64 projection {a} vs {b}"
                        );
                    }
                    let rows = CloudNd::<f32>::new(&x, &centre);
                    let cols = ColumnsNd::new(
                        &CloudNd::<f32>::new(&y, &centre),
                        &LogWeights::Uniform(log_w),
                        Some(&h),
                        eps,
                    );
                    softmin_nd(&rows, &cols, estimate.map(Vec::as_slice), &mut got);
                    for (a, b) in got.iter().zip(&want) {
                        assert!(
                            (a - b).abs() < 1e-4 * (1.0 + b.abs()),
                            "f32 {a} vs {b} (d {dim})"
                        );
                    }
                    barycentre_nd(&rows, &cols, estimate.map(Vec::as_slice), &mut projected);
                    for (a, b) in projected.iter().zip(&want_p) {
                        assert!(
                            (a + 0.2 - b).abs() < 1e-3 * (1.0 + b.abs()),
                            "f32 projection {a} vs {b}"
                        );
                    }
                }
                use_kernel_on_this_thread(None);
            }
        }
    }
}

#[test]
fn a_fused_sweep_gives_both_sides_of_an_update() {
    // Sizes off the row tasks, the chunks and the padding; the symmetric problem too.
    for (n, m, dim) in [(70, 45, 5), (33, 300, 64), (1, 1, 3)] {
        let x = cloud(n, dim, 0.9);
        let y = cloud(m, dim, 2.2);
        let centre = vec![0.1; dim];
        let (log_a, log_b) = (-(n as f64).ln(), -(m as f64).ln());
        for eps in [30.0, 2.0] {
            // Potentials near the solution: one update from zero.
            let g0 = naive(&y, &x, dim, &vec![0.0; n], log_a, eps);
            let f = naive(&x, &y, dim, &g0, log_b, eps);
            let g = naive(&y, &x, dim, &f, log_a, eps);
            let want_f = naive(&x, &y, dim, &g, log_b, eps);
            let want_g = naive(&y, &x, dim, &f, log_a, eps);
            let want_sym = naive(&x, &x, dim, &f, log_a, eps);
            for kernel in kernels_to_test("a_fused_sweep…") {
                use_kernel_on_this_thread(Some(kernel));
                let rows = CloudNd::<f64>::new(&x, &centre);
                let ys = CloudNd::<f64>::new(&y, &centre);
                let cols = ColumnsNd::new(&ys, &LogWeights::Uniform(log_b), Some(&g), eps);
                let sweep = fused_sweep(&rows, &cols, &f, false);
                assert!(sweep.in_range);
                assert_eq!(sweep.terms, (n * m) as u64);
                let ln2 = std::f64::consts::LN_2;
                check_rows(&rows.half_sq_norm, &sweep.row_lse, &want_f, eps, 1e-9, "f");
                for j in 0..m {
                    let got = g[j] - eps * (ln2 * sweep.column_log_sums[j] + log_a - log_b);
                    assert!(
                        (got - want_g[j]).abs() < 1e-9 * (1.0 + want_g[j].abs()),
                        "g {got} vs {}",
                        want_g[j]
                    );
                }
                let own = ColumnsNd::new(&rows, &LogWeights::Uniform(log_a), Some(&f), eps);
                let sweep = fused_sweep(&rows, &own, &f, true);
                assert!(sweep.in_range);
                assert!(sweep.terms <= (n * n) as u64);
                check_rows(
                    &rows.half_sq_norm,
                    &sweep.row_lse,
                    &want_sym,
                    eps,
                    1e-9,
                    "sym",
                );
                // f32: the same within its resolution.
                let rows = CloudNd::<f32>::new(&x, &centre);
                let own = ColumnsNd::new(&rows, &LogWeights::Uniform(log_a), Some(&f), eps);
                let sweep = fused_sweep(&rows, &own, &f, true);
                check_rows(
                    &rows.half_sq_norm,
                    &sweep.row_lse,
                    &want_sym,
                    eps,
                    1e-3,
                    "f32 sym",
                );
                use_kernel_on_this_thread(None);
            }
            // Estimates far off: the sums leave their range and the caller is told.
            let far: Vec<f64> = f.iter().map(|v| v - 500.0 * eps).collect();
            let rows = CloudNd::<f64>::new(&x, &centre);
            let cols = ColumnsNd::new(
                &CloudNd::<f64>::new(&y, &centre),
                &LogWeights::Uniform(log_b),
                Some(&g),
                eps,
            );
            assert!(!fused_sweep(&rows, &cols, &far, false).in_range);
        }
    }
}

/// Checks the rows' new potentials `½‖x_i‖² − ε ln2 · lse_i` against `want`.
fn check_rows(
    half_sq_norm: &[f64],
    lse: &[f64],
    want: &[f64],
    eps: f64,
    tolerance: f64,
    what: &str,
) {
    let ln2 = std::f64::consts::LN_2;
    for ((norm, lse), want) in half_sq_norm.iter().zip(lse).zip(want) {
        let got = norm - eps * ln2 * lse;
        assert!(
            (got - want).abs() < tolerance * (1.0 + want.abs()),
            "{what} {got} vs {want}"
        );
    }
}
