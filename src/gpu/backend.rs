//! [`GpuBackend`]: the Sinkhorn-flow velocity and the Sinkhorn divergence on a wgpu device, the
//! same algorithm as the CPU backend (GeomLoss 0.3.1) in f32.

mod pending;

pub use pending::PendingVelocity;
use pending::Submission;

use super::buffers::{ReadBack, SolverBuffers};
use super::context::{GpuContext, PendingRead};
use super::kernels::{DEFAULT_ROWS_PER_WORKGROUP, SinkhornKernels, check_rows_per_workgroup};
use super::plan::{Plan, Side};
use crate::Point;
use crate::ot::blocks::{hilbert_order, to_original, to_sorted};
use crate::ot::schedule::annealing_tail;
use crate::ot::validate::{check_finite_points, check_finite_value, check_inputs, check_magnitude};
use crate::ot::{
    GpuError, OtError, SinkhornParams, SolveStats, Truncation, VelocityBackend, VelocityMode,
    WarmStartConfig, epsilon_schedule, finite_bounding_box, max_diameter,
};

/// Bytes of one point on the GPU (`vec2<f32>`).
const POINT_BYTES: u64 = 8;

/// The GPU Sinkhorn backend: WGSL compute shaders through wgpu, f32 arithmetic.
///
/// Each velocity call is one submission (both ε-schedules, both projections) and one read-back.
/// Buffers persist across calls; an unchanged target is not uploaded again. It solves in the
/// annealed mode (the default), in [`VelocityMode::Refined`]: a call with the same sizes and
/// parameters as the previous one starts both problems from the previous potentials at
/// ε = blur² and stops after the first update whose largest change is at most `tolerance · ε`
/// ([`crate::ot::WarmStartConfig`]); if that takes more than `max_iterations`, the problem is
/// solved again with the full schedule (as on the CPU); or in [`VelocityMode::WarmAnnealed`]:
/// such a call runs only the schedule's tail from (restart · blur)², from the previous
/// potentials (as on the CPU). The converged mode runs on the CPU only.
///
/// Truncated kernels (`set_truncation`, off by default here): the host sorts both clouds along
/// a Hilbert curve before the upload, and each workgroup of rows reads only the tiles of 256
/// columns that the bound of `ot::softmin` keeps (recomputed on the GPU at every ε). Softmin
/// terms are counted as if dense. Warm start does not carry across truncated calls.
///
/// Tuning knob for benchmarks: [`GpuBackend::with_rows_per_workgroup`] (8 … 256, a divisor of
/// 256; default 32; `nsgf bench --gpu-rows-per-group`) sets how many rows one 256-thread
/// workgroup owns.
pub struct GpuBackend {
    context: GpuContext,
    kernels: SinkhornKernels,
    buffers: SolverBuffers,
    /// The target cloud as last uploaded (in the original frame) and the buffer generation it
    /// went into: an unchanged target is not uploaded again.
    uploaded_target: Option<(Vec<Point>, u64)>,
    /// The parameter table as last uploaded and the buffer generation it went into.
    uploaded_params: Option<(Vec<u8>, u64)>,
    /// Annealed, [`VelocityMode::Refined`] or [`VelocityMode::WarmAnnealed`] (the
    /// warm-started modes the GPU solves).
    mode: VelocityMode,
    /// The warm-started modes' state of the last call.
    kept: Option<GpuWarmState>,
    last_stats: SolveStats,
    truncation: Truncation,
}

/// What the potential buffers hold after a velocity call, for the next warm start.
#[derive(Debug, Clone, Copy, PartialEq)]
struct GpuWarmState {
    params: SinkhornParams,
    n: usize,
    m: usize,
    /// Parity of the (x, y) potentials' buffers holding the result.
    parity_xy: usize,
    /// Parity of the (x, x) potential's buffers holding the result.
    parity_xx: usize,
    /// Generation of the first potential buffer when they were written (a reallocation
    /// invalidates them).
    generation: u64,
}

/// How one problem of a velocity call is solved.
#[derive(Debug, Clone, Copy)]
enum Solve {
    /// The full ε-schedule.
    Cold,
    /// Warm iterations from the potentials in this parity.
    Warm(usize),
    /// Already solved (converged warm start): only project from this parity.
    Solved(usize),
    /// The schedule's entries at or below (`restart` · blur)² from the potentials in this
    /// parity ([`VelocityMode::WarmAnnealed`]).
    Tail {
        /// The parity holding the previous call's potentials.
        parity: usize,
        /// Where the tail starts, in blurs.
        restart: f64,
    },
}

impl GpuBackend {
    /// Creates its own wgpu instance, adapter and device (blocking). Fails with
    /// [`OtError::Gpu`] when no adapter exists.
    pub(crate) fn new_blocking() -> Result<Self, OtError> {
        Self::with_context(GpuContext::new_blocking()?)
    }

    /// Runs on an existing device, e.g. the one eframe renders with, so the app shares it.
    pub fn from_device(
        device: wgpu::Device,
        queue: wgpu::Queue,
        adapter_name: String,
    ) -> Result<Self, OtError> {
        Self::with_context(GpuContext::from_device(device, queue, adapter_name))
    }

    fn with_context(context: GpuContext) -> Result<Self, OtError> {
        let (kernels, buffers) = context.scoped("compiling the Sinkhorn kernels", || {
            (
                SinkhornKernels::new(&context.device, DEFAULT_ROWS_PER_WORKGROUP),
                SolverBuffers::new(&context.device),
            )
        })?;
        Ok(Self {
            context,
            kernels,
            buffers,
            uploaded_target: None,
            uploaded_params: None,
            mode: VelocityMode::Annealed,
            kept: None,
            last_stats: SolveStats::default(),
            // Off until measured where it pays on real GPUs: on software adapters (llvmpipe)
            // a truncated call at 1500 points took ×1.1 the dense time (6 tiles of columns).
            truncation: Truncation::Off,
        })
    }

    /// The same backend with its 2D kernels compiled for `rows` rows per 256-thread workgroup
    /// (8, 16, 32, 64, 128 or 256; the default is [`DEFAULT_ROWS_PER_WORKGROUP`]): a tuning
    /// knob for benchmarks on new hardware, an error naming any other value.
    pub fn with_rows_per_workgroup(mut self, rows: u32) -> Result<Self, OtError> {
        let rows = check_rows_per_workgroup(rows)?;
        self.kernels = self.context.scoped("compiling the Sinkhorn kernels", || {
            SinkhornKernels::new(&self.context.device, rows)
        })?;
        Ok(self)
    }

    /// The refined mode's stopping rule (the default rule in the annealed mode, where it only
    /// sizes buffers).
    fn warm_config(&self) -> WarmStartConfig {
        match self.mode {
            VelocityMode::Refined(config) => config,
            _ => WarmStartConfig::default(),
        }
    }

    /// The adapter's name.
    pub fn adapter_name(&self) -> &str {
        &self.context.adapter_name
    }

    /// Whether the adapter is a software rasterizer (slower than the CPU backend); unknown, and
    /// so false, for a device handed over by [`GpuBackend::from_device`].
    pub fn is_software(&self) -> bool {
        self.context.software
    }

    /// Fails with [`OtError::Gpu`] when `n` source and `m` target points (and `dispatches`
    /// parameter slots) do not fit the device's buffer and dispatch limits.
    fn check_size(&self, n: usize, m: usize, dispatches: usize) -> Result<(), OtError> {
        // The staging buffer holds both displacement sets and the warm-start slots.
        let warm_slots = 4 * self.warm_config().max_iterations as u64 * 2;
        self.kernels.check_fits(
            &self.context.device,
            &self.context.adapter_name,
            (n, m),
            POINT_BYTES,
            warm_slots,
            dispatches,
        )
    }

    /// Uploads the clouds (the target only when it changed) and the parameter table (only when
    /// it changed), recentred on the middle of the target's bounding box: the cost is
    /// translation invariant, and the target stays put along a flow, so its upload is reused.
    fn upload(&mut self, source: &[Point], target: &[Point], plan: &Plan) -> Result<(), OtError> {
        let centre = box_centre(target);
        let target_generation = self.buffers.target.generation();
        let target_current = self
            .uploaded_target
            .as_ref()
            .is_some_and(|(t, g)| *g == target_generation && t.as_slice() == target);
        let params = plan.params_bytes(self.kernels.params_stride);
        let params_generation = self.buffers.params.generation();
        let params_current = self
            .uploaded_params
            .as_ref()
            .is_some_and(|(p, g)| *g == params_generation && *p == params);
        // Inside error scopes: on a device lost since the buffers were (re)allocated, a write
        // is an error to fall back on, not a panic.
        let (queue, buffers) = (&self.context.queue, &self.buffers);
        self.context.scoped("uploading the clouds", || {
            queue.write_buffer(buffers.source.get(), 0, &to_f32_bytes(source, centre));
            if !target_current {
                queue.write_buffer(buffers.target.get(), 0, &to_f32_bytes(target, centre));
            }
            if !params_current {
                queue.write_buffer(buffers.params.get(), 0, &params);
            }
        })?;
        if !target_current {
            self.uploaded_target = Some((target.to_vec(), target_generation));
        }
        if !params_current {
            self.uploaded_params = Some((params, params_generation));
        }
        Ok(())
    }

    /// Sizes the buffers, uploads, records `plan` and `copies` (source buffer selector, bytes)
    /// into one submission, and starts reading the copied bytes back (in order).
    fn submit(
        &mut self,
        source: &[Point],
        target: &[Point],
        plan: &Plan,
        copies: &[(ReadBack, u64)],
    ) -> Result<PendingRead, OtError> {
        let (n, m) = (source.len(), target.len());
        let params_bytes = plan.params_bytes(self.kernels.params_stride).len() as u64;
        let context = &self.context;
        let buffers = &mut self.buffers;
        let reallocated = context.scoped("allocating GPU buffers", || {
            buffers.ensure(&context.device, (n, m, 2), params_bytes, plan.change_slots)
        })?;
        if reallocated {
            self.kept = None;
        }
        self.upload(source, target, plan)?;
        plan.submit(&self.context, &self.kernels, &self.buffers, copies)
    }

    /// Submits one velocity solve; `solve_xy` / `solve_xx` say cold or warm. With `truncated`,
    /// the clouds must be sorted along a Hilbert curve; every dispatch at small enough ε reads
    /// only the column tiles the shader's bound keeps.
    fn submit_velocity(
        &mut self,
        source: &[Point],
        target: &[Point],
        params: &SinkhornParams,
        solve_xy: Solve,
        solve_xx: Solve,
        truncated: bool,
    ) -> Result<Submission, OtError> {
        let (n, m) = (source.len(), target.len());
        let eps = params.blur * params.blur;
        let threshold = self.warm_config().tolerance * eps;
        let max_warm = self.warm_config().max_iterations.max(1);
        let mut plan = Plan::new(n, m, 2);
        if truncated {
            plan = plan.truncated(max_diameter(source, target));
        }
        let mut iterations = 0;
        let mut warm_slots = Vec::new();
        let mut parities = [0; 2];
        for (k, (side, solve, diameter)) in [
            (Side::XyF, solve_xy, max_diameter(source, target)),
            (Side::Xx, solve_xx, max_diameter(source, &[])),
        ]
        .into_iter()
        .enumerate()
        {
            let parity = match solve {
                Solve::Cold => {
                    let schedule = epsilon_schedule(diameter, params)?;
                    iterations += schedule.len();
                    plan.anneal(side, &schedule)
                }
                Solve::Warm(start) => {
                    let (parity, first) = plan.refine(side, eps, start, threshold, max_warm);
                    warm_slots.push((k, first));
                    parity
                }
                Solve::Solved(parity) => parity,
                Solve::Tail { parity, restart } => {
                    let tail = annealing_tail(diameter, params, restart)?;
                    iterations += tail.len();
                    plan.anneal_tail(side, &tail, parity)
                }
            };
            parities[k] = parity;
            plan.finish(side, eps, parity, 0, true);
        }
        self.check_size(n, m, plan.len())?;
        let disp_bytes = n as u64 * POINT_BYTES;
        let mut copies = vec![
            (ReadBack::DispXy, disp_bytes),
            (ReadBack::DispXx, disp_bytes),
        ];
        if plan.change_slots > 0 {
            copies.push((ReadBack::Change, plan.change_slots as u64 * 4));
        }
        let read = self.submit(source, target, &plan, &copies)?;
        Ok(Submission {
            read,
            n,
            m,
            iterations,
            softmin_terms: plan.softmin_terms,
            parities,
            warm_slots,
            threshold,
            max_warm,
        })
    }

    /// Starts a velocity call (the same checks and algorithm as [`VelocityBackend::velocity`])
    /// and returns without waiting for the GPU: [`GpuBackend::poll_velocity`] collects the
    /// result. This is how the browser computes, where waiting would block the page. Until the
    /// result is collected, no other call may use this backend.
    pub fn start_velocity(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<PendingVelocity, OtError> {
        check_inputs(particles, target, params)?;
        check_magnitude(particles, target, crate::ot::Precision::F32)?;
        let (n, m) = (particles.len(), target.len());
        self.check_size(n, m, 0)?;
        // Truncated kernels read the clouds sorted along a Hilbert curve (sorted here, on the
        // host, since the points come from the host at every call). The order changes as the
        // particles move, so the potentials on the GPU cannot start the next call.
        let truncated = self.truncation.applies(n, m);
        let (particles, target, order) = if truncated {
            let (lo, hi) = finite_bounding_box([particles, target]).unwrap_or(([0.0; 2], [0.0; 2]));
            let (x_order, y_order) = (
                hilbert_order(particles, lo, hi),
                hilbert_order(target, lo, hi),
            );
            (
                to_sorted(particles, &x_order),
                to_sorted(target, &y_order),
                Some(x_order),
            )
        } else {
            (particles.to_vec(), target.to_vec(), None)
        };
        if truncated {
            self.kept = None;
        }
        let warm = match self.kept.take() {
            Some(state)
                if state.n == n
                    && state.m == m
                    && state.params == *params
                    && state.generation == self.buffers.pot_xy_f[0].generation() =>
            {
                Some(state)
            }
            _ => None,
        };
        let (solve_xy, solve_xx) = match (warm, self.mode) {
            (Some(state), VelocityMode::WarmAnnealed { restart }) => (
                Solve::Tail {
                    parity: state.parity_xy,
                    restart,
                },
                Solve::Tail {
                    parity: state.parity_xx,
                    restart,
                },
            ),
            (Some(state), _) => (Solve::Warm(state.parity_xy), Solve::Warm(state.parity_xx)),
            (None, _) => (Solve::Cold, Solve::Cold),
        };
        let submission =
            self.submit_velocity(&particles, &target, params, solve_xy, solve_xx, truncated)?;
        Ok(PendingVelocity {
            particles,
            target,
            params: *params,
            order,
            truncated,
            submission,
            spent: None,
        })
    }

    /// The velocity of `pending` once the GPU has finished it, `None` while it is still
    /// working; never blocks. A warm problem that did not converge is submitted again from
    /// scratch (as on the CPU), which takes another `None`.
    pub fn poll_velocity(
        &mut self,
        pending: &mut PendingVelocity,
    ) -> Result<Option<Vec<Point>>, OtError> {
        let Some(bytes) = self
            .context
            .try_read(self.buffers.staging.get(), &pending.submission.read)?
        else {
            return Ok(None);
        };
        let mut run = pending.submission.finish(&bytes);
        if let Some(spent) = pending.spent {
            run.iterations += spent.0;
            run.softmin_terms += spent.1;
        } else {
            let redo_xy = matches!(run.warm[0], Some((_, false)));
            let redo_xx = matches!(run.warm[1], Some((_, false)));
            if redo_xy || redo_xx {
                let pick = |redo: bool, parity: usize| {
                    if redo {
                        Solve::Cold
                    } else {
                        Solve::Solved(parity)
                    }
                };
                pending.submission = self.submit_velocity(
                    &pending.particles,
                    &pending.target,
                    &pending.params,
                    pick(redo_xy, run.parities[0]),
                    pick(redo_xx, run.parities[1]),
                    pending.truncated,
                )?;
                pending.spent = Some((run.iterations, run.softmin_terms));
                return Ok(None);
            }
        }
        self.last_stats = SolveStats {
            iterations: run.iterations,
            softmin_terms: run.softmin_terms,
        };
        let keep = matches!(
            self.mode,
            VelocityMode::Refined(_) | VelocityMode::WarmAnnealed { .. }
        ) && !pending.truncated;
        self.kept = keep.then_some(GpuWarmState {
            params: pending.params,
            n: pending.submission.n,
            m: pending.submission.m,
            parity_xy: run.parities[0],
            parity_xx: run.parities[1],
            generation: self.buffers.pot_xy_f[0].generation(),
        });
        let velocity = match &pending.order {
            Some(x_order) => to_original(&run.velocity, x_order),
            None => run.velocity,
        };
        check_finite_points(&velocity, "velocity", crate::ot::Precision::F32)?;
        Ok(Some(velocity))
    }
}

/// The middle of the bounding box of `points` (non-empty).
fn box_centre(points: &[Point]) -> Point {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for p in points {
        for axis in 0..2 {
            lo[axis] = lo[axis].min(p[axis]);
            hi[axis] = hi[axis].max(p[axis]);
        }
    }
    [0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])]
}

/// `points − centre` as little-endian `vec2<f32>` bytes.
fn to_f32_bytes(points: &[Point], centre: Point) -> Vec<u8> {
    let shifted: Vec<[f32; 2]> = points
        .iter()
        .map(|p| [(p[0] - centre[0]) as f32, (p[1] - centre[1]) as f32])
        .collect();
    bytemuck::cast_slice(&shifted).to_vec()
}

impl VelocityBackend for GpuBackend {
    fn name(&self) -> String {
        if self.mode == VelocityMode::Annealed {
            format!("gpu ({})", self.context.adapter_name)
        } else {
            format!("gpu ({}, {})", self.context.adapter_name, self.mode.name())
        }
    }

    fn velocity(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<Vec<Point>, OtError> {
        let mut pending = self.start_velocity(particles, target, params)?;
        // At most two submissions (a warm start that did not converge is redone cold), each
        // finished by one wait.
        for _ in 0..2 {
            self.context.wait()?;
            if let Some(velocity) = self.poll_velocity(&mut pending)? {
                return Ok(velocity);
            }
        }
        Err(GpuError::ReadBackIncomplete {
            adapter: self.context.adapter_name.clone(),
        }
        .into())
    }

    fn divergence(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<f64, OtError> {
        check_inputs(particles, target, params)?;
        check_magnitude(particles, target, crate::ot::Precision::F32)?;
        let (n, m) = (particles.len(), target.len());
        // One schedule, from x ∪ y, for all three problems (GeomLoss's debiased divergence).
        let schedule = epsilon_schedule(max_diameter(particles, target), params)?;
        let eps = params.blur * params.blur;
        let mut plan = Plan::new(n, m, 2);
        let parity = plan.anneal(Side::XyF, &schedule);
        plan.finish(Side::XyF, eps, parity, 0, false);
        plan.finish(Side::XyG, eps, parity, 0, false);
        let parity = plan.anneal(Side::Xx, &schedule);
        plan.finish(Side::Xx, eps, parity, 1, false);
        let parity = plan.anneal(Side::Yy, &schedule);
        plan.finish(Side::Yy, eps, parity, 1, false);
        self.check_size(n, m, plan.len())?;
        let (nb, mb) = (n as u64 * 4, m as u64 * 4);
        let copies = [
            (ReadBack::ExtSource(0), nb),
            (ReadBack::ExtTarget(0), mb),
            (ReadBack::ExtSource(1), nb),
            (ReadBack::ExtTarget(1), mb),
        ];
        // The divergence overwrites the potentials a warm start would reuse.
        self.kept = None;
        let read = self.submit(particles, target, &plan, &copies)?;
        let bytes = self.context.wait_read(self.buffers.staging.get(), &read)?;
        let values: Vec<f64> = bytes
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        let (f_xy, rest) = values.split_at(n);
        let (g_xy, rest) = rest.split_at(m);
        let (f_xx, rest) = rest.split_at(n);
        let g_yy = &rest[..m];
        let mean_diff = |a: &[f64], b: &[f64]| {
            a.iter().zip(b).map(|(p, q)| p - q).sum::<f64>() / a.len() as f64
        };
        check_finite_value(
            mean_diff(f_xy, f_xx) + mean_diff(g_xy, g_yy),
            "Sinkhorn divergence",
            crate::ot::Precision::F32,
        )
    }

    fn reset_warm_start(&mut self) {
        self.kept = None;
    }

    fn last_stats(&self) -> SolveStats {
        self.last_stats
    }

    fn set_truncation(&mut self, truncation: Truncation) -> Result<(), OtError> {
        self.truncation = truncation;
        Ok(())
    }

    fn set_mode(&mut self, mode: VelocityMode) -> Result<(), OtError> {
        match mode {
            VelocityMode::Annealed
            | VelocityMode::Refined(_)
            | VelocityMode::WarmAnnealed { .. } => {
                self.mode = mode;
                self.kept = None;
                Ok(())
            }
            VelocityMode::Converged(_) | VelocityMode::Multiscale { .. } => {
                Err(OtError::Unsupported(format!(
                    "{} solves annealed, refined or as an annealing tail only; the {} mode runs on \
                 the CPU (--backend cpu)",
                    self.name(),
                    mode.name()
                )))
            }
        }
    }

    fn truncation(&self) -> Truncation {
        self.truncation
    }
}
