//! Primitive kernels of convolution and pooling (im2col, col2im, max pooling). Operands are
//! contiguous; outputs are fresh contiguous buffers. Only f32 and f64 have kernels, but max
//! pooling, which only compares, takes every dtype.

use super::{In, cpu, cpu_in, cpu_mut};
use crate::DType;
use crate::backend::cpu::dispatch::{with_dtype, with_faer};
use crate::dtype::Element;
use crate::error::Result;
use crate::storage::Buffer;

pub(crate) use super::cpu::conv::Window;

fn elems<'a, T: Element>(i: In<'a>) -> &'a [T] {
    let (b, l) = cpu_in(i);
    &b.as_slice::<T>()[l.offset..l.offset + l.numel()]
}

fn unsupported(op: &str, dt: DType) -> crate::Error {
    crate::Error::Unsupported {
        op: op.into(),
        dtype: dt,
        device: crate::Device::Cpu,
    }
}

/// The column matrix of the planes `src` (see [`Window`]).
pub(crate) fn im2col(src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()> {
    with_faer!(dt, T => {
        cpu::conv::im2col(elems::<T>(src), cpu_mut(dst).as_mut_slice::<T>(), g);
        Ok(())
    }, _ => Err(unsupported("im2col", dt)))
}

/// The planes summed back from the column matrix `src` (the adjoint of [`im2col`]).
pub(crate) fn col2im(src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()> {
    with_faer!(dt, T => {
        cpu::conv::col2im(elems::<T>(src), cpu_mut(dst).as_mut_slice::<T>(), g);
        Ok(())
    }, _ => Err(unsupported("col2im", dt)))
}

/// Max pooling of the planes `src` into `dst`, with in-plane indices into `idx` (i64).
pub(crate) fn max_pool2d(
    src: In<'_>,
    dst: &mut Buffer,
    idx: &mut Buffer,
    dt: DType,
    g: &Window,
) -> Result<()> {
    with_dtype!(dt, T => {
        cpu::conv::max_pool2d(
            elems::<T>(src),
            cpu_mut(dst).as_mut_slice::<T>(),
            cpu_mut(idx).as_mut_slice::<i64>(),
            g,
        );
        Ok(())
    })
}
