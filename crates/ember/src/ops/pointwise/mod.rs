//! Elementwise ops: the unary table, binary arithmetic with broadcasting and PyTorch's type
//! promotion, scalar operands on either side, comparisons, `where`, clamp and pow, and the
//! operator traits (`+ - * /`, unary `-`).

mod backward;
mod binary;
pub(crate) mod formulas;
mod operators;
mod pow_clamp;
mod where_cond;

pub use where_cond::{try_where_, where_};

use crate::error::{Result, bail};
use crate::layout::{Layout, elementwise_layout};
use crate::ops::pointwise::formulas as f;
use crate::ops::{IntMode, ParamOp, UnaryOp};
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Scalar, Tensor};

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
        kernel::fill(t.arg(), s)?;
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
        kernel::copy(self.arg(), out.arg())?;
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
        // The activations among the table's ops have float kernels only in PyTorch (no
        // promotion of integers, unlike `exp`).
        if !self.dtype().is_floating_point() {
            let kernel = match op {
                UnaryOp::Silu => "silu_cpu",
                UnaryOp::Gelu => "GeluKernelImpl",
                _ => "",
            };
            if !kernel.is_empty() {
                bail!(
                    DType,
                    "\"{kernel}\" not implemented for '{}'",
                    self.dtype().scalar_type_name()
                );
            }
        }
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
        kernel::unary(op, src.arg(), out.arg())?;
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
        if let ParamOp::Clamp(lo, hi) = op
            && !promote
            && !self.dtype().is_floating_point()
            && self.dtype() != DType::Bool
        {
            // PyTorch's integer clamp: a bound past the far end of the dtype's range is an
            // error; one past the near end saturates (in the kernel).
            let (tmin, tmax) = crate::ops::table::int_range(self.dtype());
            let show = |v: f64| {
                if v.fract() == 0.0 && v.is_finite() {
                    format!("{}", v as i64)
                } else {
                    format!("{v}")
                }
            };
            let name = self.dtype().scalar_type_name();
            if let Some(l) = lo
                && l > tmax
            {
                bail!(
                    Value,
                    "Clamp min value {} is outside the representable range of {name}",
                    show(l)
                );
            }
            if let Some(h) = hi
                && h < tmin
            {
                bail!(
                    Value,
                    "Clamp max value {} is outside the representable range of {name}",
                    show(h)
                );
            }
        }
        let dt = if promote {
            Self::compute_dtype(self.dtype(), IntMode::Promote)
        } else {
            self.dtype()
        };
        let src = self.cast_for_kernel(dt)?;
        let out = alloc_like(self.shape(), dt, self.device(), &[self.layout()])?;
        kernel::param(op, src.arg(), out.arg())?;
        Ok(out)
    }
}
