//! The register-tile arithmetic of the d-dimensional kernels, inlined into each compiled
//! version: the terms of a tile of rows × `W` columns accumulated over the coordinates
//! ([`term_tile`]), a chunk's maximum ([`lane_max`]) and powers of two ([`exp2_in_place`]), and
//! the projections' moments ([`add_moments`]).

use super::{CHUNK, COLUMN_PAD, ColumnsNd, RowSums};
use crate::ot::real::Real;

/// `a·b + c`, fused where the compiled version has FMA.
#[inline(always)]
fn multiply_add<T: Real, const FMA: bool>(a: T, b: T, c: T) -> T {
    if FMA {
        a.fused_multiply_add(b, c)
    } else {
        a * b + c
    }
}

/// The terms `u_j + x_r·s_j` of `R` rows (`transposed`: coordinate-major) and the `W` columns
/// from `start`, accumulated in registers over the coordinates.
#[inline(always)]
pub(super) fn term_tile<T: Real, const FMA: bool, const W: usize, const R: usize>(
    transposed: &[T],
    cols: &ColumnsNd<T>,
    start: usize,
) -> [[T; W]; R] {
    let u: &[T; W] = cols.u[start..start + W].try_into().expect("W columns");
    let mut tile = [*u; R];
    let (block, offset) = (start / COLUMN_PAD, start % COLUMN_PAD);
    let block_len = cols.dim * COLUMN_PAD;
    let block = &cols.s[block * block_len..(block + 1) * block_len];
    for (x, s) in transposed
        .chunks_exact(R)
        .zip(block.chunks_exact(COLUMN_PAD))
    {
        let s: &[T; W] = s[offset..offset + W].try_into().expect("W columns");
        for r in 0..R {
            let xr = x[r];
            for l in 0..W {
                tile[r][l] = multiply_add::<T, FMA>(xr, s[l], tile[r][l]);
            }
        }
    }
    tile
}

/// The largest of `terms` (a multiple of `W` long), by lanes.
#[inline(always)]
pub(super) fn lane_max<T: Real, const W: usize>(terms: &[T]) -> T {
    let mut lanes = [T::PAD; W];
    for chunk in terms.chunks_exact(W) {
        for l in 0..W {
            lanes[l] = lanes[l].max_of(chunk[l]);
        }
    }
    lanes.iter().fold(T::PAD, |m, &v| m.max_of(v))
}

/// Replaces each term `t` by `2^min(t − max, ceiling)` and returns their sum.
#[inline(always)]
pub(super) fn exp2_in_place<T: Real, const W: usize>(terms: &mut [T], max: T, ceiling: T) -> T {
    let mut lanes = [T::ZERO; W];
    for chunk in terms.chunks_exact_mut(W) {
        for l in 0..W {
            let e = (chunk[l] - max).min_of(ceiling).exp2_nonpositive();
            chunk[l] = e;
            lanes[l] = lanes[l] + e;
        }
    }
    lanes.iter().fold(T::ZERO, |a, &b| a + b)
}

/// `moments_r[k] += Σ_j e_rj s_kj` over the chunk's columns, for each of the `R` rows.
#[inline(always)]
pub(super) fn add_moments<T: Real, const FMA: bool, const W: usize, const R: usize>(
    powers: &[T],
    width: usize,
    cols: &ColumnsNd<T>,
    chunk_start: usize,
    sums: &mut [RowSums<T>],
) {
    let block_len = cols.dim * COLUMN_PAD;
    for first in (chunk_start..chunk_start + width).step_by(COLUMN_PAD) {
        let block = first / COLUMN_PAD;
        let block = &cols.s[block * block_len..(block + 1) * block_len];
        let offset = first - chunk_start;
        for (k, s) in block.chunks_exact(COLUMN_PAD).enumerate() {
            for (r, row) in sums.iter_mut().enumerate().take(R) {
                let e = &powers[r * CHUNK + offset..r * CHUNK + offset + COLUMN_PAD];
                let mut lanes = [T::ZERO; W];
                for (e, s) in e.chunks_exact(W).zip(s.chunks_exact(W)) {
                    for l in 0..W {
                        lanes[l] = multiply_add::<T, FMA>(e[l], s[l], lanes[l]);
                    }
                }
                row.moments[k] = row.moments[k] + lanes.iter().fold(T::ZERO, |a, &b| a + b);
            }
        }
    }
}
