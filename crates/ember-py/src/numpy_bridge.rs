//! NumPy without copies: `torch.from_numpy(a)` shares the array's memory and `x.numpy()`
//! shares the tensor's, so writes on either side are seen on the other, as in PyTorch.
//! See Note [Foreign memory] in the engine.

use crate::error::OrRaise;
use crate::tensor::PyTensor;
use ember::{DType, Tensor};
use numpy::PyArray;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static NDARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// True for NumPy arrays. NumPy is never imported here: if the program has not imported it,
/// nothing is an array (importing it would also start OpenBLAS's threads, which then compete
/// with the engine's for the cores).
pub fn is_ndarray(obj: &Bound<'_, PyAny>) -> bool {
    let py = obj.py();
    if obj.is_instance_of::<PyTensor>()
        || obj.is_instance_of::<pyo3::types::PyFloat>()
        || obj.is_instance_of::<pyo3::types::PyInt>()
    {
        return false;
    }
    let ty = match NDARRAY.get(py) {
        Some(t) => t,
        None => {
            let found = py
                .import("sys")
                .and_then(|sys| sys.getattr("modules"))
                .and_then(|m| m.get_item("numpy"))
                .and_then(|np| np.getattr("ndarray"))
                .and_then(|t| t.cast_into::<PyType>().map_err(Into::into));
            match found {
                Ok(t) => {
                    let _ = NDARRAY.set(py, t.unbind());
                    match NDARRAY.get(py) {
                        Some(t) => t,
                        None => return false,
                    }
                }
                Err(_) => return false,
            }
        }
    };
    obj.is_instance(ty.bind(py)).unwrap_or(false)
}

fn dtype_of(arr: &Bound<'_, PyAny>) -> PyResult<DType> {
    let d = arr.getattr("dtype")?;
    let kind: String = d.getattr("kind")?.extract()?;
    let size: usize = d.getattr("itemsize")?.extract()?;
    Ok(match (kind.as_str(), size) {
        ("f", 8) => DType::F64,
        ("f", 4) => DType::F32,
        ("f", 2) => DType::F16,
        ("i", 8) => DType::I64,
        ("i", 4) => DType::I32,
        ("i", 2) => DType::I16,
        ("i", 1) => DType::I8,
        ("u", 1) => DType::U8,
        ("b", 1) => DType::Bool,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "can't convert np.ndarray of type numpy.{}. The only supported types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.",
                d.getattr("type")?
                    .getattr("__name__")?
                    .extract::<String>()?
            )));
        }
    })
}

/// `torch.from_numpy(a)`: a tensor over the array's own memory.
pub fn share_numpy(arr: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    if !is_ndarray(arr) {
        return Err(PyTypeError::new_err(format!(
            "expected np.ndarray (got {})",
            arr.get_type().name()?
        )));
    }
    let dt = dtype_of(arr)?;
    let d = arr.getattr("dtype")?;
    let order: String = d.getattr("byteorder")?.extract()?;
    let native = if cfg!(target_endian = "little") {
        "<"
    } else {
        ">"
    };
    if order != "=" && order != "|" && order != native {
        return Err(PyValueError::new_err(
            "given numpy array has byte order different from the native byte order. Conversion between byte orders is currently not supported.",
        ));
    }
    let shape: Vec<usize> = arr.getattr("shape")?.extract()?;
    let byte_strides: Vec<isize> = arr.getattr("strides")?.extract()?;
    let item = dt.size_in_bytes() as isize;
    let mut strides = Vec::with_capacity(shape.len());
    for &s in &byte_strides {
        if s < 0 {
            return Err(PyValueError::new_err(
                "At least one stride in the given numpy array is negative, and tensors with negative strides are not currently supported. (You can probably work around this by making a copy of your array  with array.copy().) ",
            ));
        }
        if s % item != 0 {
            return Err(PyValueError::new_err(
                "given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory.",
            ));
        }
        strides.push((s / item) as usize);
    }
    let numel: usize = shape.iter().product();
    let len = if numel == 0 {
        0
    } else {
        1 + shape
            .iter()
            .zip(&strides)
            .map(|(&n, &s)| (n - 1) * s)
            .sum::<usize>()
    };
    let iface = arr.getattr("__array_interface__")?;
    let (addr, _ro): (usize, bool) = iface.get_item("data")?.extract()?;
    let owner: Box<dyn std::any::Any + Send + Sync> = Box::new(arr.clone().unbind());
    let ptr = match std::ptr::NonNull::new(addr as *mut u8) {
        Some(p) => p,
        // An empty array may have no memory: any aligned dangling pointer will do.
        None if len == 0 => std::ptr::NonNull::<u64>::dangling().cast(),
        None => return Err(PyRuntimeError::new_err("numpy array has no data")),
    };
    // SAFETY: the array owns `len` elements of `dt` at `ptr` (its shape and strides say so),
    // and the tensor keeps the array alive through `owner`; NumPy never moves an array's
    // memory while the array lives.
    unsafe { Tensor::from_blob(ptr, &shape, &strides, 0, dt, len, owner) }.or_raise()
}

/// A contiguous copy of any array, in native byte order.
pub fn copy_from_numpy(arr: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    let np = arr.py().import("numpy")?;
    // ascontiguousarray makes a 0-dim array 1-dim; the reshape gives the 0-dim shape back.
    let mut a = np
        .call_method1("ascontiguousarray", (arr,))?
        .call_method1("reshape", (arr.getattr("shape")?,))?;
    let order: String = a.getattr("dtype")?.getattr("byteorder")?.extract()?;
    if order == ">" || order == "<" {
        let native = a.getattr("dtype")?.call_method1("newbyteorder", ("=",))?;
        a = a.call_method1("astype", (native,))?;
    }
    share_numpy(&a)?.try_clone_tensor().or_raise()
}

/// `x.numpy()`: an array over the tensor's memory, keeping the tensor alive.
pub fn to_numpy(slf: &Bound<'_, PyTensor>, force: bool) -> PyResult<Py<PyAny>> {
    let t = &slf.get().t;
    if t.requires_grad() && !force {
        return Err(PyRuntimeError::new_err(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
        ));
    }
    if t.device().is_cuda() {
        return Err(PyTypeError::new_err(format!(
            "can't convert {} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.",
            t.device()
        )));
    }
    let shape = ndarray::IxDyn(t.shape());
    let strides = ndarray::IxDyn(t.stride());
    let ptr = t.data_ptr();
    let container = slf.clone().into_any();
    macro_rules! view {
        ($ty:ty) => {{
            use ndarray::ShapeBuilder;
            // SAFETY: the layout stays inside the tensor's storage (an engine invariant), the
            // storage's memory never moves (Note [Foreign memory]), and `container` (the
            // tensor object) keeps it alive for as long as the array lives.
            let v = unsafe {
                ndarray::ArrayViewD::<$ty>::from_shape_ptr(
                    shape.strides(strides),
                    ptr as *const $ty,
                )
            };
            // SAFETY: as above; the array takes `container` as its base object.
            let a = unsafe { PyArray::<$ty, ndarray::IxDyn>::borrow_from_array(&v, container) };
            Ok(a.into_any().unbind())
        }};
    }
    match t.dtype() {
        DType::F32 => view!(f32),
        DType::F64 => view!(f64),
        DType::F16 => view!(half::f16),
        DType::I64 => view!(i64),
        DType::I32 => view!(i32),
        DType::I16 => view!(i16),
        DType::I8 => view!(i8),
        DType::U8 => view!(u8),
        DType::Bool => view!(bool),
        DType::BF16 => Err(PyTypeError::new_err("Got unsupported ScalarType BFloat16")),
    }
}

/// `torch.from_numpy(ndarray)`.
#[pyfunction]
pub fn from_numpy(py: Python<'_>, ndarray: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    crate::error::guard(|| crate::tensor::wrap(py, share_numpy(ndarray)?))
}
