//! A dense linear assignment solver, exact and f64 throughout, in three stages:
//!
//! 1. an ε-scaling auction (Bertsekas) finds near-optimal column prices cheaply
//!    ([`auction`]);
//! 2. an auction with ε = 0 from those prices (Jonker–Volgenant's augmenting row reduction)
//!    pairs most rows, every pair tight: c[i][j] − u[i] − v[j] = 0, all reduced costs ≥ 0;
//! 3. each row still free is added by a shortest augmenting path (Jonker–Volgenant as
//!    formulated by Crouse, 2016): a Dijkstra search over reduced costs to the nearest free
//!    column, a potential update, and a flip of the path.
//!
//! Stage 3 alone is exact from any valid dual potentials (the assignment it ends with is
//! optimal); stages 1 and 2 only make its paths short. On the minibatches of OT-CFM (a gaussian
//! against the moons) the Dijkstra searches of stage 3 started from a bare column reduction
//! settled about 190 of 512 columns each, for most rows; from the auction's prices about 6 % of
//! the rows are left and each search settles about 30.
//! The worst case stays O(n³) (the auction is capped at [`auction::MAX_BIDS_PER_ROW`] bids a
//! row).

mod auction;

/// The row-major n×n cost matrix of an assignment problem.
pub(crate) struct CostMatrix {
    /// Rows (and columns).
    pub(crate) n: usize,
    /// `n·n` finite costs; `costs[i·n + j]` is the cost of giving column `j` to row `i`.
    pub(crate) costs: Vec<f64>,
}

impl CostMatrix {
    /// The costs of row `row`.
    fn row(&self, row: usize) -> &[f64] {
        &self.costs[row * self.n..(row + 1) * self.n]
    }
}

/// The column assigned to every row in a minimum-cost perfect matching.
///
/// Every cost must be finite (the callers check).
pub(crate) fn solve(matrix: &CostMatrix) -> Vec<usize> {
    let mut state = warm_start(matrix);
    let mut search = PathSearch::new(matrix.n);
    for row in free_rows(&state) {
        search.augment(matrix, &mut state, row);
    }
    state.column_of_row
}

/// Stages 1 and 2: the dual potentials and tight pairs the augmenting paths start from.
fn warm_start(matrix: &CostMatrix) -> DualState {
    if matrix.n == 1 {
        return DualState {
            row_potential: vec![0.0],
            column_potential: vec![0.0],
            column_of_row: vec![0],
            row_of_column: vec![0],
        };
    }
    auction::warm_start(matrix)
}

/// The rows `state` leaves unassigned.
fn free_rows(state: &DualState) -> Vec<usize> {
    (0..state.column_of_row.len())
        .filter(|&row| state.column_of_row[row] == FREE)
        .collect()
}

/// [`solve`] a row at a time: the warm start (auction and tight pairs) first, then one
/// augmenting path per step, so that a caller with a time budget (the browser, between two
/// frames) can pause between rows. The pairing is the one [`solve`] gives.
pub(crate) struct SteppedSolve {
    matrix: CostMatrix,
    /// None until the warm start ran.
    state: Option<DualState>,
    search: PathSearch,
    free_rows: Vec<usize>,
    next: usize,
}

impl SteppedSolve {
    /// The problem of `matrix`, nothing solved yet.
    pub(crate) fn new(matrix: CostMatrix) -> Self {
        let n = matrix.n;
        Self {
            matrix,
            state: None,
            search: PathSearch::new(n),
            free_rows: Vec::new(),
            next: 0,
        }
    }

    /// One step: the warm start, or one augmenting path. True once every row is assigned.
    pub(crate) fn step(&mut self) -> bool {
        let Some(state) = self.state.as_mut() else {
            let state = warm_start(&self.matrix);
            self.free_rows = free_rows(&state);
            self.state = Some(state);
            return self.free_rows.is_empty();
        };
        if let Some(&row) = self.free_rows.get(self.next) {
            self.search.augment(&self.matrix, state, row);
            self.next += 1;
        }
        self.next >= self.free_rows.len()
    }

    /// The cost matrix.
    pub(crate) fn matrix(&self) -> &CostMatrix {
        &self.matrix
    }

    /// The column of every row, once [`SteppedSolve::step`] said true.
    pub(crate) fn pairing(&self) -> Option<&[usize]> {
        let state = self.state.as_ref()?;
        (self.next >= self.free_rows.len()).then_some(state.column_of_row.as_slice())
    }
}

/// An unassigned row or column.
const FREE: usize = usize::MAX;

/// A partial assignment and dual potentials with reduced costs c[i][j] − u[i] − v[j] ≥ 0 for
/// every assigned row i and every column j, and = 0 on assigned pairs (the potential of a free
/// row is not used).
struct DualState {
    row_potential: Vec<f64>,
    column_potential: Vec<f64>,
    column_of_row: Vec<usize>,
    row_of_column: Vec<usize>,
}

/// Scratch space of the shortest-augmenting-path searches, one entry per column.
struct PathSearch {
    /// The shortest distance found so far of a column not yet settled; +∞ once settled.
    tentative: Vec<f64>,
    /// 0 for a column not yet settled, +∞ once settled (added to its reduced cost, so that a
    /// settled column is never relaxed again).
    settled_penalty: Vec<f64>,
    /// The row before each column on its shortest path.
    predecessor: Vec<usize>,
    /// The final distance of each settled column.
    settled_distance: Vec<f64>,
    /// Rows reached by the search, the start row first.
    scanned_rows: Vec<usize>,
    /// Columns settled by the search.
    scanned_columns: Vec<usize>,
}

impl PathSearch {
    fn new(n: usize) -> PathSearch {
        PathSearch {
            tentative: vec![f64::INFINITY; n],
            settled_penalty: vec![0.0; n],
            predecessor: vec![FREE; n],
            settled_distance: vec![f64::INFINITY; n],
            scanned_rows: Vec::with_capacity(n),
            scanned_columns: Vec::with_capacity(n),
        }
    }

    /// Assigns the free `start_row`: a Dijkstra search over reduced costs to the nearest free
    /// column, a potential update that keeps every reduced cost ≥ 0, and a flip of the path.
    fn augment(&mut self, matrix: &CostMatrix, state: &mut DualState, start_row: usize) {
        self.tentative.fill(f64::INFINITY);
        self.settled_penalty.fill(0.0);
        self.scanned_rows.clear();
        self.scanned_columns.clear();
        let mut min_value = 0.0;
        let mut row = start_row;
        let sink = loop {
            self.scanned_rows.push(row);
            let (lowest, column) = relax_row(
                RowScan {
                    costs: matrix.row(row),
                    column_potential: &state.column_potential,
                    offset: min_value - state.row_potential[row],
                    row,
                },
                &self.settled_penalty,
                &mut self.tentative,
                &mut self.predecessor,
            );
            min_value = lowest;
            self.settled_distance[column] = lowest;
            self.tentative[column] = f64::INFINITY;
            self.settled_penalty[column] = f64::INFINITY;
            self.scanned_columns.push(column);
            if state.row_of_column[column] == FREE {
                break column;
            }
            row = state.row_of_column[column];
        };
        // Update the potentials of everything the search settled.
        state.row_potential[start_row] += min_value;
        for &row in &self.scanned_rows[1..] {
            state.row_potential[row] += min_value - self.settled_distance[state.column_of_row[row]];
        }
        for &column in &self.scanned_columns {
            state.column_potential[column] -= min_value - self.settled_distance[column];
        }
        // Flip the augmenting path.
        let mut column = sink;
        loop {
            let row = self.predecessor[column];
            state.row_of_column[column] = row;
            let previous = std::mem::replace(&mut state.column_of_row[row], column);
            if row == start_row {
                break;
            }
            column = previous;
        }
    }
}

/// The row a Dijkstra search scans: its costs, the column potentials, and the offset
/// (distance so far minus the row's potential) that turns a cost into a path length.
#[derive(Clone, Copy)]
struct RowScan<'a> {
    costs: &'a [f64],
    column_potential: &'a [f64],
    offset: f64,
    row: usize,
}

/// Lanes of the vectorised loops: independent running minima, merged at the end.
const LANES: usize = 4;

/// Relaxes every unsettled column through `scan.row` (tentative distance and predecessor) and
/// returns the lowest tentative distance with its column (the lowest index among equals).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
fn relax_row(
    scan: RowScan<'_>,
    settled_penalty: &[f64],
    tentative: &mut [f64],
    predecessor: &mut [usize],
) -> (f64, usize) {
    let n = scan.costs.len();
    let whole = n / LANES * LANES;
    let mut lane_lowest = [f64::INFINITY; LANES];
    let mut lane_column = [0usize; LANES];
    let chunks = scan.costs[..whole]
        .chunks_exact(LANES)
        .zip(scan.column_potential[..whole].chunks_exact(LANES))
        .zip(settled_penalty[..whole].chunks_exact(LANES))
        .zip(tentative[..whole].chunks_exact_mut(LANES))
        .zip(predecessor[..whole].chunks_exact_mut(LANES));
    for (chunk, ((((costs, potentials), penalties), distances), predecessors)) in chunks.enumerate()
    {
        for lane in 0..LANES {
            let reduced = costs[lane] - potentials[lane] + scan.offset + penalties[lane];
            let closer = reduced < distances[lane];
            distances[lane] = if closer { reduced } else { distances[lane] };
            predecessors[lane] = if closer { scan.row } else { predecessors[lane] };
            let lower = distances[lane] < lane_lowest[lane];
            lane_lowest[lane] = if lower {
                distances[lane]
            } else {
                lane_lowest[lane]
            };
            lane_column[lane] = if lower {
                chunk * LANES + lane
            } else {
                lane_column[lane]
            };
        }
    }
    let (mut lowest, mut lowest_column) = (f64::INFINITY, FREE);
    for column in whole..n {
        let reduced = scan.costs[column] - scan.column_potential[column]
            + scan.offset
            + settled_penalty[column];
        if reduced < tentative[column] {
            tentative[column] = reduced;
            predecessor[column] = scan.row;
        }
        if tentative[column] < lowest {
            lowest = tentative[column];
            lowest_column = column;
        }
    }
    for (&value, &column) in lane_lowest.iter().zip(&lane_column) {
        if value < lowest || (value == lowest && column < lowest_column) {
            lowest = value;
            lowest_column = column;
        }
    }
    (lowest, lowest_column)
}
