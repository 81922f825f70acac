//! Saving and loading tensors: PyTorch's own checkpoints (`torch.save`/`torch.load`,
//! `.pt`/`.pth`: [`save_pt`], [`load_pt`], the crate root's [`crate::save`] and
//! [`crate::load`]), state dicts as safetensors (the format PyTorch's
//! `safetensors.torch.save_file`/`load_file` read and write) and single tensors or archives
//! as numpy's `.npy`/`.npz`. Malformed files give an `Err`, never a panic.

mod npy;
mod pt;
mod safetensors;

pub use self::npy::{
    load_npy, load_npz, npy_from_bytes, npy_to_bytes, npz_from_bytes, npz_to_bytes, save_npy,
    save_npz,
};
pub use self::pt::{Object, load as load_pt, pt_from_bytes, pt_to_bytes, save as save_pt};
pub use self::safetensors::{load, safetensors_from_bytes, safetensors_to_bytes, save};

use crate::DType;
use crate::error::{Result, file_error};
use std::path::Path;

/// `std::fs::read` whose error names the path.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| file_error(path, &e))
}

/// `std::fs::write` whose error names the path.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| file_error(path, &e))
}

/// `numel · element size` of a shape, or an error when it overflows.
///
/// A shape with a zero in it holds no bytes but still gets strides, and a contiguous
/// stride is the product of the later sizes (zeros counted as ones): `[2^40, 2^40, 0]`
/// overflows there although its `numel` is 0. So the sizes with zeros as ones must fit too
/// (PyTorch refuses that shape as well: "Storage size calculation overflowed").
pub(crate) fn checked_nbytes(shape: &[usize], dtype: DType) -> Result<usize> {
    let too_large = || crate::Error::Format(format!("tensor of shape {shape:?} is too large"));
    shape
        .iter()
        .try_fold(dtype.size_in_bytes(), |acc, &d| acc.checked_mul(d.max(1)))
        .ok_or_else(too_large)?;
    // At most the product just checked, so it cannot overflow.
    Ok(shape.iter().product::<usize>() * dtype.size_in_bytes())
}
