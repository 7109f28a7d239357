// Streaming softmin (log-sum-exp) and barycentric projection for GeomLoss-style Sinkhorn on
// point clouds of any dimension d, cost C_ij = ½‖x_i − y_j‖² (host side: src/gpu/wide.rs, with
// the 2D kernels' plan, buffers and bind-group layout from src/gpu/kernels.rs).
//
// No cost matrix is ever stored: memory is O((n + m)·d). The cost is recomputed in every pass
// from the points, streamed through workgroup memory. A `softmin_rows` workgroup owns BLOCK_ROWS
// rows; for each tile of TILE columns it loads CHUNK coordinates of its rows and of the tile's
// columns at a time (so every coordinate read from storage serves TILE or BLOCK_ROWS costs), each
// thread accumulating ‖x_i − y_j‖² of 4 rows against 4 columns of the tile (16 costs from 8
// reads of workgroup memory per coordinate). With the tile's costs complete, each thread folds
// its terms into running maxima and rescaled sums (online log-sum-exp, in log2 units as in the
// 2D shader); the LANES threads of a row merge at the end.
//
//   s_ij = log2(e) · (g_j − C_ij) / ε = g_j · k_pot − ‖x_i − y_j‖² · k_cost
//   softmin_i = −ε · (log w_col + ln2 · log2 Σ_j exp2(s_ij))
//
// `project_rows` computes the barycentric displacement Σ_j w_ij (y_j − x_i) for CHUNK output
// coordinates per workgroup (the grid's z picks which): it recomputes the full-d costs for
// each block of coordinates, which costs ⌈d / CHUNK⌉ softmin passes once per solve.

const WG_SIZE: u32 = 256u;
// Rows per `project_rows` workgroup, and threads per row (ROWS · LANES = WG_SIZE).
const ROWS: u32 = 16u;
const LANES: u32 = 16u;
// Rows per `softmin_rows` workgroup: 4 per thread (rows r, r + ROWS, r + 2 ROWS, r + 3 ROWS).
const BLOCK_ROWS: u32 = 64u;
// Columns per tile, and columns of a tile per thread (TILE = LANES · PER_LANE).
const TILE: u32 = 64u;
const PER_LANE: u32 = 4u;
// Coordinates per pass through workgroup memory (and output coordinates per projection group).
const CHUNK: u32 = 16u;
// Padded row length of the chunk arrays, so the lanes of a row read different banks.
const STRIDE: u32 = 17u;
const LN2: f32 = 0.6931471805599453;
// Below every real exponent; exp2(NEG_BIG − s) is exactly 0 for any real s.
const NEG_BIG: f32 = -3.0e38;

// Per-dispatch parameters (`DispatchParams` on the host; one 256-byte slot per dispatch, chosen
// by a dynamic offset). The warm-start and truncation fields belong to the 2D shader and are
// always 0 here.
struct Params {
    eps: f32,        // ε of this step
    k_cost: f32,     // log2(e) / (2ε)
    k_pot: f32,      // log2(e) / ε, or 0 to ignore the column potential (initialisation)
    log_w_col: f32,  // log of the uniform column weight, −ln(n_cols)
    n_rows: u32,
    n_cols: u32,
    average: u32,    // 1: new = ½(old + softmin); 0: new = softmin
    track: u32,
    threshold: f32,
    change_slot: u32,
    first_slot: u32,
    truncate: u32,
    dim: u32,        // coordinates per point
}

@group(0) @binding(0) var<uniform> params: Params;
// Points, row-major: coordinate k of point i at i · dim + k.
@group(0) @binding(1) var<storage, read> row_points: array<f32>;
@group(0) @binding(2) var<storage, read> col_points: array<f32>;
@group(0) @binding(3) var<storage, read> col_potential: array<f32>;
@group(0) @binding(4) var<storage, read> row_potential_old: array<f32>;
@group(0) @binding(5) var<storage, read_write> row_potential_new: array<f32>;
// Displacements P(x_i) − x_i, row-major like the points.
@group(0) @binding(6) var<storage, read_write> projection: array<f32>;

// CHUNK coordinates of the workgroup's rows and of the tile's columns (padded rows).
var<workgroup> row_chunk: array<f32, 1088>;  // BLOCK_ROWS · STRIDE
var<workgroup> col_chunk: array<f32, 1088>;  // TILE · STRIDE
// Partial results of the LANES threads of each row, merged at the end.
var<workgroup> part_max: array<f32, WG_SIZE>;
var<workgroup> part_sum: array<f32, WG_SIZE>;
var<workgroup> part_acc: array<f32, WG_SIZE>;

// The workgroup index over a 2D dispatch (x up to the per-dimension limit, y for the rest).
fn group_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.x + wid.y * nwg.x;
}

// Column j's potential term g_j · k_pot; k_pot = 0 (initialisation) ignores the potential,
// even a stale non-finite one.
fn column_potential(j: u32) -> f32 {
    return select(col_potential[j] * params.k_pot, 0.0, params.k_pot == 0.0);
}

// Coordinate k of point i of `row_points` (0 past the end, so padding adds nothing).
fn row_coordinate(i: u32, k: u32) -> f32 {
    if (i < params.n_rows && k < params.dim) {
        return row_points[i * params.dim + k];
    }
    return 0.0;
}

// Coordinate k of point j of `col_points` (0 past the end).
fn col_coordinate(j: u32, k: u32) -> f32 {
    if (j < params.n_cols && k < params.dim) {
        return col_points[j * params.dim + k];
    }
    return 0.0;
}

// Loads coordinates [k0, k0 + CHUNK) of the tile's columns (from `start`) into `col_chunk`,
// consecutive threads reading consecutive coordinates.
fn load_col_chunk(start: u32, k0: u32, tid: u32) {
    for (var q = 0u; q < TILE * CHUNK / WG_SIZE; q++) {
        let index = tid + q * WG_SIZE;
        let c = index / CHUNK;
        let k = index % CHUNK;
        col_chunk[c * STRIDE + k] = col_coordinate(start + c, k0 + k);
    }
}

// ‖x_i − y_j‖² of the thread's row against its PER_LANE columns of the tile from `start`
// (columns lane + q · LANES), CHUNK coordinates at a time through workgroup memory.
fn tile_distances(first_row: u32, start: u32, tid: u32, local_row: u32, lane: u32) -> vec4<f32> {
    var acc = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < params.dim; k0 += CHUNK) {
        workgroupBarrier();
        load_row_chunk(first_row, ROWS, k0, tid);
        load_col_chunk(start, k0, tid);
        workgroupBarrier();
        for (var k = 0u; k < CHUNK; k++) {
            let x = row_chunk[local_row * STRIDE + k];
            let y = vec4<f32>(
                col_chunk[lane * STRIDE + k],
                col_chunk[(lane + LANES) * STRIDE + k],
                col_chunk[(lane + 2u * LANES) * STRIDE + k],
                col_chunk[(lane + 3u * LANES) * STRIDE + k],
            );
            let d = vec4<f32>(x) - y;
            acc = fma(d, d, acc);
        }
    }
    return acc;
}

// Loads coordinates [k0, k0 + CHUNK) of `rows` rows from `first_row` into `row_chunk`.
fn load_row_chunk(first_row: u32, rows: u32, k0: u32, tid: u32) {
    for (var index = tid; index < rows * CHUNK; index += WG_SIZE) {
        let r = index / CHUNK;
        let k = index % CHUNK;
        row_chunk[r * STRIDE + k] = row_coordinate(first_row + r, k0 + k);
    }
}

// ‖x_i − y_j‖² of the thread's 4 rows (local rows r + a · ROWS, r = tid % ROWS) against its 4
// columns of the tile from `start` (lane + b · LANES, lane = tid / ROWS): entry a, component b.
fn block_distances(first_row: u32, start: u32, tid: u32) -> array<vec4<f32>, 4> {
    let r = tid % ROWS;
    let lane = tid / ROWS;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < params.dim; k0 += CHUNK) {
        workgroupBarrier();
        load_row_chunk(first_row, BLOCK_ROWS, k0, tid);
        load_col_chunk(start, k0, tid);
        workgroupBarrier();
        for (var k = 0u; k < CHUNK; k++) {
            let y = vec4<f32>(
                col_chunk[lane * STRIDE + k],
                col_chunk[(lane + LANES) * STRIDE + k],
                col_chunk[(lane + 2u * LANES) * STRIDE + k],
                col_chunk[(lane + 3u * LANES) * STRIDE + k],
            );
            let d0 = vec4<f32>(row_chunk[r * STRIDE + k]) - y;
            let d1 = vec4<f32>(row_chunk[(r + ROWS) * STRIDE + k]) - y;
            let d2 = vec4<f32>(row_chunk[(r + 2u * ROWS) * STRIDE + k]) - y;
            let d3 = vec4<f32>(row_chunk[(r + 3u * ROWS) * STRIDE + k]) - y;
            acc0 = fma(d0, d0, acc0);
            acc1 = fma(d1, d1, acc1);
            acc2 = fma(d2, d2, acc2);
            acc3 = fma(d3, d3, acc3);
        }
    }
    return array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
}

// The largest of the LANES partial maxima of `local_row` (after `part_max` is written).
fn row_max(local_row: u32) -> f32 {
    var m = NEG_BIG;
    for (var l = 0u; l < LANES; l++) {
        m = max(m, part_max[l * ROWS + local_row]);
    }
    return m;
}

// Σ_j exp2(s_ij − m) of `local_row` from the partial sums (after `part_sum` is written).
fn row_total(local_row: u32, m: f32) -> f32 {
    var total = 0.0;
    for (var l = 0u; l < LANES; l++) {
        let k = l * ROWS + local_row;
        total += part_sum[k] * exp2(part_max[k] - m);
    }
    return total;
}

// Writes the softmin of row `row` from its log2-sum-exp (averaged with the old value when
// `average` is 1).
fn write_softmin(row: u32, lse2: f32) {
    let value = -params.eps * (params.log_w_col + LN2 * lse2);
    if (params.average == 1u) {
        row_potential_new[row] = 0.5 * (row_potential_old[row] + value);
    } else {
        row_potential_new[row] = value;
    }
}

// softmin_i (optionally averaged with the old potential) for every row.
@compute @workgroup_size(256)
fn softmin_rows(
    @builtin(local_invocation_index) tid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    // The early return depends on the workgroup alone, so barriers below stay uniform.
    let first_row = group_index(wid, nwg) * BLOCK_ROWS;
    if (first_row >= params.n_rows) {
        return;
    }
    let lane = tid / ROWS;
    // Per row a of the thread's 4 (component a): running maximum and rescaled sum.
    var run_max = vec4<f32>(NEG_BIG);
    var run_sum = vec4<f32>(0.0);
    for (var start = 0u; start < params.n_cols; start += TILE) {
        let distances = block_distances(first_row, start, tid);
        for (var b = 0u; b < PER_LANE; b++) {
            let j = start + lane + b * LANES;
            if (j < params.n_cols) {
                // Column j's terms for the 4 rows.
                let s = vec4<f32>(column_potential(j)) - params.k_cost * vec4<f32>(
                    distances[0][b], distances[1][b], distances[2][b], distances[3][b]);
                let grown = max(run_max, s);
                run_sum = run_sum * exp2(run_max - grown) + exp2(s - grown);
                run_max = grown;
            }
        }
    }
    // The lanes of each row merge, one of the thread's rows at a time.
    for (var a = 0u; a < 4u; a++) {
        part_max[tid] = run_max[a];
        part_sum[tid] = run_sum[a];
        workgroupBarrier();
        let local_row = tid % ROWS;
        let row = first_row + local_row + a * ROWS;
        if (lane == 0u && row < params.n_rows) {
            let m = row_max(local_row);
            write_softmin(row, m + log2(row_total(local_row, m)));
        }
        workgroupBarrier();
    }
}

// The barycentric displacement P_i − x_i = Σ_j w_ij (y_j − x_i), w_ij = softmax_j(s_ij), in
// coordinates [CHUNK · z, CHUNK · (z + 1)) for every row (relative to x_i, so the velocity, a
// difference of two projections, loses no digits to cancellation); the group with z = 0 also
// writes the softmin (the extrapolated potential, `average` = 0) to `row_potential_new`.
@compute @workgroup_size(256)
fn project_rows(
    @builtin(local_invocation_index) tid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let first_row = group_index(wid, nwg) * ROWS;
    if (first_row >= params.n_rows) {
        return;
    }
    let local_row = tid % ROWS;
    let lane = tid / ROWS;
    let row = first_row + local_row;
    let k_out = wid.z * CHUNK;
    var x_out: array<f32, CHUNK>;
    var acc: array<f32, CHUNK>;
    for (var k = 0u; k < CHUNK; k++) {
        x_out[k] = row_coordinate(row, k_out + k);
        acc[k] = 0.0;
    }
    var run_max = NEG_BIG;
    var run_sum = 0.0;
    for (var start = 0u; start < params.n_cols; start += TILE) {
        let distances = tile_distances(first_row, start, tid, local_row, lane);
        // The tile's columns' output coordinates replace the last chunk.
        workgroupBarrier();
        load_col_chunk(start, k_out, tid);
        workgroupBarrier();
        for (var q = 0u; q < PER_LANE; q++) {
            let c = lane + q * LANES;
            let j = start + c;
            if (j < params.n_cols) {
                let s = column_potential(j) - params.k_cost * distances[q];
                if (s > run_max) {
                    let scale = exp2(run_max - s);
                    run_sum = run_sum * scale;
                    for (var k = 0u; k < CHUNK; k++) {
                        acc[k] = acc[k] * scale;
                    }
                    run_max = s;
                }
                let e = exp2(s - run_max);
                run_sum += e;
                for (var k = 0u; k < CHUNK; k++) {
                    acc[k] = fma(e, col_chunk[c * STRIDE + k] - x_out[k], acc[k]);
                }
            }
        }
    }
    part_max[tid] = run_max;
    part_sum[tid] = run_sum;
    workgroupBarrier();
    let m = row_max(local_row);
    let total = row_total(local_row, m);
    let scale = exp2(run_max - m);
    if (wid.z == 0u && lane == 0u && row < params.n_rows) {
        write_softmin(row, m + log2(total));
    }
    // One output coordinate at a time: the lanes' rescaled sums, added up by lane 0.
    for (var k = 0u; k < CHUNK; k++) {
        part_acc[tid] = acc[k] * scale;
        workgroupBarrier();
        let coordinate = k_out + k;
        if (lane == 0u && row < params.n_rows && coordinate < params.dim) {
            var sum = 0.0;
            for (var l = 0u; l < LANES; l++) {
                sum += part_acc[l * ROWS + local_row];
            }
            projection[row * params.dim + coordinate] = sum / total;
        }
        workgroupBarrier();
    }
}
