//! Dispatch of the normalisation primitive (per-channel moments and the normalised input,
//! for layer, group and batch norm); see Note [Backend dispatch].

use super::{Buffer, In, on};
use crate::DType;
use crate::error::Result;

/// See [`Backend::moments`](super::Backend::moments).
pub(crate) fn moments(
    src: In<'_>,
    dst: &mut Buffer,
    mean: &mut Buffer,
    var: &mut Buffer,
    dt: DType,
    dims: (usize, usize),
    eps: f64,
) -> Result<()> {
    on(dst, [src.0, &*mean, &*var])?.moments(src, dst, mean, var, dt, dims, eps)
}
