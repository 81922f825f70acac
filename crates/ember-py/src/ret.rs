//! What an op binding returns to Python, from whatever the engine call gave.

use crate::error::to_py;
use crate::tensor::{PyTensor, wrap};
use ember::Tensor;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;

/// `self`, for in-place ops and methods that return their receiver.
pub struct SelfRet;

/// `(values, indices)` of `max(dim)`, `min(dim)`, `sort`, …, as PyTorch's named tuple
/// `torch.return_types.<name>`.
pub struct Named(pub &'static str, pub Tensor, pub Tensor);

/// A Python object made by the binding itself.
pub struct Obj(pub Py<PyAny>);

static RETURN_TYPE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Registers the Python factory of `torch.return_types.*` (`ember/__init__.py`).
#[pyfunction]
pub fn _set_return_type_factory(py: Python<'_>, f: Py<PyAny>) {
    let _ = RETURN_TYPE.set(py, f);
}

/// A value the bindings can hand to Python.
pub trait RetVal {
    fn into_py_ret(self, py: Python<'_>, slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>>;
}

impl RetVal for Tensor {
    #[inline]
    fn into_py_ret(self, py: Python<'_>, _slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        wrap(py, self)
    }
}

impl RetVal for SelfRet {
    #[inline]
    fn into_py_ret(self, _py: Python<'_>, slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        Ok(slf.clone().into_any().unbind())
    }
}

impl RetVal for Obj {
    fn into_py_ret(self, _py: Python<'_>, _slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        Ok(self.0)
    }
}

impl RetVal for Vec<Tensor> {
    fn into_py_ret(self, py: Python<'_>, _slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        tuple_of(py, self)
    }
}

impl RetVal for Named {
    fn into_py_ret(self, py: Python<'_>, _slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        named(py, self)
    }
}

/// A tuple of tensors.
pub fn tuple_of(py: Python<'_>, ts: Vec<Tensor>) -> PyResult<Py<PyAny>> {
    let items: Vec<Py<PyAny>> = ts
        .into_iter()
        .map(|t| wrap(py, t))
        .collect::<PyResult<_>>()?;
    Ok(PyTuple::new(py, items)?.into_any().unbind())
}

/// `torch.return_types.<name>(values, indices)`.
pub fn named(py: Python<'_>, n: Named) -> PyResult<Py<PyAny>> {
    let Named(name, a, b) = n;
    let (a, b) = (wrap(py, a)?, wrap(py, b)?);
    match RETURN_TYPE.get(py) {
        Some(f) => Ok(f.call1(py, (name, a, b))?),
        None => Ok(PyTuple::new(py, [a, b])?.into_any().unbind()),
    }
}

/// The result of a binding body: an engine result or a Python one.
pub trait Ret {
    fn ret(self, py: Python<'_>, slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>>;
}

impl<T: RetVal> Ret for ember::Result<T> {
    #[inline]
    fn ret(self, py: Python<'_>, slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        self.map_err(to_py)?.into_py_ret(py, slf)
    }
}

impl<T: RetVal> Ret for PyResult<T> {
    #[inline]
    fn ret(self, py: Python<'_>, slf: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        self?.into_py_ret(py, slf)
    }
}
