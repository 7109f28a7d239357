//! The floating-point types the Sinkhorn kernels run in (f32, f64), behind one small trait so
//! the streaming log-sum-exp is written once and monomorphised for both.

use std::ops::{Add, Mul, Sub};

/// A kernel scalar: f32 (fast) or f64 (reference accuracy).
pub(crate) trait Real:
    Copy + Send + Sync + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self>
{
    /// The [`super::Precision`] this type is.
    const PRECISION: super::Precision;
    /// Zero.
    const ZERO: Self;
    /// A finite value far below any log-sum-exp term, used to pad columns: its exponential
    /// (relative to any real term) is exactly or practically zero.
    const PAD: Self;
    /// Conversion from f64 (rounding for f32).
    fn from_f64(value: f64) -> Self;
    /// Conversion to f64 (exact).
    fn to_f64(self) -> f64;
    /// `2^self` for `self ≤ 0`, written so that LLVM vectorises it inside a loop. The f32
    /// version is a rounding split plus a degree-5 polynomial (relative error < 5e-7,
    /// arguments below −125 flush to ≈ 2e-38); the f64 version the same split plus the Taylor
    /// series of degree 13 (relative error < 1e-15, arguments below −1022 flush to ≈ 2e-308).
    fn exp2_nonpositive(self) -> Self;
    /// `self · a + b` with one rounding (`mul_add`): a fused multiply-add instruction in the
    /// kernels compiled with FMA; never called by the portable ones (a library call there).
    fn fused_multiply_add(self, a: Self, b: Self) -> Self;
    /// The larger of two values (`self` when equal), as a select LLVM turns into `max`.
    #[inline(always)]
    fn max_of(self, other: Self) -> Self {
        if other > self { other } else { self }
    }

    /// The smaller of two values (`self` when equal), as a select LLVM turns into `min`.
    #[inline(always)]
    fn min_of(self, other: Self) -> Self {
        if other < self { other } else { self }
    }
}

impl Real for f32 {
    const PRECISION: super::Precision = super::Precision::F32;
    const ZERO: Self = 0.0;
    const PAD: Self = -1.0e30;

    #[inline(always)]
    fn from_f64(value: f64) -> Self {
        value as f32
    }

    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }

    #[inline(always)]
    fn exp2_nonpositive(self) -> Self {
        exp2_f32(self)
    }

    #[inline(always)]
    fn fused_multiply_add(self, a: Self, b: Self) -> Self {
        self.mul_add(a, b)
    }
}

impl Real for f64 {
    const PRECISION: super::Precision = super::Precision::F64;
    const ZERO: Self = 0.0;
    const PAD: Self = -1.0e300;

    #[inline(always)]
    fn from_f64(value: f64) -> Self {
        value
    }

    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }

    #[inline(always)]
    fn exp2_nonpositive(self) -> Self {
        exp2_f64(self)
    }

    #[inline(always)]
    fn fused_multiply_add(self, a: Self, b: Self) -> Self {
        self.mul_add(a, b)
    }
}

/// A branch-free f32 `2^x` for `x ≤ 0` (larger arguments are not clamped above).
///
/// `x = k + r` with `k` the nearest integer and `|r| ≤ ½`, `2^r` by a degree-5
/// polynomial, `k` added to the exponent bits. Every step is a plain arithmetic or bit
/// operation on one lane, so a loop over slices of these vectorises with SSE2 alone.
#[inline(always)]
fn exp2_f32(x: f32) -> f32 {
    // 1.5 · 2^23: adding it rounds to the nearest integer, kept in the low mantissa bits.
    const ROUND_MAGIC: f32 = 12_582_912.0;
    // Near-minimax fit of 2^r on [−½, ½] (iteratively reweighted least squares on the
    // relative error, max ≈ 1e-7 before f32 rounding); close to (ln 2)^k / k!.
    #[allow(clippy::approx_constant)] // a fitted coefficient, deliberately not f32's ln 2
    const C1: f32 = 0.693_147;
    const C2: f32 = 0.240_222_42;
    const C3: f32 = 0.055_507_34;
    const C4: f32 = 0.009_671_514;
    const C5: f32 = 0.001_326_471_5;
    let x = if x < -125.0 { -125.0 } else { x };
    let shifted = x + ROUND_MAGIC;
    let r = x - (shifted - ROUND_MAGIC);
    let p = ((((C5 * r + C4) * r + C3) * r + C2) * r + C1) * r + 1.0;
    // p ∈ [0.70, 1.42] is normal and k ≥ −125, so adding k to the exponent field is exact.
    let k_in_exponent = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) << 23;
    f32::from_bits(p.to_bits().wrapping_add(k_in_exponent))
}

/// A branch-free f64 `2^x` for `x ≤ 0` (larger arguments are not clamped above), the f64
/// counterpart of [`exp2_f32`]: `x = k + r` with `|r| ≤ ½`, `2^r = e^(r ln 2)` by its Taylor
/// series to degree 13 (the first term left out is below 4e-18), `k` added to the exponent bits.
/// Unlike `f64::exp2` (a library call per element), a loop over slices of these vectorises.
#[inline(always)]
fn exp2_f64(x: f64) -> f64 {
    // 1.5 · 2^52: adding it rounds to the nearest integer, kept in the low mantissa bits.
    const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
    // (ln 2)^k / k!, k = 1..=13.
    const C: [f64; 13] = [
        std::f64::consts::LN_2,
        0.2402265069591007,
        0.055504108664821576,
        0.009618129107628477,
        0.0013333558146428441,
        0.00015403530393381606,
        1.5252733804059838e-05,
        1.3215486790144305e-06,
        1.0178086009239696e-07,
        7.054911620801121e-09,
        4.44553827187081e-10,
        2.5678435993488196e-11,
        1.3691488853904124e-12,
    ];
    let x = if x < -1022.0 { -1022.0 } else { x };
    let shifted = x + ROUND_MAGIC;
    let r = x - (shifted - ROUND_MAGIC);
    let mut p = C[12];
    for c in C[..12].iter().rev() {
        p = p * r + c;
    }
    let p = p * r + 1.0;
    // p ∈ [0.70, 1.42] is normal and k ≥ −1022, so adding k to the exponent field is exact.
    let k_in_exponent = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) << 52;
    f64::from_bits(p.to_bits().wrapping_add(k_in_exponent))
}

#[cfg(test)]
mod tests {
    use super::{exp2_f32, exp2_f64};

    #[test]
    fn exp2_f64_is_accurate_over_its_range() {
        let mut worst = 0.0_f64;
        let mut x = -1022.0_f64;
        while x <= 0.0 {
            let fast = exp2_f64(x);
            let exact = x.exp2();
            worst = worst.max(((fast - exact) / exact).abs());
            x += 0.000_731;
        }
        assert!(worst < 1e-15, "worst relative error {worst:e}");
        assert_eq!(exp2_f64(0.0), 1.0);
        assert_eq!(exp2_f64(-3.0), 0.125);
        assert_eq!(exp2_f64(-1022.0), f64::MIN_POSITIVE);
        assert!(exp2_f64(-1.0e300) <= f64::MIN_POSITIVE);
    }

    #[test]
    fn exp2_f32_is_accurate_over_its_range() {
        let mut worst = 0.0_f64;
        let mut x = -125.0_f32;
        while x <= 0.0 {
            let fast = f64::from(exp2_f32(x));
            let exact = f64::from(x).exp2();
            worst = worst.max(((fast - exact) / exact).abs());
            x += 0.000_37;
        }
        assert!(worst < 5e-7, "worst relative error {worst}");
        assert_eq!(exp2_f32(0.0), 1.0);
        assert_eq!(exp2_f32(-3.0), 0.125);
        assert!(exp2_f32(-1.0e30) < 1e-37);
    }
}
