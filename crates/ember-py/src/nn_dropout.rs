//! The random parts of `torch.nn`: the dropout family and `nn.init.orthogonal_`, drawing
//! PyTorch's random numbers in PyTorch's order.
//!
//! The dropout family is the engine's (`ember::nn::functional::dropout` and its siblings,
//! which draw PyTorch's masks: see the engine's Note [Dropout masks]).

use crate::error::{OrRaise, guard};
use crate::tensor::{PyTensor, wrap};
use pyo3::prelude::*;

/// PyTorch's `_dropout_impl` (`at::dropout`, `feature_dropout`, `alpha_dropout`,
/// `feature_alpha_dropout` and their in-place forms), run by the engine. In evaluation, with
/// `p = 0` or an empty input, and for the in-place forms, the input object itself comes back.
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
    use ember::nn::functional as F;
    guard(|| {
        let x = input.cast::<PyTensor>()?.get().t.clone();
        let f = match (feature, alpha, inplace) {
            (false, false, false) => F::dropout,
            (false, false, true) => F::dropout_,
            (true, false, false) => F::feature_dropout,
            (true, false, true) => F::feature_dropout_,
            (false, true, false) => F::alpha_dropout,
            (false, true, true) => F::alpha_dropout_,
            (true, true, false) => F::feature_alpha_dropout,
            (true, true, true) => F::feature_alpha_dropout_,
        };
        let out = f(&x, p, train).or_raise()?;
        if inplace || p == 0.0 || !train || x.numel() == 0 {
            return Ok(input.clone().unbind());
        }
        wrap(py, out)
    })
}

/// `nn.init.orthogonal_(tensor, gain, generator)` (the engine's `nn::init::orthogonal_`: QR
/// of a normal sample, signs fixed by R's diagonal).
#[pyfunction]
#[pyo3(signature = (tensor, gain, generator = None))]
fn _orthogonal_(
    py: Python<'_>,
    tensor: &Bound<'_, PyAny>,
    gain: f64,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let generator = crate::generator::GenArg::new("orthogonal_", generator)?;
        let t = tensor.cast::<PyTensor>()?.get().t.clone();
        generator
            .draw(py, t.device(), || ember::nn::init::orthogonal_(&t, gain))?
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
