//! PyTorch's meta device: buffers with a size and no memory. Every primitive succeeds
//! without doing anything (its impl of `Backend` is generated with the trait, in
//! `backend/mod.rs`), so ops compute their outputs' shapes, dtypes and strides (in the op
//! layer, as on any device) and never touch data. Reading values is an error
//! ("Cannot copy out of meta tensor; no data!"); ops whose output shape depends on values
//! (`nonzero`, `masked_select`) refuse to run, as in PyTorch.

/// The meta backend.
pub(crate) struct Meta;
