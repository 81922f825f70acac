//! The backward engine: discovers the graph reachable from the roots, counts dependencies,
//! runs nodes in dependency order (later-created nodes first among the ready ones, as
//! PyTorch does), sums incoming gradients per input, runs hooks, accumulates into leaves or
//! captures gradients for `autograd::grad`, and frees saved tensors unless `retain_graph`.

use super::GradModeGuard;
use crate::Tensor;
use crate::error::{Error, Result};
use crate::tensor::graph::node::{Node, PreHook, edge_of};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

struct Task {
    node: Arc<dyn Node>,
    deps: usize,
    buffer: Vec<Option<Tensor>>,
    needed: bool,
}

fn key(n: &Arc<dyn Node>) -> usize {
    Arc::as_ptr(n) as *const () as usize
}

/// Adds `g` into an input buffer slot (out of place, recorded under `create_graph`).
fn add_into(slot: &mut Option<Tensor>, g: Tensor) -> Result<()> {
    *slot = Some(match slot.take() {
        None => g,
        Some(old) => old.try_add(&g)?,
    });
    Ok(())
}

/// What to differentiate and how.
pub(crate) struct Request<'a> {
    pub roots: &'a [Tensor],
    pub grad_outputs: Vec<Option<Tensor>>,
    pub keep_graph: bool,
    pub create_graph: bool,
    /// `Some` for `autograd::grad`: capture gradients here instead of accumulating.
    pub inputs: Option<&'a [Tensor]>,
    pub allow_unused: bool,
}

/// Runs backward; returns the captured gradients of `inputs` (empty for `backward`).
pub(crate) fn run(req: Request<'_>) -> Result<Vec<Option<Tensor>>> {
    let _mode = GradModeGuard::new(req.create_graph);
    let mut tasks: Vec<Task> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut root_grads = Vec::with_capacity(req.roots.len());

    for (i, root) in req.roots.iter().enumerate() {
        if !root.requires_grad() {
            return Err(Error::Autograd(format!(
                "element {i} of tensors does not require grad and does not have a grad_fn"
            )));
        }
        let g = match req.grad_outputs.get(i).cloned().flatten() {
            Some(g) => {
                if g.shape() != root.shape() {
                    return Err(Error::Autograd(format!(
                        "Mismatch in shape: grad_output[{i}] has a shape of {} and output[{i}] has a shape of {}.",
                        crate::tensor::size_repr(g.shape()),
                        crate::tensor::size_repr(root.shape())
                    )));
                }
                if g.dtype() != root.dtype() {
                    g.try_to_dtype(root.dtype())?
                } else {
                    g
                }
            }
            None => {
                if root.numel() != 1 {
                    return Err(Error::Autograd(
                        "grad can be implicitly created only for scalar outputs".into(),
                    ));
                }
                crate::try_ones_like(root)?
            }
        };
        let edge = edge_of(root);
        if let Some(node) = edge.node {
            root_grads.push((node, edge.input_nr, g));
        }
    }

    // Discover the graph and count, for each node, the edges that reach it.
    let mut stack: Vec<Arc<dyn Node>> = Vec::new();
    for (node, _, _) in &root_grads {
        if let std::collections::hash_map::Entry::Vacant(e) = index.entry(key(node)) {
            e.insert(tasks.len());
            tasks.push(Task {
                buffer: vec![None; node.num_outputs().max(1)],
                node: node.clone(),
                deps: 0,
                needed: req.inputs.is_none(),
            });
            stack.push(node.clone());
        }
    }
    while let Some(node) = stack.pop() {
        for edge in node.edges() {
            if let Some(next) = &edge.node {
                let idx = match index.get(&key(next)) {
                    Some(&i) => i,
                    None => {
                        index.insert(key(next), tasks.len());
                        tasks.push(Task {
                            buffer: vec![None; next.num_outputs().max(1)],
                            node: next.clone(),
                            deps: 0,
                            needed: req.inputs.is_none(),
                        });
                        stack.push(next.clone());
                        tasks.len() - 1
                    }
                };
                tasks[idx].deps += 1;
            }
        }
    }

    // For autograd::grad: where each input's gradient is captured, and which nodes lead there.
    let mut captures: Vec<Option<(usize, usize)>> = Vec::new();
    if let Some(inputs) = req.inputs {
        for (j, t) in inputs.iter().enumerate() {
            if !t.requires_grad() {
                return Err(Error::Autograd(format!(
                    "One of the differentiated Tensors does not require grad (input {j})"
                )));
            }
            let e = edge_of(t);
            let cap = e
                .node
                .as_ref()
                .and_then(|n| index.get(&key(n)).map(|&i| (i, e.input_nr)));
            if cap.is_none() && !req.allow_unused {
                return Err(Error::Autograd(format!(
                    "The differentiated Tensor at index {j} appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior."
                )));
            }
            captures.push(cap);
        }
        mark_needed(&mut tasks, &index, &captures);
    }
    let mut captured: Vec<Option<Tensor>> = vec![None; captures.len()];

    for (node, nr, g) in root_grads {
        let idx = index[&key(&node)];
        add_into(&mut tasks[idx].buffer[nr], g)?;
    }
    let mut ready: BinaryHeap<(u64, usize)> = tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.deps == 0)
        .map(|(i, t)| (t.node.seq(), i))
        .collect();

    while let Some((_, idx)) = ready.pop() {
        let node = tasks[idx].node.clone();
        let mut buffer = std::mem::take(&mut tasks[idx].buffer);
        run_pre_hooks(node.as_ref(), &mut buffer)?;
        for (j, cap) in captures.iter().enumerate() {
            if let Some((ci, nr)) = cap
                && *ci == idx
            {
                captured[j] = buffer.get(*nr).cloned().flatten();
            }
        }
        let skip = !tasks[idx].needed
            || (req.inputs.is_some() && node.leaf().is_some())
            || buffer.iter().all(Option::is_none);
        let outputs = if skip {
            vec![None; node.edges().len()]
        } else {
            let out = node.apply(buffer)?;
            if super::is_anomaly_enabled() {
                super::anomaly::check_nan(&node.name(), node.creation_trace(), &out)?;
            }
            if !req.keep_graph {
                node.release();
            }
            out
        };
        for (edge, g) in node.edges().iter().zip(outputs) {
            if let Some(next) = &edge.node {
                let ni = index[&key(next)];
                if let Some(g) = g {
                    add_into(&mut tasks[ni].buffer[edge.input_nr], g)?;
                }
                tasks[ni].deps -= 1;
                if tasks[ni].deps == 0 {
                    ready.push((next.seq(), ni));
                }
            }
        }
    }
    Ok(captured)
}

/// Marks the nodes from which a capture point is reachable.
fn mark_needed(
    tasks: &mut [Task],
    index: &HashMap<usize, usize>,
    captures: &[Option<(usize, usize)>],
) {
    // Reverse edges, then walk back from the capture points.
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    for (i, t) in tasks.iter().enumerate() {
        for e in t.node.edges() {
            if let Some(n) = &e.node {
                parents[index[&key(n)]].push(i);
            }
        }
    }
    let mut stack: Vec<usize> = captures.iter().flatten().map(|&(i, _)| i).collect();
    while let Some(i) = stack.pop() {
        if tasks[i].needed {
            continue;
        }
        tasks[i].needed = true;
        stack.extend(parents[i].iter().copied());
    }
}

fn run_pre_hooks(node: &dyn Node, buffer: &mut [Option<Tensor>]) -> Result<()> {
    if let Some(leaf) = node.leaf() {
        let hooks = leaf.meta().hooks.clone();
        for h in hooks {
            if let Some(g) = &buffer[0]
                && let Some(new) = h(g)
            {
                buffer[0] = Some(new);
            }
        }
        return Ok(());
    }
    let Some(hooks) = node.pre_hooks() else {
        return Ok(());
    };
    let hooks = hooks.lock().clone();
    for h in &hooks {
        if let PreHook::User(nr, f) = h
            && let Some(g) = &buffer[*nr]
            && let Some(new) = f(g)
        {
            buffer[*nr] = Some(new);
        }
    }
    for h in &hooks {
        if let PreHook::Retain(nr, weak) = h
            && let (Some(g), Some(t)) = (&buffer[*nr], weak.upgrade())
        {
            let t = Tensor(t);
            let old = t.meta().grad.clone();
            let new = match old {
                None => g.try_clone_tensor()?,
                Some(old) => old.try_add(g)?,
            };
            t.meta().grad = Some(new);
        }
    }
    Ok(())
}
