//! `F.conv1d`, `F.conv2d` and `F.conv_transpose2d`: im2col and one matrix product over the
//! whole batch, recorded as one `ConvolutionBackward0` node whose backward is again made of
//! convolutions (so double backward works).

pub(crate) mod fold;
pub(crate) mod formulas;
mod options;
pub(crate) mod pool;

use crate::error::{Result, bail};
use crate::ops::conv::formulas as f;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel::{self, Window};
use crate::{DType, Tensor};
pub use options::{
    Conv1dOptions, Conv2dOptions, ConvOptions, ConvPadding, ConvTranspose2dOptions,
    ConvTransposeOptions, IntoPadding,
};

/// A validated convolution over two spatial dims (1-d convolutions use a height of 1).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvParams {
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub output_padding: [usize; 2],
    pub groups: usize,
    pub transposed: bool,
    /// 1 or 2: the spatial rank the caller sees.
    pub dims: usize,
}

fn lift<const N: usize>(v: [i64; N], fill: i64) -> [i64; 2] {
    if N == 1 {
        [fill, v[0]]
    } else {
        [v[0], v[N - 1]]
    }
}

fn positive(v: [i64; 2], what: &str) -> Result<[usize; 2]> {
    if v.iter().any(|&x| x <= 0) {
        bail!(Value, "non-positive {what} is not supported");
    }
    Ok([v[0] as usize, v[1] as usize])
}

fn non_negative(v: [i64; 2], what: &str) -> Result<[usize; 2]> {
    if v.iter().any(|&x| x < 0) {
        bail!(Value, "negative {what} is not supported");
    }
    Ok([v[0] as usize, v[1] as usize])
}

impl ConvParams {
    fn new<const N: usize>(o: &ConvOptions<N>) -> Result<ConvParams> {
        Ok(ConvParams {
            stride: positive(lift(o.stride, 1), "stride")?,
            padding: non_negative(lift(o.padding, 0), "padding")?,
            dilation: positive(lift(o.dilation, 1), "dilation")?,
            output_padding: [0, 0],
            groups: positive([o.groups, o.groups], "groups")?[0],
            transposed: false,
            dims: N,
        })
    }

    fn new_transposed<const N: usize>(o: &ConvTransposeOptions<N>) -> Result<ConvParams> {
        Ok(ConvParams {
            stride: positive(lift(o.stride, 1), "stride")?,
            padding: non_negative(lift(o.padding, 0), "padding")?,
            dilation: positive(lift(o.dilation, 1), "dilation")?,
            output_padding: non_negative(lift(o.output_padding, 0), "output_padding")?,
            groups: positive([o.groups, o.groups], "groups")?[0],
            transposed: true,
            dims: N,
        })
    }

    /// The same convolution with these stride/padding/dilation (the backward's helpers).
    pub(crate) fn with(
        &self,
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
    ) -> ConvParams {
        ConvParams {
            stride,
            padding,
            dilation,
            output_padding: [0, 0],
            groups: self.groups,
            transposed: false,
            dims: 2,
        }
    }
}

/// The spatial sizes of `t` as PyTorch prints them: `(5 x 6)`.
fn spatial(s: &[usize]) -> String {
    let v: Vec<String> = s.iter().map(|x| x.to_string()).collect();
    format!("({})", v.join(" x "))
}

/// Checks shapes (PyTorch's messages) and returns the output's spatial sizes in 2-d.
fn check(x: &[usize], w: &[usize], b: Option<&Tensor>, p: &ConvParams) -> Result<[usize; 2]> {
    let g = p.groups;
    if w.len() != x.len() {
        bail!(
            Shape,
            "Expected {}-dimensional input for {}-dimensional weight {:?}, but got {}-dimensional input of size {:?} instead",
            w.len(),
            w.len(),
            w,
            x.len(),
            x
        );
    }
    if !w[0].is_multiple_of(g) {
        bail!(
            Shape,
            "Given groups={g}, expected weight to be divisible by {g} at dimension 0, but got weight of size [{w:?}] instead"
        );
    }
    let (expect_c, out_c) = if p.transposed {
        (w[0], w[1] * g)
    } else {
        (w[1] * g, w[0])
    };
    if x[1] != expect_c {
        let head = if p.transposed {
            "Given transposed=1".to_string()
        } else {
            format!("Given groups={g}")
        };
        bail!(
            Shape,
            "{head}, weight of size {w:?}, expected input{x:?} to have {expect_c} channels, but got {} channels instead",
            x[1]
        );
    }
    if let Some(b) = b
        && (b.dim() != 1 || b.numel() != out_c)
    {
        let head = if p.transposed {
            "Given transposed=1, weight"
        } else {
            "Given weight"
        };
        bail!(
            Shape,
            "{head} of size {w:?}, expected bias to be 1-dimensional with {out_c} elements, but got bias of size {:?} instead",
            b.shape()
        );
    }
    let sp = p.dims;
    let (xs, ks) = (&x[x.len() - sp..], &w[w.len() - sp..]);
    let off = 2 - sp;
    let mut out = [1usize; 2];
    if p.transposed {
        for i in 0..sp {
            let (s, d, op) = (
                p.stride[off + i],
                p.dilation[off + i],
                p.output_padding[off + i],
            );
            if op >= s && op >= d {
                let hw = |v: [usize; 2]| (v[0], v[1]);
                let ((oph, opw), (sh, sw), (dh, dw)) =
                    (hw(p.output_padding), hw(p.stride), hw(p.dilation));
                bail!(
                    Value,
                    "output padding must be smaller than either stride or dilation, but got output_padding_height: {oph} output_padding_width: {opw} stride_height: {sh} stride_width: {sw} dilation_height: {dh} dilation_width: {dw}"
                );
            }
            let full = (xs[i].max(1) - 1) * s + d * (ks[i].max(1) - 1) + op + 1;
            let size = full.checked_sub(2 * p.padding[off + i]).filter(|&v| v > 0);
            match size {
                Some(v) if xs[i] > 0 => out[off + i] = v,
                _ => bail!(
                    Shape,
                    "Given input size per channel: {}. Calculated output size per channel: ({}). Output size is too small",
                    spatial(xs),
                    full as i64 - 2 * p.padding[off + i] as i64
                ),
            }
        }
    } else {
        let padded: Vec<usize> = (0..sp).map(|i| xs[i] + 2 * p.padding[off + i]).collect();
        let eff: Vec<usize> = (0..sp)
            .map(|i| p.dilation[off + i] * (ks[i].max(1) - 1) + 1)
            .collect();
        if padded.iter().zip(&eff).any(|(a, b)| a < b) {
            bail!(
                Shape,
                "Calculated padded input size per channel: {}. Kernel size: {}. Kernel size can't be greater than actual input size",
                spatial(&padded),
                spatial(&eff)
            );
        }
        for i in 0..sp {
            out[off + i] = (padded[i] - eff[i]) / p.stride[off + i] + 1;
        }
    }
    Ok(out)
}

/// The 4-d view of a `dims`-spatial tensor (height 1 for 1-d).
pub(crate) fn to4(t: &Tensor, dims: usize) -> Result<Tensor> {
    if dims == 1 {
        t.try_unsqueeze(2)
    } else {
        Ok(t.clone())
    }
}

fn window(x: &[usize], k: &[usize], out: [usize; 2], p: &ConvParams, n: usize) -> Window {
    Window {
        n,
        c: x[1],
        h: x[2],
        w: x[3],
        kh: k[2],
        kw: k[3],
        sh: p.stride[0],
        sw: p.stride[1],
        ph: p.padding[0],
        pw: p.padding[1],
        dh: p.dilation[0],
        dw: p.dilation[1],
        oh: out[0],
        ow: out[1],
        channel_major: true,
    }
}

/// `[O, N, L]` (one matrix product's result) to `[N, O, oh, ow]`, plus the bias.
fn finish(y: Tensor, n: usize, out: [usize; 2], bias: Option<&Tensor>) -> Result<Tensor> {
    let o = y.shape()[0];
    let y = y
        .try_view([o, n, out[0] * out[1]])?
        .try_permute([1, 0, 2])?;
    // PyTorch's convolution output is contiguous NCHW; an elementwise add would follow the
    // product's `[O, N, L]` memory order instead (Note [Elementwise output layout]) and leave
    // every later op on the strided path.
    let y = match bias {
        Some(b) => {
            let dst = Tensor::alloc(&[n, o, out[0] * out[1]], y.dtype(), y.device())?;
            crate::try_add_out(&y, &b.detach().try_view([1, o as i64, 1])?, &dst)?;
            dst
        }
        None => y.try_contiguous()?,
    };
    y.try_reshape([n, o, out[0], out[1]])
}

/// The convolution of 4-d contiguous `x` and `w`, without history.
fn forward_raw(x: &Tensor, w: &Tensor, b: Option<&Tensor>, p: &ConvParams) -> Result<Tensor> {
    let (xs, ws) = (x.shape(), w.shape());
    let out = check(xs, ws, b, &p.with_dims(2))?;
    let (n, g, dt) = (xs[0], p.groups, x.dtype());
    if p.transposed {
        // col[G, Og*kk, N*H*W] = w_g^T @ x_g, then summed into the output planes.
        let (cin_g, ogkk) = (ws[0] / g, ws[1] * ws[2] * ws[3]);
        let l = xs[2] * xs[3];
        let xr = x.try_view([n, xs[1], l])?.try_permute([1, 0, 2])?;
        let xr = xr.try_contiguous()?.try_view([g, cin_g, n * l])?;
        let wr = w.try_view([g, cin_g, ogkk])?.try_transpose(1, 2)?;
        let col = wr.try_matmul(&xr)?;
        let cout = ws[1] * g;
        let y = Tensor::alloc(&[n, cout, out[0], out[1]], dt, x.device())?;
        let mut win = window(&[n, cout, out[0], out[1]], ws, [xs[2], xs[3]], p, n);
        win.c = cout;
        if y.numel() > 0 {
            let col = col.try_contiguous()?;
            kernel::col2im(col.arg(), &y, &win)?;
        }
        return match b {
            Some(b) => y.try_add(&b.detach().try_view([1, cout as i64, 1, 1])?),
            None => Ok(y),
        };
    }
    let win = window(xs, ws, out, p, n);
    let k = ws[1] * ws[2] * ws[3];
    let l = out[0] * out[1];
    let col = Tensor::alloc(&[xs[1] * ws[2] * ws[3], n * l], dt, x.device())?;
    if col.numel() > 0 {
        kernel::im2col(x.arg(), &col, &win)?;
    }
    let y = if g == 1 {
        w.try_view([ws[0], k])?.try_mm(&col)?
    } else {
        let wr = w.try_view([g, ws[0] / g, k])?;
        wr.try_matmul(&col.try_view([g, k, n * l])?)?
            .try_view([ws[0], n * l])?
    };
    finish(y, n, out, b)
}

impl ConvParams {
    fn with_dims(&self, dims: usize) -> ConvParams {
        ConvParams { dims, ..*self }
    }
}

/// The convolution of batched `x` (`dims + 2` dims) recorded as `ConvolutionBackward0`.
pub(crate) fn convolution(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    p: ConvParams,
) -> Result<Tensor> {
    if w.dtype() != x.dtype() {
        bail!(
            DType,
            "expected scalar type {} but found {}",
            x.dtype().scalar_type_name(),
            w.dtype().scalar_type_name()
        );
    }
    if let Some(b) = b
        && b.dtype() != x.dtype()
    {
        bail!(
            DType,
            "Input type ({}) and bias type ({}) should be the same",
            x.dtype().scalar_type_name().to_lowercase(),
            b.dtype().scalar_type_name().to_lowercase()
        );
    }
    // PyTorch's CPU convolutions run on integers too (in the input's dtype, wrapping), the
    // transposed one only on int64; bool has no kernel. Checked after the dtype match, as
    // PyTorch does, so a mixed pair reports the mismatch.
    let dt = x.dtype();
    // A dilated integer convolution has an int64 kernel only, like the transposed one.
    let dilated = p.dilation.iter().any(|&d| d > 1);
    let int_ok = dt != DType::Bool && (!(p.transposed || dilated) || dt == DType::I64);
    if !dt.is_floating_point() && !int_ok {
        let kernel = if p.transposed {
            "slow_conv_transpose2d_out_cpu"
        } else if dilated && dt != DType::Bool {
            "slow_conv_dilated<>"
        } else {
            "slow_conv2d_cpu"
        };
        bail!(
            DType,
            "\"{kernel}\" not implemented for '{}'",
            dt.scalar_type_name()
        );
    }
    x.check_same_device(w)?;
    check(x.shape(), w.shape(), b, &p)?;
    let out = {
        let _g = crate::no_grad();
        let half = matches!(dt, DType::F16 | DType::BF16);
        let up = |t: &Tensor| -> Result<Tensor> {
            let t = t.detach();
            if half {
                t.try_to_dtype_raw(DType::F32)
            } else {
                t.try_contiguous()
            }
        };
        let bb = match b {
            Some(b) => Some(up(b)?),
            None => None,
        };
        let (x4, w4) = (to4(&up(x)?, p.dims)?, to4(&up(w)?, p.dims)?);
        let y = forward_raw(&x4, &w4, bb.as_ref(), &p)?;
        let y = if half { y.try_to_dtype_raw(dt)? } else { y };
        if p.dims == 1 {
            y.try_squeeze_dim(2)?
        } else {
            y
        }
    };
    let mut inputs = vec![x, w];
    inputs.extend(b);
    if needs_grad(&inputs) {
        let formula = f::Convolution {
            params: p,
            has_bias: b.is_some(),
        };
        record(
            formula,
            &inputs,
            &[&out],
            &[Save::Tensor(x), Save::Tensor(w)],
        );
    }
    Ok(out)
}

/// Runs `f` on `x` with a batch dim added when it has `unbatched` dims (PyTorch's unbatched
/// inputs), after checking the rank.
fn batched(
    x: &Tensor,
    unbatched: usize,
    name: &str,
    f: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    if x.dim() == unbatched {
        f(&x.try_unsqueeze(0)?)?.try_squeeze_dim(0)
    } else if x.dim() == unbatched + 1 {
        f(x)
    } else {
        bail!(
            Shape,
            "Expected {unbatched}D (unbatched) or {}D (batched) input to {name}, but got input of size: {:?}",
            unbatched + 1,
            x.shape()
        )
    }
}

/// `F.conv1d(input, weight, bias, stride, padding, dilation, groups)` over `[N, C, L]` (or
/// unbatched `[C, L]`) with `weight` of shape `[O, C / groups, k]`.
///
/// ```
/// use ember::nn::functional::{self as F, Conv1dOptions};
/// let x = ember::ones([1, 2, 5]);
/// let w = ember::ones([3, 2, 3]);
/// let y = F::conv1d(&x, &w, None, Conv1dOptions::default().padding(1)).unwrap();
/// assert_eq!(y.shape(), &[1, 3, 5]);
/// assert_eq!(y.to_vec::<f32>()[..5], [4.0, 6.0, 6.0, 6.0, 4.0]);
/// ```
///
/// # Errors
/// PyTorch's errors for a wrong rank, channels that do not match `groups`, a kernel larger
/// than the padded input, non-positive stride/dilation/groups, negative padding or a bias of
/// the wrong size.
pub fn conv1d(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    opts: Conv1dOptions,
) -> Result<Tensor> {
    batched(input, 2, "conv1d", |x| {
        convolution_mode(x, weight, bias, opts)
    })
}

/// `F.conv2d(input, weight, bias, stride, padding, dilation, groups)` over `[N, C, H, W]`
/// (or unbatched `[C, H, W]`) with `weight` of shape `[O, C / groups, kh, kw]`.
///
/// ```
/// use ember::nn::functional::{self as F, Conv2dOptions};
/// let x = ember::ones([2, 3, 5, 6]).requires_grad_(true);
/// let w = ember::ones([4, 3, 3, 3]);
/// let y = F::conv2d(&x, &w, None, Conv2dOptions::default().stride(2).padding(1)).unwrap();
/// assert_eq!(y.shape(), &[2, 4, 3, 3]);
/// assert_eq!(y.grad_fn().unwrap().name(), "ConvolutionBackward0");
/// ```
///
/// # Errors
/// As [`conv1d`].
pub fn conv2d(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    opts: Conv2dOptions,
) -> Result<Tensor> {
    batched(input, 3, "conv2d", |x| {
        convolution_mode(x, weight, bias, opts)
    })
}

/// PyTorch's `_convolution_mode`: a convolution whose padding may be `"same"` (half the
/// kernel's extent on each side; an odd extent pads the input by one more element at its
/// end first) or `"valid"`.
fn convolution_mode<const N: usize>(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    mut opts: ConvOptions<N>,
) -> Result<Tensor> {
    let Some(ConvPadding::Same) = opts.padding_str else {
        return convolution(x, w, b, ConvParams::new(&opts)?);
    };
    if opts.stride.iter().any(|&s| s != 1) {
        bail!(
            Value,
            "padding='same' is not supported for strided convolutions"
        );
    }
    // A weight of the wrong rank is left to `convolution`'s own check.
    if w.dim() != N + 2 || x.dim() != N + 2 {
        opts.padding = [0; N];
        return convolution(x, w, b, ConvParams::new(&opts)?);
    }
    let mut extra = vec![0i64; 2 * N];
    for i in 0..N {
        let total = opts.dilation[i] * (w.shape()[2 + i] as i64 - 1);
        let left = total / 2;
        opts.padding[i] = left;
        extra[2 * (N - 1 - i) + 1] = total - 2 * left;
    }
    if extra.iter().any(|&e| e != 0) {
        let padded = crate::ops::pad::pad(x, &extra, crate::ops::pad::PadMode::Constant, None)?;
        return convolution(&padded, w, b, ConvParams::new(&opts)?);
    }
    convolution(x, w, b, ConvParams::new(&opts)?)
}

/// `F.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
/// dilation)`: the gradient of `conv2d` with respect to its input, with `weight` of shape
/// `[C, O / groups, kh, kw]`.
///
/// ```
/// use ember::nn::functional::{self as F, ConvTranspose2dOptions};
/// let x = ember::ones([1, 1, 2, 2]);
/// let w = ember::ones([1, 1, 2, 2]);
/// let y = F::conv_transpose2d(&x, &w, None, ConvTranspose2dOptions::default()).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![1., 2., 1., 2., 4., 2., 1., 2., 1.]);
/// ```
///
/// # Errors
/// As [`conv1d`], and when `output_padding` is not smaller than either stride or dilation.
pub fn conv_transpose2d(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    opts: ConvTranspose2dOptions,
) -> Result<Tensor> {
    let p = ConvParams::new_transposed(&opts)?;
    batched(input, 3, "conv_transpose2d", |x| {
        convolution(x, weight, bias, p)
    })
}
