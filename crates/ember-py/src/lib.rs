//! `ember._C`: the native module behind the `ember` Python package.
//!
//! The Python front is a thin layer over the engine: `Tensor` is a Python class holding an
//! engine tensor; ops are bound with PyTorch's Python signatures; table-driven ops are
//! generated from the engine's op table at import (`ops_table.rs`); `nn.Module`, the
//! containers and the optimizers' Python API live in the package's `.py` files, on top of
//! the engine's functional ops and update rules.

mod autograd;
mod convert;
mod create;
mod cuda;
mod data;
mod dtype;
mod error;
mod function;
mod generator;
mod nn_dropout;
mod nn_functional;
mod nn_loss;
mod numpy_bridge;
mod operators;
mod ops;
mod ops_table;
mod optim;
mod ret;
mod serialization;
mod tensor;
mod tensor_convert;

use crate::error::OrRaise;
use pyo3::prelude::*;

/// Switches printed names between `ember.` and `torch.` (see Note [Printed namespace]).
#[pyfunction]
fn _set_torch_names(on: bool) {
    error::set_torch_names(on);
}

/// `torch.get_num_threads()`: the threads of the engine's CPU kernels.
#[pyfunction]
fn get_num_threads() -> usize {
    ember::get_num_threads()
}

/// `torch.set_num_threads(n)`, from the next kernel on.
#[pyfunction]
fn set_num_threads(n: i64) -> PyResult<()> {
    // PyTorch takes any int and rejects the non-positive ones with this message.
    let n = usize::try_from(n).unwrap_or(0);
    ember::try_set_num_threads(n).or_raise()
}

/// The engine's warnings (`ember::warnings`) become Python `UserWarning`s, attributed to the
/// Python line that called into the engine; Python's filters decide what is shown. A filter
/// that turns them into errors cannot raise through the engine's call, so such an error is
/// reported as unraisable.
fn forward_warnings() {
    ember::warnings::set_handler(Some(Box::new(|w| {
        Python::attach(|py| {
            let cat = py.get_type::<pyo3::exceptions::PyUserWarning>();
            let msg = std::ffi::CString::new(error::names(w.message.clone()).replace('\0', " "));
            if let Ok(msg) = msg
                && let Err(e) = pyo3::PyErr::warn(py, &cat, &msg, 1)
            {
                e.write_unraisable(py, None);
            }
        })
    })));
}

#[pymodule]
#[pyo3(name = "_C")]
fn ember_c(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    forward_warnings();
    m.add_class::<tensor::PyTensor>()?;
    m.add_class::<dtype::PyDType>()?;
    m.add_class::<dtype::PyDevice>()?;
    m.add_class::<autograd::PyNode>()?;
    m.add_class::<autograd::PyHookHandle>()?;
    m.add_class::<function::PyCtx>()?;
    for &dt in ember::DType::ALL.iter() {
        m.add(dt.name(), dtype::dtype_obj(py, dt))?;
    }
    m.add("LinAlgError", py.get_type::<error::LinAlgError>())?;
    m.add_function(wrap_pyfunction!(_set_torch_names, m)?)?;
    m.add_function(wrap_pyfunction!(dtype::set_default_device, m)?)?;
    m.add_function(wrap_pyfunction!(dtype::get_default_device, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(tensor::_set_size_class, m)?)?;
    m.add_function(wrap_pyfunction!(ret::_set_return_type_factory, m)?)?;
    m.add_function(wrap_pyfunction!(numpy_bridge::from_numpy, m)?)?;
    for f in [
        wrap_pyfunction!(create::tensor, m)?,
        wrap_pyfunction!(create::as_tensor, m)?,
        wrap_pyfunction!(create::zeros, m)?,
        wrap_pyfunction!(create::ones, m)?,
        wrap_pyfunction!(create::empty, m)?,
        wrap_pyfunction!(create::full, m)?,
        wrap_pyfunction!(create::rand, m)?,
        wrap_pyfunction!(create::randn, m)?,
        wrap_pyfunction!(create::randint, m)?,
        wrap_pyfunction!(create::randperm, m)?,
        wrap_pyfunction!(create::arange, m)?,
        wrap_pyfunction!(create::linspace, m)?,
        wrap_pyfunction!(create::eye, m)?,
        wrap_pyfunction!(create::zeros_like, m)?,
        wrap_pyfunction!(create::ones_like, m)?,
        wrap_pyfunction!(create::empty_like, m)?,
        wrap_pyfunction!(create::rand_like, m)?,
        wrap_pyfunction!(create::randn_like, m)?,
        wrap_pyfunction!(create::full_like, m)?,
        wrap_pyfunction!(create::randint_like, m)?,
        wrap_pyfunction!(create::cat, m)?,
        wrap_pyfunction!(create::stack, m)?,
        wrap_pyfunction!(create::where_, m)?,
        wrap_pyfunction!(create::manual_seed, m)?,
        wrap_pyfunction!(create::initial_seed, m)?,
        wrap_pyfunction!(create::get_default_dtype, m)?,
        wrap_pyfunction!(create::set_default_dtype, m)?,
        wrap_pyfunction!(create::is_tensor, m)?,
        wrap_pyfunction!(create::numel, m)?,
        wrap_pyfunction!(create::_broadcast_shape, m)?,
        wrap_pyfunction!(create::live_tensors, m)?,
        wrap_pyfunction!(autograd::backward, m)?,
        wrap_pyfunction!(autograd::grad, m)?,
        wrap_pyfunction!(function::_function_apply, m)?,
        wrap_pyfunction!(autograd::gradcheck, m)?,
        wrap_pyfunction!(autograd::_set_detect_anomaly, m)?,
        wrap_pyfunction!(autograd::is_anomaly_enabled, m)?,
        wrap_pyfunction!(autograd::is_grad_enabled, m)?,
        wrap_pyfunction!(autograd::_set_grad_enabled, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add("_tensor_functions", ops::FUNCTIONS.to_vec())?;
    m.add("_tensor_methods", ops::METHODS_ONLY.to_vec())?;
    ops_table::register(py, m)?;
    cuda::register(m)?;
    data::register(m)?;
    generator::register(m)?;
    nn_functional::register(m)?;
    optim::register(m)?;
    serialization::register(m)?;
    Ok(())
}
