//! `torch.tensor`, `zeros`, `ones`, `rand`, `arange`, …, the `*_like` functions, joins
//! (`cat`, `stack`) and the other module functions that do not start from a tensor.

use crate::convert::{
    Ints, Other, OutArg, ScalarArg, TensorArg, shape_args, sizes, tensor_from_data,
};
use crate::dtype::{DTypeArg, DeviceArg, extract_dtype};
use crate::error::{OrRaise, guard};
use crate::generator::GenArg;
use crate::tensor::{PyTensor, wrap};
use ember::{DType, Device, Scalar, Tensor, TensorOptions};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// The device a factory with these options makes its tensor on.
fn device_of(o: &TensorOptions) -> Device {
    o.device.unwrap_or_else(ember::get_default_device)
}

fn opts(dtype: Option<DTypeArg>, device: Option<DeviceArg>, requires_grad: bool) -> TensorOptions {
    let _ = requires_grad;
    let mut o = TensorOptions::new();
    if let Some(DTypeArg(dt)) = dtype {
        o = o.dtype(dt);
    }
    if let Some(DeviceArg(d)) = device {
        o = o.device(d);
    }
    o
}

/// `requires_grad=True` of a factory function, with the message PyTorch's factories give.
pub fn set_requires_grad(t: &Tensor, requires_grad: bool) -> PyResult<()> {
    if requires_grad {
        if !t.dtype().is_floating_point() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "Only Tensors of floating point and complex dtype can require gradients",
            ));
        }
        t.try_requires_grad_(true).or_raise()?;
    }
    Ok(())
}

fn finish(py: Python<'_>, t: Tensor, out: Option<OutArg>) -> PyResult<Py<PyAny>> {
    match out {
        None => wrap(py, t),
        Some(OutArg(o, obj)) => {
            crate::ops::write_out(&t, &o)?;
            Ok(obj)
        }
    }
}

/// `torch.tensor(data, dtype=None, device=None, requires_grad=False)`.
#[pyfunction]
#[pyo3(signature = (data, *, dtype = None, device = None, requires_grad = false, pin_memory = false))]
pub fn tensor(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    dtype: Option<DTypeArg>,
    device: Option<DeviceArg>,
    requires_grad: bool,
    pin_memory: bool,
) -> PyResult<Py<PyAny>> {
    let _ = pin_memory;
    guard(|| {
        let mut t = tensor_from_data(data, dtype.map(|d| d.0))?;
        let d = device.map_or_else(ember::get_default_device, |d| d.0);
        if d != t.device() {
            t = t.try_to_device(d).or_raise()?;
        }
        set_requires_grad(&t, requires_grad)?;
        wrap(py, t)
    })
}

/// `torch.as_tensor(data, dtype=None, device=None)`: the tensor itself when nothing changes.
#[pyfunction]
#[pyo3(signature = (data, dtype = None, device = None))]
pub fn as_tensor(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    dtype: Option<DTypeArg>,
    device: Option<DeviceArg>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        if let Ok(t) = data.cast::<PyTensor>() {
            let src = &t.get().t;
            let r = crate::tensor_convert::convert_to(
                src,
                dtype.map_or(src.dtype(), |d| d.0),
                device.map_or(src.device(), |d| d.0),
                false,
            )
            .or_raise()?;
            return if r.is(src) {
                Ok(data.clone().unbind())
            } else {
                wrap(py, r)
            };
        }
        if crate::numpy_bridge::is_ndarray(data) && dtype.is_none() {
            return wrap(py, crate::numpy_bridge::share_numpy(data)?);
        }
        wrap(py, tensor_from_data(data, dtype.map(|d| d.0))?)
    })
}

macro_rules! filled {
    ($($name:ident => $value:expr;)*) => {$(
        #[doc = concat!("`torch.", stringify!($name), "(*size, dtype=None, device=None, requires_grad=False)`.")]
        #[pyfunction]
        #[pyo3(signature = (*size, out = None, dtype = None, layout = None, device = None, requires_grad = false, pin_memory = false, memory_format = None))]
        #[allow(clippy::too_many_arguments)]
        pub fn $name(
            py: Python<'_>,
            size: &Bound<'_, PyTuple>,
            out: Option<OutArg>,
            dtype: Option<DTypeArg>,
            layout: Option<&Bound<'_, PyAny>>,
            device: Option<DeviceArg>,
            requires_grad: bool,
            pin_memory: bool,
            memory_format: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Py<PyAny>> {
            let _ = (layout, pin_memory, memory_format);
            guard(|| {
                let shape = sizes(&shape_args(size)?)?;
                let value: Option<Scalar> = $value;
                let dt = dtype.map_or_else(ember::get_default_dtype, |d| d.0);
                let o = opts(Some(DTypeArg(dt)), device, requires_grad);
                let t = match value {
                    Some(v) => ember::try_full_with(shape.as_slice(), v, o),
                    None => ember::try_empty_with(shape.as_slice(), o),
                }
                .or_raise()?;
                set_requires_grad(&t, requires_grad)?;
                finish(py, t, out)
            })
        }
    )*};
}

filled! {
    zeros => Some(Scalar::Int(0));
    ones => Some(Scalar::Int(1));
    empty => None;
}

/// `torch.full(size, fill_value, dtype=None, ...)`: the dtype follows the value's kind.
#[pyfunction]
#[pyo3(signature = (size, fill_value, *, out = None, dtype = None, layout = None, device = None, requires_grad = false))]
#[allow(clippy::too_many_arguments)]
pub fn full(
    py: Python<'_>,
    size: Ints,
    fill_value: ScalarArg,
    out: Option<OutArg>,
    dtype: Option<DTypeArg>,
    layout: Option<&Bound<'_, PyAny>>,
    device: Option<DeviceArg>,
    requires_grad: bool,
) -> PyResult<Py<PyAny>> {
    let _ = layout;
    guard(|| {
        let shape = sizes(&size.0)?;
        let natural = match fill_value.0 {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int(_) => DType::I64,
            Scalar::Float(_) => ember::get_default_dtype(),
        };
        let dtype = Some(dtype.unwrap_or(DTypeArg(natural)));
        let t = ember::try_full_with(
            shape.as_slice(),
            fill_value.0,
            opts(dtype, device, requires_grad),
        )
        .or_raise()?;
        set_requires_grad(&t, requires_grad)?;
        finish(py, t, out)
    })
}

macro_rules! random_fns {
    ($($name:ident => $f:path;)*) => {$(
        #[doc = concat!("`torch.", stringify!($name), "(*size, generator=None, dtype=None, device=None, requires_grad=False)`.")]
        #[pyfunction]
        #[pyo3(signature = (*size, generator = None, out = None, dtype = None, layout = None, device = None, requires_grad = false, pin_memory = false))]
        #[allow(clippy::too_many_arguments)]
        pub fn $name(
            py: Python<'_>,
            size: &Bound<'_, PyTuple>,
            generator: Option<&Bound<'_, PyAny>>,
            out: Option<OutArg>,
            dtype: Option<DTypeArg>,
            layout: Option<&Bound<'_, PyAny>>,
            device: Option<DeviceArg>,
            requires_grad: bool,
            pin_memory: bool,
        ) -> PyResult<Py<PyAny>> {
            let _ = (layout, pin_memory);
            guard(|| {
                let generator = GenArg::new(stringify!($name), generator)?;
                let shape = sizes(&shape_args(size)?)?;
                let o = opts(dtype, device, requires_grad);
                let t = generator.draw(py, device_of(&o), || $f(shape.as_slice(), o))?.or_raise()?;
                set_requires_grad(&t, requires_grad)?;
                finish(py, t, out)
            })
        }
    )*};
}

random_fns! {
    rand => ember::try_rand_with;
    randn => ember::try_randn_with;
}

/// `torch.randint(low=0, high, size, dtype=torch.int64, ...)`.
#[pyfunction]
#[pyo3(signature = (*args, low = None, high = None, size = None, generator = None, dtype = None, device = None, requires_grad = false))]
#[allow(clippy::too_many_arguments)]
pub fn randint(
    py: Python<'_>,
    args: &Bound<'_, PyTuple>,
    low: Option<&Bound<'_, PyAny>>,
    high: Option<&Bound<'_, PyAny>>,
    size: Option<Ints>,
    generator: Option<&Bound<'_, PyAny>>,
    dtype: Option<DTypeArg>,
    device: Option<DeviceArg>,
    requires_grad: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let generator = GenArg::new("randint", generator)?;
        let mut ints: Vec<i64> = Vec::new();
        let mut shape = size.map(|s| s.0);
        for a in args.iter() {
            if a.is_instance_of::<PyTuple>() || a.is_instance_of::<pyo3::types::PyList>() {
                shape = Some(a.extract::<Ints>()?.0);
            } else {
                ints.push(crate::convert::index_of(&a)?);
            }
        }
        // `low=`/`high=` by keyword take the places they have in PyTorch's signature.
        if let Some(l) = low {
            ints.insert(0, crate::convert::index_of(l)?);
        }
        if let Some(h) = high {
            if low.is_none() && ints.is_empty() {
                ints.push(0);
            }
            ints.push(crate::convert::index_of(h)?);
        }
        let (low, high) = match ints.as_slice() {
            [h] => (0, *h),
            [l, h] => (*l, *h),
            _ => {
                return Err(PyTypeError::new_err(
                    "randint() expects (high, size) or (low, high, size)",
                ));
            }
        };
        let shape =
            sizes(&shape.ok_or_else(|| {
                PyTypeError::new_err("randint() missing required argument 'size'")
            })?)?;
        let dt = dtype.map_or(DType::I64, |d| d.0);
        let o = opts(Some(DTypeArg(dt)), device, requires_grad);
        let t = generator
            .draw(py, device_of(&o), || {
                ember::try_randint_with(low, high, shape.as_slice(), o)
            })?
            .or_raise()?;
        set_requires_grad(&t, requires_grad)?;
        wrap(py, t)
    })
}

/// `torch.randperm(n, dtype=torch.int64)`.
#[pyfunction]
#[pyo3(signature = (n, *, generator = None, dtype = None, device = None, requires_grad = false))]
pub fn randperm(
    py: Python<'_>,
    n: usize,
    generator: Option<&Bound<'_, PyAny>>,
    dtype: Option<DTypeArg>,
    device: Option<DeviceArg>,
    requires_grad: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let generator = GenArg::new("randperm", generator)?;
        let device = device.map_or_else(ember::get_default_device, |d| d.0);
        let t = generator
            .draw(py, device, || {
                ember::try_with_device_generator(device, |g| g.randperm(n))
            })?
            .or_raise()?;
        let t = match dtype {
            Some(DTypeArg(dt)) if dt != DType::I64 => t.try_to_dtype(dt).or_raise()?,
            _ => t,
        };
        let t = match device {
            Device::Cpu => t,
            d => t.try_to_device(d).or_raise()?,
        };
        set_requires_grad(&t, requires_grad)?;
        wrap(py, t)
    })
}

/// `torch.arange(start=0, end, step=1, dtype=None, ...)`.
#[pyfunction]
#[pyo3(signature = (*args, end = None, step = None, out = None, dtype = None, layout = None, device = None, requires_grad = false))]
#[allow(clippy::too_many_arguments)]
pub fn arange(
    py: Python<'_>,
    args: &Bound<'_, PyTuple>,
    end: Option<ScalarArg>,
    step: Option<ScalarArg>,
    out: Option<OutArg>,
    dtype: Option<DTypeArg>,
    layout: Option<&Bound<'_, PyAny>>,
    device: Option<DeviceArg>,
    requires_grad: bool,
) -> PyResult<Py<PyAny>> {
    let _ = layout;
    guard(|| {
        let pos: Vec<Scalar> = args
            .iter()
            .map(|a| a.extract::<ScalarArg>().map(|s| s.0))
            .collect::<PyResult<_>>()?;
        let (start, end, step) = match (pos.as_slice(), end, step) {
            ([e], None, st) => (Scalar::Int(0), *e, st.map_or(Scalar::Int(1), |s| s.0)),
            ([s, e], None, st) => (*s, *e, st.map_or(Scalar::Int(1), |s| s.0)),
            ([s, e, st], None, None) => (*s, *e, *st),
            ([], Some(e), st) => (Scalar::Int(0), e.0, st.map_or(Scalar::Int(1), |s| s.0)),
            ([s], Some(e), st) => (*s, e.0, st.map_or(Scalar::Int(1), |s| s.0)),
            _ => {
                return Err(PyTypeError::new_err(
                    "arange() received an invalid combination of arguments",
                ));
            }
        };
        let t = ember::try_arange_with(start, end, step, opts(dtype, device, requires_grad))
            .or_raise()?;
        set_requires_grad(&t, requires_grad)?;
        finish(py, t, out)
    })
}

/// `torch.linspace(start, end, steps, dtype=None, ...)`.
#[pyfunction]
#[pyo3(signature = (start, end, steps, *, out = None, dtype = None, layout = None, device = None, requires_grad = false))]
#[allow(clippy::too_many_arguments)]
pub fn linspace(
    py: Python<'_>,
    start: f64,
    end: f64,
    steps: usize,
    out: Option<OutArg>,
    dtype: Option<DTypeArg>,
    layout: Option<&Bound<'_, PyAny>>,
    device: Option<DeviceArg>,
    requires_grad: bool,
) -> PyResult<Py<PyAny>> {
    let _ = layout;
    guard(|| {
        let t = ember::try_linspace_with(start, end, steps, opts(dtype, device, requires_grad))
            .or_raise()?;
        set_requires_grad(&t, requires_grad)?;
        finish(py, t, out)
    })
}

/// `torch.eye(n, m=None, dtype=None, ...)`.
#[pyfunction]
#[pyo3(signature = (n, m = None, *, out = None, dtype = None, layout = None, device = None, requires_grad = false))]
#[allow(clippy::too_many_arguments)]
pub fn eye(
    py: Python<'_>,
    n: usize,
    m: Option<usize>,
    out: Option<OutArg>,
    dtype: Option<DTypeArg>,
    layout: Option<&Bound<'_, PyAny>>,
    device: Option<DeviceArg>,
    requires_grad: bool,
) -> PyResult<Py<PyAny>> {
    let _ = layout;
    guard(|| {
        let t = ember::eye_with(n, m.unwrap_or(n), opts(dtype, device, requires_grad));
        set_requires_grad(&t, requires_grad)?;
        finish(py, t, out)
    })
}

/// The options of a `*_like` call: the source's dtype and device unless given.
fn like_opts(
    t: &Tensor,
    dtype: Option<DTypeArg>,
    device: Option<DeviceArg>,
    requires_grad: bool,
) -> TensorOptions {
    TensorOptions::new()
        .dtype(dtype.map_or(t.dtype(), |d| d.0))
        .device(device.map_or(t.device(), |d| d.0))
        .requires_grad(requires_grad)
}

macro_rules! like_fns {
    ($($name:ident => |$t:ident, $o:ident| $body:expr;)*) => {$(
        #[doc = concat!("`torch.", stringify!($name), "(input, dtype=None, device=None, requires_grad=False)`.")]
        #[pyfunction]
        #[pyo3(signature = (input, *, dtype = None, layout = None, device = None, requires_grad = false, memory_format = None))]
        pub fn $name(
            py: Python<'_>,
            input: TensorArg,
            dtype: Option<DTypeArg>,
            layout: Option<&Bound<'_, PyAny>>,
            device: Option<DeviceArg>,
            requires_grad: bool,
            memory_format: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Py<PyAny>> {
            let _ = (layout, memory_format);
            guard(|| {
                let $t = &input.0;
                let $o = like_opts($t, dtype, device, requires_grad);
                wrap(py, $body.or_raise()?)
            })
        }
    )*};
}

like_fns! {
    zeros_like => |t, o| ember::try_full_with(t.shape(), Scalar::Int(0), o);
    ones_like => |t, o| ember::try_full_with(t.shape(), Scalar::Int(1), o);
    empty_like => |t, o| ember::try_empty_with(t.shape(), o);
}

macro_rules! random_like_fns {
    ($($name:ident => $f:path;)*) => {$(
        #[doc = concat!("`torch.", stringify!($name), "(input, *, generator=None, dtype=None, device=None, requires_grad=False)`.")]
        #[pyfunction]
        #[pyo3(signature = (input, *, generator = None, dtype = None, layout = None, device = None, requires_grad = false, memory_format = None))]
        #[allow(clippy::too_many_arguments)]
        pub fn $name(
            py: Python<'_>,
            input: TensorArg,
            generator: Option<&Bound<'_, PyAny>>,
            dtype: Option<DTypeArg>,
            layout: Option<&Bound<'_, PyAny>>,
            device: Option<DeviceArg>,
            requires_grad: bool,
            memory_format: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Py<PyAny>> {
            let _ = (layout, memory_format);
            guard(|| {
                let generator = GenArg::new(stringify!($name), generator)?;
                let t = &input.0;
                let o = like_opts(t, dtype, device, requires_grad);
                let r = generator.draw(py, device_of(&o), || $f(t.shape(), o))?;
                wrap(py, r.or_raise()?)
            })
        }
    )*};
}

random_like_fns! {
    rand_like => ember::try_rand_with;
    randn_like => ember::try_randn_with;
}

/// `torch.full_like(input, fill_value, dtype=None, ...)`.
#[pyfunction]
#[pyo3(signature = (input, fill_value, *, dtype = None, layout = None, device = None, requires_grad = false, memory_format = None))]
#[allow(clippy::too_many_arguments)]
pub fn full_like(
    py: Python<'_>,
    input: TensorArg,
    fill_value: ScalarArg,
    dtype: Option<DTypeArg>,
    layout: Option<&Bound<'_, PyAny>>,
    device: Option<DeviceArg>,
    requires_grad: bool,
    memory_format: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let _ = (layout, memory_format);
    guard(|| {
        let t = &input.0;
        wrap(
            py,
            ember::try_full_with(
                t.shape(),
                fill_value.0,
                like_opts(t, dtype, device, requires_grad),
            )
            .or_raise()?,
        )
    })
}

/// `torch.randint_like(input, low=0, high, dtype=None)`.
#[pyfunction]
#[pyo3(signature = (input, low, high = None, *, generator = None, dtype = None, device = None, requires_grad = false))]
#[allow(clippy::too_many_arguments)]
pub fn randint_like(
    py: Python<'_>,
    input: TensorArg,
    low: i64,
    high: Option<i64>,
    generator: Option<&Bound<'_, PyAny>>,
    dtype: Option<DTypeArg>,
    device: Option<DeviceArg>,
    requires_grad: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let t = &input.0;
        let generator = GenArg::new("randint_like", generator)?;
        let (lo, hi) = match high {
            Some(h) => (low, h),
            None => (0, low),
        };
        let o = like_opts(t, dtype, device, requires_grad);
        let r = generator.draw(py, device_of(&o), || {
            ember::try_randint_with(lo, hi, t.shape(), o)
        })?;
        wrap(py, r.or_raise()?)
    })
}

fn tensor_list(tensors: &Bound<'_, PyAny>, func: &str) -> PyResult<Vec<Tensor>> {
    let mut v = Vec::new();
    for (i, x) in tensors.try_iter()?.enumerate() {
        let x = x?;
        match x.cast::<PyTensor>() {
            Ok(t) => v.push(t.get().t.clone()),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "expected Tensor as element {i} in argument 0, but got {}",
                    x.get_type().name()?
                )));
            }
        }
    }
    let _ = func;
    Ok(v)
}

/// `torch.cat(tensors, dim=0, *, out=None)` (also `torch.concat`, `torch.concatenate`).
#[pyfunction]
#[pyo3(signature = (tensors, dim = 0, *, out = None))]
pub fn cat(
    py: Python<'_>,
    tensors: &Bound<'_, PyAny>,
    dim: i64,
    out: Option<OutArg>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let ts = tensor_list(tensors, "cat")?;
        let refs: Vec<&Tensor> = ts.iter().collect();
        finish(py, ember::try_cat(&refs, dim).or_raise()?, out)
    })
}

/// `torch.stack(tensors, dim=0, *, out=None)`.
#[pyfunction]
#[pyo3(signature = (tensors, dim = 0, *, out = None))]
pub fn stack(
    py: Python<'_>,
    tensors: &Bound<'_, PyAny>,
    dim: i64,
    out: Option<OutArg>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let ts = tensor_list(tensors, "stack")?;
        let refs: Vec<&Tensor> = ts.iter().collect();
        finish(py, ember::try_stack(&refs, dim).or_raise()?, out)
    })
}

/// `torch.where(condition, input, other)`, or `torch.where(condition)` (= `nonzero(as_tuple=True)`).
#[pyfunction]
#[pyo3(name = "where", signature = (condition, input = None, other = None, *, out = None))]
pub fn where_(
    py: Python<'_>,
    condition: TensorArg,
    input: Option<Other>,
    other: Option<Other>,
    out: Option<OutArg>,
) -> PyResult<Py<PyAny>> {
    guard(|| match (input, other) {
        (Some(a), Some(b)) => finish(
            py,
            ember::try_where_(&condition.0, a.operand(), b.operand()).or_raise()?,
            out,
        ),
        (None, None) => {
            let c = &condition.0;
            let nz = c.try_nonzero().or_raise()?;
            let cols: Vec<Tensor> = (0..c.ndim().max(1) as i64)
                .map(|i| nz.try_select(1, i))
                .collect::<ember::Result<_>>()
                .or_raise()?;
            crate::ret::tuple_of(py, cols)
        }
        _ => Err(PyTypeError::new_err(
            "where() expects (condition) or (condition, input, other)",
        )),
    })
}

/// `torch.manual_seed(seed)`: seeds the CPU generator (PyTorch's mt19937 stream) and every
/// device's; a seed in `[-2^63, 2^64)`, negative ones as their two's complement.
#[pyfunction]
pub fn manual_seed(py: Python<'_>, seed: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    ember::manual_seed(crate::generator::seed_of(seed)?);
    Ok(py.None())
}

/// `torch.initial_seed()`.
#[pyfunction]
pub fn initial_seed() -> u64 {
    ember::initial_seed()
}

/// `torch.get_default_dtype()`.
#[pyfunction]
pub fn get_default_dtype(py: Python<'_>) -> Py<crate::dtype::PyDType> {
    crate::dtype::dtype_obj(py, ember::get_default_dtype())
}

/// `torch.set_default_dtype(d)`.
#[pyfunction]
pub fn set_default_dtype(d: &Bound<'_, PyAny>) -> PyResult<()> {
    let dt = extract_dtype(d)?;
    if !dt.is_floating_point() {
        return Err(PyTypeError::new_err(
            "only floating-point types are supported as the default type",
        ));
    }
    ember::set_default_dtype(dt).or_raise()
}

/// `torch.is_tensor(obj)`.
#[pyfunction]
pub fn is_tensor(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyTensor>()
}

/// `torch.numel(input)`.
#[pyfunction]
pub fn numel(input: TensorArg) -> usize {
    input.0.numel()
}

/// `torch.broadcast_shapes(*shapes)`.
#[pyfunction]
#[pyo3(signature = (*shapes))]
pub fn _broadcast_shape(shapes: &Bound<'_, PyTuple>) -> PyResult<Vec<usize>> {
    let mut out: Vec<usize> = Vec::new();
    for s in shapes.iter() {
        let s = sizes(&s.extract::<Ints>()?.0)?;
        let n = out.len().max(s.len());
        let mut r = vec![1usize; n];
        for i in 0..n {
            let a = if i + out.len() >= n {
                out[i + out.len() - n]
            } else {
                1
            };
            let b = if i + s.len() >= n {
                s[i + s.len() - n]
            } else {
                1
            };
            r[i] = if a == b || b == 1 {
                a
            } else if a == 1 {
                b
            } else {
                return Err(PyValueError::new_err(
                    "shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 and arg 1.",
                ));
            };
        }
        out = r;
    }
    Ok(out)
}

/// `torch.live_tensors()`-like counter for leak tests (`ember.live_tensors()`).
#[pyfunction]
pub fn live_tensors() -> usize {
    ember::live_tensors()
}
