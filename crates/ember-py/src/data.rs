//! The engine's data readers for the Python `torchvision.datasets`: the shipped digits and
//! IDX files (MNIST's format).

use crate::error::{OrRaise, guard};
use crate::tensor::wrap;
use pyo3::prelude::*;

/// `_C._digits(train=None)`: the shipped 8×8 digits as `(images, targets)`, a uint8 tensor
/// `[N, 8, 8]` (the source's 0–16 scaled to 0–255, `round(v * 255 / 16)`) and an int64
/// tensor `[N]`: all 1,797 in the source's order, or the engine's training (`True`, 1,500)
/// or test (`False`, 297) split (`ember::datasets::Digits`).
#[pyfunction]
#[pyo3(signature = (train = None))]
fn _digits(py: Python<'_>, train: Option<bool>) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    guard(|| {
        let d = match train {
            None => ember::datasets::Digits::all(),
            Some(train) => ember::datasets::Digits::new(train),
        }
        .or_raise()?;
        Ok((wrap(py, d.data().clone())?, wrap(py, d.targets().clone())?))
    })
}

/// `_C._read_idx(path)`: an IDX file (`.gz` too) as a tensor of its element type and
/// shape, e.g. uint8 `[N, 28, 28]` images or `[N]` labels (`ember::datasets::read_idx`).
#[pyfunction]
fn _read_idx(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Py<PyAny>> {
    guard(|| wrap(py, ember::datasets::read_idx(&path).or_raise()?))
}

/// `_C._weighted_indices(weights, num_samples, replacement, generator=None)`: one pass of
/// `WeightedRandomSampler`, i.e. `torch.multinomial(torch.as_tensor(weights, dtype=double),
/// num_samples, replacement, generator=generator)` by PyTorch's CPU draws (the engine's
/// `ember::utils::data::WeightedRandomSampler`). Bad weights raise multinomial's
/// `RuntimeError`.
#[pyfunction]
#[pyo3(signature = (weights, num_samples, replacement, generator = None))]
fn _weighted_indices(
    py: Python<'_>,
    weights: Vec<f64>,
    num_samples: usize,
    replacement: bool,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<usize>> {
    use ember::utils::data::{Sampler, WeightedRandomSampler, WeightedRandomSamplerOptions};
    let generator = crate::generator::GenArg::new("multinomial", generator)?;
    let opts = WeightedRandomSamplerOptions {
        replacement,
        generator: None,
    };
    let mut sampler = WeightedRandomSampler::new_with(weights, num_samples, opts)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    // Without a generator of its own the sampler draws from the default one, which the
    // scope of `draw` replaces with `generator`'s.
    guard(|| generator.draw(py, ember::Device::Cpu, || sampler.indices()))
}

/// Registers the functions in `_C`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_weighted_indices, m)?)?;
    m.add_function(wrap_pyfunction!(_digits, m)?)?;
    m.add_function(wrap_pyfunction!(_read_idx, m)?)?;
    Ok(())
}
