//! Elementwise ops: the unary table, binary arithmetic with broadcasting and PyTorch's type
//! promotion, scalar operands on either side, comparisons, `where`, clamp and pow, and the
//! operator traits (`+ - * /`, unary `-`).

pub(crate) mod formulas;

use crate::backend;
use crate::dtype::ResultType;
use crate::error::{OrPanic, Result, bail};
use crate::layout::{Layout, elementwise_layout};
use crate::ops::pointwise::formulas as f;
use crate::ops::{BinaryOp, CmpOp, IntMode, ParamOp, UnaryOp};
use crate::shape::broadcast_shapes;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::{DType, Scalar, Tensor};
use ember_derive::panicking;

/// The second operand of a binary op: a tensor or a Rust number, as PyTorch accepts either.
///
/// ```
/// let x = ember::tensor([1.0, 2.0]);
/// assert_eq!(x.mul(2.0).to_vec::<f32>(), vec![2.0, 4.0]);
/// assert_eq!(x.mul(&x).to_vec::<f32>(), vec![1.0, 4.0]);
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Operand<'a> {
    /// A tensor operand (broadcast against the other).
    Tensor(&'a Tensor),
    /// A number, promoted as a Python number.
    Scalar(Scalar),
}

impl<'a> From<&'a Tensor> for Operand<'a> {
    fn from(t: &'a Tensor) -> Self {
        Operand::Tensor(t)
    }
}

macro_rules! operand_from_scalar {
    ($($t:ty),*) => {$(
        impl From<$t> for Operand<'_> {
            fn from(v: $t) -> Self {
                Operand::Scalar(Scalar::from(v))
            }
        }
    )*};
}
operand_from_scalar!(f32, f64, i32, i64, u8, usize, bool);

impl From<Scalar> for Operand<'_> {
    fn from(s: Scalar) -> Self {
        Operand::Scalar(s)
    }
}

/// A fresh elementwise output of `shape`/`dt` in the memory order of the tensors read at
/// `inputs`. See Note [Elementwise output layout].
pub(crate) fn alloc_like(
    shape: &[usize],
    dt: DType,
    device: crate::Device,
    inputs: &[&Layout],
) -> Result<Tensor> {
    Tensor::alloc_dense(elementwise_layout(shape, inputs), dt, device)
}

impl Tensor {
    /// A 0-dim tensor holding `s` as `dt`, on this tensor's device.
    pub(crate) fn scalar_like(&self, s: Scalar, dt: DType) -> Result<Tensor> {
        let t = Tensor::alloc(&[], dt, self.device())?;
        backend::fill(&mut t.storage().write(), t.layout(), dt, s)?;
        Ok(t)
    }

    /// `self` as `dt` for an elementwise kernel: a dense operand keeps its strides, so the
    /// converted copy walks in the same order as the output (PyTorch's `to` preserves them too).
    pub(crate) fn cast_for_kernel(&self, dt: DType) -> Result<Tensor> {
        let l = self.layout();
        if self.dtype() == dt || !l.is_non_overlapping_and_dense() || l.is_contiguous() {
            return self.try_to_dtype_raw(dt);
        }
        let out = Tensor::alloc_dense(
            Layout {
                shape: l.shape.clone(),
                strides: l.strides.clone(),
                offset: 0,
            },
            dt,
            self.device(),
        )?;
        backend::copy_strided(
            (&self.storage().read(), l),
            self.dtype(),
            &mut out.storage().write(),
            out.layout(),
            dt,
        )?;
        Ok(out)
    }

    /// The dtype to compute `op` in when integers must become floats.
    pub(crate) fn compute_dtype(dt: DType, mode: IntMode) -> DType {
        if mode == IntMode::Promote && !dt.is_floating_point() {
            crate::get_default_dtype()
        } else {
            dt
        }
    }

    /// `op(self)` without recording history.
    pub(crate) fn unary_raw(&self, op: UnaryOp) -> Result<Tensor> {
        let dt = Self::compute_dtype(self.dtype(), op.int_mode());
        if self.dtype() == DType::Bool && dt == DType::Bool {
            match op {
                UnaryOp::Neg => bail!(
                    DType,
                    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
                ),
                // Bool passes through sign; square works on bools promoted to int64.
                UnaryOp::Sign => return self.try_clone_tensor(),
                UnaryOp::Square => return self.try_to_dtype_raw(DType::I64)?.unary_raw(op),
                UnaryOp::Relu => bail!(DType, "Boolean inputs not supported for relu"),
                // PyTorch names the CPU kernel that lacks a bool version.
                UnaryOp::Abs => bail!(DType, "\"abs_cpu\" not implemented for 'Bool'"),
                UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round | UnaryOp::Trunc => bail!(
                    DType,
                    "\"{}_vml_cpu\" not implemented for 'Bool'",
                    op.name()
                ),
                _ => bail!(DType, "\"{}\" not implemented for 'Bool'", op.name()),
            }
        }
        let src = self.cast_for_kernel(dt)?;
        let out = alloc_like(self.shape(), dt, self.device(), &[self.layout()])?;
        backend::unary(
            op,
            Some((&src.storage().read(), src.layout())),
            &mut out.storage().write(),
            out.layout(),
            dt,
        )?;
        Ok(out)
    }

    /// Applies a unary op of the table (`x.exp()` is `x.try_unary(UnaryOp::Exp)`), recording
    /// its backward; every unary op goes through here.
    ///
    /// ```
    /// let y = ember::tensor([0.0f64]).try_unary(ember::UnaryOp::Exp).unwrap();
    /// assert_eq!(y.item::<f64>(), 1.0);
    /// ```
    ///
    /// # Errors
    /// For dtypes the op does not support.
    pub fn try_unary(&self, op: UnaryOp) -> Result<Tensor> {
        let out = self.unary_raw(op)?;
        if needs_grad(&[self]) {
            match op {
                UnaryOp::Square => {
                    record(f::PowScalar(2.0), &[self], &[&out], &[Save::Tensor(self)])
                }
                _ => {
                    let save = match f::unary_saves(op) {
                        f::Saves::Input => vec![Save::Tensor(self)],
                        f::Saves::Output => vec![Save::Output(0)],
                        f::Saves::Nothing => vec![],
                    };
                    record(f::Unary(op), &[self], &[&out], &save);
                }
            }
        }
        Ok(out)
    }

    /// `op(self)` for a parametric op, without history (callers record their formula).
    pub(crate) fn param_raw(&self, op: ParamOp, promote: bool) -> Result<Tensor> {
        let dt = if promote {
            Self::compute_dtype(self.dtype(), IntMode::Promote)
        } else {
            self.dtype()
        };
        let src = self.cast_for_kernel(dt)?;
        let out = alloc_like(self.shape(), dt, self.device(), &[self.layout()])?;
        backend::param(
            op,
            Some((&src.storage().read(), src.layout())),
            &mut out.storage().write(),
            out.layout(),
            dt,
        )?;
        Ok(out)
    }

    /// The dtype and broadcast shape of `self op other`.
    fn binary_plan(&self, other: &Tensor) -> Result<(DType, crate::shape::Dims)> {
        self.check_same_device(other)?;
        let dt = ResultType::default()
            .tensor(self.dtype(), self.dim())
            .tensor(other.dtype(), other.dim())
            .finish();
        Ok((dt, broadcast_shapes(self.shape(), other.shape())?))
    }

    /// `op(self, other)` on tensors, without history.
    pub(crate) fn binary_raw(&self, other: &Tensor, op: BinaryOp) -> Result<Tensor> {
        let (dt, shape) = self.binary_plan(other)?;
        self.binary_raw_as(other, op, dt, &shape)
    }

    pub(crate) fn binary_raw_as(
        &self,
        other: &Tensor,
        op: BinaryOp,
        dt: DType,
        shape: &[usize],
    ) -> Result<Tensor> {
        let dt = Self::compute_dtype(dt, op.int_mode());
        if dt == DType::Bool {
            return self.bool_binary(other, op, shape);
        }
        if matches!(
            op,
            BinaryOp::Remainder | BinaryOp::FloorDivide | BinaryOp::Fmod
        ) && !dt.is_floating_point()
            && other.has_zero()?
        {
            bail!(Value, "ZeroDivisionError");
        }
        let (sl, ol) = (self.layout(), other.layout());
        if self.dtype() == dt
            && other.dtype() == dt
            && sl.shape.as_slice() == shape
            && ol.shape.as_slice() == shape
            && sl.is_contiguous()
            && ol.is_contiguous()
        {
            // The common case, same-shape contiguous operands of the compute dtype, skips the
            // casts, broadcasts and layout choice below (a third of a tiny op's cost).
            self.check_same_device(other)?;
            let out = Tensor::alloc_dense(Layout::contiguous(shape), dt, self.device())?;
            backend::binary(
                op,
                Some((&self.storage().read(), sl)),
                (&other.storage().read(), ol),
                &mut out.storage().write(),
                out.layout(),
                dt,
            )?;
            return Ok(out);
        }
        let a = self.cast_for_kernel(dt)?;
        let b = other.cast_for_kernel(dt)?;
        let al = a.layout().expand(shape)?;
        let bl = b.layout().expand(shape)?;
        let out = alloc_like(shape, dt, self.device(), &[self.layout(), other.layout()])?;
        backend::binary(
            op,
            Some((&a.storage().read(), &al)),
            (&b.storage().read(), &bl),
            &mut out.storage().write(),
            out.layout(),
            dt,
        )?;
        Ok(out)
    }

    /// Bool arithmetic: `+` and `maximum` are `or`, `*` and `minimum` are `and`.
    fn bool_binary(&self, other: &Tensor, op: BinaryOp, shape: &[usize]) -> Result<Tensor> {
        let cmp = match op {
            BinaryOp::Add | BinaryOp::Maximum => CmpOp::LogicalOr,
            BinaryOp::Mul | BinaryOp::Minimum => CmpOp::LogicalAnd,
            BinaryOp::Sub => bail!(
                DType,
                "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."
            ),
            _ => bail!(DType, "\"{}\" not implemented for 'Bool'", op.name()),
        };
        let _ = shape;
        self.cmp_raw(other, cmp)
    }

    /// Resolves an operand to a tensor and the dtype of the op's result.
    pub(crate) fn operand_plan(
        &self,
        other: Operand<'_>,
    ) -> Result<(Tensor, DType, crate::shape::Dims)> {
        match other {
            Operand::Tensor(t) => {
                let (dt, shape) = self.binary_plan(t)?;
                Ok((t.clone(), dt, shape))
            }
            Operand::Scalar(s) => {
                let dt = ResultType::default()
                    .tensor(self.dtype(), self.dim())
                    .scalar(s)
                    .finish();
                Ok((self.scalar_like(s, dt)?, dt, self.shape().into()))
            }
        }
    }

    /// PyTorch refuses `-` when one side is a bool tensor and the other is not (two bool
    /// tensors get their own message in `bool_binary`).
    fn check_bool_sub(&self, other: Operand<'_>) -> Result<()> {
        let other_bool = match other {
            Operand::Tensor(t) => t.dtype() == DType::Bool,
            Operand::Scalar(_) => false,
        };
        if (self.dtype() == DType::Bool) != other_bool {
            bail!(
                DType,
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
            );
        }
        Ok(())
    }

    /// Any op of the binary table by its enum, with autograd (`torch.<op>(self, other)`):
    /// what front ends generated from the op table call.
    ///
    /// ```
    /// let x = ember::tensor([7, -7]);
    /// let r = x.try_binary(3, ember::BinaryOp::Remainder).unwrap();
    /// assert_eq!(r.to_vec::<i64>(), vec![1, 2]);
    /// ```
    ///
    /// # Errors
    /// As the op's named method (`try_add`, `try_remainder`, …).
    pub fn try_binary<'a>(&self, other: impl Into<Operand<'a>>, op: BinaryOp) -> Result<Tensor> {
        self.binary_op(other.into(), op)
    }

    /// Any comparison or logical op of [`CmpOp`] by its enum (`torch.eq`, `torch.logical_and`, …).
    ///
    /// ```
    /// let m = ember::tensor([1.0, 3.0]).try_cmp(2.0, ember::CmpOp::Gt).unwrap();
    /// assert_eq!(m.to_vec::<bool>(), vec![false, true]);
    /// ```
    ///
    /// # Errors
    /// If the shapes do not broadcast or the devices differ.
    pub fn try_cmp<'a>(&self, other: impl Into<Operand<'a>>, op: CmpOp) -> Result<Tensor> {
        self.cmp_op(other.into(), op)
    }

    /// The binary op with autograd, for tensor or scalar `other`.
    fn binary_op(&self, other: Operand<'_>, op: BinaryOp) -> Result<Tensor> {
        if op == BinaryOp::Sub {
            self.check_bool_sub(other)?;
        }
        let (o, dt, shape) = self.operand_plan(other)?;
        let out = self.binary_raw_as(&o, op, dt, &shape)?;
        if !out.dtype().is_floating_point() {
            return Ok(out);
        }
        match other {
            Operand::Tensor(t) => {
                if needs_grad(&[self, t]) {
                    let saves: Vec<Save> = match op {
                        BinaryOp::Add | BinaryOp::Sub => vec![],
                        BinaryOp::Pow => vec![Save::Tensor(self), Save::Tensor(t), Save::Output(0)],
                        _ => vec![Save::Tensor(self), Save::Tensor(t)],
                    };
                    record(f::Binary { op, alpha: 1.0 }, &[self, t], &[&out], &saves);
                }
            }
            Operand::Scalar(s) => {
                if needs_grad(&[self]) {
                    let saves: Vec<Save> = match op {
                        BinaryOp::Maximum | BinaryOp::Minimum | BinaryOp::Atan2 | BinaryOp::Pow => {
                            vec![Save::Tensor(self)]
                        }
                        _ => vec![],
                    };
                    record(
                        f::BinaryScalar {
                            op,
                            other: s.to_f64(),
                        },
                        &[self],
                        &[&out],
                        &saves,
                    );
                }
            }
        }
        Ok(out)
    }

    /// Comparison into a bool tensor, without history (comparisons have none).
    pub(crate) fn cmp_raw(&self, other: &Tensor, op: CmpOp) -> Result<Tensor> {
        let (dt, shape) = self.binary_plan(other)?;
        let a = self.cast_for_kernel(dt)?;
        let b = other.cast_for_kernel(dt)?;
        let al = a.layout().expand(&shape)?;
        let bl = b.layout().expand(&shape)?;
        let out = alloc_like(
            &shape,
            DType::Bool,
            self.device(),
            &[self.layout(), other.layout()],
        )?;
        backend::cmp(
            op,
            (&a.storage().read(), &al),
            (&b.storage().read(), &bl),
            &mut out.storage().write(),
            out.layout(),
            dt,
        )?;
        Ok(out)
    }

    fn cmp_op(&self, other: Operand<'_>, op: CmpOp) -> Result<Tensor> {
        let (o, _, _) = self.operand_plan(other)?;
        self.cmp_raw(&o, op)
    }
}

macro_rules! binary_methods {
    ($($(#[$doc:meta])* $name:ident, $try_name:ident, $op:expr;)*) => {$(
        impl Tensor {
            $(#[$doc])*
            ///
            /// # Errors
            /// If the shapes do not broadcast, the tensors are on different devices, or the
            /// dtype does not support the op.
            pub fn $try_name<'a>(&self, other: impl Into<Operand<'a>>) -> Result<Tensor> {
                self.binary_op(other.into(), $op)
            }

            $(#[$doc])*
            ///
            /// # Panics
            /// As the `try_` form's errors.
            #[must_use]
            #[track_caller]
            #[allow(clippy::should_implement_trait)]
            pub fn $name<'a>(&self, other: impl Into<Operand<'a>>) -> Tensor {
                self.$try_name(other).or_panic()
            }
        }
    )*};
}

binary_methods! {
    /// `torch.add(self, other)`, broadcasting, with PyTorch's type promotion.
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 2.0]]);
    /// assert_eq!(x.add(&ember::tensor([[1.0], [2.0]])).shape(), &[2, 2]);
    /// ```
    add, try_add, BinaryOp::Add;
    /// `torch.sub(self, other)`.
    ///
    /// ```
    /// assert_eq!(ember::tensor([3, 4]).sub(1).to_vec::<i64>(), vec![2, 3]);
    /// ```
    sub, try_sub, BinaryOp::Sub;
    /// `torch.mul(self, other)`.
    ///
    /// ```
    /// assert_eq!(ember::tensor([3, 4]).mul(2.5).dtype(), ember::DType::F32);
    /// ```
    mul, try_mul, BinaryOp::Mul;
    /// `torch.div(self, other)`: true division (integers give floats).
    ///
    /// ```
    /// assert_eq!(ember::tensor([1, 2]).div(2).to_vec::<f32>(), vec![0.5, 1.0]);
    /// ```
    div, try_div, BinaryOp::Div;
    /// `torch.maximum(self, other)`, propagating NaN.
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 5.0]).maximum(2.0).to_vec::<f32>(), vec![2.0, 5.0]);
    /// ```
    maximum, try_maximum, BinaryOp::Maximum;
    /// `torch.minimum(self, other)`, propagating NaN.
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 5.0]).minimum(2.0).to_vec::<f32>(), vec![1.0, 2.0]);
    /// ```
    minimum, try_minimum, BinaryOp::Minimum;
    /// `torch.atan2(self, other)`.
    ///
    /// ```
    /// let y = ember::Tensor::from_slice(&[1.0f64], [1]).atan2(1.0);
    /// assert!((y.item::<f64>() - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
    /// ```
    atan2, try_atan2, BinaryOp::Atan2;
    /// `torch.remainder(self, other)`: Python's `%` (sign of the divisor).
    ///
    /// ```
    /// assert_eq!(ember::tensor([-7, 7]).remainder(3).to_vec::<i64>(), vec![2, 1]);
    /// ```
    remainder, try_remainder, BinaryOp::Remainder;
    /// `torch.fmod(self, other)`: C's `fmod` (sign of the dividend).
    ///
    /// ```
    /// assert_eq!(ember::tensor([-7.0, 7.0]).fmod(3.0).to_vec::<f32>(), vec![-1.0, 1.0]);
    /// ```
    fmod, try_fmod, BinaryOp::Fmod;
    /// `torch.floor_divide(self, other)`.
    ///
    /// ```
    /// assert_eq!(ember::tensor([-7, 7]).floor_divide(2).to_vec::<i64>(), vec![-4, 3]);
    /// ```
    floor_divide, try_floor_divide, BinaryOp::FloorDivide;
}

macro_rules! cmp_methods {
    ($($name:ident, $try_name:ident, $op:expr, $sym:literal;)*) => {$(
        impl Tensor {
            #[doc = concat!("`self ", $sym, " other` elementwise, as a bool tensor (`torch.", stringify!($name), "`).")]
            ///
            /// # Errors
            /// If the shapes do not broadcast or the devices differ.
            pub fn $try_name<'a>(&self, other: impl Into<Operand<'a>>) -> Result<Tensor> {
                self.cmp_op(other.into(), $op)
            }

            #[doc = concat!("`self ", $sym, " other` elementwise, as a bool tensor.\n\n```\nlet m = ember::tensor([1.0, 2.0, 3.0]).", stringify!($name), "(2.0);\nassert_eq!(m.dtype(), ember::DType::Bool);\n```")]
            ///
            /// # Panics
            /// As the `try_` form's errors.
            #[must_use]
            #[track_caller]
            #[allow(clippy::should_implement_trait)]
            pub fn $name<'a>(&self, other: impl Into<Operand<'a>>) -> Tensor {
                self.$try_name(other).or_panic()
            }
        }
    )*};
}

cmp_methods! {
    eq, try_eq, CmpOp::Eq, "==";
    ne, try_ne, CmpOp::Ne, "!=";
    lt, try_lt, CmpOp::Lt, "<";
    le, try_le, CmpOp::Le, "<=";
    gt, try_gt, CmpOp::Gt, ">";
    ge, try_ge, CmpOp::Ge, ">=";
    logical_and, try_logical_and, CmpOp::LogicalAnd, "and";
    logical_or, try_logical_or, CmpOp::LogicalOr, "or";
    logical_xor, try_logical_xor, CmpOp::LogicalXor, "xor";
}

impl Tensor {
    /// `torch.logical_not`: true where the element is zero.
    ///
    /// ```
    /// let m = ember::tensor([true, false]).logical_not();
    /// assert_eq!(m.to_vec::<bool>(), vec![false, true]);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::tensor([0, 3]).logical_not().to_vec::<bool>(), vec![true, false]);
    /// ```
    ///
    /// # Errors
    /// Never for CPU tensors; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_logical_not(&self) -> Result<Tensor> {
        let zero = self.scalar_like(Scalar::Int(0), self.dtype())?;
        self.cmp_raw(&zero, CmpOp::Eq)
    }

    /// `torch.add(self, other, alpha=alpha)`: `self + alpha * other`.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0]);
    /// assert_eq!(x.add_alpha(&x, 2.0).to_vec::<f32>(), vec![3.0, 6.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_add`].
    #[panicking(must_use)]
    pub fn try_add_alpha(&self, other: &Tensor, alpha: f64) -> Result<Tensor> {
        self.alpha_op(other, alpha, BinaryOp::Add)
    }

    /// `torch.sub(self, other, alpha=alpha)`: `self - alpha * other`.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0]);
    /// assert_eq!(x.sub_alpha(&x, 0.5).to_vec::<f32>(), vec![0.5, 1.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_sub`].
    #[panicking(must_use)]
    pub fn try_sub_alpha(&self, other: &Tensor, alpha: f64) -> Result<Tensor> {
        self.alpha_op(other, alpha, BinaryOp::Sub)
    }

    fn alpha_op(&self, other: &Tensor, alpha: f64, op: BinaryOp) -> Result<Tensor> {
        if op == BinaryOp::Sub {
            self.check_bool_sub(Operand::Tensor(other))?;
        }
        let (dt, shape) = self.binary_plan(other)?;
        if !dt.is_floating_point() && alpha.fract() != 0.0 {
            bail!(
                DType,
                "For integral input tensors, argument alpha must not be a floating point number."
            );
        }
        let scaled = if alpha == 1.0 {
            other.clone()
        } else {
            other.binary_raw(
                &other.scalar_like(Scalar::Float(alpha), other.dtype())?,
                BinaryOp::Mul,
            )?
        };
        let out = self.binary_raw_as(&scaled, op, dt, &shape)?;
        if out.dtype().is_floating_point() && needs_grad(&[self, other]) {
            record(f::Binary { op, alpha }, &[self, other], &[&out], &[]);
        }
        Ok(out)
    }

    /// `torch.rsub(self, other)`: `other - self` for a scalar `other`.
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 2.0]).rsub(1.5).to_vec::<f32>(), vec![0.5, -0.5]);
    /// ```
    ///
    /// # Errors
    /// If the dtype does not support subtraction.
    #[panicking(must_use)]
    pub fn try_rsub(&self, other: impl Into<Scalar>) -> Result<Tensor> {
        let s = other.into();
        self.check_bool_sub(Operand::Scalar(s))?;
        let (o, dt, shape) = self.operand_plan(Operand::Scalar(s))?;
        let out = o.binary_raw_as(self, BinaryOp::Sub, dt, &shape)?;
        if out.dtype().is_floating_point() && needs_grad(&[self]) {
            record(f::Rsub, &[self], &[&out], &[]);
        }
        Ok(out)
    }

    /// `other / self` for a scalar `other` (Python's `2 / x`), computed as
    /// `self.reciprocal() * other` like PyTorch.
    ///
    /// ```
    /// assert_eq!(ember::tensor([2.0, 4.0]).rdiv(2.0).to_vec::<f32>(), vec![1.0, 0.5]);
    /// ```
    ///
    /// # Errors
    /// If the dtype does not support division.
    #[panicking(must_use)]
    pub fn try_rdiv(&self, other: impl Into<Scalar>) -> Result<Tensor> {
        self.try_reciprocal()?
            .try_mul(Operand::Scalar(other.into()))
    }

    /// `torch.pow(self, exponent)` with a scalar or tensor exponent.
    ///
    /// ```
    /// let x = ember::tensor([-3.0, 2.0, 5.0]);
    /// assert_eq!(x.pow(3).to_vec::<f32>(), vec![-27.0, 8.0, 125.0]);
    /// assert_eq!(x.pow(&x).to_vec::<f32>()[1], 4.0);
    /// ```
    ///
    /// # Errors
    /// If shapes do not broadcast, or for negative integer powers of integers.
    #[panicking(must_use)]
    pub fn try_pow<'a>(&self, exponent: impl Into<Operand<'a>>) -> Result<Tensor> {
        match exponent.into() {
            Operand::Tensor(t) => self.binary_op(Operand::Tensor(t), BinaryOp::Pow),
            Operand::Scalar(s) => {
                let dt = ResultType::default()
                    .tensor(self.dtype(), self.dim())
                    .scalar(s)
                    .finish();
                if !dt.is_floating_point() && s.to_i64() < 0 {
                    bail!(
                        Value,
                        "Integers to negative integer powers are not allowed."
                    );
                }
                let x = self.cast_for_kernel(dt)?;
                let out = x.param_raw(ParamOp::PowScalar(s.to_f64()), false)?;
                if dt.is_floating_point() && needs_grad(&[self]) {
                    record(
                        f::PowScalar(s.to_f64()),
                        &[self],
                        &[&out],
                        &[Save::Tensor(self)],
                    );
                }
                Ok(out)
            }
        }
    }

    /// `base ** self` for a scalar base (`torch.pow(base, self)`).
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 3.0]).rpow(2.0).to_vec::<f32>(), vec![2.0, 8.0]);
    /// ```
    ///
    /// # Errors
    /// For non-numeric dtypes.
    #[panicking(must_use)]
    pub fn try_rpow(&self, base: impl Into<Scalar>) -> Result<Tensor> {
        let b = base.into();
        let dt = ResultType::default()
            .tensor(self.dtype(), self.dim())
            .scalar(b)
            .finish();
        if !dt.is_floating_point() {
            // An integer base to integer powers stays integer (`2 ** x` is int64 for int x).
            let base = self.scalar_like(b, dt)?;
            let (_, shape) = base.binary_plan(self)?;
            return base.binary_raw_as(self, BinaryOp::Pow, dt, &shape);
        }
        let x = self.cast_for_kernel(dt)?;
        let out = x.param_raw(ParamOp::RPowScalar(b.to_f64()), false)?;
        if needs_grad(&[self]) {
            record(
                f::RPowScalar(b.to_f64()),
                &[self],
                &[&out],
                &[Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// `torch.clamp(self, min, max)`; either bound may be `None`.
    ///
    /// ```
    /// let x = ember::tensor([-1.0, 0.5, 2.0]);
    /// assert_eq!(x.clamp(0.0, None).to_vec::<f32>(), vec![0.0, 0.5, 2.0]);
    /// assert_eq!(x.clamp(None, 1.0).to_vec::<f32>(), vec![-1.0, 0.5, 1.0]);
    /// ```
    ///
    /// # Errors
    /// If both bounds are `None`.
    #[panicking(must_use)]
    pub fn try_clamp(
        &self,
        min: impl Into<Option<f64>>,
        max: impl Into<Option<f64>>,
    ) -> Result<Tensor> {
        let (min, max) = (min.into(), max.into());
        if min.is_none() && max.is_none() {
            bail!(
                Value,
                "ember.clamp: At least one of 'min' or 'max' must not be None"
            );
        }
        let out = self.param_raw(ParamOp::Clamp(min, max), false)?;
        if needs_grad(&[self]) {
            record(
                f::Clamp {
                    min,
                    max,
                    name: "ClampBackward1",
                },
                &[self],
                &[&out],
                &[Save::Tensor(self)],
            );
        }
        Ok(out)
    }

    /// `torch.clamp(self, min, max)` with Python-number bounds and PyTorch's promotion: an
    /// integer tensor clamped by a float bound becomes a float tensor, by int bounds stays
    /// integer.
    ///
    /// ```
    /// use ember::{DType, Scalar};
    /// let x = ember::tensor([1i64, 5]);
    /// let f = x.try_clamp_scalar(Some(Scalar::Float(1.5)), None).unwrap();
    /// assert_eq!((f.dtype(), f.to_vec::<f32>()), (DType::F32, vec![1.5, 5.0]));
    /// let i = x.try_clamp_scalar(None, Some(Scalar::Int(3))).unwrap();
    /// assert_eq!((i.dtype(), i.to_vec::<i64>()), (DType::I64, vec![1, 3]));
    /// ```
    ///
    /// # Errors
    /// If both bounds are `None`.
    pub fn try_clamp_scalar(&self, min: Option<Scalar>, max: Option<Scalar>) -> Result<Tensor> {
        let mut rt = ResultType::default().tensor(self.dtype(), self.dim());
        for s in [min, max].into_iter().flatten() {
            rt = rt.scalar(s);
        }
        let dt = rt.finish();
        let x = if dt == self.dtype() {
            self.clone()
        } else {
            self.try_to_dtype(dt)?
        };
        x.try_clamp(min.map(Scalar::to_f64), max.map(Scalar::to_f64))
    }

    /// `torch.clamp_min(self, min)` (node `ClampMinBackward0`).
    ///
    /// ```
    /// let h = ember::tensor([-1.0, 3.0]).clamp_min(0.0);
    /// assert_eq!(h.to_vec::<f32>(), vec![0.0, 3.0]);
    /// ```
    #[must_use]
    pub fn clamp_min(&self, min: f64) -> Tensor {
        self.clamp_one(Some(min), None, "ClampMinBackward0")
            .or_panic()
    }

    /// `torch.clamp_max(self, max)` (node `ClampMaxBackward0`).
    ///
    /// ```
    /// assert_eq!(ember::tensor([-1.0, 3.0]).clamp_max(0.0).to_vec::<f32>(), vec![-1.0, 0.0]);
    /// ```
    #[must_use]
    pub fn clamp_max(&self, max: f64) -> Tensor {
        self.clamp_one(None, Some(max), "ClampMaxBackward0")
            .or_panic()
    }

    fn clamp_one(&self, min: Option<f64>, max: Option<f64>, name: &'static str) -> Result<Tensor> {
        let out = self.param_raw(ParamOp::Clamp(min, max), false)?;
        if needs_grad(&[self]) {
            record(
                f::Clamp { min, max, name },
                &[self],
                &[&out],
                &[Save::Tensor(self)],
            );
        }
        Ok(out)
    }

    /// `torch.where(cond, self, other)`: elements of `self` where `cond`, else of `other`.
    ///
    /// ```
    /// let c = ember::tensor([true, false]);
    /// let x = ember::tensor([1.0, 2.0]);
    /// assert_eq!(x.where_cond(&c, 0.0).to_vec::<f32>(), vec![1.0, 0.0]);
    /// ```
    ///
    /// # Errors
    /// If `cond` is not bool or the shapes do not broadcast.
    #[panicking(must_use)]
    pub fn try_where_cond<'a>(
        &'a self,
        cond: &Tensor,
        other: impl Into<Operand<'a>>,
    ) -> Result<Tensor> {
        crate::try_where_(cond, self, other)
    }

    /// `torch.ops.aten.tanh_backward(grad, y)`: `grad * (1 - y²)`, recorded as its own node
    /// so that double backward through `tanh` names it as PyTorch does.
    pub(crate) fn tanh_backward(grad: &Tensor, y: &Tensor) -> Result<Tensor> {
        let out = {
            let _g = crate::no_grad();
            grad.try_mul(&y.try_mul(y)?.try_rsub(1.0)?)?
        };
        if needs_grad(&[grad, y]) {
            record(
                f::TanhBackward,
                &[grad, y],
                &[&out],
                &[Save::Tensor(grad), Save::Tensor(y)],
            );
        }
        Ok(out)
    }

    /// `torch.ops.aten.sigmoid_backward(grad, y)`: `grad * y * (1 - y)`, as its own node.
    pub(crate) fn sigmoid_backward(grad: &Tensor, y: &Tensor) -> Result<Tensor> {
        let out = {
            let _g = crate::no_grad();
            grad.try_mul(&y.try_mul(&y.try_rsub(1.0)?)?)?
        };
        if needs_grad(&[grad, y]) {
            record(
                f::SigmoidBackward,
                &[grad, y],
                &[&out],
                &[Save::Tensor(grad), Save::Tensor(y)],
            );
        }
        Ok(out)
    }

    /// `torch.ops.aten.threshold_backward(grad, x, threshold)`: `grad` where `x > threshold`,
    /// else 0, as its own node (relu's backward).
    pub(crate) fn threshold_backward(grad: &Tensor, x: &Tensor, threshold: f64) -> Result<Tensor> {
        let mask = x.try_gt(threshold)?;
        let out = {
            let _g = crate::no_grad();
            grad.try_where_cond(&mask, 0.0)?
        };
        if needs_grad(&[grad]) {
            record(
                f::ThresholdBackward(threshold),
                &[grad, x],
                &[&out],
                &[Save::Tensor(x)],
            );
        }
        Ok(out)
    }
}

/// `torch.where(cond, a, b)`: elements of `a` where `cond` is true, else of `b`; each of
/// `a`, `b` may be a tensor or a number.
///
/// ```
/// let c = ember::tensor([true, false, true]);
/// let y = ember::where_(&c, &ember::tensor([1.0, 2.0, 3.0]), 0.0);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 0.0, 3.0]);
/// ```
///
/// # Errors
/// If `cond` is not bool, the shapes do not broadcast, or the devices differ.
#[panicking(must_use)]
pub fn try_where_<'a>(
    cond: &Tensor,
    a: impl Into<Operand<'a>>,
    b: impl Into<Operand<'a>>,
) -> Result<Tensor> {
    if cond.dtype() != DType::Bool {
        bail!(
            DType,
            "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
            cond.dtype().scalar_type_name()
        );
    }
    let (a, b) = (a.into(), b.into());
    let mut rt = ResultType::default();
    for o in [a, b] {
        rt = match o {
            Operand::Tensor(t) => rt.tensor(t.dtype(), t.dim()),
            Operand::Scalar(s) => rt.scalar(s),
        };
    }
    let dt = rt.finish();
    let to_t = |o: Operand<'_>| -> Result<Tensor> {
        match o {
            Operand::Tensor(t) => {
                cond.check_same_device(t)?;
                t.cast_for_kernel(dt)
            }
            Operand::Scalar(s) => cond.scalar_like(s, dt),
        }
    };
    let (ta, tb) = (to_t(a)?, to_t(b)?);
    // Memory order comes from the operands as given, before any cast.
    let [la, lb] = [(a, &ta), (b, &tb)].map(|(o, t)| match o {
        Operand::Tensor(orig) => orig.layout(),
        Operand::Scalar(_) => t.layout(),
    });
    let shape = broadcast_shapes(&broadcast_shapes(cond.shape(), ta.shape())?, tb.shape())?;
    let out = alloc_like(&shape, dt, cond.device(), &[cond.layout(), la, lb])?;
    backend::where_(
        (&cond.storage().read(), &cond.layout().expand(&shape)?),
        (&ta.storage().read(), &ta.layout().expand(&shape)?),
        (&tb.storage().read(), &tb.layout().expand(&shape)?),
        &mut out.storage().write(),
        out.layout(),
        dt,
    )?;
    if dt.is_floating_point() {
        let ins: Vec<&Tensor> = [a, b]
            .iter()
            .filter_map(|o| match o {
                Operand::Tensor(t) => Some(*t),
                _ => None,
            })
            .collect();
        if needs_grad(&ins) {
            let which: Vec<bool> = [a, b]
                .iter()
                .map(|o| matches!(o, Operand::Tensor(_)))
                .collect();
            record(f::Where { which }, &ins, &[&out], &[Save::Tensor(cond)]);
        }
    }
    Ok(out)
}

/// The Rust scalars an operator takes on its right (`&x * 2.0f32`, `&x + 1i32`): one generic
/// impl over them, so an untyped literal (`&x * 2.0`) still picks one impl and defaults to
/// `f64`/`i32` as usual. On the left (`2.0 * &x`) Rust needs one impl per type: `f64` and
/// `i64` there, so untyped literals work; give other types as `f64`/`i64`.
pub trait OperatorScalar: Into<Scalar> + Copy + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! operator_scalars {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl OperatorScalar for $t {}
    )*};
}
operator_scalars!(f64, f32, i64, i32);

macro_rules! impl_binary_operator {
    ($trait:ident, $method:ident, $op:ident, $rop:expr) => {
        impl std::ops::$trait<&Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$op(self, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$op(self, &rhs)
            }
        }
        impl std::ops::$trait<&Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$op(&self, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$op(&self, &rhs)
            }
        }
        impl<S: OperatorScalar> std::ops::$trait<S> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: S) -> Tensor {
                Tensor::$op(self, rhs.into())
            }
        }
        impl<S: OperatorScalar> std::ops::$trait<S> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: S) -> Tensor {
                Tensor::$op(&self, rhs.into())
            }
        }
        impl_binary_operator!(@scalars $trait, $method, $op, $rop, f64, i64);
    };
    (@scalars $trait:ident, $method:ident, $op:ident, $rop:expr, $($s:ty),*) => {$(
        impl std::ops::$trait<&Tensor> for $s {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                let f: fn(&Tensor, $s) -> Tensor = $rop;
                f(rhs, self)
            }
        }
        impl std::ops::$trait<Tensor> for $s {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                let f: fn(&Tensor, $s) -> Tensor = $rop;
                f(&rhs, self)
            }
        }
    )*};
}

impl_binary_operator!(Add, add, add, |t, s| t.add(s));
impl_binary_operator!(Sub, sub, sub, |t, s| t.rsub(s));
impl_binary_operator!(Mul, mul, mul, |t, s| t.mul(s));
impl_binary_operator!(Div, div, div, |t, s| t.rdiv(s));

impl std::ops::Neg for &Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}

impl std::ops::Neg for Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        Tensor::neg(&self)
    }
}
