//! Data types, the [`Element`] trait that ties them to Rust scalar types, and type promotion.

use half::{bf16, f16};
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

/// The element type of a tensor, as in `torch.dtype`.
///
/// ```
/// use ember::DType;
/// assert_eq!(DType::F32.to_string(), "ember.float32");
/// assert_eq!(DType::promote(DType::I64, DType::F16), DType::F16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `torch.bool`
    Bool,
    /// `torch.uint8`
    U8,
    /// `torch.int8`
    I8,
    /// `torch.int16`
    I16,
    /// `torch.int32`
    I32,
    /// `torch.int64` (`torch.long`), the default integer dtype
    I64,
    /// `torch.float16` (`torch.half`)
    F16,
    /// `torch.bfloat16`
    BF16,
    /// `torch.float32` (`torch.float`), the default floating dtype
    F32,
    /// `torch.float64` (`torch.double`)
    F64,
}

pub use DType::{BF16, F16, F32, F64, I8, I16, I32, I64, U8};

/// `torch.bool`, spelled so that it does not shadow Rust's `bool`.
pub const BOOL: DType = DType::Bool;

impl DType {
    /// C++'s name of the element type, which some PyTorch messages print (`long int`).
    ///
    /// ```
    /// assert_eq!(ember::DType::I64.cpp_type_name(), "long int");
    /// assert_eq!(ember::DType::BF16.cpp_type_name(), "c10::BFloat16");
    /// ```
    pub fn cpp_type_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "unsigned char",
            DType::I8 => "signed char",
            DType::I16 => "short int",
            DType::I32 => "int",
            DType::I64 => "long int",
            DType::F16 => "c10::Half",
            DType::BF16 => "c10::BFloat16",
            DType::F32 => "float",
            DType::F64 => "double",
        }
    }

    /// Every dtype, in promotion order.
    pub const ALL: [DType; 10] = [
        DType::Bool,
        DType::U8,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::F16,
        DType::BF16,
        DType::F32,
        DType::F64,
    ];

    /// Bytes per element (`element_size()` in PyTorch).
    ///
    /// ```
    /// assert_eq!(ember::DType::BF16.size_in_bytes(), 2);
    /// ```
    pub const fn size_in_bytes(self) -> usize {
        match self {
            DType::Bool | DType::U8 | DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    /// True for F16, BF16, F32 and F64 (`dtype.is_floating_point`).
    ///
    /// ```
    /// assert!(ember::DType::F16.is_floating_point());
    /// ```
    pub const fn is_floating_point(self) -> bool {
        matches!(self, DType::F16 | DType::BF16 | DType::F32 | DType::F64)
    }

    /// True for the integer dtypes, and for Bool when `include_bool` is set.
    ///
    /// ```
    /// assert!(ember::DType::U8.is_integral(false));
    /// assert!(!ember::DType::Bool.is_integral(false));
    /// ```
    pub const fn is_integral(self, include_bool: bool) -> bool {
        match self {
            DType::Bool => include_bool,
            DType::U8 | DType::I8 | DType::I16 | DType::I32 | DType::I64 => true,
            _ => false,
        }
    }

    /// True for dtypes that can represent negative numbers.
    ///
    /// ```
    /// assert!(!ember::DType::U8.is_signed());
    /// ```
    pub const fn is_signed(self) -> bool {
        !matches!(self, DType::Bool | DType::U8)
    }

    /// PyTorch's name without the module: `"float32"`, `"int64"`, `"bool"`.
    ///
    /// ```
    /// assert_eq!(ember::DType::I64.name(), "int64");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// Parses PyTorch's dtype names (`"float32"`, `"float"`, `"long"`, `"torch.int64"`, …).
    ///
    /// ```
    /// assert_eq!(ember::DType::from_name("double"), Some(ember::DType::F64));
    /// ```
    pub fn from_name(name: &str) -> Option<DType> {
        let name = name
            .strip_prefix("torch.")
            .or_else(|| name.strip_prefix("ember."))
            .unwrap_or(name);
        Some(match name {
            "bool" => DType::Bool,
            "uint8" => DType::U8,
            "int8" => DType::I8,
            "int16" | "short" => DType::I16,
            "int32" | "int" => DType::I32,
            "int64" | "long" => DType::I64,
            "float16" | "half" => DType::F16,
            "bfloat16" => DType::BF16,
            "float32" | "float" => DType::F32,
            "float64" | "double" => DType::F64,
            _ => return None,
        })
    }

    /// How PyTorch's messages name a CPU tensor's type (`ember.DoubleTensor`, normalised to
    /// `torch.` by the tests): bool and bfloat16 have no legacy class and print as
    /// `CPUBoolType` / `CPUBFloat16Type`.
    pub(crate) fn type_string(self) -> String {
        match self {
            DType::Bool => "CPUBoolType".into(),
            DType::BF16 => "CPUBFloat16Type".into(),
            dt => format!("ember.{}", dt.legacy_name()),
        }
    }

    /// The legacy tensor type name used in some PyTorch messages (`"DoubleTensor"`).
    pub const fn legacy_name(self) -> &'static str {
        match self {
            DType::Bool => "BoolTensor",
            DType::U8 => "ByteTensor",
            DType::I8 => "CharTensor",
            DType::I16 => "ShortTensor",
            DType::I32 => "IntTensor",
            DType::I64 => "LongTensor",
            DType::F16 => "HalfTensor",
            DType::BF16 => "BFloat16Tensor",
            DType::F32 => "FloatTensor",
            DType::F64 => "DoubleTensor",
        }
    }

    /// The name PyTorch uses for scalar types in error messages (`"Float"`, `"Long"`).
    pub(crate) const fn scalar_type_name(self) -> &'static str {
        match self {
            DType::Bool => "Bool",
            DType::U8 => "Byte",
            DType::I8 => "Char",
            DType::I16 => "Short",
            DType::I32 => "Int",
            DType::I64 => "Long",
            DType::F16 => "Half",
            DType::BF16 => "BFloat16",
            DType::F32 => "Float",
            DType::F64 => "Double",
        }
    }

    /// The category used by promotion: 0 bool, 1 integer, 2 floating.
    pub(crate) const fn category(self) -> u8 {
        match self {
            DType::Bool => 0,
            DType::F16 | DType::BF16 | DType::F32 | DType::F64 => 2,
            _ => 1,
        }
    }

    /// `torch.promote_types(a, b)`: the smallest dtype both convert to without losing range.
    ///
    /// ```
    /// use ember::DType::*;
    /// assert_eq!(ember::DType::promote(U8, I8), I16);
    /// assert_eq!(ember::DType::promote(F16, BF16), F32);
    /// assert_eq!(ember::DType::promote(I64, F16), F16);
    /// ```
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        match (a.category(), b.category()) {
            (0, _) => b,
            (_, 0) => a,
            (2, 1) => a,
            (1, 2) => b,
            (1, 1) => {
                // Unsigned u8 mixes with signed types by widening to the next signed size.
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                match (lo, hi) {
                    (U8, I8) => I16,
                    _ => hi,
                }
            }
            _ => match (a, b) {
                (F16, BF16) | (BF16, F16) => F32,
                _ => {
                    if a.size_in_bytes() >= b.size_in_bytes() {
                        a
                    } else {
                        b
                    }
                }
            },
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ember.{}", self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust scalar type that is the element of some [`DType`].
///
/// Conversions follow PyTorch's casting rules: float to integer truncates toward zero,
/// out-of-range values wrap as they do in PyTorch on x86, and anything non-zero is `true`.
///
/// ```
/// use ember::Element;
/// assert_eq!(<i64 as Element>::from_f64(-2.7), -2);
/// assert_eq!(<u8 as Element>::from_f64(-1.5), 255);
/// assert_eq!(<f32 as Element>::DTYPE, ember::DType::F32);
/// ```
pub trait Element:
    Copy + Send + Sync + Default + PartialEq + PartialOrd + fmt::Debug + 'static + sealed::Sealed
{
    /// The dtype of this Rust type.
    const DTYPE: DType;
    /// Whether the type is a floating type.
    const IS_FLOAT: bool;
    /// Converts to f64 (exact for every float dtype).
    fn to_f64(self) -> f64;
    /// Converts from f64 with PyTorch's casting rules.
    fn from_f64(v: f64) -> Self;
    /// Converts to i64 (exact for every integer dtype).
    fn to_i64(self) -> i64;
    /// Converts from i64 with wrapping, like a C cast.
    fn from_i64(v: i64) -> Self;
    /// The additive identity.
    const ZERO: Self;
    /// The multiplicative identity.
    const ONE: Self;
    /// True for anything but zero (NaN is true).
    fn is_nonzero(self) -> bool;
    /// Converts to another element type with PyTorch's casting rules.
    #[inline(always)]
    fn cast<D: Element>(self) -> D {
        if Self::IS_FLOAT {
            D::from_f64(self.to_f64())
        } else {
            D::from_i64(self.to_i64())
        }
    }
    /// Converts from a bool (0 or 1).
    #[inline(always)]
    fn from_bool(b: bool) -> Self {
        Self::from_i64(b as i64)
    }
}

// PyTorch compiles float-to-int casts to the x86 truncating conversions: an out-of-range value
// or NaN becomes the integer minimum of the 32- or 64-bit conversion, then narrower types wrap.
#[inline(always)]
fn f64_to_i64_x86(v: f64) -> i64 {
    // i64::MIN as f64 is exactly -2^63, so the range is [-2^63, 2^63).
    if v.is_nan() || !((i64::MIN as f64)..-(i64::MIN as f64)).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

#[inline(always)]
fn f64_to_i32_x86(v: f64) -> i32 {
    if v.is_nan() || v >= 2_147_483_648.0 || v <= -2_147_483_649.0 {
        i32::MIN
    } else {
        v as i32
    }
}

macro_rules! impl_int_element {
    ($t:ty, $dt:expr, |$v:ident| $from_f64:expr) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = $dt;
            const IS_FLOAT: bool = false;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64($v: f64) -> Self {
                $from_f64
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            const ZERO: Self = 0;
            const ONE: Self = 1;
            #[inline(always)]
            fn is_nonzero(self) -> bool {
                self != 0
            }
        }
    };
}

impl_int_element!(u8, DType::U8, |v| f64_to_i64_x86(v) as u8);
impl_int_element!(i8, DType::I8, |v| f64_to_i32_x86(v) as i8);
impl_int_element!(i16, DType::I16, |v| f64_to_i32_x86(v) as i16);
impl_int_element!(i32, DType::I32, |v| f64_to_i32_x86(v));
impl_int_element!(i64, DType::I64, |v| f64_to_i64_x86(v));

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: DType = DType::Bool;
    const IS_FLOAT: bool = false;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    const ZERO: Self = false;
    const ONE: Self = true;
    #[inline(always)]
    fn is_nonzero(self) -> bool {
        self
    }
}

macro_rules! impl_float_element {
    ($t:ty, $dt:expr, |$v:ident| $from_f64:expr, |$s:ident| $to_f64:expr, $zero:expr, $one:expr) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = $dt;
            const IS_FLOAT: bool = true;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                let $s = self;
                $to_f64
            }
            #[inline(always)]
            fn from_f64($v: f64) -> Self {
                $from_f64
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                f64_to_i64_x86(self.to_f64())
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                Self::from_f64(v as f64)
            }
            const ZERO: Self = $zero;
            const ONE: Self = $one;
            #[inline(always)]
            fn is_nonzero(self) -> bool {
                self != $zero
            }
        }
    };
}

impl_float_element!(f32, DType::F32, |v| v as f32, |s| s as f64, 0.0, 1.0);
impl_float_element!(f64, DType::F64, |v| v, |s| s, 0.0, 1.0);
impl_float_element!(
    f16,
    DType::F16,
    |v| f16::from_f64(v),
    |s| s.to_f64(),
    f16::ZERO,
    f16::ONE
);
impl_float_element!(
    bf16,
    DType::BF16,
    |v| bf16::from_f64(v),
    |s| s.to_f64(),
    bf16::ZERO,
    bf16::ONE
);

/// Type promotion for an op's operands, following `torch.result_type`.
///
/// Operands come in three tiers — tensors with dimensions, zero-dim tensors, and Rust
/// scalars — and a lower tier only raises the result's *category* (bool < integer < float),
/// never its width within a category: `f32 tensor + f64 0-dim tensor` is f32, `i64 tensor *
/// 2.5` is the default float dtype.
#[derive(Default, Clone, Copy, Debug)]
pub(crate) struct ResultType {
    dim: Option<DType>,
    zero: Option<DType>,
    wrapped: Option<DType>,
}

fn promote_opt(a: Option<DType>, b: DType) -> Option<DType> {
    Some(match a {
        None => b,
        Some(a) => DType::promote(a, b),
    })
}

fn combine(higher: Option<DType>, lower: Option<DType>) -> Option<DType> {
    match (higher, lower) {
        (Some(h), _) if h.is_floating_point() => Some(h),
        (Some(h), Some(l)) if h == DType::Bool || l.is_floating_point() => {
            Some(DType::promote(h, l))
        }
        (Some(h), _) => Some(h),
        (None, l) => l,
    }
}

impl ResultType {
    pub(crate) fn tensor(mut self, dtype: DType, ndim: usize) -> Self {
        if ndim == 0 {
            self.zero = promote_opt(self.zero, dtype);
        } else {
            self.dim = promote_opt(self.dim, dtype);
        }
        self
    }

    pub(crate) fn scalar(mut self, s: crate::Scalar) -> Self {
        let dt = match s {
            crate::Scalar::Bool(_) => DType::Bool,
            crate::Scalar::Int(_) => DType::I64,
            crate::Scalar::Float(_) => get_default_dtype(),
        };
        self.wrapped = promote_opt(self.wrapped, dt);
        self
    }

    pub(crate) fn finish(self) -> DType {
        combine(self.dim, combine(self.zero, self.wrapped)).unwrap_or(get_default_dtype())
    }
}

static DEFAULT_DTYPE: AtomicU8 = AtomicU8::new(8);

/// The dtype Python floats become (`torch.get_default_dtype()`), float32 unless changed.
///
/// ```
/// assert_eq!(ember::get_default_dtype(), ember::DType::F32);
/// ```
pub fn get_default_dtype() -> DType {
    DType::ALL[DEFAULT_DTYPE.load(Ordering::Relaxed) as usize]
}

/// Sets the default float dtype (`torch.set_default_dtype`).
///
/// ```
/// ember::set_default_dtype(ember::DType::F64).unwrap();
/// assert_eq!(ember::zeros([1]).dtype(), ember::DType::F64);
/// ember::set_default_dtype(ember::DType::F32).unwrap();
/// ```
///
/// # Errors
/// If `dt` is not a floating dtype.
pub fn set_default_dtype(dt: DType) -> crate::Result<()> {
    if !dt.is_floating_point() {
        crate::error::bail!(
            DType,
            "only floating-point types are supported as the default type"
        );
    }
    let i = DType::ALL.iter().position(|&d| d == dt).unwrap_or(8);
    DEFAULT_DTYPE.store(i as u8, Ordering::Relaxed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_table_matches_pytorch() {
        use DType::*;
        assert_eq!(DType::promote(Bool, U8), U8);
        assert_eq!(DType::promote(U8, I16), I16);
        assert_eq!(DType::promote(U8, I64), I64);
        assert_eq!(DType::promote(I32, I64), I64);
        assert_eq!(DType::promote(I64, F16), F16);
        assert_eq!(DType::promote(BF16, F32), F32);
        assert_eq!(DType::promote(F32, F64), F64);
    }

    #[test]
    fn casts_follow_pytorch() {
        assert_eq!(<i32 as Element>::from_f64(f64::NAN), i32::MIN);
        assert_eq!(<i64 as Element>::from_f64(-3.9), -3);
        assert_eq!(<u8 as Element>::from_f64(256.5), 0);
        assert!(<bool as Element>::from_f64(f64::NAN));
        assert_eq!(1.5f64.cast::<f32>(), 1.5f32);
        assert_eq!(300i64.cast::<i8>(), 44);
    }
}
