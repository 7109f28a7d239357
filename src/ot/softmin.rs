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
//!
//! Truncated kernels (GeomLoss's "multiscale" idea, without KeOps): when both clouds are sorted
//! along a space-filling curve (`ot::blocks`), each rayon task of [`ROWS_PER_TASK`] consecutive
//! rows first bounds every term of its rows from above against the best term of its box's
//! centre, and reads only the blocks of [`COLUMN_BLOCK`] columns that may hold a term within
//! 2^−[`TRUNCATION_BITS`] of its row's maximum (see [`kept_column_ranges`] for the proof).

use super::cloud::Cloud;
use super::kernel::Kernel;
use super::real::Real;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use truncation::{KeptColumns, kept_column_ranges};

mod truncation;

/// Width of the manual vector lanes (two SSE registers of f32, one AVX register).
const LANES: usize = 8;
/// Width of the manual vector lanes of the AVX-512 kernel (one 512-bit register of f32): the
/// flow at n = 4000 measured ×1.35 faster than with [`LANES`]; the AVX2 kernel measured
/// slightly slower with 16 lanes than with 8.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))] // the AVX-512 kernel only
const WIDE_LANES: usize = 16;
/// Columns per chunk: the terms buffer stays in L1. (Blocks of 2–8 rows sharing the column
/// loads measured 10–40% slower than one row at a time with SSE2: register pressure.)
const CHUNK: usize = 256;
/// Rows per rayon task, and rows per block of the truncated kernels.
pub(crate) const ROWS_PER_TASK: usize = 32;
/// Columns per block of the truncated kernels (a multiple of [`WIDE_LANES`] and [`LANES`]):
/// the columns are padded to a multiple of it, and a row block reads whole column blocks.
pub(crate) const COLUMN_BLOCK: usize = 16;
/// The truncated kernels skip only terms below 2^−`TRUNCATION_BITS` of their row's largest
/// term: each skipped term is below f32's resolution of the row sum, and a row of m columns
/// loses at most m · 2^−30 of its sum (4e-6 at m = 4000).
pub(crate) const TRUNCATION_BITS: f64 = 30.0;

/// A one-pass row (see [`reduce_row_shifted`]) is kept only when its sum about the estimate
/// lies within 2^±`SHIFT_RANGE_BITS`; otherwise the row is summed again in two passes.
pub(crate) const SHIFT_RANGE_BITS: f64 = 60.0;
/// Exponents above this are clamped before `2^t` (beyond f32's range); any clamped term alone
/// exceeds 2^[`SHIFT_RANGE_BITS`], so a row with one is summed again.
pub(crate) const SHIFT_CLAMP_BITS: f64 = 100.0;

/// The rows' shifts `(½‖x_i‖² − estimate_i) · log₂e / ε` (see [`RowShifts`]), in 2D and in d
/// dimensions alike.
pub(crate) fn row_shifts<T: Real>(half_sq_norm: &[f64], estimate: &[f64], eps: f64) -> Vec<T> {
    debug_assert_eq!(estimate.len(), half_sq_norm.len());
    let scale = std::f64::consts::LOG2_E / eps;
    half_sq_norm
        .iter()
        .zip(estimate)
        .map(|(&half_sq_norm, &f)| T::from_f64((half_sq_norm - f) * scale))
        .collect()
}

/// Each row's estimated log-sum-exp in kernel units (base 2, about the same terms
/// `u_j + x_i·s_j`): `(½‖x_i‖² − estimate_i) · log₂e / ε` from an estimate of the row's
/// softmin (the previous iteration's potential), or nothing.
struct RowShifts<T>(Option<Vec<T>>);

impl<T: Real> RowShifts<T> {
    /// The shifts of `rows` from `estimate` (in the rows' order) at `eps`.
    fn new(rows: &Cloud<T>, estimate: Option<&[f64]>, eps: f64) -> Self {
        Self(estimate.map(|estimate| row_shifts(&rows.half_sq_norm, estimate, eps)))
    }

    /// The shifts of the rows in `range`.
    fn of(&self, range: Range<usize>) -> Option<&[T]> {
        self.0.as_ref().map(|shifts| &shifts[range])
    }
}

/// The per-column arrays of one softmin or projection at a given ε, padded to a multiple of
/// [`COLUMN_BLOCK`] with columns whose terms are far below any real one.
pub(crate) struct Columns<T> {
    /// `u_j = log₂e · (log w_j + h_j/ε − ½‖y_j‖²/ε)`.
    u: Vec<T>,
    /// `log₂e · y_j[0] / ε`.
    sx: Vec<T>,
    /// `log₂e · y_j[1] / ε`.
    sy: Vec<T>,
    /// ε.
    eps: f64,
    /// The real columns (before padding).
    len: usize,
}

/// The log-weights of a cloud's points: one for all (a uniform cloud), or one per point (the
/// clusters of a coarse problem, `ot::sinkhorn`'s `Problem::coarsened`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LogWeights {
    /// Every point weighs `exp(value)`.
    Uniform(f64),
    /// Point j weighs `exp(values[j])`.
    Each(Vec<f64>),
}

impl LogWeights {
    /// The log-weight of point `j`.
    pub(crate) fn of(&self, j: usize) -> f64 {
        match self {
            Self::Uniform(value) => *value,
            Self::Each(values) => values[j],
        }
    }
}

/// The columns' offsets `u_j = log₂e · (log w_j + h_j/ε − ½‖y_j‖²/ε)` of the expanded cost
/// (in 2D and in d dimensions alike), from the log-weights, the dual potential `h` (`None`:
/// zero) and the half squared norms.
pub(crate) fn column_offsets<'a>(
    log_weights: &'a LogWeights,
    potential: Option<&'a [f64]>,
    half_sq_norm: &'a [f64],
    eps: f64,
) -> impl Iterator<Item = f64> + 'a {
    let scale = std::f64::consts::LOG2_E / eps;
    half_sq_norm
        .iter()
        .enumerate()
        .map(move |(j, half_sq_norm)| {
            let h = potential.map_or(0.0, |p| p[j]);
            std::f64::consts::LOG2_E * log_weights.of(j) + (h - half_sq_norm) * scale
        })
}

impl<T: Real> Columns<T> {
    /// Columns of `cloud` with log-weights `log_weights` and dual potential `potential`
    /// (`None`: zero), at regularisation `eps`.
    pub(crate) fn new(
        cloud: &Cloud<T>,
        log_weights: &LogWeights,
        potential: Option<&[f64]>,
        eps: f64,
    ) -> Self {
        let len = cloud.len();
        let padded = len.div_ceil(COLUMN_BLOCK) * COLUMN_BLOCK;
        let mut u = Vec::with_capacity(padded);
        let mut sx = Vec::with_capacity(padded);
        let mut sy = Vec::with_capacity(padded);
        let scale = std::f64::consts::LOG2_E / eps;
        let offsets = column_offsets(log_weights, potential, &cloud.half_sq_norm, eps);
        for (j, offset) in offsets.enumerate() {
            u.push(T::from_f64(offset));
            sx.push(T::from_f64(cloud.xs[j].to_f64() * scale));
            sy.push(T::from_f64(cloud.ys[j].to_f64() * scale));
        }
        u.resize(padded, T::PAD);
        sx.resize(padded, T::ZERO);
        sy.resize(padded, T::ZERO);
        Self {
            u,
            sx,
            sy,
            eps,
            len,
        }
    }

    /// Every column (padding included).
    fn all(&self) -> ColumnView<'_, T> {
        ColumnView {
            u: &self.u,
            sx: &self.sx,
            sy: &self.sy,
        }
    }
}

/// The per-column arrays a block of rows streams through: all of [`Columns`], or the kept
/// blocks gathered side by side ([`KeptColumns`]); a multiple of [`COLUMN_BLOCK`] long.
#[derive(Clone, Copy)]
struct ColumnView<'a, T> {
    /// See [`Columns::u`].
    u: &'a [T],
    /// See [`Columns::sx`].
    sx: &'a [T],
    /// See [`Columns::sy`].
    sy: &'a [T],
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

/// Whether the kernels read every column (`Dense`) or skip the column blocks whose terms are
/// all negligible (`Truncated`: the rows and columns must be sorted along a space-filling curve,
/// or nothing is skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Every column of every row.
    Dense,
    /// Only the column blocks that may hold a term within 2^−[`TRUNCATION_BITS`] of the row's
    /// maximum.
    Truncated,
}

/// `out[i] = softmin_ε(C, h)_i = ½‖x_i‖² − ε·LSE_j(u_j + x_i·s_j)` for every row of `rows`;
/// returns the terms evaluated.
///
/// `estimate`: an estimate of the result (the row potential of the previous Sinkhorn
/// iteration), which lets each row sum in one pass (see [`RowShifts`]); `None`: two passes.
pub(crate) fn softmin<T: Real>(
    rows: &Cloud<T>,
    cols: &Columns<T>,
    reach: Reach,
    estimate: Option<&[f64]>,
    out: &mut [f64],
) -> u64 {
    softmin_on(rows, cols, reach, estimate, out, Kernel::current())
}

/// [`softmin`] on the given compiled version of the kernels.
fn softmin_on<T: Real>(
    rows: &Cloud<T>,
    cols: &Columns<T>,
    reach: Reach,
    estimate: Option<&[f64]>,
    out: &mut [f64],
    kernel: Kernel,
) -> u64 {
    debug_assert_eq!(out.len(), rows.len());
    let eps = cols.eps;
    let shifts = RowShifts::new(rows, estimate, eps);
    for_each_row::<T, false, f64>(rows, cols, reach, &shifts, out, kernel, |i, sums| {
        let lse = std::f64::consts::LN_2 * sums.max.to_f64() + sums.sum.to_f64().ln();
        rows.half_sq_norm[i] - eps * lse
    })
}

/// `out[i] = Σ_j w_ij y_j` (in the clouds' shifted frame) with
/// `w_ij = softmax_j(u_j + x_i·s_j)`: the barycentric projection of each row; returns the
/// terms evaluated. `estimate`: the rows' potential, as for [`softmin`].
pub(crate) fn barycentre<T: Real>(
    rows: &Cloud<T>,
    cols: &Columns<T>,
    reach: Reach,
    estimate: Option<&[f64]>,
    out: &mut [[f64; 2]],
) -> u64 {
    barycentre_on(rows, cols, reach, estimate, out, Kernel::current())
}

/// [`barycentre`] on the given compiled version of the kernels.
fn barycentre_on<T: Real>(
    rows: &Cloud<T>,
    cols: &Columns<T>,
    reach: Reach,
    estimate: Option<&[f64]>,
    out: &mut [[f64; 2]],
    kernel: Kernel,
) -> u64 {
    debug_assert_eq!(out.len(), rows.len());
    let eps = cols.eps;
    let shifts = RowShifts::new(rows, estimate, eps);
    for_each_row::<T, true, [f64; 2]>(rows, cols, reach, &shifts, out, kernel, |_, sums| {
        let scale = eps * std::f64::consts::LN_2 / sums.sum.to_f64();
        [sums.sum_sx.to_f64() * scale, sums.sum_sy.to_f64() * scale]
    })
}

/// Runs the streaming reduction for every row in parallel on the given compiled version of
/// the kernels, over every column or only the kept column blocks of each
/// task, and stores `finish(i, sums)`; returns the terms evaluated.
fn for_each_row<T: Real, const MOMENTS: bool, O: Send>(
    rows: &Cloud<T>,
    cols: &Columns<T>,
    reach: Reach,
    shifts: &RowShifts<T>,
    out: &mut [O],
    kernel: Kernel,
    finish: impl Fn(usize, RowSums<T>) -> O + Sync,
) -> u64 {
    let terms = AtomicU64::new(0);
    out.par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .for_each(|(task, out_task)| {
            let start = task * ROWS_PER_TASK;
            let end = start + out_task.len();
            let mut sums = [RowSums::<T>::EMPTY; ROWS_PER_TASK];
            let sums = &mut sums[..out_task.len()];
            let (xs, ys) = (&rows.xs[start..end], &rows.ys[start..end]);
            let kept;
            let (columns, real_columns) = match reach {
                Reach::Dense => (cols.all(), cols.len),
                Reach::Truncated => {
                    let ranges = kept_column_ranges(kernel, xs, ys, cols);
                    // Padding is not work the counters report.
                    let real = ranges
                        .iter()
                        .map(|range| range.end.min(cols.len).saturating_sub(range.start))
                        .sum();
                    // The kept blocks side by side: the rows then stream through whole chunks.
                    kept = KeptColumns::gather(cols, &ranges);
                    (kept.view(), real)
                }
            };
            terms.fetch_add((real_columns * xs.len()) as u64, Ordering::Relaxed);
            let shifts = shifts.of(start..end);
            reduce_rows::<T, MOMENTS>(kernel, xs, ys, shifts, columns, sums);
            for (offset, (slot, row_sums)) in out_task.iter_mut().zip(sums.iter()).enumerate() {
                *slot = finish(start + offset, *row_sums);
            }
        });
    terms.into_inner()
}

/// [`reduce_row`] for a block of rows on the given compiled version: an AVX-512 one
/// ([`WIDE_LANES`] lanes, 512-bit vectors), an AVX2 + FMA one ([`LANES`]) or the portable
/// (SSE2) one, the reference (the same source, so the same results up to the fused
/// multiply-adds' rounding and the lanes' order of summation).
fn reduce_rows<T: Real, const MOMENTS: bool>(
    kernel: Kernel,
    xs: &[T],
    ys: &[T],
    shifts: Option<&[T]>,
    cols: ColumnView<'_, T>,
    sums: &mut [RowSums<T>],
) {
    match kernel {
        Kernel::Avx512 => reduce_rows_avx512::<T, MOMENTS>(xs, ys, shifts, cols, sums),
        Kernel::Avx2Fma => reduce_rows_avx2::<T, MOMENTS>(xs, ys, shifts, cols, sums),
        Kernel::Portable => reduce_block::<T, MOMENTS, LANES>(xs, ys, shifts, cols, sums),
    }
}

/// [`reduce_rows`] compiled for AVX-512 (the baseline copy `multiversion` adds beside it is
/// never called: the caller checked [`Kernel::runs_here`]).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma"))]
fn reduce_rows_avx512<T: Real, const MOMENTS: bool>(
    xs: &[T],
    ys: &[T],
    shifts: Option<&[T]>,
    cols: ColumnView<'_, T>,
    sums: &mut [RowSums<T>],
) {
    reduce_block::<T, MOMENTS, WIDE_LANES>(xs, ys, shifts, cols, sums);
}

/// [`reduce_rows`] compiled for AVX2 + FMA.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn reduce_rows_avx2<T: Real, const MOMENTS: bool>(
    xs: &[T],
    ys: &[T],
    shifts: Option<&[T]>,
    cols: ColumnView<'_, T>,
    sums: &mut [RowSums<T>],
) {
    reduce_block::<T, MOMENTS, LANES>(xs, ys, shifts, cols, sums);
}

/// [`reduce_row`] for every row of a block; inlined into each compiled version.
#[inline(always)]
fn reduce_block<T: Real, const MOMENTS: bool, const L: usize>(
    xs: &[T],
    ys: &[T],
    shifts: Option<&[T]>,
    cols: ColumnView<'_, T>,
    sums: &mut [RowSums<T>],
) {
    let mut terms = [T::ZERO; CHUNK];
    for (k, ((&px, &py), slot)) in xs.iter().zip(ys).zip(sums.iter_mut()).enumerate() {
        let shifted =
            shifts.and_then(|shifts| reduce_row_shifted::<T, MOMENTS, L>(px, py, shifts[k], cols));
        *slot = shifted.unwrap_or_else(|| reduce_row::<T, MOMENTS, L>(px, py, cols, &mut terms));
    }
}

/// The one-pass log-sum-exp (base 2) of the row at `(px, py)` about a given `shift` (an
/// estimate of the row's log-sum-exp): `Σ_j 2^(t_ij − shift)` with no maximum taken and no
/// terms stored. `None` when the estimate is too far off for the sum to be trusted: the sum
/// must lie in [2^−[`SHIFT_RANGE_BITS`], 2^[`SHIFT_RANGE_BITS`]]. Then no exponent exceeded
/// [`SHIFT_RANGE_BITS`] (the sum would, so none was clamped), and the terms raised to the
/// clamp floor 2^−125 add at most m · 2^−(125 − [`SHIFT_RANGE_BITS`]) of the sum.
#[inline(always)]
fn reduce_row_shifted<T: Real, const MOMENTS: bool, const L: usize>(
    px: T,
    py: T,
    shift: T,
    cols: ColumnView<'_, T>,
) -> Option<RowSums<T>> {
    let mut lane_sum = [T::ZERO; L];
    let mut lane_sx = [T::ZERO; L];
    let mut lane_sy = [T::ZERO; L];
    let ceiling = T::from_f64(SHIFT_CLAMP_BITS);
    for ((u8, sx8), sy8) in cols
        .u
        .chunks_exact(L)
        .zip(cols.sx.chunks_exact(L))
        .zip(cols.sy.chunks_exact(L))
    {
        for l in 0..L {
            let t = u8[l] + px * sx8[l] + py * sy8[l] - shift;
            let e = t.min_of(ceiling).exp2_nonpositive();
            lane_sum[l] = lane_sum[l] + e;
            if MOMENTS {
                lane_sx[l] = lane_sx[l] + e * sx8[l];
                lane_sy[l] = lane_sy[l] + e * sy8[l];
            }
        }
    }
    let sum = lane_sum.iter().fold(T::ZERO, |a, &b| a + b).to_f64();
    let range = SHIFT_RANGE_BITS.exp2();
    if !(sum >= 1.0 / range && sum <= range) {
        return None;
    }
    Some(RowSums {
        max: shift,
        sum: T::from_f64(sum),
        sum_sx: lane_sx.iter().fold(T::ZERO, |a, &b| a + b),
        sum_sy: lane_sy.iter().fold(T::ZERO, |a, &b| a + b),
    })
}

/// The two-pass blocked log-sum-exp (base 2) of the row at `(px, py)` against the columns of
/// `cols` (a multiple of `L`, the vector lanes, long); `terms` is scratch space for one chunk.
#[inline(always)]
fn reduce_row<T: Real, const MOMENTS: bool, const L: usize>(
    px: T,
    py: T,
    cols: ColumnView<'_, T>,
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
        let mut lane_max = [T::PAD; L];
        for (((t8, u8), sx8), sy8) in terms
            .chunks_exact_mut(L)
            .zip(u.chunks_exact(L))
            .zip(sx.chunks_exact(L))
            .zip(sy.chunks_exact(L))
        {
            for l in 0..L {
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
        let mut lane_sum = [T::ZERO; L];
        if MOMENTS {
            let mut lane_sx = [T::ZERO; L];
            let mut lane_sy = [T::ZERO; L];
            for ((t8, sx8), sy8) in terms
                .chunks_exact(L)
                .zip(sx.chunks_exact(L))
                .zip(sy.chunks_exact(L))
            {
                for l in 0..L {
                    let e = (t8[l] - max).exp2_nonpositive();
                    lane_sum[l] = lane_sum[l] + e;
                    lane_sx[l] = lane_sx[l] + e * sx8[l];
                    lane_sy[l] = lane_sy[l] + e * sy8[l];
                }
            }
            row.sum_sx = row.sum_sx + lane_sx.iter().fold(T::ZERO, |a, &b| a + b);
            row.sum_sy = row.sum_sy + lane_sy.iter().fold(T::ZERO, |a, &b| a + b);
        } else {
            for t8 in terms.chunks_exact(L) {
                for l in 0..L {
                    lane_sum[l] = lane_sum[l] + (t8[l] - max).exp2_nonpositive();
                }
            }
        }
        row.sum = row.sum + lane_sum.iter().fold(T::ZERO, |a, &b| a + b);
    }
    row
}

#[cfg(test)]
mod tests;
