// The n×m cost matrix ½‖x_i − y_j‖² of two d-dimensional clouds (host side: src/gpu/wide.rs),
// 16×16 tiles at a time: each workgroup streams its 16 rows and 16 columns through workgroup
// memory, 16 coordinates a pass, so every coordinate is read from storage once per tile instead
// of once per cost.

struct CostParams {
    n_rows: u32,
    n_cols: u32,
    dim: u32,
    pad: u32,
};

@group(0) @binding(0) var<uniform> cost_params: CostParams;
@group(0) @binding(1) var<storage, read> row_pts: array<f32>;
@group(0) @binding(2) var<storage, read> col_pts: array<f32>;
@group(0) @binding(3) var<storage, read_write> costs_out: array<f32>;

const TILE: u32 = 16u;
var<workgroup> tile_rows: array<array<f32, 16>, 16>;
var<workgroup> tile_cols: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn costs(@builtin(workgroup_id) group: vec3<u32>,
         @builtin(local_invocation_id) local: vec3<u32>) {
    let dim = cost_params.dim;
    let row = group.y * TILE + local.y;
    let col = group.x * TILE + local.x;
    // Thread (y, x) loads coordinate x of the tile's row y and of the tile's column y.
    let load_row = group.y * TILE + local.y;
    let load_col = group.x * TILE + local.y;
    var acc = 0.0;
    for (var k0 = 0u; k0 < dim; k0 += TILE) {
        let k = k0 + local.x;
        var a = 0.0;
        if (load_row < cost_params.n_rows && k < dim) {
            a = row_pts[load_row * dim + k];
        }
        var b = 0.0;
        if (load_col < cost_params.n_cols && k < dim) {
            b = col_pts[load_col * dim + k];
        }
        tile_rows[local.y][local.x] = a;
        tile_cols[local.y][local.x] = b;
        workgroupBarrier();
        for (var kk = 0u; kk < TILE; kk++) {
            let d = tile_rows[local.y][kk] - tile_cols[local.x][kk];
            acc += d * d;
        }
        workgroupBarrier();
    }
    if (row < cost_params.n_rows && col < cost_params.n_cols) {
        costs_out[row * cost_params.n_cols + col] = 0.5 * acc;
    }
}
