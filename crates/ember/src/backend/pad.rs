//! Dispatch of the reflection / replication padding primitives (a gather by per-dim index
//! maps and its scatter-add adjoint); see Note [Backend dispatch].

use super::{Buffer, In, on};
use crate::DType;
use crate::error::Result;

pub(crate) use super::PadMaps;

/// See [`Backend::pad_gather`](super::Backend::pad_gather).
pub(crate) fn gather(src: In<'_>, dst: &mut Buffer, dt: DType, g: &PadMaps<'_>) -> Result<()> {
    on(dst, [src.0])?.pad_gather(src, dst, dt, g)
}

/// See [`Backend::pad_scatter_add`](super::Backend::pad_scatter_add).
pub(crate) fn scatter_add(src: In<'_>, dst: &mut Buffer, dt: DType, g: &PadMaps<'_>) -> Result<()> {
    on(dst, [src.0])?.pad_scatter_add(src, dst, dt, g)
}
