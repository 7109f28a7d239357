//! The d-dimensional Sinkhorn-flow velocity on the GPU (`shaders/sinkhorn_wide*.wgsl`): the
//! same algorithm as `ot::any_dim` (GeomLoss's ε-schedule, symmetric averaged updates,
//! projections) in f32. The three cost matrices (x–y, y–x, x–x) are built once per call by a
//! kernel that tiles the points through workgroup memory; the whole annealing of both problems
//! and both projections is recorded into one submission, with one read-back at the end.

use super::context::GpuContext;
use crate::ot::{OtError, SinkhornParams, epsilon_schedule};
use ndarray::{Array2, ArrayView2};
use wgpu::util::DeviceExt;

/// Threads per workgroup of the row kernels (`WG` in the shader).
const WORKGROUP: u32 = 64;
/// Rows and columns of one cost tile (`TILE` in the costs shader).
const TILE: u32 = 16;

/// The per-dispatch parameters, as `struct Params` in the shader.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    eps: f32,
    inv_eps: f32,
    log_w: f32,
    use_potential: u32,
    n_rows: u32,
    n_cols: u32,
    dim: u32,
    average: u32,
}

/// The parameters of the costs kernel, as `struct CostParams`.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct CostParams {
    n_rows: u32,
    n_cols: u32,
    dim: u32,
    pad: u32,
}

/// The d-dimensional kernels on one device.
pub struct WideGpu {
    context: GpuContext,
    costs: wgpu::ComputePipeline,
    costs_layout: wgpu::BindGroupLayout,
    softmin: wgpu::ComputePipeline,
    project: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    params_stride: u64,
}

/// One dispatch of a row kernel: its parameters and bind group.
struct Dispatch {
    params: Params,
    group: usize,
    project: bool,
}

fn layout_entry(
    binding: u32,
    ty: wgpu::BufferBindingType,
    dynamic: bool,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: dynamic,
            min_binding_size: None,
        },
        count: None,
    }
}

fn storage(read_only: bool) -> wgpu::BufferBindingType {
    wgpu::BufferBindingType::Storage { read_only }
}

impl WideGpu {
    /// The kernels on a device of their own (the best adapter).
    pub fn new_blocking() -> Result<Self, OtError> {
        Ok(Self::with_context(GpuContext::new_blocking()?))
    }

    /// The kernels on a device someone else owns (the app's).
    pub fn on_device(device: wgpu::Device, queue: wgpu::Queue, adapter_name: String) -> Self {
        Self::with_context(GpuContext::from_device(device, queue, adapter_name))
    }

    /// Whether the adapter is a software rasterizer (correct, but slower than the CPU).
    pub fn is_software(&self) -> bool {
        self.context.software
    }

    /// "gpu d-dim (ADAPTER)".
    pub fn name(&self) -> String {
        format!("gpu d-dim ({})", self.context.adapter_name)
    }

    fn with_context(context: GpuContext) -> Self {
        let device = &context.device;
        let rows_module =
            device.create_shader_module(wgpu::include_wgsl!("../../shaders/sinkhorn_wide.wgsl"));
        let costs_module = device.create_shader_module(wgpu::include_wgsl!(
            "../../shaders/sinkhorn_wide_costs.wgsl"
        ));
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("wide sinkhorn layout"),
            entries: &[
                layout_entry(0, wgpu::BufferBindingType::Uniform, true),
                layout_entry(1, storage(true), false),
                layout_entry(2, storage(true), false),
                layout_entry(3, storage(true), false),
                layout_entry(4, storage(false), false),
                layout_entry(5, storage(true), false),
                layout_entry(6, storage(false), false),
            ],
        });
        let costs_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("wide costs layout"),
            entries: &[
                layout_entry(0, wgpu::BufferBindingType::Uniform, false),
                layout_entry(1, storage(true), false),
                layout_entry(2, storage(true), false),
                layout_entry(3, storage(false), false),
            ],
        });
        let pipeline = |layout: &wgpu::BindGroupLayout,
                        module: &wgpu::ShaderModule,
                        entry: &str| {
            let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(entry),
                bind_group_layouts: &[Some(layout)],
                immediate_size: 0,
            });
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                cache: None,
            })
        };
        let alignment = u64::from(device.limits().min_uniform_buffer_offset_alignment);
        Self {
            costs: pipeline(&costs_layout, &costs_module, "costs"),
            softmin: pipeline(&layout, &rows_module, "softmin_rows"),
            project: pipeline(&layout, &rows_module, "project_rows"),
            layout,
            costs_layout,
            params_stride: alignment.max(256).next_multiple_of(alignment.max(1)),
            context,
        }
    }

    /// The 2D grid of row-kernel workgroups covering `threads` threads.
    fn grid(&self, threads: usize) -> Result<(u32, u32), OtError> {
        let groups = threads.div_ceil(WORKGROUP as usize).max(1);
        let max = self
            .context
            .device
            .limits()
            .max_compute_workgroups_per_dimension
            .max(1) as usize;
        let x = groups.min(max);
        let y = groups.div_ceil(x);
        if y > max {
            return Err(OtError::Gpu(format!(
                "{threads} threads are beyond the adapter's {max}×{max} workgroup grid"
            )));
        }
        Ok((x as u32, y as u32))
    }

    /// The empirical Sinkhorn-flow velocity `P_{x→y}(x_i) − P_{x→x}(x_i)` at every row of `x`
    /// (the rows are points of any dimension), in f32 on the GPU, returned in f64.
    pub fn flow_velocity(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        params: &SinkhornParams,
    ) -> Result<Array2<f64>, OtError> {
        params.validate()?;
        let (n, dim) = x.dim();
        let m = y.nrows();
        if n == 0 {
            return Err(OtError::EmptySet("source"));
        }
        if m == 0 {
            return Err(OtError::EmptySet("target"));
        }
        if y.ncols() != dim {
            return Err(OtError::Unsupported(format!(
                "the target's points have {} coordinates, the source's {dim}",
                y.ncols()
            )));
        }
        for (set, cloud) in [("source", x), ("target", y)] {
            if let Some(index) = cloud.iter().position(|v| !v.is_finite()) {
                return Err(OtError::NonFinite {
                    set,
                    index: index / dim.max(1),
                });
            }
        }
        let largest = n.max(m);
        let matrix_bytes = (largest * largest * 4) as u64;
        let limit = self.context.device.limits().max_storage_buffer_binding_size;
        if matrix_bytes > limit {
            return Err(OtError::Gpu(format!(
                "a {largest}×{largest} cost matrix ({matrix_bytes} bytes) is beyond the \
                 adapter's {limit}-byte storage buffers"
            )));
        }
        let (lo, hi) = bounds(x, Some(y));
        let centre: Vec<f64> = lo.iter().zip(&hi).map(|(a, b)| 0.5 * (a + b)).collect();
        let schedule_xy = epsilon_schedule(diagonal(&lo, &hi), params)?;
        let (lo_x, hi_x) = bounds(x, None);
        let schedule_xx = epsilon_schedule(diagonal(&lo_x, &hi_x), params)?;
        let context = &self.context;
        let output = context.scoped("the d-dimensional velocity", || {
            self.record(x, y, &centre, &schedule_xy, &schedule_xx)
        })??;
        let (to_target, to_self) = output.split_at(n * dim);
        let velocity: Vec<f64> = to_target
            .iter()
            .zip(to_self)
            .map(|(p, q)| f64::from(*p) - f64::from(*q))
            .collect();
        if let Some(index) = velocity.iter().position(|v| !v.is_finite()) {
            return Err(OtError::NonFiniteResult {
                quantity: "d-dimensional velocity",
                index: Some(index / dim.max(1)),
                precision: crate::ot::Precision::F32,
            });
        }
        Array2::from_shape_vec((n, dim), velocity).map_err(|e| OtError::Gpu(e.to_string()))
    }

    /// Uploads, records every dispatch into one submission, and reads back both projections.
    fn record(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        centre: &[f64],
        schedule_xy: &[f64],
        schedule_xx: &[f64],
    ) -> Result<Vec<f32>, OtError> {
        let device = &self.context.device;
        let (n, dim) = x.dim();
        let m = y.nrows();
        let points = |cloud: ArrayView2<f64>, label: &str| {
            let values: Vec<f32> = cloud
                .rows()
                .into_iter()
                .flat_map(|row| {
                    row.iter()
                        .zip(centre)
                        .map(|(v, c)| (v - c) as f32)
                        .collect::<Vec<_>>()
                })
                .collect();
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(&values),
                usage: wgpu::BufferUsages::STORAGE,
            })
        };
        let empty = |label: &str, floats: usize| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: (floats.max(1) * 4) as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        };
        let xs = points(x, "x");
        let ys = points(y, "y");
        let c_xy = empty("C_xy", n * m);
        let c_yx = empty("C_yx", m * n);
        let c_xx = empty("C_xx", n * n);
        let f = [empty("f0", n), empty("f1", n)];
        let g = [empty("g0", m), empty("g1", m)];
        let s = [empty("s0", n), empty("s1", n)];
        let p_xy = empty("P_xy", n * dim);
        let p_xx = empty("P_xx", n * dim);

        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("wide sinkhorn"),
        });
        // The three cost matrices.
        let cost_jobs = [
            (&xs, &ys, &c_xy, n, m),
            (&ys, &xs, &c_yx, m, n),
            (&xs, &xs, &c_xx, n, n),
        ];
        let cost_groups: Vec<(wgpu::BindGroup, (u32, u32))> = cost_jobs
            .iter()
            .map(|(rows, cols, out, n_rows, n_cols)| {
                let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("cost params"),
                    contents: bytemuck::bytes_of(&CostParams {
                        n_rows: *n_rows as u32,
                        n_cols: *n_cols as u32,
                        dim: dim as u32,
                        pad: 0,
                    }),
                    usage: wgpu::BufferUsages::UNIFORM,
                });
                let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("costs"),
                    layout: &self.costs_layout,
                    entries: &[
                        entry(0, &params),
                        entry(1, rows),
                        entry(2, cols),
                        entry(3, out),
                    ],
                });
                let tiles = (
                    (*n_cols as u32).div_ceil(TILE),
                    (*n_rows as u32).div_ceil(TILE),
                );
                (group, tiles)
            })
            .collect();
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("costs"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.costs);
            for (group, (columns, rows)) in &cost_groups {
                pass.set_bind_group(0, group, &[]);
                pass.dispatch_workgroups(*columns, *rows, 1);
            }
        }

        // Bind groups of the row kernels: (costs, column potential, own old, own new, column
        // points, projection output).
        let bind = |costs: &wgpu::Buffer,
                    col: &wgpu::Buffer,
                    old: &wgpu::Buffer,
                    new: &wgpu::Buffer,
                    col_points: &wgpu::Buffer,
                    out: &wgpu::Buffer,
                    params: &wgpu::Buffer| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("wide row kernel"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: params,
                            offset: 0,
                            size: wgpu::BufferSize::new(size_of::<Params>() as u64),
                        }),
                    },
                    entry(1, costs),
                    entry(2, col),
                    entry(3, old),
                    entry(4, new),
                    entry(5, col_points),
                    entry(6, out),
                ],
            })
        };
        // The dispatch list, and which bind group each uses (by parity p: read p, write 1 − p).
        let mut dispatches: Vec<Dispatch> = Vec::new();
        let make =
            |eps: f64, n_rows: usize, n_cols: usize, use_potential: bool, average: bool| Params {
                eps: eps as f32,
                inv_eps: (1.0 / eps) as f32,
                log_w: -(n_cols as f64).ln() as f32,
                use_potential: u32::from(use_potential),
                n_rows: n_rows as u32,
                n_cols: n_cols as u32,
                dim: dim as u32,
                average: u32::from(average),
            };
        // Groups 0–3: cross f / g updates at parity 0 and 1; 4–5: self updates; 6: P_xy from
        // g at the final parity; 7: P_xx from s at the final parity (chosen below).
        let mut parity = 0;
        for (k, &eps) in std::iter::once(&schedule_xy[0])
            .chain(schedule_xy)
            .enumerate()
        {
            let first = k == 0;
            dispatches.push(Dispatch {
                params: make(eps, n, m, !first, !first),
                group: parity * 2,
                project: false,
            });
            dispatches.push(Dispatch {
                params: make(eps, m, n, !first, !first),
                group: parity * 2 + 1,
                project: false,
            });
            parity = 1 - parity;
        }
        let cross_final = parity;
        let mut self_parity = 0;
        for (k, &eps) in std::iter::once(&schedule_xx[0])
            .chain(schedule_xx)
            .enumerate()
        {
            let first = k == 0;
            dispatches.push(Dispatch {
                params: make(eps, n, n, !first, !first),
                group: 4 + self_parity,
                project: false,
            });
            self_parity = 1 - self_parity;
        }
        let self_final = self_parity;
        let eps_xy = schedule_xy[schedule_xy.len() - 1];
        let eps_xx = schedule_xx[schedule_xx.len() - 1];
        dispatches.push(Dispatch {
            params: make(eps_xy, n, m, true, false),
            group: 6,
            project: true,
        });
        dispatches.push(Dispatch {
            params: make(eps_xx, n, n, true, false),
            group: 7,
            project: true,
        });

        let stride = self.params_stride as usize;
        let mut uniform = vec![0u8; stride * dispatches.len()];
        for (k, dispatch) in dispatches.iter().enumerate() {
            uniform[k * stride..k * stride + size_of::<Params>()]
                .copy_from_slice(bytemuck::bytes_of(&dispatch.params));
        }
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("wide params"),
            contents: &uniform,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let groups = [
            // Cross, parity 0: f₁ from g₀ and f₀; g₁ from f₀ and g₀.
            bind(&c_xy, &g[0], &f[0], &f[1], &ys, &p_xy, &params),
            bind(&c_yx, &f[0], &g[0], &g[1], &xs, &p_xy, &params),
            // Cross, parity 1.
            bind(&c_xy, &g[1], &f[1], &f[0], &ys, &p_xy, &params),
            bind(&c_yx, &f[1], &g[1], &g[0], &xs, &p_xy, &params),
            // Self.
            bind(&c_xx, &s[0], &s[0], &s[1], &xs, &p_xx, &params),
            bind(&c_xx, &s[1], &s[1], &s[0], &xs, &p_xx, &params),
            // Projections (the "new" slot is a scratch buffer nobody reads).
            bind(
                &c_xy,
                &g[cross_final],
                &f[cross_final],
                &f[1 - cross_final],
                &ys,
                &p_xy,
                &params,
            ),
            bind(
                &c_xx,
                &s[self_final],
                &s[self_final],
                &s[1 - self_final],
                &xs,
                &p_xx,
                &params,
            ),
        ];
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("wide schedule"),
                timestamp_writes: None,
            });
            for (k, dispatch) in dispatches.iter().enumerate() {
                let threads = if dispatch.project {
                    dispatch.params.n_rows as usize * dim
                } else {
                    dispatch.params.n_rows as usize
                };
                let (gx, gy) = self.grid(threads)?;
                pass.set_pipeline(if dispatch.project {
                    &self.project
                } else {
                    &self.softmin
                });
                pass.set_bind_group(0, &groups[dispatch.group], &[(k * stride) as u32]);
                pass.dispatch_workgroups(gx, gy, 1);
            }
        }
        let bytes = (n * dim * 4) as u64;
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("wide staging"),
            size: 2 * bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(&p_xy, 0, &staging, 0, bytes);
        encoder.copy_buffer_to_buffer(&p_xx, 0, &staging, bytes, bytes);
        self.context.queue.submit([encoder.finish()]);
        let data = self.context.read_back(&staging, 2 * bytes)?;
        Ok(bytemuck::cast_slice(&data).to_vec())
    }
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// Per-coordinate lower and upper bounds of the rows of `x` (and `y`).
fn bounds(x: ArrayView2<f64>, y: Option<ArrayView2<f64>>) -> (Vec<f64>, Vec<f64>) {
    let dim = x.ncols();
    let mut lo = vec![f64::INFINITY; dim];
    let mut hi = vec![f64::NEG_INFINITY; dim];
    for cloud in [Some(x), y].into_iter().flatten() {
        for row in cloud.rows() {
            for (k, &v) in row.iter().enumerate() {
                lo[k] = lo[k].min(v);
                hi[k] = hi[k].max(v);
            }
        }
    }
    (lo, hi)
}

/// The diagonal of the box `lo`–`hi` (GeomLoss's diameter).
fn diagonal(lo: &[f64], hi: &[f64]) -> f64 {
    lo.iter()
        .zip(hi)
        .map(|(a, b)| (b - a) * (b - a))
        .sum::<f64>()
        .sqrt()
}

impl crate::ot::CloudKernels for WideGpu {
    fn velocity(
        &self,
        x: &crate::PointCloud,
        y: &crate::PointCloud,
        params: &SinkhornParams,
    ) -> Result<crate::PointCloud, OtError> {
        let velocity = self.flow_velocity(cloud_rows(x)?, cloud_rows(y)?, params)?;
        Ok(crate::PointCloud::from_flat(
            velocity.ncols(),
            velocity.into_iter().collect(),
        ))
    }

    fn name(&self) -> String {
        WideGpu::name(self)
    }
}

/// A cloud's coordinates as an n × d view.
fn cloud_rows(cloud: &crate::PointCloud) -> Result<ArrayView2<'_, f64>, OtError> {
    ArrayView2::from_shape((cloud.len(), cloud.dim()), cloud.coords())
        .map_err(|error| OtError::Unsupported(error.to_string()))
}
