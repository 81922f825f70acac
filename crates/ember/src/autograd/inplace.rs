//! Recording in-place ops, including writes through views.
//!
//! Note [In-place on views]
//! An in-place op on a view writes into its base's memory, so the base's history must change
//! too (PyTorch's `CopySlices`). The op's own node (`fn`, e.g. `MulBackward0`) is wrapped in a
//! `CopySlices` node that becomes the base's `grad_fn`: its backward clones the base's
//! gradient, runs `fn` on the slice the view covers, and writes the result back into that
//! slice; `fn`'s other inputs get their gradients as usual. The view's own `grad_fn` becomes
//! `AsStridedBackward0`, reading its history through the base. Views always know their base
//! (see Note [Views]), and a base is never itself a view.

use crate::Tensor;
use crate::error::{Error, Result, bail};
use crate::layout::Layout;
use crate::tensor::graph::formula::{Ctx, Formula, when};
use crate::tensor::graph::node::{
    Edge, InputMeta, Node, PreHook, Save, edge_of, make_node, next_seq, record,
};
use parking_lot::Mutex;
use smallvec::SmallVec;
use std::borrow::Cow;
use std::sync::Arc;

/// Whether an in-place op on `target` with the other inputs `others` must be recorded.
pub(crate) fn inplace_needs_grad(target: &Tensor, others: &[&Tensor]) -> bool {
    if !crate::is_grad_enabled() {
        return false;
    }
    target.requires_grad()
        || others.iter().any(|t| t.requires_grad())
        || target.base().is_some_and(Tensor::requires_grad)
}

/// Records the in-place op `formula` applied to `inputs[0]` (already written).
pub(crate) fn record_inplace<F: Formula>(
    formula: F,
    inputs: &[&Tensor],
    saves: &[Save<'_>],
) -> Result<()> {
    let target = inputs[0];
    match target.base() {
        Some(base) => copy_slices(base, target, formula, inputs, saves),
        None => {
            record(formula, inputs, &[target], saves);
            Ok(())
        }
    }
}

fn copy_slices<F: Formula>(
    base: &Tensor,
    view: &Tensor,
    formula: F,
    inputs: &[&Tensor],
    saves: &[Save<'_>],
) -> Result<()> {
    // A dense base from offset 0 (row-major, or permuted like an elementwise output of
    // transposed inputs) maps storage slots to elements one to one, so the gradient can be
    // laid out like it and the view's layout applied to it.
    if !(base.layout().is_non_overlapping_and_dense() && base.storage_offset() == 0) {
        bail!(
            Autograd,
            "in-place operation on a view of a non-contiguous base tensor is not supported by autograd; clone() the base first"
        );
    }
    let fn_node = make_node(formula, inputs, &[view], saves);
    let mut edges: SmallVec<[Edge; 2]> = SmallVec::new();
    edges.push(edge_of(base));
    edges.extend(fn_node.edges().iter().skip(1).cloned());
    let node: Arc<dyn Node> = Arc::new(CopySlices {
        base: InputMeta::of(base),
        base_layout: base.layout().clone(),
        view: view.layout().clone(),
        fn_node,
        edges,
        hooks: Mutex::new(Vec::new()),
        seq: next_seq(),
    });
    move_retain_hook(base, &node);
    base.set_grad_fn(node, 0);
    let strided = make_node(
        AsStridedBackward {
            base: base.layout().clone(),
            view: view.layout().clone(),
        },
        &[base],
        &[],
        &[],
    );
    view.set_grad_fn(strided, 0);
    Ok(())
}

/// Keeps `retain_grad()` working on a base whose `grad_fn` is replaced.
fn move_retain_hook(base: &Tensor, node: &Arc<dyn Node>) {
    if base.retains_grad()
        && let Some(h) = node.pre_hooks()
    {
        h.lock().push(PreHook::Retain(0, Arc::downgrade(&base.0)));
    }
}

/// The base's node after an in-place op on one of its views.
struct CopySlices {
    base: InputMeta,
    base_layout: Layout,
    view: Layout,
    fn_node: Arc<dyn Node>,
    edges: SmallVec<[Edge; 2]>,
    hooks: Mutex<Vec<PreHook>>,
    seq: u64,
}

impl Node for CopySlices {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("CopySlices")
    }

    fn edges(&self) -> &[Edge] {
        &self.edges
    }

    fn apply(&self, grads: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>> {
        let g = grads
            .into_iter()
            .next()
            .flatten()
            .ok_or_else(|| Error::Autograd("CopySlices: missing gradient".into()))?;
        let result = base_like(&self.base_layout, self.base.dtype, g.device())?;
        result.try_copy_(&g)?;
        let slice = result.as_strided_layout(self.view.clone())?;
        let res = self.fn_node.apply(vec![Some(slice.try_clone_tensor()?)])?;
        let mut out: Vec<Option<Tensor>> = Vec::with_capacity(self.edges.len());
        let mut res = res.into_iter();
        match res.next().flatten() {
            Some(r) => {
                slice.try_copy_(&r)?;
            }
            None => {
                slice.try_zero_()?;
            }
        }
        out.push(Some(result));
        out.extend(res);
        out.resize(self.edges.len(), None);
        Ok(out)
    }

    fn release(&self) {
        self.fn_node.release();
    }

    fn seq(&self) -> u64 {
        self.seq
    }

    fn pre_hooks(&self) -> Option<&Mutex<Vec<PreHook>>> {
        Some(&self.hooks)
    }
}

/// An uninitialised tensor laid out as the dense base `base`, so views' layouts address it.
fn base_like(base: &Layout, dtype: crate::DType, device: crate::Device) -> Result<Tensor> {
    Tensor::alloc_dense(base.clone(), dtype, device)
}

/// `as_strided` of a base (`AsStridedBackward0`): the gradient is written into zeros laid
/// out as the (dense, offset 0) base, at the view's positions.
pub(crate) struct AsStridedBackward {
    pub base: Layout,
    pub view: Layout,
}

impl Formula for AsStridedBackward {
    fn name(&self) -> &'static str {
        "AsStridedBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            let out = base_like(&self.base, g.dtype(), g.device())?;
            out.try_zero_()?;
            out.as_strided_layout(self.view.clone())?.try_copy_(g)?;
            Ok(out)
        })?])
    }
}
