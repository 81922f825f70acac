//! `torch.cuda`: device queries and memory statistics of the engine's CUDA device.

use crate::error::OrRaise;
use pyo3::prelude::*;

/// `torch.cuda.is_available()`.
#[pyfunction]
fn is_available() -> bool {
    ember::cuda::is_available()
}

/// `torch.cuda.device_count()`.
#[pyfunction]
fn device_count() -> usize {
    ember::cuda::device_count()
}

/// `torch.cuda.synchronize()`.
#[pyfunction]
#[pyo3(signature = (device = None))]
fn synchronize(device: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    let _ = device;
    ember::cuda::try_synchronize().or_raise()
}

/// `torch.cuda.manual_seed(seed)`.
#[pyfunction]
fn manual_seed(seed: u64) {
    ember::cuda::manual_seed(seed);
}

/// `torch.cuda.manual_seed_all(seed)`.
#[pyfunction]
fn manual_seed_all(seed: u64) {
    ember::cuda::manual_seed_all(seed);
}

/// `torch.cuda.memory_allocated()`.
#[pyfunction]
#[pyo3(signature = (device = None))]
fn memory_allocated(device: Option<&Bound<'_, PyAny>>) -> usize {
    let _ = device;
    ember::cuda::memory_allocated()
}

/// `torch.cuda.max_memory_allocated()`.
#[pyfunction]
#[pyo3(signature = (device = None))]
fn max_memory_allocated(device: Option<&Bound<'_, PyAny>>) -> usize {
    let _ = device;
    ember::cuda::max_memory_allocated()
}

/// `torch.cuda.memory_reserved()`.
#[pyfunction]
#[pyo3(signature = (device = None))]
fn memory_reserved(device: Option<&Bound<'_, PyAny>>) -> usize {
    let _ = device;
    ember::cuda::memory_reserved()
}

/// `torch.cuda.max_memory_reserved()`.
#[pyfunction]
#[pyo3(signature = (device = None))]
fn max_memory_reserved(device: Option<&Bound<'_, PyAny>>) -> usize {
    let _ = device;
    ember::cuda::max_memory_reserved()
}

/// `torch.cuda.empty_cache()`.
#[pyfunction]
fn empty_cache() {
    ember::cuda::empty_cache();
}

/// `torch.cuda.reset_peak_memory_stats()`.
#[pyfunction]
#[pyo3(signature = (device = None))]
fn reset_peak_memory_stats(device: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    let _ = device;
    ember::cuda::try_reset_peak_memory_stats().or_raise()
}

/// The `_C._cuda` submodule.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let c = PyModule::new(m.py(), "_cuda")?;
    c.add_function(wrap_pyfunction!(is_available, &c)?)?;
    c.add_function(wrap_pyfunction!(device_count, &c)?)?;
    c.add_function(wrap_pyfunction!(synchronize, &c)?)?;
    c.add_function(wrap_pyfunction!(manual_seed, &c)?)?;
    c.add_function(wrap_pyfunction!(manual_seed_all, &c)?)?;
    c.add_function(wrap_pyfunction!(memory_allocated, &c)?)?;
    c.add_function(wrap_pyfunction!(max_memory_allocated, &c)?)?;
    c.add_function(wrap_pyfunction!(memory_reserved, &c)?)?;
    c.add_function(wrap_pyfunction!(max_memory_reserved, &c)?)?;
    c.add_function(wrap_pyfunction!(empty_cache, &c)?)?;
    c.add_function(wrap_pyfunction!(reset_peak_memory_stats, &c)?)?;
    m.add_submodule(&c)?;
    Ok(())
}
