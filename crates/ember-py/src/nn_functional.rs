//! `torch.nn.functional`: the engine's functional layers and losses with PyTorch's Python
//! signatures, in the `_C._nn` submodule that `ember/nn/functional.py` re-exports.

use pyo3::prelude::*;

/// The `_C._nn` submodule.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let nn = PyModule::new(m.py(), "_nn")?;
    m.add_submodule(&nn)?;
    Ok(())
}
