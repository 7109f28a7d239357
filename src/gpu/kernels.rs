//! Host side of `shaders/sinkhorn.wgsl` (2D) and `shaders/sinkhorn_wide.wgsl` (any d): the two
//! compute pipelines of each (`softmin_rows`, `project_rows`), their shared bind-group layout,
//! the per-dispatch parameter block, the dispatch geometry and the size checks.
//!
//! Why each binding exists (see the shader for the arithmetic):
//! - 0 `params` (uniform, dynamic offset): ε-derived constants, sizes and the averaging flag of
//!   ONE dispatch. A whole ε-schedule is recorded into one compute pass, so every dispatch gets
//!   its own 256-byte slot in one uniform buffer, uploaded once before the submission, and picks
//!   it with a dynamic offset; nothing is read back between iterations.
//! - 1 `row_points`, 2 `col_points` (storage, read): the two clouds, recentred, as `vec2<f32>`
//!   (2D) or d `f32`s a point; the cost is recomputed from them on the fly (no n×m buffer
//!   exists).
//! - 3 `col_potential` (read): the other side's potential at the previous iteration.
//! - 4 `row_potential_old` (read), 5 `row_potential_new` (read-write): this side's potential,
//!   ping-ponged between two buffers so both sides of an iteration read only old values
//!   (GeomLoss's simultaneous update).
//! - 6 `projection` (read-write): the barycentric displacement `P(x_i) − x_i`, written only by
//!   `project_rows`; bound (unused) by `softmin_rows` because both share one layout.
//! - 7 `change` (read-write, atomics): warm start only, the largest potential change of each
//!   warm iteration; later dispatches read it on the GPU to stop iterating once converged (no
//!   read-back between iterations), and the host reads it once at the end to count iterations.
//!   The d-dimensional shader runs neither warm starts nor truncation and does not declare it.

use crate::ot::{GpuError, OtError};

/// Threads per workgroup (`WG_SIZE` in the shader).
const WORKGROUP_SIZE: u32 = 256;
/// Rows one workgroup owns by default (`ROWS` in the shader; the other 256 / ROWS threads of
/// each row split its columns).
pub const DEFAULT_ROWS_PER_WORKGROUP: u32 = 32;

/// `rows` when it is a valid number of rows per 2D workgroup (8, 16, 32, 64, 128 or 256: a
/// divisor of the 256 threads from 8 on), else an error naming the value.
pub fn check_rows_per_workgroup(rows: u32) -> Result<u32, OtError> {
    if (8..=WORKGROUP_SIZE).contains(&rows) && WORKGROUP_SIZE.is_multiple_of(rows) {
        Ok(rows)
    } else {
        Err(OtError::Unsupported(format!(
            "{rows} rows per workgroup: the 2D kernels take 8, 16, 32, 64, 128 or 256"
        )))
    }
}

/// The per-dispatch parameter block, laid out exactly as `struct Params` in the shader.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct DispatchParams {
    /// ε of this step.
    pub eps: f32,
    /// log2(e) / (2ε): multiplies ‖x − y‖².
    pub k_cost: f32,
    /// log2(e) / ε, or 0 to ignore the column potential (initialisation step).
    pub k_pot: f32,
    /// −ln(number of columns): the log of the uniform column weight.
    pub log_w_col: f32,
    /// Rows of this dispatch.
    pub n_rows: u32,
    /// Columns of this dispatch.
    pub n_cols: u32,
    /// 1: `new = ½(old + softmin)`; 0: `new = softmin`.
    pub average: u32,
    /// 1: a warm-start iteration (tracks its change, skips once converged).
    pub track: u32,
    /// Warm start: converged once the largest change is at most this (tolerance · ε).
    pub threshold: f32,
    /// Warm start: the `change` slot of this iteration.
    pub change_slot: u32,
    /// Warm start: the `change` slot of this problem's first warm iteration.
    pub first_slot: u32,
    /// 1: read only the column tiles the shader's bound keeps (the clouds are sorted along a
    /// Hilbert curve); 0: every column.
    pub truncate: u32,
    /// Coordinates per point (2 for the 2D shader, which does not read it).
    pub dim: u32,
}

impl DispatchParams {
    /// Parameters of one softmin over `n_rows × n_cols` at `eps`.
    pub(crate) fn new(
        eps: f64,
        n_rows: usize,
        n_cols: usize,
        use_potential: bool,
        average: bool,
    ) -> Self {
        let log2_e = std::f64::consts::LOG2_E;
        Self {
            eps: eps as f32,
            k_cost: (log2_e / (2.0 * eps)) as f32,
            k_pot: if use_potential {
                (log2_e / eps) as f32
            } else {
                0.0
            },
            log_w_col: -(n_cols as f64).ln() as f32,
            n_rows: n_rows as u32,
            n_cols: n_cols as u32,
            average: u32::from(average),
            track: 0,
            threshold: 0.0,
            change_slot: 0,
            first_slot: 0,
            truncate: 0,
            dim: 2,
        }
    }

    /// The same dispatch as warm-start iteration `slot` of a run whose first iteration is
    /// `first_slot`, converged once the change is at most `threshold`.
    pub(crate) fn tracked(mut self, threshold: f64, first_slot: usize, slot: usize) -> Self {
        self.track = 1;
        self.threshold = threshold as f32;
        self.first_slot = first_slot as u32;
        self.change_slot = slot as u32;
        self
    }
}

/// The most columns a truncated dispatch takes (`MAX_TILES` tiles of [`WORKGROUP_SIZE`] in the
/// shader); larger problems run dense.
pub(crate) const MAX_TRUNCATED_COLUMNS: usize = 512 * WORKGROUP_SIZE as usize;

/// Which entry point of the shader a dispatch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// `softmin_rows`: the (optionally averaged) softmin of every row.
    Softmin,
    /// `project_rows`: softmin plus the barycentric displacement of every row.
    Project,
}

/// Rows one `softmin_rows` workgroup of the d-dimensional shader owns (`BLOCK_ROWS` in
/// `sinkhorn_wide.wgsl`).
const WIDE_SOFTMIN_ROWS_PER_WORKGROUP: u32 = 64;
/// Rows one `project_rows` workgroup of the d-dimensional shader owns (`ROWS`).
const WIDE_PROJECT_ROWS_PER_WORKGROUP: u32 = 16;
/// Output coordinates one projection workgroup of the d-dimensional shader computes (`CHUNK`).
const WIDE_COORDINATES_PER_GROUP: u32 = 16;

/// The compiled pipelines and their layout: the 2D shader's ([`SinkhornKernels::new`]) or the
/// d-dimensional one's ([`SinkhornKernels::wide`]), which share the bindings, the parameter
/// block and so the plan and buffers.
pub(crate) struct SinkhornKernels {
    /// The layout of bind group 0 (bindings 0–7 above).
    pub layout: wgpu::BindGroupLayout,
    softmin: wgpu::ComputePipeline,
    project: wgpu::ComputePipeline,
    /// Bytes between two parameter slots (≥ 256 and the device's uniform offset alignment).
    pub params_stride: u64,
    /// The device's per-dimension workgroup limit.
    max_groups_per_dimension: u32,
    /// Rows one workgroup owns, of `softmin_rows` and of `project_rows`.
    rows_per_workgroup: [u32; 2],
    /// d-dimensional kernels: output coordinates per projection workgroup (the grid's z covers
    /// the rest); `None`: one workgroup projects every coordinate (2D).
    coordinates_per_group: Option<u32>,
}

impl SinkhornKernels {
    /// Compiles the 2D shader with `rows` rows per workgroup (checked by
    /// [`check_rows_per_workgroup`]; [`DEFAULT_ROWS_PER_WORKGROUP`] unless a benchmark tunes
    /// it) and builds both pipelines on `device`.
    pub(crate) fn new(device: &wgpu::Device, rows: u32) -> Self {
        let module =
            device.create_shader_module(wgpu::include_wgsl!("../../shaders/sinkhorn.wgsl"));
        let constants = [
            ("ROWS", f64::from(rows)),
            ("LANES", f64::from(WORKGROUP_SIZE / rows)),
        ];
        Self::build(device, &module, &constants, [rows; 2], None)
    }

    /// Compiles the d-dimensional shader (`sinkhorn_wide.wgsl`) and builds both pipelines.
    pub(crate) fn wide(device: &wgpu::Device) -> Self {
        let module =
            device.create_shader_module(wgpu::include_wgsl!("../../shaders/sinkhorn_wide.wgsl"));
        Self::build(
            device,
            &module,
            &[],
            [
                WIDE_SOFTMIN_ROWS_PER_WORKGROUP,
                WIDE_PROJECT_ROWS_PER_WORKGROUP,
            ],
            Some(WIDE_COORDINATES_PER_GROUP),
        )
    }

    /// The layout, the pipelines of `module` with the override `constants`, and the dispatch
    /// geometry.
    fn build(
        device: &wgpu::Device,
        module: &wgpu::ShaderModule,
        constants: &[(&str, f64)],
        rows_per_workgroup: [u32; 2],
        coordinates_per_group: Option<u32>,
    ) -> Self {
        let layout = bind_group_layout(device);
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("sinkhorn pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    ..Default::default()
                },
                cache: None,
            })
        };
        let limits = device.limits();
        let alignment = u64::from(limits.min_uniform_buffer_offset_alignment);
        Self {
            softmin: pipeline("softmin_rows"),
            project: pipeline("project_rows"),
            layout,
            params_stride: alignment.max(256).next_multiple_of(alignment.max(1)),
            max_groups_per_dimension: limits.max_compute_workgroups_per_dimension,
            rows_per_workgroup,
            coordinates_per_group,
        }
    }

    /// The pipeline of `entry`.
    pub(crate) fn pipeline(&self, entry: Entry) -> &wgpu::ComputePipeline {
        match entry {
            Entry::Softmin => &self.softmin,
            Entry::Project => &self.project,
        }
    }

    /// The 2D workgroup grid covering `n_rows` rows of `entry` (x up to the per-dimension
    /// limit).
    fn grid(&self, entry: Entry, n_rows: usize) -> Result<(u32, u32), OtError> {
        let rows_per_workgroup = match entry {
            Entry::Softmin => self.rows_per_workgroup[0],
            Entry::Project => self.rows_per_workgroup[1],
        };
        let groups = n_rows.div_ceil(rows_per_workgroup as usize);
        let max = self.max_groups_per_dimension.max(1) as usize;
        let x = groups.clamp(1, max);
        let y = groups.div_ceil(x);
        if y > max {
            return Err(OtError::from(GpuError::BeyondLimits(format!(
                "{n_rows} points need {groups} workgroups, beyond the adapter's {max}×{max} grid"
            ))));
        }
        Ok((x as u32, y as u32))
    }

    /// Fails with [`OtError::Gpu`] when `n` source and `m` target points of `point_bytes` each,
    /// a read-back of two displacement sets plus `extra_staging` bytes, and `dispatches`
    /// parameter slots do not fit the device's buffer and dispatch limits.
    pub(crate) fn check_fits(
        &self,
        device: &wgpu::Device,
        adapter_name: &str,
        (n, m): (usize, usize),
        point_bytes: u64,
        extra_staging: u64,
        dispatches: usize,
    ) -> Result<(), OtError> {
        let limits = device.limits();
        let largest = n.max(m);
        let cloud_bytes = largest as u64 * point_bytes;
        let binding_limit = limits.max_storage_buffer_binding_size;
        let buffer_limit = limits.max_buffer_size;
        let name = adapter_name;
        if u32::try_from(largest as u64 * point_bytes / 4).is_err() {
            return Err(OtError::from(GpuError::BeyondLimits(format!(
                "{largest} points is beyond the GPU kernels' 32-bit indices"
            ))));
        }
        if cloud_bytes > binding_limit {
            return Err(OtError::from(GpuError::BeyondLimits(format!(
                "{largest} points need {cloud_bytes}-byte buffers, beyond the adapter's \
                 max_storage_buffer_binding_size of {binding_limit} bytes on {name}"
            ))));
        }
        let staging_bytes = 2 * cloud_bytes + extra_staging;
        if staging_bytes > buffer_limit {
            return Err(OtError::from(GpuError::BeyondLimits(format!(
                "{largest} points need a {staging_bytes}-byte read-back buffer, beyond the \
                 adapter's max_buffer_size of {buffer_limit} bytes on {name}"
            ))));
        }
        let params_bytes = dispatches as u64 * self.params_stride;
        if params_bytes > buffer_limit || params_bytes > u64::from(u32::MAX) {
            return Err(OtError::from(GpuError::BeyondLimits(format!(
                "the ε-schedule needs {dispatches} dispatches ({params_bytes} bytes of \
                 parameters), beyond the adapter's max_buffer_size of {buffer_limit} bytes on \
                 {name}"
            ))));
        }
        self.grid(Entry::Softmin, largest)?;
        self.grid(Entry::Project, largest)?;
        Ok(())
    }

    /// The workgroups (x, y, z) of one dispatch: [`SinkhornKernels::grid`] over its rows, and
    /// for a d-dimensional projection one z layer per block of output coordinates.
    pub(crate) fn dispatch_size(
        &self,
        entry: Entry,
        params: &DispatchParams,
    ) -> Result<(u32, u32, u32), OtError> {
        let (x, y) = self.grid(entry, params.n_rows as usize)?;
        let z = match (entry, self.coordinates_per_group) {
            (Entry::Project, Some(per_group)) => params.dim.div_ceil(per_group).max(1),
            _ => 1,
        };
        Ok((x, y, z))
    }
}

/// The layout of bind group 0 (bindings 0–7 above), the same for both shaders.
fn bind_group_layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
    let storage = |binding: u32, read_only: bool| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    let params_entry = wgpu::BindGroupLayoutEntry {
        binding: 0,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: true,
            min_binding_size: wgpu::BufferSize::new(size_of::<DispatchParams>() as u64),
        },
        count: None,
    };
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("sinkhorn bind group layout"),
        entries: &[
            params_entry,
            storage(1, true),
            storage(2, true),
            storage(3, true),
            storage(4, true),
            storage(5, false),
            storage(6, false),
            storage(7, false),
        ],
    })
}
