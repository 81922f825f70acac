//! The CUDA backend's device-independent parts — kernel sources generated from the op table
//! and the caching allocator's logic — and, with feature `cuda`, the driver behind them.
//! Tensors on CUDA devices are not implemented yet (issue 7): `Buffer` has no CUDA variant.

pub(crate) mod alloc;
#[cfg(feature = "cuda")]
pub(crate) mod driver;
pub(crate) mod indexer;
pub(crate) mod source;
