//! Fuzzes the safetensors loader: any bytes must give `Ok` or `Err`, never a panic or UB; a loaded
//! result must be fully readable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = ember::io::safetensors_from_bytes(data) {
        let _ = format!("{loaded:?}");
    }
});
