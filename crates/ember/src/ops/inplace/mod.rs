//! In-place ops (`add_`, `mul_`, `zero_`, `copy_`, …) and the `+= -= *= /=` operators.
//!
//! Each write bumps the storage's version counter (Note [Version counter]). With grad mode
//! on, an in-place op on a leaf that requires grad is an error, and on a non-leaf it is
//! recorded like the out-of-place op and becomes the tensor's new `grad_fn`.

pub(crate) mod formulas;

use crate::autograd::inplace::{AsStridedBackward, inplace_needs_grad, record_inplace};
use crate::error::{OrPanic, Result, bail};
use crate::layout::Layout;
use crate::ops::inplace::formulas::{CopyFrom, Overwrite};
use crate::ops::pointwise::formulas as f;
use crate::ops::{BinaryOp, IntMode, ParamOp, UnaryOp};
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Scalar, Tensor};

/// PyTorch's `canCast`: no float to integer, no number to bool.
fn can_cast(from: DType, to: DType) -> bool {
    !((from.is_floating_point() && to.is_integral(false))
        || (from != DType::Bool && to == DType::Bool))
}

impl Tensor {
    /// Refuses to write into a tensor several of whose elements share memory (an expanded
    /// tensor), as PyTorch does for in-place and `out=` writes.
    pub(crate) fn check_writable(&self) -> Result<()> {
        let l = self.layout();
        if l.shape
            .iter()
            .zip(&l.strides)
            .any(|(&n, &s)| n > 1 && s == 0)
        {
            bail!(
                Value,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation."
            );
        }
        Ok(())
    }

    /// The checks every in-place op makes before writing.
    pub(crate) fn check_inplace(&self) -> Result<()> {
        self.check_writable()?;
        if crate::is_grad_enabled() {
            if self.is_leaf() && self.requires_grad() {
                bail!(
                    Autograd,
                    "a leaf Variable that requires grad is being used in an in-place operation."
                );
            }
            if let Some(b) = self.base()
                && b.is_leaf()
                && b.requires_grad()
            {
                bail!(
                    Autograd,
                    "a view of a leaf Variable that requires grad is being used in an in-place operation."
                );
            }
        }
        Ok(())
    }

    pub(crate) fn check_cast(&self, from: DType) -> Result<()> {
        if !can_cast(from, self.dtype()) {
            bail!(
                DType,
                "result type {} can't be cast to the desired output type {}",
                from.scalar_type_name(),
                self.dtype().scalar_type_name()
            );
        }
        Ok(())
    }

    /// `other` as a tensor of `self`'s dtype that does not share `self`'s memory
    /// (see Note [Storage locks]).
    pub(crate) fn unalias(&self, other: &Tensor) -> Result<Tensor> {
        if other.shares_storage(self) {
            other.copy_raw(self.dtype())
        } else {
            other.try_to_dtype_raw(self.dtype())
        }
    }

    /// Any op of the binary table in place (`x.remainder_(3)`, `x.pow_(2)`), by its enum;
    /// returns `self`.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 4.0]);
    /// x.try_binary_(2.0, ember::BinaryOp::Pow).unwrap();
    /// assert_eq!(x.to_vec::<f32>(), vec![1.0, 16.0]);
    /// ```
    ///
    /// # Errors
    /// As the op's named in-place method (`try_add_`, …).
    pub fn try_binary_<'a>(&self, other: impl Into<Operand<'a>>, op: BinaryOp) -> Result<Tensor> {
        self.inplace_binary(other.into(), op)
    }

    fn inplace_binary(&self, other: Operand<'_>, op: BinaryOp) -> Result<Tensor> {
        self.check_inplace()?;
        let (o, dt, shape) = match other {
            Operand::Tensor(t) => {
                self.check_same_device(t)?;
                let dt = crate::dtype::ResultType::default()
                    .tensor(self.dtype(), self.dim())
                    .tensor(t.dtype(), t.dim())
                    .finish();
                (
                    t.clone(),
                    dt,
                    crate::shape::broadcast_shapes(self.shape(), t.shape())?,
                )
            }
            Operand::Scalar(s) => {
                let dt = crate::dtype::ResultType::default()
                    .tensor(self.dtype(), self.dim())
                    .scalar(s)
                    .finish();
                (self.scalar_like(s, self.dtype())?, dt, self.shape().into())
            }
        };
        let cdt = if op.int_mode() == IntMode::Promote && !dt.is_floating_point() {
            crate::get_default_dtype()
        } else {
            dt
        };
        self.check_cast(cdt)?;
        if shape.as_slice() != self.shape() {
            bail!(
                Shape,
                "output with shape {} doesn't match the broadcast shape {}",
                crate::shape::ShapeFmt(self.shape()),
                crate::shape::ShapeFmt(&shape)
            );
        }
        if self.dtype() == DType::Bool {
            let r = self.binary_raw(&o, op)?;
            return self.copy_values_from(&r);
        }
        let src = self.unalias(&o)?;
        let other_t = match other {
            Operand::Tensor(t) => Some(t),
            Operand::Scalar(_) => None,
        };
        let mut ins: Vec<&Tensor> = vec![self];
        ins.extend(other_t);
        let record_grad = self.dtype().is_floating_point() && inplace_needs_grad(self, &ins[1..]);
        let old_self = if record_grad
            && matches!(
                op,
                BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Maximum
                    | BinaryOp::Minimum
                    | BinaryOp::Atan2
                    | BinaryOp::Pow
                    | BinaryOp::Remainder
                    | BinaryOp::Fmod
            ) {
            Some(self.original_self()?)
        } else {
            None
        };
        let sl = src.layout().expand(self.shape())?;
        kernel::binary(op, self.arg(), src.at(&sl), self.arg())?;
        self.bump_version();
        if record_grad {
            let old = old_self.as_ref();
            match other {
                Operand::Tensor(t) => {
                    let mut saves = Vec::new();
                    if let Some(o) = old {
                        saves.push(Save::Tensor(o));
                        saves.push(Save::Tensor(t));
                        if op == BinaryOp::Pow {
                            saves.push(Save::Output(0));
                        }
                    }
                    record_inplace(f::Binary { op, alpha: 1.0 }, &[self, t], &saves)?;
                }
                Operand::Scalar(s) => {
                    let saves: Vec<Save> = old.map(Save::Tensor).into_iter().collect();
                    record_inplace(
                        f::BinaryScalar {
                            op,
                            other: s.to_f64(),
                        },
                        &[self],
                        &saves,
                    )?;
                }
            }
        }
        Ok(self.clone())
    }

    /// `self`'s value before an in-place op changes it, for the op's formula to save.
    ///
    /// Under grad mode it is a recorded clone (`CloneBackward0`), as PyTorch's
    /// `original_self`: the formula's use of the old value then stays differentiable, so
    /// double backward sees the path through it (`y = x.clone(); y.mul_(x)` is `x²`, whose
    /// second derivative is 2, not 1).
    fn original_self(&self) -> Result<Tensor> {
        if crate::is_grad_enabled() && self.requires_grad() {
            self.try_clone_tensor()
        } else {
            self.copy_raw(self.dtype())
        }
    }

    /// Overwrites `self`'s values with `src`'s (same shape), without autograd.
    pub(crate) fn copy_values_from(&self, src: &Tensor) -> Result<Tensor> {
        let src = self.unalias(src)?;
        let sl = src.layout().expand(self.shape())?;
        kernel::copy(src.at(&sl), self.arg())?;
        self.bump_version();
        Ok(self.clone())
    }

    /// Applies a table op in place (`x.exp_()`, `x.relu_()`).
    ///
    /// ```
    /// let x = ember::tensor([-1.0, 2.0]);
    /// x.unary_(ember::UnaryOp::Relu);
    /// assert_eq!(x.to_vec::<f32>(), vec![0.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// If the op's result dtype cannot be stored in `self` (e.g. `exp_` on integers), or as
    /// the in-place checks of autograd.
    #[panicking]
    pub fn try_unary_(&self, op: UnaryOp) -> Result<Tensor> {
        self.check_inplace()?;
        if op.int_mode() == IntMode::Promote {
            self.check_cast(crate::get_default_dtype())?;
        }
        let record_grad = self.dtype().is_floating_point() && inplace_needs_grad(self, &[]);
        let saves_input = matches!(f::unary_saves(op), f::Saves::Input) || op == UnaryOp::Square;
        let old = if record_grad && saves_input {
            Some(self.original_self()?)
        } else {
            None
        };
        kernel::unary(op, self.arg(), self.arg())?;
        self.bump_version();
        if record_grad {
            if op == UnaryOp::Square {
                let o = old.as_ref().expect("saved input");
                record_inplace(f::PowScalar(2.0), &[self], &[Save::Tensor(o)])?;
            } else {
                let saves = match (f::unary_saves(op), old.as_ref()) {
                    (f::Saves::Input, Some(o)) => vec![Save::Tensor(o)],
                    (f::Saves::Output, _) => vec![Save::Output(0)],
                    _ => vec![],
                };
                record_inplace(f::Unary(op), &[self], &saves)?;
            }
        }
        Ok(self.clone())
    }

    /// `x.clamp_(min, max)`.
    ///
    /// ```
    /// let x = ember::tensor([-1.0, 2.0]);
    /// x.clamp_(0.0, 1.0);
    /// assert_eq!(x.to_vec::<f32>(), vec![0.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// If both bounds are `None`, or as the in-place checks of autograd.
    #[panicking]
    pub fn try_clamp_(
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
        self.check_inplace()?;
        let record_grad = self.dtype().is_floating_point() && inplace_needs_grad(self, &[]);
        let old = if record_grad {
            Some(self.original_self()?)
        } else {
            None
        };
        kernel::param(ParamOp::Clamp(min, max), self.arg(), self.arg())?;
        self.bump_version();
        if let Some(o) = &old {
            record_inplace(
                f::Clamp {
                    min,
                    max,
                    name: "ClampBackward1",
                },
                &[self],
                &[Save::Tensor(o)],
            )?;
        }
        Ok(self.clone())
    }

    /// `x.fill_(value)`.
    ///
    /// ```
    /// let x = ember::zeros([2]);
    /// x.fill_(3.0);
    /// assert_eq!(x.to_vec::<f32>(), vec![3.0, 3.0]);
    /// ```
    ///
    /// # Errors
    /// As the in-place checks of autograd.
    #[panicking]
    pub fn try_fill_(&self, value: impl Into<Scalar>) -> Result<Tensor> {
        self.overwrite(value.into(), "FillBackward0")
    }

    /// `x.zero_()`.
    ///
    /// ```
    /// let x = ember::ones([2]);
    /// x.zero_();
    /// assert_eq!(x.to_vec::<f32>(), vec![0.0, 0.0]);
    /// ```
    ///
    /// # Errors
    /// As the in-place checks of autograd.
    #[panicking]
    pub fn try_zero_(&self) -> Result<Tensor> {
        self.overwrite(Scalar::Int(0), "ZeroBackward0")
    }

    fn overwrite(&self, v: Scalar, name: &'static str) -> Result<Tensor> {
        self.check_inplace()?;
        kernel::fill(self.arg(), v)?;
        self.bump_version();
        if self.dtype().is_floating_point() && inplace_needs_grad(self, &[]) {
            record_inplace(Overwrite(name), &[self], &[])?;
        }
        Ok(self.clone())
    }

    /// `x.copy_(src)`: writes `src` (broadcast and cast) into `self`.
    ///
    /// ```
    /// let x = ember::zeros([2, 2]);
    /// x.copy_(&ember::tensor([1, 2]));
    /// assert_eq!(x.to_vec::<f32>(), vec![1.0, 2.0, 1.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// If `src` does not broadcast to `self`'s shape, the devices differ, or as the in-place
    /// checks of autograd.
    #[panicking]
    pub fn try_copy_(&self, src: &Tensor) -> Result<Tensor> {
        self.check_inplace()?;
        self.check_same_device(src)?;
        src.layout().expand(self.shape())?;
        self.copy_values_from(src)?;
        if self.dtype().is_floating_point() && inplace_needs_grad(self, &[src]) {
            record_inplace(CopyFrom, &[self, src], &[])?;
        }
        Ok(self.clone())
    }
}

use crate::ops::pointwise::Operand;
use ember_derive::panicking;

macro_rules! inplace_methods {
    ($($name:ident, $try_name:ident, $op:expr, $assign:ident, $assign_fn:ident;)*) => {$(
        impl Tensor {
            #[doc = concat!("`x.", stringify!($name), "(other)`: in place, with a tensor or a number; returns `self`.")]
            ///
            /// # Errors
            /// If `other` does not broadcast to `self`'s shape, the result dtype cannot be
            /// stored in `self`, or as the in-place checks of autograd.
            pub fn $try_name<'a>(&self, other: impl Into<Operand<'a>>) -> Result<Tensor> {
                self.inplace_binary(other.into(), $op)
            }

            #[doc = concat!("Panicking form of `", stringify!($try_name), "`.\n\n```\nlet y = ember::ones([2]);\ny.", stringify!($name), "(&ember::ones([2]));\nassert_eq!(y.version(), 1);\n```")]
            ///
            /// # Panics
            /// As the `try_` form's errors.
            #[track_caller]
            pub fn $name<'a>(&self, other: impl Into<Operand<'a>>) -> Tensor {
                self.$try_name(other).or_panic()
            }
        }

        impl std::ops::$assign<&Tensor> for Tensor {
            #[track_caller]
            fn $assign_fn(&mut self, rhs: &Tensor) {
                self.$name(rhs);
            }
        }

        impl std::ops::$assign<Tensor> for Tensor {
            #[track_caller]
            fn $assign_fn(&mut self, rhs: Tensor) {
                self.$name(&rhs);
            }
        }

        impl std::ops::$assign<f64> for Tensor {
            #[track_caller]
            fn $assign_fn(&mut self, rhs: f64) {
                self.$name(rhs);
            }
        }

        impl std::ops::$assign<i64> for Tensor {
            #[track_caller]
            fn $assign_fn(&mut self, rhs: i64) {
                self.$name(rhs);
            }
        }
    )*};
}

inplace_methods! {
    add_, try_add_, BinaryOp::Add, AddAssign, add_assign;
    sub_, try_sub_, BinaryOp::Sub, SubAssign, sub_assign;
    mul_, try_mul_, BinaryOp::Mul, MulAssign, mul_assign;
    div_, try_div_, BinaryOp::Div, DivAssign, div_assign;
}

impl Tensor {
    /// A view of this (non-view, dense from offset 0) tensor at `layout`, recorded as
    /// `AsStridedBackward0`. See Note [In-place on views].
    pub(crate) fn as_strided_layout(&self, layout: Layout) -> Result<Tensor> {
        if self.is_view()
            || !self.layout().is_non_overlapping_and_dense()
            || self.storage_offset() != 0
            || layout.extent() > self.numel()
        {
            bail!(
                Shape,
                "as_strided: layout out of bounds for the base tensor"
            );
        }
        let out = self.view_as_layout(layout.clone());
        if needs_grad(&[self]) {
            record(
                AsStridedBackward {
                    base: self.layout().clone(),
                    view: layout,
                },
                &[self],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }
}
