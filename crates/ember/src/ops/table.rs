//! The op table itself (see the module docs of `ember::ops`).

use crate::math::{FloatElement, IntElement};

/// A function of one element, handed to a kernel by [`UnaryOp::visit_float`] and friends.
pub(crate) trait Map1<T> {
    type Out;
    fn call<F: Fn(T) -> T + Copy + Send + Sync>(self, f: F) -> Self::Out;
}

/// A function of two elements, handed to a kernel by [`BinaryOp::visit_float`] and friends.
pub(crate) trait Map2<T> {
    type Out;
    fn call<F: Fn(T, T) -> T + Copy + Send + Sync>(self, f: F) -> Self::Out;
}

/// How an elementwise op treats integer (and bool) inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntMode {
    /// Computed on the integers themselves.
    Int,
    /// Integers are first converted to the default float dtype (`exp`, `sin`, `div`).
    Promote,
    /// Integers are returned unchanged (`floor`, `round`).
    Identity,
}

macro_rules! unary_ops {
    ($(
        $variant:ident, $method:ident, $try_method:ident, $name:literal, $mode:ident,
        |$x:ident| $float:expr, |$xi:ident| $int:expr, $cuda:literal;
    )*) => {
        /// An elementwise function of one tensor, as listed in the op table (`ember::ops`).
        ///
        /// ```
        /// use ember::UnaryOp;
        /// assert_eq!(UnaryOp::Exp.name(), "exp");
        /// assert!(UnaryOp::ALL.contains(&UnaryOp::Sigmoid));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum UnaryOp {
            $(
                #[doc = concat!("`torch.", $name, "`")]
                $variant,
            )*
        }

        impl UnaryOp {
            /// Every unary op of the table.
            pub const ALL: &'static [UnaryOp] = &[$(UnaryOp::$variant),*];

            /// PyTorch's name of the op.
            pub const fn name(self) -> &'static str {
                match self { $(UnaryOp::$variant => $name,)* }
            }

            pub(crate) const fn int_mode(self) -> IntMode {
                match self { $(UnaryOp::$variant => IntMode::$mode,)* }
            }

            /// The op's CUDA expression over `x` of the compute type `T` (see the prelude
            /// of `backend/cuda/source.rs` for the helpers).
            pub(crate) const fn cuda(self) -> &'static str {
                match self { $(UnaryOp::$variant => $cuda,)* }
            }

            /// Hands the op's float scalar function to `v`.
            #[allow(clippy::redundant_closure_call)]
            pub(crate) fn visit_float<T: FloatElement, V: Map1<T>>(self, v: V) -> V::Out {
                match self { $(UnaryOp::$variant => v.call(|$x: T| -> T { $float }),)* }
            }

            /// Hands the op's integer scalar function to `v` (identity for `Identity` ops);
            /// `Promote` ops never reach integer kernels.
            #[allow(unused_variables, unreachable_code)]
            pub(crate) fn visit_int<T: IntElement, V: Map1<T>>(self, v: V) -> V::Out {
                match self { $(UnaryOp::$variant => v.call(|$xi: T| -> T { $int }),)* }
            }
        }

        impl crate::Tensor {
            $(
                #[doc = concat!("`torch.", $name, "`, elementwise.\n\n```\nlet x = ember::tensor([0.5f64, 1.0]);\nlet _ = x.", stringify!($method), "();\n```\n\n# Panics\nFor dtypes the op does not support.")]
                #[must_use]
                #[track_caller]
                #[allow(clippy::should_implement_trait)]
                pub fn $method(&self) -> crate::Tensor {
                    crate::error::OrPanic::or_panic(self.try_unary(UnaryOp::$variant))
                }

                #[doc = concat!("Fallible `torch.", $name, "`.\n\n# Errors\nFor dtypes the op does not support (e.g. bool).")]
                pub fn $try_method(&self) -> crate::error::Result<crate::Tensor> {
                    self.try_unary(UnaryOp::$variant)
                }
            )*
        }
    };
}

// Integer expressions of `Promote` ops are never called (integers are converted first).
unary_ops! {
    Neg, neg, try_neg, "neg",        Int,      |x| -x,                         |x| x.neg_w(), "neg_w(x)";
    Abs, abs, try_abs, "abs",        Int,      |x| x.abs(),                    |x| x.abs_w(), "abs_w(x)";
    Exp, exp, try_exp, "exp",        Promote,  |x| x.exp_v(),                  |x| x, "e_exp(x)";
    Log, log, try_log, "log",        Promote,  |x| x.ln(),                     |x| x, "e_log(x)";
    Sqrt, sqrt, try_sqrt, "sqrt",       Promote,  |x| x.sqrt(),                   |x| x, "e_sqrt(x)";
    Rsqrt, rsqrt, try_rsqrt, "rsqrt",      Promote,  |x| x.sqrt().recip(),           |x| x, "e_rsqrt(x)";
    Sin, sin, try_sin, "sin",        Promote,  |x| x.sin(),                    |x| x, "e_sin(x)";
    Cos, cos, try_cos, "cos",        Promote,  |x| x.cos(),                    |x| x, "e_cos(x)";
    Tan, tan, try_tan, "tan",        Promote,  |x| x.tan(),                    |x| x, "e_tan(x)";
    Tanh, tanh, try_tanh, "tanh",       Promote,  |x| x.tanh(),                   |x| x, "e_tanh(x)";
    Sigmoid, sigmoid, try_sigmoid, "sigmoid",    Promote,  |x| x.sigmoid(),                |x| x, "T(1) / (T(1) + e_exp(-x))";
    Relu, relu, try_relu, "relu",       Int,      |x| x.relu(),                   |x| x.max(T::ZERO), "x < T(0) ? T(0) : x";
    Sign, sign, try_sign, "sign",       Int,      |x| FloatElement::sign(x),      |x| IntElement::sign(x), "T((T(0) < x) - (x < T(0)))";
    Floor, floor, try_floor, "floor",      Identity, |x| x.floor(),                  |x| x, "e_floor(x)";
    Ceil, ceil, try_ceil, "ceil",       Identity, |x| x.ceil(),                   |x| x, "e_ceil(x)";
    Round, round, try_round, "round",      Identity, |x| x.round_even(),             |x| x, "e_rint(x)";
    Trunc, trunc, try_trunc, "trunc",      Identity, |x| x.trunc(),                  |x| x, "e_trunc(x)";
    Reciprocal, reciprocal, try_reciprocal, "reciprocal", Promote,  |x| x.recip(),                  |x| x, "T(1) / x";
    Square, square, try_square, "square",     Int,      |x| x * x,                      |x| x.mul_w(x), "mul_w(x, x)";
    Log1p, log1p, try_log1p, "log1p",      Promote,  |x| x.ln_1p(),                  |x| x, "e_log1p(x)";
    Expm1, expm1, try_expm1, "expm1",      Promote,  |x| x.exp_m1(),                 |x| x, "e_expm1(x)";
    Erf, erf, try_erf, "erf",        Promote,  |x| FloatElement::erf(x),       |x| x, "e_erf(x)";
    Log2, log2, try_log2, "log2",       Promote,  |x| x.log2(),                   |x| x, "e_log2(x)";
    Log10, log10, try_log10, "log10",      Promote,  |x| x.log10(),                  |x| x, "e_log10(x)";
    Asin, asin, try_asin, "asin",       Promote,  |x| x.asin(),                   |x| x, "e_asin(x)";
    Acos, acos, try_acos, "acos",       Promote,  |x| x.acos(),                   |x| x, "e_acos(x)";
    Atan, atan, try_atan, "atan",       Promote,  |x| x.atan(),                   |x| x, "e_atan(x)";
    Sinh, sinh, try_sinh, "sinh",       Promote,  |x| x.sinh(),                   |x| x, "e_sinh(x)";
    Cosh, cosh, try_cosh, "cosh",       Promote,  |x| x.cosh(),                   |x| x, "e_cosh(x)";
    Exp2, exp2, try_exp2, "exp2",       Promote,  |x| x.exp2(),                   |x| x, "e_exp2(x)";
    Silu, silu, try_silu, "silu",       Promote,  |x| x * x.sigmoid(),            |x| x, "x / (T(1) + e_exp(-x))";
    Gelu, gelu, try_gelu, "gelu",       Promote,  |x| gelu_erf(x),                |x| x, "T(0.5) * x * (T(1) + e_erf(x * T(0.7071067811865476)))";
}

#[inline(always)]
fn gelu_erf<T: FloatElement>(x: T) -> T {
    let half = T::from_f64(0.5);
    x * half * (T::ONE + FloatElement::erf(x * T::from_f64(std::f64::consts::FRAC_1_SQRT_2)))
}

/// C's `%` (the sign of the dividend), as `torch.fmod` on integers; 0 for a zero divisor
/// (callers check first).
#[inline(always)]
fn c_rem<T: IntElement>(a: T, b: T) -> T {
    let r = a.py_rem(b);
    if r != T::ZERO && ((r < T::ZERO) != (a < T::ZERO)) {
        r.sub_w(b)
    } else {
        r
    }
}

macro_rules! binary_ops {
    ($(
        $variant:ident, $name:literal, $mode:ident,
        |$a:ident, $b:ident| $float:expr, |$ai:ident, $bi:ident| $int:expr, $cuda:literal;
    )*) => {
        /// An elementwise function of two broadcast tensors with a result of their dtype.
        ///
        /// ```
        /// assert_eq!(ember::BinaryOp::Atan2.name(), "atan2");
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum BinaryOp {
            $(
                #[doc = concat!("`torch.", $name, "`")]
                $variant,
            )*
        }

        impl BinaryOp {
            /// Every binary op of the table.
            pub const ALL: &'static [BinaryOp] = &[$(BinaryOp::$variant),*];

            /// PyTorch's name of the op.
            pub const fn name(self) -> &'static str {
                match self { $(BinaryOp::$variant => $name,)* }
            }

            pub(crate) const fn int_mode(self) -> IntMode {
                match self { $(BinaryOp::$variant => IntMode::$mode,)* }
            }

            /// The op's CUDA expression over `a` and `b` of the compute type `T`.
            pub(crate) const fn cuda(self) -> &'static str {
                match self { $(BinaryOp::$variant => $cuda,)* }
            }

            /// Hands the op's float scalar function to `v`.
            pub(crate) fn visit_float<T: FloatElement, V: Map2<T>>(self, v: V) -> V::Out {
                match self { $(BinaryOp::$variant => v.call(|$a: T, $b: T| -> T { $float }),)* }
            }

            /// Hands the op's integer scalar function to `v`.
            #[allow(unused_variables)]
            pub(crate) fn visit_int<T: IntElement, V: Map2<T>>(self, v: V) -> V::Out {
                match self { $(BinaryOp::$variant => v.call(|$ai: T, $bi: T| -> T { $int }),)* }
            }
        }
    };
}

binary_ops! {
    Add,         "add",          Int,     |a, b| a + b,             |a, b| a.add_w(b), "add_w(a, b)";
    Sub,         "sub",          Int,     |a, b| a - b,             |a, b| a.sub_w(b), "sub_w(a, b)";
    Mul,         "mul",          Int,     |a, b| a * b,             |a, b| a.mul_w(b), "mul_w(a, b)";
    Div,         "div",          Promote, |a, b| a / b,             |a, b| a, "a / b";
    Maximum,     "maximum",      Int,     |a, b| a.max_nan(b),      |a, b| a.max(b), "max_nan(a, b)";
    Minimum,     "minimum",      Int,     |a, b| a.min_nan(b),      |a, b| a.min(b), "min_nan(a, b)";
    Atan2,       "atan2",        Promote, |a, b| a.atan2(b),        |a, b| a, "e_atan2(a, b)";
    Pow,         "pow",          Int,     |a, b| a.powf(b),         |a, b| a.pow_w(b), "pow_w(a, b)";
    Remainder,   "remainder",    Int,     |a, b| a.py_rem(b),       |a, b| a.py_rem(b), "py_rem(a, b)";
    Fmod,        "fmod",         Int,     |a, b| a % b,             |a, b| c_rem(a, b), "fmod_w(a, b)";
    FloorDivide, "floor_divide", Int,     |a, b| a.floor_div(b),    |a, b| a.floor_div(b), "floor_div(a, b)";
}

/// An elementwise comparison or logical op with a bool result.
///
/// ```
/// assert_eq!(ember::CmpOp::Le.name(), "le");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `torch.logical_and`
    LogicalAnd,
    /// `torch.logical_or`
    LogicalOr,
    /// `torch.logical_xor`
    LogicalXor,
}

impl CmpOp {
    /// Every comparison op.
    pub const ALL: &'static [CmpOp] = &[
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
        CmpOp::LogicalAnd,
        CmpOp::LogicalOr,
        CmpOp::LogicalXor,
    ];

    /// PyTorch's name of the op.
    pub const fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
            CmpOp::LogicalAnd => "logical_and",
            CmpOp::LogicalOr => "logical_or",
            CmpOp::LogicalXor => "logical_xor",
        }
    }

    /// The op's CUDA expression over `a` and `b` of the compute type `T`, a `bool`.
    pub(crate) const fn cuda(self) -> &'static str {
        match self {
            CmpOp::Eq => "a == b",
            CmpOp::Ne => "a != b",
            CmpOp::Lt => "a < b",
            CmpOp::Le => "a <= b",
            CmpOp::Gt => "a > b",
            CmpOp::Ge => "a >= b",
            CmpOp::LogicalAnd => "(a != T(0)) && (b != T(0))",
            CmpOp::LogicalOr => "(a != T(0)) || (b != T(0))",
            CmpOp::LogicalXor => "(a != T(0)) != (b != T(0))",
        }
    }

    /// Applies the op to two elements.
    #[inline(always)]
    pub(crate) fn apply<T: crate::Element>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::LogicalAnd => a.is_nonzero() && b.is_nonzero(),
            CmpOp::LogicalOr => a.is_nonzero() || b.is_nonzero(),
            CmpOp::LogicalXor => a.is_nonzero() != b.is_nonzero(),
        }
    }
}

/// A reduction over some dims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReduceOp {
    /// Sum (integers and bool accumulate in i64).
    Sum,
    /// Product.
    Prod,
    /// Maximum, propagating NaN.
    Max,
    /// Minimum, propagating NaN.
    Min,
    /// Index of the maximum (first occurrence; NaN counts as maximal).
    ArgMax,
    /// Index of the minimum (first occurrence; NaN counts as minimal).
    ArgMin,
    /// Whether every element is nonzero (bool result; uint8 for uint8 input, as PyTorch).
    All,
    /// Whether some element is nonzero (bool result; uint8 for uint8 input, as PyTorch).
    Any,
}

impl ReduceOp {
    /// Every reduction.
    pub const ALL: &'static [ReduceOp] = &[
        ReduceOp::Sum,
        ReduceOp::Prod,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::ArgMax,
        ReduceOp::ArgMin,
        ReduceOp::All,
        ReduceOp::Any,
    ];

    /// The dtype the reduction of a `src` tensor produces.
    pub(crate) fn out_dtype(self, src: crate::DType) -> crate::DType {
        use crate::DType;
        match self {
            ReduceOp::Sum | ReduceOp::Prod if !src.is_floating_point() => DType::I64,
            ReduceOp::ArgMax | ReduceOp::ArgMin => DType::I64,
            ReduceOp::All | ReduceOp::Any if src != DType::U8 => DType::Bool,
            _ => src,
        }
    }
}

/// A cumulative op along one dim (`cumsum`, `cumprod`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScanOp {
    /// Running sum.
    Sum,
    /// Running product.
    Prod,
}

impl ScanOp {
    /// The dtype the scan of a `src` tensor produces: integers and bool give int64.
    pub(crate) fn out_dtype(self, src: crate::DType) -> crate::DType {
        if src.is_floating_point() {
            src
        } else {
            crate::DType::I64
        }
    }
}

/// Elementwise ops with parameters (PyTorch's keyword arguments), computed in one pass.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ParamOp {
    /// `clamp(min, max)`; either bound may be absent.
    Clamp(Option<f64>, Option<f64>),
    /// `pow(x, exponent)` with a scalar exponent.
    PowScalar(f64),
    /// `pow(base, x)` with a scalar base.
    RPowScalar(f64),
    /// `leaky_relu(negative_slope)`.
    LeakyRelu(f64),
    /// `elu(alpha)`.
    Elu(f64),
    /// `softplus(beta, threshold)`.
    Softplus(f64, f64),
    /// `hardtanh(min_val, max_val)`.
    Hardtanh(f64, f64),
    /// `gelu(approximate='tanh')`.
    GeluTanh,
}

impl ParamOp {
    /// One value of each variant, for code generated per variant (the CUDA kernels). A new
    /// variant fails to compile in [`ParamOp::cuda`]; add it here too.
    pub(crate) const KINDS: &'static [ParamOp] = &[
        ParamOp::Clamp(None, None),
        ParamOp::PowScalar(0.0),
        ParamOp::RPowScalar(0.0),
        ParamOp::LeakyRelu(0.0),
        ParamOp::Elu(0.0),
        ParamOp::Softplus(0.0, 0.0),
        ParamOp::Hardtanh(0.0, 0.0),
        ParamOp::GeluTanh,
    ];

    /// The variant's name in kernel names, and its CUDA expression over `x` of the compute
    /// type `T` and the kernel's scalar arguments `p0`, `p1`, `flags` ([`ParamOp::cuda_args`]).
    pub(crate) const fn cuda(self) -> (&'static str, &'static str) {
        match self {
            ParamOp::Clamp(..) => ("clamp", "e_clamp(x, p0, p1, flags)"),
            ParamOp::PowScalar(_) => ("pow_scalar", "pow_scalar(x, p0)"),
            ParamOp::RPowScalar(_) => ("rpow_scalar", "e_pow(T(p0), x)"),
            ParamOp::LeakyRelu(_) => ("leaky_relu", "x > T(0) ? x : x * T(p0)"),
            ParamOp::Elu(_) => ("elu", "x > T(0) ? x : T(p0) * e_expm1(x)"),
            ParamOp::Softplus(..) => (
                "softplus",
                "x * T(p0) > T(p1) ? x : e_log1p(e_exp(x * T(p0))) / T(p0)",
            ),
            ParamOp::Hardtanh(..) => ("hardtanh", "x < T(p0) ? T(p0) : (x > T(p1) ? T(p1) : x)"),
            ParamOp::GeluTanh => (
                "gelu_tanh",
                "T(0.5) * x * (T(1) + e_tanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x)))",
            ),
        }
    }

    /// The scalar arguments `(p0, p1, flags)` of the op's CUDA kernel: the parameters in
    /// order; for `Clamp`, bit 0 of `flags` says a lower bound is given, bit 1 an upper one.
    // Read by the CUDA backend's launches once it lands (issue 7); tested with the kernels.
    #[allow(dead_code)]
    pub(crate) fn cuda_args(self) -> (f64, f64, i32) {
        match self {
            ParamOp::Clamp(lo, hi) => (
                lo.unwrap_or(0.0),
                hi.unwrap_or(0.0),
                i32::from(lo.is_some()) | (i32::from(hi.is_some()) << 1),
            ),
            ParamOp::PowScalar(p)
            | ParamOp::RPowScalar(p)
            | ParamOp::LeakyRelu(p)
            | ParamOp::Elu(p) => (p, 0.0, 0),
            ParamOp::Softplus(p, q) | ParamOp::Hardtanh(p, q) => (p, q, 0),
            ParamOp::GeluTanh => (0.0, 0.0, 0),
        }
    }

    /// Hands the op's float scalar function to `v`.
    pub(crate) fn visit_float<T: FloatElement, V: Map1<T>>(self, v: V) -> V::Out {
        match self {
            ParamOp::Clamp(lo, hi) => {
                let lo = lo.map(T::from_f64);
                let hi = hi.map(T::from_f64);
                v.call(move |x: T| {
                    // NaN passes through, as in PyTorch.
                    let mut y = x;
                    if let Some(l) = lo {
                        y = if l.is_nan() || y < l { l } else { y };
                    }
                    if let Some(h) = hi {
                        y = if h.is_nan() || y > h { h } else { y };
                    }
                    y
                })
            }
            ParamOp::PowScalar(e) => {
                let et = T::from_f64(e);
                if e == 2.0 {
                    v.call(|x: T| x * x)
                } else if e == 3.0 {
                    v.call(|x: T| x * x * x)
                } else if e == 0.5 {
                    v.call(|x: T| x.sqrt())
                } else if e == 1.0 {
                    v.call(|x: T| x)
                } else if e == -1.0 {
                    v.call(|x: T| x.recip())
                } else {
                    v.call(move |x: T| x.powf(et))
                }
            }
            ParamOp::RPowScalar(b) => {
                let bt = T::from_f64(b);
                v.call(move |x: T| bt.powf(x))
            }
            ParamOp::LeakyRelu(s) => {
                let st = T::from_f64(s);
                v.call(move |x: T| if x > T::ZERO { x } else { x * st })
            }
            ParamOp::Elu(a) => {
                let at = T::from_f64(a);
                v.call(move |x: T| if x > T::ZERO { x } else { at * x.exp_m1() })
            }
            ParamOp::Softplus(beta, threshold) => {
                let (bt, tt) = (T::from_f64(beta), T::from_f64(threshold));
                v.call(move |x: T| {
                    if x * bt > tt {
                        x
                    } else {
                        (x * bt).exp().ln_1p() / bt
                    }
                })
            }
            ParamOp::Hardtanh(lo, hi) => {
                let (l, h) = (T::from_f64(lo), T::from_f64(hi));
                v.call(move |x: T| {
                    if x < l {
                        l
                    } else if x > h {
                        h
                    } else {
                        x
                    }
                })
            }
            ParamOp::GeluTanh => v.call(|x: T| {
                let k = T::from_f64((2.0 / std::f64::consts::PI).sqrt());
                let c = T::from_f64(0.044715);
                let half = T::from_f64(0.5);
                half * x * (T::ONE + (k * (x + c * x * x * x)).tanh())
            }),
        }
    }

    /// Hands the op's integer scalar function to `v`, when it has one.
    pub(crate) fn visit_int<T: IntElement, V: Map1<T>>(self, v: V) -> Option<V::Out> {
        match self {
            ParamOp::Clamp(lo, hi) => {
                // A bound beyond the dtype's range saturates (PyTorch compares in a wider
                // type: clamp(uint8, -1, 1) leaves 0 alone) rather than wrapping as a cast
                // would; `param_raw` rejects the bounds that would empty the range.
                let (tmin, tmax) = int_range(T::DTYPE);
                let lo = lo.map(|l| T::from_f64(l.clamp(tmin, tmax)));
                let hi = hi.map(|h| T::from_f64(h.clamp(tmin, tmax)));
                Some(v.call(move |x: T| {
                    let mut y = x;
                    if let Some(l) = lo {
                        y = y.max(l);
                    }
                    if let Some(h) = hi {
                        y = y.min(h);
                    }
                    y
                }))
            }
            ParamOp::PowScalar(e) => {
                let et = T::from_f64(e);
                Some(v.call(move |x: T| x.pow_w(et)))
            }
            _ => None,
        }
    }
}

/// The values an integer dtype holds, as f64 (int64's top is the largest f64 below 2^63, so
/// converting it back does not overflow).
pub(crate) fn int_range(dt: crate::DType) -> (f64, f64) {
    use crate::DType;
    match dt {
        DType::U8 => (0.0, 255.0),
        DType::I8 => (-128.0, 127.0),
        DType::I16 => (-32768.0, 32767.0),
        DType::I32 => (-2147483648.0, 2147483647.0),
        DType::I64 => (-9.223_372_036_854_776e18, 9.223_372_036_854_775e18),
        _ => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn integer_fmod_keeps_the_sign_of_the_dividend() {
        // torch.fmod(torch.tensor([-7, 7, -7, 7]), torch.tensor([2, -2, -2, 2]))
        let a = crate::tensor([-7i64, 7, -7, 7]);
        let b = crate::tensor([2i64, -2, -2, 2]);
        assert_eq!(a.fmod(&b).to_vec::<i64>(), vec![-1, 1, -1, 1]);
        assert_eq!(a.remainder(&b).to_vec::<i64>(), vec![1, -1, -1, 1]);
        let a8 = crate::tensor([-128i8, 100]);
        let b8 = crate::tensor([-1i8, 7]);
        assert_eq!(a8.fmod(&b8).to_vec::<i8>(), vec![0, 2]);
    }
}
