//! Derivatives of convolution, fold/unfold and pooling, written with the same differentiable
//! ops (a convolution's input gradient is a transposed convolution, its weight gradient a
//! convolution of the input with the output gradient), so double backward works.

use super::{Ctx, Formula, when};
use crate::Tensor;
use crate::error::Result;
use crate::nn::functional::FoldOptions;
use crate::nn::functional::conv::{ConvParams, convolution, to4};

/// `convolution(input, weight, bias, …)` (`ConvolutionBackward0`): saves input and weight.
pub(crate) struct Convolution {
    pub params: ConvParams,
    pub has_bias: bool,
}

/// `t` (`[N, G * c, …]`) as `[c, G * N, …]`: each group's channels become the batch and the
/// batch becomes the channels, so one grouped convolution gives every group's weight
/// gradient.
fn swap_batch(t: &Tensor, groups: usize) -> Result<Tensor> {
    let s = t.shape();
    let (n, c) = (s[0], s[1] / groups);
    let t = t.try_reshape([n, groups, c, s[2], s[3]])?;
    t.try_permute([2, 1, 0, 3, 4])?
        .try_reshape([c, groups * n, s[2], s[3]])
}

/// `t` (`[N, G * c, …]`) as `[G * c, N, …]` with the groups kept outermost.
fn group_major(t: &Tensor, groups: usize) -> Result<Tensor> {
    let s = t.shape();
    let (n, c) = (s[0], s[1] / groups);
    let t = t.try_reshape([n, groups, c, s[2], s[3]])?;
    t.try_permute([1, 2, 0, 3, 4])?
        .try_reshape([groups * c, n, s[2], s[3]])
}

/// The gradient of a weight from `conv(a, b)` (stride ↔ dilation swapped), cut to the kernel
/// size and transposed back to `[b.size(0) / …, a.size(0), kh, kw]` order.
fn weight_grad(a: &Tensor, b: &Tensor, p: &ConvParams, kernel: &[usize]) -> Result<Tensor> {
    let q = p.with(p.dilation, p.padding, p.stride);
    let gw = convolution(a, b, None, q)?;
    gw.try_narrow(2, 0, kernel[0])?
        .try_narrow(3, 0, kernel[1])?
        .try_transpose(0, 1)
}

impl Formula for Convolution {
    fn name(&self) -> &'static str {
        "ConvolutionBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let p = self.params;
        let dims = p.dims;
        let (g, x, w) = (
            to4(ctx.grad()?, dims)?,
            to4(ctx.saved(0), dims)?,
            to4(ctx.saved(1), dims)?,
        );
        let back = |t: Tensor| {
            if dims == 1 {
                t.try_squeeze_dim(2)
            } else {
                Ok(t)
            }
        };
        let (xs, ws) = (x.shape().to_vec(), w.shape().to_vec());
        let kernel = [ws[2], ws[3]];
        let mut out = Vec::with_capacity(3);
        out.push(when(ctx.needs(0), || {
            let gi = if p.transposed {
                let q = p.with(p.stride, p.padding, p.dilation);
                convolution(&g, &w, None, q)?
            } else {
                let gs = g.shape();
                let op: [usize; 2] = std::array::from_fn(|i| {
                    let full = (gs[2 + i] - 1) * p.stride[i] + p.dilation[i] * (kernel[i] - 1) + 1;
                    (xs[2 + i] + 2 * p.padding[i]).saturating_sub(full)
                });
                let q = ConvParams {
                    output_padding: op,
                    transposed: true,
                    dims: 2,
                    ..p
                };
                convolution(&g, &w, None, q)?
            };
            back(gi.try_narrow(2, 0, xs[2])?.try_narrow(3, 0, xs[3])?)
        })?);
        out.push(when(ctx.needs(1), || {
            let gw = if p.transposed {
                weight_grad(
                    &swap_batch(&g, p.groups)?,
                    &group_major(&x, p.groups)?,
                    &p,
                    &kernel,
                )?
            } else {
                weight_grad(
                    &swap_batch(&x, p.groups)?,
                    &group_major(&g, p.groups)?,
                    &p,
                    &kernel,
                )?
            };
            back(gw)
        })?);
        if self.has_bias {
            out.push(when(ctx.needs(2), || g.try_sum_dim([0, 2, 3], false))?);
        }
        Ok(out)
    }
}

/// `F.unfold` (`Im2ColBackward0`): the gradient is `fold` of the incoming one.
pub(crate) struct Im2Col {
    pub opts: FoldOptions,
    pub hw: [usize; 2],
}

impl Formula for Im2Col {
    fn name(&self) -> &'static str {
        "Im2ColBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            crate::nn::functional::fold(g, self.hw, self.opts)
        })?])
    }
}

/// `F.fold` (`Col2ImBackward0`): the gradient is `unfold` of the incoming one.
pub(crate) struct Col2Im {
    pub opts: FoldOptions,
}

impl Formula for Col2Im {
    fn name(&self) -> &'static str {
        "Col2ImBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            crate::nn::functional::unfold(g, self.opts)
        })?])
    }
}

/// `F.max_pool2d` (`MaxPool2DWithIndicesBackward0`): saves the argmax indices; the gradient
/// is scattered (added) to them, plane by plane.
pub(crate) struct MaxPool2d;

impl Formula for MaxPool2d {
    fn name(&self) -> &'static str {
        "MaxPool2DWithIndicesBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, idx) = (ctx.grad()?, ctx.saved(0));
        Ok(vec![when(ctx.needs(0), || {
            let s = ctx.input_shape(0);
            let r = s.len();
            let planes: usize = s[..r - 2].iter().product();
            let l = g.numel() / planes.max(1);
            let zeros =
                crate::try_zeros_with([planes, s[r - 2] * s[r - 1]], (g.dtype(), g.device()))?;
            let gi = zeros.try_scatter_add(
                1,
                &idx.try_reshape([planes, l])?,
                &g.try_reshape([planes, l])?,
            )?;
            gi.try_view(s)
        })?])
    }
}

/// `F.avg_pool2d` / `F.adaptive_avg_pool2d` (`A_h @ x @ A_wᵀ`): saves the two averaging
/// matrices; the gradient is `A_hᵀ @ g @ A_w`.
pub(crate) struct AvgPool2d {
    pub adaptive: bool,
}

impl Formula for AvgPool2d {
    fn name(&self) -> &'static str {
        if self.adaptive {
            "AdaptiveAvgPool2DBackward0"
        } else {
            "AvgPool2DBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, a_h, a_w) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        Ok(vec![when(ctx.needs(0), || {
            crate::nn::functional::pool::separable(g, &a_h.try_t()?, &a_w.try_t()?)
        })?])
    }
}
