//! Unit tests of `ot::softmin`.

use super::*;

fn naive_softmin(x: &[[f64; 2]], y: &[[f64; 2]], h: &[f64], log_w: f64, eps: f64) -> Vec<f64> {
    x.iter()
        .map(|p| {
            let t: Vec<f64> = y
                .iter()
                .zip(h)
                .map(|(q, hj)| {
                    let c = 0.5 * ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2));
                    log_w + hj / eps - c / eps
                })
                .collect();
            let m = t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            -eps * (m + t.iter().map(|v| (v - m).exp()).sum::<f64>().ln())
        })
        .collect()
}

fn cloud(n: usize, seed: f64) -> Vec<[f64; 2]> {
    (0..n)
        .map(|i| {
            let a = (i as f64 * 0.37 + seed).sin() * 3.0;
            let b = (i as f64 * 0.11 + seed * 2.0).cos() * 2.0 + 1.0;
            [a, b]
        })
        .collect()
}

/// The barycentric projections `Σ_j w_ij y_j`, `w_ij ∝ exp((h_j − C_ij)/ε)`, in f64.
fn naive_barycentre(x: &[[f64; 2]], y: &[[f64; 2]], h: &[f64], eps: f64) -> Vec<[f64; 2]> {
    x.iter()
        .map(|p| {
            let t: Vec<f64> = y
                .iter()
                .zip(h)
                .map(|(q, hj)| (hj - 0.5 * ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2))) / eps)
                .collect();
            let m = t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let w: Vec<f64> = t.iter().map(|v| (v - m).exp()).collect();
            let total: f64 = w.iter().sum();
            let mean = |k: usize| w.iter().zip(y).map(|(w, q)| w * q[k]).sum::<f64>() / total;
            [mean(0), mean(1)]
        })
        .collect()
}

/// Calls each compiled version the CPU runs (AVX-512, AVX2 + FMA, portable) by name, dense
/// and truncated, in f64 and f32, against the f64 formulas.
#[test]
fn every_compiled_kernel_matches_the_f64_reference() {
    let kernels = super::super::kernel::kernels_to_test("every_compiled_kernel…");
    for (n, m) in [(5, 3), (70, 900)] {
        // Sorted along x, so that the truncated kernels' blocks are local and skip some.
        let mut x = cloud(n, 0.9);
        let mut y = cloud(m, 2.3);
        x.sort_by(|a, b| a[0].total_cmp(&b[0]));
        y.sort_by(|a, b| a[0].total_cmp(&b[0]));
        let h: Vec<f64> = (0..m).map(|j| (j as f64 * 0.07).cos()).collect();
        let log_w = -(m as f64).ln();
        for eps in [2.0, 0.003] {
            let want = naive_softmin(&x, &y, &h, log_w, eps);
            let want_p = naive_barycentre(&x, &y, &h, eps);
            for &kernel in &kernels {
                for reach in [Reach::Dense, Reach::Truncated] {
                    let what = format!("{} {reach:?} n {n} m {m} eps {eps}", kernel.name());
                    let terms = check_kernel::<f64>(
                        kernel,
                        reach,
                        [&x, &y],
                        &h,
                        eps,
                        (&want, &want_p),
                        1e-9,
                        &what,
                    );
                    check_kernel::<f32>(
                        kernel,
                        reach,
                        [&x, &y],
                        &h,
                        eps,
                        (&want, &want_p),
                        2e-4,
                        &what,
                    );
                    if reach == Reach::Truncated && m == 900 && eps < 0.01 {
                        assert!(
                            terms < (n * m) as u64 * 9 / 10,
                            "{what}: too little truncated ({terms} terms)"
                        );
                    }
                }
            }
        }
    }
}

/// Runs [`softmin_on`] and [`barycentre_on`] on `kernel` in precision `T` and checks them
/// against `want` (softmin, projection) within `tolerance` (relative to 1 + |value|);
/// returns the softmin's terms.
#[allow(clippy::too_many_arguments)] // the case, the reference and the tolerance
fn check_kernel<T: Real>(
    kernel: Kernel,
    reach: Reach,
    [x, y]: [&[[f64; 2]]; 2],
    h: &[f64],
    eps: f64,
    (want, want_p): (&[f64], &[[f64; 2]]),
    tolerance: f64,
    what: &str,
) -> u64 {
    let n = x.len();
    let centre = [0.1, -0.2];
    let rows = Cloud::<T>::new(x, centre);
    let cols = Cloud::<T>::new(y, centre);
    let log_w = -(y.len() as f64).ln();
    let columns = Columns::new(&cols, &LogWeights::Uniform(log_w), Some(h), eps);
    let mut got = vec![0.0; n];
    let terms = softmin_on(&rows, &columns, reach, None, &mut got, kernel);
    for (a, b) in got.iter().zip(want) {
        assert!(
            (a - b).abs() < tolerance * (1.0 + b.abs()),
            "{what}: softmin {a} vs {b}"
        );
    }
    let mut projected = vec![[0.0; 2]; n];
    barycentre_on(&rows, &columns, reach, Some(&got), &mut projected, kernel);
    for (a, b) in projected.iter().zip(want_p) {
        for k in 0..2 {
            let a = a[k] + centre[k];
            assert!(
                (a - b[k]).abs() < tolerance * (1.0 + b[k].abs()),
                "{what}: projection {a} vs {}",
                b[k]
            );
        }
    }
    terms
}

#[test]
fn one_pass_rows_about_an_estimate_match_two_pass_rows_and_fall_back_when_it_is_far_off() {
    let (n, m) = (70, 500);
    let x = cloud(n, 0.4);
    let y = cloud(m, 1.1);
    let h: Vec<f64> = (0..m).map(|j| (j as f64 * 0.03).sin()).collect();
    let log_w = -(m as f64).ln();
    for eps in [3.0, 0.02] {
        let want = naive_softmin(&x, &y, &h, log_w, eps);
        // Near estimates (the exact values moved by up to ±5 ε), and estimates so far off
        // (±500 ε: 700 bits) that every row must be summed again in two passes.
        let near: Vec<f64> = want
            .iter()
            .enumerate()
            .map(|(i, v)| v + (i as f64 % 11.0 - 5.0) * eps)
            .collect();
        let far_low: Vec<f64> = want.iter().map(|v| v - 500.0 * eps).collect();
        let far_high: Vec<f64> = want.iter().map(|v| v + 500.0 * eps).collect();
        for kernel in super::super::kernel::kernels_to_test("one_pass_rows…") {
            let rows = Cloud::<f32>::new(&x, [0.1, 0.3]);
            let cols = Cloud::<f32>::new(&y, [0.1, 0.3]);
            let columns = Columns::new(&cols, &LogWeights::Uniform(log_w), Some(&h), eps);
            let mut plain = vec![0.0; n];
            softmin_on(&rows, &columns, Reach::Dense, None, &mut plain, kernel);
            for estimate in [&near, &far_low, &far_high] {
                let mut got = vec![0.0; n];
                softmin_on(
                    &rows,
                    &columns,
                    Reach::Dense,
                    Some(estimate),
                    &mut got,
                    kernel,
                );
                for ((a, b), c) in got.iter().zip(&want).zip(&plain) {
                    assert!((a - b).abs() < 2e-4 * (1.0 + b.abs()), "f32 {a} vs {b}");
                    assert!(
                        (a - c).abs() < 1e-5 * (1.0 + c.abs()),
                        "{a} vs two-pass {c}"
                    );
                }
                let (mut moved, mut still) = (vec![[0.0; 2]; n], vec![[0.0; 2]; n]);
                barycentre_on(
                    &rows,
                    &columns,
                    Reach::Dense,
                    Some(estimate),
                    &mut moved,
                    kernel,
                );
                barycentre_on(&rows, &columns, Reach::Dense, None, &mut still, kernel);
                for (a, b) in moved.iter().zip(&still) {
                    for k in 0..2 {
                        assert!(
                            (a[k] - b[k]).abs() < 1e-5 * (1.0 + b[k].abs()),
                            "{a:?} {b:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn streaming_softmin_matches_the_dense_formula() {
    // Sizes that exercise row remainders, lane padding and several chunks.
    for (n, m) in [(1, 1), (7, 13), (37, 600)] {
        let x = cloud(n, 0.3);
        let y = cloud(m, 1.7);
        let h: Vec<f64> = (0..m).map(|j| (j as f64 * 0.05).sin()).collect();
        let log_w = -(m as f64).ln();
        for eps in [4.0, 0.01] {
            let want = naive_softmin(&x, &y, &h, log_w, eps);
            let rows = Cloud::<f64>::new(&x, [0.2, -0.1]);
            let cols = Cloud::<f64>::new(&y, [0.2, -0.1]);
            let mut got = vec![0.0; n];
            softmin(
                &rows,
                &Columns::new(&cols, &LogWeights::Uniform(log_w), Some(&h), eps),
                Reach::Dense,
                None,
                &mut got,
            );
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-10 * (1.0 + b.abs()), "f64 {a} vs {b}");
            }
            let rows = Cloud::<f32>::new(&x, [0.2, -0.1]);
            let cols = Cloud::<f32>::new(&y, [0.2, -0.1]);
            softmin(
                &rows,
                &Columns::new(&cols, &LogWeights::Uniform(log_w), Some(&h), eps),
                Reach::Dense,
                None,
                &mut got,
            );
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 2e-4 * (1.0 + b.abs()), "f32 {a} vs {b}");
            }
        }
    }
}
