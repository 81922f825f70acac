//! THE derivatives table, in the spirit of PyTorch's `derivatives.yaml`: one [`Formula`] per
//! differentiable op, written with differentiable tensor ops so that `create_graph` gives
//! higher-order gradients for free. The table is split by op family, one file each, so that
//! every formula still lives in this folder and nowhere else.
//!
//!
//! The `Formula` trait and `Ctx` live with the graph types in `tensor/graph/formula.rs`.

pub(crate) mod attention;
pub(crate) mod conv;
pub(crate) mod loss;
pub(crate) mod nn;
pub(crate) mod norm;
pub(crate) mod pad;

use crate::Tensor;
use crate::error::Result;
pub(crate) use crate::tensor::graph::formula::{Ctx, Formula, fit_to_input, when};

/// `x.clone()` / `x.contiguous()` (`CloneBackward0`): the gradient passes through.
pub(crate) struct CloneBackward;

impl Formula for CloneBackward {
    fn name(&self) -> &'static str {
        "CloneBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || Ok(ctx.grad()?.clone()))?])
    }
}

/// `x.to(dtype)` (`ToCopyBackward0`): the gradient is cast back (by `fit_to_input`).
pub(crate) struct ToCopyBackward;

impl Formula for ToCopyBackward {
    fn name(&self) -> &'static str {
        "ToCopyBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || Ok(ctx.grad()?.clone()))?])
    }
}
