//! Primitive kernels of reflection / replication padding: a gather by per-dim index maps and
//! its scatter-add adjoint. Operands are contiguous; outputs are fresh contiguous buffers.
//! The gather takes every dtype but bool; the scatter-add only f32 and f64 (the callers
//! compute half types in f32).

use super::{In, cpu, cpu_in, cpu_mut};
use crate::DType;
use crate::backend::cpu::dispatch::{with_dtype, with_faer};
use crate::dtype::Element;
use crate::error::Result;
use crate::storage::Buffer;

pub(crate) use super::cpu::pad::PadMaps;

fn elems<'a, T: Element>(i: In<'a>) -> &'a [T] {
    let (b, l) = cpu_in(i);
    &b.as_slice::<T>()[l.offset..l.offset + l.numel()]
}

/// `dst[b, i, j, k] = src[b, maps[0][i], maps[1][j], maps[2][k]]`.
pub(crate) fn gather(src: In<'_>, dst: &mut Buffer, dt: DType, g: &PadMaps<'_>) -> Result<()> {
    with_dtype!(dt, T => {
        cpu::pad::gather(elems::<T>(src), cpu_mut(dst).as_mut_slice::<T>(), g);
        Ok(())
    })
}

/// The adjoint of [`gather`]: sums `src` (the padded shape) back into `dst` (the input's).
pub(crate) fn scatter_add(src: In<'_>, dst: &mut Buffer, dt: DType, g: &PadMaps<'_>) -> Result<()> {
    with_faer!(dt, T => {
        cpu::pad::scatter_add(elems::<T>(src), cpu_mut(dst).as_mut_slice::<T>(), g);
        Ok(())
    }, _ => Err(crate::Error::Unsupported {
        op: "pad_backward".into(),
        dtype: dt,
        device: crate::Device::Cpu,
    }))
}
