//! Dispatch of the primitives of `torch.nn.functional` (softmax, nll); see Note [Backend
//! dispatch]. Operands are contiguous (the callers make them so); outputs are fresh
//! contiguous buffers.

use super::{Buffer, In, on};
use crate::DType;
use crate::error::Result;

pub(crate) use super::NllDims;

/// See [`Backend::softmax`](super::Backend::softmax).
pub(crate) fn softmax(
    src: In<'_>,
    dst: &mut Buffer,
    dt: DType,
    n: usize,
    inner: usize,
    log: bool,
) -> Result<()> {
    on(dst, [src.0])?.softmax(src, dst, dt, n, inner, log)
}

/// See [`Backend::nll_loss`](super::Backend::nll_loss).
pub(crate) fn nll_loss(
    x: In<'_>,
    target: In<'_>,
    weight: Option<In<'_>>,
    dst: &mut Buffer,
    dt: DType,
    d: NllDims,
) -> Result<f64> {
    let inputs = [x.0, target.0].into_iter().chain(weight.map(|w| w.0));
    on(dst, inputs)?.nll_loss(x, target, weight, dst, dt, d)
}

/// See [`Backend::nll_loss_backward`](super::Backend::nll_loss_backward).
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
    let inputs = [g.0, target.0].into_iter().chain(weight.map(|w| w.0));
    on(dst, inputs)?.nll_loss_backward(g, target, weight, dst, dt, d, scale)
}
