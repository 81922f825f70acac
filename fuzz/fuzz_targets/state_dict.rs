//! Fuzzes loading a state dict from file bytes into a model: ember reads state dicts from
//! safetensors files (`io::load`) and, as named arrays, from `.npz` archives
//! (`io::load_npz`). Both parsers see every input (a file of one format is a malformed file
//! of the other), and whatever parses is handed to `load_state_dict` strict and non-strict:
//! any bytes must give `Ok` or `Err`, never a panic or UB, and a model that accepted a state
//! dict must still run forward.
//!
//! The `_from_bytes` functions are what `io::load`/`io::load_npz` call after reading the
//! file; going through a real file would add a write and a read per execution and nothing
//! that the byte parsers do not cover.
#![no_main]

use ember::nn::{BatchNorm1d, Linear, Module, Sequential, StateDict};
use libfuzzer_sys::fuzz_target;

/// A model with parameters (f32) and buffers of two dtypes (f32 running stats, an i64
/// `num_batches_tracked`), so that loading meets shape checks and dtype casts.
fn model() -> Sequential {
    Sequential::new()
        .push(Linear::new(3, 2))
        .push(BatchNorm1d::new(2))
}

fn load_into_model(sd: &StateDict) {
    let m = model();
    let strict = m.load_state_dict(sd);
    let loose = model().load_state_dict_non_strict(sd);
    // Nothing is copied when a strict load fails, so only a model that accepted the
    // state dict needs to be exercised.
    if strict.is_ok() {
        let _ = m.forward(&ember::ones([4, 3]));
        let _ = format!("{:?}", m.state_dict());
    }
    let _ = format!("{loose:?}");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(sd) = ember::io::safetensors_from_bytes(data) {
        load_into_model(&sd);
    }
    if let Ok(arrays) = ember::io::npz_from_bytes(data) {
        let sd: StateDict = arrays.into_iter().collect();
        load_into_model(&sd);
    }
});
