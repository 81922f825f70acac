//! Derivatives of the normalisation layers (`NativeLayerNormBackward0`,
//! `NativeGroupNormBackward0`, `NativeBatchNormBackward0`). The normalisation gradient is one formula over a "grouped" view of the input in
//! which each statistic covers a set of dims; under `create_graph` the statistics are
//! recomputed from the input with differentiable ops so double backward sees their
//! dependence on it.

use crate::Tensor;
use crate::error::Result;
use crate::tensor::graph::formula::{Ctx, Formula, when};

/// Which normalisation, and so which dims one mean/rstd covers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum NormKind {
    /// Over the last `k` dims.
    Layer { k: usize },
    /// Over `[C/groups, *]` of each sample, the input viewed as `[N, groups, -1]`.
    Group { groups: usize },
    /// Over every dim but 1; `training`: statistics of the batch, else the running ones.
    Batch { training: bool },
}

impl NormKind {
    /// The input viewed so that the statistics are a keepdim reduction over [`Self::dims`].
    pub fn grouped(self, x: &Tensor) -> Result<Tensor> {
        match self {
            NormKind::Group { groups } => {
                let n = x.shape().first().copied().unwrap_or(1);
                x.try_reshape([n as i64, groups as i64, -1])
            }
            _ => Ok(x.clone()),
        }
    }

    /// The reduced dims of the grouped view (of `ndim` dims).
    pub fn dims(self, ndim: usize) -> Vec<i64> {
        match self {
            NormKind::Layer { k } => (ndim - k..ndim).map(|d| d as i64).collect(),
            NormKind::Group { .. } => vec![2],
            NormKind::Batch { .. } => (0..ndim).filter(|&d| d != 1).map(|d| d as i64).collect(),
        }
    }

    /// The dims of the input that the affine parameters' gradients sum over.
    fn param_dims(self, ndim: usize) -> Vec<i64> {
        match self {
            NormKind::Layer { k } => (0..ndim - k).map(|d| d as i64).collect(),
            _ => (0..ndim).filter(|&d| d != 1).map(|d| d as i64).collect(),
        }
    }

    /// The affine parameter `p` shaped to broadcast against an input of `ndim` dims.
    pub fn affine_view(self, p: &Tensor, ndim: usize) -> Result<Tensor> {
        match self {
            NormKind::Layer { .. } => Ok(p.clone()),
            _ => {
                let mut s = vec![1i64; ndim];
                s[1] = -1;
                p.try_reshape(s)
            }
        }
    }

    fn batch_stats(self) -> bool {
        !matches!(self, NormKind::Batch { training: false })
    }
}

/// `native_layer_norm` / `native_group_norm` / `native_batch_norm`. Inputs: `x`, then the
/// weight and bias when given. Saved: `x`, mean and rstd (keepdim-shaped in the grouped
/// view), then the weight when given.
pub(crate) struct NativeNorm {
    pub kind: NormKind,
    pub eps: f64,
    pub has_weight: bool,
    pub has_bias: bool,
}

impl Formula for NativeNorm {
    fn name(&self) -> &'static str {
        match self.kind {
            NormKind::Layer { .. } => "NativeLayerNormBackward0",
            NormKind::Group { .. } => "NativeGroupNormBackward0",
            NormKind::Batch { .. } => "NativeBatchNormBackward0",
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x) = (ctx.grad()?, ctx.saved(0));
        let kind = self.kind;
        let xg = kind.grouped(x)?;
        let dims = kind.dims(xg.dim());
        let (mean, rstd) = if crate::is_grad_enabled() && kind.batch_stats() {
            let var = xg.try_var_with(dims.clone(), 0.0, true)?;
            (
                xg.try_mean_dim(dims.clone(), true)?,
                var.try_add(self.eps)?.try_rsqrt()?,
            )
        } else {
            (ctx.saved(1).clone(), ctx.saved(2).clone())
        };
        let xhat = xg.try_sub(&mean)?.try_mul(&rstd)?;
        let weight = self.has_weight.then(|| ctx.saved(3));
        let dx = when(ctx.needs(0), || {
            let dxhat = match weight {
                Some(w) => g.try_mul(&kind.affine_view(w, x.dim())?)?,
                None => g.clone(),
            };
            let d = kind.grouped(&dxhat)?;
            let dxg = if kind.batch_stats() {
                let a = d.try_mean_dim(dims.clone(), true)?;
                let b = d.try_mul(&xhat)?.try_mean_dim(dims.clone(), true)?;
                d.try_sub(&a)?.try_sub(&xhat.try_mul(&b)?)?.try_mul(&rstd)?
            } else {
                d.try_mul(&rstd)?
            };
            dxg.try_reshape(x.shape())
        })?;
        let mut out = vec![dx];
        let pdims = kind.param_dims(x.dim());
        let sum_to_param = |t: Tensor, i: usize| -> Result<Tensor> {
            let t = if pdims.is_empty() {
                t
            } else {
                t.try_sum_dim(pdims.clone(), false)?
            };
            t.try_reshape(ctx.input_shape(i))
        };
        if self.has_weight {
            out.push(when(ctx.needs(1), || {
                sum_to_param(g.try_mul(&xhat.try_reshape(x.shape())?)?, 1)
            })?);
        }
        if self.has_bias {
            let i = out.len();
            out.push(when(ctx.needs(i), || sum_to_param(g.clone(), i))?);
        }
        Ok(out)
    }
}
