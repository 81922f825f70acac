//! Elementwise losses (`mse_loss`, `l1_loss`, `huber_loss`, `smooth_l1_loss`, the binary
//! cross-entropies) and the `reduction=` argument.

pub(crate) mod cross_entropy;
pub(crate) mod formulas;
pub(crate) mod nll_formulas;
pub(crate) mod softmax;

use crate::{DType, Tensor};

use crate::error::{Error, Result, bail};
use crate::ops::loss::formulas as f;
use crate::tensor::graph::node::{Save, needs_grad, record};

/// How a loss reduces over elements (`reduction=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reduction {
    /// Per-element losses.
    None,
    /// The mean (default).
    #[default]
    Mean,
    /// The sum.
    Sum,
}

impl std::str::FromStr for Reduction {
    type Err = Error;

    fn from_str(s: &str) -> Result<Reduction> {
        Ok(match s {
            "none" => Reduction::None,
            "mean" => Reduction::Mean,
            "sum" => Reduction::Sum,
            other => bail!(Value, "{other} is not a valid value for reduction"),
        })
    }
}

pub(crate) fn reduce(t: Tensor, reduction: Reduction) -> Result<Tensor> {
    match reduction {
        Reduction::None => Ok(t),
        Reduction::Mean => t.try_mean(),
        Reduction::Sum => t.try_sum(),
    }
}

/// Raw elementwise-then-reduced value, without history.
pub(crate) fn raw<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    let _g = crate::no_grad();
    f()
}

/// `F.mse_loss(input, target, reduction)`, one `MseLossBackward0` node.
///
/// ```
/// use ember::nn::functional::{mse_loss, Reduction};
/// let l = mse_loss(&ember::tensor([1.0, 2.0]), &ember::tensor([0.0, 0.0]), Reduction::Sum).unwrap();
/// assert_eq!(l.item::<f32>(), 5.0);
/// ```
///
/// # Errors
/// If the shapes do not broadcast.
#[track_caller]
pub fn mse_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    warn_target_size(input, target);
    let (x, t) = promoted(input, target, "mse_cpu")?;
    let out = raw(|| reduce(x.try_sub(&t)?.try_pow(2)?, reduction))?;
    if needs_grad(&[input, target]) {
        record(
            f::MseLoss(reduction),
            &[input, target],
            &[&out],
            &[Save::Tensor(&x), Save::Tensor(&t)],
        );
    }
    Ok(out)
}

impl Tensor {
    /// `mse_loss_backward(grad, self, target)`, recorded as its own node for double backward.
    pub(crate) fn mse_loss_backward(
        g: &Tensor,
        x: &Tensor,
        t: &Tensor,
        reduction: Reduction,
    ) -> Result<Tensor> {
        let out = raw(|| {
            let scale = match reduction {
                Reduction::Mean => 2.0 / x.numel().max(1) as f64,
                _ => 2.0,
            };
            x.try_sub(t)?.try_mul(scale)?.try_mul(g)
        })?;
        if needs_grad(&[g, x, t]) {
            record(
                f::MseLossBackward(reduction),
                &[g, x, t],
                &[&out],
                &[Save::Tensor(g), Save::Tensor(x), Save::Tensor(t)],
            );
        }
        Ok(out)
    }
}

/// `F.l1_loss(input, target, reduction)`: `|input - target|` reduced (composite, as in
/// PyTorch: its node is the reduction's).
///
/// ```
/// use ember::nn::functional::{l1_loss, Reduction};
/// let l = l1_loss(&ember::tensor([1.0, -2.0]), &ember::tensor([0.0, 0.0]), Reduction::Mean).unwrap();
/// assert_eq!(l.item::<f32>(), 1.5);
/// ```
///
/// # Errors
/// If the shapes do not broadcast.
#[track_caller]
pub fn l1_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    warn_target_size(input, target);
    reduce(input.try_sub(target)?.try_abs()?, reduction)
}

/// `F.huber_loss(input, target, reduction, delta)`.
///
/// ```
/// use ember::nn::functional::{huber_loss, Reduction};
/// let l = huber_loss(&ember::tensor([0.5, 3.0]), &ember::tensor([0.0, 0.0]), Reduction::None, 1.0).unwrap();
/// assert_eq!(l.to_vec::<f32>(), vec![0.125, 2.5]);
/// ```
///
/// # Errors
/// If the shapes do not broadcast or `delta <= 0`.
#[track_caller]
pub fn huber_loss(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    delta: f64,
) -> Result<Tensor> {
    warn_target_size(input, target);
    if delta <= 0.0 {
        bail!(
            Value,
            "huber_loss does not support non-positive values for delta."
        );
    }
    huber_like(input, target, reduction, delta, false)
}

/// Huber loss, or smooth L1 (huber with `delta = beta > 0`, over `beta`).
fn huber_like(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    delta: f64,
    smooth_l1: bool,
) -> Result<Tensor> {
    let kernel = if smooth_l1 {
        "smooth_l1_cpu"
    } else {
        "huber_cpu"
    };
    let (x, t) = promoted(input, target, kernel)?;
    let out = raw(|| {
        let d = x.try_sub(&t)?.try_abs()?;
        let quad = d.try_pow(2)?.try_mul(0.5)?;
        let lin = d.try_sub(0.5 * delta)?.try_mul(delta)?;
        let h = quad.try_where_cond(&d.try_lt(delta)?, &lin)?;
        let elem = if smooth_l1 { h.try_div(delta)? } else { h };
        reduce(elem, reduction)
    })?;
    if needs_grad(&[input, target]) {
        record(
            f::HuberLoss {
                reduction,
                delta,
                smooth_l1,
            },
            &[input, target],
            &[&out],
            &[Save::Tensor(&x), Save::Tensor(&t)],
        );
    }
    Ok(out)
}

/// `F.smooth_l1_loss(input, target, reduction, beta)` = `huber_loss(…, delta=beta) / beta`.
///
/// ```
/// use ember::nn::functional::{smooth_l1_loss, Reduction};
/// let l = smooth_l1_loss(&ember::tensor([3.0]), &ember::tensor([0.0]), Reduction::Sum, 1.0).unwrap();
/// assert_eq!(l.item::<f32>(), 2.5);
/// ```
///
/// # Errors
/// If the shapes do not broadcast or `beta < 0`.
#[track_caller]
pub fn smooth_l1_loss(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    beta: f64,
) -> Result<Tensor> {
    warn_target_size(input, target);
    if beta < 0.0 {
        bail!(
            Value,
            "smooth_l1_loss does not support negative values for beta."
        );
    }
    if beta == 0.0 {
        // PyTorch's smooth L1 with beta 0 is the L1 loss, recorded as such (its warning
        // was given above).
        return crate::warnings::ignored(|| l1_loss(input, target, reduction));
    }
    huber_like(input, target, reduction, beta, true)
}

/// `input` and `target` in their promoted dtype, without history, as the loss kernels
/// (`mse_cpu`, `huber_cpu`, …) compute them: `mse_loss(bool, float)` is fine there although
/// `bool - float` is not, and an integer result has no kernel.
fn promoted(input: &Tensor, target: &Tensor, kernel: &str) -> Result<(Tensor, Tensor)> {
    let dt = DType::promote(input.dtype(), target.dtype());
    if !dt.is_floating_point() {
        bail!(
            DType,
            "\"{kernel}\" not implemented for '{}'",
            dt.scalar_type_name()
        );
    }
    let cast = |t: &Tensor| -> Result<Tensor> {
        if t.dtype() == dt {
            Ok(t.clone())
        } else {
            raw(|| t.try_to_dtype(dt))
        }
    };
    Ok((cast(input)?, cast(target)?))
}

/// PyTorch's warning for a loss whose operands broadcast against each other: a `[5, 1]`
/// prediction against a `[5]` target gives a `[5, 5]` loss, almost never what was meant.
#[track_caller]
fn warn_target_size(input: &Tensor, target: &Tensor) {
    if input.shape() != target.shape() {
        crate::warnings::warn(format!(
            "Using a target size ({}) that is different to the input size ({}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            crate::tensor::size_repr(target.shape()),
            crate::tensor::size_repr(input.shape())
        ));
    }
}

fn same_size(input: &Tensor, target: &Tensor) -> Result<()> {
    if input.shape() != target.shape() {
        bail!(
            Shape,
            "Using a target size ({}) that is different to the input size ({}) is deprecated. Please ensure they have the same size.",
            crate::tensor::size_repr(target.shape()),
            crate::tensor::size_repr(input.shape())
        );
    }
    Ok(())
}

/// `F.binary_cross_entropy(input, target, reduction)` on probabilities; `log` is clamped at
/// -100 as in PyTorch.
///
/// ```
/// use ember::nn::functional::{binary_cross_entropy, Reduction};
/// let l = binary_cross_entropy(&ember::tensor([0.0, 1.0]), &ember::tensor([1.0, 0.0]), Reduction::Mean).unwrap();
/// assert_eq!(l.item::<f32>(), 100.0);
/// ```
///
/// # Errors
/// If the shapes differ or an input is outside `[0, 1]`.
pub fn binary_cross_entropy(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
) -> Result<Tensor> {
    same_size(input, target)?;
    let out = raw(|| {
        let bad = input.try_lt(0.0)?.try_logical_or(&input.try_gt(1.0)?)?;
        if input.has_data() && bad.try_to_vec::<bool>()?.contains(&true) {
            bail!(Value, "all elements of input should be between 0 and 1");
        }
        let log_x = input.try_log()?.try_clamp(-100.0, None)?;
        let log_1mx = input.try_rsub(1.0)?.try_log()?.try_clamp(-100.0, None)?;
        let l = target
            .try_mul(&log_x)?
            .try_add(&target.try_rsub(1.0)?.try_mul(&log_1mx)?)?
            .try_neg()?;
        reduce(l, reduction)
    })?;
    if needs_grad(&[input, target]) {
        record(
            f::BinaryCrossEntropy(reduction),
            &[input, target],
            &[&out],
            &[Save::Tensor(input), Save::Tensor(target)],
        );
    }
    Ok(out)
}

/// `F.binary_cross_entropy_with_logits(input, target, reduction)`, computed stably.
///
/// ```
/// use ember::nn::functional::{binary_cross_entropy_with_logits, Reduction};
/// let l = binary_cross_entropy_with_logits(&ember::tensor([0.0]), &ember::tensor([1.0]), Reduction::Mean).unwrap();
/// assert!((l.item::<f32>() - 2f32.ln()).abs() < 1e-6);
/// ```
///
/// # Errors
/// If the shapes differ.
pub fn binary_cross_entropy_with_logits(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
) -> Result<Tensor> {
    if input.shape() != target.shape() {
        let size = |s: &[usize]| crate::tensor::size_repr(s);
        bail!(
            Shape,
            "Target size ({}) must be the same as input size ({})",
            size(target.shape()),
            size(input.shape())
        );
    }
    let out = raw(|| {
        // max(x, 0) - x t + log(1 + exp(-|x|))
        let l = input
            .try_clamp(0.0, None)?
            .try_sub(&input.try_mul(target)?)?
            .try_add(&input.try_abs()?.try_neg()?.try_exp()?.try_log1p()?)?;
        reduce(l, reduction)
    })?;
    if needs_grad(&[input, target]) {
        record(
            f::BceWithLogits(reduction),
            &[input, target],
            &[&out],
            &[Save::Tensor(input), Save::Tensor(target)],
        );
    }
    Ok(out)
}
