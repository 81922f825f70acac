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
mod dtype;
mod error;
mod function;
mod nn_dropout;
mod nn_functional;
mod nn_loss;
mod numpy_bridge;
mod operators;
mod ops;
mod ops_table;
mod optim;
mod ret;
mod tensor;
mod tensor_convert;

use pyo3::prelude::*;

/// Switches printed names between `ember.` and `torch.` (see Note [Printed namespace]).
#[pyfunction]
fn _set_torch_names(on: bool) {
    error::set_torch_names(on);
}

/// `torch.get_num_threads()`: the threads of the engine's kernel pool.
#[pyfunction]
fn get_num_threads() -> usize {
    rayon::current_num_threads()
}

/// `torch.set_num_threads(n)`. The engine's pool is sized once, when it first runs (from
/// `RAYON_NUM_THREADS`, else the core count); asking for another size after that warns.
#[pyfunction]
fn set_num_threads(py: Python<'_>, n: usize) -> PyResult<()> {
    if n == 0 {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "set_num_threads expects a positive integer",
        ));
    }
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .is_ok();
    if !built && rayon::current_num_threads() != n {
        let msg = format!(
            "ember's kernel pool already runs {} threads and cannot be resized; set RAYON_NUM_THREADS={n} before the program starts",
            rayon::current_num_threads()
        );
        let cat = py.get_type::<pyo3::exceptions::PyUserWarning>();
        pyo3::PyErr::warn(py, &cat, &std::ffi::CString::new(msg)?, 1)?;
    }
    Ok(())
}

#[pymodule]
#[pyo3(name = "_C")]
fn ember_c(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
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
    nn_functional::register(m)?;
    optim::register(m)?;
    Ok(())
}
