//! AccumulateGrad's update of a leaf's `.grad` (PyTorch's `accumulate_grad.h`): the one
//! write into a tensor that the graph itself makes, so it lives with the graph types.

use super::formula::{Ctx, Formula, when};
use super::mode::GradModeGuard;
use super::node::{needs_grad, record};
use crate::Tensor;
use crate::error::Result;
use std::sync::Arc;

/// `dst.copy_(src)` recorded under `create_graph` when a leaf first receives a gradient that
/// has history (PyTorch's `CopyBackwards`): the gradient flows to `src`.
pub(crate) struct CopyBackwards;

impl Formula for CopyBackwards {
    fn name(&self) -> &'static str {
        "CopyBackwards"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || Ok(ctx.grad()?.clone()))?])
    }
}

/// AccumulateGrad's update of a leaf's `.grad` (PyTorch's `accumulate_grad.h`).
/// The incoming gradient itself, when nothing else can see its memory and its strides are the
/// leaf's (PyTorch's AccumulateGrad steals it then, rather than copying). A transposed view
/// whose base only it holds counts as sole owner: that is how the weight gradient of
/// `x @ w.t()` arrives (see `mm_mat2_backward`). The result drops the view's base.
fn steal(leaf: &Tensor, g: &Tensor) -> Option<Tensor> {
    if g.requires_grad() || Arc::strong_count(&g.0) != 1 {
        return None;
    }
    let sole = match g.base() {
        None => Arc::strong_count(g.storage()) == 1,
        Some(b) => Arc::strong_count(&b.0) == 1 && Arc::strong_count(g.storage()) == 2,
    };
    let layout_ok = g.is_contiguous()
        || (g.layout().is_non_overlapping_and_dense()
            && g.layout().strides == leaf.layout().strides);
    (sole && layout_ok)
        .then(|| Tensor::from_parts(g.storage().clone(), g.layout().clone(), g.dtype()))
}

pub(crate) fn accumulate_into_leaf(leaf: &Tensor, g: Tensor) -> Result<()> {
    let old = leaf.meta().grad.clone();
    let create_graph = super::mode::is_grad_enabled();
    let new = match old {
        None => {
            if create_graph && g.requires_grad() {
                let out = g.detach().try_clone_tensor()?;
                if needs_grad(&[&g]) {
                    record(CopyBackwards, &[&g], &[&out], &[]);
                }
                out
            } else if let Some(stolen) = steal(leaf, &g) {
                stolen
            } else {
                g.detach().try_clone_tensor()?
            }
        }
        Some(old) => {
            if create_graph {
                old.try_add(&g)?
            } else {
                let _ng = GradModeGuard::new(false);
                old.try_add_(&g)?;
                return Ok(());
            }
        }
    };
    leaf.meta().grad = Some(new);
    Ok(())
}
