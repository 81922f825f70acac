//! Scalar math behind the op table's CPU functions: one trait for float elements, one for
//! integer elements, with PyTorch's conventions where they differ from Rust's
//! (`sign(NaN) = 0`, round-half-to-even, NaN-propagating `maximum`).

use crate::dtype::Element;
use half::{bf16, f16};
use num_traits::Float;

/// Float element types (f16, bf16, f32, f64) with the math the op table needs.
pub trait FloatElement: Element + Float + Send + Sync {
    /// The error function.
    fn erf(self) -> Self;
    /// Round half to even, as `torch.round`.
    #[inline(always)]
    fn round_even(self) -> Self {
        let r = self.round();
        if (self - self.trunc()).abs() == Self::from_f64(0.5) {
            (self / Self::from_f64(2.0)).round() * Self::from_f64(2.0)
        } else {
            r
        }
    }
    /// `torch.sign`: -1, 0 or 1, and 0 for NaN.
    #[inline(always)]
    fn sign(self) -> Self {
        let z = Self::ZERO;
        Self::from_bool(z < self) - Self::from_bool(self < z)
    }
    /// `e^x`, in a form the compiler can vectorise where one exists (f32: a branch-free
    /// polynomial within 2 ulp).
    #[inline(always)]
    fn exp_v(self) -> Self {
        self.exp()
    }
    /// `1 / (1 + e^-x)`.
    #[inline(always)]
    fn sigmoid(self) -> Self {
        Self::ONE / (Self::ONE + (-self).exp_v())
    }
    /// `max(x, 0)` that keeps NaN.
    #[inline(always)]
    fn relu(self) -> Self {
        if self < Self::ZERO { Self::ZERO } else { self }
    }
    /// NaN-propagating maximum (`torch.maximum`).
    #[inline(always)]
    fn max_nan(self, o: Self) -> Self {
        if self.is_nan() || o.is_nan() {
            Self::nan()
        } else if self > o {
            self
        } else {
            o
        }
    }
    /// NaN-propagating minimum (`torch.minimum`).
    #[inline(always)]
    fn min_nan(self, o: Self) -> Self {
        if self.is_nan() || o.is_nan() {
            Self::nan()
        } else if self < o {
            self
        } else {
            o
        }
    }
    /// Python's `%`: the result has the sign of the divisor.
    #[inline(always)]
    fn py_rem(self, o: Self) -> Self {
        let r = self % o;
        if r != Self::ZERO && ((r < Self::ZERO) != (o < Self::ZERO)) {
            r + o
        } else {
            r
        }
    }
    /// `floor(a / b)`, as `torch.floor_divide`.
    #[inline(always)]
    fn floor_div(self, o: Self) -> Self {
        (self / o).floor()
    }
}

impl FloatElement for f32 {
    #[inline(always)]
    fn erf(self) -> Self {
        libm::erff(self)
    }
    #[inline(always)]
    fn exp_v(self) -> Self {
        exp_f32(self)
    }
    #[inline(always)]
    fn round_even(self) -> Self {
        self.round_ties_even()
    }
}

impl FloatElement for f64 {
    #[inline(always)]
    fn erf(self) -> Self {
        libm::erf(self)
    }
    #[inline(always)]
    fn round_even(self) -> Self {
        self.round_ties_even()
    }
}

impl FloatElement for f16 {
    #[inline(always)]
    fn erf(self) -> Self {
        f16::from_f32(libm::erff(self.to_f32()))
    }
}

impl FloatElement for bf16 {
    #[inline(always)]
    fn erf(self) -> Self {
        bf16::from_f32(libm::erff(self.to_f32()))
    }
}

/// `e^x` for f32 without calls or branches, so loops over it vectorise (libm's `expf` is a
/// scalar call, which left `exp` compute-bound at PyTorch's speed while its SLEEF kernels
/// run 8 lanes wide). Cephes' reduction and polynomial: `x = n ln 2 + r` with `|r| <= ln 2 / 2`,
/// `e^r` by a degree-7 polynomial, then `2^n` applied in two halves so results down to the
/// smallest subnormal come out right. Within 2 ulp of the correctly rounded value over the
/// whole range (checked exhaustively in the tests); NaN stays NaN.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5 * 2^23 rounds a float below 2^22 in magnitude to an integer.
    const ROUND: f32 = 12_582_912.0;
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_2e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e = p * r * r + r + 1.0;
    // `n` as an integer, read from the low mantissa bits of `t` (a float-to-int cast would
    // not vectorise). It is in [-150, 128] wherever the result is used; the clamp keeps the
    // shifts in range for the inputs selected away below.
    let k = (t.to_bits() as i32)
        .wrapping_sub(ROUND.to_bits() as i32)
        .clamp(-200, 200);
    let (k1, k2) = (k >> 1, k - (k >> 1));
    let scale = |k: i32| f32::from_bits(((k + 127).clamp(0, 255) as u32) << 23);
    let y = e * scale(k1) * scale(k2);
    if x > 88.722_84 {
        f32::INFINITY
    } else if x < -103.972_08 {
        0.0
    } else {
        y
    }
}

/// Integer element types with wrapping arithmetic, as C++ integers behave in PyTorch.
pub trait IntElement: Element + Ord + Send + Sync {
    /// `a + b`, wrapping.
    fn add_w(self, o: Self) -> Self;
    /// `a - b`, wrapping.
    fn sub_w(self, o: Self) -> Self;
    /// `a * b`, wrapping.
    fn mul_w(self, o: Self) -> Self;
    /// `-a`, wrapping.
    fn neg_w(self) -> Self;
    /// `|a|`, wrapping.
    fn abs_w(self) -> Self;
    /// -1, 0 or 1.
    fn sign(self) -> Self;
    /// Python's `%` (sign of the divisor); 0 divisor gives 0 (callers check first).
    fn py_rem(self, o: Self) -> Self;
    /// Floor division (callers check for a zero divisor first).
    fn floor_div(self, o: Self) -> Self;
    /// `a ** b` by squaring, wrapping; negative exponents as PyTorch (0 unless the base is ±1).
    fn pow_w(self, e: Self) -> Self {
        let mut base = self;
        let mut e = e.to_i64();
        if e < 0 {
            // PyTorch's integer pow for tensor exponents: 1 and -1 keep their magnitude,
            // everything else truncates to 0.
            let minus_one = Self::ZERO.sub_w(Self::ONE);
            return if self == Self::ONE || (self == minus_one && e % 2 == 0) {
                Self::ONE
            } else if self == minus_one {
                minus_one
            } else {
                Self::ZERO
            };
        }
        let mut acc = Self::ONE;
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.mul_w(base);
            }
            base = base.mul_w(base);
            e >>= 1;
        }
        acc
    }
}

macro_rules! impl_int_math {
    ($($t:ty),*) => {$(
        impl IntElement for $t {
            #[inline(always)]
            fn add_w(self, o: Self) -> Self { self.wrapping_add(o) }
            #[inline(always)]
            fn sub_w(self, o: Self) -> Self { self.wrapping_sub(o) }
            #[inline(always)]
            fn mul_w(self, o: Self) -> Self { self.wrapping_mul(o) }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn neg_w(self) -> Self { (0 as $t).wrapping_sub(self) }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn abs_w(self) -> Self { if self < 0 as $t { self.neg_w() } else { self } }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn sign(self) -> Self { ((0 as $t) < self) as $t - ((self < 0 as $t) as $t) }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn py_rem(self, o: Self) -> Self {
                if o == 0 { return 0; }
                let r = self.wrapping_rem(o);
                if r != 0 && ((r < 0) != (o < 0)) { r.wrapping_add(o) } else { r }
            }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn floor_div(self, o: Self) -> Self {
                if o == 0 { return 0; }
                let q = self.wrapping_div(o);
                if (self.wrapping_rem(o) != 0) && ((self < 0) != (o < 0)) { q.wrapping_sub(1) } else { q }
            }
        }
    )*};
}
impl_int_math!(u8, i8, i16, i32, i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytorch_conventions() {
        assert_eq!(2.5f32.round_even(), 2.0);
        assert_eq!(half::f16::from_f32(2.5).round_even().to_f32(), 2.0);
        assert_eq!(f64::NAN.sign(), 0.0);
        assert_eq!((-7i64).py_rem(3), 2);
        assert_eq!((-7i64).floor_div(2), -4);
        assert_eq!((-7.0f64).py_rem(3.0), 2.0);
        assert_eq!(3i64.pow_w(4), 81);
        assert!(1.0f32.max_nan(f32::NAN).is_nan());
    }

    /// Distance in representable f32 values between two non-negative floats.
    fn ulps(a: f32, b: f32) -> u32 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_f32_is_within_two_ulp_everywhere() {
        let mut worst = (0, 0.0f32);
        // Every 257th float of the range where the result is neither 0 nor inf, both signs.
        for sign in [0u32, 1 << 31] {
            let mut bits = 0u32;
            while bits < 0x42d0_0000 {
                let x = f32::from_bits(bits | sign);
                let want = (x as f64).exp() as f32;
                let d = ulps(exp_f32(x), want);
                if d > worst.0 {
                    worst = (d, x);
                }
                bits += 257;
            }
        }
        assert!(worst.0 <= 2, "exp({}) is {} ulp off", worst.1, worst.0);
        // The ends: overflow, the smallest subnormal and below, and the special values.
        let max_ok = f32::from_bits(0x42b1_7217); // 88.72283, the largest with a finite result
        assert!(exp_f32(max_ok).is_finite());
        assert_eq!(exp_f32(f32::from_bits(max_ok.to_bits() + 1)), f32::INFINITY);
        assert_eq!(exp_f32(-103.0), (-103.0f64).exp() as f32);
        assert!(ulps(exp_f32(-103.9), (-103.9f64).exp() as f32) <= 1);
        assert_eq!(exp_f32(-104.0), 0.0);
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
    }
}
