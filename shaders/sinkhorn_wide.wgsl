// The Sinkhorn-flow velocity in d dimensions (host side: src/gpu/wide.rs).
//
// The cost matrix comes from `sinkhorn_wide_costs.wgsl`, built once per problem. The annealing
// loop then only reads it: `softmin_rows` is one log-sum-exp per row (GeomLoss's averaged
// update when `average` is 1), `project_rows` one coordinate of one barycentric projection per
// thread.

struct Params {
    // ε of this dispatch.
    eps: f32,
    // 1 / ε.
    inv_eps: f32,
    // The log of the uniform column weight, −ln(n_cols).
    log_w: f32,
    // 0: the column potential is taken as zero (the initialisation).
    use_potential: u32,
    n_rows: u32,
    n_cols: u32,
    dim: u32,
    // 1: new = ½(old + softmin); 0: new = softmin.
    average: u32,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> costs_in: array<f32>;
@group(0) @binding(2) var<storage, read> col_potential: array<f32>;
@group(0) @binding(3) var<storage, read> row_old: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_new: array<f32>;
@group(0) @binding(5) var<storage, read> col_points: array<f32>;
@group(0) @binding(6) var<storage, read_write> projected: array<f32>;

const WG: u32 = 64u;

// The thread's linear index over a grid of up to 65 535 workgroups per dimension.
fn linear(id: vec3<u32>, groups: vec3<u32>) -> u32 {
    return id.x + id.y * groups.x * WG;
}

// t_j = log w + h_j / ε − C_ij / ε for row i.
fn term(row_base: u32, j: u32) -> f32 {
    var h = 0.0;
    if (params.use_potential == 1u) {
        h = col_potential[j];
    }
    return params.log_w + (h - costs_in[row_base + j]) * params.inv_eps;
}

@compute @workgroup_size(64)
fn softmin_rows(@builtin(global_invocation_id) id: vec3<u32>,
                @builtin(num_workgroups) groups: vec3<u32>) {
    let i = linear(id, groups);
    if (i >= params.n_rows) {
        return;
    }
    let base = i * params.n_cols;
    var largest = -3.0e38;
    for (var j = 0u; j < params.n_cols; j++) {
        largest = max(largest, term(base, j));
    }
    var sum = 0.0;
    for (var j = 0u; j < params.n_cols; j++) {
        sum += exp(term(base, j) - largest);
    }
    let value = -params.eps * (largest + log(sum));
    if (params.average == 1u) {
        row_new[i] = 0.5 * (row_old[i] + value);
    } else {
        row_new[i] = value;
    }
}

@compute @workgroup_size(64)
fn project_rows(@builtin(global_invocation_id) id: vec3<u32>,
                @builtin(num_workgroups) groups: vec3<u32>) {
    let index = linear(id, groups);
    if (index >= params.n_rows * params.dim) {
        return;
    }
    let i = index / params.dim;
    let k = index % params.dim;
    let base = i * params.n_cols;
    var largest = -3.0e38;
    for (var j = 0u; j < params.n_cols; j++) {
        largest = max(largest, term(base, j));
    }
    var sum = 0.0;
    var weighted = 0.0;
    for (var j = 0u; j < params.n_cols; j++) {
        let w = exp(term(base, j) - largest);
        sum += w;
        weighted += w * col_points[j * params.dim + k];
    }
    projected[index] = weighted / sum;
}
