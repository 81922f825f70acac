//! Dispatch of the convolution and pooling primitives (im2col, col2im, max pooling); see
//! Note [Backend dispatch]. Operands are contiguous; outputs are fresh contiguous buffers.

use super::{Buffer, In, on};
use crate::DType;
use crate::error::Result;

pub(crate) use super::Window;

/// See [`Backend::im2col`](super::Backend::im2col).
pub(crate) fn im2col(src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()> {
    on(dst, [src.0])?.im2col(src, dst, dt, g)
}

/// See [`Backend::col2im`](super::Backend::col2im).
pub(crate) fn col2im(src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()> {
    on(dst, [src.0])?.col2im(src, dst, dt, g)
}

/// See [`Backend::max_pool2d`](super::Backend::max_pool2d).
pub(crate) fn max_pool2d(
    src: In<'_>,
    dst: &mut Buffer,
    idx: &mut Buffer,
    dt: DType,
    g: &Window,
) -> Result<()> {
    on(dst, [src.0, &*idx])?.max_pool2d(src, dst, idx, dt, g)
}
