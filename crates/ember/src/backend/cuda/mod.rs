//! The CUDA backend's device-independent parts — kernel sources generated from the op table
//! and the caching allocator's logic — and, with feature `cuda`, the driver behind them.
//! Tensors on CUDA devices are not implemented yet (issue 7): `Buffer` has no CUDA variant.

pub(crate) mod alloc;
#[cfg(feature = "cuda")]
pub(crate) mod driver;
pub(crate) mod indexer;
pub(crate) mod source;

use crate::error::{Error, Result};
#[cfg(feature = "cuda")]
use driver::Driver;

/// PyTorch's message for a build without CUDA.
#[cfg(not(feature = "cuda"))]
pub(crate) const NOT_COMPILED: &str = "Torch not compiled with CUDA enabled";

/// Ok when device `index` exists, else PyTorch's error: no driver, no GPU, or an index past
/// `cuda::device_count` ("CUDA error: invalid device ordinal").
pub(crate) fn check_device(index: usize) -> Result<()> {
    #[cfg(feature = "cuda")]
    {
        match driver::driver() {
            Driver::Unavailable(msg) => Err(Error::Device(msg.clone())),
            Driver::Ready(0) => Err(Error::Device("No CUDA GPUs are available".into())),
            Driver::Ready(n) if index >= *n => Err(Error::Cuda("invalid device ordinal".into())),
            Driver::Ready(_) => Ok(()),
        }
    }
    #[cfg(not(feature = "cuda"))]
    {
        let _ = index;
        Err(Error::Device(NOT_COMPILED.into()))
    }
}

/// The error for a tensor asked for on `cuda:index`.
pub(crate) fn device_error(index: usize) -> Error {
    match check_device(index) {
        Err(e) => e,
        Ok(()) => Error::Device(format!(
            "cuda:{index} is available, but ember cannot hold tensors on CUDA devices yet"
        )),
    }
}
