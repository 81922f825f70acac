//! The losses of `torch.nn.functional` (`_C._nn`), with PyTorch's `reduction=` and the
//! legacy `size_average`/`reduce` flags.

use crate::convert::TensorArg;
use crate::error::{OrRaise, guard};
use crate::tensor::wrap;
use ember::Tensor;
use ember::nn::functional as F;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn t(x: &Option<TensorArg>) -> Option<&Tensor> {
    x.as_ref().map(|a| &a.0)
}

fn out(py: Python<'_>, r: ember::Result<Tensor>) -> PyResult<Py<PyAny>> {
    wrap(py, r.or_raise()?)
}

/// `reduction=` with PyTorch's legacy `size_average`/`reduce` flags.
fn reduction(
    reduction: &str,
    size_average: Option<bool>,
    reduce: Option<bool>,
) -> PyResult<F::Reduction> {
    if size_average.is_some() || reduce.is_some() {
        let (sa, r) = (size_average.unwrap_or(true), reduce.unwrap_or(true));
        return Ok(match (r, sa) {
            (false, _) => F::Reduction::None,
            (true, true) => F::Reduction::Mean,
            (true, false) => F::Reduction::Sum,
        });
    }
    reduction
        .parse::<F::Reduction>()
        .map_err(|e| PyValueError::new_err(crate::error::names(e.to_string())))
}

/// Runs a loss whose target-size warning `nn/functional.py` gives itself, attributed to the
/// caller's line as PyTorch's `stacklevel` does; the engine's copy would be a second one.
fn quiet<R>(f: impl FnOnce() -> R) -> R {
    ember::warnings::ignored(f)
}

macro_rules! pair_loss {
    ($name:ident, $f:path) => {
        #[pyfunction]
        #[pyo3(signature = (input, target, size_average = None, reduce = None, reduction = "mean", weight = None))]
        #[allow(clippy::too_many_arguments)]
        fn $name(py: Python<'_>, input: TensorArg, target: TensorArg, size_average: Option<bool>, reduce: Option<bool>, reduction: &str, weight: Option<TensorArg>) -> PyResult<Py<PyAny>> {
            guard(|| {
                let red = self::reduction(reduction, size_average, reduce)?;
                let r = quiet(|| $f(&input.0, &target.0, red)).or_raise()?;
                match weight {
                    Some(w) => wrap(py, r.try_mul(&w.0).or_raise()?),
                    None => wrap(py, r),
                }
            })
        }
    };
}

pair_loss!(mse_loss_, F::mse_loss);
pair_loss!(l1_loss_, F::l1_loss);
pair_loss!(binary_cross_entropy_, F::binary_cross_entropy);

#[pyfunction]
#[pyo3(signature = (input, target, size_average = None, reduce = None, reduction = "mean"))]
pub(crate) fn mse_loss(
    py: Python<'_>,
    input: TensorArg,
    target: TensorArg,
    size_average: Option<bool>,
    reduce: Option<bool>,
    reduction: &str,
) -> PyResult<Py<PyAny>> {
    mse_loss_(py, input, target, size_average, reduce, reduction, None)
}

#[pyfunction]
#[pyo3(signature = (input, target, size_average = None, reduce = None, reduction = "mean"))]
pub(crate) fn l1_loss(
    py: Python<'_>,
    input: TensorArg,
    target: TensorArg,
    size_average: Option<bool>,
    reduce: Option<bool>,
    reduction: &str,
) -> PyResult<Py<PyAny>> {
    l1_loss_(py, input, target, size_average, reduce, reduction, None)
}

#[pyfunction]
#[pyo3(signature = (input, target, weight = None, size_average = None, reduce = None, reduction = "mean"))]
pub(crate) fn binary_cross_entropy(
    py: Python<'_>,
    input: TensorArg,
    target: TensorArg,
    weight: Option<TensorArg>,
    size_average: Option<bool>,
    reduce: Option<bool>,
    reduction: &str,
) -> PyResult<Py<PyAny>> {
    if weight.is_some() {
        return Err(PyValueError::new_err(
            "ember: binary_cross_entropy(weight=...) is not supported",
        ));
    }
    binary_cross_entropy_(py, input, target, size_average, reduce, reduction, None)
}

#[pyfunction]
#[pyo3(signature = (input, target, weight = None, size_average = None, reduce = None, reduction = "mean", pos_weight = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn binary_cross_entropy_with_logits(
    py: Python<'_>,
    input: TensorArg,
    target: TensorArg,
    weight: Option<TensorArg>,
    size_average: Option<bool>,
    reduce: Option<bool>,
    reduction: &str,
    pos_weight: Option<TensorArg>,
) -> PyResult<Py<PyAny>> {
    if weight.is_some() || pos_weight.is_some() {
        return Err(PyValueError::new_err(
            "ember: binary_cross_entropy_with_logits(weight=..., pos_weight=...) is not supported",
        ));
    }
    guard(|| {
        let red = reduction_of(reduction, size_average, reduce)?;
        out(
            py,
            F::binary_cross_entropy_with_logits(&input.0, &target.0, red),
        )
    })
}

fn reduction_of(
    r: &str,
    size_average: Option<bool>,
    reduce: Option<bool>,
) -> PyResult<F::Reduction> {
    reduction(r, size_average, reduce)
}

#[pyfunction]
#[pyo3(signature = (input, target, reduction = "mean", delta = 1.0, weight = None))]
pub(crate) fn huber_loss(
    py: Python<'_>,
    input: TensorArg,
    target: TensorArg,
    reduction: &str,
    delta: f64,
    weight: Option<TensorArg>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let red = reduction_of(reduction, None, None)?;
        let r = quiet(|| F::huber_loss(&input.0, &target.0, red, delta)).or_raise()?;
        match weight {
            Some(w) => wrap(py, r.try_mul(&w.0).or_raise()?),
            None => wrap(py, r),
        }
    })
}

#[pyfunction]
#[pyo3(signature = (input, target, size_average = None, reduce = None, reduction = "mean", beta = 1.0))]
pub(crate) fn smooth_l1_loss(
    py: Python<'_>,
    input: TensorArg,
    target: TensorArg,
    size_average: Option<bool>,
    reduce: Option<bool>,
    reduction: &str,
    beta: f64,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let red = reduction_of(reduction, size_average, reduce)?;
        out(
            py,
            quiet(|| F::smooth_l1_loss(&input.0, &target.0, red, beta)),
        )
    })
}

#[pyfunction]
#[pyo3(signature = (input, target, weight = None, size_average = None, ignore_index = -100, reduce = None, reduction = "mean"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn nll_loss(
    py: Python<'_>,
    input: TensorArg,
    target: TensorArg,
    weight: Option<TensorArg>,
    size_average: Option<bool>,
    ignore_index: i64,
    reduce: Option<bool>,
    reduction: &str,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::NllLossOptions {
            weight: t(&weight),
            ignore_index,
            reduction: reduction_of(reduction, size_average, reduce)?,
        };
        out(py, F::nll_loss(&input.0, &target.0, o))
    })
}

#[pyfunction]
#[pyo3(signature = (input, target, weight = None, size_average = None, ignore_index = -100, reduce = None, reduction = "mean", label_smoothing = 0.0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn cross_entropy(
    py: Python<'_>,
    input: TensorArg,
    target: TensorArg,
    weight: Option<TensorArg>,
    size_average: Option<bool>,
    ignore_index: i64,
    reduce: Option<bool>,
    reduction: &str,
    label_smoothing: f64,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::CrossEntropyOptions {
            weight: t(&weight),
            ignore_index,
            reduction: reduction_of(reduction, size_average, reduce)?,
            label_smoothing,
        };
        out(py, F::cross_entropy(&input.0, &target.0, o))
    })
}
