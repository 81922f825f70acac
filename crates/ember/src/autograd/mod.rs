//! Automatic differentiation: grad mode, recording, `backward`, `autograd::grad`, hooks.
//!
//! ```
//! use ember::prelude::*;
//! let x = ember::tensor([[1.0f64, 2.0], [3.0, 4.0]]).requires_grad_(true);
//! let y = &x * 2.0 + 1.0;
//! let out = (&y * &y + 1.0).mean();
//! out.backward();
//! assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![3.0, 5.0, 7.0, 9.0]);
//! ```

mod anomaly;
pub mod check;
pub(crate) mod engine;
mod function;
mod graphviz;
pub(crate) mod inplace;

use crate::Tensor;
use crate::error::{Error, OrPanic, Result, bail};
pub use crate::tensor::graph::mode::{
    GradModeGuard, enable_grad, is_grad_enabled, no_grad, no_grad_scope, set_grad_enabled,
};
use crate::tensor::graph::node::{HookFn, Node, PreHook};
pub use anomaly::{AnomalyGuard, detect_anomaly, is_anomaly_enabled, set_detect_anomaly};
pub use check::{GradcheckOptions, gradcheck, gradcheck_with, gradgradcheck};
use ember_derive::panicking;
pub use function::{Function, FunctionCtx};
pub use graphviz::{Dot, make_dot};
use std::sync::Arc;

/// A node of the backward graph, as `tensor.grad_fn` (`MulBackward0`, `AccumulateGrad`, …).
///
/// ```
/// let x = ember::tensor([1.0, -2.0]).requires_grad_(true);
/// let s = x.abs().sum();
/// let f = s.grad_fn().unwrap();
/// assert_eq!(f.name(), "SumBackward0");
/// let (next, nr) = &f.next_functions()[0];
/// assert_eq!(next.as_ref().unwrap().name(), "AbsBackward0");
/// assert_eq!(*nr, 0);
/// ```
#[derive(Clone)]
pub struct GradFn(pub(crate) Arc<dyn Node>);

impl GradFn {
    /// PyTorch's class name of the node.
    pub fn name(&self) -> String {
        self.0.name().into_owned()
    }

    /// The nodes the gradient flows to next, with the input slot of each
    /// (`grad_fn.next_functions`).
    pub fn next_functions(&self) -> Vec<(Option<GradFn>, usize)> {
        self.0
            .edges()
            .iter()
            .map(|e| (e.node.clone().map(GradFn), e.input_nr))
            .collect()
    }

    /// For an `AccumulateGrad` node, the leaf it accumulates into (`grad_fn.variable`).
    pub fn variable(&self) -> Option<Tensor> {
        self.0.leaf().cloned()
    }

    /// Shapes of the tensors this node saved for backward (empty after they were freed).
    pub fn saved_shapes(&self) -> Vec<Vec<usize>> {
        self.0.saved_shapes()
    }

    /// A stable identity for the node (its address), e.g. to draw graphs.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl PartialEq for GradFn {
    fn eq(&self, other: &GradFn) -> bool {
        self.id() == other.id()
    }
}

impl std::fmt::Display for GradFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} object at {:#x}>", self.0.name(), self.id())
    }
}

impl std::fmt::Debug for GradFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Options of [`grad_with`], PyTorch's keyword arguments of `torch.autograd.grad`.
#[derive(Clone, Default)]
pub struct GradOptions {
    /// Gradients of the outputs (`None` = ones, for scalar outputs).
    pub grad_outputs: Vec<Option<Tensor>>,
    /// Keep the graph for another backward; defaults to `create_graph`.
    pub retain_graph: Option<bool>,
    /// Record the backward computation so that the gradients can be differentiated again.
    pub create_graph: bool,
    /// Return `None` for inputs the outputs do not depend on, instead of failing.
    pub allow_unused: bool,
}

/// `torch.autograd.grad(outputs, inputs)`: the gradients of the sum of `outputs` with
/// respect to each input, without touching any `.grad`.
///
/// ```
/// let t = ember::tensor([1.0, 2.0, 4.0]).requires_grad_(true);
/// let u = ember::tensor([10.0, 20.0]).requires_grad_(true);
/// let a = t.pow(2.0).sum() + u.log().sum();
/// let g = ember::autograd::grad(&[&a], &[&t, &u]).unwrap();
/// assert_eq!(g[0].to_vec::<f32>(), vec![2.0, 4.0, 8.0]);
/// assert_eq!(g[1].to_vec::<f32>(), vec![0.1, 0.05]);
/// ```
///
/// # Errors
/// If an output does not require grad, an input was not used, or the graph was freed.
pub fn grad(outputs: &[&Tensor], inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
    grad_with(outputs, inputs, GradOptions::default())?
        .into_iter()
        .map(|g| g.ok_or_else(|| Error::Autograd("missing gradient".into())))
        .collect()
}

/// `torch.autograd.grad` with all its options; unused inputs give `None` with `allow_unused`.
///
/// ```
/// use ember::autograd::{grad_with, GradOptions};
/// let x = ember::tensor([1.0f64, 2.0]).requires_grad_(true);
/// let y = x.pow(3.0).sum();
/// let opts = GradOptions { create_graph: true, ..Default::default() };
/// let g = grad_with(&[&y], &[&x], opts).unwrap()[0].clone().unwrap();
/// assert_eq!(g.to_vec::<f64>(), vec![3.0, 12.0]);
/// assert!(g.requires_grad());
/// ```
///
/// # Errors
/// As [`grad`].
pub fn grad_with(
    outputs: &[&Tensor],
    inputs: &[&Tensor],
    opts: GradOptions,
) -> Result<Vec<Option<Tensor>>> {
    let roots: Vec<Tensor> = outputs.iter().map(|t| (*t).clone()).collect();
    let ins: Vec<Tensor> = inputs.iter().map(|t| (*t).clone()).collect();
    engine::run(engine::Request {
        roots: &roots,
        grad_outputs: opts.grad_outputs,
        keep_graph: opts.retain_graph.unwrap_or(opts.create_graph),
        create_graph: opts.create_graph,
        inputs: Some(&ins),
        allow_unused: opts.allow_unused,
    })
}

/// Builder for [`Tensor::backward_opts`]: `loss.backward(gradient, retain_graph, create_graph)`.
#[must_use = "call .run() to run the backward pass"]
pub struct Backward<'a> {
    tensor: &'a Tensor,
    gradient: Option<Tensor>,
    retain_graph: Option<bool>,
    create_graph: bool,
}

impl Backward<'_> {
    /// The gradient of the output (required for non-scalar outputs).
    pub fn gradient(mut self, g: &Tensor) -> Self {
        self.gradient = Some(g.clone());
        self
    }

    /// Keep the graph so that backward can run through it again.
    pub fn retain_graph(mut self, yes: bool) -> Self {
        self.retain_graph = Some(yes);
        self
    }

    /// Record the backward pass, so the gradients have a `grad_fn` themselves.
    pub fn create_graph(mut self, yes: bool) -> Self {
        self.create_graph = yes;
        self
    }

    /// Runs the backward pass, accumulating into the leaves' `.grad`.
    ///
    /// # Errors
    /// As [`Tensor::try_backward`].
    #[track_caller]
    pub fn run(self) -> Result<()> {
        if self.create_graph {
            // PyTorch's TORCH_WARN_ONCE: once per process.
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| crate::warnings::warn(CREATE_GRAPH_CYCLE));
        }
        engine::run(engine::Request {
            roots: std::slice::from_ref(self.tensor),
            grad_outputs: vec![self.gradient],
            keep_graph: self.retain_graph.unwrap_or(self.create_graph),
            create_graph: self.create_graph,
            inputs: None,
            allow_unused: false,
        })
        .map(|_| ())
    }
}

/// PyTorch's warning for `backward(create_graph=True)`: the gradient kept in a leaf's `.grad`
/// holds a graph that refers back to the leaf.
const CREATE_GRAPH_CYCLE: &str = "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters to None after use to break the cycle and avoid the leak.";

/// PyTorch's warning for reading `.grad` of a non-leaf that does not retain it.
const NON_LEAF_GRAD: &str = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.";

impl Tensor {
    /// True if gradients flow to this tensor: a leaf marked with `requires_grad_`, or the
    /// result of an op on such tensors while grad mode is on.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0]);
    /// assert!(!x.requires_grad());
    /// ```
    pub fn requires_grad(&self) -> bool {
        let m = self.meta();
        m.requires_grad || m.grad_fn.is_some()
    }

    /// `x.requires_grad_(flag)`: marks a leaf as needing gradients; returns the same tensor.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0]).requires_grad_(true);
    /// assert!(x.requires_grad() && x.is_leaf());
    /// assert!(ember::tensor([1, 10]).try_requires_grad_(true).is_err());
    /// ```
    ///
    /// ```
    /// let w = ember::randn([3, 2]).requires_grad_(true);
    /// assert!(w.requires_grad());
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes, and when turning it off on a non-leaf.
    #[panicking]
    pub fn try_requires_grad_(&self, flag: bool) -> Result<Tensor> {
        let mut m = self.meta();
        if m.grad_fn.is_some() {
            if !flag {
                bail!(
                    Autograd,
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                );
            }
            return Ok(self.clone());
        }
        if flag && !self.dtype().is_floating_point() {
            bail!(
                Autograd,
                "only Tensors of floating point dtype can require gradients"
            );
        }
        m.requires_grad = flag;
        Ok(self.clone())
    }

    /// True for tensors created by the user rather than by a recorded op.
    ///
    /// ```
    /// let x = ember::ones([2]).requires_grad_(true);
    /// assert!(x.is_leaf());
    /// assert!(!(&x + 1.0).is_leaf());
    /// ```
    pub fn is_leaf(&self) -> bool {
        self.meta().grad_fn.is_none()
    }

    /// The accumulated gradient (`x.grad`), sharing storage with it.
    ///
    /// ```
    /// let x = ember::tensor([3.0]).requires_grad_(true);
    /// assert!(x.grad().is_none());
    /// (&x * &x).sum().backward();
    /// assert_eq!(x.grad().unwrap().to_vec::<f32>(), vec![6.0]);
    /// ```
    ///
    /// Reading it on a non-leaf that does not retain its gradient gives PyTorch's warning
    /// (through [`crate::warnings`]): backward never fills it.
    #[track_caller]
    pub fn grad(&self) -> Option<Tensor> {
        let (g, unfilled) = {
            let m = self.meta();
            let unfilled = m.grad.is_none() && m.grad_fn.is_some() && !m.retains_grad;
            (m.grad.clone(), unfilled)
        };
        if unfilled {
            crate::warnings::warn(NON_LEAF_GRAD);
        }
        g
    }

    /// Sets or clears `.grad` (`x.grad = None`).
    ///
    /// ```
    /// let x = ember::tensor([3.0]).requires_grad_(true);
    /// x.sum().backward();
    /// x.set_grad(None);
    /// assert!(x.grad().is_none());
    /// ```
    pub fn set_grad(&self, g: Option<Tensor>) {
        self.meta().grad = g;
    }

    /// The node that produced this tensor (`x.grad_fn`), `None` for leaves.
    ///
    /// ```
    /// let x = ember::ones([2]).requires_grad_(true);
    /// assert_eq!((&x * 2.0).grad_fn().unwrap().name(), "MulBackward0");
    /// ```
    pub fn grad_fn(&self) -> Option<GradFn> {
        self.meta().grad_fn.clone().map(GradFn)
    }

    /// Which output of its `grad_fn` this tensor is.
    pub(crate) fn output_nr(&self) -> usize {
        self.meta().output_nr
    }

    pub(crate) fn set_grad_fn(&self, node: Arc<dyn Node>, output_nr: usize) {
        let mut m = self.meta();
        m.grad_fn = Some(node);
        m.output_nr = output_nr;
    }

    /// Makes `backward` fill `.grad` of this non-leaf too (`x.retain_grad()`).
    ///
    /// ```
    /// let x = ember::ones([2]).requires_grad_(true);
    /// let y = &x * 3.0;
    /// y.retain_grad();
    /// y.sum().backward();
    /// assert_eq!(y.grad().unwrap().to_vec::<f32>(), vec![1.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// If the tensor does not require grad.
    #[panicking]
    pub fn try_retain_grad(&self) -> Result<()> {
        let mut m = self.meta();
        if m.grad_fn.is_none() {
            if !m.requires_grad {
                bail!(
                    Autograd,
                    "can't retain_grad on Tensor that has requires_grad=False"
                );
            }
            return Ok(());
        }
        if m.retains_grad {
            return Ok(());
        }
        m.retains_grad = true;
        let nr = m.output_nr;
        if let Some(hooks) = m.grad_fn.as_ref().and_then(|f| f.pre_hooks()) {
            hooks
                .lock()
                .push(PreHook::Retain(nr, Arc::downgrade(&self.0)));
        }
        Ok(())
    }

    /// True after `retain_grad()` on a non-leaf.
    pub fn retains_grad(&self) -> bool {
        self.meta().retains_grad
    }

    /// Registers a hook that sees this tensor's gradient during backward and may return a
    /// replacement (`x.register_hook(f)`).
    ///
    /// ```
    /// let x = ember::ones([2]).requires_grad_(true);
    /// x.register_hook(|g| Some(g * 2.0)).unwrap();
    /// x.sum().backward();
    /// assert_eq!(x.grad().unwrap().to_vec::<f32>(), vec![2.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// If the tensor does not require grad.
    pub fn register_hook(
        &self,
        hook: impl Fn(&Tensor) -> Option<Tensor> + Send + Sync + 'static,
    ) -> Result<()> {
        let mut m = self.meta();
        let hook: HookFn = Arc::new(hook);
        match &m.grad_fn {
            Some(f) => {
                let nr = m.output_nr;
                if let Some(h) = f.pre_hooks() {
                    h.lock().push(PreHook::User(nr, hook));
                }
            }
            None => {
                if !m.requires_grad {
                    bail!(
                        Autograd,
                        "cannot register a hook on a tensor that doesn't require gradient"
                    );
                }
                m.hooks.push(hook);
            }
        }
        Ok(())
    }

    /// A tensor sharing this one's storage, with no history (`x.detach()`).
    ///
    /// ```
    /// let x = ember::ones([2]).requires_grad_(true);
    /// let d = x.detach();
    /// assert!(!d.requires_grad() && d.shares_storage(&x));
    /// ```
    #[must_use]
    pub fn detach(&self) -> Tensor {
        Tensor::from_parts(self.0.storage.clone(), self.0.layout.clone(), self.0.dtype)
    }

    /// Detaches this tensor in place: drops its history and `requires_grad`.
    ///
    /// ```
    /// let y = &ember::ones([2]).requires_grad_(true) * 2.0;
    /// y.detach_();
    /// assert!(!y.requires_grad() && y.is_leaf());
    /// ```
    pub fn detach_(&self) -> Tensor {
        let mut m = self.meta();
        m.grad_fn = None;
        m.requires_grad = false;
        m.output_nr = 0;
        self.clone()
    }

    /// `x.data`: the same data without autograd history (an alias of [`Tensor::detach`]).
    #[must_use]
    pub fn data(&self) -> Tensor {
        self.detach()
    }

    /// `loss.backward()`: accumulates d(self)/d(leaf) into every leaf's `.grad`.
    ///
    /// ```
    /// let x = ember::tensor(1.0).requires_grad_(true);
    /// let w = ember::tensor(2.0).requires_grad_(true);
    /// let b = ember::tensor(3.0).requires_grad_(true);
    /// let y = &w * &x + &b;
    /// y.try_backward().unwrap();
    /// assert_eq!(w.grad().unwrap().item::<f32>(), 1.0);
    /// assert_eq!(x.grad().unwrap().item::<f32>(), 2.0);
    /// ```
    ///
    /// # Errors
    /// If the tensor is not a scalar, does not require grad, or its graph was freed by an
    /// earlier backward.
    #[panicking]
    pub fn try_backward(&self) -> Result<()> {
        self.backward_opts().run()
    }

    /// `z.backward(gradient)` for non-scalar outputs.
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 2.0], [3.0, 4.0]]).requires_grad_(true);
    /// let z = &x * &x;
    /// z.backward_with(&ember::tensor([[0.5, 1.0], [2.0, 4.0]]));
    /// assert_eq!(x.grad().unwrap().to_vec::<f32>(), vec![1.0, 4.0, 12.0, 32.0]);
    /// ```
    ///
    /// # Panics
    /// If the gradient's shape differs from the tensor's, or as [`Tensor::try_backward`].
    #[track_caller]
    pub fn backward_with(&self, gradient: &Tensor) {
        self.backward_opts().gradient(gradient).run().or_panic()
    }

    /// `backward` with options: `loss.backward_opts().retain_graph(true).create_graph(true).run()`.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0]).requires_grad_(true);
    /// let y = (&x * &x).sum();
    /// y.backward_opts().retain_graph(true).run().unwrap();
    /// y.backward_opts().run().unwrap();
    /// assert_eq!(x.grad().unwrap().to_vec::<f32>(), vec![4.0, 8.0]);
    /// ```
    pub fn backward_opts(&self) -> Backward<'_> {
        Backward {
            tensor: self,
            gradient: None,
            retain_graph: None,
            create_graph: false,
        }
    }
}
