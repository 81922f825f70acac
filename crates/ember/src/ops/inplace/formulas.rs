//! Derivatives of in-place writes that replace a tensor's values.

use crate::Tensor;
use crate::error::Result;
use crate::tensor::graph::formula::{Ctx, Formula, when};

/// `zero_()` / `fill_(value)`: the old values do not reach the output.
pub(crate) struct Overwrite(pub &'static str);

impl Formula for Overwrite {
    fn name(&self) -> &'static str {
        self.0
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            crate::try_zeros_like(ctx.grad()?)
        })?])
    }
}

/// `self.copy_(src)`: the gradient goes to `src` (summed to its shape by the node).
pub(crate) struct CopyFrom;

impl Formula for CopyFrom {
    fn name(&self) -> &'static str {
        "CopyBackwards"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || crate::try_zeros_like(g))?,
            when(ctx.needs(1), || Ok(g.clone()))?,
        ])
    }
}
