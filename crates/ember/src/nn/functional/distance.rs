//! `normalize` and `cosine_similarity`, composed of public ops as PyTorch composes them, so
//! their nodes are `DivBackward0` and `SumBackward1`.

use crate::Tensor;
use crate::error::Result;

/// `F.normalize(input, p, dim, eps)`: `input / max(‖input‖_p along dim, eps)`.
///
/// ```
/// use ember::nn::functional as F;
/// let y = F::normalize(&ember::tensor([[3.0, 4.0]]), 2.0, 1, 1e-12).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![0.6, 0.8]);
/// ```
///
/// # Errors
/// If `dim` is out of range or the input is not floating.
pub fn normalize(input: &Tensor, p: f64, dim: i64, eps: f64) -> Result<Tensor> {
    let denom = input
        .try_norm_with(p, [dim], true)?
        .try_clamp(eps, None)?
        .try_expand_as(input)?;
    input.try_div(&denom)
}

/// `F.cosine_similarity(x1, x2, dim, eps)`: `Σ x1·x2 / (max(‖x1‖, eps) · max(‖x2‖, eps))`
/// along `dim`, after broadcasting. As in PyTorch, each input is divided by its own norm
/// first (the result stays in [-1, 1]) and the clamp lets the gradient through.
///
/// ```
/// use ember::nn::functional as F;
/// let a = ember::tensor([[1.0, 0.0], [1.0, 1.0]]);
/// let b = ember::tensor([[0.0, 2.0], [3.0, 3.0]]);
/// let s = F::cosine_similarity(&a, &b, 1, 1e-8).unwrap();
/// assert!((s.to_vec::<f32>()[1] - 1.0).abs() < 1e-6);
/// assert_eq!(s.to_vec::<f32>()[0], 0.0);
/// ```
///
/// # Errors
/// If the inputs do not broadcast or `dim` is out of range.
pub fn cosine_similarity(x1: &Tensor, x2: &Tensor, dim: i64, eps: f64) -> Result<Tensor> {
    let shape = crate::shape::broadcast_shapes(x1.shape(), x2.shape())?;
    let (a, b) = (x1.try_expand(&shape)?, x2.try_expand(&shape)?);
    let na = a.try_norm_with(2.0, [dim], true)?.try_clone_tensor()?;
    let nb = b.try_norm_with(2.0, [dim], true)?.try_clone_tensor()?;
    {
        let _g = crate::no_grad();
        na.try_clamp_(eps, None)?;
        nb.try_clamp_(eps, None)?;
    }
    a.try_div(&na)?
        .try_mul(&b.try_div(&nb)?)?
        .try_sum_dim([dim], false)
}
