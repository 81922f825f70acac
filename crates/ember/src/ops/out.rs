//! The `out=` forms of the binary ops (`torch.add(x, y, out=result)`): the result is written
//! into an existing tensor's memory, with no allocation.

use crate::error::{Result, bail};
use crate::ops::BinaryOp;
use crate::ops::pointwise::Operand;
use crate::shape::ShapeFmt;
use crate::tensor::kernel;
use crate::{DType, Tensor};
use ember_derive::panicking;

impl Tensor {
    /// `op(self, other)` written into `out`, as `torch.<op>(self, other, out=out)`; returns
    /// `out`. `out` must have the broadcast shape (ember tensors cannot be resized in place)
    /// and a dtype the result can be cast to. The write bumps `out`'s version counter.
    ///
    /// ```
    /// use ember::BinaryOp;
    /// let (x, y) = (ember::tensor([1.0, 2.0]), ember::tensor([10.0, 20.0]));
    /// let result = ember::empty([2]);
    /// x.binary_out(&y, BinaryOp::Mul, &result);
    /// assert_eq!(result.to_vec::<f32>(), vec![10.0, 40.0]);
    /// ```
    ///
    /// # Errors
    /// If the shapes do not broadcast to `out`'s shape, the result dtype cannot be cast to
    /// `out`'s, an argument requires grad while grad mode is on (PyTorch's out= ops are not
    /// differentiable), or several elements of `out` share memory.
    #[panicking]
    pub fn try_binary_out<'a>(
        &self,
        other: impl Into<Operand<'a>>,
        op: BinaryOp,
        out: &Tensor,
    ) -> Result<Tensor> {
        let other = other.into();
        if crate::is_grad_enabled() {
            let other_rg = matches!(other, Operand::Tensor(t) if t.requires_grad());
            if self.requires_grad() || other_rg || out.requires_grad() {
                bail!(
                    Autograd,
                    "{}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.",
                    op.name()
                );
            }
        }
        out.check_same_device(self)?;
        let (o, dt, shape) = self.operand_plan(other)?;
        if shape.as_slice() != out.shape() {
            bail!(
                Shape,
                "output with shape {} doesn't match the broadcast shape {}",
                ShapeFmt(out.shape()),
                ShapeFmt(&shape)
            );
        }
        let cdt = Tensor::compute_dtype(dt, op.int_mode());
        out.check_cast(cdt)?;
        out.check_writable()?;
        let direct = out.dtype() == cdt && cdt != DType::Bool && op != BinaryOp::Pow;
        if !direct {
            // Pow on integers and bool results have their own checks and kernels.
            let r = self.binary_raw_as(&o, op, dt, &shape)?;
            return out.copy_values_from(&r);
        }
        let a = out.unalias(self)?;
        let b = out.unalias(&o)?;
        let al = a.layout().expand(&shape)?;
        let bl = b.layout().expand(&shape)?;
        kernel::binary(op, a.at(&al), b.at(&bl), out.arg())?;
        out.bump_version();
        Ok(out.clone())
    }
}

macro_rules! out_ops {
    ($($name:ident, $try_name:ident, $op:expr, $py:literal;)*) => {$(
        #[doc = concat!("`torch.", $py, "(a, b, out=out)`: see [`Tensor::try_binary_out`].")]
        ///
        /// # Errors
        /// As [`Tensor::try_binary_out`].
        pub fn $try_name<'a>(a: &Tensor, b: impl Into<Operand<'a>>, out: &Tensor) -> Result<Tensor> {
            a.try_binary_out(b, $op, out)
        }

        #[doc = concat!("Panicking form of [`", stringify!($try_name), "`].\n\n```\nlet out = ember::empty([2]);\nember::", stringify!($name), "(&ember::tensor([6.0, 8.0]), &ember::tensor([2.0, 4.0]), &out);\nassert_eq!(out.to_vec::<f32>()[0], ember::tensor([6.0]).", $py, "(&ember::tensor([2.0])).item::<f32>());\n```")]
        ///
        /// # Panics
        /// As [`Tensor::try_binary_out`].
        #[track_caller]
        pub fn $name<'a>(a: &Tensor, b: impl Into<Operand<'a>>, out: &Tensor) -> Tensor {
            a.binary_out(b, $op, out)
        }
    )*};
}

out_ops! {
    add_out, try_add_out, BinaryOp::Add, "add";
    sub_out, try_sub_out, BinaryOp::Sub, "sub";
    mul_out, try_mul_out, BinaryOp::Mul, "mul";
    div_out, try_div_out, BinaryOp::Div, "div";
}
