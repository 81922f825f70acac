//! From an unpickled object to an [`Object`]: tensors built over their storages, the
//! containers copied out of the arena.
//!
//! Note [Loaded views]
//! Tensors that `torch.save` wrote over one storage (`w` and `w.t()`, a slice and its
//! base) must come back sharing memory. So the tensors of a storage are gathered first:
//! a storage read by one tensor that covers it row-major becomes that tensor, as
//! safetensors' loader builds one; any other storage becomes one flat tensor and each
//! tensor over it a strided view of it (the `as_strided` of the tensor's size, stride and
//! offset), checked to stay inside it. A tensor with no elements reads nothing and gets
//! memory of its own.

use super::Object;
use super::unpickle::unpickling;
use super::value::{Node, Pickle, StorageRef, TensorSpec, Val};
use crate::Tensor;
use crate::error::{Error, Result, bail};
use crate::layout::Layout;
use indexmap::IndexMap;
use std::collections::HashMap;

/// How deep containers may nest, in a file and in what is saved: far beyond any
/// checkpoint, well within the stack of a test thread when converting recursively.
pub(super) const MAX_DEPTH: usize = 256;

/// Reads a storage's bytes (`numel · element size` of them) from the archive.
pub(super) type StorageLoader<'a> = dyn FnMut(&StorageRef, usize) -> Result<Vec<u8>> + 'a;

/// The tensor nodes reachable from the root, in the order a walk reaches them.
fn reachable_tensors(p: &Pickle) -> Vec<usize> {
    let mut seen = vec![false; p.arena.len()];
    let mut todo = vec![p.root];
    let mut out = Vec::new();
    while let Some(v) = todo.pop() {
        let Val::Ref(i) = v else { continue };
        if i >= p.arena.len() || std::mem::replace(&mut seen[i], true) {
            continue;
        }
        match &p.arena[i] {
            Node::List(items) | Node::Tuple(items) => todo.extend(items.iter().rev()),
            Node::Dict(items) | Node::OrderedDict(items) => {
                todo.extend(items.iter().rev().flat_map(|&(k, v)| [v, k]));
            }
            Node::Tensor(_) => out.push(i),
            Node::Parameter { tensor, .. } => todo.push(Val::Ref(*tensor)),
            _ => {}
        }
    }
    out
}

/// The last element a spec reaches, checked to lie inside a storage of `numel` elements.
fn check_bounds(s: &TensorSpec, numel: usize) -> Result<()> {
    let out_of_bounds = || {
        Error::Format(format!(
            "tensor of size {:?}, stride {:?} and offset {} does not fit its storage '{}' of {numel} elements",
            s.size, s.stride, s.offset, s.storage.key
        ))
    };
    let mut last = s.offset;
    for (&n, &st) in s.size.iter().zip(&s.stride) {
        let reach = (n - 1).checked_mul(st).ok_or_else(out_of_bounds)?;
        last = last.checked_add(reach).ok_or_else(out_of_bounds)?;
    }
    if last >= numel {
        return Err(out_of_bounds());
    }
    Ok(())
}

/// Builds the tensors of one storage (see Note [Loaded views]).
fn storage_tensors(
    sref: &StorageRef,
    specs: &[(usize, &TensorSpec)],
    bytes: &[u8],
    swap: bool,
    out: &mut HashMap<usize, Tensor>,
) -> Result<()> {
    let mut base: Option<Tensor> = None;
    for &(id, s) in specs {
        // Each spec's own dtype: empty records may be read under several.
        let dt = s.storage.dtype;
        let nbytes = super::super::checked_nbytes(&s.size, dt)?;
        let layout = Layout {
            shape: s.size.iter().copied().collect(),
            strides: s.stride.iter().copied().collect(),
            offset: s.offset,
        };
        let t = if nbytes == 0 {
            Tensor::from_le_bytes(&[], &s.size, dt, swap)?
        } else if specs.len() == 1
            && s.offset == 0
            && nbytes == bytes.len()
            && layout.is_contiguous()
        {
            Tensor::from_le_bytes(bytes, &s.size, dt, swap)?
        } else {
            check_bounds(s, sref.numel)?;
            let b = match &base {
                Some(b) => b,
                None => base.insert(Tensor::from_le_bytes(bytes, &[sref.numel], dt, swap)?),
            };
            b.as_strided_layout(layout)?
        };
        if s.requires_grad {
            t.try_requires_grad_(true)?;
        }
        out.insert(id, t);
    }
    Ok(())
}

/// A storage and the tensor nodes over it.
type Group<'a> = (&'a StorageRef, Vec<(usize, &'a TensorSpec)>);

/// Builds every tensor reachable from the root, reading each storage once.
fn build_tensors(
    p: &Pickle,
    swap: bool,
    load: &mut StorageLoader<'_>,
) -> Result<HashMap<usize, Tensor>> {
    let mut groups: IndexMap<&str, Group<'_>> = IndexMap::new();
    for id in reachable_tensors(p) {
        let Node::Tensor(spec) = &p.arena[id] else {
            continue;
        };
        let s = &spec.storage;
        let entry = groups.entry(s.key.as_str()).or_insert((s, Vec::new()));
        let first = entry.0;
        let nbytes = |r: &StorageRef| r.numel.saturating_mul(r.dtype.size_in_bytes());
        if (first.dtype, first.numel) != (s.dtype, s.numel) && (nbytes(first) | nbytes(s)) != 0 {
            bail!(
                Format,
                "storage '{}' is read as {} elements of {} and as {} elements of {}",
                s.key,
                first.numel,
                first.dtype.name(),
                s.numel,
                s.dtype.name()
            );
        }
        entry.1.push((id, spec));
    }
    let mut out = HashMap::new();
    for (sref, specs) in groups.values() {
        let nbytes = sref
            .numel
            .checked_mul(sref.dtype.size_in_bytes())
            .ok_or_else(|| {
                Error::Format(format!(
                    "storage '{}' of {} elements is too large",
                    sref.key, sref.numel
                ))
            })?;
        let bytes = load(sref, nbytes)?;
        if bytes.len() != nbytes {
            bail!(
                Format,
                "storage '{}' holds {} bytes, but its tensors need {nbytes}",
                sref.key,
                bytes.len()
            );
        }
        storage_tensors(sref, specs, &bytes, swap, &mut out)?;
    }
    Ok(out)
}

struct Builder<'a> {
    p: &'a Pickle,
    tensors: HashMap<usize, Tensor>,
    /// Objects left to make: sharing in the pickle (one list memoized and read back many
    /// times) can make its expansion exponentially larger than the file, so it is capped
    /// at a few objects per byte of pickle, more than any unshared pickle needs.
    budget: usize,
}

impl Builder<'_> {
    fn pairs(&mut self, items: &[(Val, Val)], depth: usize) -> Result<Vec<(Object, Object)>> {
        items
            .iter()
            .map(|&(k, v)| Ok((self.object(k, depth)?, self.object(v, depth)?)))
            .collect()
    }

    fn object(&mut self, v: Val, depth: usize) -> Result<Object> {
        if depth > MAX_DEPTH {
            return Err(unpickling(format!(
                "the pickle nests containers deeper than {MAX_DEPTH} levels"
            )));
        }
        self.budget = self.budget.checked_sub(1).ok_or_else(|| {
            unpickling("the pickle expands to far more objects than it holds (shared references)")
        })?;
        let i = match v {
            Val::None => return Ok(Object::None),
            Val::Bool(b) => return Ok(Object::Bool(b)),
            Val::Int(i) => return Ok(Object::Int(i)),
            Val::Float(x) => return Ok(Object::Float(x)),
            Val::Ref(i) => i,
        };
        let p = self.p;
        let d = depth + 1;
        Ok(match &p.arena[i] {
            Node::Str(s) => Object::Str(s.clone()),
            Node::Bytes(b) => Object::Bytes(b.clone()),
            Node::List(items) => Object::List(
                items
                    .iter()
                    .map(|&x| self.object(x, d))
                    .collect::<Result<_>>()?,
            ),
            Node::Tuple(items) => Object::Tuple(
                items
                    .iter()
                    .map(|&x| self.object(x, d))
                    .collect::<Result<_>>()?,
            ),
            Node::Dict(items) => Object::Dict(self.pairs(items, d)?),
            Node::OrderedDict(items) => Object::OrderedDict(self.pairs(items, d)?),
            Node::Tensor(_) => Object::Tensor(self.tensor(i)?),
            Node::Parameter {
                tensor,
                requires_grad,
            } => {
                let t = match self.tensors.get(&i) {
                    Some(t) => t.clone(),
                    None => {
                        let t = self.tensor(*tensor)?;
                        t.try_requires_grad_(*requires_grad)?;
                        self.tensors.insert(i, t.clone());
                        t
                    }
                };
                Object::Parameter(t)
            }
            Node::Global(_) => {
                return Err(unpickling(
                    "a global can be called, but not loaded as a value",
                ));
            }
            Node::Storage(_) => {
                return Err(unpickling(
                    "ember cannot load a bare storage: save the tensor over it instead",
                ));
            }
        })
    }

    fn tensor(&self, i: usize) -> Result<Tensor> {
        // Every reachable tensor node was built by `build_tensors`.
        self.tensors
            .get(&i)
            .cloned()
            .ok_or_else(|| unpickling("a tensor was not built"))
    }
}

/// The object of an unpickled pickle, its tensors read through `load` (`swap`: the
/// storages are big-endian).
pub(super) fn build(p: &Pickle, swap: bool, load: &mut StorageLoader<'_>) -> Result<Object> {
    let tensors = build_tensors(p, swap, load)?;
    let mut b = Builder {
        p,
        tensors,
        budget: p.len.saturating_mul(4).saturating_add(1024),
    };
    b.object(p.root, 0)
}

/// Every storage the pickle names, by key (the legacy format's raw storages follow the
/// pickle, and each one's length depends on its dtype).
pub(super) fn storage_refs(p: &Pickle) -> HashMap<&str, &StorageRef> {
    p.arena
        .iter()
        .filter_map(|n| match n {
            Node::Storage(s) => Some((s.key.as_str(), s)),
            _ => None,
        })
        .collect()
}
