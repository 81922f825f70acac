//! Saving and loading tensors: state dicts as safetensors (the format PyTorch's
//! `safetensors.torch.save_file`/`load_file` read and write) and single tensors or archives
//! as numpy's `.npy`/`.npz`. Malformed files give an `Err`, never a panic.

mod npy;
mod safetensors;

pub use self::npy::{
    load_npy, load_npz, npy_from_bytes, npy_to_bytes, npz_from_bytes, npz_to_bytes, save_npy,
    save_npz,
};
pub use self::safetensors::{load, safetensors_from_bytes, safetensors_to_bytes, save};

use crate::error::Result;
use crate::{DType, Tensor};

/// The tensor's elements as little-endian bytes, row-major.
pub(crate) fn to_le_bytes(t: &Tensor) -> Result<Vec<u8>> {
    t.to_le_bytes()
}

/// A tensor of `shape` and `dtype` from little-endian bytes (already length-checked).
pub(crate) fn from_le_bytes(
    bytes: &[u8],
    shape: &[usize],
    dtype: DType,
    swap: bool,
) -> Result<Tensor> {
    Tensor::from_le_bytes(bytes, shape, dtype, swap)
}

/// `numel · element size` of a shape, or an error when it overflows.
pub(crate) fn checked_nbytes(shape: &[usize], dtype: DType) -> Result<usize> {
    shape
        .iter()
        .try_fold(dtype.size_in_bytes(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| crate::Error::Format(format!("tensor of shape {shape:?} is too large")))
}
