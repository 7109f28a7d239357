//! The GPU buffers of the Sinkhorn backend, kept across calls and across Euler steps: a buffer
//! is reallocated only when a call needs more room than it has, so a flow of T steps at a fixed
//! size allocates once and afterwards uploads only the particle positions (and the small
//! parameter table when the ε-schedule changes).
//!
//! Why each buffer exists:
//! - `source`, `target`: the two clouds, recentred, `vec2<f32>` or d `f32`s a point (COPY_DST:
//!   written with `Queue::write_buffer`; the target is rewritten only when it changes).
//! - `pot_xy_f[2]`, `pot_xy_g[2]`: f (on the source) and g (on the target) of the (x,y) problem,
//!   ping-pong pairs; they also hold the warm start between calls.
//! - `pot_xx[2]`, `pot_yy[2]`: the single potential of each symmetric problem (x,x) and (y,y):
//!   with equal clouds and weights GeomLoss's f and g coincide, so one is enough.
//! - `ext_source`, `ext_target`: the extrapolated potentials at the final ε, the ones GeomLoss
//!   returns; COPY_SRC so the divergence can read them back.
//! - `disp_xy`, `disp_xx`: barycentric displacements `P(x_i) − x_i` (d coordinates each);
//!   COPY_SRC for read-back.
//! - `params`: one uniform slot per dispatch (see `kernels.rs`).
//! - `change`: warm start, one u32 per warm iteration (largest change, as f32 bits); cleared
//!   at the start of each call, COPY_SRC so its slots are read back with the results.
//! - `staging`: MAP_READ | COPY_DST. Storage buffers cannot be mapped, so results are copied
//!   here at the end of the single submission and mapped once per call.

/// One buffer that grows on demand.
pub(crate) struct GrowingBuffer {
    label: &'static str,
    usage: wgpu::BufferUsages,
    buffer: wgpu::Buffer,
    /// Bumped on every reallocation, so cached uploads know they must redo their copy.
    generation: u64,
}

/// The smallest allocation (and the granularity of every size).
const MIN_BYTES: u64 = 16;

impl GrowingBuffer {
    /// A minimal buffer; it grows on [`GrowingBuffer::ensure`].
    pub(crate) fn new(
        device: &wgpu::Device,
        label: &'static str,
        usage: wgpu::BufferUsages,
    ) -> Self {
        Self {
            label,
            usage,
            buffer: Self::allocate(device, label, usage, MIN_BYTES),
            generation: 0,
        }
    }

    fn allocate(
        device: &wgpu::Device,
        label: &'static str,
        usage: wgpu::BufferUsages,
        bytes: u64,
    ) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage,
            mapped_at_creation: false,
        })
    }

    /// Makes the buffer hold at least `bytes` bytes, reallocating (contents lost) only when it
    /// is too small. Returns true when it reallocated.
    pub(crate) fn ensure(&mut self, device: &wgpu::Device, bytes: u64) -> bool {
        let bytes = bytes.max(MIN_BYTES).next_multiple_of(MIN_BYTES);
        if self.buffer.size() >= bytes {
            return false;
        }
        self.buffer = Self::allocate(device, self.label, self.usage, bytes);
        self.generation += 1;
        true
    }

    /// The buffer.
    pub(crate) fn get(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// How many times the buffer was reallocated.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }
}

/// All the buffers of one backend.
pub(crate) struct SolverBuffers {
    /// Source cloud (rows of the (x,y) problem).
    pub source: GrowingBuffer,
    /// Target cloud.
    pub target: GrowingBuffer,
    /// f of the (x,y) problem, ping-pong.
    pub pot_xy_f: [GrowingBuffer; 2],
    /// g of the (x,y) problem, ping-pong.
    pub pot_xy_g: [GrowingBuffer; 2],
    /// Potential of the (x,x) problem, ping-pong.
    pub pot_xx: [GrowingBuffer; 2],
    /// Potential of the (y,y) problem, ping-pong.
    pub pot_yy: [GrowingBuffer; 2],
    /// Extrapolated potentials on the source side (f_xy, then f_xx for the divergence).
    pub ext_source: [GrowingBuffer; 2],
    /// Extrapolated potentials on the target side (g_xy, then g_yy).
    pub ext_target: [GrowingBuffer; 2],
    /// Displacements of the (x,y) projection.
    pub disp_xy: GrowingBuffer,
    /// Displacements of the (x,x) projection.
    pub disp_xx: GrowingBuffer,
    /// Per-dispatch parameter slots.
    pub params: GrowingBuffer,
    /// Warm-start change slots.
    pub change: GrowingBuffer,
    /// Read-back staging buffer.
    pub staging: GrowingBuffer,
}

impl SolverBuffers {
    /// Minimal buffers, grown by [`SolverBuffers::ensure`].
    pub(crate) fn new(device: &wgpu::Device) -> Self {
        use wgpu::BufferUsages as U;
        let storage = U::STORAGE | U::COPY_DST | U::COPY_SRC;
        let one = |label| GrowingBuffer::new(device, label, storage);
        let pair = |label| [one(label), one(label)];
        Self {
            source: one("source points"),
            target: one("target points"),
            pot_xy_f: pair("f (x,y)"),
            pot_xy_g: pair("g (x,y)"),
            pot_xx: pair("potential (x,x)"),
            pot_yy: pair("potential (y,y)"),
            ext_source: pair("extrapolated source potential"),
            ext_target: pair("extrapolated target potential"),
            disp_xy: one("displacement (x,y)"),
            disp_xx: one("displacement (x,x)"),
            change: one("warm-start changes"),
            params: GrowingBuffer::new(device, "dispatch parameters", U::UNIFORM | U::COPY_DST),
            staging: GrowingBuffer::new(device, "read-back staging", U::MAP_READ | U::COPY_DST),
        }
    }

    /// Sizes every buffer for `n` source and `m` target points of `dim` coordinates and
    /// `param_bytes` of parameters: O((n + m)·d) bytes, nothing of size n·m. Returns true when
    /// a potential buffer was reallocated (warm start lost).
    pub(crate) fn ensure(
        &mut self,
        device: &wgpu::Device,
        (n, m, dim): (usize, usize, usize),
        param_bytes: u64,
        change_slots: usize,
    ) -> bool {
        let (n, m) = (n as u64, m as u64);
        let (scalar, point) = (4_u64, 4 * dim as u64);
        self.source.ensure(device, n * point);
        self.target.ensure(device, m * point);
        let mut lost = false;
        for buffer in &mut self.pot_xy_f {
            lost |= buffer.ensure(device, n * scalar);
        }
        for buffer in &mut self.pot_xy_g {
            lost |= buffer.ensure(device, m * scalar);
        }
        for buffer in &mut self.pot_xx {
            lost |= buffer.ensure(device, n * scalar);
        }
        for buffer in &mut self.pot_yy {
            buffer.ensure(device, m * scalar);
        }
        for buffer in &mut self.ext_source {
            buffer.ensure(device, n * scalar);
        }
        for buffer in &mut self.ext_target {
            buffer.ensure(device, m * scalar);
        }
        self.disp_xy.ensure(device, n * point);
        self.disp_xx.ensure(device, n * point);
        self.params.ensure(device, param_bytes);
        self.change.ensure(device, change_slots as u64 * scalar);
        self.staging
            .ensure(device, 2 * n.max(m) * point + change_slots as u64 * scalar);
        lost
    }

    /// Bytes of every buffer together.
    pub(crate) fn total_bytes(&self) -> u64 {
        let pairs = [
            &self.pot_xy_f,
            &self.pot_xy_g,
            &self.pot_xx,
            &self.pot_yy,
            &self.ext_source,
            &self.ext_target,
        ];
        let singles = [
            &self.source,
            &self.target,
            &self.disp_xy,
            &self.disp_xx,
            &self.params,
            &self.change,
            &self.staging,
        ];
        pairs
            .into_iter()
            .flatten()
            .chain(singles)
            .map(|buffer| buffer.get().size())
            .sum()
    }

    /// The buffer `which` names.
    pub(crate) fn read_back_source(&self, which: ReadBack) -> &wgpu::Buffer {
        match which {
            ReadBack::DispXy => self.disp_xy.get(),
            ReadBack::DispXx => self.disp_xx.get(),
            ReadBack::ExtSource(k) => self.ext_source[k].get(),
            ReadBack::ExtTarget(k) => self.ext_target[k].get(),
            ReadBack::Change => self.change.get(),
        }
    }
}

/// A buffer whose leading bytes are read back.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ReadBack {
    /// Displacements of the (x, y) projection.
    DispXy,
    /// Displacements of the (x, x) projection.
    DispXx,
    /// Extrapolated source-side potential k.
    ExtSource(usize),
    /// Extrapolated target-side potential k.
    ExtTarget(usize),
    /// Warm-start change slots.
    Change,
}
