//! The GPU Sinkhorn backend (WGSL compute shaders through wgpu) and the backend choice.

use crate::ot::cpu::CpuBackend;
use crate::ot::{OtError, Precision, VelocityBackend};

/// Which velocity backend to use (`--backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BackendChoice {
    /// The GPU when an adapter exists, else the CPU.
    #[default]
    Auto,
    /// The CPU backend.
    Cpu,
    /// The GPU backend; an error when no adapter exists.
    Gpu,
}

/// A chosen backend and a one-line note saying which (for stderr or the app's status line).
pub struct SelectedBackend {
    /// The backend.
    pub backend: Box<dyn VelocityBackend>,
    /// E.g. "backend: cpu f32 (no GPU adapter found)".
    pub note: String,
}

/// Picks the backend for `choice` at `precision`.
pub fn select_backend(
    choice: BackendChoice,
    precision: Precision,
) -> Result<SelectedBackend, OtError> {
    match choice {
        BackendChoice::Gpu => Err(OtError::Gpu("the GPU backend is not built yet".into())),
        BackendChoice::Auto | BackendChoice::Cpu => {
            let backend = Box::new(CpuBackend::new(precision));
            let note = format!("backend: {}", backend.name());
            Ok(SelectedBackend { backend, note })
        }
    }
}
