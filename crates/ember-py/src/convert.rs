//! Python values as engine arguments: numbers, tensor-or-number operands, shapes given as
//! `zeros(5, 3)` or `zeros((5, 3))`, dims, and nested lists as tensor data.

use crate::error::{OrRaise, type_error_arg};
use crate::tensor::PyTensor;
use ember::{DType, Operand, Scalar, Tensor};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyTuple};

/// A Python number as an engine scalar (`bool` before `int`: it is a subclass). NumPy
/// scalars and other objects with `__index__`/`__float__` count too.
pub fn scalar(obj: &Bound<'_, PyAny>) -> Option<Scalar> {
    if obj.is_instance_of::<PyBool>() {
        return obj.extract::<bool>().ok().map(Scalar::Bool);
    }
    if obj.is_instance_of::<PyInt>() {
        return match obj.extract::<i64>() {
            Ok(i) => Some(Scalar::Int(i)),
            Err(_) => obj.extract::<f64>().ok().map(Scalar::Float),
        };
    }
    if obj.is_instance_of::<PyFloat>() {
        return obj.extract::<f64>().ok().map(Scalar::Float);
    }
    if obj.is_instance_of::<PyTensor>() {
        return None;
    }
    // NumPy scalars: np.float32, np.int64, np.bool_ ...
    match numpy_scalar_kind(obj)? {
        NumpyKind::Bool => obj.is_truthy().ok().map(Scalar::Bool),
        NumpyKind::Int => obj
            .call_method0("__index__")
            .ok()?
            .extract::<i64>()
            .ok()
            .map(Scalar::Int),
        NumpyKind::Float => obj
            .call_method0("__float__")
            .ok()?
            .extract::<f64>()
            .ok()
            .map(Scalar::Float),
    }
}

/// The kinds of NumPy scalar that count as numbers.
enum NumpyKind {
    Bool,
    Int,
    Float,
}

/// `obj`'s kind when it is a NumPy bool, integer or floating scalar (`np.float64(1.5)`),
/// by its type's module and name (NumPy itself need not be imported to ask).
fn numpy_scalar_kind(obj: &Bound<'_, PyAny>) -> Option<NumpyKind> {
    let ty = obj.get_type();
    let (module, name) = (ty.module().ok()?, ty.name().ok()?);
    if module.to_str().ok()? != "numpy" {
        return None;
    }
    let name = name.to_str().ok()?;
    if name == "bool" || name == "bool_" {
        Some(NumpyKind::Bool)
    } else if name.starts_with("int") || name.starts_with("uint") {
        Some(NumpyKind::Int)
    } else if name.starts_with("float") {
        Some(NumpyKind::Float)
    } else {
        None
    }
}

/// Whether `obj` is a NumPy bool, integer or floating scalar (`np.float64` subclasses
/// `float`, but its type's module says NumPy; Python's own numbers never do).
fn numpy_scalar(obj: &Bound<'_, PyAny>) -> bool {
    numpy_scalar_kind(obj).is_some()
}

/// A scalar argument (`alpha=2`, `value=0.5`).
pub struct ScalarArg(pub Scalar);

impl<'a, 'py> FromPyObject<'a, 'py> for ScalarArg {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Some(s) = scalar(&obj) {
            return Ok(ScalarArg(s));
        }
        if let Ok(t) = obj.cast::<PyTensor>() {
            let t = &t.get().t;
            if t.numel() == 1 {
                return Ok(ScalarArg(tensor_scalar(t)?));
            }
        }
        Err(PyTypeError::new_err(format!(
            "expected a number, got {}",
            obj.get_type().name()?
        )))
    }
}

/// The value of a one-element tensor as a scalar of its kind.
pub fn tensor_scalar(t: &Tensor) -> PyResult<Scalar> {
    let dt = t.dtype();
    Ok(if dt == DType::Bool {
        Scalar::Bool(t.try_item::<bool>().or_raise()?)
    } else if dt.is_floating_point() {
        Scalar::Float(
            t.try_to_dtype(DType::F64)
                .or_raise()?
                .try_item::<f64>()
                .or_raise()?,
        )
    } else {
        Scalar::Int(
            t.try_to_dtype(DType::I64)
                .or_raise()?
                .try_item::<i64>()
                .or_raise()?,
        )
    })
}

/// The second operand of a binary op: a tensor or a Python number.
pub enum Other {
    /// A tensor (also one made from a NumPy array).
    T(Tensor),
    /// A Python number.
    S(Scalar),
}

impl Other {
    pub fn operand(&self) -> Operand<'_> {
        match self {
            Other::T(t) => Operand::Tensor(t),
            Other::S(s) => Operand::Scalar(*s),
        }
    }

    /// `other` when it is a tensor or a number; `None` for anything else (operators then
    /// return `NotImplemented`).
    pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Option<Other>> {
        if let Ok(t) = obj.cast::<PyTensor>() {
            return Ok(Some(Other::T(t.get().t.clone())));
        }
        if let Some(s) = scalar(obj) {
            return Ok(Some(Other::S(s)));
        }
        if crate::numpy_bridge::is_ndarray(obj) {
            return Ok(Some(Other::T(crate::numpy_bridge::copy_from_numpy(obj)?)));
        }
        Ok(None)
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Other {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match Other::from_py(&obj)? {
            Some(o) => Ok(o),
            None => Err(type_error_arg("Tensor or Number", &obj)),
        }
    }
}

/// An `out=` tensor: the engine tensor, and the Python object that the call returns.
pub struct OutArg(pub Tensor, pub Py<PyAny>);

impl<'a, 'py> FromPyObject<'a, 'py> for OutArg {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.cast::<PyTensor>() {
            Ok(t) => Ok(OutArg(t.get().t.clone(), obj.to_owned().unbind())),
            Err(_) => Err(type_error_arg("Tensor", &obj)),
        }
    }
}

/// A tensor argument, borrowed from its Python object.
pub struct TensorArg(pub Tensor);

impl<'a, 'py> FromPyObject<'a, 'py> for TensorArg {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.cast::<PyTensor>() {
            Ok(t) => Ok(TensorArg(t.get().t.clone())),
            Err(_) => Err(type_error_arg("Tensor", &obj)),
        }
    }
}

/// An int argument (also a NumPy integer or a one-element integer tensor).
pub fn index_of(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    if let Ok(i) = obj.extract::<i64>()
        && !obj.is_instance_of::<PyFloat>()
    {
        return Ok(i);
    }
    if let Ok(t) = obj.cast::<PyTensor>() {
        let t = &t.get().t;
        if t.numel() == 1 && !t.dtype().is_floating_point() {
            return t
                .try_to_dtype(DType::I64)
                .or_raise()?
                .try_item::<i64>()
                .or_raise();
        }
    }
    Err(PyTypeError::new_err(format!(
        "expected an int, got {}",
        obj.get_type().name()?
    )))
}

/// A list of ints given as one int or a sequence (`dim=1`, `dim=(0, 1)`, a `Size`).
#[derive(Clone, Debug, Default)]
pub struct Ints(pub Vec<i64>);

impl<'a, 'py> FromPyObject<'a, 'py> for Ints {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(i) = index_of(&obj) {
            return Ok(Ints(vec![i]));
        }
        if obj.is_instance_of::<PyTuple>() || obj.is_instance_of::<PyList>() {
            let v = obj
                .try_iter()?
                .map(|x| index_of(&x?))
                .collect::<PyResult<Vec<i64>>>()?;
            return Ok(Ints(v));
        }
        Err(PyTypeError::new_err(format!(
            "expected an int or a sequence of ints, got {}",
            obj.get_type().name()?
        )))
    }
}

/// A shape given as varargs (`view(2, 8)`) or as one sequence (`view((2, 8))`, `view(x.shape)`).
pub fn shape_args(args: &Bound<'_, PyTuple>) -> PyResult<Vec<i64>> {
    if args.len() == 1 {
        let a = args.get_item(0)?;
        if a.is_instance_of::<PyTuple>() || a.is_instance_of::<PyList>() {
            return Ok(a.extract::<Ints>()?.0);
        }
    }
    args.iter().map(|a| index_of(&a)).collect()
}

/// A shape of non-negative sizes, with PyTorch's message for a negative one.
pub fn sizes(shape: &[i64]) -> PyResult<Vec<usize>> {
    shape
        .iter()
        .map(|&s| {
            usize::try_from(s).map_err(|_| {
                pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "Trying to create tensor with negative dimension {s}: {shape:?}"
                ))
            })
        })
        .collect()
}

/// What nested Python data holds, by PyTorch's inference order.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Kind {
    Bool,
    Int,
    Float,
}

fn walk(
    obj: &Bound<'_, PyAny>,
    depth: usize,
    shape: &mut Vec<usize>,
    vals: &mut Vec<f64>,
    ints: &mut Vec<i64>,
    kind: &mut Option<Kind>,
) -> PyResult<()> {
    if let Some(s) = scalar(obj) {
        if depth != shape.len() {
            return Err(PyValueError::new_err(format!(
                "expected sequence of length {} at dim {depth} (got {})",
                shape.get(depth).copied().unwrap_or(0),
                "a number"
            )));
        }
        let k = match s {
            Scalar::Bool(_) => Kind::Bool,
            Scalar::Int(_) => Kind::Int,
            Scalar::Float(_) => Kind::Float,
        };
        *kind = Some(kind.map_or(k, |p| if k > p { k } else { p }));
        vals.push(s.to_f64());
        ints.push(s.to_i64());
        return Ok(());
    }
    if let Ok(t) = obj.cast::<PyTensor>() {
        let t = &t.get().t;
        if t.numel() == 1 && t.ndim() == 0 {
            return walk(
                &crate::tensor_convert::item_object(obj.py(), t)?.into_bound(obj.py()),
                depth,
                shape,
                vals,
                ints,
                kind,
            );
        }
        let list = crate::tensor_convert::tolist(obj.py(), t)?;
        return walk(&list.into_bound(obj.py()), depth, shape, vals, ints, kind);
    }
    if crate::numpy_bridge::is_ndarray(obj) {
        let list = obj.call_method0("tolist")?;
        return walk(&list, depth, shape, vals, ints, kind);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let n = obj.len()?;
        if depth == shape.len() {
            if !vals.is_empty() {
                return Err(PyValueError::new_err(format!(
                    "expected sequence of length {n} at dim {depth} (got a number)"
                )));
            }
            shape.push(n);
        } else if shape[depth] != n {
            return Err(PyValueError::new_err(format!(
                "expected sequence of length {} at dim {depth} (got {n})",
                shape[depth]
            )));
        }
        for item in obj.try_iter()? {
            walk(&item?, depth + 1, shape, vals, ints, kind)?;
        }
        return Ok(());
    }
    let name = obj.get_type().name()?;
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return Err(PyTypeError::new_err(format!(
            "too many dimensions '{name}'"
        )));
    }
    Err(PyTypeError::new_err(format!(
        "Could not infer dtype of {name}"
    )))
}

/// `torch.tensor(data, dtype=...)`: a new tensor holding a copy of nested lists, numbers,
/// tensors or NumPy arrays.
pub fn tensor_from_data(obj: &Bound<'_, PyAny>, dtype: Option<DType>) -> PyResult<Tensor> {
    if let Ok(t) = obj.cast::<PyTensor>() {
        let t = t.get().t.detach();
        let c = t.try_clone_tensor().or_raise()?;
        return match dtype {
            Some(dt) => c.try_to_dtype(dt).or_raise(),
            None => Ok(c),
        };
    }
    // A NumPy scalar keeps its dtype (`torch.tensor(np.float64(1.5))` is float64), as a
    // 0-dim array does.
    let array = if numpy_scalar(obj) {
        Some(obj.py().import("numpy")?.call_method1("asarray", (obj,))?)
    } else {
        None
    };
    let obj = array.as_ref().unwrap_or(obj);
    if crate::numpy_bridge::is_ndarray(obj) {
        let t = crate::numpy_bridge::copy_from_numpy(obj)?;
        return match dtype {
            Some(dt) => t.try_to_dtype(dt).or_raise(),
            None => Ok(t),
        };
    }
    let mut shape = Vec::new();
    let mut vals = Vec::new();
    let mut ints = Vec::new();
    let mut kind = None;
    walk(obj, 0, &mut shape, &mut vals, &mut ints, &mut kind)?;
    let natural = match kind {
        Some(Kind::Bool) => DType::Bool,
        Some(Kind::Int) => DType::I64,
        _ => ember::get_default_dtype(),
    };
    let dt = dtype.unwrap_or(natural);
    let t = if dt.is_floating_point() || (kind == Some(Kind::Float) && !dt.is_floating_point()) {
        Tensor::try_from_vec(vals, shape.as_slice()).or_raise()?
    } else if dt == DType::Bool && kind == Some(Kind::Bool) {
        let b: Vec<bool> = ints.iter().map(|&i| i != 0).collect();
        Tensor::try_from_vec(b, shape.as_slice()).or_raise()?
    } else {
        Tensor::try_from_vec(ints, shape.as_slice()).or_raise()?
    };
    if t.dtype() == dt {
        Ok(t)
    } else {
        t.try_to_dtype(dt).or_raise()
    }
}
