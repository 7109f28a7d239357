//! A recorded GPU Sinkhorn solve: the list of dispatches (which kernel, which buffers, which
//! parameters) for whole ε-schedules, built on the host first, then uploaded as one parameter
//! table and recorded into ONE compute pass, so a velocity evaluation is one submission with one
//! read-back at the end.

use super::buffers::{ReadBack, SolverBuffers};
use super::context::{GpuContext, PendingRead};
use super::kernels::{DispatchParams, Entry, SinkhornKernels};
use crate::ot::{GpuError, OtError};

/// One side of one OT problem: whose rows, against which columns, with which potentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// f of (x, y): rows = source, columns = target.
    XyF,
    /// g of (x, y): rows = target, columns = source.
    XyG,
    /// The potential of (x, x).
    Xx,
    /// The potential of (y, y).
    Yy,
}

impl Side {
    /// The sides updated together in one iteration of `side`'s problem.
    fn problem(self) -> &'static [Side] {
        match self {
            Side::XyF | Side::XyG => &[Side::XyF, Side::XyG],
            Side::Xx => &[Side::Xx],
            Side::Yy => &[Side::Yy],
        }
    }

    /// Whether the rows are the source cloud.
    fn rows_are_source(self) -> bool {
        matches!(self, Side::XyF | Side::Xx)
    }

    /// Whether the columns are the source cloud.
    fn cols_are_source(self) -> bool {
        matches!(self, Side::XyG | Side::Xx)
    }
}

/// Where a dispatch writes its row potential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    /// The other buffer of the ping-pong pair: reads parity `p`, writes `1 − p`.
    Next,
    /// The extrapolation buffer `ext_source[k]` or `ext_target[k]` (by the rows' cloud).
    Extrapolated(usize),
}

/// The buffers one bind group points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GroupKey {
    side: Side,
    parity: usize,
    write: Write,
}

/// One dispatch.
struct Step {
    entry: Entry,
    group: usize,
    params: DispatchParams,
}

/// Dispatches of one submission, with the bind groups they use.
pub(crate) struct Plan {
    keys: Vec<GroupKey>,
    steps: Vec<Step>,
    /// Number of source points n.
    n: usize,
    /// Number of target points m.
    m: usize,
    /// Coordinates per point.
    dim: usize,
    /// Softmin terms (rows × columns) over the dispatches that do work.
    pub softmin_terms: u64,
    /// Warm-start change slots used so far.
    pub change_slots: usize,
    /// Truncated: dispatches at ε below this read only the kept column tiles.
    truncate_below: f64,
}

impl Plan {
    /// An empty plan for `n` source and `m` target points of `dim` coordinates.
    pub(crate) fn new(n: usize, m: usize, dim: usize) -> Self {
        Self {
            keys: Vec::new(),
            steps: Vec::new(),
            n,
            m,
            dim,
            softmin_terms: 0,
            change_slots: 0,
            truncate_below: 0.0,
        }
    }

    /// The same plan on truncated kernels: the clouds are sorted along a Hilbert curve and
    /// their union has diameter `diameter`; a dispatch truncates where some term could be
    /// negligible at all (½ diameter² / ε above 30 bits, as on the CPU).
    pub(crate) fn truncated(mut self, diameter: f64) -> Self {
        if self.n.max(self.m) <= super::kernels::MAX_TRUNCATED_COLUMNS {
            self.truncate_below =
                0.5 * diameter * diameter * std::f64::consts::LOG2_E / crate::ot::TRUNCATION_BITS;
        }
        self
    }

    /// Number of dispatches (one parameter slot each).
    pub(crate) fn len(&self) -> usize {
        self.steps.len()
    }

    fn rows_cols(&self, side: Side) -> (usize, usize) {
        let pick = |source| if source { self.n } else { self.m };
        (pick(side.rows_are_source()), pick(side.cols_are_source()))
    }

    fn push(&mut self, entry: Entry, key: GroupKey, mut params: DispatchParams) {
        params.truncate = u32::from(f64::from(params.eps) < self.truncate_below);
        params.dim = self.dim as u32;
        let group = match self.keys.iter().position(|k| *k == key) {
            Some(index) => index,
            None => {
                self.keys.push(key);
                self.keys.len() - 1
            }
        };
        self.steps.push(Step {
            entry,
            group,
            params,
        });
    }

    /// GeomLoss's loop for `side`'s problem: initialisation at `schedule[0]` (written into
    /// parity 0), then one averaged update per entry. Returns the parity holding the result.
    pub(crate) fn anneal(&mut self, side: Side, schedule: &[f64]) -> usize {
        let eps0 = schedule.first().copied().unwrap_or(1.0);
        for &s in side.problem() {
            let (rows, cols) = self.rows_cols(s);
            let key = GroupKey {
                side: s,
                parity: 1,
                write: Write::Next,
            };
            self.push(
                Entry::Softmin,
                key,
                DispatchParams::new(eps0, rows, cols, false, false),
            );
            self.softmin_terms += (rows * cols) as u64;
        }
        self.anneal_tail(side, schedule, 0)
    }

    /// One averaged update per entry of `schedule` for `side`'s problem, starting from the
    /// potentials in `start_parity` (after the initialisation, or the previous call's left in
    /// the buffers: the warm annealing tail). Returns the parity holding the result.
    pub(crate) fn anneal_tail(
        &mut self,
        side: Side,
        schedule: &[f64],
        start_parity: usize,
    ) -> usize {
        let mut parity = start_parity;
        for &eps in schedule {
            for &s in side.problem() {
                let (rows, cols) = self.rows_cols(s);
                let key = GroupKey {
                    side: s,
                    parity,
                    write: Write::Next,
                };
                self.push(
                    Entry::Softmin,
                    key,
                    DispatchParams::new(eps, rows, cols, true, true),
                );
                self.softmin_terms += (rows * cols) as u64;
            }
            parity ^= 1;
        }
        parity
    }

    /// Up to `max_iterations` averaged updates at the fixed `eps` from the potentials in
    /// `parity`, stopping (on the GPU) after the first whose largest change is at most
    /// `threshold`. Returns the parity holding the result and the first change slot; the host
    /// counts the iterations that ran from the slots read back. Terms are not counted here.
    pub(crate) fn refine(
        &mut self,
        side: Side,
        eps: f64,
        start_parity: usize,
        threshold: f64,
        max_iterations: usize,
    ) -> (usize, usize) {
        let first_slot = self.change_slots;
        let mut parity = start_parity;
        for iteration in 0..max_iterations {
            let slot = first_slot + iteration;
            for &s in side.problem() {
                let (rows, cols) = self.rows_cols(s);
                let key = GroupKey {
                    side: s,
                    parity,
                    write: Write::Next,
                };
                let params = DispatchParams::new(eps, rows, cols, true, true)
                    .tracked(threshold, first_slot, slot);
                self.push(Entry::Softmin, key, params);
            }
            parity ^= 1;
        }
        self.change_slots += max_iterations;
        (parity, first_slot)
    }

    /// The undamped update of `side` at `eps` from the potentials in `parity` into extrapolation
    /// buffer `ext`; with `project`, also the barycentric displacements of its rows.
    pub(crate) fn finish(
        &mut self,
        side: Side,
        eps: f64,
        parity: usize,
        ext: usize,
        project: bool,
    ) {
        let (rows, cols) = self.rows_cols(side);
        let key = GroupKey {
            side,
            parity,
            write: Write::Extrapolated(ext),
        };
        let entry = if project {
            Entry::Project
        } else {
            Entry::Softmin
        };
        self.push(
            entry,
            key,
            DispatchParams::new(eps, rows, cols, true, false),
        );
        self.softmin_terms += (rows * cols) as u64;
    }

    /// The parameter table: one `stride`-byte slot per dispatch.
    pub(crate) fn params_bytes(&self, stride: u64) -> Vec<u8> {
        let stride = stride as usize;
        let mut bytes = vec![0_u8; self.steps.len() * stride];
        for (slot, step) in bytes.chunks_exact_mut(stride).zip(&self.steps) {
            let params = bytemuck::bytes_of(&step.params);
            slot[..params.len()].copy_from_slice(params);
        }
        bytes
    }

    /// Records every dispatch into one compute pass of `encoder`. The parameter table must be
    /// uploaded into `buffers.params` before the submission.
    pub(crate) fn record(
        &self,
        device: &wgpu::Device,
        kernels: &SinkhornKernels,
        buffers: &SolverBuffers,
        encoder: &mut wgpu::CommandEncoder,
    ) -> Result<(), OtError> {
        let groups: Vec<wgpu::BindGroup> = self
            .keys
            .iter()
            .map(|key| bind_group(device, kernels, buffers, *key))
            .collect();
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("sinkhorn schedule"),
            timestamp_writes: None,
        });
        let mut current: Option<Entry> = None;
        for (index, step) in self.steps.iter().enumerate() {
            if current != Some(step.entry) {
                pass.set_pipeline(kernels.pipeline(step.entry));
                current = Some(step.entry);
            }
            let offset = index as u64 * kernels.params_stride;
            let offset = u32::try_from(offset).map_err(|_| {
                OtError::from(GpuError::BeyondLimits(format!(
                    "the ε-schedule needs {} dispatches, too many for one parameter buffer",
                    self.steps.len()
                )))
            })?;
            pass.set_bind_group(0, &groups[step.group], &[offset]);
            let (x, y, z) = kernels.dispatch_size(step.entry, &step.params)?;
            pass.dispatch_workgroups(x, y, z);
        }
        Ok(())
    }

    /// Records the plan and `copies` (buffer, leading bytes) into one submission, inside error
    /// scopes, and starts reading the copied bytes back (in order). The clouds and the
    /// parameter table must already be uploaded into `buffers`.
    pub(crate) fn submit(
        &self,
        context: &GpuContext,
        kernels: &SinkhornKernels,
        buffers: &SolverBuffers,
        copies: &[(ReadBack, u64)],
    ) -> Result<PendingRead, OtError> {
        let total: u64 = copies.iter().map(|(_, bytes)| bytes).sum();
        context.scoped("running the Sinkhorn kernels", || {
            let mut encoder =
                context
                    .device
                    .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                        label: Some("sinkhorn solve"),
                    });
            if self.change_slots > 0 {
                encoder.clear_buffer(buffers.change.get(), 0, None);
            }
            self.record(&context.device, kernels, buffers, &mut encoder)?;
            let mut offset = 0;
            for &(which, bytes) in copies {
                let from = buffers.read_back_source(which);
                encoder.copy_buffer_to_buffer(from, 0, buffers.staging.get(), offset, bytes);
                offset += bytes;
            }
            context.queue.submit([encoder.finish()]);
            Ok::<(), OtError>(())
        })??;
        Ok(PendingRead::start(buffers.staging.get(), total.max(4)))
    }
}

/// The bind group of `key` (see `kernels.rs` for the bindings).
fn bind_group(
    device: &wgpu::Device,
    kernels: &SinkhornKernels,
    buffers: &SolverBuffers,
    key: GroupKey,
) -> wgpu::BindGroup {
    let GroupKey {
        side,
        parity,
        write,
    } = key;
    let cloud = |source: bool| {
        if source {
            buffers.source.get()
        } else {
            buffers.target.get()
        }
    };
    let (own, other) = match side {
        Side::XyF => (&buffers.pot_xy_f, &buffers.pot_xy_g),
        Side::XyG => (&buffers.pot_xy_g, &buffers.pot_xy_f),
        Side::Xx => (&buffers.pot_xx, &buffers.pot_xx),
        Side::Yy => (&buffers.pot_yy, &buffers.pot_yy),
    };
    let new = match write {
        Write::Next => own[1 - parity].get(),
        Write::Extrapolated(k) if side.rows_are_source() => buffers.ext_source[k].get(),
        Write::Extrapolated(k) => buffers.ext_target[k].get(),
    };
    let projection = match side {
        Side::Xx | Side::Yy => buffers.disp_xx.get(),
        Side::XyF | Side::XyG => buffers.disp_xy.get(),
    };
    let params = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
        buffer: buffers.params.get(),
        offset: 0,
        size: wgpu::BufferSize::new(size_of::<DispatchParams>() as u64),
    });
    let entries = [
        params,
        cloud(side.rows_are_source()).as_entire_binding(),
        cloud(side.cols_are_source()).as_entire_binding(),
        other[parity].get().as_entire_binding(),
        own[parity].get().as_entire_binding(),
        new.as_entire_binding(),
        projection.as_entire_binding(),
        buffers.change.get().as_entire_binding(),
    ];
    let entries: Vec<wgpu::BindGroupEntry> = entries
        .into_iter()
        .enumerate()
        .map(|(binding, resource)| wgpu::BindGroupEntry {
            binding: binding as u32,
            resource,
        })
        .collect();
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("sinkhorn bind group"),
        layout: &kernels.layout,
        entries: &entries,
    })
}
