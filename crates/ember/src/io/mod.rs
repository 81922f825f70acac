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
    let t = t.try_contiguous()?;
    let n = t.numel() * t.element_size();
    let guard = t.storage().read();
    let crate::storage::Buffer::Cpu(b) = &*guard else {
        return Err(crate::error::no_data());
    };
    let start = t.storage_offset() * t.element_size();
    let mut bytes = b.bytes()[start..start + n].to_vec();
    if cfg!(target_endian = "big") {
        for chunk in bytes.chunks_mut(t.element_size()) {
            chunk.reverse();
        }
    }
    Ok(bytes)
}

/// A tensor of `shape` and `dtype` from little-endian bytes (already length-checked).
pub(crate) fn from_le_bytes(
    bytes: &[u8],
    shape: &[usize],
    dtype: DType,
    swap: bool,
) -> Result<Tensor> {
    let mut buf = crate::backend::cpu::CpuBuffer::new(bytes.len());
    let dst = buf.bytes_mut();
    dst.copy_from_slice(bytes);
    let swap = swap != cfg!(target_endian = "big");
    if swap && dtype.size_in_bytes() > 1 {
        for chunk in dst.chunks_mut(dtype.size_in_bytes()) {
            chunk.reverse();
        }
    }
    if dtype == DType::Bool {
        // Only 0/1 are valid bools.
        for b in dst.iter_mut() {
            *b = (*b != 0) as u8;
        }
    }
    let storage = std::sync::Arc::new(crate::storage::Storage::new(crate::storage::Buffer::Cpu(
        buf,
    )));
    Ok(Tensor::from_parts(
        storage,
        crate::layout::Layout::contiguous(shape),
        dtype,
    ))
}

/// `numel · element size` of a shape, or an error when it overflows.
pub(crate) fn checked_nbytes(shape: &[usize], dtype: DType) -> Result<usize> {
    shape
        .iter()
        .try_fold(dtype.size_in_bytes(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| crate::Error::Format(format!("tensor of shape {shape:?} is too large")))
}
