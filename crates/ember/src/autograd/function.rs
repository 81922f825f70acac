//! User-defined autograd functions (`torch.autograd.Function`): a forward computed without
//! history and a backward written by the user, usable inside larger graphs and under
//! `create_graph`.

use crate::Tensor;
use crate::error::{Error, Result};
use crate::tensor::graph::node::{
    Edge, FREED, InputMeta, Node, PreHook, SavedTensor, edge_of, next_seq,
};
use parking_lot::Mutex;
use std::any::Any;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

/// The `ctx` of a custom [`Function`]: tensors and values saved in forward for backward.
///
/// ```
/// use ember::autograd::{Function, FunctionCtx};
/// use ember::{Result, Tensor};
///
/// struct MyReLU;
///
/// impl Function for MyReLU {
///     fn forward(&self, ctx: &mut FunctionCtx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
///         ctx.save_for_backward(&[&inputs[0]]);
///         Ok(vec![inputs[0].try_clamp(0.0, None)?])
///     }
///     fn backward(&self, ctx: &FunctionCtx, grads: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
///         let input = &ctx.saved_tensors()?[0];
///         let grad_input = grads[0].try_where_cond(&input.try_ge(0.0)?, 0.0)?;
///         Ok(vec![Some(grad_input)])
///     }
/// }
///
/// let x = ember::tensor([-1.0, 2.0]).requires_grad_(true);
/// let y = MyReLU.apply1(&x).unwrap();
/// assert_eq!(y.grad_fn().unwrap().name(), "MyReLUBackward");
/// y.sum().backward();
/// assert_eq!(x.grad().unwrap().to_vec::<f32>(), vec![0.0, 1.0]);
/// ```
#[derive(Default)]
pub struct FunctionCtx {
    to_save: Vec<Tensor>,
    saved: Option<Vec<SavedTensor>>,
    released: bool,
    non_differentiable: Vec<Tensor>,
    needs_input_grad: Vec<bool>,
    values: HashMap<String, Box<dyn Any + Send + Sync>>,
}

impl FunctionCtx {
    /// `ctx.save_for_backward(*tensors)`.
    pub fn save_for_backward(&mut self, tensors: &[&Tensor]) {
        self.to_save = tensors.iter().map(|t| (*t).clone()).collect();
    }

    /// `ctx.saved_tensors`, checked against in-place modification since they were saved.
    ///
    /// # Errors
    /// If a saved tensor was modified in place, or the graph was freed by a backward.
    pub fn saved_tensors(&self) -> Result<Vec<Tensor>> {
        if self.released {
            return Err(Error::Autograd(FREED.into()));
        }
        match &self.saved {
            Some(v) => v.iter().map(|s| s.unpack("Function")).collect(),
            None => Ok(self.to_save.clone()),
        }
    }

    /// `ctx.mark_non_differentiable(*outputs)`: these outputs get no `grad_fn`.
    pub fn mark_non_differentiable(&mut self, outputs: &[&Tensor]) {
        self.non_differentiable
            .extend(outputs.iter().map(|t| (*t).clone()));
    }

    /// `ctx.needs_input_grad[i]`.
    pub fn needs_input_grad(&self, i: usize) -> bool {
        self.needs_input_grad.get(i).copied().unwrap_or(false)
    }

    /// Saves a non-tensor value (`ctx.some_name = value`).
    pub fn save_value<T: Any + Send + Sync>(&mut self, key: &str, value: T) {
        self.values.insert(key.to_string(), Box::new(value));
    }

    /// A value stored with [`FunctionCtx::save_value`].
    pub fn value<T: Any + Send + Sync>(&self, key: &str) -> Option<&T> {
        self.values.get(key).and_then(|b| b.downcast_ref())
    }
}

/// A custom differentiable operation (`torch.autograd.Function`): implement `forward` and
/// `backward`, then call [`Function::apply`]. See [`FunctionCtx`] for an example.
pub trait Function: Send + Sync + Sized + 'static {
    /// Computes the outputs (run without recording history).
    ///
    /// # Errors
    /// Whatever the computation returns.
    fn forward(&self, ctx: &mut FunctionCtx, inputs: &[Tensor]) -> Result<Vec<Tensor>>;

    /// Gradients of the inputs from gradients of the outputs (zeros for outputs that got
    /// none). Return `None` for inputs without a gradient.
    ///
    /// # Errors
    /// Whatever the computation returns.
    fn backward(&self, ctx: &FunctionCtx, grad_outputs: &[Tensor]) -> Result<Vec<Option<Tensor>>>;

    /// The node's name: the type's name followed by `Backward`, as PyTorch does.
    fn name(&self) -> String {
        let full = std::any::type_name::<Self>();
        let short = full.rsplit("::").next().unwrap_or(full);
        format!("{short}Backward")
    }

    /// `MyFunction.apply(*inputs)`: runs forward and records the node.
    ///
    /// # Errors
    /// Whatever `forward` returns.
    fn apply(self, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
        apply(self, inputs)
    }

    /// [`Function::apply`] for one input and one output.
    ///
    /// # Errors
    /// Whatever `forward` returns, or if it returns no output.
    fn apply1(self, input: &Tensor) -> Result<Tensor> {
        apply(self, &[input])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Autograd("Function returned no outputs".into()))
    }
}

fn apply<F: Function>(f: F, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
    let mut ctx = FunctionCtx {
        needs_input_grad: inputs.iter().map(|t| t.requires_grad()).collect(),
        ..FunctionCtx::default()
    };
    let ins: Vec<Tensor> = inputs.iter().map(|t| (*t).clone()).collect();
    let outs = {
        let _g = crate::no_grad();
        f.forward(&mut ctx, &ins)?
    };
    // An input returned as an output gets its own handle, so its history stays intact.
    let outs: Vec<Tensor> = outs
        .into_iter()
        .map(|o| {
            if inputs.iter().any(|i| i.is(&o)) {
                o.detach()
            } else {
                o
            }
        })
        .collect();
    if !crate::tensor::graph::node::needs_grad(inputs) {
        return Ok(outs);
    }
    let edges: Vec<Edge> = inputs.iter().map(|t| edge_of(t)).collect();
    let metas: Vec<InputMeta> = inputs.iter().map(|t| InputMeta::of(t)).collect();
    let out_metas: Vec<InputMeta> = outs.iter().map(InputMeta::of).collect();
    let name = f.name();
    let node: Arc<dyn Node> = Arc::new_cyclic(|weak: &Weak<FunctionNode<F>>| {
        let weak: Weak<dyn Node> = weak.clone();
        let saved = ctx
            .to_save
            .drain(..)
            .map(|t| match outs.iter().position(|o| o.is(&t)) {
                Some(nr) => SavedTensor::output(&t, weak.clone(), nr),
                None => SavedTensor::tensor(&t),
            })
            .collect();
        ctx.saved = Some(saved);
        FunctionNode {
            f,
            name,
            ctx: Mutex::new(std::mem::take(&mut ctx)),
            edges,
            inputs: metas,
            outputs: out_metas,
            hooks: Mutex::new(Vec::new()),
            seq: next_seq(),
        }
    });
    let non_diff = node_non_differentiable(&node);
    for (i, o) in outs.iter().enumerate() {
        let skip = !o.dtype().is_floating_point() || non_diff.iter().any(|t| t.is(o));
        if !skip {
            o.set_grad_fn(node.clone(), i);
        }
    }
    Ok(outs)
}

fn node_non_differentiable(node: &Arc<dyn Node>) -> Vec<Tensor> {
    node.non_differentiable()
}

struct FunctionNode<F: Function> {
    f: F,
    name: String,
    ctx: Mutex<FunctionCtx>,
    edges: Vec<Edge>,
    inputs: Vec<InputMeta>,
    outputs: Vec<InputMeta>,
    hooks: Mutex<Vec<PreHook>>,
    seq: u64,
}

impl<F: Function> Node for FunctionNode<F> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Owned(self.name.clone())
    }

    fn edges(&self) -> &[Edge] {
        &self.edges
    }

    fn apply(&self, grads: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>> {
        let grads: Vec<Tensor> = grads
            .into_iter()
            .zip(&self.outputs)
            .map(|(g, m)| match g {
                Some(g) => Ok(g),
                None => crate::try_zeros_with(m.shape.as_slice(), (m.dtype, m.device)),
            })
            .collect::<Result<_>>()?;
        let ctx = self.ctx.lock();
        let out = self.f.backward(&ctx, &grads)?;
        drop(ctx);
        if out.len() != self.edges.len() {
            return Err(Error::Autograd(format!(
                "function {} returned an incorrect number of gradients (expected {}, got {})",
                self.name,
                self.edges.len(),
                out.len()
            )));
        }
        out.into_iter()
            .enumerate()
            .map(|(i, g)| match (g, self.edges[i].node.is_some()) {
                (Some(g), true) => {
                    crate::tensor::graph::formula::fit_to_input(g, &self.inputs[i], &self.name, i)
                        .map(Some)
                }
                _ => Ok(None),
            })
            .collect()
    }

    fn release(&self) {
        let mut ctx = self.ctx.lock();
        if ctx.saved.as_ref().is_some_and(|v| !v.is_empty()) {
            ctx.saved = None;
            ctx.released = true;
        }
    }

    fn seq(&self) -> u64 {
        self.seq
    }

    fn num_outputs(&self) -> usize {
        self.outputs.len()
    }

    fn pre_hooks(&self) -> Option<&Mutex<Vec<PreHook>>> {
        Some(&self.hooks)
    }

    fn non_differentiable(&self) -> Vec<Tensor> {
        self.ctx.lock().non_differentiable.clone()
    }
}
