//! Derivatives of `torch.nn.functional` ops with their own nodes: softmax, log-softmax and
//! nll, named as in PyTorch.

use crate::Tensor;
use crate::error::Result;
use crate::ops::loss::Reduction;
use crate::tensor::graph::formula::{Ctx, Formula, when};

/// `softmax(self, dim)` / `log_softmax(self, dim)`: saves the output `y`.
pub(crate) struct Softmax {
    dim: usize,
    log: bool,
}

impl Softmax {
    pub fn new(dim: usize) -> Softmax {
        Softmax { dim, log: false }
    }

    pub fn log(dim: usize) -> Softmax {
        Softmax { dim, log: true }
    }
}

impl Formula for Softmax {
    fn name(&self) -> &'static str {
        if self.log {
            "LogSoftmaxBackward0"
        } else {
            "SoftmaxBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, y) = (ctx.grad()?, ctx.saved(0));
        Ok(vec![when(ctx.needs(0), || {
            if y.dim() == 0 {
                // A 0-d softmax is the constant 1 (log: 0).
                return g.try_mul(0.0);
            }
            // Its own op, as PyTorch's `_softmax_backward_data`, so that under create_graph
            // the gradient's node is `SoftmaxBackwardDataBackward0`.
            Tensor::softmax_backward_data(g, y, self.dim, self.log)
        })?])
    }
}

/// `_softmax_backward_data(grad_output, output, dim)` (and the log form): the gradient of
/// softmax as a function of the incoming gradient `go` and the output `y`. Saves both.
pub(crate) struct SoftmaxBackwardData {
    pub dim: usize,
    pub log: bool,
}

impl Formula for SoftmaxBackwardData {
    fn name(&self) -> &'static str {
        if self.log {
            "LogSoftmaxBackwardDataBackward0"
        } else {
            "SoftmaxBackwardDataBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (gg, go, y) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        let d = self.dim as i64;
        let sum = |t: &Tensor| t.try_sum_dim(d, true);
        if self.log {
            // PyTorch's derivatives.yaml: grad_output: gg - sum(gg * exp(y));
            // output: -sum(go) * exp(y) * gg.
            let e = y.try_exp()?;
            Ok(vec![
                when(ctx.needs(0), || gg.try_sub(&sum(&gg.try_mul(&e)?)?))?,
                when(ctx.needs(1), || {
                    sum(go)?.try_neg()?.try_mul(&e)?.try_mul(gg)
                })?,
            ])
        } else {
            // grad_output: the same op on gg; output: softmax_double_backward,
            // go * gg - sum(y * go) * gg - sum(gg * y) * go.
            Ok(vec![
                when(ctx.needs(0), || {
                    Tensor::softmax_backward_data(gg, y, self.dim, false)
                })?,
                when(ctx.needs(1), || {
                    go.try_mul(gg)?
                        .try_sub(&sum(&y.try_mul(go)?)?.try_mul(gg)?)?
                        .try_sub(&sum(&gg.try_mul(y)?)?.try_mul(go)?)
                })?,
            ])
        }
    }
}

/// `nll_loss(self, target, weight, reduction, ignore_index)`: saves the target, the total
/// weight (a 0-d tensor) and the weight when given. The gradient is its own op
/// ([`Tensor::nll_loss_backward`]) so double backward works.
pub(crate) struct NllLoss {
    pub name: &'static str,
    pub reduction: Reduction,
    pub ignore_index: i64,
    pub has_weight: bool,
    pub input_shape: Vec<usize>,
}

impl Formula for NllLoss {
    fn name(&self) -> &'static str {
        self.name
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let (target, total) = (ctx.saved(0), ctx.saved(1));
        let weight = self.has_weight.then(|| ctx.saved(2));
        Ok(vec![when(ctx.needs(0), || {
            Tensor::nll_loss_backward(
                g,
                target,
                weight,
                total,
                self.reduction,
                self.ignore_index,
                &self.input_shape,
                self.name,
            )
        })?])
    }
}

/// The gradient of nll as a function of the incoming gradient (PyTorch's
/// `NllLossBackwardBackward0`): linear in it, so its own gradient is nll of the new one.
pub(crate) struct NllLossBackward {
    pub name: &'static str,
    pub reduction: Reduction,
    pub ignore_index: i64,
    pub has_weight: bool,
}

impl Formula for NllLossBackward {
    fn name(&self) -> &'static str {
        if self.name == "NllLossBackward0" {
            "NllLossBackwardBackward0"
        } else {
            "NllLoss2DBackwardBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let gg = ctx.grad()?;
        let target = ctx.saved(0);
        let weight = self.has_weight.then(|| ctx.saved(2));
        Ok(vec![when(ctx.needs(0), || {
            let opts = crate::ops::loss::cross_entropy::NllLossOptions {
                weight,
                ignore_index: self.ignore_index,
                reduction: self.reduction,
            };
            crate::ops::loss::cross_entropy::nll_loss(gg, target, opts)
        })?])
    }
}
