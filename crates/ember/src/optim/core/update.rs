//! The in-place arithmetic of PyTorch's update rules, with its operation order.

use crate::Tensor;
use crate::error::Result;

/// `t.add_(other, alpha=alpha)`.
pub(crate) fn add_scaled_(t: &Tensor, other: &Tensor, alpha: f64) -> Result<()> {
    if alpha == 1.0 {
        t.try_add_(other)?;
    } else {
        t.try_add_(&other.try_mul(alpha)?)?;
    }
    Ok(())
}

/// `t.addcmul_(a, b, value=v)`: `t + v * a * b`.
pub(crate) fn addcmul_(t: &Tensor, a: &Tensor, b: &Tensor, v: f64) -> Result<()> {
    let prod = if v == 1.0 {
        a.try_mul(b)?
    } else {
        a.try_mul(v)?.try_mul(b)?
    };
    t.try_add_(&prod)?;
    Ok(())
}

/// `t.addcdiv_(a, b, value=v)`: `t + v * a / b`.
pub(crate) fn addcdiv_(t: &Tensor, a: &Tensor, b: &Tensor, v: f64) -> Result<()> {
    let q = if v == 1.0 {
        a.try_div(b)?
    } else {
        a.try_mul(v)?.try_div(b)?
    };
    t.try_add_(&q)?;
    Ok(())
}

/// `t.lerp_(end, w)` with PyTorch's two-sided formula (exact at both ends).
pub(crate) fn lerp_(t: &Tensor, end: &Tensor, w: f64) -> Result<()> {
    let diff = end.try_sub(t)?;
    if w.abs() < 0.5 {
        t.try_add_(&diff.try_mul(w)?)?;
    } else {
        t.try_copy_(&end.try_sub(&diff.try_mul(1.0 - w)?)?)?;
    }
    Ok(())
}

/// The gradient the update sees: negated when maximizing.
pub(crate) fn signed_grad(grad: &Tensor, maximize: bool) -> Result<Tensor> {
    if maximize {
        grad.try_neg()
    } else {
        Ok(grad.clone())
    }
}

/// `grad + weight_decay * param` (a new tensor: the stored `.grad` is never changed).
pub(crate) fn with_weight_decay(grad: Tensor, p: &Tensor, wd: f64) -> Result<Tensor> {
    if wd != 0.0 {
        grad.try_add_alpha(p, wd)
    } else {
        Ok(grad)
    }
}
