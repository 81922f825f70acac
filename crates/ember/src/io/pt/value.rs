//! What the unpickler builds: values and the arena that holds its containers.

use super::globals::Global;
use crate::DType;

/// A stack or memo value: scalars inline, everything else a handle into the arena.
#[derive(Clone, Copy, Debug)]
pub(super) enum Val {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Ref(usize),
}

/// A storage a tensor reads, as its persistent id names it.
#[derive(Clone, Debug)]
pub(super) struct StorageRef {
    pub key: String,
    pub dtype: DType,
    pub numel: usize,
}

/// What `_rebuild_tensor_v2` was asked to build.
#[derive(Clone, Debug)]
pub(super) struct TensorSpec {
    pub storage: StorageRef,
    pub offset: usize,
    pub size: Vec<usize>,
    pub stride: Vec<usize>,
    pub requires_grad: bool,
}

/// An arena entry.
#[derive(Debug)]
pub(super) enum Node {
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Val>),
    Tuple(Vec<Val>),
    Dict(Vec<(Val, Val)>),
    OrderedDict(Vec<(Val, Val)>),
    Global(Global),
    Storage(StorageRef),
    Tensor(TensorSpec),
    /// `_rebuild_parameter(data, requires_grad, hooks)`: `tensor` is the data's node.
    Parameter {
        tensor: usize,
        requires_grad: bool,
    },
}

/// An unpickled object: its root and the arena its handles point into.
pub(super) struct Pickle {
    pub arena: Vec<Node>,
    pub root: Val,
    /// The length of the pickle, which bounds how large its expansion may grow.
    pub len: usize,
}

/// The persistent ids the file format uses for storages.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Format {
    /// `('storage', StorageType, key, location, numel)`.
    Zip,
    /// The same with a sixth entry, the (always `None`) view metadata.
    Legacy,
}
