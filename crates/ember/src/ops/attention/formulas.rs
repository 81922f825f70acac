//! Derivative of the fused attention node (`ScaledDotProductFlashAttentionForCpuBackward0`),
//! recomputing the attention weights from the saved inputs as the flash kernel does.

use crate::Tensor;
use crate::error::Result;
use crate::ops::attention::{attention_probs, repeat_heads};
use crate::tensor::graph::formula::{Ctx, Formula, when};

/// `scaled_dot_product_attention(q, k, v)` on 4-D inputs; saves `q, k, v` and the additive
/// mask when there is one.
pub(crate) struct FlashAttention {
    pub scale: f64,
    pub has_bias: bool,
}

/// Sums the gradient of repeated key/value heads back onto each shared head (GQA).
fn fold_heads(g: Tensor, shape: &[usize]) -> Result<Tensor> {
    if g.shape() == shape {
        return Ok(g);
    }
    let (hq, hk) = (g.shape()[1], shape[1]);
    let mut grouped = shape.to_vec();
    grouped.insert(2, hq / hk.max(1));
    g.try_reshape(grouped)?.try_sum_dim(2, false)
}

impl Formula for FlashAttention {
    fn name(&self) -> &'static str {
        "ScaledDotProductFlashAttentionForCpuBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let (q, k, v) = (ctx.saved(0), ctx.saved(1), ctx.saved(2));
        let bias = self.has_bias.then(|| ctx.saved(3));
        let (ke, ve) = (repeat_heads(k, q)?, repeat_heads(v, q)?);
        let p = attention_probs(q, &ke, bias, self.scale)?;
        let dp = g.try_matmul(&ve.try_transpose(-2, -1)?)?;
        let ds = p.try_mul(&dp.try_sub(&dp.try_mul(&p)?.try_sum_dim(-1, true)?)?)?;
        let gq = when(ctx.needs(0), || ds.try_matmul(&ke)?.try_mul(self.scale))?;
        let gk = when(ctx.needs(1), || {
            let gk = ds
                .try_transpose(-2, -1)?
                .try_matmul(q)?
                .try_mul(self.scale)?;
            fold_heads(gk, k.shape())
        })?;
        let gv = when(ctx.needs(2), || {
            fold_heads(p.try_transpose(-2, -1)?.try_matmul(g)?, v.shape())
        })?;
        Ok(vec![gq, gk, gv])
    }
}
