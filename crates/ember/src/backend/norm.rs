//! Primitive kernel of the normalisation layers (layer, group and batch norm): per-channel
//! moments and the normalised input. Operands are contiguous; only f32 and f64 have kernels
//! (the callers compute half types in f32).

use super::{In, cpu, cpu_in, cpu_mut};
use crate::DType;
use crate::backend::cpu::dispatch::with_faer;
use crate::error::Result;
use crate::storage::Buffer;

/// `src` viewed as `[outer, c, inner]`: writes the per-channel mean and biased variance
/// (`[c]` each) and `dst = (src - mean) / sqrt(var + eps)`.
pub(crate) fn moments(
    src: In<'_>,
    dst: &mut Buffer,
    mean: &mut Buffer,
    var: &mut Buffer,
    dt: DType,
    (c, inner): (usize, usize),
    eps: f64,
) -> Result<()> {
    with_faer!(dt, T => {
        let (b, l) = cpu_in(src);
        let x = &b.as_slice::<T>()[l.offset..l.offset + l.numel()];
        cpu::norm::moments(
            x,
            cpu_mut(dst).as_mut_slice::<T>(),
            cpu_mut(mean).as_mut_slice::<T>(),
            cpu_mut(var).as_mut_slice::<T>(),
            c,
            inner,
            eps,
        );
        Ok(())
    }, _ => Err(crate::Error::Unsupported {
        op: "native_norm".into(),
        dtype: dt,
        device: crate::Device::Cpu,
    }))
}
