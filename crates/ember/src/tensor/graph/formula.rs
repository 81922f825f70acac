//! The backward-formula interface of graph nodes: a [`Formula`] names its node and computes
//! the gradient of each input from a [`Ctx`]. The formulas themselves live with their op
//! families (the derivatives table).
//!
//! Note [Formulas never un-broadcast]
//! A formula returns the gradient of each input at the broadcast shape of the op; the node
//! sums it down to the input's shape with `fit_to_input` (PyTorch's `at::sum_to`: a keepdim
//! `sum` over the broadcast dims, then a `view` if leading dims were added) and casts it to
//! the input's dtype. So `a + b` with broadcasting needs no special case.

use super::node::InputMeta;
use crate::Tensor;
use crate::error::{Error, Result};

/// A backward formula: PyTorch's node name and the gradient of each input.
pub(crate) trait Formula: Send + Sync + 'static {
    /// PyTorch's node name, e.g. `"MulBackward0"`.
    fn name(&self) -> &'static str;
    /// One gradient per input (`None` where `ctx.needs(i)` is false or the gradient is zero).
    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>>;
}

/// What a formula sees: output gradients, saved tensors, and which inputs need gradients.
pub(crate) struct Ctx<'a> {
    pub grads: &'a [Option<Tensor>],
    pub saved: Vec<Tensor>,
    pub needs: &'a [bool],
    pub inputs: &'a [InputMeta],
}

impl Ctx<'_> {
    /// The gradient of the (single) output. The engine only runs a node that received one.
    pub fn grad(&self) -> Result<&Tensor> {
        self.grads
            .first()
            .and_then(Option::as_ref)
            .ok_or_else(|| Error::Autograd("missing output gradient".into()))
    }

    /// The `i`-th saved tensor, in the order the op saved them.
    pub fn saved(&self, i: usize) -> &Tensor {
        &self.saved[i]
    }

    /// Whether input `i` needs a gradient.
    pub fn needs(&self, i: usize) -> bool {
        self.needs.get(i).copied().unwrap_or(false)
    }

    /// Shape of input `i`.
    pub fn input_shape(&self, i: usize) -> &[usize] {
        &self.inputs[i].shape
    }
}

/// Computes `f()` for input `i` only when it needs a gradient.
pub(crate) fn when(need: bool, f: impl FnOnce() -> Result<Tensor>) -> Result<Option<Tensor>> {
    if need { f().map(Some) } else { Ok(None) }
}

/// PyTorch's `at::sum_to`: reduces a broadcast gradient to `shape`.
pub(crate) fn sum_to(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let gs = g.shape();
    if gs == shape {
        return Ok(g.clone());
    }
    if shape.is_empty() {
        return g.try_sum();
    }
    let lead = gs.len().checked_sub(shape.len()).ok_or_else(|| {
        Error::Autograd(format!("cannot sum gradient of shape {gs:?} to {shape:?}"))
    })?;
    let mut dims: Vec<i64> = (0..lead as i64).collect();
    for i in lead..gs.len() {
        if shape[i - lead] == 1 && gs[i] != 1 {
            dims.push(i as i64);
        }
    }
    let mut out = g.clone();
    if !dims.is_empty() {
        out = out.try_sum_dim(dims, true)?;
    }
    if lead > 0 {
        out = out.try_view(shape)?;
    }
    Ok(out)
}

/// Shapes and casts a formula's gradient for input `i` (Note [Formulas never un-broadcast]).
pub(crate) fn fit_to_input(g: Tensor, meta: &InputMeta, name: &str, i: usize) -> Result<Tensor> {
    let mut g = g;
    if g.shape() != meta.shape.as_slice() {
        let ok = crate::shape::broadcast_shapes(&meta.shape, g.shape())
            .map(|b| b.as_slice() == g.shape())
            .unwrap_or(false);
        if !ok {
            return Err(Error::Autograd(format!(
                "Function {name} returned an invalid gradient at index {i} - got {:?} but expected shape compatible with {:?}",
                g.shape(),
                meta.shape.as_slice()
            )));
        }
        g = sum_to(&g, &meta.shape)?;
    }
    if g.dtype() != meta.dtype {
        g = g.try_to_dtype(meta.dtype)?;
    }
    if g.device() != meta.device {
        g = g.try_to_device(meta.device)?;
    }
    Ok(g)
}
