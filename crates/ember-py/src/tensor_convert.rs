//! Tensor conversions and factories: Python numbers and lists out of tensors (`item`,
//! `tolist`), `x.to(...)`'s argument forms, and `x.new_*(...)`.

use crate::convert::{shape_args, tensor_from_data};
use crate::dtype::{DTypeArg, DeviceArg, PyDType, extract_dtype};
use crate::error::OrRaise;
use crate::tensor::{PyTensor, wrap};
use ember::{DType, Device, Tensor};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

/// The Python number a one-element tensor holds (`x.item()`).
pub fn item_object(py: Python<'_>, t: &Tensor) -> PyResult<Py<PyAny>> {
    let dt = t.dtype();
    Ok(if dt == DType::Bool {
        t.try_item::<bool>()
            .or_raise()?
            .into_pyobject(py)?
            .to_owned()
            .into_any()
            .unbind()
    } else if dt.is_floating_point() {
        let v = if dt == DType::F64 {
            t.try_item::<f64>().or_raise()?
        } else {
            t.try_to_dtype(DType::F64)
                .or_raise()?
                .try_item::<f64>()
                .or_raise()?
        };
        v.into_pyobject(py)?.into_any().unbind()
    } else {
        let v = t
            .try_to_dtype(DType::I64)
            .or_raise()?
            .try_item::<i64>()
            .or_raise()?;
        v.into_pyobject(py)?.into_any().unbind()
    })
}

/// `x.tolist()`: nested lists of Python numbers.
pub fn tolist(py: Python<'_>, t: &Tensor) -> PyResult<Py<PyAny>> {
    let dt = t.dtype();
    let shape = t.shape().to_vec();
    if shape.is_empty() {
        return item_object(py, t);
    }
    let flat: Vec<Py<PyAny>> = if dt == DType::Bool {
        t.try_to_vec::<bool>()
            .or_raise()?
            .into_iter()
            .map(|v| Ok::<_, PyErr>(v.into_pyobject(py)?.to_owned().into_any().unbind()))
            .collect::<PyResult<_>>()?
    } else if dt.is_floating_point() {
        t.try_to_dtype(DType::F64)
            .or_raise()?
            .try_to_vec::<f64>()
            .or_raise()?
            .into_iter()
            .map(|v| Ok::<_, PyErr>(v.into_pyobject(py)?.into_any().unbind()))
            .collect::<PyResult<_>>()?
    } else {
        t.try_to_dtype(DType::I64)
            .or_raise()?
            .try_to_vec::<i64>()
            .or_raise()?
            .into_iter()
            .map(|v| Ok::<_, PyErr>(v.into_pyobject(py)?.into_any().unbind()))
            .collect::<PyResult<_>>()?
    };
    fn nest(
        py: Python<'_>,
        shape: &[usize],
        items: &mut std::vec::IntoIter<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let list = PyList::empty(py);
        if shape.len() == 1 {
            for _ in 0..shape[0] {
                if let Some(v) = items.next() {
                    list.append(v)?;
                }
            }
        } else {
            for _ in 0..shape[0] {
                list.append(nest(py, &shape[1..], items)?)?;
            }
        }
        Ok(list.into_any().unbind())
    }
    nest(py, &shape, &mut flat.into_iter())
}

/// Parses `x.to(...)`'s arguments: a device, a dtype, a tensor (its dtype and device), in
/// any of PyTorch's positional and keyword forms.
pub(crate) fn to_target(
    t: &Tensor,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(DType, Device, bool)> {
    let mut dtype = t.dtype();
    let mut device = t.device();
    let mut copy = false;
    for a in args.iter() {
        if let Ok(o) = a.cast::<PyTensor>() {
            dtype = o.get().t.dtype();
            device = o.get().t.device();
        } else if let Ok(d) = a.cast::<PyDType>() {
            dtype = d.get().dt;
        } else if a.is_none() {
        } else if a.is_instance_of::<pyo3::types::PyBool>() {
            // non_blocking (positional): no effect on the CPU.
        } else {
            device = a.extract::<DeviceArg>()?.0;
        }
    }
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            let k: String = k.extract()?;
            match k.as_str() {
                "dtype" if !v.is_none() => dtype = extract_dtype(&v)?,
                "device" if !v.is_none() => device = v.extract::<DeviceArg>()?.0,
                "copy" => copy = v.is_truthy()?,
                "dtype" | "device" | "non_blocking" | "memory_format" => {}
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "to() received an invalid combination of arguments - got an unexpected keyword argument '{other}'"
                    )));
                }
            }
        }
    }
    Ok((dtype, device, copy))
}

/// `t.to(dtype, device)` as the engine does it: the same tensor when nothing changes.
pub fn convert_to(t: &Tensor, dtype: DType, device: Device, copy: bool) -> ember::Result<Tensor> {
    let mut r = t.clone();
    if r.dtype() != dtype {
        r = r.try_to_dtype(dtype)?;
    }
    if r.device() != device {
        r = r.try_to_device(device)?;
    }
    if copy && r.is(t) {
        r = r.try_clone_tensor()?;
    }
    Ok(r)
}

#[pymethods]
impl PyTensor {
    #[pyo3(signature = (data, *, dtype = None, device = None, requires_grad = false))]
    fn new_tensor(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        dtype: Option<DTypeArg>,
        device: Option<DeviceArg>,
        requires_grad: bool,
    ) -> PyResult<Py<PyAny>> {
        let _ = device;
        let t = tensor_from_data(data, Some(dtype.map_or(self.t.dtype(), |d| d.0)))?;
        t.try_requires_grad_(requires_grad).or_raise()?;
        wrap(py, t)
    }

    #[pyo3(signature = (*size, dtype = None, device = None, requires_grad = false))]
    fn new_zeros(
        &self,
        py: Python<'_>,
        size: &Bound<'_, PyTuple>,
        dtype: Option<DTypeArg>,
        device: Option<DeviceArg>,
        requires_grad: bool,
    ) -> PyResult<Py<PyAny>> {
        self.new_filled(
            py,
            size,
            Some(ember::Scalar::Int(0)),
            dtype,
            device,
            requires_grad,
        )
    }

    #[pyo3(signature = (*size, dtype = None, device = None, requires_grad = false))]
    fn new_ones(
        &self,
        py: Python<'_>,
        size: &Bound<'_, PyTuple>,
        dtype: Option<DTypeArg>,
        device: Option<DeviceArg>,
        requires_grad: bool,
    ) -> PyResult<Py<PyAny>> {
        self.new_filled(
            py,
            size,
            Some(ember::Scalar::Int(1)),
            dtype,
            device,
            requires_grad,
        )
    }

    #[pyo3(signature = (*size, dtype = None, device = None, requires_grad = false))]
    fn new_empty(
        &self,
        py: Python<'_>,
        size: &Bound<'_, PyTuple>,
        dtype: Option<DTypeArg>,
        device: Option<DeviceArg>,
        requires_grad: bool,
    ) -> PyResult<Py<PyAny>> {
        self.new_filled(py, size, None, dtype, device, requires_grad)
    }

    #[pyo3(signature = (size, fill_value, *, dtype = None, device = None, requires_grad = false))]
    fn new_full(
        &self,
        py: Python<'_>,
        size: &Bound<'_, PyAny>,
        fill_value: crate::convert::ScalarArg,
        dtype: Option<DTypeArg>,
        device: Option<DeviceArg>,
        requires_grad: bool,
    ) -> PyResult<Py<PyAny>> {
        let size = PyTuple::new(py, [size])?;
        self.new_filled(py, &size, Some(fill_value.0), dtype, device, requires_grad)
    }
}

impl PyTensor {
    fn new_filled(
        &self,
        py: Python<'_>,
        size: &Bound<'_, PyTuple>,
        value: Option<ember::Scalar>,
        dtype: Option<DTypeArg>,
        device: Option<DeviceArg>,
        requires_grad: bool,
    ) -> PyResult<Py<PyAny>> {
        let shape = crate::convert::sizes(&shape_args(size)?)?;
        let opts = ember::TensorOptions::new()
            .dtype(dtype.map_or(self.t.dtype(), |d| d.0))
            .device(device.map_or(self.t.device(), |d| d.0))
            .requires_grad(requires_grad);
        let t = match value {
            Some(v) => ember::try_full_with(shape.as_slice(), v, opts),
            None => ember::try_empty_with(shape.as_slice(), opts),
        }
        .or_raise()?;
        wrap(py, t)
    }
}
