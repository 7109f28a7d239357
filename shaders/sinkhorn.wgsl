// Streaming softmin (log-sum-exp) and barycentric projection for GeomLoss-style Sinkhorn on 2D
// point clouds, cost C_ij = ½‖x_i − y_j‖².
//
// One invocation of either entry point handles every "row" point x_i of one side of the problem
// against every "column" point y_j, and never stores the n×m cost matrix: columns are streamed
// through workgroup memory in tiles of WG_SIZE points, and each row keeps a running maximum and a
// rescaled sum (online log-sum-exp). Work is in log2 units so the inner loop calls exp2 directly:
//
//   s_ij = log2(e) · (g_j − C_ij) / ε = g_j · k_pot − ‖x_i − y_j‖² · k_cost
//   softmin_i = −ε · (log w_col + ln2 · log2 Σ_j exp2(s_ij))
//
// `softmin_rows` (the hot loop, run twice per ε) expands the cost, ‖x − y‖² = ‖x‖² − 2x·y + ‖y‖²:
// with u_j = g_j · k_pot − ‖y_j‖² · k_cost and Y_j = 2 k_cost · y_j kept in the tile, a term is
// s_ij + ‖x_i‖² k_cost = u_j + x_i · Y_j, two fused multiply-adds; the row constant comes back
// after the sum. The clouds are recentred on the host, so the expansion loses only a few bits.
// Terms are taken four at a time with one running-maximum check per four. `project_rows` (once
// per solve) keeps the direct form, for the most accurate weights.
//
// A workgroup owns ROWS rows; LANES threads share each row and split every tile's columns
// between them, and their partial (max, sum) pairs are merged at the end through workgroup
// memory. This keeps enough threads in flight when n is small compared with the GPU.

const WG_SIZE: u32 = 256u;
// Rows per workgroup and threads per row (ROWS · LANES = WG_SIZE), set by the host.
override ROWS: u32 = 32u;
override LANES: u32 = 8u;
const LN2: f32 = 0.6931471805599453;
// Below every real exponent; exp2(NEG_BIG − s) is exactly 0 for any real s.
const NEG_BIG: f32 = -3.0e38;

// Per-dispatch parameters: one 256-byte slot per dispatch, chosen by a dynamic offset.
struct Params {
    eps: f32,        // ε of this step
    k_cost: f32,     // log2(e) / (2ε)
    k_pot: f32,      // log2(e) / ε, or 0 to ignore the column potential (initialisation)
    log_w_col: f32,  // log of the uniform column weight, −ln(n_cols)
    n_rows: u32,
    n_cols: u32,
    average: u32,    // 1: new = ½(old + softmin); 0: new = softmin
    track: u32,      // 1: a warm-start iteration (convergence tracking, see `converged_before`)
    threshold: f32,  // warm start: converged once max |new − old| ≤ threshold (= tol · ε)
    change_slot: u32,  // warm start: slot of `change` this iteration's max |new − old| goes to
    first_slot: u32,   // warm start: slot of the first warm iteration of this problem
    truncate: u32,     // 1: read only the column tiles `plan_tiles` keeps (sorted clouds)
    dim: u32,          // coordinates per point: 2 (read by the d-dimensional shader only)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> row_points: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> col_points: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> col_potential: array<f32>;
@group(0) @binding(4) var<storage, read> row_potential_old: array<f32>;
@group(0) @binding(5) var<storage, read_write> row_potential_new: array<f32>;
@group(0) @binding(6) var<storage, read_write> projection: array<vec2<f32>>;
// Warm start: per iteration, the largest |new − old| over both sides, as f32 bits (the order of
// non-negative f32 values is the order of their bits, so atomicMax on u32 works).
@group(0) @binding(7) var<storage, read_write> change: array<atomic<u32>>;

// One tile of columns: (y.x, y.y, g_j · k_pot, unused).
var<workgroup> tile: array<vec4<f32>, WG_SIZE>;
// Partial results of the LANES threads of each row, merged at the end.
var<workgroup> part_max: array<f32, WG_SIZE>;
var<workgroup> part_sum: array<f32, WG_SIZE>;
var<workgroup> part_acc: array<vec2<f32>, WG_SIZE>;
// Truncated dispatches (`plan_tiles`): which tiles of WG_SIZE columns this workgroup reads.
// The host truncates only when the columns fit MAX_TILES tiles.
const MAX_TILES: u32 = 512u;
// Terms below 2^-TRUNCATION_BITS of their row's largest are skipped: 30 bits (as on the CPU,
// `ot::softmin::TRUNCATION_BITS`) plus 2 for the rounding of the f32 terms compared.
const TRUNCATION_BITS: f32 = 32.0;
var<workgroup> keep_flags: array<atomic<u32>, MAX_TILES>;
var<workgroup> kept: array<u32, MAX_TILES>;
var<workgroup> part_arg: array<u32, WG_SIZE>;
// The rows' box centre and half-widths, the centre's best term and its column's Y.
var<workgroup> box_centre: vec2<f32>;
var<workgroup> box_half: vec2<f32>;
var<workgroup> best_term: f32;
var<workgroup> best_y: vec2<f32>;
// Warm start: this workgroup's largest change, and whether the iteration is skipped.
var<workgroup> group_change: atomic<u32>;
var<workgroup> group_skip: u32;

// The workgroup index over a 2D dispatch (x up to the per-dimension limit, y for the rest).
fn group_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.x + wid.y * nwg.x;
}

// Column j's potential term g_j · k_pot; k_pot = 0 (initialisation) ignores the potential,
// even a stale non-finite one.
fn column_potential(j: u32) -> f32 {
    return select(col_potential[j] * params.k_pot, 0.0, params.k_pot == 0.0);
}

// Column j in the expanded form (Y.x, Y.y, u_j), see the top: its term for row x is
// u_j + x · Y_j (plus the row constant ‖x‖² k_cost).
fn expanded_column(j: u32) -> vec3<f32> {
    let y = col_points[j];
    let k = params.k_cost;
    return vec3<f32>(2.0 * k * y, column_potential(j) - k * dot(y, y));
}

// Loads columns [start, start + WG_SIZE) of the column set into `tile`; returns how many exist.
// Direct form: (y.x, y.y, g_j · k_pot); expanded form: (Y.x, Y.y, u_j), see the top.
fn load_tile(start: u32, tid: u32, expanded: bool) -> u32 {
    let j = start + tid;
    if (j < params.n_cols) {
        if (expanded) {
            tile[tid] = vec4<f32>(expanded_column(j), 0.0);
        } else {
            let y = col_points[j];
            tile[tid] = vec4<f32>(y.x, y.y, column_potential(j), 0.0);
        }
    }
    return min(WG_SIZE, params.n_cols - start);
}

// Truncated dispatches: marks in `kept` the column tiles that may hold a term within
// 2^-TRUNCATION_BITS of the largest term of any of this workgroup's rows (the proven bound of
// `ot::softmin::kept_column_ranges`, on the clouds the host sorted along a Hilbert curve).
// With c the rows' box centre, w its half-widths and r the column with the largest term at c,
// every term t_ij = t_j(c) + (x_i − c) · Y_j of row i is at most
// t_j(c) − t_r(c) + w.x |Y_j.x − Y_r.x| + w.y |Y_j.y − Y_r.y| below that row's largest.
fn plan_tiles(tid: u32, first_row: u32) {
    if (tid == 0u) {
        var lo = vec2<f32>(3.0e38, 3.0e38);
        var hi = vec2<f32>(-3.0e38, -3.0e38);
        for (var r = 0u; r < ROWS; r++) {
            let x = row_points[min(first_row + r, params.n_rows - 1u)];
            lo = min(lo, x);
            hi = max(hi, x);
        }
        box_centre = 0.5 * (lo + hi);
        // Rounded up a little, so the rounded centre's box still holds every row.
        box_half = 0.5 * (hi - lo) * 1.000001 + abs(box_centre - 0.5 * (lo + hi));
    }
    for (var t = tid; t < MAX_TILES; t += WG_SIZE) {
        atomicStore(&keep_flags[t], 0u);
    }
    workgroupBarrier();
    let c = box_centre;
    let w = box_half;
    // The centre's best column.
    var best = NEG_BIG;
    var arg = 0u;
    for (var j = tid; j < params.n_cols; j += WG_SIZE) {
        let col = expanded_column(j);
        let t = col.z + dot(c, col.xy);
        if (t > best) {
            best = t;
            arg = j;
        }
    }
    part_max[tid] = best;
    part_arg[tid] = arg;
    workgroupBarrier();
    if (tid == 0u) {
        var b = NEG_BIG;
        var a = 0u;
        for (var k = 0u; k < WG_SIZE; k++) {
            if (part_max[k] > b) {
                b = part_max[k];
                a = part_arg[k];
            }
        }
        best_term = b;
        best_y = expanded_column(a).xy;
    }
    workgroupBarrier();
    let floor = best_term - TRUNCATION_BITS;
    let y_r = best_y;
    for (var j = tid; j < params.n_cols; j += WG_SIZE) {
        let col = expanded_column(j);
        let d = abs(col.xy - y_r);
        let bound = col.z + dot(c, col.xy) + w.x * d.x + w.y * d.y;
        if (bound >= floor) {
            atomicStore(&keep_flags[j / WG_SIZE], 1u);
        }
    }
    workgroupBarrier();
    for (var t = tid; t < MAX_TILES; t += WG_SIZE) {
        kept[t] = atomicLoad(&keep_flags[t]);
    }
    workgroupBarrier();
}

// Whether a truncated dispatch skips the tile of columns starting at `start` (uniform across
// the workgroup, so the barriers around tile loads stay uniform).
fn skip_tile(start: u32) -> bool {
    if (params.truncate == 0u) {
        return false;
    }
    return workgroupUniformLoad(&kept[start / WG_SIZE]) == 0u;
}

// Writes the softmin of row `row` from its merged (max, sum) in log2 units.
fn write_softmin(row: u32, lse2: f32) {
    let value = -params.eps * (params.log_w_col + LN2 * lse2);
    if (params.average == 1u) {
        let old = row_potential_old[row];
        let averaged = 0.5 * (old + value);
        row_potential_new[row] = averaged;
        if (params.track == 1u) {
            atomicMax(&group_change, bitcast<u32>(abs(averaged - old)));
        }
    } else {
        row_potential_new[row] = value;
    }
}

// Warm start: whether an earlier warm iteration of this problem already met the tolerance.
// Every workgroup of every later dispatch reaches the same answer from the same slots, so the
// potentials stop changing exactly after the first converged iteration (as on the CPU).
fn converged_before() -> bool {
    for (var j = params.first_slot; j < params.change_slot; j++) {
        if (bitcast<f32>(atomicLoad(&change[j])) <= params.threshold) {
            return true;
        }
    }
    return false;
}

// softmin_i (optionally averaged with the old potential) for every row.
@compute @workgroup_size(256)
fn softmin_rows(
    @builtin(local_invocation_index) local_index: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    // The early return depends on the workgroup alone, so barriers below stay uniform.
    let first_row = group_index(wid, nwg) * ROWS;
    if (first_row >= params.n_rows) {
        return;
    }
    let tid = local_index;
    let local_row = tid % ROWS;
    let lane = tid / ROWS;
    let row = first_row + local_row;
    if (params.track == 1u) {
        if (tid == 0u) {
            group_skip = u32(converged_before());
            atomicStore(&group_change, 0u);
        }
        if (workgroupUniformLoad(&group_skip) == 1u) {
            // Converged earlier: carry the potential over so the ping-pong stays in step.
            if (lane == 0u && row < params.n_rows) {
                row_potential_new[row] = row_potential_old[row];
            }
            return;
        }
    }
    let x = row_points[min(row, params.n_rows - 1u)];
    if (params.truncate == 1u) {
        plan_tiles(tid, first_row);
    }

    var run_max = NEG_BIG;
    var run_sum = 0.0;
    for (var start = 0u; start < params.n_cols; start += WG_SIZE) {
        if (skip_tile(start)) {
            continue;
        }
        workgroupBarrier();
        let count = load_tile(start, tid, true);
        workgroupBarrier();
        if (count == WG_SIZE) {
            // A full tile: four terms per step, one running-maximum check per four.
            for (var c = lane; c < WG_SIZE; c += 4u * LANES) {
                let t0 = tile[c];
                let t1 = tile[c + LANES];
                let t2 = tile[c + 2u * LANES];
                let t3 = tile[c + 3u * LANES];
                let s0 = fma(x.x, t0.x, fma(x.y, t0.y, t0.z));
                let s1 = fma(x.x, t1.x, fma(x.y, t1.y, t1.z));
                let s2 = fma(x.x, t2.x, fma(x.y, t2.y, t2.z));
                let s3 = fma(x.x, t3.x, fma(x.y, t3.y, t3.z));
                let s_max = max(max(s0, s1), max(s2, s3));
                if (s_max > run_max) {
                    run_sum = run_sum * exp2(run_max - s_max);
                    run_max = s_max;
                }
                run_sum += (exp2(s0 - run_max) + exp2(s1 - run_max))
                    + (exp2(s2 - run_max) + exp2(s3 - run_max));
            }
        } else {
            for (var c = lane; c < count; c += LANES) {
                let t = tile[c];
                let s = fma(x.x, t.x, fma(x.y, t.y, t.z));
                if (s > run_max) {
                    run_sum = run_sum * exp2(run_max - s);
                    run_max = s;
                }
                run_sum += exp2(s - run_max);
            }
        }
    }

    part_max[tid] = run_max;
    part_sum[tid] = run_sum;
    workgroupBarrier();
    if (lane == 0u && row < params.n_rows) {
        var m = NEG_BIG;
        for (var l = 0u; l < LANES; l++) {
            m = max(m, part_max[l * ROWS + local_row]);
        }
        var total = 0.0;
        for (var l = 0u; l < LANES; l++) {
            let k = l * ROWS + local_row;
            total += part_sum[k] * exp2(part_max[k] - m);
        }
        // The expanded terms left out −‖x_i‖² · k_cost.
        write_softmin(row, m + log2(total) - params.k_cost * dot(x, x));
    }
    if (params.track == 1u) {
        workgroupBarrier();
        if (tid == 0u) {
            atomicMax(&change[params.change_slot], atomicLoad(&group_change));
        }
    }
}

// The barycentric displacement P_i − x_i = Σ_j w_ij (y_j − x_i), w_ij = softmax_j(s_ij), for
// every row (relative to x_i, so the flow velocity, a difference of two projections, loses no
// digits to cancellation), plus the softmin (extrapolated potential, `average` = 0) in
// `row_potential_new`.
@compute @workgroup_size(256)
fn project_rows(
    @builtin(local_invocation_index) local_index: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let first_row = group_index(wid, nwg) * ROWS;
    if (first_row >= params.n_rows) {
        return;
    }
    let tid = local_index;
    let row = first_row + tid % ROWS;
    let local_row = tid % ROWS;
    let lane = tid / ROWS;
    let x = row_points[min(row, params.n_rows - 1u)];
    let k_cost = params.k_cost;
    if (params.truncate == 1u) {
        plan_tiles(tid, first_row);
    }

    var run_max = NEG_BIG;
    var run_sum = 0.0;
    // Σ_j exp2(s_ij − run_max) · (y_j − x_i): relative to x_i, so it is small near the end.
    var run_acc = vec2<f32>(0.0, 0.0);
    for (var start = 0u; start < params.n_cols; start += WG_SIZE) {
        if (skip_tile(start)) {
            continue;
        }
        workgroupBarrier();
        let count = load_tile(start, tid, false);
        workgroupBarrier();
        for (var c = lane; c < count; c += LANES) {
            let t = tile[c];
            let d = t.xy - x;
            let s = t.z - dot(d, d) * k_cost;
            if (s > run_max) {
                let scale = exp2(run_max - s);
                run_sum = run_sum * scale;
                run_acc = run_acc * scale;
                run_max = s;
            }
            let e = exp2(s - run_max);
            run_sum += e;
            run_acc += e * d;
        }
    }

    part_max[tid] = run_max;
    part_sum[tid] = run_sum;
    part_acc[tid] = run_acc;
    workgroupBarrier();
    if (lane == 0u && row < params.n_rows) {
        var m = NEG_BIG;
        for (var l = 0u; l < LANES; l++) {
            m = max(m, part_max[l * ROWS + local_row]);
        }
        var total = 0.0;
        var acc = vec2<f32>(0.0, 0.0);
        for (var l = 0u; l < LANES; l++) {
            let k = l * ROWS + local_row;
            let scale = exp2(part_max[k] - m);
            total += part_sum[k] * scale;
            acc += part_acc[k] * scale;
        }
        write_softmin(row, m + log2(total));
        projection[row] = acc / total;
    }
}
