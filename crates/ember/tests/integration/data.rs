//! `ember::utils::data` against `torch.utils.data`: the orders PyTorch's samplers draw for
//! a seed, default collation, the DataLoader's batching, options and worker threads.
//! `tests/fixtures/data/cases.json` is written by `tools/make_data_cases.py` (PyTorch 2.15).

mod collate;
mod datasets;
mod loader;
mod samplers;
mod workers;

use serde_json::Value;
use std::sync::OnceLock;

/// The cases PyTorch computed.
pub fn cases() -> &'static Value {
    static CASES: OnceLock<Value> = OnceLock::new();
    CASES.get_or_init(|| {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data/cases.json");
        let text = std::fs::read_to_string(&path).expect("tests/fixtures/data/cases.json");
        serde_json::from_str(&text).expect("valid JSON")
    })
}

/// A JSON list of non-negative integers.
pub fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_u64().expect("an index") as usize)
        .collect()
}

/// A JSON list of lists of indices (a sampler's passes, a loader's batches).
pub fn lists(v: &Value) -> Vec<Vec<usize>> {
    v.as_array().expect("a list").iter().map(usizes).collect()
}

/// A JSON number as an int64 draw (`random_()`'s result).
pub fn int(v: &Value) -> i64 {
    v.as_i64().expect("an integer")
}

/// PyTorch's message with ember's namespace.
pub fn msg(v: &Value) -> String {
    v.as_str().expect("a message").replace("torch.", "ember.")
}
