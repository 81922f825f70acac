//! Derivatives of the fused loss functions (`mse_loss`, `huber_loss`,
//! `binary_cross_entropy`, `binary_cross_entropy_with_logits`), each named as in PyTorch.

use crate::Tensor;
use crate::error::Result;
use crate::ops::loss::Reduction;
use crate::tensor::graph::formula::{Ctx, Formula, when};

/// Scales an elementwise gradient by the reduction: `grad` broadcast, divided by the count
/// for `mean`.
fn reduce_grad(g: &Tensor, elementwise: &Tensor, reduction: Reduction) -> Result<Tensor> {
    match reduction {
        Reduction::None => elementwise.try_mul(g),
        Reduction::Sum => elementwise.try_mul(g),
        Reduction::Mean => elementwise
            .try_mul(g)?
            .try_div(elementwise.numel().max(1) as f64),
    }
}

/// `mse_loss(self, target)`: saves both.
pub(crate) struct MseLoss(pub Reduction);

impl Formula for MseLoss {
    fn name(&self) -> &'static str {
        "MseLossBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x, t) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        let gx = Tensor::mse_loss_backward(g, x, t, self.0)?;
        Ok(vec![
            when(ctx.needs(0), || Ok(gx.clone()))?,
            when(ctx.needs(1), || gx.try_neg())?,
        ])
    }
}

/// Double backward of `mse_loss` (`MseLossBackwardBackward0`), inputs (grad, self, target).
pub(crate) struct MseLossBackward(pub Reduction);

impl Formula for MseLossBackward {
    fn name(&self) -> &'static str {
        "MseLossBackwardBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (gg, go, x, t) = (ctx.grad()?, ctx.saved(0), ctx.saved(1), ctx.saved(2));
        let scale = match self.0 {
            Reduction::Mean => 2.0 / x.numel().max(1) as f64,
            _ => 2.0,
        };
        let d_go = || -> Result<Tensor> {
            let e = x.try_sub(t)?.try_mul(scale)?.try_mul(gg)?;
            match self.0 {
                Reduction::None => Ok(e),
                _ => e.try_sum(),
            }
        };
        let d_x = || gg.try_mul(go)?.try_mul(scale);
        Ok(vec![
            when(ctx.needs(0), d_go)?,
            when(ctx.needs(1), d_x)?,
            when(ctx.needs(2), || d_x()?.try_neg())?,
        ])
    }
}

/// `huber_loss(self, target, delta)` and `smooth_l1_loss(self, target, beta)`, which is
/// huber with `delta = beta`, divided by `beta`.
pub(crate) struct HuberLoss {
    pub reduction: Reduction,
    pub delta: f64,
    /// False for huber, true for smooth L1.
    pub smooth_l1: bool,
}

impl Formula for HuberLoss {
    fn name(&self) -> &'static str {
        if self.smooth_l1 {
            "SmoothL1LossBackward0"
        } else {
            "HuberLossBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x, t) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        let d = x.try_sub(t)?;
        let delta = self.delta;
        let inner = d.try_abs()?.try_lt(delta)?;
        // Inside: d (huber) or d / beta (smooth L1); outside: delta * sign(d) or sign(d).
        let (quad, lin) = if self.smooth_l1 {
            (d.try_div(delta)?, d.try_sign()?)
        } else {
            (d.clone(), d.try_sign()?.try_mul(delta)?)
        };
        let e = quad.try_where_cond(&inner, &lin)?;
        let gx = reduce_grad(g, &e, self.reduction)?;
        Ok(vec![
            when(ctx.needs(0), || Ok(gx.clone()))?,
            when(ctx.needs(1), || gx.try_neg())?,
        ])
    }
}

/// `binary_cross_entropy(self, target)`.
pub(crate) struct BinaryCrossEntropy(pub Reduction);

impl Formula for BinaryCrossEntropy {
    fn name(&self) -> &'static str {
        "BinaryCrossEntropyBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x, t) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        Ok(vec![
            when(ctx.needs(0), || {
                let denom = x.try_rsub(1.0)?.try_mul(x)?.try_clamp(1e-12, None)?;
                let e = x.try_sub(t)?.try_div(&denom)?;
                reduce_grad(g, &e, self.0)
            })?,
            when(ctx.needs(1), || {
                let e = x.try_rsub(1.0)?.try_log()?.try_sub(&x.try_log()?)?;
                reduce_grad(g, &e, self.0)
            })?,
        ])
    }
}

/// `binary_cross_entropy_with_logits(self, target)`.
pub(crate) struct BceWithLogits(pub Reduction);

impl Formula for BceWithLogits {
    fn name(&self) -> &'static str {
        "BinaryCrossEntropyWithLogitsBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x, t) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        Ok(vec![
            when(ctx.needs(0), || {
                let e = x.try_sigmoid()?.try_sub(t)?;
                reduce_grad(g, &e, self.0)
            })?,
            when(ctx.needs(1), || {
                let e = x.try_neg()?;
                reduce_grad(g, &e, self.0)
            })?,
        ])
    }
}
