//! Binary arithmetic with broadcasting and PyTorch's type promotion, scalar operands on
//! either side, comparisons and the logical ops.

use super::{Operand, alloc_like};
use crate::dtype::ResultType;
use crate::error::{OrPanic, Result, bail};
use crate::layout::Layout;
use crate::ops::pointwise::formulas as f;
use crate::ops::{BinaryOp, CmpOp};
use crate::shape::broadcast_shapes;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Scalar, Tensor};
use ember_derive::panicking;

impl Tensor {
    /// The dtype and broadcast shape of `self op other`.
    pub(super) fn binary_plan(&self, other: &Tensor) -> Result<(DType, crate::shape::Dims)> {
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
            kernel::binary(op, self.arg(), other.arg(), out.arg())?;
            return Ok(out);
        }
        let a = self.cast_for_kernel(dt)?;
        let b = other.cast_for_kernel(dt)?;
        let al = a.layout().expand(shape)?;
        let bl = b.layout().expand(shape)?;
        let out = alloc_like(shape, dt, self.device(), &[self.layout(), other.layout()])?;
        kernel::binary(op, a.at(&al), b.at(&bl), out.arg())?;
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
        // Two bool tensors: PyTorch refuses before it broadcasts (`bool_binary` words it
        // the same way for the paths that do not come through here).
        if self.dtype() == DType::Bool && matches!(other, Operand::Tensor(_)) {
            bail!(
                DType,
                "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."
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
    pub(super) fn binary_op(&self, other: Operand<'_>, op: BinaryOp) -> Result<Tensor> {
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
        kernel::cmp(op, a.at(&al), b.at(&bl), out.arg())?;
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
}

impl Tensor {
    /// `self * factor` (`div`: `self / factor`) recorded as ATen's Scalar overloads
    /// (`MulBackward1` / `DivBackward1`): what PyTorch's own formulas and composites record
    /// when they scale by a C++ number (`mean`'s backward divides by the count this way).
    pub(crate) fn scale_scalar(&self, factor: f64, div: bool) -> Result<Tensor> {
        let out = {
            let _g = crate::no_grad();
            if div {
                self.try_div(factor)?
            } else {
                self.try_mul(factor)?
            }
        };
        if needs_grad(&[self]) {
            record(f::ScaleScalar { factor, div }, &[self], &[&out], &[]);
        }
        Ok(out)
    }
}
