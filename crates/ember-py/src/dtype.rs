//! `ember.dtype` and `ember.device`: the objects `x.dtype` and `x.device` return.

use crate::error::{OrRaise, prefix};
use ember::{DType, Device};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

/// `torch.dtype`: one object per dtype, so `x.dtype is torch.float32` holds.
#[pyclass(name = "dtype", module = "ember", frozen, eq, hash)]
#[derive(PartialEq, Eq, Hash, Clone, Copy)]
pub struct PyDType {
    pub dt: DType,
}

#[pymethods]
impl PyDType {
    fn __repr__(&self) -> String {
        format!("{}.{}", prefix(), self.dt.name())
    }

    #[getter]
    fn is_floating_point(&self) -> bool {
        self.dt.is_floating_point()
    }

    #[getter]
    fn is_signed(&self) -> bool {
        self.dt.is_signed()
    }

    #[getter]
    fn is_complex(&self) -> bool {
        false
    }

    #[getter]
    fn itemsize(&self) -> usize {
        self.dt.size_in_bytes()
    }

    fn to_real(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __reduce__(&self) -> String {
        self.dt.name().to_string()
    }
}

static DTYPES: PyOnceLock<Vec<Py<PyDType>>> = PyOnceLock::new();

/// The singleton object of a dtype.
pub fn dtype_obj(py: Python<'_>, dt: DType) -> Py<PyDType> {
    let all = DTYPES.get_or_init(py, || {
        DType::ALL
            .iter()
            .map(|&dt| Py::new(py, PyDType { dt }).expect("dtype object"))
            .collect()
    });
    let i = DType::ALL.iter().position(|&d| d == dt).unwrap_or(0);
    all[i].clone_ref(py)
}

/// A dtype argument: an `ember.dtype`, or Python's `float`/`int`/`bool` as PyTorch takes them.
pub fn extract_dtype(obj: &Bound<'_, PyAny>) -> PyResult<DType> {
    if let Ok(d) = obj.cast::<PyDType>() {
        return Ok(d.get().dt);
    }
    if let Ok(t) = obj.cast::<PyType>() {
        let py = obj.py();
        if t.is(py.get_type::<pyo3::types::PyFloat>()) {
            return Ok(DType::F64);
        }
        if t.is(py.get_type::<pyo3::types::PyBool>()) {
            return Ok(DType::Bool);
        }
        if t.is(py.get_type::<pyo3::types::PyInt>()) {
            return Ok(DType::I64);
        }
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_str()?;
        if let Some(dt) = DType::from_name(s) {
            return Ok(dt);
        }
    }
    Err(PyTypeError::new_err(format!(
        "dtype must be ember.dtype, not {}",
        obj.get_type().name()?
    )))
}

/// A dtype wrapper for signatures (`dtype=None`).
pub struct DTypeArg(pub DType);

impl<'a, 'py> FromPyObject<'a, 'py> for DTypeArg {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        extract_dtype(&obj).map(DTypeArg)
    }
}

/// `torch.device`.
#[pyclass(name = "device", module = "ember", frozen, eq, hash)]
#[derive(PartialEq, Eq, Hash, Clone, Copy)]
pub struct PyDevice {
    pub d: Device,
    /// `torch.device("cuda")` has no index (`index` is None) yet means device 0.
    pub explicit_index: bool,
}

#[pymethods]
impl PyDevice {
    #[new]
    #[pyo3(signature = (r#type, index = None))]
    fn new(r#type: &Bound<'_, PyAny>, index: Option<usize>) -> PyResult<Self> {
        if let Ok(d) = r#type.cast::<PyDevice>() {
            return Ok(*d.get());
        }
        if let Ok(i) = r#type.extract::<usize>() {
            return Ok(PyDevice {
                d: Device::Cuda(i),
                explicit_index: true,
            });
        }
        let s: String = r#type.extract()?;
        let explicit_index = s.contains(':') || index.is_some();
        let d = match (s.parse::<Device>().or_raise()?, index) {
            (Device::Cuda(_), Some(i)) => Device::Cuda(i),
            (Device::Cpu, Some(i)) if i != 0 => {
                return Err(PyRuntimeError::new_err(format!(
                    "CPU device index must be -1 or zero, got {i}"
                )));
            }
            (d, _) => d,
        };
        Ok(PyDevice {
            d,
            explicit_index: explicit_index && d.is_cuda(),
        })
    }

    #[getter]
    fn r#type(&self) -> &'static str {
        match self.d {
            Device::Cpu => "cpu",
            Device::Cuda(_) => "cuda",
            Device::Meta => "meta",
        }
    }

    #[getter]
    fn index(&self) -> Option<usize> {
        match self.d {
            Device::Cuda(i) if self.explicit_index => Some(i),
            _ => None,
        }
    }

    fn __repr__(&self) -> String {
        match self.index() {
            Some(i) => format!("device(type='{}', index={i})", self.r#type()),
            None => format!("device(type='{}')", self.r#type()),
        }
    }

    fn __str__(&self) -> String {
        match self.index() {
            Some(i) => format!("{}:{i}", self.r#type()),
            None => self.r#type().to_string(),
        }
    }

    /// `with torch.device("meta"):` makes this the default device of the block.
    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        let prev = ember::set_default_device(slf.d);
        DEVICE_STACK.with(|s| s.borrow_mut().push(prev));
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        if let Some(prev) = DEVICE_STACK.with(|s| s.borrow_mut().pop()) {
            ember::set_default_device(prev);
        }
        false
    }
}

thread_local! {
    /// The defaults that `with device:` blocks replaced, innermost last.
    static DEVICE_STACK: std::cell::RefCell<Vec<Device>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `torch.set_default_device(device)`: the device factories use when not told one (`None`
/// means the CPU). Per thread, as ember's engine keeps it.
#[pyfunction]
pub fn set_default_device(device: Option<DeviceArg>) {
    ember::set_default_device(device.map_or(Device::Cpu, |d| d.0));
}

/// `torch.get_default_device()`.
#[pyfunction]
pub fn get_default_device() -> PyDevice {
    PyDevice::of(ember::get_default_device())
}

impl PyDevice {
    pub fn of(d: Device) -> PyDevice {
        PyDevice {
            d,
            explicit_index: d.is_cuda(),
        }
    }
}

/// A device argument: an `ember.device`, a string (`"cpu"`, `"cuda:0"`) or a CUDA index.
pub struct DeviceArg(pub Device);

impl<'a, 'py> FromPyObject<'a, 'py> for DeviceArg {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        PyDevice::new(&obj, None).map(|d| DeviceArg(d.d))
    }
}

/// `x.type()`: PyTorch's legacy name of a CPU tensor type (`torch.FloatTensor`).
pub fn legacy_type_name(dt: DType) -> String {
    format!("{}.{}", prefix(), dt.legacy_name())
}

/// The dtype of a legacy type name (`"torch.DoubleTensor"`).
pub fn from_legacy_type_name(name: &str) -> PyResult<DType> {
    let short = name.rsplit('.').next().unwrap_or(name);
    DType::ALL
        .iter()
        .copied()
        .find(|d| d.legacy_name() == short)
        .ok_or_else(|| PyRuntimeError::new_err(format!("invalid type: '{name}'")))
}
