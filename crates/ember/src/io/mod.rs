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

use crate::DType;
use crate::error::Result;

/// `numel · element size` of a shape, or an error when it overflows.
pub(crate) fn checked_nbytes(shape: &[usize], dtype: DType) -> Result<usize> {
    shape
        .iter()
        .try_fold(dtype.size_in_bytes(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| crate::Error::Format(format!("tensor of shape {shape:?} is too large")))
}
