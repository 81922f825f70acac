//! Primitive kernels of `torch.nn.functional` (softmax, nll, convolution and pooling
//! helpers). Operands are contiguous (the callers make them so); outputs are fresh
//! contiguous buffers. Only f32 and f64 have kernels: the callers compute half types in f32,
//! as PyTorch's CPU kernels accumulate them.

use super::{In, cpu, cpu_in, cpu_mut};
use crate::DType;
use crate::backend::cpu::dispatch::with_faer;
use crate::dtype::Element;
use crate::error::Result;
use crate::storage::Buffer;

pub(crate) use super::cpu::loss::NllDims;

/// The elements of a contiguous operand.
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

/// Softmax (`log`: log-softmax) of `src` viewed as `[outer, n, inner]` along `n`.
pub(crate) fn softmax(
    src: In<'_>,
    dst: &mut Buffer,
    dt: DType,
    n: usize,
    inner: usize,
    log: bool,
) -> Result<()> {
    with_faer!(dt, T => {
        cpu::softmax::softmax(elems::<T>(src), cpu_mut(dst).as_mut_slice::<T>(), n, inner, log);
        Ok(())
    }, _ => Err(unsupported("softmax", dt)))
}

/// Per-target nll losses into `dst`; returns the total weight.
pub(crate) fn nll_loss(
    x: In<'_>,
    target: In<'_>,
    weight: Option<In<'_>>,
    dst: &mut Buffer,
    dt: DType,
    d: NllDims,
) -> Result<f64> {
    with_faer!(dt, T => cpu::loss::nll_forward(
        elems::<T>(x),
        elems::<i64>(target),
        weight.map(elems::<T>),
        d,
        cpu_mut(dst).as_mut_slice::<T>(),
    ), _ => Err(unsupported("nll_loss", dt)))
}

/// The input gradient of nll: `-w[t] g scale` at each target.
#[allow(clippy::too_many_arguments)]
pub(crate) fn nll_loss_backward(
    g: In<'_>,
    target: In<'_>,
    weight: Option<In<'_>>,
    dst: &mut Buffer,
    dt: DType,
    d: NllDims,
    scale: f64,
) -> Result<()> {
    with_faer!(dt, T => cpu::loss::nll_backward(
        elems::<T>(g),
        elems::<i64>(target),
        weight.map(elems::<T>),
        d,
        scale,
        cpu_mut(dst).as_mut_slice::<T>(),
    ), _ => Err(unsupported("nll_loss_backward", dt)))
}
