//! The truncated kernels' choice of columns: which blocks of [`COLUMN_BLOCK`] columns a block
//! of rows must read, by a proven bound against the best term of the rows' box centre
//! ([`kept_column_ranges`]), and those blocks gathered side by side ([`KeptColumns`]).

use super::{COLUMN_BLOCK, ColumnView, Columns, TRUNCATION_BITS};
use crate::ot::kernel::Kernel;
use crate::ot::real::Real;
use std::ops::Range;

/// Bits added to [`TRUNCATION_BITS`] in the test, for the rounding of the kernel-precision
/// terms the test compares (at most ~0.06 bits at the largest diameter²/ε the f32 kernels take,
/// ~1e-3 bits at the default).
const ROUNDING_MARGIN_BITS: f64 = 2.0;

/// The column blocks one block of rows keeps, copied side by side so that its rows stream
/// through whole chunks instead of many short ranges (the copy is shared by the block's rows).
pub(super) struct KeptColumns<T> {
    /// `u` of the kept columns.
    u: Vec<T>,
    /// `sx` of the kept columns.
    sx: Vec<T>,
    /// `sy` of the kept columns.
    sy: Vec<T>,
}

impl<T: Real> KeptColumns<T> {
    /// The columns of `ranges` (whole column blocks) in order.
    pub(super) fn gather(cols: &Columns<T>, ranges: &[Range<usize>]) -> Self {
        let len = ranges.iter().map(ExactSizeIterator::len).sum();
        let mut kept = Self {
            u: Vec::with_capacity(len),
            sx: Vec::with_capacity(len),
            sy: Vec::with_capacity(len),
        };
        for range in ranges {
            kept.u.extend_from_slice(&cols.u[range.clone()]);
            kept.sx.extend_from_slice(&cols.sx[range.clone()]);
            kept.sy.extend_from_slice(&cols.sy[range.clone()]);
        }
        kept
    }

    /// The kept columns as the kernels read them.
    pub(super) fn view(&self) -> ColumnView<'_, T> {
        ColumnView {
            u: &self.u,
            sx: &self.sx,
            sy: &self.sy,
        }
    }
}

/// The column blocks a block of rows must read: the ranges of consecutive blocks of
/// [`COLUMN_BLOCK`] columns that may hold a term within 2^−[`TRUNCATION_BITS`] of the row's
/// largest term, for every row of the block (compiled like [`reduce_rows`](super::reduce_rows)).
///
/// The proof. Let `c` be the centre of the rows' bounding box and `δ_i = x_i − c`, so
/// `|δ_i,x| ≤ w_x`, `|δ_i,y| ≤ w_y` (the box's half-widths). A term is linear in the row:
/// `t_ij = t_j(c) + δ_i·s_j`. Let `r` be the column with the largest `t_r(c)`. Row i's largest
/// term is at least `t_ir = t_r(c) + δ_i·s_r`, so
/// `t_ij − max_k t_ik ≤ t_j(c) − t_r(c) + δ_i·(s_j − s_r)
///                   ≤ t_j(c) − t_r(c) + w_x |s_j,x − s_r,x| + w_y |s_j,y − s_r,y|`.
/// A block is skipped only when this bound is below −(`TRUNCATION_BITS` + a rounding margin)
/// for each of its columns: then every term it holds, for every row of the block, is below
/// 2^−30 of that row's largest term (in base 2, as the kernel sums `2^t`).
pub(super) fn kept_column_ranges<T: Real>(
    kernel: Kernel,
    xs: &[T],
    ys: &[T],
    cols: &Columns<T>,
) -> Vec<Range<usize>> {
    match kernel {
        Kernel::Avx512 => kept_column_ranges_avx512(xs, ys, cols),
        Kernel::Avx2Fma => kept_column_ranges_avx2(xs, ys, cols),
        Kernel::Portable => kept_ranges_of_block(xs, ys, cols),
    }
}

/// [`kept_column_ranges`] compiled for AVX-512 (the baseline copy `multiversion` adds beside
/// it is never called: the caller checked [`Kernel::runs_here`]).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma"))]
fn kept_column_ranges_avx512<T: Real>(xs: &[T], ys: &[T], cols: &Columns<T>) -> Vec<Range<usize>> {
    kept_ranges_of_block(xs, ys, cols)
}

/// [`kept_column_ranges`] compiled for AVX2 + FMA.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn kept_column_ranges_avx2<T: Real>(xs: &[T], ys: &[T], cols: &Columns<T>) -> Vec<Range<usize>> {
    kept_ranges_of_block(xs, ys, cols)
}

/// The body of [`kept_column_ranges`]; inlined into each compiled version.
#[inline(always)]
fn kept_ranges_of_block<T: Real>(xs: &[T], ys: &[T], cols: &Columns<T>) -> Vec<Range<usize>> {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for (&x, &y) in xs.iter().zip(ys) {
        let (x, y) = (x.to_f64(), y.to_f64());
        lo = [lo[0].min(x), lo[1].min(y)];
        hi = [hi[0].max(x), hi[1].max(y)];
    }
    let (cx, cy) = (
        T::from_f64(0.5 * (lo[0] + hi[0])),
        T::from_f64(0.5 * (lo[1] + hi[1])),
    );
    // Half-widths, rounded up so that the rounded centre's box still holds every row.
    let wx = T::from_f64(
        (hi[0] - lo[0]) * 0.5 * (1.0 + 1e-6) + (cx.to_f64() - 0.5 * (lo[0] + hi[0])).abs(),
    );
    let wy = T::from_f64(
        (hi[1] - lo[1]) * 0.5 * (1.0 + 1e-6) + (cy.to_f64() - 0.5 * (lo[1] + hi[1])).abs(),
    );
    // The centre's terms and its best column r: per-lane maxima with the block they were
    // met in (a loop LLVM vectorises), then the best lane.
    let mut lane_best = [T::PAD; COLUMN_BLOCK];
    let mut lane_block = [0_u32; COLUMN_BLOCK];
    let centre_blocks = cols
        .u
        .chunks_exact(COLUMN_BLOCK)
        .zip(cols.sx.chunks_exact(COLUMN_BLOCK))
        .zip(cols.sy.chunks_exact(COLUMN_BLOCK));
    for (block, ((u, sx), sy)) in centre_blocks.enumerate() {
        #[allow(clippy::cast_possible_truncation)] // at most limits::MAX_POINTS / 16 blocks
        let block = block as u32;
        for l in 0..COLUMN_BLOCK {
            let t = u[l] + cx * sx[l] + cy * sy[l];
            let better = t > lane_best[l];
            lane_best[l] = if better { t } else { lane_best[l] };
            lane_block[l] = if better { block } else { lane_block[l] };
        }
    }
    let (mut best, mut best_at) = (T::PAD, 0);
    for (l, (&t, &block)) in lane_best.iter().zip(&lane_block).enumerate() {
        if t > best {
            best = t;
            best_at = block as usize * COLUMN_BLOCK + l;
        }
    }
    let (rx, ry) = (cols.sx[best_at], cols.sy[best_at]);
    let floor = T::from_f64(best.to_f64() - TRUNCATION_BITS - ROUNDING_MARGIN_BITS);
    let mut ranges: Vec<Range<usize>> = Vec::new();
    let blocks = cols
        .u
        .chunks_exact(COLUMN_BLOCK)
        .zip(cols.sx.chunks_exact(COLUMN_BLOCK))
        .zip(cols.sy.chunks_exact(COLUMN_BLOCK));
    for (block, ((u, sx), sy)) in blocks.enumerate() {
        let mut bound = [T::PAD; COLUMN_BLOCK];
        for l in 0..COLUMN_BLOCK {
            let t = u[l] + cx * sx[l] + cy * sy[l];
            let dx = sx[l] - rx;
            let dy = sy[l] - ry;
            let abs_dx = if dx > T::ZERO { dx } else { T::ZERO - dx };
            let abs_dy = if dy > T::ZERO { dy } else { T::ZERO - dy };
            bound[l] = t + wx * abs_dx + wy * abs_dy;
        }
        let block_bound = bound.iter().fold(T::PAD, |m, &b| m.max_of(b));
        if block_bound >= floor {
            let (start, end) = (block * COLUMN_BLOCK, (block + 1) * COLUMN_BLOCK);
            match ranges.last_mut() {
                Some(last) if last.end == start => last.end = end,
                _ => ranges.push(start..end),
            }
        }
    }
    ranges
}
