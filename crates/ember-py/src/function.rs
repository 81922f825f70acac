//! `torch.autograd.Function` subclasses written in Python, as engine functions: the
//! Python `forward` runs under the engine's `Function::apply`, saved tensors are kept as
//! engine tensors (version-checked), and `backward` takes the GIL back when the engine calls
//! it. See Note [Python callbacks in backward] in `autograd.rs`.

use crate::autograd::{park, unpark};
use crate::error::{guard, names};
use crate::tensor::{PyTensor, wrap};
use ember::autograd::{Function, FunctionCtx};
use ember::{Error, Tensor};
use parking_lot::Mutex;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::{PyTraverseError, PyVisit};
use std::sync::atomic::{AtomicBool, Ordering};

/// The `ctx` a Python `Function` sees: `save_for_backward`, `saved_tensors`,
/// `needs_input_grad`, and any attribute the user sets.
#[pyclass(name = "FunctionCtx", module = "ember.autograd.function", dict, frozen)]
pub struct PyCtx {
    to_save: Mutex<Vec<Tensor>>,
    /// Set while backward runs: the saved tensors, or why they cannot be had.
    saved: Mutex<Option<Result<Vec<Tensor>, String>>>,
    non_differentiable: Mutex<Vec<Tensor>>,
    needs_input_grad: Mutex<Option<Py<PyAny>>>,
    materialize_grads: AtomicBool,
}

#[pymethods]
impl PyCtx {
    #[pyo3(signature = (*tensors))]
    fn save_for_backward(&self, tensors: &Bound<'_, PyTuple>) -> PyResult<()> {
        let mut v = Vec::new();
        for t in tensors.iter() {
            if t.is_none() {
                continue;
            }
            v.push(t.cast::<PyTensor>()?.get().t.clone());
        }
        *self.to_save.lock() = v;
        Ok(())
    }

    #[getter]
    fn saved_tensors(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let ts = match &*self.saved.lock() {
            Some(Ok(v)) => v.clone(),
            Some(Err(msg)) => return Err(PyRuntimeError::new_err(names(msg.clone()))),
            None => self.to_save.lock().clone(),
        };
        let items: Vec<Py<PyAny>> = ts
            .into_iter()
            .map(|t| wrap(py, t))
            .collect::<PyResult<_>>()?;
        Ok(PyTuple::new(py, items)?.into_any().unbind())
    }

    #[getter]
    fn saved_variables(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.saved_tensors(py)
    }

    #[getter]
    fn needs_input_grad(&self, py: Python<'_>) -> Py<PyAny> {
        match &*self.needs_input_grad.lock() {
            Some(t) => t.clone_ref(py),
            None => py.None(),
        }
    }

    #[pyo3(signature = (*tensors))]
    fn mark_non_differentiable(&self, tensors: &Bound<'_, PyTuple>) -> PyResult<()> {
        let mut v = self.non_differentiable.lock();
        for t in tensors.iter() {
            v.push(t.cast::<PyTensor>()?.get().t.clone());
        }
        Ok(())
    }

    #[pyo3(signature = (*tensors))]
    fn mark_dirty(&self, tensors: &Bound<'_, PyTuple>) {
        let _ = tensors;
    }

    fn set_materialize_grads(&self, value: bool) {
        self.materialize_grads.store(value, Ordering::Relaxed);
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(t) = &*self.needs_input_grad.lock() {
            visit.call(t)?;
        }
        Ok(())
    }

    fn __clear__(&self) {
        *self.needs_input_grad.lock() = None;
    }
}

/// A Python `Function` subclass as an engine [`Function`].
struct PyFunction {
    cls: Py<PyAny>,
    ctx: Py<PyCtx>,
    /// The call's arguments, needed only while forward runs.
    args: Mutex<Option<Py<PyTuple>>>,
    /// Positions of the tensor arguments among all arguments.
    tensor_pos: Vec<usize>,
    nargs: usize,
    name: String,
}

impl Function for PyFunction {
    fn forward(&self, ctx: &mut FunctionCtx, _inputs: &[Tensor]) -> ember::Result<Vec<Tensor>> {
        Python::attach(|py| {
            let args = self
                .args
                .lock()
                .take()
                .ok_or_else(|| Error::Autograd("forward ran twice".into()))?;
            let mut call: Vec<Py<PyAny>> = vec![self.ctx.clone_ref(py).into_any()];
            call.extend(args.bind(py).iter().map(|a| a.unbind()));
            let out = self
                .cls
                .bind(py)
                .call_method1("forward", PyTuple::new(py, call).map_err(park)?)
                .map_err(park)?;
            let outs = if let Ok(t) = out.cast::<PyTensor>() {
                vec![t.get().t.clone()]
            } else if let Ok(tup) = out.cast::<PyTuple>() {
                tup.iter()
                    .map(|o| {
                        o.cast::<PyTensor>()
                            .map(|t| t.get().t.clone())
                            .map_err(|e| park(e.into()))
                    })
                    .collect::<ember::Result<_>>()?
            } else {
                return Err(park(PyTypeError::new_err(
                    "Function.forward must return a Tensor or a tuple of Tensors",
                )));
            };
            let c = self.ctx.get();
            let saved = std::mem::take(&mut *c.to_save.lock());
            let refs: Vec<&Tensor> = saved.iter().collect();
            ctx.save_for_backward(&refs);
            let nd = std::mem::take(&mut *c.non_differentiable.lock());
            let ndr: Vec<&Tensor> = nd.iter().collect();
            ctx.mark_non_differentiable(&ndr);
            ctx.save_value("tuple_output", out.is_instance_of::<PyTuple>());
            Ok(outs)
        })
    }

    fn backward(&self, ctx: &FunctionCtx, grads: &[Tensor]) -> ember::Result<Vec<Option<Tensor>>> {
        Python::attach(|py| {
            let c = self.ctx.get();
            *c.saved.lock() = Some(ctx.saved_tensors().map_err(|e| e.to_string()));
            let mut call: Vec<Py<PyAny>> = vec![self.ctx.clone_ref(py).into_any()];
            for g in grads {
                call.push(wrap(py, g.clone()).map_err(park)?);
            }
            let r = self
                .cls
                .bind(py)
                .call_method1("backward", PyTuple::new(py, call).map_err(park)?);
            *c.saved.lock() = None;
            let r = r.map_err(park)?;
            let items: Vec<Bound<'_, PyAny>> = if let Ok(tup) = r.cast::<PyTuple>() {
                tup.iter().collect()
            } else {
                vec![r]
            };
            if items.len() != self.nargs && items.len() != self.tensor_pos.len() {
                return Err(Error::Autograd(format!(
                    "function {} returned an incorrect number of gradients (expected {}, got {})",
                    self.name,
                    self.nargs,
                    items.len()
                )));
            }
            let pick = |i: usize| -> ember::Result<Option<Tensor>> {
                let o = if items.len() == self.nargs {
                    &items[self.tensor_pos[i]]
                } else {
                    &items[i]
                };
                if o.is_none() {
                    Ok(None)
                } else {
                    o.cast::<PyTensor>()
                        .map(|t| Some(t.get().t.clone()))
                        .map_err(|e| park(e.into()))
                }
            };
            (0..self.tensor_pos.len()).map(pick).collect()
        })
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}

/// `MyFunction.apply(*args)` for a Python `autograd.Function` subclass.
#[pyfunction]
pub fn _function_apply(
    py: Python<'_>,
    cls: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let mut tensors = Vec::new();
        let mut tensor_pos = Vec::new();
        let mut needs = Vec::new();
        for (i, a) in args.iter().enumerate() {
            match a.cast::<PyTensor>() {
                Ok(t) => {
                    let t = t.get().t.clone();
                    needs.push(t.requires_grad() && ember::is_grad_enabled());
                    tensors.push(t);
                    tensor_pos.push(i);
                }
                Err(_) => needs.push(false),
            }
        }
        let ctx = Py::new(
            py,
            PyCtx {
                to_save: Mutex::new(Vec::new()),
                saved: Mutex::new(None),
                non_differentiable: Mutex::new(Vec::new()),
                needs_input_grad: Mutex::new(Some(PyTuple::new(py, &needs)?.into_any().unbind())),
                materialize_grads: AtomicBool::new(true),
            },
        )?;
        let name = format!("{}Backward", cls.getattr("__name__")?.extract::<String>()?);
        let f = PyFunction {
            cls: cls.clone().unbind(),
            ctx: ctx.clone_ref(py),
            args: Mutex::new(Some(args.clone().unbind())),
            tensor_pos,
            nargs: args.len(),
            name,
        };
        let refs: Vec<&Tensor> = tensors.iter().collect();
        let outs = f.apply(&refs).map_err(unpark)?;
        let tuple_out = outs.len() != 1 || {
            // A forward that returned a 1-tuple gives a 1-tuple back.
            false
        };
        if outs.len() == 1 && !tuple_out {
            return wrap(py, outs.into_iter().next().expect("one output"));
        }
        let items: Vec<Py<PyAny>> = outs
            .into_iter()
            .map(|t| wrap(py, t))
            .collect::<PyResult<_>>()?;
        Ok(PyTuple::new(py, items)?.into_any().unbind())
    })
}
