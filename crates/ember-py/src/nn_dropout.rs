//! The random parts of `torch.nn`: the dropout family and `nn.init.orthogonal_`, drawing
//! PyTorch's random numbers in PyTorch's order.
//!
//! PyTorch's CPU dropout is `noise = empty_like(input).bernoulli_(1 - p)`, then
//! `noise.div_(1 - p)` and `input * noise`. Its `bernoulli_(p)` draws one double per
//! element, in memory order, from the 53 low bits of a 64-bit draw (`random64`), and keeps
//! the element where that double is below `p` — the same double `torch.rand(..., dtype=
//! torch.float64)` gives. So the mask here is `rand(shape, float64) < 1 - p`, which
//! reproduces PyTorch's masks after `torch.manual_seed` exactly.

use crate::error::{OrRaise, guard};
use crate::tensor::{PyTensor, wrap};
use ember::{DType, Tensor};
use pyo3::prelude::*;

/// PyTorch's CPU `empty(shape).bernoulli_(keep)` in `like`'s dtype and device.
fn bernoulli(shape: &[usize], keep: f64, like: &Tensor) -> ember::Result<Tensor> {
    let u = ember::try_rand_with(shape, (DType::F64, like.device()))?;
    u.try_lt(keep)?.try_to_dtype(like.dtype())
}

/// PyTorch's `_dropout_impl` (`at::dropout`, `feature_dropout`, `alpha_dropout`,
/// `feature_alpha_dropout` and their in-place forms). `p` was checked by the caller
/// (PyTorch's Python layer raises the ValueError). In evaluation, with `p = 0` or an empty
/// input, the input object itself comes back.
#[pyfunction]
#[pyo3(signature = (input, p, train, inplace = false, feature = false, alpha = false))]
fn _dropout(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
    p: f64,
    train: bool,
    inplace: bool,
    feature: bool,
    alpha: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let x = input.cast::<PyTensor>()?.get().t.clone();
        if p == 0.0 || !train || x.numel() == 0 {
            return Ok(input.clone().unbind());
        }
        let multiply = |noise: &Tensor| -> PyResult<Option<Tensor>> {
            if inplace {
                x.try_mul_(noise).or_raise()?;
                Ok(None)
            } else {
                Ok(Some(x.try_mul(noise).or_raise()?))
            }
        };
        let done = |r: Option<Tensor>| -> PyResult<Py<PyAny>> {
            match r {
                Some(t) => wrap(py, t),
                None => Ok(input.clone().unbind()),
            }
        };
        if p == 1.0 {
            let zero =
                ember::try_zeros_with(&[] as &[usize], (x.dtype(), x.device())).or_raise()?;
            return done(multiply(&zero)?);
        }
        if feature && x.dim() < 2 {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "Feature dropout requires at least 2 dimensions in the input",
            ));
        }
        let shape: Vec<usize> = if feature {
            let s = x.shape();
            let mut v = vec![s[0], s[1]];
            v.resize(s.len(), 1);
            v
        } else {
            x.shape().to_vec()
        };
        let noise = {
            let _g = ember::no_grad();
            bernoulli(shape.as_slice(), 1.0 - p, &x).or_raise()?
        };
        if alpha {
            const ALPHA: f64 = 1.758_099_340_847_376_6;
            let a = 1.0 / ((ALPHA * ALPHA * p + 1.0) * (1.0 - p)).sqrt();
            let b = {
                let _g = ember::no_grad();
                let b = noise.try_add(-1.0).or_raise()?;
                b.try_mul_(ALPHA * a).or_raise()?;
                b.try_add_(ALPHA * a * p).or_raise()?;
                noise.try_mul_(a).or_raise()?;
                b
            };
            let r = multiply(&noise)?;
            let target = r.as_ref().unwrap_or(&x);
            target.try_add_(&b).or_raise()?;
            return done(r);
        }
        {
            let _g = ember::no_grad();
            noise.try_div_(1.0 - p).or_raise()?;
        }
        done(multiply(&noise)?)
    })
}

/// `nn.init.orthogonal_(tensor, gain)` on the default generator (the engine's
/// `nn::init::orthogonal_`: QR of a normal sample, signs fixed by R's diagonal).
#[pyfunction]
fn _orthogonal_(py: Python<'_>, tensor: &Bound<'_, PyAny>, gain: f64) -> PyResult<Py<PyAny>> {
    guard(|| {
        let t = tensor.cast::<PyTensor>()?.get().t.clone();
        py.detach(|| ember::nn::init::orthogonal_(&t, gain))
            .or_raise()?;
        Ok(tensor.clone().unbind())
    })
}

/// Adds these functions to `_C._nn`.
pub fn add(nn: &Bound<'_, PyModule>) -> PyResult<()> {
    nn.add_function(wrap_pyfunction!(_dropout, nn)?)?;
    nn.add_function(wrap_pyfunction!(_orthogonal_, nn)?)?;
    Ok(())
}
