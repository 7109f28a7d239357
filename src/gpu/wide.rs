//! The d-dimensional Sinkhorn-flow velocity on the GPU (`shaders/sinkhorn_wide.wgsl`): the
//! same algorithm as `ot::any_dim` (GeomLoss's ε-schedule, symmetric averaged updates,
//! extrapolation, barycentric projections) in f32.
//!
//! It runs on the 2D backend's machinery: one [`Plan`] of dispatches for both ε-schedules and
//! both projections, the [`SolverBuffers`] kept across calls, the bind-group layout and
//! parameter block of [`SinkhornKernels`]; only the shader differs. That shader streams: no
//! cost matrix is stored, so memory is O((n + m)·d). Each pass recomputes ½‖x_i − y_j‖² from
//! the points, tiled through workgroup memory 16 coordinates at a time (annealing: 64 rows × 64
//! columns a workgroup, 4 × 4 costs a thread; projections: 16 rows × 64 columns and 16 output
//! coordinates a workgroup).
//! One submission, one read-back per call.

use std::sync::Mutex;

use super::buffers::{ReadBack, SolverBuffers};
use super::context::GpuContext;
use super::kernels::SinkhornKernels;
use super::plan::{Plan, Side};
use crate::PointCloud;
use crate::ot::any_dim::{bounding_box, check_clouds, cloud_diameter};
use crate::ot::{GpuError, OtError, Precision, SinkhornParams, epsilon_schedule};
use ndarray::{Array2, ArrayView2};

/// The d-dimensional kernels on one device.
pub struct WideGpu {
    context: GpuContext,
    kernels: SinkhornKernels,
    /// Grown on demand and kept across calls: a flow at a fixed size allocates once.
    buffers: Mutex<SolverBuffers>,
}

impl WideGpu {
    /// The kernels on a device of their own (the best adapter).
    pub(crate) fn new_blocking() -> Result<Self, OtError> {
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

    /// Bytes of the GPU buffers allocated so far (they grow to the largest call): O((n + m)·d)
    /// plus the parameter table, never n·m.
    #[doc(hidden)]
    pub fn allocated_bytes(&self) -> u64 {
        self.buffers
            .lock()
            .map_or(0, |buffers| buffers.total_bytes())
    }

    fn with_context(context: GpuContext) -> Self {
        Self {
            kernels: SinkhornKernels::wide(&context.device),
            buffers: Mutex::new(SolverBuffers::new(&context.device)),
            context,
        }
    }

    /// The empirical Sinkhorn-flow velocity `P_{x→y}(x_i) − P_{x→x}(x_i)` at every row of `x`
    /// (the rows are points of any dimension), in f32 on the GPU, returned in f64.
    pub fn flow_velocity(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        params: &SinkhornParams,
    ) -> Result<Array2<f64>, OtError> {
        if x.ncols() == 0 {
            return Err(OtError::Unsupported("points with no coordinates".into()));
        }
        let velocity = self.cloud_velocity(&view_cloud(x), &view_cloud(y), params)?;
        // A cloud holds len × dim coordinates, so the shape always fits.
        Ok(
            Array2::from_shape_vec((velocity.len(), velocity.dim()), velocity.coords().to_vec())
                .expect("a cloud holds len × dim coordinates"),
        )
    }

    /// [`WideGpu::flow_velocity`] on clouds.
    fn cloud_velocity(
        &self,
        x: &PointCloud,
        y: &PointCloud,
        params: &SinkhornParams,
    ) -> Result<PointCloud, OtError> {
        check_clouds(x, y, params, Precision::F32)?;
        let plan = velocity_plan(x, y, params)?;
        let (n, dim) = (x.len(), x.dim());
        let point_bytes = 4 * dim as u64;
        let device = &self.context.device;
        let name = &self.context.adapter_name;
        let sizes = (n, y.len());
        self.kernels
            .check_fits(device, name, sizes, point_bytes, 0, plan.len())?;
        let displacements = self.run(x, y, &plan)?;
        let (to_target, to_self) = displacements.split_at(n * dim);
        let velocity: Vec<f64> = to_target
            .iter()
            .zip(to_self)
            .map(|(p, q)| f64::from(*p) - f64::from(*q))
            .collect();
        if let Some(index) = velocity.iter().position(|v| !v.is_finite()) {
            return Err(OtError::NonFiniteResult {
                quantity: "d-dimensional velocity",
                index: Some(index / dim),
                precision: Precision::F32,
            });
        }
        Ok(PointCloud::from_flat(dim, velocity))
    }

    /// Sizes the buffers, uploads the clouds (recentred on their box) and `plan`'s parameter
    /// table, runs `plan` and returns both displacement sets, (x, y)'s then (x, x)'s.
    fn run(&self, x: &PointCloud, y: &PointCloud, plan: &Plan) -> Result<Vec<f32>, OtError> {
        let context = &self.context;
        let mut buffers = self
            .buffers
            .lock()
            .map_err(|_| GpuError::Poisoned("d-dimensional GPU buffers"))?;
        let table = plan.params_bytes(self.kernels.params_stride);
        let sizes = (x.len(), y.len(), x.dim());
        context.scoped("allocating GPU buffers", || {
            buffers.ensure(&context.device, sizes, table.len() as u64, 0)
        })?;
        let (lo, hi) = bounding_box(&[x, y]);
        let centre: Vec<f64> = lo.iter().zip(&hi).map(|(a, b)| 0.5 * (a + b)).collect();
        context.scoped("uploading the clouds", || {
            let queue = &context.queue;
            queue.write_buffer(buffers.source.get(), 0, &recentred_f32(x, &centre));
            queue.write_buffer(buffers.target.get(), 0, &recentred_f32(y, &centre));
            queue.write_buffer(buffers.params.get(), 0, &table);
        })?;
        let bytes = (x.len() * x.dim() * 4) as u64;
        let copies = [(ReadBack::DispXy, bytes), (ReadBack::DispXx, bytes)];
        let read = plan.submit(context, &self.kernels, &buffers, &copies)?;
        let data = context.wait_read(buffers.staging.get(), &read)?;
        Ok(data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

/// GeomLoss's annealing of (x, y) and of (x, x), each from the diameter of its clouds, then the
/// undamped update at the final ε with the barycentric displacements.
fn velocity_plan(x: &PointCloud, y: &PointCloud, params: &SinkhornParams) -> Result<Plan, OtError> {
    let mut plan = Plan::new(x.len(), y.len(), x.dim());
    for (side, clouds) in [(Side::XyF, vec![x, y]), (Side::Xx, vec![x])] {
        let schedule = epsilon_schedule(cloud_diameter(&clouds), params)?;
        let parity = plan.anneal(side, &schedule);
        let eps = params.blur * params.blur;
        plan.finish(side, eps, parity, 0, true);
    }
    Ok(plan)
}

/// `cloud − centre`, point after point, as little-endian f32 bytes.
fn recentred_f32(cloud: &PointCloud, centre: &[f64]) -> Vec<u8> {
    let values: Vec<f32> = cloud
        .coords()
        .chunks_exact(cloud.dim())
        .flat_map(|point| point.iter().zip(centre).map(|(v, c)| (v - c) as f32))
        .collect();
    bytemuck::cast_slice(&values).to_vec()
}

/// The rows of `view` as a cloud.
fn view_cloud(view: ArrayView2<f64>) -> PointCloud {
    PointCloud::from_flat(view.ncols(), view.iter().copied().collect())
}

impl crate::ot::CloudKernels for WideGpu {
    fn velocity(
        &self,
        x: &PointCloud,
        y: &PointCloud,
        params: &SinkhornParams,
    ) -> Result<PointCloud, OtError> {
        self.cloud_velocity(x, y, params)
    }

    fn name(&self) -> String {
        WideGpu::name(self)
    }
}
