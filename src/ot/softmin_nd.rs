//! The streaming log-sum-exp of [`super::softmin`] for points of any dimension d.
//!
//! The same expansion of the cost: `t_ij = u_j + x_i·s_j` (base 2, `s = log₂e · y/ε`), never
//! stored as a matrix. In d dimensions the dot product `x_i·s_j` dominates (d multiply-adds
//! against one exponential), so each task computes its terms as small matrix products: tiles of
//! [`GROUP`] rows × `W` columns held in registers while the loop runs over the d coordinates
//! (the columns are stored in blocks of [`COLUMN_PAD`], coordinate-major inside a block, so a
//! tile's sweep over the coordinates reads one contiguous stream). A chunk of [`CHUNK`] columns
//! of terms then goes through the 2D kernel's reductions: one pass about an estimate of the
//! row's result (the previous Sinkhorn iteration's potential), or two passes (chunk maximum,
//! then powers of two) where there is no estimate or it was too far off. [`fused_sweep`] also
//! sums the powers down the columns, for both sides of an update in one pass. Memory stays
//! O((n + m)·d).
//!
//! Compiled, like the 2D kernels, for AVX-512, AVX2 + FMA and baseline x86-64 (see
//! [`super::kernel`]); [`super::use_portable_kernels`] forces the baseline loop here too.

use super::kernel::Kernel;
use super::real::Real;
use super::softmin::{LogWeights, SHIFT_CLAMP_BITS, SHIFT_RANGE_BITS, column_offsets, row_shifts};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use tiles::{add_moments, exp2_in_place, lane_max, term_tile};

mod tiles;

/// Rows whose tiles share each column load.
const GROUP: usize = 4;
/// Rows per rayon task.
const ROWS_PER_TASK: usize = 32;
/// Columns per chunk of terms (a multiple of every tile width): the chunk's terms of a group
/// of rows stay in L1.
const CHUNK: usize = 256;
/// The columns are padded to a multiple of this (every tile width divides it).
const COLUMN_PAD: usize = 32;

/// A cloud of n points in d dimensions as the kernels read it: the points minus a common
/// centre, point after point, in the kernel precision, and `½‖p − centre‖²` in f64.
pub(crate) struct CloudNd<T> {
    /// The dimension d.
    pub dim: usize,
    /// `coords[i·d + k]`: coordinate k of point i, shifted.
    pub coords: Vec<T>,
    /// `½‖p_i − centre‖²` from the kernel-precision coordinates.
    pub half_sq_norm: Vec<f64>,
}

impl<T: Real> CloudNd<T> {
    /// The cloud `points − centre` (`points` flat, point after point, `centre.len()` = d).
    pub(crate) fn new(points: &[f64], centre: &[f64]) -> Self {
        let dim = centre.len();
        let coords: Vec<T> = points
            .chunks_exact(dim)
            .flat_map(|p| p.iter().zip(centre).map(|(a, c)| T::from_f64(a - c)))
            .collect();
        let half_sq_norm = coords
            .chunks_exact(dim)
            .map(|p| 0.5 * p.iter().map(|v| v.to_f64() * v.to_f64()).sum::<f64>())
            .collect();
        Self {
            dim,
            coords,
            half_sq_norm,
        }
    }

    /// The number of points.
    pub(crate) fn len(&self) -> usize {
        self.half_sq_norm.len()
    }
}

/// The per-column arrays of one softmin or projection at a given ε, padded to a multiple of
/// [`COLUMN_PAD`] with columns whose terms are far below any real one.
pub(crate) struct ColumnsNd<T> {
    /// `u_j = log₂e · (log w_j + h_j/ε − ½‖y_j‖²/ε)`.
    u: Vec<T>,
    /// `log₂e · y_jk / ε`, in blocks of [`COLUMN_PAD`] columns, coordinate-major inside each
    /// block: column j's coordinate k at `(block·d + k)·COLUMN_PAD + lane` (`j = block·PAD +
    /// lane`), so a tile's sweep over the coordinates reads one contiguous stream.
    s: Vec<T>,
    /// The dimension d.
    dim: usize,
    /// The padded column count.
    padded: usize,
    /// The real columns.
    len: usize,
    /// ε.
    eps: f64,
}

impl<T: Real> ColumnsNd<T> {
    /// Columns of `cloud` with log-weights `log_weights` and dual potential `potential`
    /// (`None`: zero), at regularisation `eps`.
    pub(crate) fn new(
        cloud: &CloudNd<T>,
        log_weights: &LogWeights,
        potential: Option<&[f64]>,
        eps: f64,
    ) -> Self {
        let (len, dim) = (cloud.len(), cloud.dim);
        let padded = len.div_ceil(COLUMN_PAD).max(1) * COLUMN_PAD;
        let scale = std::f64::consts::LOG2_E / eps;
        let mut u = vec![T::PAD; padded];
        let offsets = column_offsets(log_weights, potential, &cloud.half_sq_norm, eps);
        for (slot, offset) in u.iter_mut().zip(offsets) {
            *slot = T::from_f64(offset);
        }
        let mut s = vec![T::ZERO; padded * dim];
        for (j, point) in cloud.coords.chunks_exact(dim).enumerate() {
            for (k, &value) in point.iter().enumerate() {
                let (block, lane) = (j / COLUMN_PAD, j % COLUMN_PAD);
                s[(block * dim + k) * COLUMN_PAD + lane] = T::from_f64(value.to_f64() * scale);
            }
        }
        Self {
            u,
            s,
            dim,
            padded,
            len,
            eps,
        }
    }
}

/// The running log-sum-exp (base 2) of one row: `Σ_j 2^(t_ij − max)` and, for projections,
/// `Σ_j 2^(t_ij − max) s_j` (d values).
#[derive(Clone)]
struct RowSums<T> {
    max: T,
    sum: T,
    moments: Vec<T>,
}

impl<T: Real> RowSums<T> {
    fn empty(moments: usize) -> Self {
        Self {
            max: T::PAD,
            sum: T::ZERO,
            moments: vec![T::ZERO; moments],
        }
    }
}

/// `out[i] = softmin_ε(C, h)_i = ½‖x_i‖² − ε·LSE_j(u_j + x_i·s_j)` for every row of `rows`;
/// returns the terms evaluated. `estimate`: an estimate of the result (the previous
/// iteration's potential) for one-pass rows; `None`: two passes.
pub(crate) fn softmin_nd<T: Real>(
    rows: &CloudNd<T>,
    cols: &ColumnsNd<T>,
    estimate: Option<&[f64]>,
    out: &mut [f64],
) -> u64 {
    let eps = cols.eps;
    for_each_task::<T, false, f64>(rows, cols, estimate, out, |i, sums| {
        let lse = std::f64::consts::LN_2 * sums.max.to_f64() + sums.sum.to_f64().ln();
        rows.half_sq_norm[i] - eps * lse
    })
}

/// `out[i·d..(i+1)·d] = Σ_j w_ij y_j` (in the clouds' shifted frame) with
/// `w_ij = softmax_j(u_j + x_i·s_j)`: the barycentric projection of each row; returns the
/// terms evaluated. `estimate`: the rows' potential, as for [`softmin_nd`].
pub(crate) fn barycentre_nd<T: Real>(
    rows: &CloudNd<T>,
    cols: &ColumnsNd<T>,
    estimate: Option<&[f64]>,
    out: &mut [f64],
) -> u64 {
    let eps = cols.eps;
    let mut points: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
    let terms = for_each_task::<T, true, Vec<f64>>(rows, cols, estimate, &mut points, |_, sums| {
        let scale = eps * std::f64::consts::LN_2 / sums.sum.to_f64();
        sums.moments.iter().map(|m| m.to_f64() * scale).collect()
    });
    for (slot, point) in out.chunks_exact_mut(rows.dim).zip(&points) {
        slot.copy_from_slice(point);
    }
    terms
}

/// What one fused sweep of an averaged Sinkhorn update gives (see [`fused_sweep`]).
pub(crate) struct FusedSweep {
    /// Per row: its log-sum-exp in kernel units (base 2), as [`softmin_nd`] takes it: the
    /// row's shift plus log₂ of its sum (for a symmetric problem, the sum over every column).
    pub row_lse: Vec<f64>,
    /// Per column of a problem between two clouds: log₂ Σ_i 2^(t_ij − shift_i).
    pub column_log_sums: Vec<f64>,
    /// Whether every sum lay within 2^±60 (no term clamped, none that matters flushed): when
    /// not, the caller computes the update again on [`softmin_nd`].
    pub in_range: bool,
    /// The terms evaluated.
    pub terms: u64,
}

/// One sweep over the terms `2^(t_ij − shift_i)` of a Sinkhorn update whose rows' estimates
/// are the rows' current potential `f` and whose columns hold the other side's potential `g`
/// (`cols` built with it): then each term is `b_j·exp((f_i + g_j − C_ij)/ε)` in base 2, so
/// the sums along the rows give the rows' new potential and the sums down the columns, up to
/// the weights `a/b`, the columns' one. One sweep instead of two for a problem between two
/// clouds; for the symmetric problem (`cols` built from `rows` with `f`), the pairs above the
/// diagonal blocks are evaluated once and counted both ways, half the terms.
///
/// (Over 80 lines: the hot loop keeps the row tile, the column sums and the fallback in one
/// body so that every kernel version compiles it as one vectorised loop.)
pub(crate) fn fused_sweep<T: Real>(
    rows: &CloudNd<T>,
    cols: &ColumnsNd<T>,
    estimate: &[f64],
    symmetric: bool,
) -> FusedSweep {
    let (n, dim, kernel) = (rows.len(), rows.dim, Kernel::current());
    let shifts: Vec<T> = row_shifts(&rows.half_sq_norm, estimate, cols.eps);
    let terms = AtomicU64::new(0);
    let mut row_sums = vec![0.0; n];
    let column_sums = row_sums
        .par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .fold(
            || (vec![0.0_f64; cols.padded], vec![T::ZERO; cols.padded]),
            |(mut totals, mut task_sums), (task, out)| {
                let start = task * ROWS_PER_TASK;
                let end = start + out.len();
                // The symmetric problem's task reads (and sums down) the columns from its
                // diagonal block on.
                let first = if symmetric { start } else { 0 };
                task_sums[first..].fill(T::ZERO);
                let mut sweep = Sweep {
                    start: first,
                    rows_only_until: if symmetric { start + ROWS_PER_TASK } else { 0 },
                    column_sums: Some(&mut task_sums),
                };
                let mut sums = vec![RowSums::empty(0); out.len()];
                let (coords, task_shifts) =
                    (&rows.coords[start * dim..end * dim], &shifts[start..end]);
                reduce_task::<T, false>(
                    kernel,
                    coords,
                    dim,
                    Some(task_shifts),
                    cols,
                    &mut sums,
                    &mut sweep,
                );
                let swept = cols.len.saturating_sub(first);
                terms.fetch_add((swept * out.len()) as u64, Ordering::Relaxed);
                for (slot, row) in out.iter_mut().zip(&sums) {
                    *slot = row.sum.to_f64();
                }
                for (total, sum) in totals[first..].iter_mut().zip(&task_sums[first..]) {
                    *total += sum.to_f64();
                }
                (totals, task_sums)
            },
        )
        .map(|(totals, _)| totals)
        .reduce(
            || vec![0.0; cols.padded],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let range = SHIFT_RANGE_BITS.exp2();
    let good = |sum: f64| sum >= 1.0 / range && sum <= range;
    let mut in_range = true;
    let row_lse = (0..n)
        .map(|i| {
            let total = row_sums[i] + if symmetric { column_sums[i] } else { 0.0 };
            in_range &= good(total);
            shifts[i].to_f64() + total.log2()
        })
        .collect();
    let column_log_sums = if symmetric {
        Vec::new()
    } else {
        column_sums[..cols.len]
            .iter()
            .map(|&sum| {
                in_range &= good(sum);
                sum.log2()
            })
            .collect()
    };
    FusedSweep {
        row_lse,
        column_log_sums,
        in_range,
        terms: terms.into_inner(),
    }
}

/// Runs the reduction of every row in tasks of [`ROWS_PER_TASK`] rows in parallel (on the
/// version [`Kernel::current`] picks) and stores
/// `finish(i, sums)`; returns the terms evaluated.
fn for_each_task<T: Real, const MOMENTS: bool, O: Send>(
    rows: &CloudNd<T>,
    cols: &ColumnsNd<T>,
    estimate: Option<&[f64]>,
    out: &mut [O],
    finish: impl Fn(usize, RowSums<T>) -> O + Sync,
) -> u64 {
    debug_assert_eq!(out.len(), rows.len());
    let (dim, kernel) = (rows.dim, Kernel::current());
    let terms = AtomicU64::new(0);
    out.par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .for_each(|(task, out_task)| {
            let start = task * ROWS_PER_TASK;
            let end = start + out_task.len();
            // Each row's estimated log-sum-exp in kernel units (see `softmin::RowShifts`).
            let shifts: Option<Vec<T>> = estimate.map(|estimate| {
                row_shifts(
                    &rows.half_sq_norm[start..end],
                    &estimate[start..end],
                    cols.eps,
                )
            });
            let coords = &rows.coords[start * dim..end * dim];
            let mut sums = vec![RowSums::empty(if MOMENTS { dim } else { 0 }); end - start];
            reduce_task::<T, MOMENTS>(
                kernel,
                coords,
                dim,
                shifts.as_deref(),
                cols,
                &mut sums,
                &mut Sweep::whole(),
            );
            terms.fetch_add((cols.len * out_task.len()) as u64, Ordering::Relaxed);
            for (offset, (slot, row_sums)) in out_task.iter_mut().zip(sums).enumerate() {
                *slot = finish(start + offset, row_sums);
            }
        });
    terms.into_inner()
}

/// Which columns the rows of a task sweep, and where the columns' sums go in a fused sweep
/// ([`fused_sweep`]).
pub(crate) struct Sweep<'a, T> {
    /// The first column read (a multiple of [`COLUMN_PAD`]).
    start: usize,
    /// Columns before this one add to the rows' sums only (the symmetric problem's diagonal
    /// block, whose pairs the rows count both ways).
    rows_only_until: usize,
    /// The sums of the powers down each column (`None`: rows only).
    column_sums: Option<&'a mut [T]>,
}

impl<T> Sweep<'_, T> {
    /// Every column, rows only.
    fn whole() -> Self {
        Self {
            start: 0,
            rows_only_until: 0,
            column_sums: None,
        }
    }
}

/// The rows of one task (`coords`, point after point) on the given compiled version: tiles of
/// 32 columns on AVX-512, 16 on AVX2 + FMA (fused multiply-adds), 8 on the portable one
/// (no fused multiply-adds: the reference). Rows whose one-pass sum is out of range are
/// summed again in two passes, except in a fused sweep (whose caller checks the totals).
#[allow(clippy::too_many_arguments)] // the task's inputs, plus the version
fn reduce_task<T: Real, const MOMENTS: bool>(
    kernel: Kernel,
    coords: &[T],
    dim: usize,
    shifts: Option<&[T]>,
    cols: &ColumnsNd<T>,
    sums: &mut [RowSums<T>],
    sweep: &mut Sweep<'_, T>,
) {
    match kernel {
        Kernel::Avx512 => {
            reduce_task_avx512::<T, MOMENTS>(coords, dim, shifts, cols, sums, sweep);
        }
        Kernel::Avx2Fma => reduce_task_avx2::<T, MOMENTS>(coords, dim, shifts, cols, sums, sweep),
        Kernel::Portable => {
            reduce_rows::<T, MOMENTS, false, 8>(coords, dim, shifts, cols, sums, sweep);
        }
    }
}

/// [`reduce_task`] compiled for AVX-512 (the baseline copy `multiversion` adds beside it is
/// never called: the caller checked [`Kernel::runs_here`]).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma"))]
fn reduce_task_avx512<T: Real, const MOMENTS: bool>(
    coords: &[T],
    dim: usize,
    shifts: Option<&[T]>,
    cols: &ColumnsNd<T>,
    sums: &mut [RowSums<T>],
    sweep: &mut Sweep<'_, T>,
) {
    reduce_rows::<T, MOMENTS, true, 32>(coords, dim, shifts, cols, sums, sweep);
}

/// [`reduce_task`] compiled for AVX2 + FMA.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn reduce_task_avx2<T: Real, const MOMENTS: bool>(
    coords: &[T],
    dim: usize,
    shifts: Option<&[T]>,
    cols: &ColumnsNd<T>,
    sums: &mut [RowSums<T>],
    sweep: &mut Sweep<'_, T>,
) {
    reduce_rows::<T, MOMENTS, true, 16>(coords, dim, shifts, cols, sums, sweep);
}

/// Scratch space of one task, reused by its groups of rows.
struct Scratch<T> {
    /// The terms (then powers) of one chunk of columns, [`CHUNK`] per row.
    terms: Vec<T>,
    /// The group's coordinates, coordinate-major.
    transposed: Vec<T>,
}

/// Every row of a task: groups of [`GROUP`] rows (one row at a time for the remainder), each
/// row summed again in two passes where its one-pass sum about the estimate was out of range
/// (not in a fused sweep: see [`reduce_task`]).
#[inline(always)]
fn reduce_rows<T: Real, const MOMENTS: bool, const FMA: bool, const W: usize>(
    coords: &[T],
    dim: usize,
    shifts: Option<&[T]>,
    cols: &ColumnsNd<T>,
    sums: &mut [RowSums<T>],
    sweep: &mut Sweep<'_, T>,
) {
    let rows = sums.len();
    let grouped = rows / GROUP * GROUP;
    let scratch = &mut Scratch {
        terms: vec![T::ZERO; GROUP * CHUNK],
        transposed: vec![T::ZERO; GROUP * dim],
    };
    let fused = sweep.column_sums.is_some();
    let mut group_start = 0;
    while group_start < rows {
        let size = if group_start < grouped { GROUP } else { 1 };
        let range = group_start..group_start + size;
        let group_shifts = shifts.map(|s| &s[range.clone()]);
        let group_coords = &coords[range.start * dim..range.end * dim];
        let group_sums = &mut sums[range];
        let kept = if size == GROUP {
            reduce_group::<T, MOMENTS, FMA, W, GROUP>(
                group_coords,
                dim,
                group_shifts,
                cols,
                group_sums,
                scratch,
                sweep,
            )
        } else {
            reduce_group::<T, MOMENTS, FMA, W, 1>(
                group_coords,
                dim,
                group_shifts,
                cols,
                group_sums,
                scratch,
                sweep,
            )
        };
        // Rows whose estimate was too far off: two passes, one row at a time.
        for (r, kept) in kept.iter().enumerate().take(size) {
            if !kept && !fused {
                let row = &group_coords[r * dim..(r + 1) * dim];
                let slot = &mut group_sums[r..=r];
                slot[0] = RowSums::empty(slot[0].moments.len());
                reduce_group::<T, MOMENTS, FMA, W, 1>(
                    row,
                    dim,
                    None,
                    cols,
                    slot,
                    scratch,
                    &mut Sweep::whole(),
                );
            }
        }
        group_start += size;
    }
}

/// `R` rows (`coords`, point after point) against the columns of `sweep`: chunk by chunk, the
/// terms by register tiles, then the one-pass sums about `shifts` or the two-pass ones (and,
/// in a fused sweep, the sums down the columns). Returns, per row, whether its sums are good
/// (always, without shifts; with them, whether the one-pass sum stayed in range).
#[inline(always)]
fn reduce_group<T: Real, const MOMENTS: bool, const FMA: bool, const W: usize, const R: usize>(
    coords: &[T],
    dim: usize,
    shifts: Option<&[T]>,
    cols: &ColumnsNd<T>,
    sums: &mut [RowSums<T>],
    scratch: &mut Scratch<T>,
    sweep: &mut Sweep<'_, T>,
) -> [bool; GROUP] {
    // The group's coordinates coordinate-major: one load of R values per coordinate.
    let transposed = &mut scratch.transposed[..R * dim];
    for r in 0..R {
        for k in 0..dim {
            transposed[k * R + r] = coords[r * dim + k];
        }
    }
    let ceiling = T::from_f64(SHIFT_CLAMP_BITS);
    let terms = &mut scratch.terms[..R * CHUNK];
    let mut chunk_start = sweep.start;
    while chunk_start < cols.padded {
        let width = CHUNK.min(cols.padded - chunk_start);
        // The terms of the chunk, tile by tile.
        let mut tile_start = 0;
        while tile_start < width {
            let tile = term_tile::<T, FMA, W, R>(transposed, cols, chunk_start + tile_start);
            for (r, row) in tile.iter().enumerate() {
                terms[r * CHUNK + tile_start..][..W].copy_from_slice(row);
            }
            tile_start += W;
        }
        // The chunk's powers of two, row by row (kept in `terms` for the moments).
        for r in 0..R {
            let row_terms = &mut terms[r * CHUNK..r * CHUNK + width];
            let row = &mut sums[r];
            let max = match shifts {
                Some(shifts) => {
                    row.max = shifts[r];
                    shifts[r]
                }
                None => {
                    let chunk_max = lane_max::<T, W>(row_terms);
                    if chunk_max > row.max {
                        let rescale = (row.max - chunk_max).exp2_nonpositive();
                        row.sum = row.sum * rescale;
                        for m in &mut row.moments {
                            *m = *m * rescale;
                        }
                        row.max = chunk_max;
                    }
                    row.max
                }
            };
            row.sum = row.sum + exp2_in_place::<T, W>(row_terms, max, ceiling);
        }
        if MOMENTS {
            add_moments::<T, FMA, W, R>(terms, width, cols, chunk_start, sums);
        }
        if let Some(column_sums) = sweep.column_sums.as_deref_mut() {
            let from = sweep.rows_only_until.saturating_sub(chunk_start).min(width);
            let column_sums = &mut column_sums[chunk_start + from..chunk_start + width];
            for r in 0..R {
                let powers = &terms[r * CHUNK + from..r * CHUNK + width];
                for (sum, &power) in column_sums.iter_mut().zip(powers) {
                    *sum = *sum + power;
                }
            }
        }
        chunk_start += width;
    }
    let mut kept = [true; GROUP];
    if shifts.is_some() {
        let range = SHIFT_RANGE_BITS.exp2();
        for (r, row) in sums.iter().enumerate().take(R) {
            let sum = row.sum.to_f64();
            kept[r] = sum >= 1.0 / range && sum <= range;
        }
    }
    kept
}

#[cfg(test)]
mod tests;
