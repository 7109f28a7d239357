//! The GPU Sinkhorn backend (WGSL compute shaders through wgpu) and the backend choice.
//!
//! Files: `context.rs` (device, errors, read-back), `kernels.rs` (pipelines and the parameter
//! block of `shaders/sinkhorn.wgsl`), `buffers.rs` (persistent buffers), `plan.rs` (a whole
//! ε-schedule as one compute pass), `backend.rs` ([`GpuBackend`]; `backend/pending.rs`, a
//! velocity in flight and its read-back), `fallback.rs` (GPU, then the CPU after a GPU failure).

mod backend;
mod buffers;
mod context;
mod fallback;
mod kernels;
mod plan;
mod wide;

pub use backend::{GpuBackend, PendingVelocity};
pub use context::devices_opened;
pub use fallback::FallbackBackend;
pub use kernels::{DEFAULT_ROWS_PER_WORKGROUP, check_rows_per_workgroup};
pub use wide::WideGpu;

use crate::ot::cpu::CpuBackend;
use crate::ot::{OtError, Precision, VelocityBackend};

/// Which velocity backend to use (`--backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BackendChoice {
    /// A hardware GPU when wgpu finds one, else the CPU (a software adapter is slower than the CPU).
    #[default]
    Auto,
    /// The CPU backend.
    Cpu,
    /// The GPU backend; an error when no adapter exists.
    Gpu,
}

/// Which backend was chosen and why, as data: the CLI prints it whole (`Display`), the app's
/// status line shows [`BackendNote::status_text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendNote {
    /// The backend's name, e.g. "cpu f32", "gpu (NVIDIA H200)".
    pub name: String,
    /// Why this backend, when that is worth saying ("no GPU adapter found").
    pub reason: Option<String>,
    /// What to type for another choice (the CLI's `--backend` hint; the app has no such option).
    pub hint: Option<&'static str>,
}

impl BackendNote {
    /// A note naming `name` with no reason.
    pub fn plain(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            reason: None,
            hint: None,
        }
    }

    /// A note naming `name` because of `reason`.
    pub fn because(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            reason: Some(reason.into()),
            hint: None,
        }
    }

    /// The note for a status line: the name and the reason, without the CLI hint.
    pub fn status_text(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{} ({reason})", self.name),
            None => self.name.clone(),
        }
    }
}

impl std::fmt::Display for BackendNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "backend: {}", self.name)?;
        match (&self.reason, self.hint) {
            (Some(reason), Some(hint)) => write!(f, " ({reason}; {hint})"),
            (Some(reason), None) => write!(f, " ({reason})"),
            (None, Some(hint)) => write!(f, " ({hint})"),
            (None, None) => Ok(()),
        }
    }
}

/// A chosen backend and the note saying which (for stderr or the app's status line).
pub struct SelectedBackend {
    /// The backend.
    pub backend: Box<dyn VelocityBackend>,
    /// E.g. "backend: cpu f32 (no GPU adapter found)".
    pub note: BackendNote,
}

/// Picks the backend for `choice` at `precision`. A chosen GPU backend is wrapped in a
/// [`FallbackBackend`]: should the GPU fail mid-run, the CPU answers and a notice says so.
/// The GPU backend always computes in f32:
/// `Auto` with [`Precision::F64`] picks the CPU, and `Gpu` with `F64` runs in f32 and says so
/// in the note.
pub fn select_backend(
    choice: BackendChoice,
    precision: Precision,
) -> Result<SelectedBackend, OtError> {
    let cpu = |reason: Option<String>, hint: Option<&'static str>| {
        let backend = Box::new(CpuBackend::new(precision));
        let note = BackendNote {
            name: backend.name(),
            reason,
            hint,
        };
        SelectedBackend { backend, note }
    };
    match choice {
        BackendChoice::Cpu => Ok(cpu(None, None)),
        BackendChoice::Gpu => {
            let backend = GpuBackend::new_blocking()?;
            let mut note = BackendNote::plain(backend.name());
            if precision == Precision::F64 {
                note.name.push_str(" in f32 (the GPU backend has no f64)");
            }
            Ok(SelectedBackend {
                backend: Box::new(FallbackBackend::new(backend, precision)),
                note,
            })
        }
        BackendChoice::Auto => {
            if precision == Precision::F64 {
                return Ok(cpu(
                    Some("f64 asked for; the GPU backend computes in f32".into()),
                    None,
                ));
            }
            match GpuBackend::new_blocking() {
                Ok(backend) if backend.is_software() => Ok(cpu(
                    Some(software_reason(backend.adapter_name())),
                    Some("--backend gpu forces it"),
                )),
                Ok(backend) => Ok(shared_gpu(backend, precision)),
                Err(err) => Ok(cpu(Some(gpu_reason(&err)), None)),
            }
        }
    }
}

/// The backend for a device someone else owns (the app's: eframe renders with it), so that no
/// second device is ever opened: the GPU on that device, or the CPU when its adapter is a
/// software renderer (slower than the CPU) or the kernels cannot start on it.
pub fn backend_on_device(
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter: &wgpu::AdapterInfo,
) -> SelectedBackend {
    let cpu = |reason: String| {
        let backend = Box::new(CpuBackend::new(Precision::F32));
        let note = BackendNote::because(backend.name(), reason);
        SelectedBackend { backend, note }
    };
    if adapter.device_type == wgpu::DeviceType::Cpu {
        return cpu(software_reason(&adapter.name));
    }
    match GpuBackend::from_device(device, queue, adapter.name.clone()) {
        Ok(backend) => shared_gpu(backend, Precision::F32),
        Err(err) => cpu(gpu_reason(&err)),
    }
}

/// The GPU backend wrapped so the CPU takes over should it fail.
fn shared_gpu(backend: GpuBackend, precision: Precision) -> SelectedBackend {
    let note = BackendNote::plain(backend.name());
    SelectedBackend {
        backend: Box::new(FallbackBackend::new(backend, precision)),
        note,
    }
}

/// Why a software adapter is passed over.
fn software_reason(adapter_name: &str) -> String {
    format!("the only GPU adapter, {adapter_name}, is a software renderer and slower than the CPU")
}

/// How the "no adapter" error message starts.
const NO_ADAPTER: &str = "no GPU adapter found";

/// The reason inside an [`OtError::Gpu`] (its message without the "GPU backend: " prefix).
fn gpu_reason(err: &OtError) -> String {
    match err {
        OtError::Gpu(error) => error.reason(),
        other => crate::error_text::joined(other),
    }
}

/// Helpers for tests that need a GPU: they skip (return `None` after printing why) when no
/// adapter exists, unless `NSGF_REQUIRE_GPU=1`, in which case they panic (the test fails).
#[doc(hidden)]
pub mod test_support {
    use super::GpuBackend;
    use std::sync::{Mutex, MutexGuard, PoisonError};

    static GPU_TESTS: Mutex<()> = Mutex::new(());

    /// Serialises the GPU tests of one test binary: hold the guard for the whole test. Several
    /// devices used from parallel test threads deadlocked NVIDIA's Vulkan driver on an H200
    /// (every test passed one at a time; compare gfx-rs/wgpu#152), so GPU tests take turns.
    pub fn serial_gpu_test() -> MutexGuard<'static, ()> {
        GPU_TESTS.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `NSGF_REQUIRE_GPU=1` is set.
    pub fn gpu_required() -> bool {
        std::env::var("NSGF_REQUIRE_GPU").is_ok_and(|v| v == "1")
    }

    /// A fresh [`GpuBackend`] on its own device, or `None` (skip) when no adapter exists.
    /// Panics (fails the test) when none exists and `NSGF_REQUIRE_GPU=1`, and whenever an
    /// adapter exists but the backend cannot start on it (that is a bug, not a missing GPU).
    pub fn backend_or_skip() -> Option<GpuBackend> {
        match GpuBackend::new_blocking() {
            Ok(backend) => Some(backend),
            Err(crate::ot::OtError::Gpu(error)) if error.is_no_adapter() => {
                skip_or_fail(&error.reason())
            }
            Err(err) => panic!("a GPU adapter exists but the GPU backend failed: {err}"),
        }
    }

    /// The d-dimensional kernels on their own device, or `None` (skip) when no adapter exists
    /// (a panic when `NSGF_REQUIRE_GPU=1`, and when an adapter exists but they cannot start).
    pub fn wide_or_skip() -> Option<super::WideGpu> {
        match super::WideGpu::new_blocking() {
            Ok(wide) => Some(wide),
            Err(crate::ot::OtError::Gpu(error)) if error.is_no_adapter() => {
                skip_or_fail(&error.reason())
            }
            Err(err) => panic!("a GPU adapter exists but the d-dimensional kernels failed: {err}"),
        }
    }

    /// A device and queue with the adapter's default-sized limits replaced by `limits` (e.g.
    /// tiny buffer limits to test the size checks), plus the adapter's name; `None` (skip) when
    /// no adapter exists, a panic when `NSGF_REQUIRE_GPU=1`.
    pub fn device_with_limits(limits: wgpu::Limits) -> Option<(wgpu::Device, wgpu::Queue, String)> {
        device_on_adapter(|_| limits).map(|(device, queue, info)| (device, queue, info.name))
    }

    /// A device and queue with the adapter's own limits, and the adapter's description, as an
    /// app gets them from its renderer; `None` (skip) when no adapter exists, a panic when
    /// `NSGF_REQUIRE_GPU=1`.
    pub fn device_or_skip() -> Option<(wgpu::Device, wgpu::Queue, wgpu::AdapterInfo)> {
        device_on_adapter(wgpu::Adapter::limits)
    }

    /// A device on the default adapter with the limits `limits` picks for it, and the adapter's
    /// description; `None` (skip) when no adapter exists, a panic when `NSGF_REQUIRE_GPU=1`.
    fn device_on_adapter(
        limits: impl FnOnce(&wgpu::Adapter) -> wgpu::Limits,
    ) -> Option<(wgpu::Device, wgpu::Queue, wgpu::AdapterInfo)> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = match pollster::block_on(
            instance.request_adapter(&wgpu::RequestAdapterOptions::default()),
        ) {
            Ok(adapter) => adapter,
            Err(err) => return skip_or_fail(&format!("{} ({err})", super::NO_ADAPTER)),
        };
        let info = adapter.get_info();
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("test device"),
            required_limits: limits(&adapter),
            ..Default::default()
        };
        match pollster::block_on(adapter.request_device(&descriptor)) {
            Ok((device, queue)) => Some((device, queue, info)),
            Err(err) => skip_or_fail(&format!(
                "the adapter {} refused a device: {err}",
                info.name
            )),
        }
    }

    fn skip_or_fail<T>(reason: &str) -> Option<T> {
        assert!(
            !gpu_required(),
            "NSGF_REQUIRE_GPU=1 but no GPU backend: {reason}"
        );
        eprintln!("SKIPPED: GPU test: {reason}");
        None
    }
}
