//! The warm start of the assignment solver: column prices from an ε-scaling auction, then tight
//! pairs from an auction with ε = 0.
//!
//! In the auction (minimising), a free row bids for the column j₁ of lowest c[i][j] + p[j],
//! raising its price p[j₁] by the gap to the second lowest plus ε and taking it from its
//! owner. With ε > 0 every round ends with each row within ε of its best column; ε shrinks
//! by [`EPS_SHRINK`] a round from range/[`FIRST_EPS_DIVISOR`] to [`FINAL_EPS_TIMES_N`]·range/n.
//! The pairs an ε > 0 auction leaves are not tight, so the prices alone are kept: with
//! v = −p, a last auction with ε = 0 (every pair it makes is tight: the bidder's potential is
//! its second-lowest value) pairs what it can within [`EXACT_BIDS_PER_ROW`] bids a row; a bid
//! that would raise no price and take a column from its owner is not made (it could cycle),
//! and that row is left to the augmenting paths.
//!
//! The constants were picked on gaussian → moons batches of 64 to 512 points and gaussian →
//! gaussian at 1000 (`nsgf bench --what pairing`); any values give the exact assignment.

use super::{CostMatrix, DualState, FREE, LANES};

/// The first round's ε is the cost range over this.
const FIRST_EPS_DIVISOR: f64 = 64.0;
/// ε is divided by this every round.
const EPS_SHRINK: f64 = 8.0;
/// The last round's ε is this times the cost range over n.
const FINAL_EPS_TIMES_N: f64 = 0.1;
/// The ε > 0 rounds stop after this many bids a row in all (on any input they end, but ties
/// and wide cost ranges can make them long); the exact stages then take over.
pub(super) const MAX_BIDS_PER_ROW: usize = 64;
/// Bids a row of the ε = 0 auction.
const EXACT_BIDS_PER_ROW: usize = 5;

/// Dual potentials valid for every assigned row, and the tight pairs of an ε = 0 auction
/// started from the prices of an ε-scaling auction (n ≥ 2).
pub(super) fn warm_start(matrix: &CostMatrix) -> DualState {
    let n = matrix.n;
    let mut prices = vec![0.0; n];
    scaling_auction(matrix, &mut prices);
    let mut row_potential = vec![0.0; n];
    let mut column_of_row = vec![FREE; n];
    let mut row_of_column = vec![FREE; n];
    let mut waiting: Vec<usize> = (0..n).rev().collect();
    let mut budget = EXACT_BIDS_PER_ROW * n;
    while budget > 0
        && let Some(row) = waiting.pop()
    {
        budget -= 1;
        let bid = best_two(matrix.row(row), &prices);
        let owner = row_of_column[bid.column];
        if bid.second > bid.lowest || owner == FREE {
            prices[bid.column] += bid.second - bid.lowest;
            row_potential[row] = bid.second;
            row_of_column[bid.column] = row;
            column_of_row[row] = bid.column;
            if owner != FREE {
                column_of_row[owner] = FREE;
                waiting.push(owner);
            }
        }
    }
    DualState {
        row_potential,
        column_potential: prices.iter().map(|price| -price).collect(),
        column_of_row,
        row_of_column,
    }
}

/// The rounds of the auction with ε > 0, each from every row free, the prices kept between
/// rounds; stops early after [`MAX_BIDS_PER_ROW`] bids a row.
fn scaling_auction(matrix: &CostMatrix, prices: &mut [f64]) {
    let n = matrix.n;
    let (lowest, highest) = matrix
        .costs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &c| {
            (lo.min(c), hi.max(c))
        });
    let range = (highest - lowest).max(f64::MIN_POSITIVE);
    let final_eps = FINAL_EPS_TIMES_N * range / n as f64;
    let mut eps = range / FIRST_EPS_DIVISOR;
    let mut bids_left = MAX_BIDS_PER_ROW * n;
    let mut owner = vec![FREE; n];
    let mut waiting: Vec<usize> = Vec::with_capacity(n);
    loop {
        owner.fill(FREE);
        waiting.clear();
        waiting.extend((0..n).rev());
        while let Some(row) = waiting.pop() {
            if bids_left == 0 {
                return;
            }
            bids_left -= 1;
            let bid = best_two(matrix.row(row), prices);
            prices[bid.column] += bid.second - bid.lowest + eps;
            let previous = std::mem::replace(&mut owner[bid.column], row);
            if previous != FREE {
                waiting.push(previous);
            }
        }
        if eps <= final_eps {
            return;
        }
        eps = (eps / EPS_SHRINK).max(final_eps);
    }
}

/// A row's two lowest values of cost + price, and the column of the lowest.
struct Bid {
    lowest: f64,
    column: usize,
    second: f64,
}

/// The two lowest of `costs[j] + prices[j]` (the lowest index among equal lowest values; at
/// least two columns).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
fn best_two(costs: &[f64], prices: &[f64]) -> Bid {
    let whole = costs.len() / LANES * LANES;
    let mut lane_lowest = [f64::INFINITY; LANES];
    let mut lane_second = [f64::INFINITY; LANES];
    let mut lane_column = [0usize; LANES];
    let chunks = costs[..whole]
        .chunks_exact(LANES)
        .zip(prices[..whole].chunks_exact(LANES));
    for (chunk, (costs, prices)) in chunks.enumerate() {
        for lane in 0..LANES {
            let value = costs[lane] + prices[lane];
            lane_second[lane] = lane_second[lane].min(lane_lowest[lane].max(value));
            let lower = value < lane_lowest[lane];
            lane_column[lane] = if lower {
                chunk * LANES + lane
            } else {
                lane_column[lane]
            };
            lane_lowest[lane] = if lower { value } else { lane_lowest[lane] };
        }
    }
    let mut bid = Bid {
        lowest: f64::INFINITY,
        column: FREE,
        second: f64::INFINITY,
    };
    let mut merge = |value: f64, column: usize, second: f64| {
        bid.second = bid.second.min(second);
        if value < bid.lowest || (value == bid.lowest && column < bid.column) {
            bid.second = bid.second.min(bid.lowest);
            bid.lowest = value;
            bid.column = column;
        } else {
            bid.second = bid.second.min(value);
        }
    };
    for lane in 0..LANES {
        merge(lane_lowest[lane], lane_column[lane], lane_second[lane]);
    }
    for column in whole..costs.len() {
        merge(costs[column] + prices[column], column, f64::INFINITY);
    }
    bid
}
