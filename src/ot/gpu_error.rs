//! What can go wrong on a GPU backend ([`GpuError`], inside [`super::OtError::Gpu`]): each
//! failure a variant, the wgpu error below it kept as its source. It lives beside the
//! [`super::VelocityBackend`] trait whose calls return it, below `gpu`, so every layer above can
//! match on it.

/// A GPU failure. Every message starts "GPU backend: " and names the adapter where there is
/// one; the wgpu error, where wgpu gave one, is the [`std::error::Error::source`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum GpuError {
    /// No adapter exists (no GPU, no driver).
    #[error("GPU backend: no GPU adapter found")]
    NoAdapter(#[source] wgpu::RequestAdapterError),
    /// The adapter exists but gave no device.
    #[error("GPU backend: the adapter {adapter} refused a device")]
    DeviceRefused {
        /// The adapter's name.
        adapter: String,
        /// wgpu's reason.
        #[source]
        source: wgpu::RequestDeviceError,
    },
    /// The device was lost, or (for a device nsgf owns) hit an error nobody captured.
    #[error("GPU backend: the device on {adapter} is no longer usable: {reason}")]
    DeviceLost {
        /// The adapter's name.
        adapter: String,
        /// What the driver or wgpu said.
        reason: String,
    },
    /// The device ran out of memory doing `what`.
    #[error("GPU backend: {what} on {adapter}: out of GPU memory: {message}")]
    OutOfMemory {
        /// What was being done ("allocating GPU buffers").
        what: String,
        /// The adapter's name.
        adapter: String,
        /// wgpu's message.
        message: String,
    },
    /// A shader, pipeline or command failed wgpu's validation doing `what`.
    #[error("GPU backend: {what} on {adapter}: validation error: {message}")]
    Validation {
        /// What was being done ("compiling the Sinkhorn kernels").
        what: String,
        /// The adapter's name.
        adapter: String,
        /// wgpu's message (the shader's diagnostics for a shader).
        message: String,
    },
    /// The driver failed internally doing `what`.
    #[error("GPU backend: {what} on {adapter}: internal error: {message}")]
    Internal {
        /// What was being done.
        what: String,
        /// The adapter's name.
        adapter: String,
        /// wgpu's message.
        message: String,
    },
    /// Waiting for or polling the device failed.
    #[error("GPU backend: {what} {adapter}")]
    Poll {
        /// "waiting for" or "polling".
        what: &'static str,
        /// The adapter's name.
        adapter: String,
        /// wgpu's reason (shared: wgpu's poll error cannot be cloned).
        #[source]
        source: std::sync::Arc<wgpu::PollError>,
    },
    /// Mapping the result buffer for reading failed.
    #[error("GPU backend: mapping the result buffer failed")]
    Mapping(#[source] wgpu::BufferAsyncError),
    /// The mapped result buffer could not be read.
    #[error("GPU backend: reading the result buffer failed")]
    MappedRange(#[source] wgpu::MapRangeError),
    /// A read-back that should have finished did not.
    #[error("GPU backend: the read-back on {adapter} never completed")]
    ReadBackIncomplete {
        /// The adapter's name.
        adapter: String,
    },
    /// A lock around GPU state was poisoned by a panic elsewhere.
    #[error("GPU backend: the {0} was poisoned")]
    Poisoned(&'static str),
    /// The problem does not fit the device's limits (buffer sizes, dispatch grid, 32-bit
    /// indices).
    #[error("GPU backend: {0}")]
    BeyondLimits(String),
}

/// Two GPU errors are equal when they are the same failure with the same message (wgpu's
/// errors, kept as sources, are compared by what they say: most cannot be compared otherwise).
impl PartialEq for GpuError {
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && crate::error_text::joined(self) == crate::error_text::joined(other)
    }
}

impl GpuError {
    /// Whether no adapter exists at all (tests skip then; everything else is a failure).
    pub(crate) fn is_no_adapter(&self) -> bool {
        matches!(self, Self::NoAdapter(_))
    }

    /// The message without the "GPU backend: " prefix, the source's text appended (for notes
    /// such as "the GPU failed (…); continuing on the CPU").
    pub(crate) fn reason(&self) -> String {
        let text = crate::error_text::joined(self);
        text.strip_prefix("GPU backend: ")
            .map_or(text.clone(), str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ot::OtError;

    #[test]
    fn a_gpu_error_reads_the_same_inside_ot_error_and_its_reason_drops_the_prefix() {
        let lost = GpuError::DeviceLost {
            adapter: "a test adapter".into(),
            reason: "device lost (Destroyed)".into(),
        };
        let wrapped = OtError::from(lost.clone());
        let text = "GPU backend: the device on a test adapter is no longer usable: device lost \
                    (Destroyed)";
        assert_eq!(crate::error_text::joined(&wrapped), text);
        assert_eq!(wrapped.to_string(), text);
        assert_eq!(
            lost.reason(),
            "the device on a test adapter is no longer usable: device lost (Destroyed)"
        );
        assert!(!lost.is_no_adapter());
        assert_eq!(wrapped, OtError::Gpu(lost));
        assert_ne!(
            OtError::from(GpuError::Poisoned("read-back state")),
            OtError::from(GpuError::Poisoned("d-dimensional GPU buffers"))
        );
    }
}
