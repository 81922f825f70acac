//! `torch.optim`: the engine's optimizers and learning-rate schedulers, driven by the
//! Python classes of `ember/optim`.

use pyo3::prelude::*;

/// The `_C._optim` submodule.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let o = PyModule::new(m.py(), "_optim")?;
    m.add_submodule(&o)?;
    Ok(())
}
