//! Python's operators on tensors: arithmetic (also reflected and in place), comparisons,
//! `@`, unary `-`/`~`/`abs()`, and `x[...]` reads and writes.

use crate::convert::{Other, scalar};
use crate::error::{OrRaise, guard};
use crate::tensor::{PyTensor, wrap};
use ember::{BinaryOp, CmpOp, DType, Tensor, TensorIndex};
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyEllipsis, PyList, PySlice, PyTuple};

/// A Python number as a 0-dim tensor on `t`'s device ("wrapped number").
fn scalar_like(s: ember::Scalar, t: &Tensor) -> Tensor {
    let x = ember::scalar_tensor(s);
    if t.device() == x.device() {
        x
    } else {
        x.try_to_device(t.device()).unwrap_or(x)
    }
}

/// `NotImplemented`, so Python tries the other operand's reflected method.
fn not_implemented(py: Python<'_>) -> Py<PyAny> {
    py.NotImplemented()
}

/// A binary operator: the engine op, or `NotImplemented` for operands it does not take.
fn binop(
    slf: &Bound<'_, PyTensor>,
    other: &Bound<'_, PyAny>,
    f: impl FnOnce(&Tensor, &Other) -> ember::Result<Tensor>,
) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    guard(|| match Other::from_py(other)? {
        Some(o) => wrap(py, f(&slf.get().t, &o).or_raise()?),
        None => Ok(not_implemented(py)),
    })
}

/// A reflected operator `other op self` where `other` is a number (or an array).
fn rbinop(
    slf: &Bound<'_, PyTensor>,
    other: &Bound<'_, PyAny>,
    f: impl FnOnce(&Tensor, &Tensor) -> ember::Result<Tensor>,
) -> PyResult<Py<PyAny>> {
    let py = slf.py();
    if crate::numpy_bridge::is_ndarray(other) {
        // PyTorch's reflected operators take no arrays: `ndarray - tensor` is a TypeError.
        return Ok(not_implemented(py));
    }
    guard(|| {
        let t = &slf.get().t;
        let lhs = match Other::from_py(other)? {
            Some(Other::T(o)) => o,
            // A number on the left is a 0-dim "wrapped number": it takes part in promotion
            // by category only, as `scalar_tensor` makes it.
            Some(Other::S(s)) => scalar_like(s, t),
            None => return Ok(not_implemented(py)),
        };
        wrap(py, f(&lhs, t).or_raise()?)
    })
}

/// An in-place operator (`x += y`): the receiver, updated.
fn ibinop(slf: &Bound<'_, PyTensor>, other: &Bound<'_, PyAny>, op: BinaryOp) -> PyResult<()> {
    guard(|| match Other::from_py(other)? {
        Some(o) => {
            slf.get().t.try_binary_(o.operand(), op).or_raise()?;
            Ok(())
        }
        None => Err(PyTypeError::new_err(format!(
            "unsupported operand type(s) for {}=: 'Tensor' and '{}'",
            op.name(),
            other.get_type().name()?
        ))),
    })
}

fn cmp(slf: &Bound<'_, PyTensor>, other: &Bound<'_, PyAny>, op: CmpOp) -> PyResult<Py<PyAny>> {
    binop(slf, other, |t, o| t.try_cmp(o.operand(), op))
}

fn bool_only(t: &Tensor, what: &str) -> ember::Result<()> {
    if t.dtype() != DType::Bool {
        return Err(ember::Error::DType(format!(
            "ember: `{what}` is supported on bool tensors only (got {})",
            t.dtype().name()
        )));
    }
    Ok(())
}

#[pymethods]
impl PyTensor {
    fn __add__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| t.try_add(o.operand()))
    }
    fn __radd__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if crate::numpy_bridge::is_ndarray(other) {
            return Ok(not_implemented(slf.py()));
        }
        binop(slf, other, |t, o| t.try_add(o.operand()))
    }
    fn __iadd__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        ibinop(slf, other, BinaryOp::Add)
    }
    fn __sub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| t.try_sub(o.operand()))
    }
    fn __rsub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match scalar(other) {
            Some(s) => {
                let py = slf.py();
                guard(|| wrap(py, slf.get().t.try_rsub(s).or_raise()?))
            }
            None => rbinop(slf, other, |a, b| a.try_sub(b)),
        }
    }
    fn __isub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        ibinop(slf, other, BinaryOp::Sub)
    }
    fn __mul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| t.try_mul(o.operand()))
    }
    fn __rmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if crate::numpy_bridge::is_ndarray(other) {
            return Ok(not_implemented(slf.py()));
        }
        binop(slf, other, |t, o| t.try_mul(o.operand()))
    }
    fn __imul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        ibinop(slf, other, BinaryOp::Mul)
    }
    fn __truediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| t.try_div(o.operand()))
    }
    fn __rtruediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match scalar(other) {
            Some(s) => {
                let py = slf.py();
                guard(|| wrap(py, slf.get().t.try_rdiv(s).or_raise()?))
            }
            None => rbinop(slf, other, |a, b| a.try_div(b)),
        }
    }
    fn __itruediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        ibinop(slf, other, BinaryOp::Div)
    }
    fn __floordiv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| t.try_floor_divide(o.operand()))
    }
    fn __rfloordiv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        rbinop(slf, other, |a, b| a.try_floor_divide(b))
    }
    fn __ifloordiv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        ibinop(slf, other, BinaryOp::FloorDivide)
    }
    fn __mod__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| t.try_remainder(o.operand()))
    }
    fn __rmod__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        rbinop(slf, other, |a, b| a.try_remainder(b))
    }
    fn __imod__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        ibinop(slf, other, BinaryOp::Remainder)
    }
    fn __pow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        modulo: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let _ = modulo;
        binop(slf, other, |t, o| t.try_pow(o.operand()))
    }
    fn __rpow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        modulo: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let _ = modulo;
        match scalar(other) {
            Some(s) => {
                let py = slf.py();
                guard(|| wrap(py, slf.get().t.try_rpow(s).or_raise()?))
            }
            None => rbinop(slf, other, |a, b| a.try_pow(b)),
        }
    }
    fn __ipow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        _modulo: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        ibinop(slf, other, BinaryOp::Pow)
    }
    fn __matmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match other.cast::<PyTensor>() {
            Ok(o) => {
                let (a, b) = (slf.get().t.clone(), o.get().t.clone());
                guard(|| wrap(py, py.detach(|| a.try_matmul(&b)).or_raise()?))
            }
            Err(_) => Ok(not_implemented(py)),
        }
    }
    fn __rmatmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        rbinop(slf, other, |a, b| a.try_matmul(b))
    }
    fn __neg__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        guard(|| wrap(slf.py(), slf.get().t.try_neg().or_raise()?))
    }
    fn __pos__(slf: &Bound<'_, Self>) -> Py<Self> {
        slf.clone().unbind()
    }
    fn __abs__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        guard(|| wrap(slf.py(), slf.get().t.try_abs().or_raise()?))
    }
    fn __invert__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let t = &slf.get().t;
        guard(|| {
            bool_only(t, "~").or_raise()?;
            wrap(slf.py(), t.try_logical_not().or_raise()?)
        })
    }
    fn __and__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| {
            bool_only(t, "&")?;
            t.try_logical_and(o.operand())
        })
    }
    fn __rand__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Self::__and__(slf, other)
    }
    fn __or__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| {
            bool_only(t, "|")?;
            t.try_logical_or(o.operand())
        })
    }
    fn __ror__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Self::__or__(slf, other)
    }
    fn __xor__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binop(slf, other, |t, o| {
            bool_only(t, "^")?;
            t.try_logical_xor(o.operand())
        })
    }
    fn __rxor__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Self::__xor__(slf, other)
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        cmp(slf, other, CmpOp::Eq)
    }
    fn __ne__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        cmp(slf, other, CmpOp::Ne)
    }
    fn __lt__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        cmp(slf, other, CmpOp::Lt)
    }
    fn __le__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        cmp(slf, other, CmpOp::Le)
    }
    fn __gt__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        cmp(slf, other, CmpOp::Gt)
    }
    fn __ge__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        cmp(slf, other, CmpOp::Ge)
    }

    fn __getitem__(slf: &Bound<'_, Self>, index: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        guard(|| {
            let items = index_items(index)?;
            wrap(py, slf.get().t.try_i(items).or_raise()?)
        })
    }

    fn __setitem__(
        slf: &Bound<'_, Self>,
        index: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        guard(|| {
            let items = index_items(index)?;
            set_items(&slf.get().t, items, value)
        })
    }
}

/// A Python index expression as engine index items.
pub fn index_items(index: &Bound<'_, PyAny>) -> PyResult<Vec<TensorIndex>> {
    if let Ok(tup) = index.cast::<PyTuple>() {
        return tup.iter().map(|i| index_item(&i)).collect();
    }
    Ok(vec![index_item(index)?])
}

fn index_item(i: &Bound<'_, PyAny>) -> PyResult<TensorIndex> {
    if i.is_none() {
        return Ok(TensorIndex::NewAxis);
    }
    if i.is_instance_of::<PyEllipsis>() {
        return Ok(TensorIndex::Ellipsis);
    }
    if let Ok(s) = i.cast::<PySlice>() {
        let get = |name: &str| -> PyResult<Option<i64>> {
            let v = s.getattr(name)?;
            if v.is_none() {
                Ok(None)
            } else {
                Ok(Some(crate::convert::index_of(&v)?))
            }
        };
        let step = get("step")?.unwrap_or(1);
        if step <= 0 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "step must be greater than zero",
            ));
        }
        return Ok(TensorIndex::Slice {
            start: get("start")?,
            stop: get("stop")?,
            step,
        });
    }
    if let Ok(t) = i.cast::<PyTensor>() {
        let t = &t.get().t;
        // A one-element integer tensor used as an index selects, as an int would.
        return Ok(TensorIndex::Tensor(t.clone()));
    }
    if i.is_instance_of::<pyo3::types::PyBool>() {
        let b: bool = i.extract()?;
        let t = ember::tensor(b);
        return Ok(TensorIndex::Tensor(t));
    }
    if let Ok(v) = i.extract::<i64>() {
        return Ok(TensorIndex::Select(v));
    }
    if i.is_instance_of::<PyList>() || crate::numpy_bridge::is_ndarray(i) {
        let t = crate::convert::tensor_from_data(i, None)?;
        let t = if t.dtype().is_floating_point() {
            return Err(PyIndexError::new_err(
                "tensors used as indices must be long, int, byte or bool tensors",
            ));
        } else {
            t
        };
        return Ok(TensorIndex::Tensor(t));
    }
    Err(PyTypeError::new_err(format!(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})",
        i.get_type().name()?
    )))
}

/// `x[items] = value`: basic items narrow a view of `x`; tensor items become the indices
/// of an `index_put_` on that view.
fn set_items(t: &Tensor, items: Vec<TensorIndex>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    // `x[mask] = number` with a mask over all of `x` is a masked fill, as PyTorch dispatches it.
    if let ([TensorIndex::Tensor(m)], Some(s)) = (items.as_slice(), scalar(value))
        && m.dtype() == DType::Bool
        && m.shape() == t.shape()
    {
        t.try_masked_fill_(m, s).or_raise()?;
        return Ok(());
    }
    let value_t: Tensor = match value.cast::<PyTensor>() {
        Ok(v) => v.get().t.clone(),
        Err(_) => match scalar(value) {
            Some(s) => scalar_like(s, t).try_to_dtype(t.dtype()).or_raise()?,
            None => crate::convert::tensor_from_data(value, Some(t.dtype()))?,
        },
    };
    let has_tensor = items.iter().any(|i| matches!(i, TensorIndex::Tensor(_)));
    if !has_tensor {
        let view = t.try_i(items).or_raise()?;
        view.try_copy_(&value_t).or_raise()?;
        return Ok(());
    }
    // Walk the items over a view, recording one index (or None) per remaining dim.
    let explicit: usize = items
        .iter()
        .map(|i| match i {
            TensorIndex::Select(_) | TensorIndex::Slice { .. } => 1,
            TensorIndex::Tensor(x) if x.dtype() == DType::Bool || x.dtype() == DType::U8 => {
                x.ndim()
            }
            TensorIndex::Tensor(_) => 1,
            _ => 0,
        })
        .sum();
    let mut view = t.clone();
    let mut dim = 0i64;
    let mut indices: Vec<Option<Tensor>> = Vec::new();
    for item in items {
        match item {
            TensorIndex::Select(i) => view = view.try_select(dim, i).or_raise()?,
            s @ TensorIndex::Slice { .. } => {
                let mut spec: Vec<TensorIndex> = (0..dim)
                    .map(|_| TensorIndex::Slice {
                        start: None,
                        stop: None,
                        step: 1,
                    })
                    .collect();
                spec.push(s);
                view = view.try_i(spec).or_raise()?;
                indices.push(None);
                dim += 1;
            }
            TensorIndex::NewAxis => {
                view = view.try_unsqueeze(dim).or_raise()?;
                indices.push(None);
                dim += 1;
            }
            TensorIndex::Ellipsis => {
                let rest = t.ndim().saturating_sub(explicit);
                for _ in 0..rest {
                    indices.push(None);
                }
                dim += rest as i64;
            }
            TensorIndex::Tensor(x) => {
                let k = if x.dtype() == DType::Bool || x.dtype() == DType::U8 {
                    x.ndim().max(1)
                } else {
                    1
                };
                indices.push(Some(x));
                dim += k as i64;
            }
        }
    }
    while indices.last().is_some_and(|i| i.is_none()) {
        indices.pop();
    }
    view.try_index_put_(&indices, &value_t, false).or_raise()?;
    Ok(())
}
