//! `ember.Tensor`: the Python class over an engine tensor, its attributes and conversions.
//! The op methods are generated from the op table (`ops_table.rs`) or declared in one line
//! each (`ops.rs`); operators live in `operators.rs`.

use crate::convert::{Other, shape_args, tensor_from_data};
use crate::dtype::{DeviceArg, PyDType, PyDevice, dtype_obj, extract_dtype};
use crate::error::{OrRaise, guard, names};
use crate::tensor_convert::{convert_to, item_object, to_target, tolist};
use ember::{DType, Device, Tensor};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

/// `torch.Tensor`. Python subclasses (`nn.Parameter`) are allowed, attributes may be set
/// on instances, and weak references work, as on PyTorch's tensors.
#[pyclass(name = "Tensor", module = "ember", subclass, dict, weakref, frozen)]
pub struct PyTensor {
    pub t: Tensor,
}

/// A new Python tensor object for an engine tensor.
#[inline]
pub fn wrap(py: Python<'_>, t: Tensor) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyTensor { t })?.into_any())
}

static SIZE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Registers the Python `Size` class (a `tuple` subclass defined in `ember/__init__.py`).
#[pyfunction]
pub fn _set_size_class(py: Python<'_>, cls: Bound<'_, PyType>) {
    let _ = SIZE.set(py, cls.unbind());
}

/// `torch.Size(shape)`.
pub fn size_obj(py: Python<'_>, shape: &[usize]) -> PyResult<Py<PyAny>> {
    let tup = PyTuple::new(py, shape)?;
    match SIZE.get(py) {
        Some(cls) => Ok(cls.bind(py).call1((tup,))?.unbind()),
        None => Ok(tup.into_any().unbind()),
    }
}

#[pymethods]
impl PyTensor {
    /// The legacy constructor: `torch.Tensor([[1, 2]])` (float32 data), `torch.Tensor(2, 3)`
    /// (uninitialised), `torch.Tensor()` (empty). Subclasses pass `_wrap=tensor` to share
    /// an existing tensor (what `Tensor._make_subclass` does for `nn.Parameter`).
    #[new]
    #[pyo3(signature = (*args, **kwargs))]
    fn py_new(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        guard(|| {
            let mut dtype = ember::get_default_dtype();
            if let Some(kw) = kwargs {
                if let Some(w) = kw.get_item("_wrap")? {
                    let t = w.cast::<PyTensor>()?.get().t.clone();
                    let rg = match kw.get_item("_requires_grad")? {
                        Some(v) => v.is_truthy()?,
                        None => false,
                    };
                    let t = t.detach();
                    t.try_requires_grad_(rg).or_raise()?;
                    return Ok(PyTensor { t });
                }
                if let Some(d) = kw.get_item("dtype")? {
                    dtype = extract_dtype(&d)?;
                }
            }
            if args.is_empty() {
                return Ok(PyTensor {
                    t: ember::try_zeros_with([0usize], dtype).or_raise()?,
                });
            }
            let first = args.get_item(0)?;
            if args.len() == 1 && crate::convert::scalar(&first).is_none()
                || first.is_instance_of::<PyList>()
            {
                return Ok(PyTensor {
                    t: tensor_from_data(&first, Some(dtype))?,
                });
            }
            let shape = crate::convert::sizes(&shape_args(args)?)?;
            Ok(PyTensor {
                t: ember::try_zeros_with(shape.as_slice(), dtype).or_raise()?,
            })
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        guard(|| Ok(names(format!("{}", self.t))))
    }

    fn __str__(&self) -> PyResult<String> {
        self.__repr__()
    }

    fn __format__(slf: &Bound<'_, Self>, spec: &str) -> PyResult<String> {
        let t = &slf.get().t;
        // PyTorch formats a 0-dim tensor (of the exact Tensor type) as its Python number.
        if t.ndim() == 0 && slf.get_type().is(slf.py().get_type::<PyTensor>()) {
            let v = item_object(slf.py(), t)?;
            return v
                .bind(slf.py())
                .call_method1("__format__", (spec,))?
                .extract();
        }
        slf.get().__repr__()
    }

    fn __hash__(slf: &Bound<'_, Self>) -> isize {
        slf.as_ptr() as isize
    }

    fn __len__(&self) -> PyResult<usize> {
        match self.t.shape().first() {
            Some(&n) => Ok(n),
            None => Err(PyTypeError::new_err("len() of a 0-d tensor")),
        }
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guard(|| self.iter(py))
    }

    fn __bool__(&self) -> PyResult<bool> {
        guard(|| self.truth())
    }

    fn item(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guard(|| {
            if self.t.numel() != 1 {
                return Err(PyRuntimeError::new_err(format!(
                    "a Tensor with {} elements cannot be converted to Scalar",
                    self.t.numel()
                )));
            }
            item_object(py, &self.t)
        })
    }

    fn tolist(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guard(|| tolist(py, &self.t))
    }
}

impl PyTensor {
    fn iter(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if self.t.ndim() == 0 {
            return Err(PyTypeError::new_err("iteration over a 0-d tensor"));
        }
        let parts = self.t.try_unbind(0).or_raise()?;
        let list = PyList::empty(py);
        for p in parts {
            list.append(wrap(py, p)?)?;
        }
        Ok(list.try_iter()?.into_any().unbind())
    }

    fn truth(&self) -> PyResult<bool> {
        if self.t.numel() != 1 {
            return Err(PyRuntimeError::new_err(
                "Boolean value of Tensor with more than one value is ambiguous",
            ));
        }
        let v = self
            .t
            .try_to_dtype(DType::F64)
            .or_raise()?
            .try_item::<f64>()
            .or_raise()?;
        Ok(v != 0.0)
    }
}

#[pymethods]
impl PyTensor {
    fn __float__(&self) -> PyResult<f64> {
        if self.t.numel() != 1 {
            return Err(PyTypeError::new_err(
                "only one element tensors can be converted to Python scalars",
            ));
        }
        self.t
            .try_to_dtype(DType::F64)
            .or_raise()?
            .try_item::<f64>()
            .or_raise()
    }

    fn __int__(&self) -> PyResult<i64> {
        if self.t.numel() != 1 {
            return Err(PyTypeError::new_err(
                "only one element tensors can be converted to Python scalars",
            ));
        }
        let v = self
            .t
            .try_to_dtype(DType::F64)
            .or_raise()?
            .try_item::<f64>()
            .or_raise()?;
        Ok(v.trunc() as i64)
    }

    fn __index__(&self) -> PyResult<i64> {
        if self.t.numel() != 1 || self.t.dtype().is_floating_point() {
            return Err(PyTypeError::new_err(
                "only integer tensors of a single element can be converted to an index",
            ));
        }
        self.t
            .try_to_dtype(DType::I64)
            .or_raise()?
            .try_item::<i64>()
            .or_raise()
    }

    fn __contains__(&self, element: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Some(o) = Other::from_py(element)? else {
            return Err(PyRuntimeError::new_err(format!(
                "Tensor.__contains__ only supports Tensor or scalar, but you passed in a {}.",
                element.get_type().name()?
            )));
        };
        let eq = self.t.try_eq(o.operand()).or_raise()?;
        eq.try_any().or_raise()?.try_item::<bool>().or_raise()
    }

    // ---- attributes ----

    #[getter]
    fn shape(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        size_obj(py, self.t.shape())
    }

    #[pyo3(signature = (dim = None))]
    fn size(&self, py: Python<'_>, dim: Option<i64>) -> PyResult<Py<PyAny>> {
        match dim {
            None => size_obj(py, self.t.shape()),
            Some(d) => Ok(self
                .t
                .try_size_at(d)
                .or_raise()?
                .into_pyobject(py)?
                .into_any()
                .unbind()),
        }
    }

    #[pyo3(signature = (dim = None))]
    fn stride(&self, py: Python<'_>, dim: Option<i64>) -> PyResult<Py<PyAny>> {
        let strides = self.t.stride();
        match dim {
            None => Ok(PyTuple::new(py, strides)?.into_any().unbind()),
            Some(d) => {
                let n = strides.len() as i64;
                let i = if d < 0 { d + n } else { d };
                match strides.get(usize::try_from(i).unwrap_or(usize::MAX)) {
                    Some(s) => Ok(s.into_pyobject(py)?.into_any().unbind()),
                    None => Err(pyo3::exceptions::PyIndexError::new_err(format!(
                        "Dimension out of range (expected to be in range of [{}, {}], but got {d})",
                        -n.max(1),
                        (n - 1).max(0)
                    ))),
                }
            }
        }
    }

    fn storage_offset(&self) -> usize {
        self.t.storage_offset()
    }

    #[getter]
    fn dtype(&self, py: Python<'_>) -> Py<PyDType> {
        dtype_obj(py, self.t.dtype())
    }

    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice::of(self.t.device())
    }

    #[getter]
    fn is_cuda(&self) -> bool {
        self.t.device().is_cuda()
    }

    #[getter]
    fn is_cpu(&self) -> bool {
        self.t.device() == Device::Cpu
    }

    #[getter]
    fn is_meta(&self) -> bool {
        self.t.device().is_meta()
    }

    #[getter]
    fn is_sparse(&self) -> bool {
        false
    }

    #[getter]
    fn is_quantized(&self) -> bool {
        false
    }

    #[getter]
    fn ndim(&self) -> usize {
        self.t.ndim()
    }

    fn dim(&self) -> usize {
        self.t.ndim()
    }

    fn ndimension(&self) -> usize {
        self.t.ndim()
    }

    fn numel(&self) -> usize {
        self.t.numel()
    }

    fn nelement(&self) -> usize {
        self.t.numel()
    }

    fn element_size(&self) -> usize {
        self.t.dtype().size_in_bytes()
    }

    #[getter]
    fn itemsize(&self) -> usize {
        self.t.dtype().size_in_bytes()
    }

    #[getter]
    fn nbytes(&self) -> usize {
        self.t.dtype().size_in_bytes() * self.t.numel()
    }

    fn is_floating_point(&self) -> bool {
        self.t.dtype().is_floating_point()
    }

    fn is_complex(&self) -> bool {
        false
    }

    fn is_signed(&self) -> bool {
        self.t.dtype().is_signed()
    }

    #[pyo3(signature = (memory_format = None))]
    fn is_contiguous(&self, memory_format: Option<&Bound<'_, PyAny>>) -> bool {
        let _ = memory_format;
        self.t.is_contiguous()
    }

    fn data_ptr(&self) -> usize {
        self.t.data_ptr()
    }

    #[getter]
    fn _version(&self) -> u64 {
        self.t.version()
    }

    #[getter]
    fn _base(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.t.base().map(|b| wrap(py, b.clone())).transpose()
    }

    fn _is_view(&self) -> bool {
        self.t.is_view()
    }

    fn is_set_to(&self, other: &PyTensor) -> bool {
        self.t.data_ptr() == other.t.data_ptr()
            && self.t.shape() == other.t.shape()
            && self.t.stride() == other.t.stride()
    }

    #[getter]
    fn data(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, self.t.data())
    }

    #[setter]
    fn set_data(&self, value: &PyTensor) -> PyResult<()> {
        guard(|| {
            if value.t.shape() != self.t.shape() || value.t.dtype() != self.t.dtype() {
                return Err(PyRuntimeError::new_err(
                    "ember: assigning .data a tensor of another shape or dtype is not supported; assign the new tensor itself",
                ));
            }
            let _g = ember::no_grad();
            self.t.data().try_copy_(&value.t).or_raise()?;
            Ok(())
        })
    }

    #[getter(T)]
    fn big_t(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let n = self.t.ndim() as i64;
        let dims: Vec<i64> = (0..n).rev().collect();
        wrap(py, self.t.try_permute(dims).or_raise()?)
    }

    #[getter(mT)]
    fn m_t(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, self.t.try_transpose(-2, -1).or_raise()?)
    }

    #[getter]
    fn requires_grad(&self) -> bool {
        self.t.requires_grad()
    }

    #[setter(requires_grad)]
    fn set_requires_grad(&self, value: bool) -> PyResult<()> {
        if value && !self.t.dtype().is_floating_point() {
            // The attribute setter words it as PyTorch's factories do (the method does not).
            return Err(PyRuntimeError::new_err(
                "only Tensors of floating point and complex dtype can require gradients",
            ));
        }
        self.t.try_requires_grad_(value).or_raise().map(|_| ())
    }

    #[pyo3(signature = (requires_grad = true))]
    fn requires_grad_(slf: &Bound<'_, Self>, requires_grad: bool) -> PyResult<Py<Self>> {
        slf.get().t.try_requires_grad_(requires_grad).or_raise()?;
        Ok(slf.clone().unbind())
    }

    #[getter]
    fn is_leaf(&self) -> bool {
        self.t.is_leaf()
    }

    #[getter]
    fn grad(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        // The engine gives PyTorch's warning for a non-leaf; see `forward_warnings`.
        self.t.grad().map(|g| wrap(py, g)).transpose()
    }

    #[setter(grad)]
    fn set_grad(&self, value: Option<&PyTensor>) -> PyResult<()> {
        if let Some(g) = value {
            if g.t.shape() != self.t.shape() {
                return Err(PyRuntimeError::new_err(
                    "assigned grad has data of a different size",
                ));
            }
            if g.t.dtype() != self.t.dtype() {
                return Err(PyRuntimeError::new_err(
                    "assigned grad has data of a different type",
                ));
            }
        }
        self.t.set_grad(value.map(|g| g.t.clone()));
        Ok(())
    }

    #[getter]
    fn grad_fn(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match self.t.grad_fn() {
            Some(f) => Ok(Some(crate::autograd::node_obj(py, f)?)),
            None => Ok(None),
        }
    }

    #[getter]
    fn retains_grad(&self) -> bool {
        self.t.retains_grad()
    }

    fn retain_grad(&self) -> PyResult<()> {
        self.t.try_retain_grad().or_raise()
    }

    fn detach(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, self.t.detach())
    }

    fn detach_(slf: &Bound<'_, Self>) -> Py<Self> {
        slf.get().t.detach_();
        slf.clone().unbind()
    }

    // ---- conversions ----

    #[pyo3(signature = (*args, **kwargs))]
    fn to(
        slf: &Bound<'_, Self>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let t = &slf.get().t;
        let (dt, dev, copy) = to_target(t, args, kwargs)?;
        let r = convert_to(t, dt, dev, copy).or_raise()?;
        if r.is(t) {
            return Ok(slf.clone().into_any().unbind());
        }
        wrap(slf.py(), r)
    }

    #[pyo3(signature = (memory_format = None))]
    fn cpu(slf: &Bound<'_, Self>, memory_format: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let _ = memory_format;
        let t = &slf.get().t;
        if t.device() == Device::Cpu {
            return Ok(slf.clone().into_any().unbind());
        }
        wrap(slf.py(), t.try_to_device(Device::Cpu).or_raise()?)
    }

    #[pyo3(signature = (device = None, non_blocking = false))]
    fn cuda(
        &self,
        py: Python<'_>,
        device: Option<DeviceArg>,
        non_blocking: bool,
    ) -> PyResult<Py<PyAny>> {
        let _ = non_blocking;
        let d = match device.map(|d| d.0) {
            Some(Device::Cuda(i)) => Device::Cuda(i),
            _ => Device::Cuda(0),
        };
        wrap(py, self.t.try_to_device(d).or_raise()?)
    }

    #[pyo3(signature = (dtype = None, non_blocking = false))]
    fn r#type(
        &self,
        py: Python<'_>,
        dtype: Option<&Bound<'_, PyAny>>,
        non_blocking: bool,
    ) -> PyResult<Py<PyAny>> {
        let _ = non_blocking;
        match dtype {
            None => Ok(crate::dtype::legacy_type_name(self.t.dtype())
                .into_pyobject(py)?
                .into_any()
                .unbind()),
            Some(d) => {
                let dt = match d.extract::<String>() {
                    Ok(s) => crate::dtype::from_legacy_type_name(&s)?,
                    Err(_) => extract_dtype(d)?,
                };
                wrap(py, self.t.try_to_dtype(dt).or_raise()?)
            }
        }
    }

    fn type_as(&self, py: Python<'_>, other: &PyTensor) -> PyResult<Py<PyAny>> {
        wrap(py, self.t.try_to_dtype(other.t.dtype()).or_raise()?)
    }

    #[pyo3(signature = (force = false))]
    fn numpy(slf: &Bound<'_, Self>, force: bool) -> PyResult<Py<PyAny>> {
        crate::numpy_bridge::to_numpy(slf, force)
    }

    #[pyo3(signature = (dtype = None, copy = None))]
    fn __array__(
        slf: &Bound<'_, Self>,
        dtype: Option<&Bound<'_, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Py<PyAny>> {
        let _ = copy;
        let a = crate::numpy_bridge::to_numpy(slf, true)?;
        match dtype {
            Some(d) if !d.is_none() => Ok(a.bind(slf.py()).call_method1("astype", (d,))?.unbind()),
            _ => Ok(a),
        }
    }

    #[classattr]
    fn __array_priority__() -> i64 {
        1000
    }

    /// NumPy's binary operators defer to the tensor's reflected ones (`ndarray + tensor`
    /// gives a tensor, as in PyTorch).
    #[classattr]
    fn __array_ufunc__() -> Option<i64> {
        None
    }

    fn __deepcopy__(&self, py: Python<'_>, _memo: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let c = {
            let _g = ember::no_grad();
            self.t.detach().try_clone_tensor().or_raise()?
        };
        if self.t.requires_grad() && self.t.is_leaf() {
            c.try_requires_grad_(true).or_raise()?;
        }
        wrap(py, c)
    }

    // ---- autograd ----

    #[pyo3(signature = (gradient = None, retain_graph = None, create_graph = false, inputs = None))]
    fn backward(
        &self,
        py: Python<'_>,
        gradient: Option<&PyTensor>,
        retain_graph: Option<bool>,
        create_graph: bool,
        inputs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        crate::autograd::run_backward(
            py,
            vec![self.t.clone()],
            vec![gradient.map(|g| g.t.clone())],
            retain_graph,
            create_graph,
            inputs,
        )
    }

    fn register_hook(&self, py: Python<'_>, hook: Py<PyAny>) -> PyResult<Py<PyAny>> {
        crate::autograd::register_tensor_hook(py, &self.t, hook)
    }
}
