//! The golden runner's op dispatcher: maps PyTorch op names and keyword arguments to ember
//! calls, one file per op family.

pub mod indexing;
pub mod linalg;
pub mod nn;
pub mod nn_norm;
pub mod optim;
pub mod pointwise;
pub mod reduce;
pub mod shape;
pub mod spec;

use ember::Tensor;
use spec::Kw;

/// The outputs of an op (several for `max(dim)`, `split`, …).
pub type OpResult = ember::Result<Vec<Tensor>>;

/// Runs `op`; `None` when no family knows the op.
pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    pointwise::dispatch(op, inputs, kw)
        .or_else(|| reduce::dispatch(op, inputs, kw))
        .or_else(|| shape::dispatch(op, inputs, kw))
        .or_else(|| indexing::dispatch(op, inputs, kw))
        .or_else(|| linalg::dispatch(op, inputs, kw))
        .or_else(|| nn::dispatch(op, inputs, kw))
        .or_else(|| nn_norm::dispatch(op, inputs, kw))
}

/// Wraps a single-output result.
pub fn one(r: ember::Result<Tensor>) -> Option<OpResult> {
    Some(r.map(|t| vec![t]))
}
