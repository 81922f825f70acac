//! Derivatives of the indexing ops: index_select, gather, scatter_add, index_add, masked
//! fills and selects, advanced indexing (`x[idx]`), `index_put_` and `embedding`. Index and mask tensors
//! are saved (so an in-place change to them is caught) and never receive gradients.

use crate::error::Result;
use crate::shape::{Dims, broadcast_shapes};
use crate::tensor::graph::formula::{Ctx, Formula, when};
use crate::{Scalar, Tensor};

fn zeros_for(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    crate::try_zeros_with(shape, (g.dtype(), g.device()))
}

/// `index_select(dim, index)`: the gradient is added back at the selected entries.
pub(crate) struct IndexSelectBackward {
    pub dim: usize,
    pub input: Dims,
}

impl Formula for IndexSelectBackward {
    fn name(&self) -> &'static str {
        "IndexSelectBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            zeros_for(g, &self.input)?.try_index_add(self.dim as i64, ctx.saved(0), g, 1)
        })?])
    }
}

/// `gather(dim, index)`: the gradient is scattered back with `scatter_add`.
pub(crate) struct GatherBackward {
    pub dim: usize,
    pub input: Dims,
}

impl Formula for GatherBackward {
    fn name(&self) -> &'static str {
        "GatherBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            zeros_for(g, &self.input)?.try_scatter_add(self.dim as i64, ctx.saved(0), g)
        })?])
    }
}

/// `scatter_add(dim, index, src)`: `self` gets the gradient, `src` gathers it.
pub(crate) struct ScatterAddBackward {
    pub dim: usize,
}

impl Formula for ScatterAddBackward {
    fn name(&self) -> &'static str {
        "ScatterAddBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || Ok(g.clone()))?,
            when(ctx.needs(1), || g.try_gather(self.dim as i64, ctx.saved(0)))?,
        ])
    }
}

/// `index_add(dim, index, source, alpha)`: `self` gets the gradient, `source` selects it.
pub(crate) struct IndexAddBackward {
    pub dim: usize,
    pub alpha: Scalar,
}

impl Formula for IndexAddBackward {
    fn name(&self) -> &'static str {
        "IndexAddBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || Ok(g.clone()))?,
            when(ctx.needs(1), || {
                let s = g.try_index_select(self.dim as i64, ctx.saved(0))?;
                let s = if self.alpha == Scalar::Int(1) {
                    s
                } else {
                    s.try_mul(self.alpha)?
                };
                if ctx.input_shape(1).is_empty() {
                    s.try_reshape(Vec::<i64>::new())
                } else {
                    Ok(s)
                }
            })?,
        ])
    }
}

/// `masked_fill(mask, value)`: no gradient where the mask is set.
pub(crate) struct MaskedFillBackward;

impl Formula for MaskedFillBackward {
    fn name(&self) -> &'static str {
        "MaskedFillBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            g.try_masked_fill(ctx.saved(0), 0.0)
        })?])
    }
}

/// `masked_select(mask)`: the gradient goes back to the selected positions.
pub(crate) struct MaskedSelectBackward;

impl Formula for MaskedSelectBackward {
    fn name(&self) -> &'static str {
        "MaskedSelectBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            let mask = ctx.saved(0);
            let shape = broadcast_shapes(mask.shape(), ctx.input_shape(0))?;
            if shape.is_empty() {
                // A 0-dim source under a 0-dim mask selected one element (g has shape [1]) or
                // none (shape [0]); a 0-dim mask indexes nothing to put into.
                return if g.numel() == 1 {
                    g.try_reshape(())
                } else {
                    zeros_for(g, &shape)
                };
            }
            let m = mask.try_expand(&shape)?;
            zeros_for(g, &shape)?.try_index_put(&[Some(m)], g, false)
        })?])
    }
}

/// The index tensors of an advanced-indexing node: `pattern[i]` says whether position `i`
/// holds a tensor; the tensors themselves are the node's saved tensors, in order.
fn indices_of(pattern: &[bool], ctx: &Ctx<'_>, first: usize) -> Vec<Option<Tensor>> {
    let mut k = first;
    pattern
        .iter()
        .map(|&p| {
            p.then(|| {
                k += 1;
                ctx.saved(k - 1).clone()
            })
        })
        .collect()
}

/// `x[indices]` with index tensors (`IndexBackward0`): the gradient is accumulated back.
pub(crate) struct IndexBackward {
    pub pattern: Vec<bool>,
}

impl Formula for IndexBackward {
    fn name(&self) -> &'static str {
        "IndexBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            let idx = indices_of(&self.pattern, ctx, 0);
            zeros_for(g, ctx.input_shape(0))?.try_index_put(&idx, g, true)
        })?])
    }
}

/// `index_put(indices, values, accumulate)`: without `accumulate` the overwritten positions
/// get no gradient; `values` gets the gradient at the indexed positions.
pub(crate) struct IndexPutBackward {
    pub pattern: Vec<bool>,
    pub accumulate: bool,
}

impl Formula for IndexPutBackward {
    fn name(&self) -> &'static str {
        "IndexPutBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let idx = indices_of(&self.pattern, ctx, 0);
        Ok(vec![
            when(ctx.needs(0), || {
                if self.accumulate {
                    Ok(g.clone())
                } else {
                    let zero = zeros_for(g, &[])?;
                    g.try_index_put(&idx, &zero, false)
                }
            })?,
            when(ctx.needs(1), || g.try_index(&idx))?,
        ])
    }
}

/// `x[...]` and other indexing that returns the whole tensor as a view (`AliasBackward0`).
pub(crate) struct AliasBackward;

impl Formula for AliasBackward {
    fn name(&self) -> &'static str {
        "AliasBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || Ok(ctx.grad()?.clone()))?])
    }
}

/// `embedding(weight, indices, padding_idx)`: the rows of the gradient are added into the
/// rows they were read from; rows read at `padding_idx` get nothing. Saved: the indices.
pub(crate) struct Embedding {
    pub num_weights: usize,
    pub padding_idx: Option<i64>,
    pub scale_grad_by_freq: bool,
}

impl Formula for Embedding {
    fn name(&self) -> &'static str {
        "EmbeddingBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, idx) = (ctx.grad()?, ctx.saved(0).try_reshape([-1])?);
        Ok(vec![when(ctx.needs(0), || {
            let d = ctx.input_shape(0)[1];
            let mut rows = g.try_reshape([-1, d as i64])?;
            if let Some(p) = self.padding_idx {
                rows = rows.try_masked_fill(&idx.try_eq(p)?.try_unsqueeze(1)?, 0.0)?;
            }
            if self.scale_grad_by_freq {
                // Each position's gradient times 1/count of its index in the batch (PyTorch
                // multiplies by the reciprocal, which rounds differently from dividing).
                let ones = crate::try_ones_with([idx.numel()], (g.dtype(), g.device()))?;
                let counts = crate::try_zeros_with([self.num_weights], (g.dtype(), g.device()))?
                    .try_index_add(0, &idx, &ones, 1.0)?;
                let scale = counts.try_reciprocal()?.try_index_select(0, &idx)?;
                rows = rows.try_mul(&scale.try_unsqueeze(1)?)?;
            }
            crate::try_zeros_with([self.num_weights, d], (g.dtype(), g.device()))?
                .try_index_add(0, &idx, &rows, 1.0)
        })?])
    }
}
