//! The hot loop: a streaming, row-parallel log-sum-exp over the implicit cost matrix.
//!
//! `softmin_ε(C, h)_i = −ε log Σ_j exp(h_j − C_ij/ε)` with `C_ij = ½‖x_i − y_j‖²` is never
//! materialised. Expanding the cost, the exponent is
//! `(h_j − ½‖y_j‖²/ε) + x_i·(y_j/ε) − ½‖x_i‖²/ε`; the last term leaves the log-sum-exp, so the
//! kernel evaluates `t_ij = u_j + x_i·s_j` from three per-column arrays (`u`, `s = y/ε`) and
//! two row scalars. Everything is pre-scaled by log₂e so the kernel sums `2^t` (a cheaper
//! vectorised exponential than `e^t`). Each row streams through chunks of columns: a first pass writes the
//! `t_ij` of the chunk into a small buffer and keeps per-lane maxima, a second pass adds
//! `2^(t_ij − max)` into per-lane sums after rescaling the running sum to the new maximum.
//! Both passes are plain fixed-width slice loops that LLVM vectorises; rayon splits the rows.

use super::cloud::Cloud;
use super::real::Real;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by [`use_portable_kernels`]: every softmin runs the portable (baseline x86-64) loop.
static PORTABLE_ONLY: AtomicBool = AtomicBool::new(false);

/// Makes every softmin and projection run the portable loop (`true`) or the version
/// dispatched at run time for this CPU (`false`, the default). For benchmarks and parity tests:
/// the portable loop is the reference the dispatched ones are checked against.
pub fn use_portable_kernels(portable: bool) {
    PORTABLE_ONLY.store(portable, Ordering::Relaxed);
}

/// The kernel the softmin runs on this CPU now: "avx512", "avx2+fma" or "portable".
pub fn kernel_in_use() -> &'static str {
    if PORTABLE_ONLY.load(Ordering::Relaxed) {
        return "portable";
    }
    dispatched_kernel()
}

/// The kernel the run-time dispatch picks on this CPU.
fn dispatched_kernel() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        if avx2
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            return "avx512";
        }
        if avx2 {
            return "avx2+fma";
        }
    }
    "portable"
}

/// Width of the manual vector lanes (two SSE registers of f32, one AVX register).
const LANES: usize = 8;
/// Columns per chunk: the terms buffer stays in L1. (Blocks of 2–8 rows sharing the column
/// loads measured 10–40% slower than one row at a time with SSE2: register pressure.)
const CHUNK: usize = 256;
/// Rows per rayon task.
const ROWS_PER_TASK: usize = 32;

/// The per-column arrays of one softmin or projection at a given ε, padded to a multiple of
/// [`LANES`] with columns whose terms are far below any real one.
pub(crate) struct Columns<T> {
    /// `u_j = log₂e · (log w_j + h_j/ε − ½‖y_j‖²/ε)`.
    u: Vec<T>,
    /// `log₂e · y_j[0] / ε`.
    sx: Vec<T>,
    /// `log₂e · y_j[1] / ε`.
    sy: Vec<T>,
    /// ε.
    eps: f64,
}

impl<T: Real> Columns<T> {
    /// Columns of `cloud` with uniform log-weight `log_weight` and dual potential `potential`
    /// (`None`: zero), at regularisation `eps`.
    pub fn new(cloud: &Cloud<T>, log_weight: f64, potential: Option<&[f64]>, eps: f64) -> Self {
        let len = cloud.len();
        let padded = len.div_ceil(LANES) * LANES;
        let mut u = Vec::with_capacity(padded);
        let mut sx = Vec::with_capacity(padded);
        let mut sy = Vec::with_capacity(padded);
        let scale = std::f64::consts::LOG2_E / eps;
        for j in 0..len {
            let h = potential.map_or(0.0, |p| p[j]);
            u.push(T::from_f64(
                std::f64::consts::LOG2_E * log_weight + (h - cloud.half_sq_norm[j]) * scale,
            ));
            sx.push(T::from_f64(cloud.xs[j].to_f64() * scale));
            sy.push(T::from_f64(cloud.ys[j].to_f64() * scale));
        }
        u.resize(padded, T::PAD);
        sx.resize(padded, T::ZERO);
        sy.resize(padded, T::ZERO);
        Self { u, sx, sy, eps }
    }
}

/// Running log-sum-exp state of one row (base 2): `Σ_j 2^(t_ij − max)` and, for projections,
/// the same sums weighted by `s_j`.
#[derive(Clone, Copy)]
struct RowSums<T> {
    max: T,
    sum: T,
    sum_sx: T,
    sum_sy: T,
}

impl<T: Real> RowSums<T> {
    const EMPTY: Self = Self {
        max: T::PAD,
        sum: T::ZERO,
        sum_sx: T::ZERO,
        sum_sy: T::ZERO,
    };
}

/// `out[i] = softmin_ε(C, h)_i = ½‖x_i‖² − ε·LSE_j(u_j + x_i·s_j)` for every row of `rows`.
pub(crate) fn softmin<T: Real>(rows: &Cloud<T>, cols: &Columns<T>, out: &mut [f64]) {
    softmin_on(rows, cols, out, PORTABLE_ONLY.load(Ordering::Relaxed));
}

/// [`softmin`] on the portable loop or on the dispatched one.
fn softmin_on<T: Real>(rows: &Cloud<T>, cols: &Columns<T>, out: &mut [f64], portable: bool) {
    debug_assert_eq!(out.len(), rows.len());
    let eps = cols.eps;
    for_each_row::<T, false, f64>(rows, cols, out, portable, |i, sums| {
        let lse = std::f64::consts::LN_2 * sums.max.to_f64() + sums.sum.to_f64().ln();
        rows.half_sq_norm[i] - eps * lse
    });
}

/// `out[i] = Σ_j w_ij y_j` (in the clouds' shifted frame) with
/// `w_ij = softmax_j(u_j + x_i·s_j)`: the barycentric projection of each row.
pub(crate) fn barycentre<T: Real>(rows: &Cloud<T>, cols: &Columns<T>, out: &mut [[f64; 2]]) {
    barycentre_on(rows, cols, out, PORTABLE_ONLY.load(Ordering::Relaxed));
}

/// [`barycentre`] on the portable loop or on the dispatched one.
fn barycentre_on<T: Real>(
    rows: &Cloud<T>,
    cols: &Columns<T>,
    out: &mut [[f64; 2]],
    portable: bool,
) {
    debug_assert_eq!(out.len(), rows.len());
    let eps = cols.eps;
    for_each_row::<T, true, [f64; 2]>(rows, cols, out, portable, |_, sums| {
        let scale = eps * std::f64::consts::LN_2 / sums.sum.to_f64();
        [sums.sum_sx.to_f64() * scale, sums.sum_sy.to_f64() * scale]
    });
}

/// Runs the streaming reduction for every row in parallel (on the portable loop, or on the
/// version dispatched for this CPU) and stores `finish(i, sums)`.
fn for_each_row<T: Real, const MOMENTS: bool, O: Send>(
    rows: &Cloud<T>,
    cols: &Columns<T>,
    out: &mut [O],
    portable: bool,
    finish: impl Fn(usize, RowSums<T>) -> O + Sync,
) {
    out.par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .for_each(|(task, out_task)| {
            let start = task * ROWS_PER_TASK;
            let end = start + out_task.len();
            let mut sums = [RowSums::<T>::EMPTY; ROWS_PER_TASK];
            let sums = &mut sums[..out_task.len()];
            let (xs, ys) = (&rows.xs[start..end], &rows.ys[start..end]);
            if portable {
                reduce_rows_portable::<T, MOMENTS>(xs, ys, cols, sums);
            } else {
                reduce_rows::<T, MOMENTS>(xs, ys, cols, sums);
            }
            for (offset, (slot, row_sums)) in out_task.iter_mut().zip(sums.iter()).enumerate() {
                *slot = finish(start + offset, *row_sums);
            }
        });
}

/// [`reduce_row`] for a block of rows, compiled for the CPU it runs on: an AVX-512 and an
/// AVX2 + FMA version beside the portable (SSE2) one, picked at run time by `multiversion`
/// (the same source, so the same results up to the fused multiply-adds' rounding).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma",))]
fn reduce_rows<T: Real, const MOMENTS: bool>(
    xs: &[T],
    ys: &[T],
    cols: &Columns<T>,
    sums: &mut [RowSums<T>],
) {
    reduce_block::<T, MOMENTS>(xs, ys, cols, sums);
}

/// [`reduce_rows`] compiled for baseline x86-64 only: the reference the dispatched versions
/// are measured and checked against.
fn reduce_rows_portable<T: Real, const MOMENTS: bool>(
    xs: &[T],
    ys: &[T],
    cols: &Columns<T>,
    sums: &mut [RowSums<T>],
) {
    reduce_block::<T, MOMENTS>(xs, ys, cols, sums);
}

/// [`reduce_row`] for every row of a block; inlined into each compiled version.
#[inline(always)]
fn reduce_block<T: Real, const MOMENTS: bool>(
    xs: &[T],
    ys: &[T],
    cols: &Columns<T>,
    sums: &mut [RowSums<T>],
) {
    let mut terms = [T::ZERO; CHUNK];
    for ((&px, &py), slot) in xs.iter().zip(ys).zip(sums.iter_mut()) {
        *slot = reduce_row::<T, MOMENTS>(px, py, cols, &mut terms);
    }
}

/// The two-pass blocked log-sum-exp (base 2) of the row at `(px, py)` against all columns;
/// `terms` is scratch space for one chunk.
#[inline(always)]
fn reduce_row<T: Real, const MOMENTS: bool>(
    px: T,
    py: T,
    cols: &Columns<T>,
    terms: &mut [T; CHUNK],
) -> RowSums<T> {
    let mut row = RowSums::<T>::EMPTY;
    let chunks = cols
        .u
        .chunks(CHUNK)
        .zip(cols.sx.chunks(CHUNK))
        .zip(cols.sy.chunks(CHUNK));
    for ((u, sx), sy) in chunks {
        let terms = &mut terms[..u.len()];
        // Pass 1: the terms of the chunk and their per-lane maxima.
        let mut lane_max = [T::PAD; LANES];
        for (((t8, u8), sx8), sy8) in terms
            .chunks_exact_mut(LANES)
            .zip(u.chunks_exact(LANES))
            .zip(sx.chunks_exact(LANES))
            .zip(sy.chunks_exact(LANES))
        {
            for l in 0..LANES {
                let t = u8[l] + px * sx8[l] + py * sy8[l];
                t8[l] = t;
                lane_max[l] = lane_max[l].max_of(t);
            }
        }
        // Pass 2: rescale the running sums to the new maximum, add the chunk's powers of two.
        let chunk_max = lane_max.iter().fold(T::PAD, |m, &v| m.max_of(v));
        if chunk_max > row.max {
            let rescale = (row.max - chunk_max).exp2_nonpositive();
            row.sum = row.sum * rescale;
            if MOMENTS {
                row.sum_sx = row.sum_sx * rescale;
                row.sum_sy = row.sum_sy * rescale;
            }
            row.max = chunk_max;
        }
        let max = row.max;
        let mut lane_sum = [T::ZERO; LANES];
        if MOMENTS {
            let mut lane_sx = [T::ZERO; LANES];
            let mut lane_sy = [T::ZERO; LANES];
            for ((t8, sx8), sy8) in terms
                .chunks_exact(LANES)
                .zip(sx.chunks_exact(LANES))
                .zip(sy.chunks_exact(LANES))
            {
                for l in 0..LANES {
                    let e = (t8[l] - max).exp2_nonpositive();
                    lane_sum[l] = lane_sum[l] + e;
                    lane_sx[l] = lane_sx[l] + e * sx8[l];
                    lane_sy[l] = lane_sy[l] + e * sy8[l];
                }
            }
            row.sum_sx = row.sum_sx + lane_sx.iter().fold(T::ZERO, |a, &b| a + b);
            row.sum_sy = row.sum_sy + lane_sy.iter().fold(T::ZERO, |a, &b| a + b);
        } else {
            for t8 in terms.chunks_exact(LANES) {
                for l in 0..LANES {
                    lane_sum[l] = lane_sum[l] + (t8[l] - max).exp2_nonpositive();
                }
            }
        }
        row.sum = row.sum + lane_sum.iter().fold(T::ZERO, |a, &b| a + b);
    }
    row
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn the_dispatched_kernel_matches_the_portable_one() {
        println!("dispatched kernel on this CPU: {}", dispatched_kernel());
        for (n, m) in [(5, 3), (70, 900)] {
            let x = cloud(n, 0.9);
            let y = cloud(m, 2.3);
            let h: Vec<f64> = (0..m).map(|j| (j as f64 * 0.07).cos()).collect();
            for eps in [2.0, 0.003] {
                let rows = Cloud::<f32>::new(&x, [0.0, 0.0]);
                let cols = Cloud::<f32>::new(&y, [0.0, 0.0]);
                let columns = Columns::new(&cols, -(m as f64).ln(), Some(&h), eps);
                let (mut portable, mut dispatched) = (vec![0.0; n], vec![0.0; n]);
                softmin_on(&rows, &columns, &mut portable, true);
                softmin_on(&rows, &columns, &mut dispatched, false);
                for (a, b) in portable.iter().zip(&dispatched) {
                    assert!((a - b).abs() < 1e-5 * (1.0 + a.abs()), "softmin {a} vs {b}");
                }
                let (mut portable, mut dispatched) = (vec![[0.0; 2]; n], vec![[0.0; 2]; n]);
                barycentre_on(&rows, &columns, &mut portable, true);
                barycentre_on(&rows, &columns, &mut dispatched, false);
                for (a, b) in portable.iter().zip(&dispatched) {
                    for k in 0..2 {
                        assert!(
                            (a[k] - b[k]).abs() < 1e-5 * (1.0 + a[k].abs()),
                            "{a:?} {b:?}"
                        );
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
                softmin(&rows, &Columns::new(&cols, log_w, Some(&h), eps), &mut got);
                for (a, b) in got.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-10 * (1.0 + b.abs()), "f64 {a} vs {b}");
                }
                let rows = Cloud::<f32>::new(&x, [0.2, -0.1]);
                let cols = Cloud::<f32>::new(&y, [0.2, -0.1]);
                softmin(&rows, &Columns::new(&cols, log_w, Some(&h), eps), &mut got);
                for (a, b) in got.iter().zip(&want) {
                    assert!((a - b).abs() < 2e-4 * (1.0 + b.abs()), "f32 {a} vs {b}");
                }
            }
        }
    }
}
