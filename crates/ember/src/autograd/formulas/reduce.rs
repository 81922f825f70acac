//! Derivatives of reductions.

use super::{Ctx, Formula, when};
use crate::Tensor;
use crate::error::Result;
use crate::shape::Dims;

/// Puts reduced dims back as size 1 (`keepdim=False` results) and expands to `input`
/// (PyTorch's `sum_backward`).
pub(crate) fn expand_reduced(
    g: &Tensor,
    input: &[usize],
    dims: &[usize],
    keepdim: bool,
) -> Result<Tensor> {
    let mut g = g.clone();
    if !keepdim && !input.is_empty() {
        let mut sorted = dims.to_vec();
        sorted.sort_unstable();
        for d in sorted {
            g = g.try_unsqueeze(d as i64)?;
        }
    }
    g.try_expand(input)
}

/// `sum()` (`SumBackward0`) and `sum(dims, keepdim)` (`SumBackward1`).
pub(crate) struct SumBackward {
    pub input: Dims,
    /// `None` for the full reduction.
    pub dims: Option<Vec<usize>>,
    pub keepdim: bool,
}

impl Formula for SumBackward {
    fn name(&self) -> &'static str {
        if self.dims.is_some() {
            "SumBackward1"
        } else {
            "SumBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || match &self.dims {
            None => g.try_expand(&self.input),
            Some(d) => expand_reduced(g, &self.input, d, self.keepdim),
        })?])
    }
}

/// `mean()` (`MeanBackward0`) and `mean(dims, keepdim)` (`MeanBackward1`).
pub(crate) struct MeanBackward {
    pub input: Dims,
    pub dims: Option<Vec<usize>>,
    pub keepdim: bool,
    pub count: usize,
}

impl Formula for MeanBackward {
    fn name(&self) -> &'static str {
        if self.dims.is_some() {
            "MeanBackward1"
        } else {
            "MeanBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            let e = match &self.dims {
                None => g.try_expand(&self.input)?,
                Some(d) => expand_reduced(g, &self.input, d, self.keepdim)?,
            };
            e.try_div(self.count as f64)
        })?])
    }
}
