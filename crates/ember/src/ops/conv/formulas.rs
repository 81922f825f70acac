//! Derivatives of convolution, fold/unfold and pooling, written with the same differentiable
//! ops (a convolution's input gradient is a transposed convolution, its weight gradient a
//! convolution of the input with the output gradient), so double backward works.

use crate::Tensor;
use crate::error::Result;
use crate::ops::conv::fold::FoldOptions;
use crate::ops::conv::{ConvParams, convolution, to4};
use crate::tensor::graph::formula::{Ctx, Formula, when};
use crate::tensor::graph::node::{Save, needs_grad, record_slots};

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

/// A 4-d convolution gradient back to `dims` spatial dims.
fn back(t: Tensor, dims: usize) -> Result<Tensor> {
    if dims == 1 {
        t.try_squeeze_dim(2)
    } else {
        Ok(t)
    }
}

/// The input gradient of `convolution(x, w)` for the output gradient `g` (4-d operands,
/// `xs` the 4-d input shape): a transposed convolution (or, for a transposed one, a plain
/// convolution) of `g` with `w`.
fn input_grad(g: &Tensor, w: &Tensor, xs: &[usize], p: &ConvParams) -> Result<Tensor> {
    let kernel = [w.shape()[2], w.shape()[3]];
    let gi = if p.transposed {
        let q = p.with(p.stride, p.padding, p.dilation);
        convolution(g, w, None, q)?
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
            ..*p
        };
        convolution(g, w, None, q)?
    };
    gi.try_narrow(2, 0, xs[2])?.try_narrow(3, 0, xs[3])
}

/// The weight gradient of `convolution(x, w)` for the output gradient `g` (4-d operands,
/// `kernel` the weight's spatial size).
fn weight_grad_of(g: &Tensor, x: &Tensor, p: &ConvParams, kernel: &[usize]) -> Result<Tensor> {
    if !p.transposed && p.groups == 1 {
        return weight_grad_unfolded(g, x, p, kernel);
    }
    if p.transposed {
        weight_grad(
            &swap_batch(g, p.groups)?,
            &group_major(x, p.groups)?,
            p,
            kernel,
        )
    } else {
        weight_grad(
            &swap_batch(x, p.groups)?,
            &group_major(g, p.groups)?,
            p,
            kernel,
        )
    }
}

/// The weight gradient of an ungrouped convolution as `Σₙ g[n] @ unfold(x)[n]ᵀ`, which is
/// what the forward's lowering implies. Writing it as a convolution of `x` with `g` (the
/// general path above) unfolds with a kernel the size of the output, whose column runs are
/// only `kh * kw` long: for LeNet that made the weight gradient's unfolding ~40% of a
/// training step. Both are made of differentiable ops, so double backward still works.
fn weight_grad_unfolded(
    g: &Tensor,
    x: &Tensor,
    p: &ConvParams,
    kernel: &[usize],
) -> Result<Tensor> {
    let (gs, xs) = (g.shape(), x.shape());
    let opts = FoldOptions::new([kernel[0], kernel[1]])
        .dilation(p.dilation)
        .padding(p.padding)
        .stride(p.stride);
    let cols = crate::ops::conv::fold::unfold(x, opts)?;
    let l = gs[2] * gs[3];
    let g = g.try_reshape([gs[0], gs[1], l])?;
    // `unfold` covers exactly the output positions of the forward, so `cols` has `l` columns.
    let gw = g
        .try_matmul(&cols.try_transpose(1, 2)?)?
        .try_sum_dim([0], false)?;
    gw.try_reshape([gs[1], xs[1], kernel[0], kernel[1]])
}

/// The gradients of input, weight and (when `has_bias`) bias of `convolution(x, w, b)` for
/// the output gradient `g`, each only where `needs` asks; operands at their own rank.
fn conv_grads(
    g: &Tensor,
    x: &Tensor,
    w: &Tensor,
    p: &ConvParams,
    has_bias: bool,
    needs: [bool; 3],
) -> Result<Vec<Option<Tensor>>> {
    let dims = p.dims;
    let (g, x, w) = (to4(g, dims)?, to4(x, dims)?, to4(w, dims)?);
    let (xs, ws) = (x.shape().to_vec(), w.shape().to_vec());
    let mut out = Vec::with_capacity(3);
    out.push(when(needs[0], || back(input_grad(&g, &w, &xs, p)?, dims))?);
    out.push(when(needs[1], || {
        back(weight_grad_of(&g, &x, p, &ws[2..])?, dims)
    })?);
    if has_bias {
        out.push(when(needs[2], || g.try_sum_dim([0, 2, 3], false))?);
    }
    Ok(out)
}

impl Formula for Convolution {
    fn name(&self) -> &'static str {
        "ConvolutionBackward0"
    }

    // Under `create_graph`, PyTorch records the three gradients as the outputs of one
    // `ConvolutionBackwardBackward0` node over (grad, input, weight); so does this, computing
    // them without recording the ops they are made of.
    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x, w) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        let needs = [ctx.needs(0), ctx.needs(1), ctx.needs(2)];
        let inputs = [g, x, w];
        if !needs_grad(&inputs) {
            return conv_grads(g, x, w, &self.params, self.has_bias, needs);
        }
        let grads = {
            let _g = crate::no_grad();
            conv_grads(g, x, w, &self.params, self.has_bias, needs)?
        };
        let outputs: Vec<Option<&Tensor>> = grads.iter().map(Option::as_ref).collect();
        let f = ConvolutionBackward {
            params: self.params,
            has_bias: self.has_bias,
        };
        let saves = inputs.map(Save::Tensor);
        record_slots(f, &inputs, &outputs, &saves);
        Ok(grads)
    }
}

/// The gradients of a convolution as a function of (grad, input, weight)
/// (`ConvolutionBackwardBackward0`, PyTorch's `_convolution_double_backward`). Each gradient
/// is bilinear, so differentiating `<ggI, gI(g, w)> + <ggW, gW(g, x)> + <ggb, gb(g)>` gives:
/// for `g`, the convolution `conv(ggI, w, ggb) + conv(x, ggW)`; for `x`, the input gradient
/// of a convolution by `ggW`; for `w`, the weight gradient of a convolution of `ggI`.
pub(crate) struct ConvolutionBackward {
    pub params: ConvParams,
    pub has_bias: bool,
}

impl Formula for ConvolutionBackward {
    fn name(&self) -> &'static str {
        "ConvolutionBackwardBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let gg = |i: usize| ctx.grads.get(i).and_then(Option::as_ref);
        let (ggi, ggw, ggb) = (gg(0), gg(1), if self.has_bias { gg(2) } else { None });
        let (g, x, w) = (ctx.saved(0), ctx.saved(1), ctx.saved(2));
        let p = self.params;
        let dims = p.dims;
        let mut out = Vec::with_capacity(3);
        out.push(when(ctx.needs(0), || {
            let mut terms = Vec::with_capacity(3);
            if let Some(ggi) = ggi {
                terms.push(convolution(ggi, w, ggb, p)?);
            }
            if let Some(ggw) = ggw {
                terms.push(convolution(x, ggw, None, p)?);
            }
            let mut sum = match terms.pop() {
                Some(t) => t,
                None => crate::try_zeros_with(g.shape(), (g.dtype(), g.device()))?,
            };
            for t in terms {
                sum = sum.try_add(&t)?;
            }
            if let (None, Some(b)) = (ggi, ggb) {
                let mut shape = vec![1; g.dim()];
                shape[1] = b.numel();
                sum = sum.try_add(&b.try_reshape(shape)?)?;
            }
            Ok(sum)
        })?);
        out.push(match ggw {
            Some(ggw) if ctx.needs(1) => {
                let (g4, x4, ggw4) = (to4(g, dims)?, to4(x, dims)?, to4(ggw, dims)?);
                Some(back(input_grad(&g4, &ggw4, x4.shape(), &p)?, dims)?)
            }
            _ => None,
        });
        out.push(match ggi {
            Some(ggi) if ctx.needs(2) => {
                let (g4, w4, ggi4) = (to4(g, dims)?, to4(w, dims)?, to4(ggi, dims)?);
                Some(back(
                    weight_grad_of(&g4, &ggi4, &p, &w4.shape()[2..])?,
                    dims,
                )?)
            }
            _ => None,
        });
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
            crate::ops::conv::fold::fold(g, self.hw, self.opts)
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
            crate::ops::conv::fold::unfold(g, self.opts)
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
            crate::ops::conv::pool::separable(g, &a_h.try_t()?, &a_w.try_t()?)
        })?])
    }
}
