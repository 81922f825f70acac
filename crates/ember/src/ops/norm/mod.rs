//! `layer_norm`, `group_norm` and `batch_norm`: one fused kernel computes each statistic's
//! mean and variance and the normalised input; the affine part and the running-statistics
//! update are ordinary tensor ops. Each records PyTorch's `Native*NormBackward0` node.

pub(crate) mod formulas;

use crate::error::{Result, bail};
use crate::ops::norm::formulas::{NativeNorm, NormKind};
use crate::shape::ShapeFmt;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Tensor};

/// `x` viewed as `[outer, c, inner]`: `((x - mean) * rstd, mean, biased var)`, without
/// history; mean and var have shape `[c]`. Half types are computed (and returned) in f32.
fn moments(x: &Tensor, c: usize, inner: usize, eps: f64) -> Result<(Tensor, Tensor, Tensor)> {
    let dt = x.dtype();
    if !dt.is_floating_point() {
        bail!(
            DType,
            "\"native_norm\" not implemented for '{}'",
            dt.scalar_type_name()
        );
    }
    let x = if matches!(dt, DType::F16 | DType::BF16) {
        x.try_to_dtype_raw(DType::F32)?
    } else {
        x.detach()
    };
    let x = x.try_contiguous()?;
    let dt = x.dtype();
    let out = Tensor::alloc(x.shape(), dt, x.device())?;
    let mean = Tensor::alloc(&[c], dt, x.device())?;
    let var = Tensor::alloc(&[c], dt, x.device())?;
    if x.numel() > 0 {
        kernel::moments(x.arg(), &out, &mean, &var, (c, inner), eps)?;
    }
    Ok((out, mean, var))
}

/// `xhat * weight + bias` (weight and bias viewed to broadcast), cast back to `dt`.
fn affine(
    xhat: Tensor,
    kind: NormKind,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    dt: DType,
) -> Result<Tensor> {
    let nd = xhat.dim();
    let mut y = xhat;
    if let Some(w) = weight {
        y = y.try_mul(&kind.affine_view(&w.detach(), nd)?)?;
    }
    if let Some(b) = bias {
        y = y.try_add(&kind.affine_view(&b.detach(), nd)?)?;
    }
    if y.dtype() != dt {
        y = y.try_to_dtype(dt)?;
    }
    Ok(y)
}

/// Records the node of `kind` on `out` when an input needs a gradient.
fn record_norm(
    out: &Tensor,
    x: &Tensor,
    (kind, eps): (NormKind, f64),
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    (mean, rstd): (&Tensor, &Tensor),
) {
    let mut inputs = vec![x];
    inputs.extend(weight);
    inputs.extend(bias);
    if !needs_grad(&inputs) {
        return;
    }
    let mut saves = vec![Save::Tensor(x), Save::Tensor(mean), Save::Tensor(rstd)];
    saves.extend(weight.map(Save::Tensor));
    let f = NativeNorm {
        kind,
        eps,
        has_weight: weight.is_some(),
        has_bias: bias.is_some(),
    };
    record(f, &inputs, &[out], &saves);
}

/// Normalises with statistics computed over `[outer, c, inner]` and records the node.
/// Returns the output and the flat mean and biased variance.
#[allow(clippy::too_many_arguments)]
fn native_norm(
    x: &Tensor,
    (kind, eps): (NormKind, f64),
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    (c, inner): (usize, usize),
    stat_shape: &[usize],
) -> Result<(Tensor, Tensor, Tensor)> {
    if !x.dtype().is_floating_point() {
        // PyTorch's error names the kernel of each normalisation.
        let kernel = match kind {
            NormKind::Layer { .. } => "LayerNormKernelImpl",
            NormKind::Group { .. } => "GroupNormKernelImpl",
            NormKind::Batch { .. } => "batch_norm",
        };
        bail!(
            DType,
            "\"{kernel}\" not implemented for '{}'",
            x.dtype().scalar_type_name()
        );
    }
    let dt = x.dtype();
    // PyTorch's CPU batch norm keeps its batch statistics in the parameters' dtype: with
    // f16/bf16 input and parameters (not mixed with f32 ones) the mean and inverse std are
    // rounded to it before they normalise, and the backward uses the rounded values too.
    // bf16 also rounds the sum of squares and the variance on the way to the inverse std.
    let half_stats = matches!(kind, NormKind::Batch { training: true })
        && matches!(dt, DType::F16 | DType::BF16)
        && [weight, bias].iter().flatten().all(|p| p.dtype() == dt);
    let (out, mean, var, (m, r)) = {
        let _g = crate::no_grad();
        let (xhat, mean, var) = moments(x, c, inner, eps)?;
        let rstd = var.try_add(eps)?.try_rsqrt()?;
        let (xhat, m, r) = if half_stats {
            let round = |t: &Tensor| t.try_to_dtype(dt)?.try_to_dtype(DType::F32);
            let rstd = if dt == DType::BF16 {
                let n = (x.numel() / c.max(1)) as f64;
                let var = round(&round(&var.try_mul(n)?)?.try_div(n)?)?;
                var.try_add(eps)?.try_rsqrt()?
            } else {
                rstd
            };
            let (m, r) = (round(&mean)?, round(&rstd)?);
            let nd = x.dim();
            let xhat = x
                .try_to_dtype(DType::F32)?
                .try_sub(&kind.affine_view(&m, nd)?)?
                .try_mul(&kind.affine_view(&r, nd)?)?;
            (xhat, m, r)
        } else {
            (xhat, mean.clone(), rstd)
        };
        let saved = (m.try_reshape(stat_shape)?, r.try_reshape(stat_shape)?);
        // The running statistics are updated from the unrounded mean and variance.
        (affine(xhat, kind, weight, bias, dt)?, mean, var, saved)
    };
    record_norm(&out, x, (kind, eps), weight, bias, (&m, &r));
    Ok((out, mean, var))
}

/// `F.layer_norm(input, normalized_shape, weight, bias, eps)`: normalises over the last
/// `normalized_shape.len()` dims, then scales and shifts elementwise
/// (`NativeLayerNormBackward0`).
///
/// ```
/// use ember::nn::functional as F;
/// let x = ember::tensor([[1.0, 3.0], [2.0, 4.0]]);
/// let y = F::layer_norm(&x, &[2], None, None, 0.0).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![-1.0, 1.0, -1.0, 1.0]);
/// ```
///
/// # Errors
/// If the input's trailing dims are not `normalized_shape`, or the weight or bias has
/// another shape (PyTorch's messages).
pub fn layer_norm(
    input: &Tensor,
    normalized_shape: &[usize],
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let k = normalized_shape.len();
    if k == 0 {
        bail!(
            Shape,
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []"
        );
    }
    let s = input.shape();
    if s.len() < k || &s[s.len() - k..] != normalized_shape {
        let star: Vec<String> = std::iter::once("*".to_string())
            .chain(normalized_shape.iter().map(usize::to_string))
            .collect();
        bail!(
            Shape,
            "Given normalized_shape={}, expected input with shape {}, but got input of size{}",
            ShapeFmt(normalized_shape),
            ShapeFmt(&star),
            ShapeFmt(s)
        );
    }
    for (name, p) in [("weight", weight), ("bias", bias)] {
        if let Some(p) = p
            && p.shape() != normalized_shape
        {
            bail!(
                Shape,
                "Expected {name} to be of same shape as normalized_shape, but got {name} of shape {} and normalized_shape = {}",
                ShapeFmt(p.shape()),
                ShapeFmt(normalized_shape)
            );
        }
    }
    let inner: usize = normalized_shape.iter().product();
    let rows = s[..s.len() - k].iter().product();
    let mut stat: Vec<usize> = s[..s.len() - k].to_vec();
    stat.resize(s.len(), 1);
    let kind = NormKind::Layer { k };
    Ok(native_norm(input, (kind, eps), weight, bias, (rows, inner), &stat)?.0)
}

/// `F.group_norm(input, num_groups, weight, bias, eps)`: normalises each sample's channels
/// in `num_groups` groups, then scales and shifts per channel (`NativeGroupNormBackward0`).
///
/// ```
/// use ember::nn::functional as F;
/// let x = ember::tensor([[1.0, 3.0, 5.0, 7.0]]);
/// let y = F::group_norm(&x, 2, None, None, 0.0).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![-1.0, 1.0, -1.0, 1.0]);
/// ```
///
/// # Errors
/// If the input has fewer than 2 dims, its channels do not divide into `num_groups`, or the
/// weight or bias is not a vector of one value per channel.
pub fn group_norm(
    input: &Tensor,
    num_groups: usize,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let s = input.shape();
    if s.len() < 2 {
        bail!(
            Shape,
            "Expected at least 2 dimensions for input tensor but received {}",
            s.len()
        );
    }
    let (n, c) = (s[0], s[1]);
    if num_groups == 0 || c % num_groups != 0 {
        bail!(
            Shape,
            "Expected number of channels in input to be divisible by num_groups, but got input of shape {} and num_groups={num_groups}",
            ShapeFmt(s)
        );
    }
    for (name, p) in [("weight", weight), ("bias", bias)] {
        if let Some(p) = p
            && (p.dim() != 1 || p.numel() != c)
        {
            bail!(
                Shape,
                "Expected {name} to be a vector of size equal to the number of channels in input, but got {name} of shape {} and input of shape {}",
                ShapeFmt(p.shape()),
                ShapeFmt(s)
            );
        }
    }
    let stats = n * num_groups;
    let inner = input.numel().checked_div(stats).unwrap_or(0);
    let kind = NormKind::Group { groups: num_groups };
    Ok(native_norm(
        input,
        (kind, eps),
        weight,
        bias,
        (stats, inner),
        &[n, num_groups, 1],
    )?
    .0)
}

/// Keyword arguments of [`batch_norm`] (PyTorch's defaults).
#[derive(Clone, Copy, Debug)]
pub struct BatchNormOptions<'a> {
    /// Per-channel scale.
    pub weight: Option<&'a Tensor>,
    /// Per-channel shift.
    pub bias: Option<&'a Tensor>,
    /// Use the batch's statistics (and update the running ones) instead of the running ones.
    pub training: bool,
    /// Weight of the new batch in the running-statistics update (default 0.1).
    pub momentum: f64,
    /// Added to the variance (default 1e-5).
    pub eps: f64,
}

impl Default for BatchNormOptions<'_> {
    fn default() -> Self {
        BatchNormOptions {
            weight: None,
            bias: None,
            training: false,
            momentum: 0.1,
            eps: 1e-5,
        }
    }
}

/// `F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)`:
/// normalises each channel (dim 1) over the batch and the remaining dims
/// (`NativeBatchNormBackward0`). In training it uses the batch's statistics and updates the
/// running ones in place (`(1 - momentum) * running + momentum * batch`, with the unbiased
/// variance); otherwise it uses the running ones.
///
/// ```
/// use ember::nn::functional::{self as F, BatchNormOptions};
/// let x = ember::tensor([[1.0], [3.0]]);
/// let (rm, rv) = (ember::zeros([1]), ember::ones([1]));
/// let opts = BatchNormOptions { training: true, eps: 0.0, ..Default::default() };
/// let y = F::batch_norm(&x, Some(&rm), Some(&rv), opts).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![-1.0, 1.0]);
/// assert_eq!(rm.to_vec::<f32>(), vec![0.2]);
/// assert_eq!(rv.to_vec::<f32>(), vec![0.9 + 0.1 * 2.0]);
/// ```
///
/// # Errors
/// If the input has fewer than 2 dims, a statistic or parameter has the wrong size, training
/// sees one value per channel, or evaluation has no running statistics.
pub fn batch_norm(
    input: &Tensor,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    opts: BatchNormOptions<'_>,
) -> Result<Tensor> {
    let s = input.shape();
    if s.len() < 2 {
        bail!(
            Shape,
            "batch_norm: expected input with at least 2 dims, got {}",
            ShapeFmt(s)
        );
    }
    let c = s[1];
    let per_channel = input.numel().checked_div(c).unwrap_or(0);
    if opts.training && per_channel <= 1 {
        bail!(
            Value,
            "Expected more than 1 value per channel when training, got input size {}",
            crate::tensor::size_repr(s)
        );
    }
    let named = [
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", opts.weight),
        ("bias", opts.bias),
    ];
    for (name, t) in named {
        if let Some(t) = t
            && t.numel() != c
        {
            bail!(
                Shape,
                "{name} should contain {c} elements not {}",
                t.numel()
            );
        }
    }
    let mut stat = vec![1usize; s.len()];
    stat[1] = c;
    let (w, b) = (opts.weight, opts.bias);
    if opts.training {
        let kind = NormKind::Batch { training: true };
        let outer = s[0];
        let inner = per_channel.checked_div(outer).unwrap_or(0);
        let (out, mean, var) = native_norm(input, (kind, opts.eps), w, b, (c, inner), &stat)?;
        let _g = crate::no_grad();
        let m = opts.momentum;
        if let Some(rm) = running_mean {
            let new = rm.try_mul(1.0 - m)?.try_add(&mean.try_mul(m)?)?;
            rm.try_copy_(&new)?;
        }
        if let Some(rv) = running_var {
            let unbiased = var.try_mul(per_channel as f64 / (per_channel as f64 - 1.0))?;
            let new = rv.try_mul(1.0 - m)?.try_add(&unbiased.try_mul(m)?)?;
            rv.try_copy_(&new)?;
        }
        return Ok(out);
    }
    let (Some(rm), Some(rv)) = (running_mean, running_var) else {
        let which = if running_mean.is_none() {
            "running_mean"
        } else {
            "running_var"
        };
        bail!(Value, "{which} must be defined in evaluation mode");
    };
    let kind = NormKind::Batch { training: false };
    let (out, mean, rstd) = {
        let _g = crate::no_grad();
        let mean = rm.detach().try_clone_tensor()?.try_reshape(&stat)?;
        let rstd = rv
            .detach()
            .try_add(opts.eps)?
            .try_rsqrt()?
            .try_reshape(&stat)?;
        let xhat = input.detach().try_sub(&mean)?.try_mul(&rstd)?;
        (affine(xhat, kind, w, b, input.dtype())?, mean, rstd)
    };
    record_norm(&out, input, (kind, opts.eps), w, b, (&mean, &rstd));
    Ok(out)
}
