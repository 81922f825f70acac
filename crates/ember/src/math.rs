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
    /// `1 / (1 + e^-x)`.
    #[inline(always)]
    fn sigmoid(self) -> Self {
        Self::ONE / (Self::ONE + (-self).exp())
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
}
