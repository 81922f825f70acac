//! `nll_loss` (one fused node, `NllLossBackward0` / `NllLoss2DBackward0`) and
//! `cross_entropy` (class indices, class probabilities, label smoothing), written as
//! PyTorch writes them so the graphs match.

use super::{Reduction, raw};
use crate::error::{Result, bail};
use crate::ops::loss::nll_formulas as f;
use crate::shape::ShapeFmt;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel::{self, NllDims};
use crate::{DType, Tensor};

/// Keyword arguments of [`nll_loss`].
#[derive(Clone, Copy, Debug)]
pub struct NllLossOptions<'a> {
    /// A weight per class (`weight=`).
    pub weight: Option<&'a Tensor>,
    /// Targets equal to this are skipped (`ignore_index=-100`).
    pub ignore_index: i64,
    /// `reduction=` (default mean, which divides by the total weight of counted targets).
    pub reduction: Reduction,
}

impl Default for NllLossOptions<'_> {
    fn default() -> Self {
        NllLossOptions {
            weight: None,
            ignore_index: -100,
            reduction: Reduction::Mean,
        }
    }
}

/// Keyword arguments of [`cross_entropy`].
#[derive(Clone, Copy, Debug)]
pub struct CrossEntropyOptions<'a> {
    /// A weight per class (`weight=`).
    pub weight: Option<&'a Tensor>,
    /// Class-index targets equal to this are skipped (`ignore_index=-100`).
    pub ignore_index: i64,
    /// `reduction=` (default mean).
    pub reduction: Reduction,
    /// `label_smoothing=` in `[0, 1]` (default 0).
    pub label_smoothing: f64,
}

impl Default for CrossEntropyOptions<'_> {
    fn default() -> Self {
        CrossEntropyOptions {
            weight: None,
            ignore_index: -100,
            reduction: Reduction::Mean,
            label_smoothing: 0.0,
        }
    }
}

fn nll_dims(shape: &[usize], ignore_index: i64) -> NllDims {
    let (n, c, s) = match shape.len() {
        1 => (1, shape[0], 1),
        _ => (shape[0], shape[1], shape[2..].iter().product()),
    };
    NllDims {
        n,
        c,
        s,
        ignore_index,
    }
}

/// The dtype the kernels compute in: half types go through f32.
fn compute_dtype(dt: DType) -> DType {
    if matches!(dt, DType::F16 | DType::BF16) {
        DType::F32
    } else {
        dt
    }
}

fn contiguous_as(t: &Tensor, dt: DType) -> Result<Tensor> {
    t.detach().try_to_dtype_raw(dt)?.try_contiguous()
}

/// PyTorch's target checks of `nll_loss_forward` (after the batch-size check).
fn check_target(input: &Tensor, target: &Tensor, weight: Option<&Tensor>) -> Result<Tensor> {
    let nd = input.dim();
    if nd <= 2 {
        if target.dim() > 1 {
            bail!(
                Shape,
                "0D or 1D target tensor expected, multi-target not supported"
            );
        }
        if nd == 2 && target.dim() == 0 || nd == 1 && target.numel() != 1 {
            bail!(
                Shape,
                "size mismatch (got input: {} , target: {})",
                ShapeFmt(input.shape()),
                ShapeFmt(target.shape())
            );
        }
    } else if target.dim() + 1 != nd || target.shape()[1..] != input.shape()[2..] {
        bail!(
            Shape,
            "size mismatch (got input: {} , target: {}",
            ShapeFmt(input.shape()),
            ShapeFmt(target.shape())
        );
    }
    if !matches!(target.dtype(), DType::I64 | DType::U8) {
        bail!(
            DType,
            "expected target dtype to be Long or Byte, but got {}",
            target.dtype().scalar_type_name()
        );
    }
    let c = if nd == 1 {
        input.shape()[0]
    } else {
        input.shape()[1]
    };
    if let Some(w) = weight
        && w.numel() != c
    {
        bail!(
            Shape,
            "weight tensor should be defined either for all {c} classes or no classes but got weight tensor of shape: {}",
            ShapeFmt(w.shape())
        );
    }
    target
        .detach()
        .try_to_dtype_raw(DType::I64)?
        .try_contiguous()
}

/// nll over `input` of 1, 2 or more dims; `target` already checked and contiguous i64.
fn nll_core(
    input: &Tensor,
    target: &Tensor,
    opts: NllLossOptions<'_>,
    name: &'static str,
) -> Result<Tensor> {
    let dt = input.dtype();
    if !dt.is_floating_point() {
        bail!(
            DType,
            "\"nll_loss_out_frame\" not implemented for '{}'",
            dt.scalar_type_name()
        );
    }
    let cdt = compute_dtype(dt);
    let d = nll_dims(input.shape(), opts.ignore_index);
    let weight = opts.weight.map(|w| contiguous_as(w, cdt)).transpose()?;
    let (out, total) = raw(|| {
        let x = contiguous_as(input, cdt)?;
        let per = Tensor::alloc(target.shape(), cdt, input.device())?;
        let tw = if per.numel() > 0 {
            let w = weight.as_ref().map(Tensor::arg);
            kernel::nll_loss(x.arg(), target.arg(), w, &per, d)?
        } else {
            0.0
        };
        let out = match opts.reduction {
            Reduction::None => per,
            Reduction::Sum => per.try_sum()?,
            Reduction::Mean => per.try_sum()?.try_div(tw)?,
        };
        Ok((
            out.try_to_dtype_raw(dt)?,
            crate::scalar_tensor(tw).try_to_dtype_raw(dt)?,
        ))
    })?;
    if needs_grad(&[input]) {
        let mut saves = vec![Save::Tensor(target), Save::Tensor(&total)];
        if let Some(w) = &weight {
            saves.push(Save::Tensor(w));
        }
        record(
            f::NllLoss {
                name,
                reduction: opts.reduction,
                ignore_index: opts.ignore_index,
                has_weight: weight.is_some(),
                input_shape: input.shape().to_vec(),
            },
            &[input],
            &[&out],
            &saves,
        );
    }
    Ok(out)
}

impl Tensor {
    /// The input gradient of nll, recorded as its own op for double backward.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn nll_loss_backward(
        g: &Tensor,
        target: &Tensor,
        weight: Option<&Tensor>,
        total: &Tensor,
        reduction: Reduction,
        ignore_index: i64,
        input_shape: &[usize],
        name: &'static str,
    ) -> Result<Tensor> {
        let dt = g.dtype();
        let cdt = compute_dtype(dt);
        let d = nll_dims(input_shape, ignore_index);
        let out = raw(|| {
            let gc = contiguous_as(g, cdt)?;
            let w = weight.map(|w| contiguous_as(w, cdt)).transpose()?;
            let out = Tensor::alloc(input_shape, cdt, g.device())?;
            let scale = match reduction {
                Reduction::Mean if total.has_data() => 1.0 / total.try_item::<f64>()?,
                _ => 1.0,
            };
            if out.numel() > 0 {
                let w = w.as_ref().map(Tensor::arg);
                kernel::nll_loss_backward(gc.arg(), target.arg(), w, &out, d, scale)?;
            }
            out.try_to_dtype_raw(dt)
        })?;
        if needs_grad(&[g]) {
            let mut saves = vec![Save::Tensor(target), Save::Tensor(total)];
            if let Some(w) = weight {
                saves.push(Save::Tensor(w));
            }
            record(
                f::NllLossBackward {
                    name,
                    reduction,
                    ignore_index,
                    has_weight: weight.is_some(),
                },
                &[g],
                &[&out],
                &saves,
            );
        }
        Ok(out)
    }
}

/// `F.nll_loss(input, target, weight, ignore_index, reduction)`: the negative
/// log-likelihood of class-index targets, given log-probabilities `input` of shape `[C]`,
/// `[N, C]` or `[N, C, d1, …]`.
///
/// ```
/// use ember::nn::functional::{nll_loss, NllLossOptions};
/// let logp = ember::tensor([[-1.0, -2.0], [-3.0, -4.0]]).requires_grad_(true);
/// let l = nll_loss(&logp, &ember::tensor([1i64, 0]), NllLossOptions::default()).unwrap();
/// assert_eq!(l.item::<f32>(), 2.5);
/// assert_eq!(l.grad_fn().unwrap().name(), "NllLossBackward0");
/// ```
///
/// # Errors
/// On mismatched shapes or devices, a non-integer target, a target out of `[0, C)` or a
/// weight of the wrong size, with PyTorch's messages.
pub fn nll_loss(input: &Tensor, target: &Tensor, opts: NllLossOptions<'_>) -> Result<Tensor> {
    input.check_same_device(target)?;
    if let Some(w) = opts.weight {
        input.check_same_device(w)?;
    }
    let nd = input.dim();
    if nd < 1 {
        bail!(Shape, "Expected 1 or more dimensions (got {nd})");
    }
    if nd != 1 {
        // PyTorch reads a 0-dim target's batch size as 0 here (an unchecked size read), so
        // it is refused unless the input's batch is empty too, which then fails on the size.
        let tb = target.shape().first().copied();
        if tb.unwrap_or(0) != input.shape()[0] {
            bail!(
                Shape,
                "Expected input batch_size ({}) to match target batch_size ({}).",
                input.shape()[0],
                tb.unwrap_or(0)
            );
        }
        if tb.is_none() {
            bail!(
                IndexOutOfRange,
                "Dimension specified as 0 but tensor has no dimensions"
            );
        }
    }
    if nd <= 2 {
        let t = check_target(input, target, opts.weight)?;
        return nll_core(input, &t, opts, "NllLossBackward0");
    }
    if nd == 4 {
        let t = check_target(input, target, opts.weight)?;
        return nll_core(input, &t, opts, "NllLoss2DBackward0");
    }
    // Other ranks go through the 4-d kernel on `[N, C, 1, -1]`, as in PyTorch.
    let (n, c) = (input.shape()[0], input.shape()[1]);
    let mut out_size = vec![n];
    out_size.extend_from_slice(&input.shape()[2..]);
    if target.shape()[1..] != input.shape()[2..] {
        bail!(
            Shape,
            "Expected target size {}, got {}",
            ShapeFmt(&out_size),
            ShapeFmt(target.shape())
        );
    }
    let rest: usize = input.shape()[2..].iter().product();
    let x = input.try_contiguous()?.try_reshape([n, c, 1, rest])?;
    let t = target.try_contiguous()?.try_reshape([n, 1, rest])?;
    let t = check_target(&x, &t, opts.weight)?;
    let out = nll_core(&x, &t, opts, "NllLoss2DBackward0")?;
    match opts.reduction {
        Reduction::None => out.try_view(out_size),
        _ => Ok(out),
    }
}

fn check_label_smoothing(ls: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&ls) {
        bail!(
            Value,
            "label_smoothing must be between 0.0 and 1.0. Got: {ls}"
        );
    }
    Ok(())
}

/// `x * s` (`div`: `x / s`) recorded as ATen's Scalar overloads are.
fn scale(x: &Tensor, s: f64, div: bool) -> Result<Tensor> {
    x.scale_scalar(s, div)
}

/// `weight` viewed to broadcast along the class dim of an `nd`-dim input.
fn weight_view(weight: &Tensor, nd: usize, class_dim: usize) -> Result<Tensor> {
    let mut shape = vec![1i64; nd];
    shape[class_dim] = weight.numel() as i64;
    weight.try_view(shape)
}

/// `F.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)`:
/// `nll_loss(log_softmax(input, 1), target)` for class indices; for a float `target` of the
/// input's shape, the class-probability form `-(log_softmax(input) * target).sum(1)`.
///
/// ```
/// use ember::nn::functional::{cross_entropy, CrossEntropyOptions};
/// let x = ember::tensor([[0.0, 0.0], [0.0, 0.0]]).requires_grad_(true);
/// let l = cross_entropy(&x, &ember::tensor([0i64, 1]), CrossEntropyOptions::default()).unwrap();
/// assert!((l.item::<f32>() - 2f32.ln()).abs() < 1e-6);
/// assert_eq!(l.grad_fn().unwrap().name(), "NllLossBackward0");
/// ```
///
/// # Errors
/// As [`nll_loss`], and for `label_smoothing` outside `[0, 1]` or an integer target of
/// the input's shape.
pub fn cross_entropy(
    input: &Tensor,
    target: &Tensor,
    opts: CrossEntropyOptions<'_>,
) -> Result<Tensor> {
    check_label_smoothing(opts.label_smoothing)?;
    let class_dim = if input.dim() == 1 { 0 } else { 1 };
    let ls = opts.label_smoothing;
    if input.shape() == target.shape() {
        if !target.dtype().is_floating_point() {
            bail!(
                DType,
                "Expected floating point type for target with class probabilities, got {}",
                target.dtype().scalar_type_name()
            );
        }
        if opts.ignore_index >= 0 {
            bail!(
                Value,
                "ignore_index is not supported for floating point target"
            );
        }
        return prob_target(input, target, opts, class_dim);
    }
    let logp = input.try_log_softmax(class_dim as i64)?;
    let nll_opts = NllLossOptions {
        weight: opts.weight,
        ignore_index: opts.ignore_index,
        reduction: opts.reduction,
    };
    let nll = nll_loss(&logp, target, nll_opts)?;
    if ls <= 0.0 {
        return Ok(nll);
    }
    let n_classes = input.shape()[class_dim] as f64;
    let smooth = match opts.weight {
        Some(w) => logp
            .try_mul(&weight_view(w, logp.dim(), class_dim)?)?
            .try_sum_dim(class_dim as i64, false)?
            .try_neg()?,
        None => logp.try_sum_dim(class_dim as i64, false)?.try_neg()?,
    };
    let keep = target.try_ne(opts.ignore_index)?;
    let smooth = smooth.try_where_cond(&keep, 0.0)?;
    let ret = match opts.reduction {
        Reduction::None => smooth,
        Reduction::Sum => smooth.try_sum()?,
        Reduction::Mean => {
            // Normalised by the weight of the counted targets, as nll's mean is.
            let denom = raw(|| {
                if !target.has_data() {
                    return Ok(1.0);
                }
                let t = target.try_to_vec::<i64>()?;
                let w = opts.weight.map(|w| w.try_to_vec::<f64>()).transpose()?;
                Ok(t.iter()
                    .filter(|&&v| v != opts.ignore_index)
                    .map(|&v| w.as_ref().map_or(1.0, |w| w[v as usize]))
                    .sum::<f64>())
            })?;
            smooth.try_sum()?.try_div(denom)?
        }
    };
    scale(&nll, 1.0 - ls, false)?.try_add(&scale(&ret, ls / n_classes, false)?)
}

fn prob_target(
    input: &Tensor,
    target: &Tensor,
    opts: CrossEntropyOptions<'_>,
    class_dim: usize,
) -> Result<Tensor> {
    if input.dim() == 0 {
        bail!(
            IndexOutOfRange,
            "Dimension specified as {class_dim} but tensor has no dimensions"
        );
    }
    let n_classes = input.shape()[class_dim];
    let logp = input.try_log_softmax(class_dim as i64)?;
    let ls = opts.label_smoothing;
    let target = if ls > 0.0 {
        target.try_mul(1.0 - ls)?.try_add(ls / n_classes as f64)?
    } else {
        target.clone()
    };
    let mut prod = logp.try_mul(&target)?;
    if let Some(w) = opts.weight {
        prod = prod.try_mul(&weight_view(w, logp.dim(), class_dim)?)?;
    }
    match opts.reduction {
        Reduction::None => prod.try_sum_dim(class_dim as i64, false)?.try_neg(),
        Reduction::Sum => prod.try_sum()?.try_neg(),
        Reduction::Mean => {
            let s = prod.try_sum()?.try_neg()?;
            if logp.numel() == 0 {
                return s.try_mul(f64::NAN);
            }
            scale(&s, (logp.numel() / n_classes) as f64, true)
        }
    }
}
