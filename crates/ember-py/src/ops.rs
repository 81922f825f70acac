//! The tensor ops that are not table-driven, one line each: PyTorch's Python signature, then
//! the engine call. Each also becomes a `torch.<name>` function (see `FUNCTIONS`), taking
//! the tensor first, as PyTorch's module functions do.

use crate::convert::{Ints, Other, OutArg, ScalarArg, TensorArg, shape_args};
use crate::dtype::DTypeArg;
use crate::error::{OrRaise, guard};
use crate::generator::GenArg;
use crate::ret::{Named, Obj, Ret, SelfRet};
use crate::tensor::PyTensor;
use ember::{DType, Scalar, Tensor};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// Declares methods of `Tensor`: `fn name(args) [pyo3 signature] => body;` where `t` is the
/// receiver's engine tensor and `body` an engine or Python result of anything [`Ret`] takes.
/// The names are collected in `$list` for the module functions.
macro_rules! tensor_methods {
    ($list:ident, $t:ident, $py:ident; $( fn $name:ident ($($arg:ident : $ty:ty),*) [$($sig:tt)*] => $body:expr; )*) => {
        #[pymethods]
        impl PyTensor {
            $(
                #[pyo3(signature = ($($sig)*))]
                #[allow(unused_variables, clippy::redundant_closure_call)]
                fn $name(slf: &Bound<'_, Self>, $($arg: $ty),*) -> PyResult<Py<PyAny>> {
                    let $py = slf.py();
                    let $t: &Tensor = &slf.get().t;
                    guard(|| Ret::ret($body, $py, slf))
                }
            )*
        }

        pub const $list: &[&str] = &[$(stringify!($name)),*];
    };
}

/// `torch.op(..., out=t)`: the result written into `out`, which is returned.
fn with_out(r: ember::Result<Tensor>, out: Option<OutArg>) -> PyResult<Obj> {
    let r = r.or_raise()?;
    match out {
        None => Python::attach(|py| Ok(Obj(crate::tensor::wrap(py, r)?))),
        Some(OutArg(o, obj)) => {
            write_out(&r, &o)?;
            Ok(Obj(obj))
        }
    }
}

/// Writes an op's result into an `out=` tensor of the same shape.
pub fn write_out(r: &Tensor, o: &Tensor) -> PyResult<()> {
    if o.shape() != r.shape() {
        return Err(PyRuntimeError::new_err(format!(
            "ember: out= tensor of shape {:?} does not match the result's shape {:?} (ember does not resize out= tensors)",
            o.shape(),
            r.shape()
        )));
    }
    if ember::is_grad_enabled() && (r.requires_grad() || o.requires_grad()) {
        return Err(PyRuntimeError::new_err(
            "functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.",
        ));
    }
    let _g = ember::no_grad();
    o.try_copy_(r).or_raise()?;
    Ok(())
}

/// PyTorch checks an index tensor's values inside the kernel (a `RuntimeError`), its
/// shape before it (an `IndexError`), where the engine reports both as out of range.
fn kernel_errors(r: ember::Result<Tensor>) -> PyResult<Tensor> {
    r.map_err(|e| {
        let msg = crate::error::names(e.to_string());
        if msg.contains("supposed to be a vector") || msg.contains("index out of range in self") {
            pyo3::exceptions::PyIndexError::new_err(msg)
        } else if matches!(e, ember::Error::IndexOutOfRange(_))
            && !msg.starts_with("Dimension out of range")
        {
            PyRuntimeError::new_err(msg)
        } else {
            crate::error::to_py(e)
        }
    })
}

/// Optional dims: None = all.
fn dims_or_all(dim: &Option<Ints>) -> Option<Vec<i64>> {
    dim.as_ref().map(|d| d.0.clone())
}

fn one_dim(dim: &Option<Ints>, op: &str) -> PyResult<Option<i64>> {
    match dim {
        None => Ok(None),
        Some(Ints(v)) if v.len() == 1 => Ok(Some(v[0])),
        Some(_) => Err(PyTypeError::new_err(format!(
            "{op}(): argument 'dim' must be int, not tuple"
        ))),
    }
}

fn cast_first(t: &Tensor, dtype: Option<DTypeArg>) -> ember::Result<Tensor> {
    match dtype {
        Some(DTypeArg(dt)) if dt != t.dtype() => t.try_to_dtype(dt),
        _ => Ok(t.clone()),
    }
}

fn sum(
    t: &Tensor,
    dim: Option<Ints>,
    keepdim: bool,
    dtype: Option<DTypeArg>,
) -> ember::Result<Tensor> {
    let x = cast_first(t, dtype)?;
    match dims_or_all(&dim) {
        Some(d) => x.try_sum_dim(d, keepdim),
        None => x.try_sum(),
    }
}

fn mean(
    t: &Tensor,
    dim: Option<Ints>,
    keepdim: bool,
    dtype: Option<DTypeArg>,
) -> ember::Result<Tensor> {
    let x = cast_first(t, dtype)?;
    match dims_or_all(&dim) {
        Some(d) => x.try_mean_dim(d, keepdim),
        None => x.try_mean(),
    }
}

/// PyTorch's `correction` from `unbiased` or `correction` (default 1).
fn correction(
    unbiased: Option<&Bound<'_, PyAny>>,
    correction: Option<f64>,
) -> PyResult<(f64, Option<Ints>)> {
    // `x.var(0)`: a positional dim lands in `unbiased`'s slot of the legacy signature only
    // when it is not a bool.
    if let Some(u) = unbiased {
        if u.is_instance_of::<pyo3::types::PyBool>() {
            return Ok((if u.is_truthy()? { 1.0 } else { 0.0 }, None));
        }
        return Ok((correction.unwrap_or(1.0), Some(u.extract::<Ints>()?)));
    }
    Ok((correction.unwrap_or(1.0), None))
}

fn var_std(
    t: &Tensor,
    dim: Option<&Bound<'_, PyAny>>,
    unbiased: Option<&Bound<'_, PyAny>>,
    keepdim: bool,
    corr: Option<f64>,
    std: bool,
) -> PyResult<Tensor> {
    // `x.var(True)` is the legacy `unbiased` flag, not a dim.
    let (dim, unbiased) = match dim {
        Some(d) if d.is_instance_of::<pyo3::types::PyBool>() => (None, Some(d)),
        d => (d.filter(|d| !d.is_none()), unbiased),
    };
    let (c, _) = correction(unbiased, corr)?;
    let dims: Vec<i64> = match dim {
        Some(d) => d.extract::<Ints>()?.0,
        None => vec![],
    };
    if std {
        t.try_std_with(dims, c, keepdim).or_raise()
    } else {
        t.try_var_with(dims, c, keepdim).or_raise()
    }
}

fn norm_p(p: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
    match p {
        None => Ok(2.0),
        Some(p) if p.is_none() => Ok(2.0),
        Some(p) => {
            if let Ok(s) = p.extract::<String>() {
                return match s.as_str() {
                    "fro" => Ok(2.0),
                    "inf" => Ok(f64::INFINITY),
                    "-inf" => Ok(f64::NEG_INFINITY),
                    _ => Err(PyValueError::new_err(format!(
                        "ember: norm with p='{s}' is not supported"
                    ))),
                };
            }
            p.extract::<f64>()
        }
    }
}

fn max_min(t: &Tensor, dim: Option<&Bound<'_, PyAny>>, keepdim: bool, max: bool) -> PyResult<Obj> {
    let py = match dim {
        Some(d) => d.py(),
        None => return Err(PyRuntimeError::new_err("unreachable")),
    };
    let d = dim.expect("checked above");
    if let Ok(o) = d.cast::<PyTensor>() {
        let o = &o.get().t;
        let r = if max {
            t.try_maximum(o)
        } else {
            t.try_minimum(o)
        }
        .or_raise()?;
        return Ok(Obj(crate::tensor::wrap(py, r)?));
    }
    let dim: i64 = d.extract()?;
    let (v, i) = if max {
        t.try_max_dim(dim, keepdim)
    } else {
        t.try_min_dim(dim, keepdim)
    }
    .or_raise()?;
    Ok(Obj(crate::ret::named(
        py,
        Named(if max { "max" } else { "min" }, v, i),
    )?))
}

fn reduce_all_or_dim(
    t: &Tensor,
    dim: Option<Ints>,
    keepdim: bool,
    all: fn(&Tensor) -> ember::Result<Tensor>,
    by_dim: fn(&Tensor, Vec<i64>, bool) -> ember::Result<Tensor>,
) -> ember::Result<Tensor> {
    match dim {
        None => all(t),
        Some(Ints(d)) => by_dim(t, d, keepdim),
    }
}

fn split(t: &Tensor, split: &Bound<'_, PyAny>, dim: i64) -> PyResult<Vec<Tensor>> {
    if let Ok(n) = split.extract::<usize>() {
        return t.try_split(n, dim).or_raise();
    }
    let sizes = split.extract::<Ints>()?.0;
    t.try_split_with_sizes(sizes, dim).or_raise()
}

fn div(t: &Tensor, other: Other, rounding_mode: Option<String>) -> PyResult<Tensor> {
    let q = t.try_div(other.operand()).or_raise()?;
    let int_result = !t.dtype().is_floating_point()
        && match &other {
            Other::T(o) => !o.dtype().is_floating_point(),
            Other::S(s) => !s.is_float(),
        };
    let r = match rounding_mode.as_deref() {
        None => return Ok(q),
        Some("trunc") => q.try_trunc().or_raise()?,
        Some("floor") => return t.try_floor_divide(other.operand()).or_raise(),
        Some(m) => {
            return Err(PyValueError::new_err(format!(
                "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{m}'"
            )));
        }
    };
    if int_result {
        let dt = match &other {
            Other::T(o) => DType::promote(t.dtype(), o.dtype()),
            Other::S(_) => t.dtype(),
        };
        return r.try_to_dtype(dt).or_raise();
    }
    Ok(r)
}

fn add_sub(t: &Tensor, other: Other, alpha: Option<ScalarArg>, sub: bool) -> ember::Result<Tensor> {
    match (other, alpha) {
        (Other::T(o), Some(ScalarArg(a))) => {
            if sub {
                t.try_sub_alpha(&o, a.to_f64())
            } else {
                t.try_add_alpha(&o, a.to_f64())
            }
        }
        (Other::S(s), Some(ScalarArg(a))) => {
            let sa = match (s, a) {
                (Scalar::Int(i), Scalar::Int(j)) => Scalar::Int(i * j),
                _ => Scalar::Float(s.to_f64() * a.to_f64()),
            };
            if sub { t.try_sub(sa) } else { t.try_add(sa) }
        }
        (o, None) => {
            if sub {
                t.try_sub(o.operand())
            } else {
                t.try_add(o.operand())
            }
        }
    }
}

fn add_sub_(
    t: &Tensor,
    other: Other,
    alpha: Option<ScalarArg>,
    sub: bool,
) -> ember::Result<SelfRet> {
    let scaled = match (&other, alpha) {
        (_, None) => None,
        (Other::T(o), Some(ScalarArg(a))) => Some(Other::T(o.try_mul(a)?)),
        (Other::S(s), Some(ScalarArg(a))) => Some(Other::S(match (*s, a) {
            (Scalar::Int(i), Scalar::Int(j)) => Scalar::Int(i * j),
            (s, a) => Scalar::Float(s.to_f64() * a.to_f64()),
        })),
    };
    let o = scaled.as_ref().unwrap_or(&other);
    if sub {
        t.try_sub_(o.operand())?;
    } else {
        t.try_add_(o.operand())?;
    }
    Ok(SelfRet)
}

fn clamp(
    t: &Tensor,
    min: Option<&Bound<'_, PyAny>>,
    max: Option<&Bound<'_, PyAny>>,
) -> PyResult<Tensor> {
    let as_tensor = |b: Option<&Bound<'_, PyAny>>| {
        b.and_then(|b| b.cast::<PyTensor>().ok().map(|x| x.get().t.clone()))
    };
    let (tmin, tmax) = (as_tensor(min), as_tensor(max));
    if tmin.is_some() || tmax.is_some() {
        let mut r = t.clone();
        if let Some(lo) = &tmin {
            r = r.try_maximum(lo).or_raise()?;
        } else if let Some(lo) = min.filter(|m| !m.is_none()) {
            r = r
                .try_clamp_scalar(Some(lo.extract::<ScalarArg>()?.0), None)
                .or_raise()?;
        }
        if let Some(hi) = &tmax {
            r = r.try_minimum(hi).or_raise()?;
        } else if let Some(hi) = max.filter(|m| !m.is_none()) {
            r = r
                .try_clamp_scalar(None, Some(hi.extract::<ScalarArg>()?.0))
                .or_raise()?;
        }
        return Ok(r);
    }
    let s = |b: Option<&Bound<'_, PyAny>>| -> PyResult<Option<Scalar>> {
        match b {
            Some(b) if !b.is_none() => Ok(Some(b.extract::<ScalarArg>()?.0)),
            _ => Ok(None),
        }
    };
    t.try_clamp_scalar(s(min)?, s(max)?).or_raise()
}

fn clamp_(
    t: &Tensor,
    min: Option<&Bound<'_, PyAny>>,
    max: Option<&Bound<'_, PyAny>>,
) -> PyResult<SelfRet> {
    let f = |b: Option<&Bound<'_, PyAny>>| -> PyResult<Option<f64>> {
        match b {
            Some(b) if !b.is_none() => Ok(Some(b.extract::<f64>()?)),
            _ => Ok(None),
        }
    };
    t.try_clamp_(f(min)?, f(max)?).or_raise()?;
    Ok(SelfRet)
}

fn dims_varargs(args: &Bound<'_, PyTuple>) -> PyResult<Vec<i64>> {
    shape_args(args)
}

fn squeeze(t: &Tensor, dim: Option<Ints>) -> ember::Result<Tensor> {
    match dim {
        None => t.try_squeeze(),
        Some(Ints(d)) => t.try_squeeze_dim(d),
    }
}

fn unflatten(t: &Tensor, dim: i64, sizes: Ints) -> ember::Result<Tensor> {
    let n = t.ndim() as i64;
    let d = if dim < 0 { dim + n } else { dim };
    let mut shape: Vec<i64> = t.shape().iter().map(|&s| s as i64).collect();
    if d < 0 || d >= n {
        return Err(ember::Error::IndexOutOfRange(format!(
            "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
            -n,
            n - 1
        )));
    }
    let du = d as usize;
    shape.splice(du..=du, sizes.0);
    t.try_view(shape)
}

fn nonzero(t: &Tensor, as_tuple: bool) -> ember::Result<Obj> {
    let nz = t.try_nonzero()?;
    Python::attach(|py| {
        if !as_tuple {
            return Ok(Obj(
                crate::tensor::wrap(py, nz).map_err(|e| ember::Error::Value(e.to_string()))?
            ));
        }
        let cols: Vec<Tensor> = (0..t.ndim().max(1) as i64)
            .map(|i| nz.try_select(1, i))
            .collect::<ember::Result<_>>()?;
        crate::ret::tuple_of(py, cols)
            .map(Obj)
            .map_err(|e| ember::Error::Value(e.to_string()))
    })
}

tensor_methods! { FUNCTIONS, t, py;
    // ---- arithmetic with PyTorch's keywords ----
    fn add(other: Other, alpha: Option<ScalarArg>, out: Option<OutArg>) [other, *, alpha = None, out = None] => with_out(add_sub(t, other, alpha, false), out);
    fn sub(other: Other, alpha: Option<ScalarArg>, out: Option<OutArg>) [other, *, alpha = None, out = None] => with_out(add_sub(t, other, alpha, true), out);
    fn subtract(other: Other, alpha: Option<ScalarArg>, out: Option<OutArg>) [other, *, alpha = None, out = None] => with_out(add_sub(t, other, alpha, true), out);
    fn rsub(other: Other, alpha: Option<ScalarArg>) [other, *, alpha = None] => match other {
        Other::S(s) => match alpha {
            None => t.try_rsub(s),
            Some(ScalarArg(a)) => t.try_mul(a).and_then(|ta| ta.try_rsub(s)),
        },
        Other::T(o) => match alpha {
            None => o.try_sub(t),
            Some(ScalarArg(a)) => o.try_sub_alpha(t, a.to_f64()),
        },
    };
    fn mul(other: Other, out: Option<OutArg>) [other, *, out = None] => with_out(t.try_mul(other.operand()), out);
    fn multiply(other: Other, out: Option<OutArg>) [other, *, out = None] => with_out(t.try_mul(other.operand()), out);
    fn div(other: Other, rounding_mode: Option<String>, out: Option<OutArg>) [other, *, rounding_mode = None, out = None] => div(t, other, rounding_mode).and_then(|r| with_out(Ok(r), out));
    fn divide(other: Other, rounding_mode: Option<String>, out: Option<OutArg>) [other, *, rounding_mode = None, out = None] => div(t, other, rounding_mode).and_then(|r| with_out(Ok(r), out));
    fn true_divide(other: Other) [other] => t.try_div(other.operand());
    fn pow(exponent: Other, out: Option<OutArg>) [exponent, *, out = None] => with_out(t.try_pow(exponent.operand()), out);
    fn float_power(exponent: Other) [exponent] => t.try_to_dtype(DType::F64).and_then(|x| x.try_pow(exponent.operand()));
    fn clamp(min: Option<&Bound<'_, PyAny>>, max: Option<&Bound<'_, PyAny>>, out: Option<OutArg>) [min = None, max = None, *, out = None] => clamp(t, min, max).and_then(|r| with_out(Ok(r), out));
    fn clip(min: Option<&Bound<'_, PyAny>>, max: Option<&Bound<'_, PyAny>>) [min = None, max = None] => clamp(t, min, max);
    fn clamp_min(min: ScalarArg) [min] => t.try_clamp_scalar(Some(min.0), None);
    fn clamp_max(max: ScalarArg) [max] => t.try_clamp_scalar(None, Some(max.0));
    fn logical_not() [] => t.try_logical_not();
    fn masked_fill(mask: TensorArg, value: ScalarArg) [mask, value] => t.try_masked_fill(&mask.0, value.0);
    fn leaky_relu(negative_slope: f64) [negative_slope = 0.01] => t.try_leaky_relu(negative_slope);
    fn softmax(dim: i64, dtype: Option<DTypeArg>) [dim, dtype = None] => cast_first(t, dtype).and_then(|x| x.try_softmax(dim));
    fn log_softmax(dim: i64, dtype: Option<DTypeArg>) [dim, dtype = None] => cast_first(t, dtype).and_then(|x| x.try_log_softmax(dim));

    // ---- reductions ----
    fn sum(dim: Option<Ints>, keepdim: bool, dtype: Option<DTypeArg>) [dim = None, keepdim = false, *, dtype = None] => sum(t, dim, keepdim, dtype);
    fn mean(dim: Option<Ints>, keepdim: bool, dtype: Option<DTypeArg>) [dim = None, keepdim = false, *, dtype = None] => mean(t, dim, keepdim, dtype);
    fn prod(dim: Option<Ints>, keepdim: bool, dtype: Option<DTypeArg>) [dim = None, keepdim = false, *, dtype = None] => match one_dim(&dim, "prod")? {
        Some(d) => cast_first(t, dtype).and_then(|x| x.try_prod_dim(d, keepdim)).or_raise(),
        None => cast_first(t, dtype).and_then(|x| x.try_prod()).or_raise(),
    };
    fn max(dim: Option<&Bound<'_, PyAny>>, keepdim: bool) [dim = None, keepdim = false] => match dim {
        None => t.try_max().or_raise().map(|r| Obj(crate::tensor::wrap(py, r).expect("tensor object"))),
        d => max_min(t, d, keepdim, true),
    };
    fn min(dim: Option<&Bound<'_, PyAny>>, keepdim: bool) [dim = None, keepdim = false] => match dim {
        None => t.try_min().or_raise().map(|r| Obj(crate::tensor::wrap(py, r).expect("tensor object"))),
        d => max_min(t, d, keepdim, false),
    };
    fn amax(dim: Option<Ints>, keepdim: bool) [dim = None, keepdim = false] => t.try_amax(dim.map(|d| d.0).unwrap_or_default(), keepdim);
    fn amin(dim: Option<Ints>, keepdim: bool) [dim = None, keepdim = false] => t.try_amin(dim.map(|d| d.0).unwrap_or_default(), keepdim);
    fn argmax(dim: Option<i64>, keepdim: bool) [dim = None, keepdim = false] => match dim { Some(d) => t.try_argmax_dim(d, keepdim), None => t.try_argmax() };
    fn argmin(dim: Option<i64>, keepdim: bool) [dim = None, keepdim = false] => match dim { Some(d) => t.try_argmin_dim(d, keepdim), None => t.try_argmin() };
    fn var(dim: Option<&Bound<'_, PyAny>>, unbiased: Option<&Bound<'_, PyAny>>, keepdim: bool, correction: Option<f64>) [dim = None, unbiased = None, keepdim = false, *, correction = None] => var_std(t, dim, unbiased, keepdim, correction, false);
    fn std(dim: Option<&Bound<'_, PyAny>>, unbiased: Option<&Bound<'_, PyAny>>, keepdim: bool, correction: Option<f64>) [dim = None, unbiased = None, keepdim = false, *, correction = None] => var_std(t, dim, unbiased, keepdim, correction, true);
    fn norm(p: Option<&Bound<'_, PyAny>>, dim: Option<Ints>, keepdim: bool, dtype: Option<DTypeArg>) [p = None, dim = None, keepdim = false, dtype = None] => {
        let p = norm_p(p)?;
        cast_first(t, dtype).and_then(|x| match dim {
            None if p == 2.0 => x.try_norm(),
            d => x.try_norm_with(p, d.map(|d| d.0).unwrap_or_default(), keepdim),
        }).or_raise()
    };
    fn logsumexp(dim: Ints, keepdim: bool) [dim, keepdim = false] => t.try_logsumexp(dim.0, keepdim);
    fn cumsum(dim: i64, dtype: Option<DTypeArg>) [dim, *, dtype = None] => cast_first(t, dtype).and_then(|x| x.try_cumsum(dim));
    fn cumprod(dim: i64, dtype: Option<DTypeArg>) [dim, *, dtype = None] => cast_first(t, dtype).and_then(|x| x.try_cumprod(dim));
    fn all(dim: Option<Ints>, keepdim: bool) [dim = None, keepdim = false] => reduce_all_or_dim(t, dim, keepdim, |x| x.try_all(), |x, d, k| x.try_all_dim(d, k));
    fn any(dim: Option<Ints>, keepdim: bool) [dim = None, keepdim = false] => reduce_all_or_dim(t, dim, keepdim, |x| x.try_any(), |x, d, k| x.try_any_dim(d, k));

    // ---- linear algebra ----
    fn dot(other: TensorArg) [other] => t.try_dot(&other.0);
    fn inner(other: TensorArg) [other] => t.try_dot(&other.0);
    fn mv(vec: TensorArg) [vec] => t.try_mv(&vec.0);
    fn mm(mat2: TensorArg, out: Option<OutArg>) [mat2, *, out = None] => with_out(py.detach(|| t.try_mm(&mat2.0)), out);
    fn bmm(mat2: TensorArg) [mat2] => py.detach(|| t.try_bmm(&mat2.0));
    fn matmul(other: TensorArg, out: Option<OutArg>) [other, *, out = None] => with_out(py.detach(|| t.try_matmul(&other.0)), out);
    fn addmm(mat1: TensorArg, mat2: TensorArg, beta: f64, alpha: f64) [mat1, mat2, *, beta = 1.0, alpha = 1.0] => py.detach(|| t.try_addmm_with(&mat1.0, &mat2.0, beta, alpha));
    fn addbmm(batch1: TensorArg, batch2: TensorArg, beta: f64, alpha: f64) [batch1, batch2, *, beta = 1.0, alpha = 1.0] => py.detach(|| t.try_addbmm_with(&batch1.0, &batch2.0, beta, alpha));
    fn baddbmm(batch1: TensorArg, batch2: TensorArg, beta: f64, alpha: f64) [batch1, batch2, *, beta = 1.0, alpha = 1.0] => py.detach(|| t.try_baddbmm_with(&batch1.0, &batch2.0, beta, alpha));
    fn addmv(mat: TensorArg, vec: TensorArg, beta: f64, alpha: f64) [mat, vec, *, beta = 1.0, alpha = 1.0] => t.try_addmv_with(&mat.0, &vec.0, beta, alpha);
    fn outer(vec2: TensorArg) [vec2] => t.try_outer(&vec2.0);
    fn ger(vec2: TensorArg) [vec2] => t.try_outer(&vec2.0);
    fn inverse() [] => t.try_inverse();
    fn _linalg_solve(b: TensorArg) [b] => t.try_linalg_solve(&b.0);
    fn _linalg_cholesky(upper: bool) [upper = false] => t.try_linalg_cholesky_with(upper);
    fn det() [] => t.try_det();
    fn trace() [] => t.try_trace();

    // ---- shapes ----
    fn transpose(dim0: i64, dim1: i64) [dim0, dim1] => t.try_transpose(dim0, dim1);
    fn swapaxes(axis0: i64, axis1: i64) [axis0, axis1] => t.try_transpose(axis0, axis1);
    fn swapdims(dim0: i64, dim1: i64) [dim0, dim1] => t.try_transpose(dim0, dim1);
    fn t() [] => t.try_t();
    fn squeeze(dim: Option<Ints>) [dim = None] => squeeze(t, dim);
    fn unsqueeze(dim: i64) [dim] => t.try_unsqueeze(dim);
    fn flatten(start_dim: i64, end_dim: i64) [start_dim = 0, end_dim = -1] => t.try_flatten(start_dim, end_dim);
    fn unflatten(dim: i64, sizes: Ints) [dim, sizes] => unflatten(t, dim, sizes);
    fn narrow(dim: i64, start: i64, length: usize) [dim, start, length] => t.try_narrow(dim, start, length);
    fn select(dim: i64, index: i64) [dim, index] => t.try_select(dim, index);
    fn chunk(chunks: usize, dim: i64) [chunks, dim = 0] => t.try_chunk(chunks, dim);
    fn split(split_size_or_sections: &Bound<'_, PyAny>, dim: i64) [split_size_or_sections, dim = 0] => split(t, split_size_or_sections, dim);
    fn unbind(dim: i64) [dim = 0] => t.try_unbind(dim);
    fn roll(shifts: Ints, dims: Option<Ints>) [shifts, dims = None] => t.try_roll(shifts.0, dims.map(|d| d.0).unwrap_or_default());
    fn tril(diagonal: i64) [diagonal = 0] => t.try_tril(diagonal);
    fn triu(diagonal: i64) [diagonal = 0] => t.try_triu(diagonal);
    fn diag(diagonal: i64) [diagonal = 0] => t.try_diag(diagonal);
    fn movedim(source: Ints, destination: Ints) [source, destination] => t.try_movedim(source.0, destination.0);
    fn moveaxis(source: Ints, destination: Ints) [source, destination] => t.try_movedim(source.0, destination.0);
    fn clone(memory_format: Option<&Bound<'_, PyAny>>) [*, memory_format = None] => t.try_clone_tensor();

    // ---- indexing ----
    fn index_select(dim: i64, index: TensorArg) [dim, index] => kernel_errors(t.try_index_select(dim, &index.0));
    fn gather(dim: i64, index: TensorArg) [dim, index] => kernel_errors(t.try_gather(dim, &index.0));
    fn scatter_add(dim: i64, index: TensorArg, src: TensorArg) [dim, index, src] => kernel_errors(t.try_scatter_add(dim, &index.0, &src.0));
    fn index_add(dim: i64, index: TensorArg, source: TensorArg, alpha: ScalarArg) [dim, index, source, *, alpha = ScalarArg(Scalar::Int(1))] => t.try_index_add(dim, &index.0, &source.0, alpha.0);
    fn masked_select(mask: TensorArg) [mask] => t.try_masked_select(&mask.0);
    fn nonzero(as_tuple: bool) [*, as_tuple = false] => nonzero(t, as_tuple);
    fn argwhere() [] => t.try_nonzero();
}

tensor_methods! { METHODS_ONLY, t, py;
    fn view(shape: &Bound<'_, PyTuple>) [*shape] => t.try_view(dims_varargs(shape)?).or_raise();
    fn view_as(other: TensorArg) [other] => t.try_view(other.0.shape().iter().map(|&s| s as i64).collect::<Vec<_>>());
    fn reshape(shape: &Bound<'_, PyTuple>) [*shape] => t.try_reshape(dims_varargs(shape)?).or_raise();
    fn reshape_as(other: TensorArg) [other] => t.try_reshape(other.0.shape().iter().map(|&s| s as i64).collect::<Vec<_>>());
    fn permute(dims: &Bound<'_, PyTuple>) [*dims] => t.try_permute(dims_varargs(dims)?).or_raise();
    fn expand(sizes: &Bound<'_, PyTuple>) [*sizes] => t.try_expand(dims_varargs(sizes)?).or_raise();
    fn expand_as(other: TensorArg) [other] => t.try_expand_as(&other.0);
    fn repeat(sizes: &Bound<'_, PyTuple>) [*sizes] => t.try_repeat(dims_varargs(sizes)?).or_raise();
    fn flip(dims: &Bound<'_, PyTuple>) [*dims] => t.try_flip(dims_varargs(dims)?).or_raise();
    fn contiguous(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_contiguous();
    fn where_(condition: TensorArg, other: Other) [condition, other] => t.try_where_cond(&condition.0, other.operand());

    // ---- in place ----
    fn add_(other: Other, alpha: Option<ScalarArg>) [other, *, alpha = None] => add_sub_(t, other, alpha, false);
    fn sub_(other: Other, alpha: Option<ScalarArg>) [other, *, alpha = None] => add_sub_(t, other, alpha, true);
    fn mul_(other: Other) [other] => t.try_mul_(other.operand()).map(|_| SelfRet);
    fn div_(other: Other) [other] => t.try_div_(other.operand()).map(|_| SelfRet);
    fn pow_(exponent: Other) [exponent] => t.try_binary_(exponent.operand(), ember::BinaryOp::Pow).map(|_| SelfRet);
    fn clamp_(min: Option<&Bound<'_, PyAny>>, max: Option<&Bound<'_, PyAny>>) [min = None, max = None] => clamp_(t, min, max);
    fn clip_(min: Option<&Bound<'_, PyAny>>, max: Option<&Bound<'_, PyAny>>) [min = None, max = None] => clamp_(t, min, max);
    fn clamp_min_(min: f64) [min] => t.try_clamp_(Some(min), None).map(|_| SelfRet);
    fn clamp_max_(max: f64) [max] => t.try_clamp_(None, Some(max)).map(|_| SelfRet);
    fn zero_() [] => t.try_zero_().map(|_| SelfRet);
    fn fill_(value: ScalarArg) [value] => t.try_fill_(value.0).map(|_| SelfRet);
    fn copy_(src: TensorArg, non_blocking: bool) [src, non_blocking = false] => t.try_copy_(&src.0).map(|_| SelfRet);
    fn masked_fill_(mask: TensorArg, value: ScalarArg) [mask, value] => t.try_masked_fill_(&mask.0, value.0).map(|_| SelfRet);
    fn normal_(mean: f64, std: f64, generator: Option<&Bound<'_, PyAny>>) [mean = 0.0, std = 1.0, *, generator = None] => {
        GenArg::new("normal_", generator)?.draw(py, t.device(), || t.try_normal_(mean, std))?.map(|_| SelfRet)
    };
    fn uniform_(from: f64, to: f64, generator: Option<&Bound<'_, PyAny>>) [from = 0.0, to = 1.0, *, generator = None] => {
        GenArg::new("uniform_", generator)?.draw(py, t.device(), || t.try_uniform_(from, to))?.map(|_| SelfRet)
    };
    fn index_put_(indices: &Bound<'_, PyAny>, values: TensorArg, accumulate: bool) [indices, values, accumulate = false] => {
        let idx = opt_tensor_list(indices)?;
        t.try_index_put_(&idx, &values.0, accumulate).map(|_| SelfRet).or_raise()
    };
    fn index_put(indices: &Bound<'_, PyAny>, values: TensorArg, accumulate: bool) [indices, values, accumulate = false] => {
        let idx = opt_tensor_list(indices)?;
        t.try_index_put(&idx, &values.0, accumulate).or_raise()
    };
    fn scatter_add_(dim: i64, index: TensorArg, src: TensorArg) [dim, index, src] => t.try_scatter_add(dim, &index.0, &src.0).and_then(|r| t.try_copy_(&r)).map(|_| SelfRet);

    // ---- dtype conversions ----
    fn float(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::F32);
    fn double(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::F64);
    fn half(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::F16);
    fn bfloat16(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::BF16);
    fn long(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::I64);
    fn int(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::I32);
    fn short(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::I16);
    fn char(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::I8);
    fn byte(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::U8);
    fn bool(memory_format: Option<&Bound<'_, PyAny>>) [memory_format = None] => t.try_to_dtype(DType::Bool);
}

/// `indices` of `index_put_`: a tuple of tensors (or None for a full slice).
fn opt_tensor_list(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Option<Tensor>>> {
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
