//! A dense linear assignment solver: shortest augmenting paths with dual potentials
//! (Jonker–Volgenant as formulated by Crouse, 2016), O(n³) in the worst case, f64 throughout.

/// The row-major n×n cost matrix of an assignment problem.
pub(crate) struct CostMatrix {
    /// Rows (and columns).
    pub(crate) n: usize,
    /// `n·n` finite costs; `costs[i·n + j]` is the cost of giving column `j` to row `i`.
    pub(crate) costs: Vec<f64>,
}

/// The column assigned to every row in a minimum-cost perfect matching.
///
/// Every cost must be finite (the callers check). Column reduction assigns part of the rows at
/// once; each row left free is then added by a Dijkstra search over reduced costs
/// `c[i][j] − u[i] − v[j]` ≥ 0 to the nearest free column, a potential update, and a flip of the
/// path. (Jonker–Volgenant's augmenting row reduction was tried and made Euclidean W2 problems
/// slower, so it is left out.)
pub(crate) fn solve(matrix: &CostMatrix) -> Vec<usize> {
    let n = matrix.n;
    if n == 1 {
        return vec![0];
    }
    let mut state = DualState::column_reduction(matrix);
    let free_rows: Vec<usize> = (0..n)
        .filter(|&row| state.column_of_row[row] == FREE)
        .collect();
    state.set_row_potentials(matrix);
    let mut search = PathSearch::new(n);
    for start_row in free_rows {
        search.augment(matrix, &mut state, start_row);
    }
    state.column_of_row
}

/// [`solve`] a row at a time: the column reduction first, then one augmenting path per step, so
/// that a caller with a time budget (the browser, between two frames) can pause between rows.
/// The pairing is the one [`solve`] gives.
pub(crate) struct SteppedSolve {
    matrix: CostMatrix,
    /// None until the column reduction ran.
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

    /// One step: the column reduction, or one augmenting path. True once every row is
    /// assigned.
    pub(crate) fn step(&mut self) -> bool {
        let n = self.matrix.n;
        let Some(state) = self.state.as_mut() else {
            if n == 1 {
                self.state = Some(DualState {
                    row_potential: vec![0.0],
                    column_potential: vec![0.0],
                    column_of_row: vec![0],
                    row_of_column: vec![0],
                });
                return true;
            }
            let mut state = DualState::column_reduction(&self.matrix);
            self.free_rows = (0..n)
                .filter(|&row| state.column_of_row[row] == FREE)
                .collect();
            state.set_row_potentials(&self.matrix);
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

/// A partial assignment and dual potentials with reduced costs c[i][j] − u[i] − v[j] ≥ 0 for all
/// (i, j) and = 0 on assigned pairs.
struct DualState {
    row_potential: Vec<f64>,
    column_potential: Vec<f64>,
    column_of_row: Vec<usize>,
    row_of_column: Vec<usize>,
}

impl DualState {
    /// Column reduction: v[j] = min_i c[i][j], and each column goes to its cheapest row when that
    /// row is still free.
    fn column_reduction(matrix: &CostMatrix) -> DualState {
        let n = matrix.n;
        let mut column_potential = vec![f64::INFINITY; n];
        let mut cheapest_row = vec![0; n];
        for (row, costs) in matrix.costs.chunks_exact(n).enumerate() {
            for ((v, best), &c) in column_potential
                .iter_mut()
                .zip(&mut cheapest_row)
                .zip(costs)
            {
                if c < *v {
                    *v = c;
                    *best = row;
                }
            }
        }
        let mut column_of_row = vec![FREE; n];
        let mut row_of_column = vec![FREE; n];
        for column in (0..n).rev() {
            let row = cheapest_row[column];
            if column_of_row[row] == FREE {
                column_of_row[row] = column;
                row_of_column[column] = row;
            }
        }
        DualState {
            row_potential: vec![0.0; n],
            column_potential,
            column_of_row,
            row_of_column,
        }
    }

    /// Makes the row potentials explicit: u[i] = min_j (c[i][j] − v[j]) for every row, which is
    /// c[i][x(i)] − v[x(i)] on assigned rows.
    fn set_row_potentials(&mut self, matrix: &CostMatrix) {
        let n = matrix.n;
        for (row, costs) in matrix.costs.chunks_exact(n).enumerate() {
            let assigned = self.column_of_row[row];
            self.row_potential[row] = if assigned == FREE {
                costs
                    .iter()
                    .zip(&self.column_potential)
                    .map(|(c, v)| c - v)
                    .fold(f64::INFINITY, f64::min)
            } else {
                costs[assigned] - self.column_potential[assigned]
            };
        }
    }
}

/// Scratch space of the shortest-augmenting-path searches.
///
/// The columns not yet settled by a search are kept compacted (structure of arrays, in the same
/// order), so the inner loop reads them sequentially; only the cost row is gathered.
struct PathSearch {
    /// Per unsettled column: its index.
    columns: Vec<usize>,
    /// Per unsettled column: its potential v.
    potentials: Vec<f64>,
    /// Per unsettled column: the shortest distance found so far.
    distances: Vec<f64>,
    /// Per unsettled column: the row before it on the shortest path.
    predecessors: Vec<usize>,
    /// Per unsettled column: whether it is unassigned.
    free: Vec<bool>,
    /// Per column (by index): the final distance of a settled column.
    settled_distance: Vec<f64>,
    /// Per column (by index): the row before a settled column on its shortest path.
    settled_predecessor: Vec<usize>,
    /// Rows reached by the search, the start row first.
    scanned_rows: Vec<usize>,
    /// Columns settled by the search.
    scanned_columns: Vec<usize>,
}

impl PathSearch {
    fn new(n: usize) -> PathSearch {
        PathSearch {
            columns: Vec::with_capacity(n),
            potentials: Vec::with_capacity(n),
            distances: Vec::with_capacity(n),
            predecessors: Vec::with_capacity(n),
            free: Vec::with_capacity(n),
            settled_distance: vec![f64::INFINITY; n],
            settled_predecessor: vec![FREE; n],
            scanned_rows: Vec::with_capacity(n),
            scanned_columns: Vec::with_capacity(n),
        }
    }

    /// Assigns the free `start_row`: a Dijkstra search over reduced costs to the nearest free
    /// column, a potential update that keeps every reduced cost ≥ 0, and a flip of the path.
    fn augment(&mut self, matrix: &CostMatrix, state: &mut DualState, start_row: usize) {
        let n = matrix.n;
        self.columns.clear();
        self.columns.extend(0..n);
        self.potentials.clear();
        self.potentials.extend_from_slice(&state.column_potential);
        self.distances.clear();
        self.distances.resize(n, f64::INFINITY);
        self.predecessors.clear();
        self.predecessors.resize(n, FREE);
        self.free.clear();
        self.free
            .extend(state.row_of_column.iter().map(|&row| row == FREE));
        self.scanned_rows.clear();
        self.scanned_columns.clear();
        let mut min_value = 0.0;
        let mut row = start_row;
        let sink = loop {
            self.scanned_rows.push(row);
            let row_costs = &matrix.costs[row * n..(row + 1) * n];
            let offset = min_value - state.row_potential[row];
            let mut lowest = f64::INFINITY;
            let mut lowest_index = 0;
            let mut lowest_free = false;
            for (index, ((((&column, &v), distance), predecessor), &free)) in self
                .columns
                .iter()
                .zip(&self.potentials)
                .zip(&mut self.distances)
                .zip(&mut self.predecessors)
                .zip(&self.free)
                .enumerate()
            {
                let reduced = row_costs[column] - v + offset;
                if reduced < *distance {
                    *predecessor = row;
                    *distance = reduced;
                }
                if *distance < lowest || (*distance == lowest && free && !lowest_free) {
                    lowest = *distance;
                    lowest_index = index;
                    lowest_free = free;
                }
            }
            min_value = lowest;
            let column = self.columns.swap_remove(lowest_index);
            self.potentials.swap_remove(lowest_index);
            self.settled_distance[column] = self.distances.swap_remove(lowest_index);
            self.settled_predecessor[column] = self.predecessors.swap_remove(lowest_index);
            self.free.swap_remove(lowest_index);
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
            let row = self.settled_predecessor[column];
            state.row_of_column[column] = row;
            let previous = std::mem::replace(&mut state.column_of_row[row], column);
            if row == start_row {
                break;
            }
            column = previous;
        }
    }
}
