//! The engine's data readers for the Python `torchvision.datasets`: the shipped digits and
//! IDX files (MNIST's format).

use crate::error::{OrRaise, guard};
use crate::tensor::wrap;
use pyo3::prelude::*;

/// `_C._digits()`: the 1,797 shipped 8×8 digits as `(images, targets)`, a uint8 tensor
/// `[1797, 8, 8]` (the source's 0–16 scaled to 0–255, `round(v * 255 / 16)`) and an int64
/// tensor `[1797]`, in the source's order (`ember::datasets::Digits::all`).
#[pyfunction]
fn _digits(py: Python<'_>) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    guard(|| {
        let d = ember::datasets::Digits::all().or_raise()?;
        Ok((wrap(py, d.data().clone())?, wrap(py, d.targets().clone())?))
    })
}

/// `_C._read_idx(path)`: an IDX file (`.gz` too) as a tensor of its element type and
/// shape, e.g. uint8 `[N, 28, 28]` images or `[N]` labels (`ember::datasets::read_idx`).
#[pyfunction]
fn _read_idx(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Py<PyAny>> {
    guard(|| wrap(py, ember::datasets::read_idx(&path).or_raise()?))
}

/// Registers the functions in `_C`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_digits, m)?)?;
    m.add_function(wrap_pyfunction!(_read_idx, m)?)?;
    Ok(())
}
