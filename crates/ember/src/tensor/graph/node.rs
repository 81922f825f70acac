//! Graph nodes: the `Node` trait, edges, op nodes built from formulas, `AccumulateGrad`, and
//! saved tensors.
//!
//! Note [Saved tensors]
//! A node keeps the tensors its formula needs. An input is kept as a handle (it does not
//! point back to this node, so no cycle). An output would create the cycle `output -> grad_fn
//! -> saved output -> grad_fn`, so an output is kept as a detached alias of its data plus a
//! `Weak` to the node, and rebuilt with its `grad_fn` when unpacked under `create_graph`
//! (PyTorch's SavedVariable). Each saved tensor records the storage version it saw; see
//! Note [Version counter]. After a backward without `retain_graph` the saved tensors are
//! dropped and a second backward reports it.

use super::formula::{Ctx, Formula};
use crate::error::{Error, Result};
use crate::shape::Dims;
use crate::{DType, Device, Tensor};
use parking_lot::Mutex;
use smallvec::SmallVec;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

/// A gradient hook: sees a gradient and may return a replacement.
pub(crate) type HookFn = Arc<dyn Fn(&Tensor) -> Option<Tensor> + Send + Sync>;

/// A pre-hook on a node's incoming gradient at one output slot.
#[derive(Clone)]
pub(crate) enum PreHook {
    /// A user hook from `register_hook` on a non-leaf.
    User(usize, HookFn),
    /// `retain_grad()`: store the gradient in the tensor's `.grad`.
    Retain(usize, Weak<crate::tensor::TensorImpl>),
}

/// A node of the backward graph.
pub(crate) trait Node: Send + Sync + 'static {
    /// PyTorch's name (`MulBackward0`, `AccumulateGrad`).
    fn name(&self) -> Cow<'static, str>;
    /// Where each input's gradient goes (`next_functions`).
    fn edges(&self) -> &[Edge];
    /// Computes input gradients from output gradients.
    fn apply(&self, grads: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>>;
    /// Frees saved tensors.
    fn release(&self) {}
    /// Order of creation; later nodes run first when several are ready.
    fn seq(&self) -> u64;
    /// Number of outputs of the forward op.
    fn num_outputs(&self) -> usize {
        1
    }
    /// Hooks run on incoming gradients before `apply`.
    fn pre_hooks(&self) -> Option<&Mutex<Vec<PreHook>>> {
        None
    }
    /// The leaf an `AccumulateGrad` writes to.
    fn leaf(&self) -> Option<&Tensor> {
        None
    }
    /// Shapes of the tensors the node keeps for backward (empty once freed).
    fn saved_shapes(&self) -> Vec<Vec<usize>> {
        Vec::new()
    }
    /// The forward backtrace recorded under anomaly detection.
    fn creation_trace(&self) -> Option<&str> {
        None
    }
    /// Outputs a custom function marked non-differentiable.
    fn non_differentiable(&self) -> Vec<Tensor> {
        Vec::new()
    }
}

/// An edge to the node that receives a gradient, and which of its inputs it is.
#[derive(Clone)]
pub(crate) struct Edge {
    pub node: Option<Arc<dyn Node>>,
    pub input_nr: usize,
}

impl Edge {
    pub fn none() -> Edge {
        Edge {
            node: None,
            input_nr: 0,
        }
    }
}

static SEQ: AtomicU64 = AtomicU64::new(0);

pub(crate) fn next_seq() -> u64 {
    SEQ.fetch_add(1, Ordering::Relaxed)
}

/// What the engine needs to know about a forward input to shape its gradient.
#[derive(Clone, Debug)]
pub(crate) struct InputMeta {
    pub shape: Dims,
    pub dtype: DType,
    pub device: Device,
}

impl InputMeta {
    pub fn of(t: &Tensor) -> InputMeta {
        InputMeta {
            shape: Dims::from_slice(t.shape()),
            dtype: t.dtype(),
            device: t.device(),
        }
    }
}

enum SavedKind {
    Tensor,
    Output {
        node: Weak<dyn Node>,
        output_nr: usize,
    },
}

/// A tensor kept for backward. See Note [Saved tensors].
pub(crate) struct SavedTensor {
    data: Tensor,
    version: u64,
    kind: SavedKind,
}

/// How a formula asks for a tensor to be saved.
pub(crate) enum Save<'a> {
    /// An input, or any other tensor computed in forward.
    Tensor(&'a Tensor),
    /// The op's output with this index.
    Output(usize),
}

impl SavedTensor {
    /// Keeps `t` (an input, or any tensor that does not have this node as `grad_fn`).
    pub(crate) fn tensor(t: &Tensor) -> SavedTensor {
        SavedTensor {
            version: t.version(),
            data: t.clone(),
            kind: SavedKind::Tensor,
        }
    }

    /// Keeps output `output_nr` of `node` without a strong reference back to the node.
    pub(crate) fn output(t: &Tensor, node: Weak<dyn Node>, output_nr: usize) -> SavedTensor {
        SavedTensor {
            version: t.version(),
            data: t.detach(),
            kind: SavedKind::Output { node, output_nr },
        }
    }

    /// The saved tensor, checking that it was not modified in place since it was saved.
    pub(crate) fn unpack(&self, node_name: &str) -> Result<Tensor> {
        let now = self.data.version();
        if now != self.version {
            let what = match &self.kind {
                SavedKind::Output { output_nr, .. } => {
                    format!(", which is output {output_nr} of {node_name},")
                }
                SavedKind::Tensor => match self.data.grad_fn() {
                    Some(f) => format!(
                        ", which is output {} of {},",
                        self.data.output_nr(),
                        f.name()
                    ),
                    None => String::new(),
                },
            };
            return Err(Error::Autograd(format!(
                "one of the variables needed for gradient computation has been modified by an inplace operation: [ember.{} {}]{what} is at version {now}; expected version {} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with ember::autograd::set_detect_anomaly(true).",
                self.data.dtype().legacy_name(),
                crate::shape::ShapeFmt(self.data.shape()),
                self.version
            )));
        }
        match &self.kind {
            SavedKind::Tensor => Ok(self.data.clone()),
            SavedKind::Output { node, output_nr } => {
                if super::mode::is_grad_enabled()
                    && let Some(node) = node.upgrade()
                {
                    let t = self.data.detach();
                    t.set_grad_fn(node, *output_nr);
                    return Ok(t);
                }
                Ok(self.data.clone())
            }
        }
    }
}

pub(crate) const FREED: &str = "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

/// A node whose backward is a formula from `autograd/formulas`.
pub(crate) struct OpNode<F: Formula> {
    formula: F,
    edges: SmallVec<[Edge; 2]>,
    inputs: SmallVec<[InputMeta; 2]>,
    saved: Mutex<Option<Vec<SavedTensor>>>,
    num_outputs: usize,
    hooks: Mutex<Vec<PreHook>>,
    seq: u64,
    trace: Option<String>,
}

impl<F: Formula> Node for OpNode<F> {
    fn creation_trace(&self) -> Option<&str> {
        self.trace.as_deref()
    }

    fn saved_shapes(&self) -> Vec<Vec<usize>> {
        self.saved
            .lock()
            .as_ref()
            .map(|v| v.iter().map(|s| s.data.shape().to_vec()).collect())
            .unwrap_or_default()
    }

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.formula.name())
    }

    fn edges(&self) -> &[Edge] {
        &self.edges
    }

    fn apply(&self, grads: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>> {
        let saved = {
            let guard = self.saved.lock();
            match guard.as_ref() {
                None => return Err(Error::Autograd(FREED.into())),
                Some(v) => v
                    .iter()
                    .map(|s| s.unpack(self.formula.name()))
                    .collect::<Result<Vec<_>>>()?,
            }
        };
        let needs: SmallVec<[bool; 4]> = self.edges.iter().map(|e| e.node.is_some()).collect();
        let ctx = Ctx {
            grads: &grads,
            saved,
            needs: &needs,
            inputs: &self.inputs,
        };
        let mut out = self.formula.backward(&ctx)?;
        if out.len() != self.edges.len() {
            return Err(Error::Autograd(format!(
                "function {} returned an incorrect number of gradients (expected {}, got {})",
                self.formula.name(),
                self.edges.len(),
                out.len()
            )));
        }
        for (i, g) in out.iter_mut().enumerate() {
            if !needs[i] {
                *g = None;
                continue;
            }
            if let Some(t) = g.take() {
                *g = Some(super::formula::fit_to_input(
                    t,
                    &self.inputs[i],
                    self.formula.name(),
                    i,
                )?);
            }
        }
        Ok(out)
    }

    fn release(&self) {
        let mut saved = self.saved.lock();
        if saved.as_ref().is_some_and(|v| !v.is_empty()) {
            *saved = None;
        }
    }

    fn seq(&self) -> u64 {
        self.seq
    }

    fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    fn pre_hooks(&self) -> Option<&Mutex<Vec<PreHook>>> {
        Some(&self.hooks)
    }
}

/// The node of a leaf that requires grad: adds incoming gradients into `.grad`.
pub(crate) struct AccumulateGrad {
    pub variable: Tensor,
}

impl Node for AccumulateGrad {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("AccumulateGrad")
    }

    fn edges(&self) -> &[Edge] {
        &[]
    }

    fn apply(&self, mut grads: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>> {
        if let Some(g) = grads.pop().flatten() {
            super::accumulate::accumulate_into_leaf(&self.variable, g)?;
        }
        Ok(vec![])
    }

    fn seq(&self) -> u64 {
        u64::MAX
    }

    fn leaf(&self) -> Option<&Tensor> {
        Some(&self.variable)
    }
}

/// The edge a gradient for `t` should flow along, creating a leaf's accumulator on demand.
pub(crate) fn edge_of(t: &Tensor) -> Edge {
    let mut meta = t.meta();
    if let Some(f) = &meta.grad_fn {
        return Edge {
            node: Some(f.clone()),
            input_nr: meta.output_nr,
        };
    }
    if !meta.requires_grad {
        return Edge::none();
    }
    if let Some(acc) = meta.grad_accumulator.as_ref().and_then(Weak::upgrade) {
        return Edge {
            node: Some(acc),
            input_nr: 0,
        };
    }
    let acc: Arc<dyn Node> = Arc::new(AccumulateGrad {
        variable: t.clone(),
    });
    meta.grad_accumulator = Some(Arc::downgrade(&acc));
    Edge {
        node: Some(acc),
        input_nr: 0,
    }
}

/// True when grad mode is on and some input requires grad: the op must record a node.
#[inline]
pub(crate) fn needs_grad(inputs: &[&Tensor]) -> bool {
    super::mode::is_grad_enabled() && inputs.iter().any(|t| t.requires_grad())
}

/// Records `formula` as the `grad_fn` of `outputs` (which take output numbers 0, 1, …),
/// with edges to `inputs` and the tensors named by `saves`. Call only when
/// [`needs_grad`] holds for `inputs`.
pub(crate) fn record<F: Formula>(
    formula: F,
    inputs: &[&Tensor],
    outputs: &[&Tensor],
    saves: &[Save<'_>],
) {
    let node = make_node(formula, inputs, outputs, saves);
    for (i, o) in outputs.iter().enumerate() {
        o.set_grad_fn(node.clone(), i);
    }
}

/// [`record`] for an op some of whose outputs were not computed: `outputs[i]`, when present,
/// takes output number `i`.
pub(crate) fn record_slots<F: Formula>(
    formula: F,
    inputs: &[&Tensor],
    outputs: &[Option<&Tensor>],
    saves: &[Save<'_>],
) {
    // `make_node` reads the outputs only for their count and for `Save::Output`, so a
    // present output may hold a missing one's place.
    let Some(any) = outputs.iter().flatten().next() else {
        return;
    };
    let slots: Vec<&Tensor> = outputs.iter().map(|o| o.unwrap_or(any)).collect();
    let node = make_node(formula, inputs, &slots, saves);
    for (i, o) in outputs.iter().enumerate() {
        if let Some(o) = o {
            o.set_grad_fn(node.clone(), i);
        }
    }
}

/// Builds the node of `formula` without attaching it to `outputs` (which only serve for
/// `Save::Output`).
pub(crate) fn make_node<F: Formula>(
    formula: F,
    inputs: &[&Tensor],
    outputs: &[&Tensor],
    saves: &[Save<'_>],
) -> Arc<dyn Node> {
    let edges: SmallVec<[Edge; 2]> = inputs.iter().map(|t| edge_of(t)).collect();
    let metas: SmallVec<[InputMeta; 2]> = inputs.iter().map(|t| InputMeta::of(t)).collect();
    Arc::new_cyclic(|weak: &Weak<OpNode<F>>| {
        let weak: Weak<dyn Node> = weak.clone();
        let saved = saves
            .iter()
            .map(|s| match s {
                Save::Tensor(t) => SavedTensor {
                    version: t.version(),
                    data: (*t).clone(),
                    kind: SavedKind::Tensor,
                },
                Save::Output(i) => SavedTensor {
                    version: outputs[*i].version(),
                    data: outputs[*i].detach(),
                    kind: SavedKind::Output {
                        node: weak.clone(),
                        output_nr: *i,
                    },
                },
            })
            .collect();
        OpNode {
            formula,
            edges,
            inputs: metas,
            saved: Mutex::new(Some(saved)),
            num_outputs: outputs.len(),
            hooks: Mutex::new(Vec::new()),
            seq: next_seq(),
            trace: super::mode::capture_trace(),
        }
    })
}
