//! `torch.where`.

use super::{Operand, alloc_like};
use crate::dtype::ResultType;
use crate::error::{Result, bail};
use crate::ops::pointwise::formulas as f;
use crate::shape::broadcast_shapes;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Tensor};
use ember_derive::panicking;

impl Tensor {
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
    let (cl, al, bl) = (
        cond.layout().expand(&shape)?,
        ta.layout().expand(&shape)?,
        tb.layout().expand(&shape)?,
    );
    kernel::where_(cond.at(&cl), ta.at(&al), tb.at(&bl), out.arg())?;
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
