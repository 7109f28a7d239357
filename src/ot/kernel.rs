//! Which compiled version of the CPU softmin kernels runs.
//!
//! The 2D kernels (`ot::softmin`) and the d-dimensional ones (`ot::softmin_nd`) are
//! each compiled three times: for AVX-512, for AVX2 + FMA and for the target's baseline. A
//! [`Kernel`] names one version; the kernels take it as an argument, so the dispatch picks the
//! best one the CPU runs ([`Kernel::best_here`]) while the tests call every version the CPU
//! runs, each against an f64 reference.

use std::sync::atomic::{AtomicBool, Ordering};

/// One compiled version of the CPU softmin kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// x86-64 with AVX-512 (F + VL), AVX2 and FMA: 16 lanes in 2D, tiles of 32 columns in d-D.
    Avx512,
    /// x86-64 with AVX2 and FMA: 8 lanes in 2D, tiles of 16 columns in d-D.
    Avx2Fma,
    /// The target's baseline (SSE2 on x86-64; also the wasm and other builds): 8 lanes, no
    /// fused multiply-adds; the reference the others are measured against.
    Portable,
}

impl Kernel {
    /// Every version, the fastest first.
    pub const ALL: [Self; 3] = [Self::Avx512, Self::Avx2Fma, Self::Portable];

    /// The version's name, as the benchmarks and the CLI print it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Avx512 => "avx512",
            Self::Avx2Fma => "avx2+fma",
            Self::Portable => "portable",
        }
    }

    /// Whether this CPU has the features the version was compiled for.
    pub fn runs_here(self) -> bool {
        match self {
            Self::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2Fma => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 => {
                Self::Avx2Fma.runs_here()
                    && std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(not(target_arch = "x86_64"))]
            Self::Avx2Fma | Self::Avx512 => false,
        }
    }

    /// The fastest version this CPU runs (what the kernels dispatch to).
    pub fn best_here() -> Self {
        Self::ALL
            .into_iter()
            .find(|kernel| kernel.runs_here())
            .unwrap_or(Self::Portable)
    }

    /// The version the kernels called from this thread run now: the portable one where
    /// [`use_portable_kernels`] asked for it (or, in unit tests, the one this thread chose:
    /// `use_kernel_on_this_thread`), else [`Kernel::best_here`].
    pub(crate) fn current() -> Self {
        #[cfg(test)]
        if let Some(kernel) = KERNEL_ON_THIS_THREAD.with(std::cell::Cell::get) {
            return kernel;
        }
        if PORTABLE_ONLY.load(Ordering::Relaxed) {
            return Self::Portable;
        }
        Self::best_here()
    }
}

/// Set by [`use_portable_kernels`]: every softmin runs the portable loop.
static PORTABLE_ONLY: AtomicBool = AtomicBool::new(false);

/// Makes every softmin and projection run the portable loop (`true`) or the version
/// dispatched at run time for this CPU (`false`, the default). For benchmarks: the portable
/// loop is the reference the dispatched ones are measured against.
pub fn use_portable_kernels(portable: bool) {
    PORTABLE_ONLY.store(portable, Ordering::Relaxed);
}

/// The kernel the softmin runs on this CPU now: "avx512", "avx2+fma" or "portable".
pub fn kernel_in_use() -> &'static str {
    Kernel::current().name()
}

#[cfg(test)]
thread_local! {
    /// The unit tests' per-thread choice: testing one version must not switch the kernels of
    /// the tests running beside it.
    static KERNEL_ON_THIS_THREAD: std::cell::Cell<Option<Kernel>> =
        const { std::cell::Cell::new(None) };
}

/// Makes the kernels called from this thread run `kernel` (`None`: the dispatched one); unit
/// tests only. The caller checks [`Kernel::runs_here`] first.
#[cfg(test)]
pub(crate) fn use_kernel_on_this_thread(kernel: Option<Kernel>) {
    KERNEL_ON_THIS_THREAD.with(|cell| cell.set(kernel));
}

/// The versions this CPU runs; prints `SKIPPED: reason` to stderr for each one it lacks (unit
/// tests only). A missing CPU feature is not a fault of the machine the tests run on, so
/// `NSGF_NO_SKIPS` does not turn it into a failure; the dispatched version always runs.
#[cfg(test)]
pub(crate) fn kernels_to_test(test: &str) -> Vec<Kernel> {
    Kernel::ALL
        .into_iter()
        .filter(|kernel| {
            let runs = kernel.runs_here();
            if !runs {
                eprintln!(
                    "SKIPPED: {test}: the {} kernel (this CPU lacks its features)",
                    kernel.name()
                );
            }
            runs
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_kernel_runs_here_and_the_portable_one_always_does() {
        let best = Kernel::best_here();
        println!("kernels on this CPU: best {}", best.name());
        assert!(best.runs_here());
        assert!(Kernel::Portable.runs_here());
        // The ordering: a CPU with AVX-512 has AVX2 + FMA too.
        if Kernel::Avx512.runs_here() {
            assert!(Kernel::Avx2Fma.runs_here());
        }
        use_kernel_on_this_thread(Some(Kernel::Portable));
        assert_eq!(kernel_in_use(), "portable");
        use_kernel_on_this_thread(None);
        assert_eq!(Kernel::current(), best);
    }
}
