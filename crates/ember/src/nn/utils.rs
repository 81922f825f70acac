//! Gradient clipping (`torch.nn.utils.clip_grad_norm_`, `clip_grad_value_`).

use crate::error::Result;
use crate::{Tensor, UnaryOp};
use ember_derive::panicking;

/// `torch.linalg.vector_norm(t, p)` over all elements.
fn vector_norm(t: &Tensor, p: f64) -> Result<Tensor> {
    if p == 2.0 {
        return t.try_mul(t)?.try_sum()?.try_unary(UnaryOp::Sqrt);
    }
    if p == 1.0 {
        return t.try_unary(UnaryOp::Abs)?.try_sum();
    }
    if p.is_finite() && p != 0.0 {
        return t
            .try_unary(UnaryOp::Abs)?
            .try_pow(p)?
            .try_sum()?
            .try_pow(1.0 / p);
    }
    // The ±inf and 0 norms are a max, a min and a count of the magnitudes; read on the host
    // until the tensor core has those reductions.
    let v: Vec<f64> = t.try_to_vec::<f64>()?;
    let mags = v.iter().map(|x| x.abs());
    let r = if p == 0.0 {
        mags.filter(|&m| m != 0.0).count() as f64
    } else if p > 0.0 {
        mags.fold(0.0, |a: f64, m| {
            if m.is_nan() || a.is_nan() {
                f64::NAN
            } else {
                a.max(m)
            }
        })
    } else {
        mags.fold(f64::INFINITY, |a: f64, m| {
            if m.is_nan() || a.is_nan() {
                f64::NAN
            } else {
                a.min(m)
            }
        })
    };
    crate::scalar_tensor(r)
        .try_to_dtype(t.dtype())?
        .try_to_device(t.device())
}

/// `torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type)`: scales the gradients
/// in place so that their joint `norm_type`-norm is at most `max_norm`, and returns that
/// norm as it was before clipping. Parameters without a gradient are ignored; with none at
/// all the norm is `tensor(0.)`. `norm_type` may be `f64::INFINITY`.
///
/// ```
/// let p = ember::zeros([2]).requires_grad_(true);
/// p.set_grad(Some(ember::tensor([3.0, 4.0])));
/// let total = ember::nn::utils::clip_grad_norm_(&[p.clone()], 1.0, 2.0);
/// assert_eq!(total.item::<f32>(), 5.0);
/// let g = p.grad().unwrap().to_vec::<f32>();
/// assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6);
/// ```
///
/// # Errors
/// If the gradients live on different devices.
#[panicking]
pub fn try_clip_grad_norm_(parameters: &[Tensor], max_norm: f64, norm_type: f64) -> Result<Tensor> {
    let _no_grad = crate::no_grad();
    let grads: Vec<Tensor> = parameters.iter().filter_map(Tensor::grad).collect();
    if grads.is_empty() {
        return Ok(crate::scalar_tensor(0.0));
    }
    let norms = grads
        .iter()
        .map(|g| vector_norm(g, norm_type))
        .collect::<Result<Vec<_>>>()?;
    // The norm of the vector of per-tensor norms, as PyTorch's `vector_norm(stack(norms))`.
    let total = total_norm(&norms, norm_type)?;
    let clip_coef = total.try_add(1e-6)?.try_rdiv(max_norm)?;
    let clip_coef = clip_coef.try_clamp(None, Some(1.0))?;
    for g in &grads {
        g.try_mul_(&clip_coef)?;
    }
    Ok(total)
}

/// The `p`-norm of the per-tensor norms (all non-negative).
fn total_norm(norms: &[Tensor], p: f64) -> Result<Tensor> {
    let dtype = norms
        .iter()
        .map(Tensor::dtype)
        .reduce(crate::DType::promote)
        .unwrap_or(crate::DType::F32);
    let norms: Vec<Tensor> = norms
        .iter()
        .map(|n| n.try_to_dtype(dtype))
        .collect::<Result<_>>()?;
    if p.is_finite() && p != 0.0 {
        let mut acc: Option<Tensor> = None;
        for n in &norms {
            let term = if p == 1.0 { n.clone() } else { n.try_pow(p)? };
            acc = Some(match acc {
                None => term,
                Some(a) => a.try_add(&term)?,
            });
        }
        let Some(sum) = acc else {
            return Ok(crate::scalar_tensor(0.0));
        };
        return if p == 1.0 {
            Ok(sum)
        } else if p == 2.0 {
            sum.try_unary(UnaryOp::Sqrt)
        } else {
            sum.try_pow(1.0 / p)
        };
    }
    let mut vals = Vec::with_capacity(norms.len());
    for n in &norms {
        vals.push(n.try_item::<f64>()?);
    }
    let v = Tensor::try_from_vec(vals, [norms.len()])?.try_to_dtype(dtype)?;
    vector_norm(&v, p)
}

/// `torch.nn.utils.clip_grad_value_(parameters, clip_value)`: clamps every gradient in place
/// to `[-clip_value, clip_value]`.
///
/// ```
/// let p = ember::zeros([3]).requires_grad_(true);
/// p.set_grad(Some(ember::tensor([-3.0, 0.5, 2.0])));
/// ember::nn::utils::clip_grad_value_(&[p.clone()], 1.0);
/// assert_eq!(p.grad().unwrap().to_vec::<f32>(), vec![-1.0, 0.5, 1.0]);
/// ```
///
/// # Errors
/// If a gradient cannot be clamped in place (integer dtype).
#[panicking]
pub fn try_clip_grad_value_(parameters: &[Tensor], clip_value: f64) -> Result<()> {
    let _no_grad = crate::no_grad();
    for g in parameters.iter().filter_map(Tensor::grad) {
        g.try_clamp_(-clip_value, clip_value)?;
    }
    Ok(())
}
