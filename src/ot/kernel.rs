//! Which compiled version of the CPU softmin kernels runs.
//!
//! The 2D kernels (`ot::softmin`) and the d-dimensional ones (`ot::softmin_nd`) are
//! each compiled three times: for AVX-512, for AVX2 + FMA and for the target's baseline. A
//! [`Kernel`] names one version; the kernels take it as an argument, so the dispatch picks the
//! best one the CPU runs ([`Kernel::best_here`]) while the tests call every version the CPU
//! runs, each against an f64 reference.

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
    fn best_here() -> Self {
        Self::ALL
            .into_iter()
            .find(|kernel| kernel.runs_here())
            .unwrap_or(Self::Portable)
    }

    /// The version the kernels called from this thread run now: the one a caller chose for
    /// the duration of a call ([`run_on`]: a [`crate::ot::cpu::CpuBackend`] built
    /// `with_kernel`, or a unit test), else [`Kernel::best_here`].
    pub(crate) fn current() -> Self {
        KERNEL_ON_THIS_THREAD
            .with(std::cell::Cell::get)
            .unwrap_or_else(Self::best_here)
    }
}

/// The kernel the softmin runs on this thread now: "avx512", "avx2+fma" or "portable".
pub fn kernel_in_use() -> &'static str {
    Kernel::current().name()
}

/// Runs `work` with the kernels called from this thread on `kernel` (`None`: the dispatched
/// one), then restores the previous choice. The CPU kernels are called from the thread that
/// runs the Sinkhorn loop (their rows are split over rayon's threads below that call, with the
/// kernel passed down), so the choice reaches every softmin of `work`.
pub(crate) fn run_on<R>(kernel: Option<Kernel>, work: impl FnOnce() -> R) -> R {
    /// Restores the previous choice, also when `work` panics.
    struct Restore(Option<Kernel>);
    impl Drop for Restore {
        fn drop(&mut self) {
            KERNEL_ON_THIS_THREAD.with(|cell| cell.set(self.0));
        }
    }
    let _restore = Restore(KERNEL_ON_THIS_THREAD.with(|cell| cell.replace(kernel)));
    work()
}

thread_local! {
    /// The choice of [`run_on`] (and of the unit tests), per thread: one backend's or test's
    /// choice never switches the kernels of the others running beside it.
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

    #[test]
    fn a_chosen_kernel_holds_for_the_call_only_and_is_restored_after_a_panic() {
        let best = Kernel::best_here();
        assert_eq!(
            run_on(Some(Kernel::Portable), Kernel::current),
            Kernel::Portable
        );
        assert_eq!(run_on(None, Kernel::current), best);
        assert_eq!(Kernel::current(), best);
        let panicked = std::panic::catch_unwind(|| {
            run_on(Some(Kernel::Portable), || panic!("inside the call"));
        });
        assert!(panicked.is_err());
        assert_eq!(
            Kernel::current(),
            best,
            "the choice is restored after a panic"
        );
    }
}
