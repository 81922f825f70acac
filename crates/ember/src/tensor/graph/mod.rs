//! The autograd graph's types, which every tensor carries: its [`AutogradMeta`] (grad,
//! `grad_fn`, hooks), the [`node`]s ops record, the [`formula`] interface of their backward
//! functions, and grad [`mode`]. They sit in the tensor layer so that the tensor does not
//! depend on the engine (`autograd/`), which walks these graphs.

pub(crate) mod accumulate;
pub(crate) mod formula;
pub(crate) mod mode;
pub(crate) mod node;

use crate::Tensor;
use node::{HookFn, Node};
use std::sync::{Arc, Weak};

/// A tensor's place in the graph (PyTorch's `AutogradMeta`).
#[derive(Default)]
pub(crate) struct AutogradMeta {
    /// Set on leaves by `requires_grad_`; a tensor with a `grad_fn` requires grad too.
    pub requires_grad: bool,
    pub grad: Option<Tensor>,
    pub grad_fn: Option<Arc<dyn Node>>,
    pub output_nr: usize,
    pub retains_grad: bool,
    pub grad_accumulator: Option<Weak<dyn Node>>,
    /// Hooks of a leaf (a non-leaf's hooks live on its `grad_fn`).
    pub hooks: Vec<HookFn>,
}
