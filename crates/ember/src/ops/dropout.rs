//! `dropout` and `dropout_`: zero each element with probability `p` (mask drawn from the
//! default generator) and scale the rest by `1 / (1 - p)`, as `input * mask`
//! (`MulBackward0`). In evaluation, or with `p = 0`, the input itself comes back.

use crate::Tensor;
use crate::error::{Result, bail};

fn check_p(p: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&p) {
        bail!(
            Value,
            "dropout probability has to be between 0 and 1, but got {}",
            crate::scalar::py_float(p)
        );
    }
    Ok(())
}

/// The scaled keep-mask: `1 / (1 - p)` where kept, 0 where dropped (all 0 for `p = 1`).
fn mask(input: &Tensor, p: f64) -> Result<Tensor> {
    let _g = crate::no_grad();
    let u = crate::try_rand_with(input.shape(), (input.dtype(), input.device()))?;
    if p >= 1.0 {
        return u.try_mul(0.0);
    }
    u.try_ge(p)?
        .try_to_dtype(input.dtype())?
        .try_mul(1.0 / (1.0 - p))
}

/// `F.dropout(input, p, training)`.
///
/// ```
/// use ember::nn::functional as F;
/// let x = ember::ones([1000]);
/// ember::manual_seed(0);
/// let y = F::dropout(&x, 0.5, true).unwrap();
/// let v = y.to_vec::<f32>();
/// assert!(v.iter().all(|&e| e == 0.0 || e == 2.0));
/// assert!((y.mean().item::<f32>() - 1.0).abs() < 0.15);
/// // Evaluation is the identity.
/// assert_eq!(F::dropout(&x, 0.5, false).unwrap().to_vec::<f32>(), x.to_vec::<f32>());
/// ```
///
/// # Errors
/// If `p` is outside `[0, 1]`, or the input is not floating.
pub fn dropout(input: &Tensor, p: f64, training: bool) -> Result<Tensor> {
    check_p(p)?;
    if !training || p == 0.0 || input.numel() == 0 {
        return Ok(input.clone());
    }
    input.try_mul(&mask(input, p)?)
}

/// `F.dropout(input, p, training, inplace=True)`: as [`dropout`], writing into `input`.
///
/// ```
/// use ember::nn::functional as F;
/// let x = ember::ones([4]);
/// F::dropout_(&x, 1.0, true).unwrap();
/// assert_eq!(x.to_vec::<f32>(), vec![0.0; 4]);
/// ```
///
/// # Errors
/// If `p` is outside `[0, 1]`, or as the in-place checks of autograd.
pub fn dropout_(input: &Tensor, p: f64, training: bool) -> Result<Tensor> {
    check_p(p)?;
    if !training || p == 0.0 || input.numel() == 0 {
        return Ok(input.clone());
    }
    input.try_mul_(&mask(input, p)?)
}
