//! `torch.optim`: the engine's optimizers, driven by the Python classes of `ember/optim`.
//!
//! The Python `Optimizer` keeps PyTorch's data model: `param_groups` is a list of plain
//! dicts that users and schedulers write (`group["lr"] = 0.01`). An [`PyEngine`] owns the
//! engine optimizer that does the arithmetic and mirrors those dicts into it before each
//! step; see Note [Syncing param groups].
//!
//! Learning-rate schedulers need no native code: PyTorch computes their rates in Python
//! floats, and `ember/optim/lr_scheduler.py` does the same arithmetic on the same dicts.

use crate::error::{OrRaise, guard};
use crate::tensor::{PyTensor, wrap};
use ember::Tensor;
use ember::optim::{self, Optimizer, StateValue, ValueMap};
use pyo3::exceptions::{PyIndexError, PyKeyError, PyNotImplementedError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

// Note [Syncing param groups]
// PyTorch reads every option from the group dict at each step, so a write to
// `group["lr"]` (by a user or a scheduler) takes effect at the next step. The engine keeps
// typed options, so `step` first compares each dict entry the engine knows, by identity, with
// the object it saw last time: Python writes create new objects, so an unchanged identity
// means an unchanged value (the engine holds a reference, so a freed object's address cannot
// be reused under it). Only a group whose entries changed is converted and written. Options
// given as tensors (PyTorch allows `lr=torch.tensor(0.01)`) can change in place, so such a
// group is converted at every step. The group's `params` are compared the same way; groups
// appended to the list are added to the engine, and any other change of structure rebuilds
// the engine optimizer, carrying each parameter's state over.

/// The flags PyTorch has for implementations ember does not have; they must stay off.
const UNSUPPORTED: [&str; 3] = ["fused", "capturable", "differentiable"];

/// From this many parameter elements, or this many parameters, a step releases the GIL
/// (releasing costs about a microsecond; a step over fewer elements takes no longer).
const RELEASE_GIL_NUMEL: usize = 1 << 14;
const RELEASE_GIL_PARAMS: usize = 32;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Float,
    Bool,
    Pair,
}

struct Key {
    name: Py<PyString>,
    kind: Kind,
}

/// What the engine last saw of one Python group.
struct GroupSync {
    params: Vec<Py<PyAny>>,
    seen: Seen,
}

/// The option values of a group the engine last read.
struct Seen {
    /// The dict's values for `keys` then `UNSUPPORTED` (`None`: the key was missing).
    values: Vec<Option<Py<PyAny>>>,
    /// Some option is a tensor: convert at every step.
    volatile: bool,
}

/// `_C._optim.Engine(name, defaults)`: an engine optimizer mirroring a Python optimizer's
/// `param_groups`.
#[pyclass(module = "ember._C._optim", name = "Engine")]
pub struct PyEngine {
    /// The engine's name of the algorithm (`"Adam"` also runs AdamW).
    algo: String,
    /// The Python class name, for messages.
    display: String,
    opt: Box<dyn Optimizer>,
    defaults: ValueMap,
    keys: Vec<Key>,
    flags: Vec<Py<PyString>>,
    groups: Vec<GroupSync>,
    numel: usize,
}

fn kind_of(v: &StateValue) -> Kind {
    match v {
        StateValue::Bool(_) => Kind::Bool,
        StateValue::Pair(..) => Kind::Pair,
        _ => Kind::Float,
    }
}

/// A number option: a Python number, or a one-element tensor (PyTorch's tensor `lr`).
fn float_of(key: &str, v: &Bound<'_, PyAny>, volatile: &mut bool) -> PyResult<f64> {
    if let Ok(t) = v.cast::<PyTensor>() {
        *volatile = true;
        let t = &t.get().t;
        if t.numel() != 1 {
            return Err(PyTypeError::new_err(format!(
                "optimizer option '{key}' is a tensor of {} elements; a number or one-element tensor is expected",
                t.numel()
            )));
        }
        return t.try_item::<f64>().or_raise();
    }
    if v.is_instance_of::<PyFloat>() || v.is_instance_of::<PyInt>() {
        return v.extract::<f64>();
    }
    v.extract::<f64>().map_err(|_| {
        PyTypeError::new_err(format!(
            "optimizer option '{key}' must be a number, not {}",
            type_name(v)
        ))
    })
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

fn option_value(
    key: &str,
    kind: Kind,
    v: &Bound<'_, PyAny>,
    volatile: &mut bool,
) -> PyResult<StateValue> {
    Ok(match kind {
        Kind::Float => StateValue::Float(float_of(key, v, volatile)?),
        Kind::Bool => StateValue::Bool(v.is_truthy()?),
        Kind::Pair => {
            let err = || {
                PyTypeError::new_err(format!(
                    "optimizer option '{key}' must be a pair of numbers, not {}",
                    type_name(v)
                ))
            };
            if v.len().map_err(|_| err())? != 2 {
                return Err(err());
            }
            let a = float_of(key, &v.get_item(0)?, volatile)?;
            let b = float_of(key, &v.get_item(1)?, volatile)?;
            StateValue::Pair(a, b)
        }
    })
}

/// A Python value of a state dict (or option) as an engine value.
fn state_value(key: &str, v: &Bound<'_, PyAny>) -> PyResult<StateValue> {
    if let Ok(t) = v.cast::<PyTensor>() {
        return Ok(StateValue::Tensor(t.get().t.clone()));
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(StateValue::Bool(v.is_truthy()?));
    }
    if let Ok(x) = v.extract::<f64>() {
        return Ok(StateValue::Float(x));
    }
    if let Ok(t) = v.cast::<PyTuple>()
        && t.len() == 2
        && let (Ok(a), Ok(b)) = (
            t.get_item(0)?.extract::<f64>(),
            t.get_item(1)?.extract::<f64>(),
        )
    {
        return Ok(StateValue::Pair(a, b));
    }
    Err(PyTypeError::new_err(format!(
        "optimizer state '{key}' must be a tensor or a number, not {}",
        type_name(v)
    )))
}

fn py_value(py: Python<'_>, v: StateValue) -> PyResult<Py<PyAny>> {
    Ok(match v {
        StateValue::Float(x) => x.into_pyobject(py)?.into_any().unbind(),
        StateValue::Bool(b) => PyBool::new(py, b).to_owned().into_any().unbind(),
        StateValue::Pair(a, b) => PyTuple::new(py, [a, b])?.into_any().unbind(),
        StateValue::Tensor(t) => wrap(py, t)?,
        StateValue::Params(ids) => PyList::new(py, ids)?.into_any().unbind(),
    })
}

fn state_dict_obj(py: Python<'_>, m: ValueMap) -> PyResult<Py<PyAny>> {
    let d = PyDict::new(py);
    for (k, v) in m {
        d.set_item(k, py_value(py, v)?)?;
    }
    Ok(d.into_any().unbind())
}

fn state_map(d: &Bound<'_, PyAny>) -> PyResult<ValueMap> {
    let d = d.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "optimizer state must be a dict, not {}",
            type_name(d)
        ))
    })?;
    let mut m = ValueMap::new();
    for (k, v) in d.iter() {
        let k: String = k.extract()?;
        let sv = state_value(&k, &v)?;
        m.insert(k, sv);
    }
    Ok(m)
}

fn group_dict<'py>(g: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    g.cast::<PyDict>().cloned().map_err(|_| {
        PyTypeError::new_err(format!(
            "param_group must be a dict, but got {}",
            type_name(g)
        ))
    })
}

fn group_params<'py>(d: &Bound<'py, PyDict>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let Some(ps) = d.get_item("params")? else {
        return Err(PyKeyError::new_err("params"));
    };
    if let Ok(l) = ps.cast::<PyList>() {
        return Ok(l.iter().collect());
    }
    ps.try_iter()?.collect()
}

fn engine_tensor(p: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    match p.cast::<PyTensor>() {
        Ok(t) => Ok(t.get().t.clone()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "optimizer can only optimize Tensors, but one of the params is {}",
            type_name(p)
        ))),
    }
}

impl PyEngine {
    /// The group's options for the engine, and what to remember of them.
    fn read_group(&self, d: &Bound<'_, PyDict>) -> PyResult<(ValueMap, Seen)> {
        let mut m = ValueMap::new();
        let mut seen = Vec::with_capacity(self.keys.len() + self.flags.len());
        let mut volatile = false;
        for k in &self.keys {
            let name = k.name.bind(d.py());
            let Some(v) = d.get_item(name)? else {
                return Err(PyKeyError::new_err(name.clone().unbind()));
            };
            let key = name.to_str()?;
            m.insert(
                key.to_owned(),
                option_value(key, k.kind, &v, &mut volatile)?,
            );
            seen.push(Some(v.unbind()));
        }
        for f in &self.flags {
            let v = d.get_item(f.bind(d.py()))?;
            if let Some(v) = &v
                && v.is_truthy()?
            {
                let flag = f.bind(d.py()).to_str()?;
                return Err(PyNotImplementedError::new_err(format!(
                    "ember's {} does not support {flag}=True: it runs PyTorch's single-tensor (for-loop) algorithm; leave {flag} at its default",
                    self.display
                )));
            }
            seen.push(v.map(Bound::unbind));
        }
        Ok((
            m,
            Seen {
                values: seen,
                volatile,
            },
        ))
    }

    /// Whether the dict still holds exactly the values last seen.
    fn unchanged(&self, d: &Bound<'_, PyDict>, sync: &GroupSync) -> PyResult<bool> {
        if sync.seen.volatile {
            return Ok(false);
        }
        let names = self.keys.iter().map(|k| &k.name).chain(&self.flags);
        for (name, old) in names.zip(&sync.seen.values) {
            let now = d.get_item(name.bind(d.py()))?;
            let same = match (&now, old) {
                (Some(a), Some(b)) => a.as_ptr() == b.as_ptr(),
                (None, None) => true,
                _ => false,
            };
            if !same {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn add_group(&mut self, d: &Bound<'_, PyDict>, params: &[Bound<'_, PyAny>]) -> PyResult<()> {
        let tensors = params
            .iter()
            .map(engine_tensor)
            .collect::<PyResult<Vec<_>>>()?;
        let (m, seen) = self.read_group(d)?;
        self.numel += tensors.iter().map(Tensor::numel).sum::<usize>();
        self.opt.add_param_group_options(tensors, &m).or_raise()?;
        self.groups.push(GroupSync {
            params: params.iter().map(|p| p.clone().unbind()).collect(),
            seen,
        });
        Ok(())
    }

    /// A new engine optimizer for `groups`, with each parameter's state carried over.
    fn rebuild(&mut self, groups: &[Bound<'_, PyDict>]) -> PyResult<()> {
        let mut carried = Vec::new();
        for (i, p) in self.groups.iter().flat_map(|g| &g.params).enumerate() {
            if let Some(st) = self.opt.param_state(i) {
                carried.push((p.as_ptr() as usize, st));
            }
        }
        self.reset()?;
        let mut all = Vec::new();
        for d in groups {
            let params = group_params(d)?;
            all.extend(params.iter().map(|p| p.as_ptr() as usize));
            self.add_group(d, &params)?;
        }
        for (i, ptr) in all.iter().enumerate() {
            if let Some((_, st)) = carried.iter().find(|(p, _)| p == ptr) {
                self.opt.set_param_state(i, Some(st)).or_raise()?;
            }
        }
        Ok(())
    }

    fn reset(&mut self) -> PyResult<()> {
        self.opt = optim::by_name(&self.algo, &self.defaults).or_raise()?;
        self.groups.clear();
        self.numel = 0;
        Ok(())
    }

    /// Note [Syncing param groups].
    fn sync(&mut self, groups: &Bound<'_, PyAny>) -> PyResult<()> {
        let list: Vec<Bound<'_, PyDict>> = match groups.cast::<PyList>() {
            Ok(l) => l.iter().map(|g| group_dict(&g)).collect::<PyResult<_>>()?,
            Err(_) => groups
                .try_iter()?
                .map(|g| group_dict(&g?))
                .collect::<PyResult<_>>()?,
        };
        if list.len() < self.groups.len() {
            return self.rebuild(&list);
        }
        for (i, d) in list.iter().enumerate() {
            let params = group_params(d)?;
            if i >= self.groups.len() {
                self.add_group(d, &params)?;
                continue;
            }
            let sync = &self.groups[i];
            let same_params = sync.params.len() == params.len()
                && sync
                    .params
                    .iter()
                    .zip(&params)
                    .all(|(a, b)| a.as_ptr() == b.as_ptr());
            if !same_params {
                return self.rebuild(&list);
            }
            if self.unchanged(d, sync)? {
                continue;
            }
            let (m, seen) = self.read_group(d)?;
            self.opt.set_group_options(i, &m).or_raise()?;
            self.groups[i].seen = seen;
        }
        Ok(())
    }
}

#[pymethods]
impl PyEngine {
    /// `Engine(algorithm, display_name, defaults)`: `defaults` is the Python optimizer's
    /// `defaults` dict; entries the engine has are its defaults, the rest are ignored.
    #[new]
    fn new(
        py: Python<'_>,
        algorithm: &str,
        display_name: &str,
        defaults: &Bound<'_, PyDict>,
    ) -> PyResult<PyEngine> {
        guard(|| {
            let probe = optim::by_name(algorithm, &ValueMap::new()).or_raise()?;
            let mut keys = Vec::new();
            let mut m = ValueMap::new();
            let mut volatile = false;
            for (k, v) in probe.default_options() {
                let kind = kind_of(&v);
                if let Some(pv) = defaults.get_item(&k)? {
                    m.insert(k.clone(), option_value(&k, kind, &pv, &mut volatile)?);
                }
                keys.push(Key {
                    name: PyString::intern(py, &k).unbind(),
                    kind,
                });
            }
            let opt = optim::by_name(algorithm, &m).or_raise()?;
            Ok(PyEngine {
                algo: algorithm.to_owned(),
                display: display_name.to_owned(),
                opt,
                defaults: m,
                keys,
                flags: UNSUPPORTED
                    .iter()
                    .map(|f| PyString::intern(py, f).unbind())
                    .collect(),
                groups: Vec::new(),
                numel: 0,
            })
        })
    }

    /// Mirrors `param_groups` into the engine (Note [Syncing param groups]).
    fn sync_groups(&mut self, param_groups: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| self.sync(param_groups))
    }

    /// `optimizer.step()`: syncs the groups, then updates every parameter with a gradient.
    fn step(&mut self, py: Python<'_>, param_groups: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(|| {
            self.sync(param_groups)?;
            let opt = &mut self.opt;
            let nparams: usize = self.groups.iter().map(|g| g.params.len()).sum();
            let r = if self.numel >= RELEASE_GIL_NUMEL || nparams >= RELEASE_GIL_PARAMS {
                py.detach(move || opt.step())
            } else {
                opt.step()
            };
            r.or_raise()
        })
    }

    /// The state of parameter `index` as a dict of the engine's names (tensors share the
    /// engine's memory), or `None` before its first step.
    fn state(
        &mut self,
        py: Python<'_>,
        param_groups: &Bound<'_, PyAny>,
        index: usize,
    ) -> PyResult<Option<Py<PyAny>>> {
        guard(|| {
            self.sync(param_groups)?;
            self.opt
                .param_state(index)
                .map(|m| state_dict_obj(py, m))
                .transpose()
        })
    }

    /// Every parameter's state: `{index: {name: value}}`.
    fn states(&mut self, py: Python<'_>, param_groups: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        guard(|| {
            self.sync(param_groups)?;
            let out = PyDict::new(py);
            for (i, m) in self.opt.state_dict().state {
                out.set_item(i, state_dict_obj(py, m)?)?;
            }
            Ok(out.into_any().unbind())
        })
    }

    /// Replaces (a dict) or clears (`None`) the state of parameter `index`; tensors are
    /// copied and cast to the parameter's dtype and device.
    fn set_state(
        &mut self,
        param_groups: &Bound<'_, PyAny>,
        index: usize,
        state: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(|| {
            self.sync(param_groups)?;
            if index >= self.groups.iter().map(|g| g.params.len()).sum::<usize>() {
                return Err(PyIndexError::new_err(format!(
                    "parameter index {index} out of range"
                )));
            }
            let m = state.map(state_map).transpose()?;
            self.opt.set_param_state(index, m.as_ref()).or_raise()
        })
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        for g in &self.groups {
            for p in &g.params {
                visit.call(p)?;
            }
            for v in g.seen.values.iter().flatten() {
                visit.call(v)?;
            }
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.groups.clear();
        let _ = self.reset();
    }
}

/// `optimizer.zero_grad(set_to_none)` over Python `param_groups`, as PyTorch's base class
/// does it: `None` gradients, or gradients cut from their history and zeroed in place.
#[pyfunction]
#[pyo3(signature = (param_groups, set_to_none = true))]
fn zero_grad(param_groups: &Bound<'_, PyAny>, set_to_none: bool) -> PyResult<()> {
    guard(|| {
        for g in param_groups.try_iter()? {
            let d = group_dict(&g?)?;
            for p in group_params(&d)? {
                let t = engine_tensor(&p)?;
                let Some(grad) = t.grad() else { continue };
                if set_to_none {
                    t.set_grad(None);
                    continue;
                }
                let grad = if grad.grad_fn().is_some() {
                    let d = grad.detach();
                    t.set_grad(Some(d.clone()));
                    d
                } else {
                    grad
                };
                grad.try_requires_grad_(false).or_raise()?;
                let _ng = ember::no_grad();
                grad.try_zero_().or_raise()?;
            }
        }
        Ok(())
    })
}

/// The `_C._optim` submodule.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let o = PyModule::new(m.py(), "_optim")?;
    o.add_class::<PyEngine>()?;
    o.add_function(wrap_pyfunction!(zero_grad, &o)?)?;
    m.add_submodule(&o)?;
    Ok(())
}
