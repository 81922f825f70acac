//! `torch.save` / `torch.load`: Python objects ↔ the engine's checkpoint values
//! (`ember::io::Object`), written and read by the engine's `.pt` code, which runs no Python
//! and accepts only the globals that rebuild tensors and containers.

use crate::dtype::DeviceArg;
use crate::error::{OrRaise, guard, names, to_py};
use crate::tensor::{PyTensor, wrap};
use ember::io::Object;
use ember::{Device, Tensor};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use std::collections::HashMap;
use std::path::PathBuf;

/// How deep containers may nest (the engine's own limit).
const MAX_DEPTH: usize = 256;

/// How many tensors at one address are searched for the one being converted.
const MAX_ALIASES: usize = 64;

static ORDERED_DICT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PARAMETER: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UNPICKLING_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn ordered_dict(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    ORDERED_DICT.import(py, "collections", "OrderedDict")
}

fn parameter_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    PARAMETER.import(py, "ember.nn", "Parameter")
}

/// An engine error as Python sees it: a refused pickle is the `pickle.UnpicklingError`
/// PyTorch's `weights_only` loader raises.
fn raise(py: Python<'_>, e: ember::Error) -> PyErr {
    match e {
        ember::Error::Unpickling(m) => {
            match UNPICKLING_ERROR.import(py, "pickle", "UnpicklingError") {
                Ok(cls) => PyErr::from_type(cls.clone(), names(m)),
                Err(err) => err,
            }
        }
        e => to_py(e),
    }
}

/// A Python object as a checkpoint value.
fn to_object(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Object> {
    let py = obj.py();
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "cannot save: containers nest deeper than {MAX_DEPTH} levels"
        )));
    }
    let d = depth + 1;
    if obj.is_none() {
        return Ok(Object::None);
    }
    // bool before int: Python's bools are ints.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Object::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().map(Object::Int).map_err(|_| {
            PyOverflowError::new_err("cannot save an int that does not fit in 64 bits")
        });
    }
    if let Ok(x) = obj.cast::<PyFloat>() {
        return Ok(Object::Float(x.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Object::Str(s.to_str()?.to_string()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Object::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(t) = obj.cast::<PyTensor>() {
        let t = t.get().t.clone();
        return Ok(if obj.is_instance(parameter_class(py)?)? {
            Object::Parameter(t)
        } else {
            Object::Tensor(t)
        });
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let items = dict
            .iter()
            .map(|(k, v)| Ok((to_object(&k, d)?, to_object(&v, d)?)))
            .collect::<PyResult<_>>()?;
        return Ok(if obj.is_instance(ordered_dict(py)?)? {
            Object::OrderedDict(items)
        } else {
            Object::Dict(items)
        });
    }
    if let Ok(list) = obj.cast::<PyList>() {
        let items = list
            .iter()
            .map(|x| to_object(&x, d))
            .collect::<PyResult<_>>()?;
        return Ok(Object::List(items));
    }
    // Tuples, and their subclasses (`torch.Size`, named tuples) as plain tuples.
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        let items = tuple
            .iter()
            .map(|x| to_object(&x, d))
            .collect::<PyResult<_>>()?;
        return Ok(Object::Tuple(items));
    }
    Err(PyTypeError::new_err(format!(
        "cannot save an object of type '{}': ember saves tensors, parameters, dicts, lists, tuples, str, bytes, int, float, bool and None",
        obj.get_type().name()?
    )))
}

/// A tensor and the Python object made for it.
type Made = (Tensor, Py<PyAny>);

/// Turns checkpoint values into Python objects; a tensor the file holds once (a tied
/// weight) becomes one Python object, as `torch.load` gives.
struct Rebuild {
    device: Option<Device>,
    seen: HashMap<(usize, bool), Vec<Made>>,
}

impl Rebuild {
    fn tensor(&mut self, py: Python<'_>, t: &Tensor, parameter: bool) -> PyResult<Py<PyAny>> {
        let key = (t.data_ptr(), parameter);
        // Only a crafted file holds many distinct tensors at one address: searching the last
        // few keeps this linear (a tensor past them becomes a second Python object).
        let found = self
            .seen
            .get(&key)
            .and_then(|v| v.iter().rev().take(MAX_ALIASES).find(|(u, _)| u.is(t)));
        if let Some((_, o)) = found {
            return Ok(o.clone_ref(py));
        }
        let moved = match self.device {
            Some(dev) if dev != t.device() => {
                let m = t.detach().try_to_device(dev).or_raise()?;
                m.try_requires_grad_(t.requires_grad()).or_raise()?;
                m
            }
            _ => t.clone(),
        };
        let obj = wrap(py, moved)?;
        let obj = if parameter {
            let rg = t.requires_grad();
            parameter_class(py)?.call1((obj, rg))?.unbind()
        } else {
            obj
        };
        self.seen
            .entry(key)
            .or_default()
            .push((t.clone(), obj.clone_ref(py)));
        Ok(obj)
    }

    fn pairs<'py>(
        &mut self,
        py: Python<'py>,
        items: &[(Object, Object)],
        into: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        for (k, v) in items {
            into.set_item(self.object(py, k)?, self.object(py, v)?)?;
        }
        Ok(())
    }

    fn object(&mut self, py: Python<'_>, o: &Object) -> PyResult<Py<PyAny>> {
        Ok(match o {
            Object::None => py.None(),
            Object::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
            Object::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
            Object::Float(x) => x.into_pyobject(py)?.into_any().unbind(),
            Object::Str(s) => PyString::new(py, s).into_any().unbind(),
            Object::Bytes(b) => PyBytes::new(py, b).into_any().unbind(),
            Object::List(items) => {
                let l = PyList::empty(py);
                for x in items {
                    l.append(self.object(py, x)?)?;
                }
                l.into_any().unbind()
            }
            Object::Tuple(items) => {
                let v = items
                    .iter()
                    .map(|x| self.object(py, x))
                    .collect::<PyResult<Vec<_>>>()?;
                PyTuple::new(py, v)?.into_any().unbind()
            }
            Object::Dict(items) => {
                let d = PyDict::new(py).into_any();
                self.pairs(py, items, &d)?;
                d.unbind()
            }
            Object::OrderedDict(items) => {
                let d = ordered_dict(py)?.call0()?;
                self.pairs(py, items, &d)?;
                d.unbind()
            }
            Object::Tensor(t) => self.tensor(py, t, false)?,
            Object::Parameter(t) => self.tensor(py, t, true)?,
        })
    }
}

/// A path argument (`str`, `os.PathLike`), or `None` for a file-like object.
fn as_path(f: &Bound<'_, PyAny>) -> Option<PathBuf> {
    if f.is_instance_of::<PyString>() || f.hasattr("__fspath__").unwrap_or(false) {
        f.extract::<PathBuf>().ok()
    } else {
        None
    }
}

/// `torch.save(obj, f)`: `f` a path or a binary file-like object with `write`. ember always
/// writes PyTorch's zip format with pickle protocol 2, whatever the other arguments say.
#[pyfunction]
#[pyo3(signature = (obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=true, _disable_byteorder_record=false))]
fn save(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    f: &Bound<'_, PyAny>,
    pickle_module: Option<&Bound<'_, PyAny>>,
    pickle_protocol: i64,
    _use_new_zipfile_serialization: bool,
    _disable_byteorder_record: bool,
) -> PyResult<()> {
    let _ = (pickle_module, pickle_protocol);
    guard(|| {
        let o = to_object(obj, 0)?;
        let bytes = py
            .detach(|| ember::io::pt_to_bytes(o))
            .map_err(|e| raise(py, e))?;
        match as_path(f) {
            Some(p) => std::fs::write(&p, &bytes)
                .map_err(|e| to_py(ember::Error::Io(format!("{e}: '{}'", p.display())))),
            None => {
                f.call_method1("write", (PyBytes::new(py, &bytes),))?;
                Ok(())
            }
        }
    })
}

/// `torch.load(f, map_location=None, weights_only=True)`: `f` a path or a binary file-like
/// object with `read`. ember never runs pickled code: `weights_only=False` loads the same
/// values, and any global beyond those that rebuild tensors and containers raises PyTorch's
/// `pickle.UnpicklingError`. Tensors load on the CPU, or on the device `map_location` names
/// (a string or `torch.device`; a callable or dict `map_location` leaves them on the CPU).
#[pyfunction]
#[pyo3(signature = (f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args))]
fn load(
    py: Python<'_>,
    f: &Bound<'_, PyAny>,
    map_location: Option<&Bound<'_, PyAny>>,
    pickle_module: Option<&Bound<'_, PyAny>>,
    weights_only: Option<bool>,
    mmap: Option<bool>,
    pickle_load_args: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    let _ = (pickle_module, weights_only, mmap, pickle_load_args);
    guard(|| {
        let device = match map_location {
            Some(m)
                if m.is_instance_of::<PyString>()
                    || m.is_instance_of::<crate::dtype::PyDevice>() =>
            {
                Some(m.extract::<DeviceArg>()?.0)
            }
            _ => None,
        };
        let o = match as_path(f) {
            Some(p) => py.detach(|| ember::load(&p)),
            None => {
                let data = f.call_method0("read")?;
                let bytes = data.cast::<PyBytes>()?.as_bytes().to_vec();
                py.detach(|| ember::io::pt_from_bytes(&bytes))
            }
        }
        .map_err(|e| raise(py, e))?;
        Rebuild {
            device,
            seen: HashMap::new(),
        }
        .object(py, &o)
    })
}

/// Adds `save` and `load` to `ember._C`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(save, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    Ok(())
}
