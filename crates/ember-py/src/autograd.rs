//! Autograd from Python: `backward` and `autograd.grad` with the GIL released, `grad_fn`
//! nodes, tensor hooks written in Python, and `autograd.Function` subclasses.
//!
//! Note [Python callbacks in backward]
//! The engine runs with the GIL released, so other Python threads go on while a graph is
//! differentiated. A Python hook or a Python `Function.backward` takes the GIL back for its
//! call only; the engine holds none of its own locks while it calls them (hooks are cloned
//! out of their lists first), so a Python thread waiting on the engine cannot deadlock it.
//! An exception raised by a Python callback cannot travel through the engine as a Python
//! object: it is parked in `PENDING` and the engine is told to stop with an error; the
//! caller then raises the parked exception itself, unchanged.

use crate::error::{OrRaise, names};
use crate::tensor::{PyTensor, wrap};
use ember::autograd::{GradFn, GradOptions};
use ember::{Error, Tensor};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    /// The exception a Python callback raised during backward. See Note [Python callbacks in backward].
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

pub(crate) fn park(e: PyErr) -> Error {
    let msg = e.to_string();
    PENDING.with(|p| *p.borrow_mut() = Some(e));
    Error::Autograd(msg)
}

/// The parked Python exception if there is one, else the engine's error as PyTorch raises it.
pub(crate) fn unpark(e: Error) -> PyErr {
    PENDING
        .with(|p| p.borrow_mut().take())
        .unwrap_or_else(|| crate::error::to_py(e))
}

fn take_parked() -> Option<PyErr> {
    PENDING.with(|p| p.borrow_mut().take())
}

/// `tensor.backward(...)` / `torch.autograd.backward(...)`.
pub fn run_backward(
    py: Python<'_>,
    roots: Vec<Tensor>,
    grads: Vec<Option<Tensor>>,
    retain_graph: Option<bool>,
    create_graph: bool,
    inputs: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    if let Some(inputs) = inputs.filter(|i| !i.is_none()) {
        let ins = tensors_of(inputs)?;
        let opts = GradOptions {
            grad_outputs: grads,
            retain_graph,
            create_graph,
            allow_unused: true,
        };
        let refs: Vec<&Tensor> = roots.iter().collect();
        let irefs: Vec<&Tensor> = ins.iter().collect();
        let gs = py
            .detach(|| guard_engine(|| ember::autograd::grad_with(&refs, &irefs, opts)))
            .map_err(unpark)?;
        for (x, g) in ins.iter().zip(gs) {
            if let Some(g) = g {
                let _ng = ember::no_grad();
                // `inputs=` may name non-leaves: accumulating into them is no misuse.
                match ember::warnings::ignored(|| x.grad()) {
                    Some(old) => x.set_grad(Some(old.try_add(&g).or_raise()?)),
                    None => x.set_grad(Some(g)),
                }
            }
        }
        return Ok(());
    }
    let r = py.detach(|| {
        guard_engine(|| {
            if roots.len() == 1 {
                let mut b = roots[0].backward_opts().create_graph(create_graph);
                if let Some(r) = retain_graph {
                    b = b.retain_graph(r);
                }
                if let Some(Some(g)) = grads.first() {
                    b = b.gradient(g);
                }
                b.run()
            } else {
                // Several roots: one pass over their joint graph, as torch.autograd.backward.
                for (i, root) in roots.iter().enumerate() {
                    let mut b = root.backward_opts().create_graph(create_graph);
                    let last = i + 1 == roots.len();
                    b = b.retain_graph(if last {
                        retain_graph.unwrap_or(create_graph)
                    } else {
                        true
                    });
                    if let Some(Some(g)) = grads.get(i) {
                        b = b.gradient(g);
                    }
                    b.run()?;
                }
                Ok(())
            }
        })
    });
    match r {
        Ok(()) => match take_parked() {
            Some(e) => Err(e),
            None => Ok(()),
        },
        Err(e) => Err(unpark(e)),
    }
}

/// Runs the engine, turning a panic into an error (the GIL is released here, so a panic
/// must not unwind into PyO3).
fn guard_engine<T: Send>(f: impl FnOnce() -> ember::Result<T>) -> ember::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(Error::Autograd(format!(
            "internal error in ember: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        ))),
    }
}

/// A tensor or a sequence of tensors.
pub fn tensors_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Tensor>> {
    if let Ok(t) = obj.cast::<PyTensor>() {
        return Ok(vec![t.get().t.clone()]);
    }
    obj.try_iter()?
        .map(|x| {
            let x = x?;
            match x.cast::<PyTensor>() {
                Ok(t) => Ok(t.get().t.clone()),
                Err(_) => Err(PyTypeError::new_err(format!(
                    "expected a Tensor, got {}",
                    x.get_type().name()?
                ))),
            }
        })
        .collect()
}

fn opt_tensors_of(obj: Option<&Bound<'_, PyAny>>, n: usize) -> PyResult<Vec<Option<Tensor>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(vec![None; n]);
    };
    if let Ok(t) = obj.cast::<PyTensor>() {
        return Ok(vec![Some(t.get().t.clone())]);
    }
    obj.try_iter()?
        .map(|x| {
            let x = x?;
            if x.is_none() {
                Ok(None)
            } else {
                Ok(Some(x.cast::<PyTensor>()?.get().t.clone()))
            }
        })
        .collect()
}

/// `torch.autograd.backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None)`.
#[pyfunction]
#[pyo3(signature = (tensors, grad_tensors = None, retain_graph = None, create_graph = false, grad_variables = None, inputs = None))]
pub fn backward(
    py: Python<'_>,
    tensors: &Bound<'_, PyAny>,
    grad_tensors: Option<&Bound<'_, PyAny>>,
    retain_graph: Option<bool>,
    create_graph: bool,
    grad_variables: Option<&Bound<'_, PyAny>>,
    inputs: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let roots = tensors_of(tensors)?;
    let grads = opt_tensors_of(grad_tensors.or(grad_variables), roots.len())?;
    run_backward(py, roots, grads, retain_graph, create_graph, inputs)
}

/// `torch.autograd.grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None)`.
#[pyfunction]
#[pyo3(signature = (outputs, inputs, grad_outputs = None, retain_graph = None, create_graph = false, only_inputs = true, allow_unused = None, is_grads_batched = false, materialize_grads = false))]
#[allow(clippy::too_many_arguments)]
pub fn grad(
    py: Python<'_>,
    outputs: &Bound<'_, PyAny>,
    inputs: &Bound<'_, PyAny>,
    grad_outputs: Option<&Bound<'_, PyAny>>,
    retain_graph: Option<bool>,
    create_graph: bool,
    only_inputs: bool,
    allow_unused: Option<bool>,
    is_grads_batched: bool,
    materialize_grads: bool,
) -> PyResult<Py<PyAny>> {
    let _ = only_inputs;
    if is_grads_batched {
        return Err(PyRuntimeError::new_err(
            "ember: autograd.grad(is_grads_batched=True) is not supported",
        ));
    }
    let outs = tensors_of(outputs)?;
    let ins = tensors_of(inputs)?;
    let opts = GradOptions {
        grad_outputs: opt_tensors_of(grad_outputs, outs.len())?,
        retain_graph,
        create_graph,
        allow_unused: allow_unused.unwrap_or(materialize_grads),
    };
    let orefs: Vec<&Tensor> = outs.iter().collect();
    let irefs: Vec<&Tensor> = ins.iter().collect();
    let gs = py
        .detach(|| guard_engine(|| ember::autograd::grad_with(&orefs, &irefs, opts)))
        .map_err(unpark)?;
    if let Some(e) = take_parked() {
        return Err(e);
    }
    let items: Vec<Py<PyAny>> = gs
        .into_iter()
        .zip(&ins)
        .map(|(g, x)| match g {
            Some(g) => wrap(py, g),
            None if materialize_grads => wrap(py, ember::try_zeros_like(x).or_raise()?),
            None => Ok(py.None()),
        })
        .collect::<PyResult<_>>()?;
    Ok(PyTuple::new(py, items)?.into_any().unbind())
}

/// A node of the backward graph (`tensor.grad_fn`).
#[pyclass(name = "Node", module = "ember.autograd.graph", frozen)]
pub struct PyNode {
    pub f: GradFn,
}

pub fn node_obj(py: Python<'_>, f: GradFn) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyNode { f })?.into_any())
}

#[pymethods]
impl PyNode {
    fn name(&self) -> String {
        self.f.name()
    }

    #[getter]
    fn __name__(&self) -> String {
        self.f.name()
    }

    #[getter]
    fn next_functions(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let items: Vec<Py<PyAny>> = self
            .f
            .next_functions()
            .into_iter()
            .map(|(n, nr)| {
                let node = match n {
                    Some(n) => node_obj(py, n)?,
                    None => py.None(),
                };
                Ok(
                    PyTuple::new(py, [node, nr.into_pyobject(py)?.into_any().unbind()])?
                        .into_any()
                        .unbind(),
                )
            })
            .collect::<PyResult<_>>()?;
        Ok(PyTuple::new(py, items)?.into_any().unbind())
    }

    /// For `AccumulateGrad`: the leaf tensor.
    #[getter]
    fn variable(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.f.variable() {
            Some(t) => wrap(py, t),
            None => Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                "'{}' object has no attribute 'variable'",
                self.f.name()
            ))),
        }
    }

    fn __repr__(&self) -> String {
        format!("<{} object at {:#x}>", self.f.name(), self.f.id())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyNode>()
            .map(|o| o.get().f == self.f)
            .unwrap_or(false)
    }

    fn __hash__(&self) -> usize {
        self.f.id()
    }
}

/// What `register_hook` returns: `handle.remove()` turns the hook off.
#[pyclass(name = "RemovableHandle", module = "ember.utils.hooks", frozen)]
pub struct PyHookHandle {
    removed: Arc<AtomicBool>,
}

#[pymethods]
impl PyHookHandle {
    fn remove(&self) {
        self.removed.store(true, Ordering::Relaxed);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&self, _a: &Bound<'_, PyAny>, _b: &Bound<'_, PyAny>, _c: &Bound<'_, PyAny>) {
        self.remove();
    }
}

/// Calls a Python hook with a gradient; its result replaces the gradient unless it is None.
fn call_hook(hook: &Py<PyAny>, g: &Tensor) -> Option<Tensor> {
    Python::attach(|py| {
        let r = wrap(py, g.clone()).and_then(|arg| hook.call1(py, (arg,)));
        match r {
            Ok(v) if v.is_none(py) => None,
            Ok(v) => match v.bind(py).cast::<PyTensor>() {
                Ok(t) => Some(t.get().t.clone()),
                Err(_) => {
                    park(PyTypeError::new_err(
                        "hook returned a value that is not a Tensor or None",
                    ));
                    None
                }
            },
            Err(e) => {
                park(e);
                None
            }
        }
    })
}

pub fn register_tensor_hook(py: Python<'_>, t: &Tensor, hook: Py<PyAny>) -> PyResult<Py<PyAny>> {
    let removed = Arc::new(AtomicBool::new(false));
    let flag = removed.clone();
    t.register_hook(move |g| {
        if flag.load(Ordering::Relaxed) {
            None
        } else {
            call_hook(&hook, g)
        }
    })
    .or_raise()?;
    Ok(Py::new(py, PyHookHandle { removed })?.into_any())
}

/// `torch.autograd.gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True)`.
#[pyfunction]
#[pyo3(signature = (func, inputs, *, eps = 1e-6, atol = 1e-5, rtol = 1e-3, raise_exception = true, **_kwargs))]
#[allow(clippy::too_many_arguments)]
pub fn gradcheck(
    py: Python<'_>,
    func: Py<PyAny>,
    inputs: &Bound<'_, PyAny>,
    eps: f64,
    atol: f64,
    rtol: f64,
    raise_exception: bool,
    _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
) -> PyResult<bool> {
    let ins = tensors_of(inputs)?;
    let f = |xs: &[Tensor]| -> ember::Result<Vec<Tensor>> {
        let args: Vec<Py<PyAny>> = xs
            .iter()
            .map(|x| wrap(py, x.clone()))
            .collect::<PyResult<_>>()
            .map_err(park)?;
        let out = func
            .call1(py, PyTuple::new(py, args).map_err(park)?)
            .map_err(park)?;
        let out = out.bind(py);
        if let Ok(t) = out.cast::<PyTensor>() {
            return Ok(vec![t.get().t.clone()]);
        }
        let list = out
            .cast::<PyTuple>()
            .map(|t| t.as_any().clone())
            .or_else(|_| out.cast::<PyList>().map(|l| l.as_any().clone()))
            .map_err(|e| park(e.into()))?;
        tensors_of(&list).map_err(park)
    };
    let opts = ember::autograd::GradcheckOptions { eps, atol, rtol };
    match ember::autograd::gradcheck_with(f, &ins, opts) {
        Ok(()) => Ok(true),
        Err(e) => {
            if let Some(p) = take_parked() {
                return Err(p);
            }
            if raise_exception {
                Err(PyRuntimeError::new_err(names(e.to_string())))
            } else {
                Ok(false)
            }
        }
    }
}

/// `torch.autograd.set_detect_anomaly(mode)`.
#[pyfunction]
#[pyo3(signature = (mode, check_nan = true))]
pub fn _set_detect_anomaly(mode: bool, check_nan: bool) {
    let _ = check_nan;
    ember::autograd::set_detect_anomaly(mode);
}

/// `torch.is_anomaly_enabled()`.
#[pyfunction]
pub fn is_anomaly_enabled() -> bool {
    ember::autograd::is_anomaly_enabled()
}

/// `torch.is_grad_enabled()`.
#[pyfunction]
pub fn is_grad_enabled() -> bool {
    ember::is_grad_enabled()
}

/// `torch._C._set_grad_enabled(mode)`: what the context managers in `ember/autograd` call.
#[pyfunction]
pub fn _set_grad_enabled(mode: bool) {
    ember::set_grad_enabled(mode);
}
