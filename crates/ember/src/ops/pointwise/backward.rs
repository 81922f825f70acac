//! The backward ops of activations that PyTorch records as nodes of their own
//! (`tanh_backward`, `sigmoid_backward`, `threshold_backward`).

use crate::Tensor;
use crate::error::Result;
use crate::ops::pointwise::formulas as f;
use crate::tensor::graph::node::{Save, needs_grad, record};

impl Tensor {
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
