//! The wgpu device the GPU backend runs on: creation (own instance, or a device shared with the
//! app), device-loss tracking, error scopes that turn wgpu errors into [`OtError::Gpu`], and the
//! read-back of a staging buffer: blocking on the desktop, or started now and polled later
//! ([`PendingRead`]), which is how the browser reads results without ever blocking.

use std::sync::{Arc, Mutex};

use crate::ot::{GpuError, OtError};

/// A wgpu device and queue plus what the backend needs to report failures instead of panicking.
pub(crate) struct GpuContext {
    /// The device the kernels run on.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// The adapter's name, for messages ("llvmpipe (LLVM 15.0.6, 256 bits)").
    pub adapter_name: String,
    /// Whether the adapter is a software rasterizer (llvmpipe, lavapipe, WARP): correct, but
    /// slower than the CPU backend.
    pub software: bool,
    /// Set by the device-lost callback (and, for a device we own, by uncaptured errors): the
    /// reason the device can no longer be used.
    lost_reason: Arc<Mutex<Option<String>>>,
}

/// Devices this process opened itself (not ones handed over), for the check that the app opens
/// none next to eframe's.
static DEVICES_OPENED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many wgpu devices nsgf has opened itself in this process.
pub fn devices_opened() -> usize {
    DEVICES_OPENED.load(std::sync::atomic::Ordering::Relaxed)
}

impl GpuContext {
    /// Creates an instance, picks the best adapter and requests a device with the adapter's own
    /// limits (so large clouds fit) and no optional features (the kernels need none).
    pub(crate) fn new_blocking() -> Result<Self, OtError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(GpuError::NoAdapter)?;
        let info = adapter.get_info();
        let adapter_name = info.name;
        let software = info.device_type == wgpu::DeviceType::Cpu;
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("nsgf sinkhorn device"),
            required_features: wgpu::Features::empty(),
            required_limits: adapter.limits(),
            ..Default::default()
        };
        DEVICES_OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (device, queue) =
            pollster::block_on(adapter.request_device(&descriptor)).map_err(|source| {
                GpuError::DeviceRefused {
                    adapter: adapter_name.clone(),
                    source,
                }
            })?;
        let mut context = Self::from_device(device, queue, adapter_name);
        context.software = software;
        // We own this device, so nothing else handles its stray errors: record them instead of
        // letting wgpu's default handler panic.
        let lost_reason = Arc::clone(&context.lost_reason);
        context
            .device
            .on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
                if let Ok(mut slot) = lost_reason.lock() {
                    slot.get_or_insert_with(|| format!("uncaptured wgpu error: {error}"));
                }
            }));
        Ok(context)
    }

    /// Wraps an existing device (e.g. the app's eframe device) and watches for its loss.
    pub(crate) fn from_device(
        device: wgpu::Device,
        queue: wgpu::Queue,
        adapter_name: String,
    ) -> Self {
        let lost_reason = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&lost_reason);
        device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut slot) = slot.lock() {
                slot.get_or_insert_with(|| match message.trim() {
                    "" => format!("device lost ({reason:?})"),
                    message => format!("device lost ({reason:?}): {message}"),
                });
            }
        });
        // In the browser, errors cannot be caught by scopes without waiting for the page
        // ([`GpuContext::scoped`]): they are recorded here instead, and the compute falls back.
        #[cfg(target_arch = "wasm32")]
        {
            let slot = Arc::clone(&lost_reason);
            device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
                if let Ok(mut slot) = slot.lock() {
                    slot.get_or_insert_with(|| format!("uncaptured wgpu error: {error}"));
                }
            }));
        }
        Self {
            device,
            queue,
            adapter_name,
            software: false,
            lost_reason,
        }
    }

    /// Fails when the device was lost (or, for a device we own, hit an uncaptured error).
    fn check_alive(&self) -> Result<(), OtError> {
        let reason = self.lost_reason.lock().ok().and_then(|slot| slot.clone());
        match reason {
            Some(reason) => Err(GpuError::DeviceLost {
                adapter: self.adapter_name.clone(),
                reason,
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Runs `work` inside out-of-memory, validation and internal error scopes and turns the
    /// first captured error into [`OtError::Gpu`] naming `what`.
    ///
    /// In the browser an error scope resolves only after control returns to the page, so there
    /// `work` runs unscoped and errors arrive through the uncaptured-error handler that
    /// [`GpuContext::from_device`] installs (reported by the next [`GpuContext::check_alive`]).
    pub(crate) fn scoped<T>(&self, what: &str, work: impl FnOnce() -> T) -> Result<T, OtError> {
        self.check_alive()?;
        if cfg!(target_arch = "wasm32") {
            let _ = what;
            let value = work();
            self.check_alive()?;
            return Ok(value);
        }
        let internal = self.device.push_error_scope(wgpu::ErrorFilter::Internal);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let out_of_memory = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let value = work();
        // Scopes pop in reverse order of their pushes.
        let errors = [
            pollster::block_on(out_of_memory.pop()),
            pollster::block_on(validation.pop()),
            pollster::block_on(internal.pop()),
        ];
        if let Some(error) = errors.into_iter().flatten().next() {
            let (what, adapter, message) = (
                what.to_string(),
                self.adapter_name.clone(),
                error.to_string(),
            );
            return Err(match error {
                wgpu::Error::OutOfMemory { .. } => GpuError::OutOfMemory {
                    what,
                    adapter,
                    message,
                },
                wgpu::Error::Validation { .. } => GpuError::Validation {
                    what,
                    adapter,
                    message,
                },
                wgpu::Error::Internal { .. } => GpuError::Internal {
                    what,
                    adapter,
                    message,
                },
            }
            .into());
        }
        self.check_alive()?;
        Ok(value)
    }

    /// Waits for the GPU and returns the bytes of `pending` (blocking; never in the browser).
    pub(crate) fn wait_read(
        &self,
        staging: &wgpu::Buffer,
        pending: &PendingRead,
    ) -> Result<Vec<u8>, OtError> {
        self.wait()?;
        self.try_read(staging, pending)?.ok_or_else(|| {
            GpuError::ReadBackIncomplete {
                adapter: self.adapter_name.clone(),
            }
            .into()
        })
    }

    /// Blocks until the GPU has finished all submitted work (never in the browser).
    pub(crate) fn wait(&self) -> Result<(), OtError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|source| {
                GpuError::Poll {
                    what: "waiting for",
                    adapter: self.adapter_name.clone(),
                    source: Arc::new(source),
                }
                .into()
            })
    }

    /// The bytes of `pending` if the map has completed (then `staging` is unmapped again),
    /// `None` while the GPU is still working; never blocks. Natively it lets wgpu process
    /// finished work first; in the browser the map completes between animation frames.
    pub(crate) fn try_read(
        &self,
        staging: &wgpu::Buffer,
        pending: &PendingRead,
    ) -> Result<Option<Vec<u8>>, OtError> {
        self.device
            .poll(wgpu::PollType::Poll)
            .map_err(|source| GpuError::Poll {
                what: "polling",
                adapter: self.adapter_name.clone(),
                source: Arc::new(source),
            })?;
        self.check_alive()?;
        let mapped = match pending.slot.lock() {
            Ok(mut slot) => slot.take(),
            Err(_) => return Err(GpuError::Poisoned("read-back state").into()),
        };
        let Some(mapped) = mapped else {
            return Ok(None);
        };
        mapped.map_err(GpuError::Mapping)?;
        let data = {
            let view = staging
                .get_mapped_range(0..pending.bytes)
                .map_err(GpuError::MappedRange)?;
            view.to_vec()
        };
        staging.unmap();
        Ok(Some(data))
    }
}

/// A read-back that was started ([`PendingRead::start`]) and not yet collected.
#[derive(Debug)]
pub(crate) struct PendingRead {
    /// Filled by the map callback with its outcome.
    slot: Arc<Mutex<Option<Result<(), wgpu::BufferAsyncError>>>>,
    /// How many leading bytes were mapped.
    bytes: u64,
}

impl PendingRead {
    /// Starts mapping the first `bytes` bytes of `staging` (whose copy was already submitted)
    /// and returns at once; [`GpuContext::try_read`] collects the bytes once the GPU is done.
    pub(crate) fn start(staging: &wgpu::Buffer, bytes: u64) -> Self {
        let slot = Arc::new(Mutex::new(None));
        let filled = Arc::clone(&slot);
        staging.map_async(wgpu::MapMode::Read, 0..bytes, move |result| {
            if let Ok(mut filled) = filled.lock() {
                *filled = Some(result);
            }
        });
        Self { slot, bytes }
    }
}
