//! Derivatives of cumulative ops.

use crate::Tensor;
use crate::error::Result;
use crate::tensor::graph::formula::{Ctx, Formula, when};

/// Whether a scan along `dim` of `t` is the identity (one element per line).
fn trivial(t: &Tensor, dim: usize) -> bool {
    t.numel() <= 1 || t.dim() == 0 || t.shape()[dim] == 1
}

/// `cumsum(dim)` (`CumsumBackward0`): the gradient summed from the end.
pub(crate) struct CumsumBackward {
    pub dim: usize,
}

impl Formula for CumsumBackward {
    fn name(&self) -> &'static str {
        "CumsumBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            if trivial(g, self.dim) {
                Ok(g.clone())
            } else {
                g.try_reversed_cumsum(self.dim)
            }
        })?])
    }
}

/// `cumprod`'s gradient when `x` has zeros and the gradient must itself be differentiable
/// (`create_graph`): the O(n) form above sets every position after the first zero to a
/// constant 0, which is right in value but loses the second derivative through that zero.
/// As PyTorch does then, position `k` gets `sum_{i >= k} g_i * prod_{m <= i, m != k} x_m`
/// from ordinary ops, O(n^2) but differentiable.
fn cumprod_backward_differentiable(g: &Tensor, x: &Tensor, d: usize) -> Result<Tensor> {
    let n = x.shape()[d];
    let dim = d as i64;
    let mut cols = Vec::with_capacity(n);
    for k in 0..n {
        // prod_{m < k} x_m (ones for k = 0), then times cumprod of x after k.
        let until_k = if k == 0 {
            let first = x.try_narrow(dim, 0, 1)?;
            first.new_ones(first.shape())
        } else {
            x.try_narrow(dim, 0, k)?.try_prod_dim(dim, true)?
        };
        let omitted = if k + 1 < n {
            let after = x
                .try_narrow(dim, k as i64 + 1, n - k - 1)?
                .try_cumprod(dim)?;
            let tail = until_k.try_expand_as(&after)?.try_mul(&after)?;
            crate::try_cat(&[&until_k, &tail], dim)?
        } else {
            until_k
        };
        let gk = g.try_narrow(dim, k as i64, n - k)?;
        cols.push(gk.try_mul(&omitted)?.try_sum_dim([dim], false)?);
    }
    let cols: Vec<&Tensor> = cols.iter().collect();
    crate::try_stack(&cols, dim)
}

/// The reversed cumsum that `cumsum`'s gradient is (PyTorch writes it as
/// `flip(cumsum(flip(g)))`); its own gradient is a forward cumsum. One fused node, named
/// after the outermost op of PyTorch's spelling (a create_graph gradient's `grad_fn` is
/// `FlipBackward0` there).
pub(crate) struct ReversedCumsumBackward {
    pub dim: usize,
}

impl Formula for ReversedCumsumBackward {
    fn name(&self) -> &'static str {
        "FlipBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            if trivial(g, self.dim) {
                Ok(g.clone())
            } else {
                g.try_cumsum(self.dim as i64)
            }
        })?])
    }
}

/// `cumprod(dim)` (`CumprodBackward0`). Without zeros: `revcumsum(grad * out) / x`. With
/// zeros, per line whose first zero is at `k`: that formula before `k`, at `k` the
/// reversed cumsum of `grad * cumprod(x with x_k = 1)`, and zero after `k`; every piece is
/// differentiable, so double backward stays exact. Saves input and result.
pub(crate) struct CumprodBackward {
    pub dim: usize,
}

impl Formula for CumprodBackward {
    fn name(&self) -> &'static str {
        "CumprodBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (x, out) = (ctx.saved(0), ctx.saved(1));
        let d = self.dim;
        Ok(vec![when(ctx.needs(0), || {
            let g = ctx.grad()?;
            if trivial(x, d) {
                return Ok(g.clone());
            }
            let is0 = x.try_eq(0.0)?;
            if !is0.try_any()?.try_item::<bool>()? {
                return g.try_mul(out)?.try_reversed_cumsum(d)?.try_div(x);
            }
            if crate::is_grad_enabled() {
                return cumprod_backward_differentiable(g, x, d);
            }
            let zeros_so_far = is0.try_cumsum(d as i64)?;
            let before = zeros_so_far.try_eq(0)?;
            let first = is0.try_logical_and(&zeros_so_far.try_eq(1)?)?;
            let x1 = crate::try_where_(&is0, 1.0, x)?;
            let xk = crate::try_where_(&first, 1.0, x)?;
            let a = g.try_mul(out)?.try_reversed_cumsum(d)?.try_div(&x1)?;
            let b = g
                .try_mul(&xk.try_cumprod(d as i64)?)?
                .try_reversed_cumsum(d)?;
            crate::try_where_(&before, &a, &crate::try_where_(&first, &b, 0.0)?)
        })?])
    }
}
