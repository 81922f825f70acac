//! ember's errors as the Python exceptions PyTorch raises, and the guard that keeps Rust
//! panics from reaching Python.

use pyo3::exceptions::{
    PyFileNotFoundError, PyIndexError, PyOSError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the package was installed as `torch`: printed names then say `torch.float32`,
/// `torch.Size`, as the programs written for PyTorch expect. See Note [Printed namespace].
static TORCH_NAMES: AtomicBool = AtomicBool::new(false);

// Note [Printed namespace]
// The engine prints `ember.float32` and `ember.Size([2])`. A program run through
// `install_as_torch()` was written against PyTorch and compares what it prints with PyTorch's
// text, so once installed the front rewrites the prefix in everything it hands to Python
// (reprs, dtype names, error messages). Tensor text has no other place where "ember." can
// appear: values are numbers and node names are PyTorch's.

/// Switches printed names to `torch.` (`install_as_torch`).
pub fn set_torch_names(on: bool) {
    TORCH_NAMES.store(on, Ordering::Relaxed);
}

/// The package name printed in front of dtypes and `Size`.
pub fn prefix() -> &'static str {
    if TORCH_NAMES.load(Ordering::Relaxed) {
        "torch"
    } else {
        "ember"
    }
}

/// Text from the engine, with the printed namespace applied. See Note [Printed namespace].
pub fn names(s: String) -> String {
    if TORCH_NAMES.load(Ordering::Relaxed) && s.contains("ember") {
        s.replace(
            "ember::autograd::set_detect_anomaly(true)",
            "torch.autograd.set_detect_anomaly(True)",
        )
        .replace("ember.", "torch.")
    } else {
        s
    }
}

pyo3::create_exception!(
    ember.linalg,
    LinAlgError,
    PyRuntimeError,
    "A numerical failure of a linear-algebra routine (`torch.linalg.LinAlgError`)."
);

/// Messages of checks PyTorch makes with `TORCH_CHECK_NOT_IMPLEMENTED` (a dtype the op has no
/// kernel for): Python sees `NotImplementedError`.
const NOT_IMPLEMENTED: &[&str] = &[
    "not implemented for",
    "with two bool tensors is not supported",
    "with a bool tensor is not supported",
    "on a bool tensor is not supported",
    "Boolean inputs not supported",
    "could not infer output dtype",
    "Expected a floating point or complex tensor as input",
];

/// The Python exception PyTorch raises for an engine error.
pub fn to_py(e: ember::Error) -> PyErr {
    use ember::Error as E;
    let msg = names(e.to_string());
    if NOT_IMPLEMENTED.iter().any(|p| msg.contains(p)) {
        return pyo3::exceptions::PyNotImplementedError::new_err(msg);
    }
    if msg.starts_with("tensors used as indices must be") {
        return PyIndexError::new_err(msg);
    }
    match e {
        E::NotImplemented(_) => pyo3::exceptions::PyNotImplementedError::new_err(msg),
        E::IndexOutOfRange(_)
            if msg.contains("Expected reduction dim") || msg.contains("exceeds dimension size") =>
        {
            PyRuntimeError::new_err(msg)
        }
        E::IndexOutOfRange(_) => PyIndexError::new_err(msg),
        E::Linalg(_) => LinAlgError::new_err(msg),
        _ if is_value_error(&msg) => PyValueError::new_err(msg),
        E::Io(_) if msg.contains("No such file") => PyFileNotFoundError::new_err(msg),
        E::Io(_) => PyOSError::new_err(msg),
        _ => PyRuntimeError::new_err(msg),
    }
}

/// PyTorch raises `ValueError` from its Python layers (`nn.functional`'s argument checks,
/// optimizers, schedulers) and `RuntimeError` from its C++ core; the engine's `Value` errors
/// cover both, so the message says which layer PyTorch checks it in.
fn is_value_error(msg: &str) -> bool {
    const PY_LAYER: &[&str] = &[
        "Invalid ",
        "is not a valid value for reduction",
        "Expected input batch_size",
        "Using a target size",
        "must be the same as input size",
        "optimizer got an empty parameter list",
        "dropout probability has to be between",
        "Nesterov momentum requires",
        "step must be greater than zero",
    ];
    PY_LAYER.iter().any(|p| msg.contains(p))
}

/// `Result<T>` of the engine as a Python result.
pub trait OrRaise<T> {
    /// The value, or the exception PyTorch raises.
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for ember::Result<T> {
    #[inline]
    fn or_raise(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// Runs `f`, turning a panic in the engine into a `RuntimeError` (a panic is an ember bug;
/// Python must never see a `PanicException`).
#[inline]
pub fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            Err(PyRuntimeError::new_err(names(format!(
                "internal error in ember: {what}"
            ))))
        }
    }
}

/// A `TypeError` naming the function and the argument, as PyTorch's argument parser words it.
pub fn type_error(func: &str, arg: &str, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let got = got
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    PyTypeError::new_err(format!(
        "{func}(): argument '{arg}' must be {expected}, not {got}"
    ))
}

/// A `TypeError` from an argument extractor, which does not know the argument's name: PyO3
/// adds it to the exception as a note ("while processing 'mat2'").
pub fn type_error_arg(expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let got = got
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    PyTypeError::new_err(format!("argument must be {expected}, not {got}"))
}
