//! Bindings generated from the engine's op table (`ember::ops`): every unary, binary and
//! comparison op becomes a `Tensor` method, its in-place `_` twin and a `torch.<name>`
//! function, with no code per op. A line added to the table appears here by itself.
//!
//! A name that `ops.rs` declares with a hand-written signature (`add` with `alpha`, `pow`,
//! `div` with `rounding_mode`) keeps that one: the generated method is only installed where
//! the class has no attribute of that name yet.

use crate::convert::{Other, TensorArg};
use crate::error::{OrRaise, guard};
use crate::tensor::{PyTensor, wrap};
use ember::{BinaryOp, CmpOp, Tensor, UnaryOp};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple, PyType};
use std::ffi::CString;

/// How a generated op computes, given the receiver and the other operand (if any).
#[derive(Clone, Copy)]
enum Kind {
    Unary(UnaryOp),
    UnaryInPlace(UnaryOp),
    Binary(BinaryOp),
    BinaryInPlace(BinaryOp),
    Cmp(CmpOp),
    CmpInPlace(CmpOp),
}

impl Kind {
    fn takes_other(self) -> bool {
        !matches!(self, Kind::Unary(_) | Kind::UnaryInPlace(_))
    }

    fn in_place(self) -> bool {
        matches!(
            self,
            Kind::UnaryInPlace(_) | Kind::BinaryInPlace(_) | Kind::CmpInPlace(_)
        )
    }

    fn run(self, t: &Tensor, other: Option<&Other>) -> ember::Result<Tensor> {
        let o = || other.map(Other::operand).expect("checked by the caller");
        match self {
            Kind::Unary(op) => t.try_unary(op),
            Kind::UnaryInPlace(op) => t.try_unary_(op),
            Kind::Binary(op) => t.try_binary(o(), op),
            Kind::BinaryInPlace(op) => t.try_binary_(o(), op),
            Kind::Cmp(op) => t.try_cmp(o(), op),
            Kind::CmpInPlace(op) => {
                let r = t.try_cmp(o(), op)?;
                t.try_copy_(&r)
            }
        }
    }
}

fn call(
    name: &'static str,
    kind: Kind,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    let py = args.py();
    guard(|| {
        let want = if kind.takes_other() { 2 } else { 1 };
        let mut other_kw = None;
        let mut out = None;
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                match k.extract::<String>()?.as_str() {
                    "out" if !kind.in_place() => out = Some(v),
                    "other" | "exponent" if kind.takes_other() => other_kw = Some(v),
                    "input" => {}
                    k => {
                        return Err(PyTypeError::new_err(format!(
                            "{name}() got an unexpected keyword argument '{k}'"
                        )));
                    }
                }
            }
        }
        let given = args.len() + usize::from(other_kw.is_some());
        if given != want {
            return Err(PyTypeError::new_err(format!(
                "{name}() takes {} positional argument{} but {} were given",
                want,
                if want == 1 { "" } else { "s" },
                args.len()
            )));
        }
        let first = args.get_item(0)?;
        let slf = first
            .cast::<PyTensor>()
            .map_err(|_| crate::error::type_error(name, "input", "Tensor", &first))?;
        let other = if kind.takes_other() {
            let o = match other_kw {
                Some(o) => o,
                None => args.get_item(1)?,
            };
            Some(o.extract::<Other>()?)
        } else {
            None
        };
        let t = &slf.get().t;
        let r = kind.run(t, other.as_ref()).or_raise()?;
        if kind.in_place() {
            return Ok(slf.clone().into_any().unbind());
        }
        match out {
            Some(o) if !o.is_none() => {
                let TensorArg(ot) = o.extract()?;
                let _g = ember::no_grad();
                ot.try_copy_(&r).or_raise()?;
                Ok(o.unbind())
            }
            _ => wrap(py, r),
        }
    })
}

unsafe extern "C" {
    // CPython's `instancemethod` (not in pyo3-ffi): binds any callable as a method.
    fn PyInstanceMethod_New(func: *mut pyo3::ffi::PyObject) -> *mut pyo3::ffi::PyObject;
}

/// Installs `f` as a method of `cls` (an instance method binds the receiver first).
fn install_method(cls: &Bound<'_, PyType>, name: &str, f: &Bound<'_, PyCFunction>) -> PyResult<()> {
    let py = cls.py();
    // SAFETY: PyInstanceMethod_New returns a new reference (or NULL with an exception set).
    let m = unsafe { Bound::from_owned_ptr_or_err(py, PyInstanceMethod_New(f.as_ptr()))? };
    cls.setattr(name, m)
}

/// Every generated op: installed on `Tensor`, and listed (name, function) for the module.
pub fn register(py: Python<'_>, m: &Bound<'_, PyModule>) -> PyResult<()> {
    let cls = py.get_type::<PyTensor>();
    let mut kinds: Vec<(String, Kind)> = Vec::new();
    for &op in UnaryOp::ALL {
        kinds.push((op.name().to_string(), Kind::Unary(op)));
        kinds.push((format!("{}_", op.name()), Kind::UnaryInPlace(op)));
    }
    for &op in BinaryOp::ALL {
        kinds.push((op.name().to_string(), Kind::Binary(op)));
        kinds.push((format!("{}_", op.name()), Kind::BinaryInPlace(op)));
    }
    for &op in CmpOp::ALL {
        kinds.push((op.name().to_string(), Kind::Cmp(op)));
        kinds.push((format!("{}_", op.name()), Kind::CmpInPlace(op)));
    }
    let table = PyDict::new(py);
    for (name, kind) in kinds {
        if cls.hasattr(name.as_str())? {
            continue;
        }
        // One function object per op for the life of the process; its name must be 'static.
        let cname: &'static std::ffi::CStr =
            Box::leak(CString::new(name.clone())?.into_boxed_c_str());
        let sname: &'static str = Box::leak(name.clone().into_boxed_str());
        let f = PyCFunction::new_closure(py, Some(cname), None, move |args, kwargs| {
            call(sname, kind, args, kwargs)
        })?;
        install_method(&cls, &name, &f)?;
        table.set_item(&name, &f)?;
    }
    m.add("_table_ops", table)?;
    Ok(())
}
