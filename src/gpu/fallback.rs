//! A GPU backend that falls back to the CPU: when the GPU fails mid-run (device lost, an
//! out-of-memory buffer request, a cloud beyond the adapter's limits), the call is answered by
//! the CPU backend instead, every later call stays on the CPU, and a notice says what happened.

use super::GpuBackend;
use crate::Point;
use crate::ot::cpu::CpuBackend;
use crate::ot::validate::{f32_accuracy, f32_accuracy_note};
use crate::ot::{
    OtError, Precision, SinkhornParams, SolveStats, Truncation, VelocityBackend, VelocityMode,
};

/// [`GpuBackend`] with a [`CpuBackend`] behind it.
pub struct FallbackBackend {
    gpu: Option<GpuBackend>,
    cpu: CpuBackend,
    /// What happened since the last `take_notice`, oldest first (a call can warn and fail).
    notices: Vec<String>,
    /// The parameters the last f32-accuracy warning was given for.
    warned_for: Option<SinkhornParams>,
}

impl FallbackBackend {
    /// `gpu` first, the CPU at `precision` after a GPU failure.
    pub fn new(gpu: GpuBackend, precision: Precision) -> Self {
        Self {
            gpu: Some(gpu),
            cpu: CpuBackend::new(precision),
            notices: Vec::new(),
            warned_for: None,
        }
    }

    /// Whether calls still go to the GPU.
    pub fn on_gpu(&self) -> bool {
        self.gpu.is_some()
    }

    /// Runs `call` on the GPU while it works; on a GPU error switches to the CPU for good.
    fn run<T>(
        &mut self,
        call: impl Fn(&mut dyn VelocityBackend) -> Result<T, OtError>,
    ) -> Result<T, OtError> {
        if let Some(gpu) = self.gpu.as_mut() {
            match call(gpu) {
                Err(OtError::Gpu(error)) => {
                    self.notices.push(format!(
                        "the GPU backend failed ({}); continuing on the {}",
                        error.reason(),
                        self.cpu.name()
                    ));
                    self.gpu = None;
                }
                result => return result,
            }
        }
        call(&mut self.cpu)
    }
}

impl FallbackBackend {
    /// The GPU computes in f32 only: past f32's accuracy it warns, once per parameter set.
    fn warn_where_f32_is_inaccurate(&mut self, x: &[Point], y: &[Point], params: &SinkhornParams) {
        if self.gpu.is_none() || self.warned_for == Some(*params) {
            return;
        }
        if let Err(ratio) = f32_accuracy(x, y, params) {
            self.warned_for = Some(*params);
            self.notices.push(f32_accuracy_note(
                ratio,
                "the GPU computes in f32 only: use --backend cpu for f64",
            ));
        }
    }
}

impl VelocityBackend for FallbackBackend {
    fn name(&self) -> String {
        match &self.gpu {
            Some(gpu) => gpu.name(),
            None => self.cpu.name(),
        }
    }

    fn velocity(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<Vec<Point>, OtError> {
        self.warn_where_f32_is_inaccurate(particles, target, params);
        self.run(|backend| backend.velocity(particles, target, params))
    }

    fn divergence(
        &mut self,
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
    ) -> Result<f64, OtError> {
        self.warn_where_f32_is_inaccurate(particles, target, params);
        self.run(|backend| backend.divergence(particles, target, params))
    }

    fn reset_warm_start(&mut self) {
        if let Some(gpu) = self.gpu.as_mut() {
            gpu.reset_warm_start();
        }
        self.cpu.reset_warm_start();
    }

    fn last_stats(&self) -> SolveStats {
        match &self.gpu {
            Some(gpu) => gpu.last_stats(),
            None => self.cpu.last_stats(),
        }
    }

    fn take_notice(&mut self) -> Option<String> {
        let mut notices = std::mem::take(&mut self.notices);
        notices.extend(self.cpu.take_notice());
        (!notices.is_empty()).then(|| notices.join("; "))
    }

    fn set_truncation(&mut self, truncation: Truncation) -> Result<(), OtError> {
        self.cpu.set_truncation(truncation)?;
        match &mut self.gpu {
            Some(gpu) => gpu.set_truncation(truncation),
            None => Ok(()),
        }
    }

    fn truncation(&self) -> Truncation {
        match &self.gpu {
            Some(gpu) => gpu.truncation(),
            None => self.cpu.truncation(),
        }
    }

    fn set_mode(&mut self, mode: VelocityMode) -> Result<(), OtError> {
        match &mut self.gpu {
            Some(gpu) => gpu.set_mode(mode),
            None => self.cpu.set_mode(mode),
        }
    }
}
